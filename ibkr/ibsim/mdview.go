package ibsim

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// mdView is what a subscription shows at one instant. NaN marks a value
// the market does not have (nothing is sent for it); -1 for bid or ask is
// IB's "no quote" and is sent.
type mdView struct {
	trading  bool // the market is open at this instant
	preOpen  bool // a stock quote before the regular session
	bid, ask float64
	last     float64
	bidSize  float64
	askSize  float64
	lastSize float64
	volume   float64
	high     float64
	low      float64
	close    float64
	open     float64
	lastTime time.Time // the last trade (zero: unknown)
	halted   float64   // tick 49: 0 not halted; NaN when not sent
	comps    map[int]market.Greeks
	generic  []genericVal
}

type genericVal struct {
	tick int
	size bool // sent as tickSize (else tickGeneric)
	v    float64
}

// servedType is the market data type a subscription gets: live or frozen
// for an account with live data, delayed or delayed-frozen without.
// Frozen types apply only while the market is closed.
func servedType(requested int, delayed, trading bool) int {
	frozen := (requested == 2 || requested == 4) && !trading
	switch {
	case delayed && frozen:
		return 4
	case delayed:
		return 3
	case frozen:
		return 2
	}
	return 1
}

// notComputed is an option computation without values, keeping the
// underlying's price.
func notComputed(und float64) market.Greeks {
	return market.Greeks{IV: -1, Delta: -2, OptPrice: -1, PVDividend: -1, Gamma: -2, Vega: -2, Theta: -2, UndPrice: und}
}

// mdUpdate sends a subscription's state at now: everything when initial,
// else only what changed since the last update. The caller holds m.mu.
func (c *client) mdUpdate(s *mdSub, now time.Time, initial bool) {
	at := now
	if s.delayed {
		at = now.Add(-delayedBy)
	}
	v := c.mdView(s, at)
	typ := servedType(s.requested, s.delayed, v.trading)
	if !initial && !v.trading && !s.trades && typ == s.served {
		// A closed market stays as it was: IB sends nothing new.
		return
	}
	s.trades = v.trading
	if !v.trading && (typ == 1 || typ == 3) {
		// Live or delayed data while the market is closed: no bid and no
		// ask ("-1 values will commonly be returned"); frozen types keep
		// the last quote.
		v.bid, v.ask, v.bidSize, v.askSize = -1, -1, 0, 0
		for _, t := range []int{tickBidOption, tickAskOption} {
			if g, ok := v.comps[t]; ok {
				v.comps[t] = notComputed(g.UndPrice)
			}
		}
	}
	if initial || typ != s.served {
		s.served = typ
		c.send(c.codec.MarketDataType(s.reqID, int64(typ)))
	}
	if initial {
		if s.delayed {
			c.sendError(s.reqID, 10167, "Requested market data is not subscribed. Displaying delayed market data.")
		}
		minTick := 0.01
		if s.inst != nil && s.inst.MinTick > 0 {
			minTick = s.inst.MinTick
		}
		bbo := "9c0001" // IB's code for the SMART book
		if s.exchange != "SMART" {
			bbo = s.exchange
		}
		c.send(c.codec.TickReqParams(s.reqID, minTick, bbo, 3)) // nil before version 114
	}
	c.mdSend(s, v, initial)
}

// mdSend sends the ticks of a view that differ from what the subscription
// sent last (all of them when initial).
func (c *client) mdSend(s *mdSub, v mdView, initial bool) {
	tt := func(t int) int64 {
		if s.delayed {
			return int64(delayedTick(t))
		}
		return int64(t)
	}
	changed := func(t int, x float64) bool {
		old, ok := s.sent[t]
		if initial || !ok || old != x {
			s.sent[t] = x
			return true
		}
		return false
	}
	if !s.noBasic {
		// Bid and ask of a live, open market can auto-execute; before the
		// regular session they are pre-open.
		var attr int64
		if s.served == 1 && v.trading {
			attr = 1
			if v.preOpen && c.version >= wire.MinVerPreOpenBidAsk {
				attr |= 4
			}
		}
		priceSize := func(pt, st int, p, sz float64, a int64) bool {
			if math.IsNaN(p) {
				return false
			}
			pc := changed(pt, p)
			sc := changed(st, sz)
			if pc {
				c.send(c.codec.TickPrice(s.reqID, tt(pt), p, sz, a))
			}
			if pc || sc {
				c.send(c.codec.TickSize(s.reqID, tt(st), sz))
			}
			return pc || sc
		}
		price := func(t int, p float64) {
			if !math.IsNaN(p) && changed(t, p) {
				c.send(c.codec.TickPrice(s.reqID, tt(t), p, 0, 0))
			}
		}
		priceSize(tickBid, tickBidSize, v.bid, v.bidSize, attr)
		priceSize(tickAsk, tickAskSize, v.ask, v.askSize, attr)
		traded := priceSize(tickLast, tickLastSize, v.last, v.lastSize, 0)
		if !math.IsNaN(v.volume) && changed(tickVolume, v.volume) {
			traded = true
			c.send(c.codec.TickSize(s.reqID, tt(tickVolume), v.volume))
		}
		if traded && !v.lastTime.IsZero() {
			c.send(c.codec.TickString(s.reqID, tt(tickLastTimestamp), strconv.FormatInt(v.lastTime.Unix(), 10)))
		}
		price(tickHigh, v.high)
		price(tickLow, v.low)
		price(tickClose, v.close)
		price(tickOpen, v.open)
		if !math.IsNaN(v.halted) && changed(tickHalted, v.halted) {
			c.send(c.codec.TickGeneric(s.reqID, tt(tickHalted), v.halted))
		}
		for _, t := range []int{tickBidOption, tickAskOption, tickLastOption, tickModelOption} {
			g, ok := v.comps[t]
			if !ok {
				continue
			}
			if old, seen := s.greeks[t]; !initial && seen && old == g {
				continue
			}
			s.greeks[t] = g
			c.sendOptionComputation(s.reqID, tt(t), t, g)
		}
	}
	for _, g := range v.generic {
		if !changed(g.tick, g.v) {
			continue
		}
		if g.size {
			c.send(c.codec.TickSize(s.reqID, int64(g.tick), g.v))
		} else {
			c.send(c.codec.TickGeneric(s.reqID, int64(g.tick), g.v))
		}
	}
}

// sendOptionComputation sends tickOptionComputation (21) with the tick
// attribute: 1 implied from a quoted or traded price, 0 the model's.
func (c *client) sendOptionComputation(reqID, tick int64, liveTick int, g market.Greeks) {
	attrib := int64(1)
	if liveTick == tickModelOption {
		attrib = 0
	}
	c.send(c.codec.TickOptionComputation(reqID, tick, attrib, g))
}

// bad reports a value the model could not produce.
func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// posOr returns x when it is a positive number, else def.
func posOr(x, def float64) float64 {
	if bad(x) || x <= 0 {
		return def
	}
	return x
}

// markGreeks replaces values the model could not compute with the
// protocol's "not computed" markers (IV -1, delta -2, price -1, PV
// dividend -1, gamma/vega/theta -2, underlying -1).
func markGreeks(g market.Greeks) market.Greeks {
	if bad(g.IV) || g.IV <= 0 {
		return notComputed(posOr(g.UndPrice, -1))
	}
	out := g
	if bad(g.Delta) {
		out.Delta = -2
	}
	if bad(g.Gamma) {
		out.Gamma = -2
	}
	if bad(g.Vega) {
		out.Vega = -2
	}
	if bad(g.Theta) {
		out.Theta = -2
	}
	out.OptPrice = posOr(g.OptPrice, -1)
	if bad(g.PVDividend) || g.PVDividend < 0 {
		out.PVDividend = -1
	}
	out.UndPrice = posOr(g.UndPrice, -1)
	return out
}

// mdView computes what a subscription shows at instant at.
func (c *client) mdView(s *mdSub, at time.Time) mdView {
	if s.inst == nil {
		return c.comboView(s, at)
	}
	in := s.inst
	q := c.srv.prices.Quote(in, at)
	nan := math.NaN()
	v := mdView{
		trading: q.Trading,
		bid:     posOr(q.Bid, -1), ask: posOr(q.Ask, -1),
		last: posOr(q.Last, nan),
		high: posOr(q.High, nan), low: posOr(q.Low, nan),
		close: posOr(q.Close, nan), open: posOr(q.Open, nan),
		volume: nan, halted: nan,
	}
	// Sizes: US stock quotes in shares from version 159, in lots before;
	// the stock day volume in lots below version 220, in shares from 220.
	lot, volLot := 1.0, 1.0
	if in.SecType == "STK" && (in.Currency == "USD" || in.Currency == "") {
		if c.version < wire.MinVerVolumesInShares {
			volLot = 100
		}
		if c.version < wire.MinVerMarketDataShares {
			lot = 100
		}
	}
	size := func(x, unit float64) float64 {
		if bad(x) || x <= 0 {
			return 0
		}
		return math.Round(x / unit)
	}
	if v.bid > 0 {
		v.bidSize = size(q.BidSize, lot)
	}
	if v.ask > 0 {
		v.askSize = size(q.AskSize, lot)
	}
	if !math.IsNaN(v.last) {
		v.lastSize = size(q.LastSize, lot)
	}
	if in.SecType == "IND" {
		// An index has no quote, only values.
		v.bid, v.ask = nan, nan
	} else {
		v.volume = size(q.Volume, volLot)
		v.halted = 0
		if q.Trading && !math.IsNaN(v.last) {
			v.lastTime = at.Truncate(time.Second)
		}
	}
	if in.SecType == "STK" && q.Trading {
		ny := at.In(market.NewYork)
		v.preOpen = ny.Hour() < 9 || (ny.Hour() == 9 && ny.Minute() < 30)
	}
	if in.IsOption() {
		v.comps = map[int]market.Greeks{
			tickBidOption:   markGreeks(q.BidGreeks),
			tickAskOption:   markGreeks(q.AskGreeks),
			tickModelOption: markGreeks(q.Greeks),
		}
		if !math.IsNaN(v.last) {
			v.comps[tickLastOption] = markGreeks(q.LastGreeks)
		}
	}
	for _, id := range s.generic {
		v.generic = append(v.generic, genericTicks(in, q, id)...)
	}
	return v
}

// genericTicks returns the values one generic tick id brings for an
// instrument; ids IB accepts but the simulator does not model bring none.
func genericTicks(in *market.Instrument, q market.Quote, id int) []genericVal {
	count := func(x float64) float64 {
		if bad(x) || x <= 0 {
			return 0
		}
		return math.Round(x)
	}
	opt := in.IsOption()
	put := opt && (strings.EqualFold(in.Right, "P") || strings.EqualFold(in.Right, "PUT"))
	switch id {
	case 100: // option volume: 29 calls, 30 puts
		if opt {
			t := tickCallVolume
			if put {
				t = tickPutVolume
			}
			return []genericVal{{t, true, count(q.Volume)}}
		}
		return []genericVal{{tickCallVolume, true, count(q.CallVolume)}, {tickPutVolume, true, count(q.PutVolume)}}
	case 101: // option open interest: 27 calls, 28 puts
		if opt {
			t := tickCallOI
			if put {
				t = tickPutOI
			}
			return []genericVal{{t, true, count(q.OpenInterest)}}
		}
		return []genericVal{{tickCallOI, true, count(q.CallOI)}, {tickPutOI, true, count(q.PutOI)}}
	case 106: // implied volatility
		iv := q.ImpliedVol
		if opt {
			iv = q.Greeks.IV
		}
		if !bad(iv) && iv > 0 {
			return []genericVal{{tickOptionImpVol, false, iv}}
		}
	case 411: // real-time historical volatility
		if !opt && !bad(q.HistVol) && q.HistVol > 0 {
			return []genericVal{{tickRTHistVol, false, q.HistVol}}
		}
	case 236: // shortable: 3 means at least 1000 shares can be borrowed
		if in.SecType == "STK" {
			return []genericVal{{tickShortable, false, 3}, {tickShortableShare, true, 10_000_000}}
		}
	}
	return nil
}

// comboView prices a combo from its legs: the combo's bid sells every
// bought leg at its bid and buys every sold leg at its ask; its sizes are
// what every leg can fill. A combo shows bid and ask only, and its price
// may be negative (a credit).
func (c *client) comboView(s *mdSub, at time.Time) mdView {
	nan := math.NaN()
	v := mdView{trading: true, last: nan, volume: nan, high: nan, low: nan, close: nan, open: nan, halted: nan}
	bidSize, askSize := math.Inf(1), math.Inf(1)
	quoted := true
	for _, l := range s.legs {
		q := c.srv.prices.Quote(l.inst, at)
		v.trading = v.trading && q.Trading
		if q.Bid <= 0 || q.Ask <= 0 || bad(q.Bid) || bad(q.Ask) {
			quoted = false
			continue
		}
		r := float64(l.ratio)
		if strings.EqualFold(l.action, "SELL") {
			v.bid -= r * q.Ask
			v.ask -= r * q.Bid
			bidSize = min(bidSize, q.AskSize/r)
			askSize = min(askSize, q.BidSize/r)
		} else {
			v.bid += r * q.Bid
			v.ask += r * q.Ask
			bidSize = min(bidSize, q.BidSize/r)
			askSize = min(askSize, q.AskSize/r)
		}
	}
	if !quoted {
		v.bid, v.ask = -1, -1
		return v
	}
	v.bid = math.Round(v.bid*100) / 100
	v.ask = math.Round(v.ask*100) / 100
	v.bidSize = math.Max(0, math.Floor(bidSize))
	v.askSize = math.Max(0, math.Floor(askSize))
	return v
}
