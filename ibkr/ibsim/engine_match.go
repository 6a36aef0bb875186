package ibsim

import (
	"math"
	"time"
)

// working reports whether o can execute at the exchange now.
func (e *engine) working(o *simOrder, q quote, now time.Time) bool {
	if !q.trading || o.in.secType == "IND" {
		return false
	}
	if o.in.isOption() || inRTH(now) {
		return true
	}
	return o.req.outsideRth
}

// elected reports whether a stop order's trigger is reached.
func elected(o *simOrder, q quote) bool {
	stop := o.req.auxPrice
	px := q.last
	// IB's trigger methods: 0 default (last for stocks), 1 double
	// bid/ask, 2 last, 3 double last, 4 bid/ask, 7 last or bid/ask,
	// 8 midpoint. The simulator checks one quote per step, so "double"
	// methods act like their single forms.
	bidAsk := o.req.triggerMethod == 1 || o.req.triggerMethod == 4
	if o.isBuy() {
		if bidAsk || px <= 0 {
			px = q.ask
		}
		return px > 0 && px >= stop
	}
	if bidAsk || px <= 0 {
		px = q.bid
	}
	return px > 0 && px <= stop
}

// fillable returns the price and quantity o can take from quote q.
func fillable(o *simOrder, limit bool, q quote) (px, size float64, ok bool) {
	if o.isBuy() {
		px, size = q.ask, q.askSize
		if limit && px > o.req.lmtPrice+1e-9 {
			return 0, 0, false
		}
	} else {
		px, size = q.bid, q.bidSize
		if limit && px < o.req.lmtPrice-1e-9 {
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
func (e *engine) evaluate(o *simOrder, now time.Time, arrival bool) {
	if o.done || o.held || o.evaluated.Equal(now) {
		return
	}
	o.evaluated = now
	c := toClient(o.key.client)
	tif := o.req.tif
	if o.parent != nil && o.parent.filled <= qtyEps {
		return // a child waits for its parent's first fill
	}
	q := e.cfg.prices.quote(o.in, now)
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
		ok = size > qtyEps
	}
	if tif == "FOK" && (!ok || size < o.remaining()-qtyEps) {
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
func (e *engine) endUnfilled(c dest, o *simOrder, now time.Time) {
	if o.req.tif == "FOK" && o.filled == 0 {
		o.status = stInactive
		e.finish(o, now)
		e.sendState(c, o)
		e.endChildren(o, now, false)
		return
	}
	e.sendStatus(c, o, stPendingCancel)
	e.endCancelled(c, o, now)
}

// step matches every live order at the current market instant and pushes
// account updates. It is the engine's part of a server tick.
func (e *engine) step() {
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
func (e *engine) expire(o *simOrder, now time.Time) {
	e.endCancelled(toClient(o.key.client), o, now)
}
