package engine

import (
	"math"
	"sort"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// The paper account: one account (Config.Account) in USD that starts with
// $1,000,000 of cash, as a fresh IB paper account does, and changes only
// with fills. All values are derived from the fills and the market model's
// quotes at the market clock:
//
//   - positions carry IB's average cost: per share for stocks, per contract
//     for options (price times the multiplier), commissions included; a
//     short position's average cost is its proceeds net of commissions per
//     unit. Positions closed during the day are reported with quantity 0
//     until the next day, as IB does.
//   - mark price: the mid of bid and ask when both are quoted, else the
//     last price, else the previous close.
//   - TotalCashValue (= CashBalance) is cash after every fill and
//     commission; StockMarketValue and OptionMarketValue are quantity times
//     mark (times multiplier); NetLiquidation is cash plus both;
//     GrossPositionValue is the sum of the absolute position values.
//   - EquityWithLoanValue is cash plus the stock market value: options have
//     no loan value (a long option's premium leaves the cash and is not
//     counted back).
//   - Margin (Reg T style, documented simplification of IB's rules): long
//     stock 50% initial and 25% maintenance, short stock 50% and 30%; long
//     options need no margin (they are paid in full); a short option needs
//     its mark value plus the greater of 20% of the underlying's value less
//     the amount it is out of the money and 10% of the underlying's value
//     (of the strike for a put), times the multiplier, for both initial and
//     maintenance.
//   - AvailableFunds = EquityWithLoanValue - InitMarginReq, ExcessLiquidity
//     = EquityWithLoanValue - MaintMarginReq, BuyingPower = 4 x
//     AvailableFunds (a margin account), Cushion = ExcessLiquidity /
//     NetLiquidation, Leverage = GrossPositionValue / NetLiquidation.
//   - UnrealizedPnL is the sum over positions of (mark x multiplier -
//     average cost) x quantity; RealizedPnL is what closing fills realized
//     today (commissions included). Daily PnL (reqPnL) is today's realized
//     PnL plus the change of unrealized PnL since the day began (positions
//     valued at the previous close).
//
// Updates. Position subscribers (reqPositions) get a position message for
// each change at once. reqAccountUpdates subscribers get portfolioValue for
// the changed position, the changed account values and accountUpdateTime at
// once after a fill, and every 3 minutes of market time the values that
// moved with the market. Account summary subscriptions are answered in full
// (then accountSummaryEnd) and afterwards get the tags whose values changed
// every 3 minutes of market time, as the real Gateway does. reqPnL
// subscribers get pnl at once and then whenever a value changes by a cent
// or more, checked at every market step; reqPnLSingle subscribers get
// pnlSingle for one conId the same way: the position, its daily PnL
// (realized today plus the change of unrealized PnL since the previous
// close), unrealized and realized PnL and market value, all zero for a
// conId the account does not hold.

// StartingCash is a fresh paper account's cash.
const StartingCash = 1_000_000

// position is one holding.
type position struct {
	in       *market.Instrument
	qty      float64
	avgCost  float64 // per unit, multiplier and commissions included
	realized float64 // realized today
	dayBase  float64 // unrealized PnL at the previous close when the day began
	seq      int
}

// account is the account state; engine.mu guards it.
type account struct {
	id        string
	cash      float64
	realized  float64 // realized today
	positions map[int64]*position
	nextSeq   int
	day       string  // New York date of the last rollover
	dayBase   float64 // unrealized PnL at the previous close when the day began
}

func newAccount(id string) *account {
	return &account{id: id, cash: StartingCash, positions: make(map[int64]*position)}
}

// clone returns a copy for hypothetical fills.
func (a *account) clone() *account {
	b := *a
	b.positions = make(map[int64]*position, len(a.positions))
	for k, p := range a.positions {
		cp := *p
		b.positions[k] = &cp
	}
	return &b
}

// sorted returns the positions in the order they were first taken.
func (a *account) sorted() []*position {
	out := make([]*position, 0, len(a.positions))
	for _, p := range a.positions {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// rollover starts a new day: today's realized PnL is reset, positions
// closed on earlier days are dropped, and the daily PnL base is taken at
// the previous close.
func (a *account) rollover(e *Engine, now time.Time) {
	day := now.In(market.NewYork).Format("20060102")
	if day == a.day {
		return
	}
	first := a.day == ""
	a.day = day
	if first {
		return
	}
	a.realized = 0
	a.dayBase = 0
	e.settleExpired(day, now)
	for k, p := range a.positions {
		p.realized = 0
		p.dayBase = 0
		if math.Abs(p.qty) <= QtyEps {
			delete(a.positions, k)
			continue
		}
		q := e.cfg.Prices.Quote(p.in, now)
		ref := q.Close
		if !(ref > 0) {
			ref = markOf(q)
		}
		p.dayBase = (ref*market.MultiplierOf(p.in) - p.avgCost) * p.qty
		a.dayBase += p.dayBase
	}
}

// settleExpired settles the option positions whose expiry is before day,
// as OCC settles US equity options: in the money by at least $0.01 at the
// expiry close, a long position is exercised and a short one assigned
// (100 shares a contract at the strike); otherwise it expires worthless.
// The option leaves the account at a price of zero, so its premium is
// realized, and the stock is booked at the strike: together they carry the
// exercise's profit or loss. The caller holds e.mu.
func (e *Engine) settleExpired(day string, now time.Time) {
	a := e.acct
	for _, p := range a.sorted() {
		in := p.in
		if !in.IsOption() || in.Expiry >= day || math.Abs(p.qty) <= QtyEps {
			continue
		}
		und := e.cfg.Ref.ByConID(in.UnderConID, now)
		intrinsic := 0.0
		if und != nil {
			s := e.cfg.Prices.Quote(und, market.ExpiryClose(in.Expiry)).Last
			if in.Right == "C" {
				intrinsic = s - in.Strike
			} else {
				intrinsic = in.Strike - s
			}
		}
		mult := market.MultiplierOf(in)
		long := p.qty > 0
		contracts := math.Abs(p.qty)
		a.apply(in, !long, contracts, 0, mult, 0)
		e.positionChanged(in, now)
		if intrinsic < 0.01-1e-9 || und == nil {
			continue
		}
		// Long call or short put: shares bought at the strike; long put or
		// short call: shares sold at the strike.
		buyShares := (in.Right == "C") == long
		a.apply(und, buyShares, contracts*mult, in.Strike, 1, 0)
		e.positionChanged(und, now)
	}
}

// apply books a fill: qty of in bought (buy) or sold at px with commission
// comm. It returns the PnL realized by the part that closed a position,
// and whether any part did.
func (a *account) apply(in *market.Instrument, buy bool, qty, px, mult, comm float64) (float64, bool) {
	p := a.positions[in.ConID]
	if p == nil {
		a.nextSeq++
		p = &position{in: in, seq: a.nextSeq}
		a.positions[in.ConID] = p
	}
	signed := qty
	if !buy {
		signed = -qty
	}
	a.cash -= signed*px*mult + comm

	var realized float64
	closed := false
	closeQty := 0.0
	if p.qty > QtyEps && !buy || p.qty < -QtyEps && buy {
		closeQty = math.Min(qty, math.Abs(p.qty))
	}
	if closeQty > 0 {
		closed = true
		commClose := comm * closeQty / qty
		if p.qty > 0 { // selling a long position
			realized = (px*mult-p.avgCost)*closeQty - commClose
			p.qty -= closeQty
		} else { // buying back a short position
			realized = (p.avgCost-px*mult)*closeQty - commClose
			p.qty += closeQty
		}
		a.realized += realized
		p.realized += realized
		comm -= commClose
		qty -= closeQty
		if math.Abs(p.qty) <= QtyEps {
			p.qty = 0
			p.avgCost = 0
		}
	}
	if qty > QtyEps {
		// Opening or adding: the average cost takes the commission in
		// (added to a long's cost, taken from a short's proceeds).
		old := math.Abs(p.qty) * p.avgCost
		var add float64
		if buy {
			add = qty*px*mult + comm
			p.qty += qty
		} else {
			add = qty*px*mult - comm
			p.qty -= qty
		}
		p.avgCost = (old + add) / math.Abs(p.qty)
	}
	return realized, closed
}

// markOf is the mark price of a quote.
func markOf(q market.Quote) float64 {
	if q.Bid > 0 && q.Ask > 0 {
		return (q.Bid + q.Ask) / 2
	}
	if q.Last > 0 {
		return q.Last
	}
	return math.Max(q.Close, 0)
}

// acctValues is the account at one instant.
type acctValues struct {
	cash, stockMV, optMV, netLiq, gpv, ewl    float64
	initM, maintM, avail, excess, buyingPower float64
	unreal, realized, daily                   float64
}

// posValue is one position at one instant.
type posValue struct {
	mark, value, unreal float64
}

// positionValue values one position.
func (e *Engine) positionValue(p *position, now time.Time) posValue {
	q := e.cfg.Prices.Quote(p.in, now)
	m := markOf(q)
	mult := market.MultiplierOf(p.in)
	v := p.qty * m * mult
	return posValue{mark: m, value: v, unreal: v - p.qty*p.avgCost}
}

// values computes the account's values at now. marks, when not nil,
// receives each position's valuation by conId.
func (a *account) values(e *Engine, now time.Time, marks map[int64]posValue) acctValues {
	v := acctValues{cash: a.cash, realized: a.realized}
	for _, p := range a.sorted() {
		if p.qty == 0 {
			if marks != nil {
				marks[p.in.ConID] = e.positionValue(p, now)
			}
			continue
		}
		pv := e.positionValue(p, now)
		if marks != nil {
			marks[p.in.ConID] = pv
		}
		v.unreal += pv.unreal
		v.gpv += math.Abs(pv.value)
		if p.in.IsOption() {
			v.optMV += pv.value
			if p.qty < 0 {
				m := e.shortOptionMargin(p, pv, now)
				v.initM += m
				v.maintM += m
			}
			continue
		}
		v.stockMV += pv.value
		if p.qty > 0 {
			v.initM += 0.5 * pv.value
			v.maintM += 0.25 * pv.value
		} else {
			v.initM += 0.5 * -pv.value
			v.maintM += 0.3 * -pv.value
		}
	}
	v.netLiq = v.cash + v.stockMV + v.optMV
	v.ewl = v.cash + v.stockMV
	v.avail = v.ewl - v.initM
	v.excess = v.ewl - v.maintM
	v.buyingPower = math.Max(4*v.avail, 0)
	v.daily = v.realized + v.unreal - a.dayBase
	return v
}

// shortOptionMargin is the requirement of a short option position.
func (e *Engine) shortOptionMargin(p *position, pv posValue, now time.Time) float64 {
	in := p.in
	mult := market.MultiplierOf(in)
	n := math.Abs(p.qty)
	var s float64
	if u := e.cfg.Ref.ByConID(in.UnderConID, now); u != nil {
		s = markOf(e.cfg.Prices.Quote(u, now))
	}
	var otm, floor float64
	if market.IsPut(in) {
		otm = math.Max(s-in.Strike, 0)
		floor = 0.10 * in.Strike
	} else {
		otm = math.Max(in.Strike-s, 0)
		floor = 0.10 * s
	}
	per := pv.mark + math.Max(0.20*s-otm, floor)
	return per * mult * n
}

// ---- account messages ----

// ---- subscriptions ----

// ---- request handlers ----
