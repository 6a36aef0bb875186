package ibsim

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// place handles one placeOrder.
func (e *engine) place(from origin, r orderRequest) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.acct.rollover(e, now)
	id := r.orderID
	to := from.reply()

	key := orderKey{from.clientID, id}
	existing := e.byKey[key]
	if existing == nil {
		existing = e.held[key]
	}
	// refuse rejects a new order; a child naming it later is refused too.
	refuse := func(code int, text string) {
		e.reject(to, id, code, text)
		if existing == nil && !r.whatIf {
			e.refused[key] = true
		}
	}
	if !r.whatIf {
		if code, text, ok := e.takeReject(); ok {
			refuse(code, text)
			return
		}
	}
	if existing == nil {
		if !e.useOrderID(from.clientID, id) {
			e.reject(to, id, 103, "Duplicate order id")
			return
		}
	}

	typ, cause := checkOrder(&r)
	if cause != "" {
		refuse(321, validationError(cause))
		return
	}
	if existing != nil {
		e.modify(to, existing, r, typ, now)
		return
	}
	if strings.TrimSpace(r.contract.exchange) == "" {
		refuse(321, validationError("Missing order exchange"))
		return
	}
	in, why := e.cfg.ref.resolveOne(r.contract, now)
	if in == nil {
		refuse(200, why)
		return
	}
	if !pricesOnTick(in, r, typ) {
		refuse(110, tickText)
		return
	}
	// A child needs a parent that can still fill.
	var parent *simOrder
	if r.parentID != 0 && !r.whatIf {
		pk := orderKey{from.clientID, r.parentID}
		parent = e.parentOf(pk)
		if parent == nil {
			if d := e.doneKey[pk]; e.refused[pk] || (d != nil && d.status != stFilled) {
				refuse(201, "Order rejected - reason:Parent order is being cancelled.")
			} else {
				refuse(135, fmt.Sprintf("Can't find order with id = %d", r.parentID))
			}
			return
		}
	}
	if r.account == "" {
		r.account = e.acct.id
	}
	o := &simOrder{
		key:    key,
		req:    r,
		typ:    typ,
		in:     in,
		ref:    orderContractFromInstrument(in, strings.ToUpper(strings.TrimSpace(r.contract.exchange))),
		status: stPreSubmitted,
		placed: now,
	}
	o.expires = e.expiry(o, now)

	// A child attached to a parent on the other side closes what the
	// parent opens (a bracket's take-profit and stop): it needs no margin
	// of its own, as on a real Gateway.
	if reason := e.fundsCheck(o, now); reason != "" && !r.whatIf && !e.closesParent(from.clientID, r) {
		refuse(201, "Order rejected - reason:"+reason)
		return
	}
	if r.whatIf {
		e.sendWhatIf(to, o, now)
		return
	}

	e.seq++
	o.seq = e.seq
	o.permID = e.permNext
	e.permNext++
	e.accepted.Add(1)
	delete(e.refused, key)
	if parent != nil {
		o.parent = parent
		parent.children = append(parent.children, o)
	}
	if !r.transmit {
		o.held = true
		e.held[key] = o
		return
	}
	// Release the held group this order belongs to, then this order.
	group := e.heldGroup(o)
	for _, g := range group {
		delete(e.held, g.key)
		g.held = false
		e.accept(to, g)
	}
	e.accept(to, o)
	for _, g := range append(group, o) {
		// Released orders were never matched; a child its parent's fill
		// activated in this loop has been matched at this instant already.
		e.evaluate(g, now, true)
	}
}

// parentOf finds a live or held order by key.
func (e *engine) parentOf(k orderKey) *simOrder {
	if p := e.byKey[k]; p != nil {
		return p
	}
	return e.held[k]
}

// heldGroup returns the held orders released with o: its root parent and
// every held child of that root, in placement order.
func (e *engine) heldGroup(o *simOrder) []*simOrder {
	root := o
	for root.parent != nil {
		root = root.parent
	}
	var out []*simOrder
	var walk func(p *simOrder)
	walk = func(p *simOrder) {
		if p != o && p.held {
			out = append(out, p)
		}
		for _, ch := range p.children {
			walk(ch)
		}
	}
	walk(root)
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// accept makes an order live and reports it PreSubmitted.
func (e *engine) accept(to dest, o *simOrder) {
	o.status = stPreSubmitted
	e.live = append(e.live, o)
	sort.SliceStable(e.live, func(i, j int) bool { return e.live[i].seq < e.live[j].seq })
	e.byKey[o.key] = o
	e.sendState(to, o)
}

// checkOrder validates the order fields and normalizes them; it returns
// the order type and, for an invalid order, the cause of error 321.
func checkOrder(r *orderRequest) (string, string) {
	typ := strings.ToUpper(strings.Join(strings.Fields(r.orderType), " "))
	switch typ {
	case "MKT", "LMT", "STP", "STP LMT":
	case "STPLMT":
		typ = "STP LMT"
	default:
		return "", "Invalid order type was entered"
	}
	r.action = strings.ToUpper(strings.TrimSpace(r.action))
	if r.action == "SSHORT" {
		r.action = "SELL"
	}
	if r.action != "BUY" && r.action != "SELL" {
		return "", "Invalid side"
	}
	if r.totalQty == unsetFloat || !(r.totalQty > 0) || math.IsInf(r.totalQty, 0) {
		return "", "The order size must be greater than 0"
	}
	if (typ == "LMT" || typ == "STP LMT") && (r.lmtPrice == unsetFloat || !(r.lmtPrice > 0)) {
		return "", "Invalid limit price"
	}
	if (typ == "STP" || typ == "STP LMT") && (r.auxPrice == unsetFloat || !(r.auxPrice > 0)) {
		return "", "Invalid stop price"
	}
	r.tif = strings.ToUpper(strings.TrimSpace(r.tif))
	switch r.tif {
	case "":
		r.tif = "DAY"
	case "DAY", "GTC", "IOC", "FOK":
	default:
		return "", "Invalid time in force"
	}
	return typ, ""
}

// pricesOnTick reports whether an order's limit and stop prices sit on the
// market rule of the exchange it is routed to (IB refuses others with 110).
func pricesOnTick(in *instrument, r orderRequest, typ string) bool {
	rule := ruleOn(in, r.contract.exchange)
	check := func(p float64) bool {
		return p == unsetFloat || p <= 0 || rule.onTick(p)
	}
	switch typ {
	case "LMT":
		return check(r.lmtPrice)
	case "STP":
		return check(r.auxPrice)
	case "STP LMT":
		return check(r.lmtPrice) && check(r.auxPrice)
	}
	return true
}

// expiry is when a DAY order ends: the close of the session it was placed
// for (the regular close, or 20:00 for an outsideRth stock order). Zero
// for GTC.
func (e *engine) expiry(o *simOrder, now time.Time) time.Time {
	if o.req.tif != "DAY" {
		return time.Time{}
	}
	tc := simCalendar()
	ext := o.req.outsideRth && !o.in.isOption()
	for d := max(tc.onOrBefore(now), 0); d < len(tc.days); d++ {
		end := tc.sess[d].Close
		if ext {
			end = tc.sess[d].PostClose
		}
		if now.Before(end) {
			return end
		}
	}
	return time.Time{}
}

// modify applies a placeOrder that names a live (or held) order.
func (e *engine) modify(to dest, o *simOrder, r orderRequest, typ string, now time.Time) {
	if r.totalQty < o.filled-qtyEps || (r.totalQty-o.filled <= qtyEps && !o.fullyFilled()) {
		e.reject(to, r.orderID, 321, validationError("The order size cannot be reduced below the filled quantity"))
		return
	}
	if r.whatIf {
		tmp := *o
		tmp.req.totalQty, tmp.req.lmtPrice, tmp.req.auxPrice, tmp.typ = r.totalQty, r.lmtPrice, r.auxPrice, typ
		e.sendWhatIf(to, &tmp, now)
		return
	}
	// The contract, side and links of a live order do not change.
	keep := o.req
	r.contract, r.action, r.parentID = keep.contract, keep.action, keep.parentID
	if r.account == "" {
		r.account = keep.account
	}
	r.clientID = keep.clientID
	if !pricesOnTick(o.in, r, typ) {
		e.reject(to, r.orderID, 110, tickText)
		return
	}
	// A larger or repriced order must fit the account like a new one.
	tmp := *o
	tmp.req, tmp.typ = r, typ
	if reason := e.fundsCheck(&tmp, now); reason != "" {
		e.reject(to, r.orderID, 201, "Order rejected - reason:"+reason)
		return
	}
	o.req = r
	o.typ = typ
	o.expires = e.expiry(o, now)
	if typ != "STP" && typ != "STP LMT" {
		o.triggered = false
	}
	if o.held {
		if r.transmit {
			// Transmitting a held order releases its group.
			group := e.heldGroup(o)
			o.held = false
			delete(e.held, o.key)
			for _, g := range group {
				delete(e.held, g.key)
				g.held = false
				e.accept(to, g)
			}
			e.accept(to, o)
			for _, g := range append(group, o) {
				e.evaluate(g, now, true)
			}
		}
		return
	}
	e.sendState(to, o)
	o.evaluated = time.Time{}
	e.evaluate(o, now, true)
}
