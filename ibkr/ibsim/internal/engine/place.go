package engine

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// Place handles one placeOrder: a new order is validated (the errors
// and their order are in order.go), accepted and matched at once; an id
// that names an open or held order modifies it; a what-if order is only
// previewed. r.ClientID is the requester's client id.
func (e *Engine) Place(from Origin, r OrderRequest) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.acct.rollover(e, now)
	id := r.OrderID
	to := from.reply()

	key := orderKey{from.ClientID, id}
	existing := e.byKey[key]
	if existing == nil {
		existing = e.held[key]
	}
	// refuse rejects a new order; a child naming it later is refused too.
	refuse := func(code int, text string) {
		e.reject(to, id, code, text)
		if existing == nil && !r.WhatIf {
			e.refused[key] = true
		}
	}
	if !r.WhatIf {
		if code, text, ok := e.takeReject(); ok {
			refuse(code, text)
			return
		}
	}
	if existing == nil {
		if !e.useOrderID(from.ClientID, id) {
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
	if strings.TrimSpace(r.Contract.Exchange) == "" {
		refuse(321, validationError("Missing order exchange"))
		return
	}
	in, why := e.cfg.Ref.ResolveOne(r.Contract, now)
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
	if r.ParentID != 0 && !r.WhatIf {
		pk := orderKey{from.ClientID, r.ParentID}
		parent = e.parentOf(pk)
		if parent == nil {
			if d := e.doneKey[pk]; e.refused[pk] || (d != nil && d.status != stFilled) {
				refuse(201, "Order rejected - reason:Parent order is being cancelled.")
			} else {
				refuse(135, fmt.Sprintf("Can't find order with id = %d", r.ParentID))
			}
			return
		}
	}
	if r.Account == "" {
		r.Account = e.acct.id
	}
	o := &simOrder{
		key:    key,
		req:    r,
		typ:    typ,
		in:     in,
		ref:    OrderContractFromInstrument(in, strings.ToUpper(strings.TrimSpace(r.Contract.Exchange))),
		status: stPreSubmitted,
		placed: now,
	}
	o.expires = e.expiry(o, now)

	// A child attached to a parent on the other side closes what the
	// parent opens (a bracket's take-profit and stop): it needs no margin
	// of its own, as on a real Gateway.
	if reason := e.fundsCheck(o, now); reason != "" && !r.WhatIf && !e.closesParent(from.ClientID, r) {
		refuse(201, "Order rejected - reason:"+reason)
		return
	}
	if r.WhatIf {
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
	if !r.Transmit {
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
func (e *Engine) parentOf(k orderKey) *simOrder {
	if p := e.byKey[k]; p != nil {
		return p
	}
	return e.held[k]
}

// heldGroup returns the held orders released with o: its root parent and
// every held child of that root, in placement order.
func (e *Engine) heldGroup(o *simOrder) []*simOrder {
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
func (e *Engine) accept(to Dest, o *simOrder) {
	o.status = stPreSubmitted
	e.live = append(e.live, o)
	sort.SliceStable(e.live, func(i, j int) bool { return e.live[i].seq < e.live[j].seq })
	e.byKey[o.key] = o
	e.sendState(to, o)
}

// checkOrder validates the order fields and normalizes them; it returns
// the order type and, for an invalid order, the cause of error 321.
func checkOrder(r *OrderRequest) (string, string) {
	typ := strings.ToUpper(strings.Join(strings.Fields(r.OrderType), " "))
	switch typ {
	case "MKT", "LMT", "STP", "STP LMT":
	case "STPLMT":
		typ = "STP LMT"
	default:
		return "", "Invalid order type was entered"
	}
	r.Action = strings.ToUpper(strings.TrimSpace(r.Action))
	if r.Action == "SSHORT" {
		r.Action = "SELL"
	}
	if r.Action != "BUY" && r.Action != "SELL" {
		return "", "Invalid side"
	}
	if r.TotalQty == UnsetFloat || !(r.TotalQty > 0) || math.IsInf(r.TotalQty, 0) {
		return "", "The order size must be greater than 0"
	}
	if (typ == "LMT" || typ == "STP LMT") && (r.LmtPrice == UnsetFloat || !(r.LmtPrice > 0)) {
		return "", "Invalid limit price"
	}
	if (typ == "STP" || typ == "STP LMT") && (r.AuxPrice == UnsetFloat || !(r.AuxPrice > 0)) {
		return "", "Invalid stop price"
	}
	r.TIF = strings.ToUpper(strings.TrimSpace(r.TIF))
	switch r.TIF {
	case "":
		r.TIF = "DAY"
	case "DAY", "GTC", "IOC", "FOK":
	default:
		return "", "Invalid time in force"
	}
	if cause := checkAdditional(r); cause != "" {
		return "", cause
	}
	return typ, ""
}

// pricesOnTick reports whether an order's limit and stop prices sit on the
// market rule of the exchange it is routed to (IB refuses others with 110).
func pricesOnTick(in *market.Instrument, r OrderRequest, typ string) bool {
	rule := market.RuleOn(in, r.Contract.Exchange)
	check := func(p float64) bool {
		return p == UnsetFloat || p <= 0 || rule.OnTick(p)
	}
	switch typ {
	case "LMT":
		return check(r.LmtPrice)
	case "STP":
		return check(r.AuxPrice)
	case "STP LMT":
		return check(r.LmtPrice) && check(r.AuxPrice)
	}
	return true
}

// expiry is when a DAY order ends: the close of the session it was placed
// for (the regular close, or 20:00 for an outsideRth stock order). Zero
// for GTC.
func (e *Engine) expiry(o *simOrder, now time.Time) time.Time {
	if o.req.TIF != "DAY" {
		return time.Time{}
	}
	tc := market.SimCalendar()
	ext := o.req.OutsideRth && !o.in.IsOption()
	for d := max(tc.OnOrBefore(now), 0); d < len(tc.Days); d++ {
		end := tc.Sess[d].Close
		if ext {
			end = tc.Sess[d].PostClose
		}
		if now.Before(end) {
			return end
		}
	}
	return time.Time{}
}

// modify applies a placeOrder that names a live (or held) order.
func (e *Engine) modify(to Dest, o *simOrder, r OrderRequest, typ string, now time.Time) {
	if r.TotalQty < o.filled-QtyEps || (r.TotalQty-o.filled <= QtyEps && !o.fullyFilled()) {
		e.reject(to, r.OrderID, 321, validationError("The order size cannot be reduced below the filled quantity"))
		return
	}
	if r.WhatIf {
		tmp := *o
		tmp.req.TotalQty, tmp.req.LmtPrice, tmp.req.AuxPrice, tmp.typ = r.TotalQty, r.LmtPrice, r.AuxPrice, typ
		e.sendWhatIf(to, &tmp, now)
		return
	}
	// The contract, side and links of a live order do not change.
	keep := o.req
	r.Contract, r.Action, r.ParentID = keep.Contract, keep.Action, keep.ParentID
	if r.Account == "" {
		r.Account = keep.Account
	}
	r.ClientID = keep.ClientID
	if !pricesOnTick(o.in, r, typ) {
		e.reject(to, r.OrderID, 110, tickText)
		return
	}
	// A larger or repriced order must fit the account like a new one.
	tmp := *o
	tmp.req, tmp.typ = r, typ
	if reason := e.fundsCheck(&tmp, now); reason != "" {
		e.reject(to, r.OrderID, 201, "Order rejected - reason:"+reason)
		return
	}
	o.req = r
	o.typ = typ
	o.expires = e.expiry(o, now)
	if typ != "STP" && typ != "STP LMT" {
		o.triggered = false
	}
	if o.held {
		if r.Transmit {
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
