package ibsim

// Top-of-book market data: reqMktData (1) and cancelMktData (2), streaming
// subscriptions and snapshots, in the layouts of the negotiated version.
//
// What a request gets, as a real Gateway answers it:
//
//   - 58 marketDataType with the type actually served, then (delayed only)
//     warning 10167, then 81 tickReqParams (versions >= 114), then the
//     default ticks: bid, ask and last as tickPrice carrying their size
//     (followed by the same size as tickSize), volume, high, low, close,
//     open, halted, the last trade's time and, for options, the bid, ask,
//     last and model option computations; then the generic ticks asked for.
//   - Delayed data (an account without live subscriptions, Config.Delayed,
//     asking for type 3 or 4) is the market of 15 minutes ago under the
//     delayed tick ids (66-76, 80-83, 88, 90).
//   - Streaming subscriptions then get what changed at every server tick;
//     a closed market changes nothing, so nothing is sent.
//   - Snapshots hold a line until their tickSnapshotEnd (57), sent
//     Config.SnapshotEndDelay after the ticks.
//
// Sizes: bid, ask and last sizes of US stocks are in shares from version
// 159 (MIN_SERVER_VER_MARKET_DATA_IN_SHARES) and in round lots of 100
// before; the day volume (tick 8) of US stocks stays in lots of 100 at every
// text version (IB reports it in shares only from version 220,
// MIN_SERVER_VER_MARKET_DATA_VOLUMES_IN_SHARES). Options count contracts.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server versions that change the market data layouts.
const (
	minVerLinking          = 70  // mktDataOptions in reqMktData
	minVerTickReqParams    = 114 // tickReqParams and regulatorySnapshot (REQ_SMART_COMPONENTS)
	minVerPreOpenBidAsk    = 132 // preOpen attribute bit
	minVerPriceBasedVol    = 156 // tickOptionComputation: tickAttrib, no version field
	minVerMarketDataShares = 159 // stock sizes in shares instead of lots
)

// delayedBy is how old delayed market data is (IB: 15 to 20 minutes).
const delayedBy = 15 * time.Minute

// Tick type ids (ibapi tick_type.go).
const (
	tickBidSize        = 0
	tickBid            = 1
	tickAsk            = 2
	tickAskSize        = 3
	tickLast           = 4
	tickLastSize       = 5
	tickHigh           = 6
	tickLow            = 7
	tickVolume         = 8
	tickClose          = 9
	tickBidOption      = 10
	tickAskOption      = 11
	tickLastOption     = 12
	tickModelOption    = 13
	tickOpen           = 14
	tickOptionImpVol   = 24
	tickCallOI         = 27
	tickPutOI          = 28
	tickCallVolume     = 29
	tickPutVolume      = 30
	tickLastTimestamp  = 45
	tickShortable      = 46
	tickHalted         = 49
	tickRTHistVol      = 58
	tickShortableShare = 89
)

// delayedTicks maps live tick types to their delayed counterparts.
var delayedTicks = map[int]int{
	tickBidSize: 69, tickBid: 66, tickAsk: 67, tickAskSize: 70, tickLast: 68, tickLastSize: 71,
	tickHigh: 72, tickLow: 73, tickVolume: 74, tickClose: 75, tickOpen: 76,
	tickBidOption: 80, tickAskOption: 81, tickLastOption: 82, tickModelOption: 83,
	tickLastTimestamp: 88, tickHalted: 90,
}

// delayedTick maps a live tick type to its delayed counterpart; types
// without one (generic ticks) keep their id.
func delayedTick(t int) int {
	if d, ok := delayedTicks[t]; ok {
		return d
	}
	return t
}

// legalGenericTicks is the list IB's error 321 names as legal. Live
// Gateways (2022-2026) name the same list for STK, OPT, IND and FUT; it does
// not contain 104 (historical volatility, tick 23), which IB refuses in a
// generic tick list: historical volatility comes from 411 (tick 58).
const legalGenericTicks = "100(Option Volume),101(Option Open Interest),105(Average Opt Volume),106(impvolat)," +
	"165(Misc. Stats),221/220(Creditman Mark Price),225(Auction),232/221(Pl Price),233(RTVolume),236(inventory)," +
	"258/47(Fundamentals),292(Wide_news),293(TradeCount),294(TradeRate),295(VolumeRate),318(LastRTHTrade)," +
	"375(RTTrdVolume),411(rthistvol),456/59(IBDividends),460(Bond Factor Multiplier),577(EtfNavLast(navlast))," +
	"586(IPOHLMPRC),587(Pl Price Delayed),588(Futures Open Interest),595(Short-Term Volume X Mins)," +
	"614(EtfNavMisc(high/low)),619(Creditman Slow Mark Price),623(EtfFrozenNavLast(fznavlast))"

// legalGeneric is the set of ids in legalGenericTicks (the aliases after a
// slash are tick types, not request ids).
var legalGeneric = func() map[int]bool {
	m := map[int]bool{}
	for _, item := range strings.Split(legalGenericTicks, "),") {
		num := item
		if i := strings.IndexAny(num, "/("); i >= 0 {
			num = num[:i]
		}
		if v, err := strconv.Atoi(num); err == nil {
			m[v] = true
		}
	}
	return m
}()

// comboLeg is one leg of a BAG request.
type comboLeg struct {
	conID  int64
	ratio  int64
	action string // BUY or SELL
	inst   *instrument
}

// mdSub is one market data request: a streaming subscription or an open
// snapshot. Its fields are guarded by the mdState mutex.
type mdSub struct {
	reqID    int64
	inst     *instrument // nil for a combo
	legs     []comboLeg
	secType  string
	exchange string
	generic  []int
	noBasic  bool // "mdoff": generic ticks only
	snapshot bool
	timer    *time.Timer

	requested int  // market data type in effect when requested (1..4)
	delayed   bool // served from delayed data
	served    int  // type last announced with 58
	// last sent values, by tick type (live ids); option computations apart.
	sent   map[int]float64
	greeks map[int]greeks
	trades bool // the market traded at the last update
}

// mdState holds one connection's market data requests.
type mdState struct {
	mu     sync.Mutex
	subs   map[int64]*mdSub
	closed bool
	seq    int            // for the request code IB puts in 321/322 texts
	timers sync.WaitGroup // snapshot-end timers that may still fire
}

func newMDState() *mdState { return &mdState{subs: map[int64]*mdSub{}} }

// reqCode returns a two-character request class code like the one IB puts
// in validation errors ("Error validating request.-'bW' : ...").
func (m *mdState) reqCode() string {
	m.seq++
	return "b" + string(rune('A'+(m.seq+21)%26))
}

// closeAll ends every request of a closing connection and releases their
// lines. It waits for snapshot timers that already fired.
func (m *mdState) closeAll(c *client) {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.dropAll(c)
	m.timers.Wait()
}

// dropAll ends every subscription and frees its line, as the Gateway does
// after 1101 (connectivity restored, data lost); the connection stays and
// takes new requests.
func (m *mdState) dropAll(c *client) {
	m.mu.Lock()
	for id, s := range m.subs {
		m.stopTimer(s)
		c.srv.lines.release()
		delete(m.subs, id)
	}
	m.mu.Unlock()
}

// stopTimer stops a snapshot's end timer; the caller holds m.mu.
func (m *mdState) stopTimer(s *mdSub) {
	if s.timer != nil && s.timer.Stop() {
		m.timers.Done()
	}
	s.timer = nil
}

// tick sends every streaming subscription what changed at now.
func (m *mdState) tick(c *client, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || c.srv.competingSession() {
		return
	}
	for _, s := range m.subs {
		if s.snapshot {
			continue
		}
		c.mdUpdate(s, now, false)
	}
}

// handleReqMktData parses reqMktData exactly as the client encodes it at the
// negotiated version: [1]version(11) [2]reqId [3]conId [4..14] contract
// (tradingClass at >= 68), BAG legs, delta-neutral contract, genericTickList,
// snapshot, regulatorySnapshot (>= 114), mktDataOptions (>= 70).
func handleReqMktData(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	f.reqID = reqID
	q := f.readContract()
	var legs []comboLeg
	if q.secType == "BAG" {
		n := f.int("comboLegsCount")
		if f.err == nil && (n < 0 || n > 64) {
			return &fieldError{Index: f.i - 1, Name: "comboLegsCount", Value: strconv.FormatInt(n, 10), Want: "0..64"}
		}
		for range n {
			var l comboLeg
			l.conID = f.int("comboLeg.conId")
			l.ratio = f.int("comboLeg.ratio")
			l.action = f.str("comboLeg.action")
			f.str("comboLeg.exchange")
			legs = append(legs, l)
		}
	}
	if f.bool("deltaNeutralContract") {
		f.int("deltaNeutralContract.conId")
		f.float("deltaNeutralContract.delta")
		f.float("deltaNeutralContract.price")
	}
	genericList := f.str("genericTickList")
	snapshot := f.bool("snapshot")
	if c.version >= minVerTickReqParams && f.bool("regulatorySnapshot") {
		// A regulatory snapshot is answered like a snapshot.
		snapshot = true
	}
	if c.version >= minVerLinking {
		f.str("mktDataOptions")
	}
	if f.err != nil {
		return f.err
	}
	c.md.request(c, reqID, q, legs, genericList, snapshot)
	return nil
}

// handleCancelMktData: [1]version [2]reqId.
func handleCancelMktData(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	f.reqID = reqID
	if f.err != nil {
		return f.err
	}
	m := c.md
	m.mu.Lock()
	s, ok := m.subs[reqID]
	if ok {
		m.stopTimer(s)
		delete(m.subs, reqID)
		c.srv.lines.release()
	}
	m.mu.Unlock()
	if !ok {
		c.sendError(reqID, 300, fmt.Sprintf("Can't find EId with tickerId:%d", reqID))
	}
	return nil
}

// request validates a market data request in the order the Gateway does and
// starts it.
func (m *mdState) request(c *client, reqID int64, q contractQuery, legs []comboLeg, genericList string, snapshot bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if _, dup := m.subs[reqID]; dup {
		c.sendError(reqID, 322, fmt.Sprintf("Error processing request.-'%s' : cause - Duplicate ticker id", m.reqCode()))
		return
	}
	if strings.TrimSpace(q.exchange) == "" {
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Please enter exchange", m.reqCode()))
		return
	}
	generic, noBasic, ok := parseGenericTicks(genericList)
	if snapshot && strings.TrimSpace(genericList) != "" {
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Snapshot market data subscription is not applicable to generic ticks", m.reqCode()))
		return
	}
	if !ok {
		st := strings.ToUpper(q.secType)
		if st == "" {
			st = "STK"
		}
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Incorrect generic tick list of %s.  Legal ones for (%s) are: %s",
			m.reqCode(), genericList, st, legalGenericTicks))
		return
	}
	now := c.srv.now()
	s := &mdSub{reqID: reqID, generic: generic, noBasic: noBasic, snapshot: snapshot,
		exchange: strings.ToUpper(q.exchange), sent: map[int]float64{}, greeks: map[int]greeks{}}
	if q.secType == "BAG" {
		if len(legs) == 0 {
			c.sendError(reqID, 200, "No security definition has been found for the request")
			return
		}
		for i := range legs {
			in := c.srv.ref.byConID(legs[i].conID, now)
			if in == nil || legs[i].ratio <= 0 {
				c.sendError(reqID, 200, "No security definition has been found for the request")
				return
			}
			legs[i].inst = in
		}
		s.legs = legs
		s.secType = "BAG"
	} else {
		in, msg := c.srv.ref.resolveOne(q, now)
		if in == nil {
			c.sendError(reqID, 200, msg)
			return
		}
		s.inst = in
		s.secType = in.secType
	}
	// Permissions: an account without live subscriptions gets delayed data
	// only when it asked for it; an account with them always gets live
	// data (IB ignores a request for delayed data when live data is
	// available).
	s.requested = int(c.mdType.Load())
	if c.srv.cfg.Delayed {
		if s.requested == 1 || s.requested == 2 {
			c.sendError(reqID, 354, "Requested market data is not subscribed.Delayed market data is available."+permissionSuffix(s))
			return
		}
		s.delayed = true
	}
	if !c.srv.lines.acquire() {
		c.sendError(reqID, 101, "Max number of tickers has been reached.")
		return
	}
	m.subs[reqID] = s
	if c.srv.competingSession() {
		// The subscription is kept; no data flows until the competing
		// session ends.
		c.sendError(reqID, 10197, "No market data during competing live session")
	} else {
		c.mdUpdate(s, now, true)
	}
	if snapshot {
		m.timers.Add(1)
		s.timer = time.AfterFunc(c.srv.cfg.SnapshotEndDelay, func() {
			defer m.timers.Done()
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.closed || m.subs[reqID] != s {
				return
			}
			s.timer = nil
			delete(m.subs, reqID)
			c.srv.lines.release()
			c.send(newMsg(inTickSnapshotEnd).int(1).int(reqID))
		})
	}
}

// permissionSuffix is the detail IB appends to 354: the missing data
// permission, e.g. "Error&BEST/STK/Top&BEST/STK/Top" for a SMART stock.
func permissionSuffix(s *mdSub) string {
	exch := s.exchange
	if exch == "SMART" {
		exch = "BEST"
	}
	p := exch + "/" + s.secType + "/Top"
	if exch == "BEST" {
		return "Error&" + p + "&" + p
	}
	return "Error&" + p
}

// resolveOne finds the one instrument a market data request or an order
// names. It returns nil and the text of error 200 when there is none or
// more than one.
func (r *refData) resolveOne(q contractQuery, now time.Time) (*instrument, string) {
	const notFound = "No security definition has been found for the request"
	if q.conID > 0 {
		in := r.byConID(q.conID, now)
		if in == nil {
			return nil, notFound
		}
		if q.symbol != "" && !strings.EqualFold(q.symbol, in.symbol) && !strings.EqualFold(q.symbol, in.underSymbol) {
			return nil, notFound
		}
		if q.secType != "" && !strings.EqualFold(q.secType, in.secType) {
			return nil, notFound
		}
		return in, ""
	}
	found := r.resolve(q, now)
	switch len(found) {
	case 0:
		return nil, notFound
	case 1:
		return found[0], ""
	}
	return nil, fmt.Sprintf("The contract description specified for %s is ambiguous.", q.symbol)
}

// parseGenericTicks splits a generic tick list. ok is false when an id is
// not one IB accepts. "mdoff" turns the default ticks off; a news id may
// carry its providers after a colon ("292:BRFG").
func parseGenericTicks(list string) (ids []int, noBasic, ok bool) {
	for _, tok := range strings.Split(list, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if strings.EqualFold(tok, "mdoff") {
			noBasic = true
			continue
		}
		if i := strings.IndexByte(tok, ':'); i >= 0 {
			tok = tok[:i]
		}
		v, err := strconv.Atoi(tok)
		if err != nil || !legalGeneric[v] {
			return nil, false, false
		}
		ids = append(ids, v)
	}
	return ids, noBasic, true
}

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
	comps    map[int]greeks
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
func notComputed(und float64) greeks {
	return greeks{iv: -1, delta: -2, optPrice: -1, pvDividend: -1, gamma: -2, vega: -2, theta: -2, undPrice: und}
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
				v.comps[t] = notComputed(g.undPrice)
			}
		}
	}
	if initial || typ != s.served {
		s.served = typ
		c.send(newMsg(inMarketDataType).int(1).int(s.reqID).int(int64(typ)))
	}
	if initial {
		if s.delayed {
			c.sendError(s.reqID, 10167, "Requested market data is not subscribed. Displaying delayed market data.")
		}
		if c.version >= minVerTickReqParams {
			minTick := 0.01
			if s.inst != nil && s.inst.minTick > 0 {
				minTick = s.inst.minTick
			}
			bbo := "9c0001" // IB's code for the SMART book
			if s.exchange != "SMART" {
				bbo = s.exchange
			}
			c.send(newMsg(inTickReqParams).int(s.reqID).float(minTick).str(bbo).int(3))
		}
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
			if v.preOpen && c.version >= minVerPreOpenBidAsk {
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
				c.send(newMsg(inTickPrice).int(6).int(s.reqID).int(tt(pt)).float(p).decimal(sz).int(a))
			}
			if pc || sc {
				c.send(newMsg(inTickSize).int(6).int(s.reqID).int(tt(st)).decimal(sz))
			}
			return pc || sc
		}
		price := func(t int, p float64) {
			if !math.IsNaN(p) && changed(t, p) {
				c.send(newMsg(inTickPrice).int(6).int(s.reqID).int(tt(t)).float(p).decimal(0).int(0))
			}
		}
		priceSize(tickBid, tickBidSize, v.bid, v.bidSize, attr)
		priceSize(tickAsk, tickAskSize, v.ask, v.askSize, attr)
		traded := priceSize(tickLast, tickLastSize, v.last, v.lastSize, 0)
		if !math.IsNaN(v.volume) && changed(tickVolume, v.volume) {
			traded = true
			c.send(newMsg(inTickSize).int(6).int(s.reqID).int(tt(tickVolume)).decimal(v.volume))
		}
		if traded && !v.lastTime.IsZero() {
			c.send(newMsg(inTickString).int(6).int(s.reqID).int(tt(tickLastTimestamp)).str(strconv.FormatInt(v.lastTime.Unix(), 10)))
		}
		price(tickHigh, v.high)
		price(tickLow, v.low)
		price(tickClose, v.close)
		price(tickOpen, v.open)
		if !math.IsNaN(v.halted) && changed(tickHalted, v.halted) {
			c.send(newMsg(inTickGeneric).int(6).int(s.reqID).int(tt(tickHalted)).float(v.halted))
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
			c.send(newMsg(inTickSize).int(6).int(s.reqID).int(int64(g.tick)).decimal(g.v))
		} else {
			c.send(newMsg(inTickGeneric).int(6).int(s.reqID).int(int64(g.tick)).float(g.v))
		}
	}
}

// sendOptionComputation sends tickOptionComputation (21) in the version's
// layout: a version field (6) before 156, tickAttrib from 156.
func (c *client) sendOptionComputation(reqID, tick int64, liveTick int, g greeks) {
	m := newMsg(inTickOptionComp)
	if c.version < minVerPriceBasedVol {
		m.int(6)
	}
	m.int(reqID).int(tick)
	if c.version >= minVerPriceBasedVol {
		// 1: implied from a quoted or traded price; 0: the model's.
		attrib := int64(1)
		if liveTick == tickModelOption {
			attrib = 0
		}
		m.int(attrib)
	}
	m.float(g.iv).float(g.delta).float(g.optPrice).float(g.pvDividend).
		float(g.gamma).float(g.vega).float(g.theta).float(g.undPrice)
	c.send(m)
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
func markGreeks(g greeks) greeks {
	if bad(g.iv) || g.iv <= 0 {
		return notComputed(posOr(g.undPrice, -1))
	}
	out := g
	if bad(g.delta) {
		out.delta = -2
	}
	if bad(g.gamma) {
		out.gamma = -2
	}
	if bad(g.vega) {
		out.vega = -2
	}
	if bad(g.theta) {
		out.theta = -2
	}
	out.optPrice = posOr(g.optPrice, -1)
	if bad(g.pvDividend) || g.pvDividend < 0 {
		out.pvDividend = -1
	}
	out.undPrice = posOr(g.undPrice, -1)
	return out
}

// mdView computes what a subscription shows at instant at.
func (c *client) mdView(s *mdSub, at time.Time) mdView {
	if s.inst == nil {
		return c.comboView(s, at)
	}
	in := s.inst
	q := c.srv.prices.quote(in, at)
	nan := math.NaN()
	v := mdView{
		trading: q.trading,
		bid:     posOr(q.bid, -1), ask: posOr(q.ask, -1),
		last: posOr(q.last, nan),
		high: posOr(q.high, nan), low: posOr(q.low, nan),
		close: posOr(q.close, nan), open: posOr(q.open, nan),
		volume: nan, halted: nan,
	}
	// Sizes: US stock quotes in shares from version 159, in lots before;
	// the stock day volume in lots at every text version.
	lot, volLot := 1.0, 1.0
	if in.secType == "STK" && (in.currency == "USD" || in.currency == "") {
		volLot = 100
		if c.version < minVerMarketDataShares {
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
		v.bidSize = size(q.bidSize, lot)
	}
	if v.ask > 0 {
		v.askSize = size(q.askSize, lot)
	}
	if !math.IsNaN(v.last) {
		v.lastSize = size(q.lastSize, lot)
	}
	if in.secType == "IND" {
		// An index has no quote, only values.
		v.bid, v.ask = nan, nan
	} else {
		v.volume = size(q.volume, volLot)
		v.halted = 0
		if q.trading && !math.IsNaN(v.last) {
			v.lastTime = at.Truncate(time.Second)
		}
	}
	if in.secType == "STK" && q.trading {
		ny := at.In(newYork)
		v.preOpen = ny.Hour() < 9 || (ny.Hour() == 9 && ny.Minute() < 30)
	}
	if in.isOption() {
		v.comps = map[int]greeks{
			tickBidOption:   markGreeks(q.bidGreeks),
			tickAskOption:   markGreeks(q.askGreeks),
			tickModelOption: markGreeks(q.greeks),
		}
		if !math.IsNaN(v.last) {
			v.comps[tickLastOption] = markGreeks(q.lastGreeks)
		}
	}
	for _, id := range s.generic {
		v.generic = append(v.generic, genericTicks(in, q, id)...)
	}
	return v
}

// genericTicks returns the values one generic tick id brings for an
// instrument; ids IB accepts but the simulator does not model bring none.
func genericTicks(in *instrument, q quote, id int) []genericVal {
	count := func(x float64) float64 {
		if bad(x) || x <= 0 {
			return 0
		}
		return math.Round(x)
	}
	opt := in.isOption()
	put := opt && (strings.EqualFold(in.right, "P") || strings.EqualFold(in.right, "PUT"))
	switch id {
	case 100: // option volume: 29 calls, 30 puts
		if opt {
			t := tickCallVolume
			if put {
				t = tickPutVolume
			}
			return []genericVal{{t, true, count(q.volume)}}
		}
		return []genericVal{{tickCallVolume, true, count(q.callVolume)}, {tickPutVolume, true, count(q.putVolume)}}
	case 101: // option open interest: 27 calls, 28 puts
		if opt {
			t := tickCallOI
			if put {
				t = tickPutOI
			}
			return []genericVal{{t, true, count(q.openInterest)}}
		}
		return []genericVal{{tickCallOI, true, count(q.callOI)}, {tickPutOI, true, count(q.putOI)}}
	case 106: // implied volatility
		iv := q.impliedVol
		if opt {
			iv = q.greeks.iv
		}
		if !bad(iv) && iv > 0 {
			return []genericVal{{tickOptionImpVol, false, iv}}
		}
	case 411: // real-time historical volatility
		if !opt && !bad(q.histVol) && q.histVol > 0 {
			return []genericVal{{tickRTHistVol, false, q.histVol}}
		}
	case 236: // shortable: 3 means at least 1000 shares can be borrowed
		if in.secType == "STK" {
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
		q := c.srv.prices.quote(l.inst, at)
		v.trading = v.trading && q.trading
		if q.bid <= 0 || q.ask <= 0 || bad(q.bid) || bad(q.ask) {
			quoted = false
			continue
		}
		r := float64(l.ratio)
		if strings.EqualFold(l.action, "SELL") {
			v.bid -= r * q.ask
			v.ask -= r * q.bid
			bidSize = min(bidSize, q.askSize/r)
			askSize = min(askSize, q.bidSize/r)
		} else {
			v.bid += r * q.bid
			v.ask += r * q.ask
			bidSize = min(bidSize, q.bidSize/r)
			askSize = min(askSize, q.askSize/r)
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
