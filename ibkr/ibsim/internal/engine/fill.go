package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// commissionOf is the commission of an order's fills so far: qty filled
// for value dollars (price * quantity * multiplier).
func commissionOf(in *market.Instrument, qty, value float64) float64 {
	var c float64
	if in.IsOption() {
		c = math.Max(0.65*qty, 1)
	} else {
		c = math.Min(math.Max(0.005*qty, 1), 0.01*value)
	}
	return math.Round(c*1e6) / 1e6
}

// execVenue is the exchange an execution is reported on.
func execVenue(in *market.Instrument) string {
	if in.IsOption() {
		return "CBOE"
	}
	switch in.PrimaryExch {
	case "NASDAQ":
		return "ISLAND"
	case "":
		return "SMART"
	}
	return in.PrimaryExch
}

// ibTime formats an execution time as the Gateway does at version 200.
func ibTime(t time.Time) string {
	return t.In(market.NewYork).Format("20060102 15:04:05") + " US/Eastern"
}

// fill executes qty of o at px and sends the fill's messages.
func (e *Engine) fill(c Dest, o *simOrder, qty, px float64, now time.Time, liq int64) {
	mult := market.MultiplierOf(o.in)
	cum := commissionOf(o.in, o.filled+qty, (o.value+qty*px)*mult)
	comm := math.Max(cum-o.commission, 0)
	o.commission = cum
	o.filled += qty
	o.value += qty * px
	o.avgPrice = o.value / o.filled
	o.lastPrice = px
	o.fills++
	if o.execBase == "" {
		sec := now.Unix()
		if sec <= e.execLast {
			sec = e.execLast + 1
		}
		e.execLast = sec
		o.execBase = fmt.Sprintf("%08x", uint32(sec))
	}
	realized, closed := e.acct.apply(o.in, o.isBuy(), qty, px, mult, comm)

	side := "SLD"
	if o.isBuy() {
		side = "BOT"
	}
	venue := execVenue(o.in)
	x := Execution{
		OrderID:       o.key.id,
		Ref:           OrderContractFromInstrument(o.in, venue),
		ExecID:        fmt.Sprintf("%s.%s.%02x.01", e.execPfx, o.execBase, o.fills),
		Time:          ibTime(now),
		Account:       o.req.Account,
		Exchange:      venue,
		Side:          side,
		Shares:        qty,
		Price:         px,
		PermID:        o.permID,
		ClientID:      o.key.client,
		CumQty:        o.filled,
		AvgPrice:      o.avgPrice,
		OrderRef:      o.req.OrderRef,
		LastLiquidity: liq,
	}
	cr := CommissionReport{ExecID: x.ExecID, Commission: comm, Currency: "USD", RealizedPNL: UnsetFloat, Yield: UnsetFloat}
	if closed {
		cr.RealizedPNL = math.Round(realized*1e6) / 1e6
	}
	e.execs = append(e.execs, &execRecord{at: now, exec: x, comm: cr, sec: o.in.SecType})
	e.fills.Add(1)

	if o.fullyFilled() {
		o.status = stFilled
	} else {
		o.status = stSubmitted
	}
	e.emit(c, ExecDetails{ReqID: -1, Exec: x})
	e.sendState(c, o)
	e.emit(c, cr)
	if o.status == stFilled {
		e.finish(o, now)
	}
	e.positionChanged(o.in, now)
	e.ocaAfterFill(o, qty, now)
	if len(o.children) == 0 {
		return
	}
	if o.status == stFilled {
		e.endChildren(o, now, false)
	}
	// The parent's first fill activates its children (matched as on
	// arrival); later fills give them more room.
	first := o.fills == 1
	for _, ch := range o.children {
		if ch.done || ch.held {
			continue
		}
		if first {
			ch.evaluated = time.Time{}
		}
		e.evaluate(ch, now, first)
	}
}

// ocaAfterFill applies the OCA rules after a fill of o. The other
// children of o's parent (a bracket's attached orders) are reduced by the
// filled quantity and cancelled when nothing remains, so a partly taken
// profit leaves the rest of the position protected. The other orders of
// o's ocaGroup are cancelled (ocaType 1, or 0) or reduced (2 and 3).
func (e *Engine) ocaAfterFill(o *simOrder, qty float64, now time.Time) {
	type sib struct {
		o      *simOrder
		reduce bool
	}
	var sibs []sib
	if o.parent != nil {
		for _, s := range o.parent.children {
			if s != o && !s.done {
				sibs = append(sibs, sib{s, true})
			}
		}
	}
	if g := o.req.OcaGroup; g != "" {
		reduce := o.req.OcaType == 2 || o.req.OcaType == 3
		for _, s := range e.live {
			if s == o || s.done || s.key.client != o.key.client || s.req.OcaGroup != g {
				continue
			}
			dup := false
			for _, x := range sibs {
				dup = dup || x.o == s
			}
			if !dup {
				sibs = append(sibs, sib{s, reduce})
			}
		}
	}
	for _, x := range sibs {
		s := x.o
		if s.done {
			continue
		}
		c := toClient(s.key.client)
		if x.reduce && s.remaining()-qty > QtyEps {
			s.req.TotalQty -= qty
			e.sendState(c, s)
			continue
		}
		e.endCancelled(c, s, now)
	}
}
