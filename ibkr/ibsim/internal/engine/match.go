package engine

import (
	"math"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// working reports whether o can execute at the exchange now.
func (e *Engine) working(o *simOrder, q market.Quote, now time.Time) bool {
	if !q.Trading || o.in.SecType == "IND" {
		return false
	}
	if o.in.IsOption() || market.InRTH(now) {
		return true
	}
	return o.req.OutsideRth
}

// elected reports whether a stop order's trigger is reached.
func elected(o *simOrder, q market.Quote) bool {
	stop := o.req.AuxPrice
	px := q.Last
	// IB's trigger methods: 0 default (last for stocks), 1 double
	// bid/ask, 2 last, 3 double last, 4 bid/ask, 7 last or bid/ask,
	// 8 midpoint. The simulator checks one quote per step, so "double"
	// methods act like their single forms.
	bidAsk := o.req.TriggerMethod == 1 || o.req.TriggerMethod == 4
	if o.isBuy() {
		if bidAsk || px <= 0 {
			px = q.Ask
		}
		return px > 0 && px >= stop
	}
	if bidAsk || px <= 0 {
		px = q.Bid
	}
	return px > 0 && px <= stop
}

// fillable returns the price and quantity o can take from quote q.
func fillable(o *simOrder, limit bool, q market.Quote) (px, size float64, ok bool) {
	if o.isBuy() {
		px, size = q.Ask, q.AskSize
		if limit && px > o.req.LmtPrice+1e-9 {
			return 0, 0, false
		}
	} else {
		px, size = q.Bid, q.BidSize
		if limit && px < o.req.LmtPrice-1e-9 {
			return 0, 0, false
		}
	}
	if !(px > 0) || !(size > 0) {
		return 0, 0, false
	}
	return px, size, true
}

// evaluate matches one order at instant now. arrival is true when the
// order has just been placed (or released), which is the only moment an
// IOC or FOK order is matched.
func (e *Engine) evaluate(o *simOrder, now time.Time, arrival bool) {
	if o.done || o.held || o.evaluated.Equal(now) {
		return
	}
	o.evaluated = now
	c := toClient(o.key.client)
	tif := o.req.TIF
	if o.parent != nil && o.parent.filled <= QtyEps {
		return // a child waits for its parent's first fill
	}
	q := e.cfg.Prices.Quote(o.in, now)
	if !e.working(o, q, now) {
		if tif == "IOC" || tif == "FOK" {
			e.endUnfilled(c, o, now)
		}
		return
	}
	isStop := o.typ == "STP" || o.typ == "STP LMT"
	if isStop && !o.triggered {
		if !elected(o, q) {
			if tif == "IOC" || tif == "FOK" {
				e.endUnfilled(c, o, now)
			}
			return
		}
		o.triggered = true
	}
	limit := o.typ == "LMT" || o.typ == "STP LMT"
	px, size, ok := fillable(o, limit, q)
	if room, capped := childRoom(o); capped && ok {
		// A child closes at most the position its parent opened.
		size = math.Min(size, room)
		ok = size > QtyEps
	}
	if tif == "FOK" && (!ok || size < o.remaining()-QtyEps) {
		e.endUnfilled(c, o, now)
		return
	}
	if ok {
		liq := int64(2) // removed liquidity
		if limit && !arrival {
			liq = 1 // a resting limit order added it
		}
		e.fill(c, o, math.Min(o.remaining(), size), px, now, liq)
	}
	if o.done {
		return
	}
	if tif == "IOC" {
		e.endUnfilled(c, o, now)
		return
	}
	if o.status == stPreSubmitted {
		o.status = stSubmitted
		e.sendState(c, o)
	}
}

// childRoom returns how much an exit child of a bracket may still fill:
// what its parent has filled less what the parent's children have filled
// (siblings reduce each other by their fills, so this is the position the
// bracket still holds). capped is false for an order without a parent and
// for a child on the parent's side, which adds to the position instead.
func childRoom(o *simOrder) (room float64, capped bool) {
	p := o.parent
	if p == nil || o.isBuy() == p.isBuy() {
		return 0, false
	}
	room = p.filled
	for _, ch := range p.children {
		if ch.isBuy() != p.isBuy() {
			room -= ch.filled
		}
	}
	return math.Max(room, 0), true
}

// endUnfilled ends an IOC (PendingCancel, Cancelled) or FOK (Inactive)
// order that cannot fill further.
func (e *Engine) endUnfilled(c Dest, o *simOrder, now time.Time) {
	if o.req.TIF == "FOK" && o.filled == 0 {
		o.status = stInactive
		e.finish(o, now)
		e.sendState(c, o)
		e.endChildren(o, now, false)
		return
	}
	e.sendStatus(c, o, stPendingCancel)
	e.endCancelled(c, o, now)
}

// Step matches every live order at the current market instant and pushes
// account updates. It is the engine's part of a server tick.
func (e *Engine) Step() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.acct.rollover(e, now)
	orders := append([]*simOrder(nil), e.live...)
	for _, o := range orders {
		if o.done {
			continue
		}
		if !o.expires.IsZero() && !now.Before(o.expires) {
			e.expire(o, now)
			continue
		}
		e.evaluate(o, now, false)
	}
	e.pushPeriodic(now)
}

// expire ends a DAY order at the end of its session.
func (e *Engine) expire(o *simOrder, now time.Time) {
	e.endCancelled(toClient(o.key.client), o, now)
}
