package ibsim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The paper order engine: orders placed by API clients are validated,
// kept, matched against the market model's quotes and reported with the
// message sequences of a real paper Gateway (version 200 captures):
//
//   - accepted: openOrder + orderStatus PreSubmitted; an order working at
//     the exchange then gets openOrder + orderStatus Submitted;
//   - each fill: execDetails (reqId -1), openOrder + orderStatus (Filled,
//     or Submitted with filled and remaining for a partial fill), then
//     commissionReport;
//   - cancelOrder: orderStatus PendingCancel, orderStatus Cancelled, then
//     error (orderId, 202, "Order Canceled - reason:"); the same for each
//     child of a cancelled parent that had not filled. An order that already ended gets
//     10148 "OrderId N that needs to be cancelled cannot be cancelled,
//     state: Filled." (or Cancelled), an id the client has no order with
//     (another client's orders included) 10147 "OrderId N that needs to be
//     cancelled is not found."; reqGlobalCancel cancels every client's
//     open orders with the same sequence;
//   - IOC remainder: orderStatus PendingCancel, Cancelled; FOK that cannot
//     fill in full at once: openOrder + orderStatus Inactive;
//   - whatIf: one openOrder carrying the margin and commission preview,
//     status PreSubmitted, no orderStatus, nothing kept;
//   - transmit=false: nothing is sent until an order of the same group
//     (the parent or a child of it) arrives with transmit=true, which
//     releases the whole group in placement order.
//
// Matching. Orders fill against the quote of the market clock at the
// instant they arrive and at every market step (Server.Tick and the tick
// loop), at most once per order and market-clock instant, so the result
// does not depend on how often the wall-clock tick loop runs:
//
//   - an order works while its instrument trades: stocks and ETFs in the
//     regular session, or in extended hours (04:00-20:00) with outsideRth;
//     options in the regular session only. Otherwise it waits PreSubmitted.
//   - BUY MKT fills at the ask, SELL MKT at the bid; LMT when marketable
//     (ask <= limit for a buy, bid >= limit for a sell) at the quote, which
//     is the better of quote and limit.
//   - STP and STP LMT are held by IB (simulated orders) and stay
//     PreSubmitted until elected: a buy stop when the last price (the ask
//     for triggerMethod 1 or 4, "bid/ask") reaches the stop price, a sell
//     stop when the last (the bid) falls to it. An elected STP is a MKT
//     order, an elected STP LMT a LMT order.
//   - each fill takes at most the quoted size (askSize for a buy, bidSize
//     for a sell); larger orders fill over successive steps. Orders do not
//     share liquidity: each sees the whole quoted size.
//   - bracket children wait PreSubmitted (never matched, a stop never
//     elected) until their parent has filled; from the parent's first fill
//     on, an exit child (the opposite side) fills at most the position the
//     parent opened (the parent's fills less the children's). A fill of one
//     child reduces the other children by its quantity and cancels them
//     when nothing remains (a bracket's take-profit fill cancels its
//     stop). A parent that ends without a fill (cancelled by its client,
//     by reqGlobalCancel, by an OCA group or by the engine; IOC, FOK or DAY
//     ending unfilled) takes its children with it; one that ends after a
//     partial fill leaves them working, cut to the position. A child
//     whose parent was refused or ended unfilled gets 201 "Order rejected
//     - reason:Parent order is being cancelled.", one whose parent filled
//     and ended, or never existed, 135 "Can't find order with id = N".
//     An explicit ocaGroup links the orders of one client: with ocaType 1
//     (or 0) a fill cancels the others, with 2 and 3 it reduces them.
//   - DAY orders end (orderStatus Cancelled) at the close of the session
//     they were placed for (16:00, 20:00 for outsideRth stock orders); GTC
//     orders stay.
//
// Commissions follow IB's fixed pricing: stocks $0.005 per share, at least
// $1.00 and at most 1% of the trade value per order; options $0.65 per
// contract, at least $1.00 per order. The minimum applies per order: a
// partial fill is charged the order's commission so far minus what
// earlier fills of the order were charged.
//
// Validation and its errors, in order: RejectNextOrders fault (its code and
// text, nothing kept, the id not consumed); order id (103 "Duplicate order
// id": an id not above every id the client used, or below the floor set by
// a restart, unless it names a live order, which modifies it); order type
// (321 "Error validating request.-'bF' : cause - Invalid order type was
// entered"), action, quantity, prices and time in force (321, texts of the
// same form); missing exchange (321 "... Missing order exchange"); the
// contract (200 "No security definition has been found for the request");
// limit and stop prices on the market rule of the order's exchange (110
// "The price does not conform to the minimum price variation for this
// contract.", nothing else sent; marketrules.go); for a child, a parent
// that is gone (201 "Order rejected - reason:Parent order is being
// cancelled." or 135 "Can't find order with id = N"); funds (201 "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER
// TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [x USD] MUST
// EXCEED THE INITIAL MARGIN [y USD]"). An id that passed the id check is
// consumed even when a later check rejects the order.

// Order statuses.
const (
	stPreSubmitted  = "PreSubmitted"
	stSubmitted     = "Submitted"
	stFilled        = "Filled"
	stCancelled     = "Cancelled"
	stPendingCancel = "PendingCancel"
	stInactive      = "Inactive"
)

// qtyEps is the quantity below which a remainder counts as zero.
const qtyEps = 1e-9

// orderKey names an order: order ids are per client id.
type orderKey struct {
	client, id int64
}

// simOrder is one order the engine keeps.
type simOrder struct {
	key     orderKey
	seq     int64
	req     orderRequest
	typ     string // "MKT", "LMT", "STP" or "STP LMT"
	in      *instrument
	ref     orderContract
	permID  int64
	status  string
	placed  time.Time
	expires time.Time // zero: GTC

	filled     float64
	value      float64 // sum of price * quantity (without multiplier)
	avgPrice   float64
	lastPrice  float64
	commission float64 // charged so far
	fills      int
	execBase   string // second part of the order's exec ids

	triggered bool      // a stop order was elected
	evaluated time.Time // the last market instant the order was matched at
	held      bool      // transmit=false, not yet released

	parent   *simOrder
	children []*simOrder

	done            bool
	completedTime   string
	completedStatus string
}

func (o *simOrder) remaining() float64 { return o.req.totalQty - o.filled }

func (o *simOrder) isBuy() bool { return o.req.action == "BUY" }

// fullyFilled reports whether nothing remains.
func (o *simOrder) fullyFilled() bool { return o.remaining() <= qtyEps }

// execRecord is one fill as reqExecutions reports it.
type execRecord struct {
	at   time.Time
	exec execution
	comm commissionReport
	sec  string // secType
}

// ---- messages ----

func (e *engine) view(o *simOrder) *orderView {
	v := &orderView{orderRequest: o.req, ref: o.ref, permID: o.permID, status: o.status, filled: o.filled}
	v.clientID = o.key.client
	v.orderType = o.typ
	if v.account == "" {
		v.account = e.acct.id
	}
	v.completedTime, v.completedStatus = o.completedTime, o.completedStatus
	if o.parent != nil {
		v.parentPermID = o.parent.permID
	}
	return v
}

func (e *engine) statusView(o *simOrder, status string) orderStatus {
	return orderStatus{
		orderID:       o.key.id,
		status:        status,
		filled:        o.filled,
		remaining:     math.Max(o.remaining(), 0),
		avgFillPrice:  o.avgPrice,
		permID:        o.permID,
		parentID:      o.req.parentID,
		lastFillPrice: o.lastPrice,
		clientID:      o.key.client,
	}
}

func (e *engine) sendOpenOrder(to dest, o *simOrder) {
	e.emit(to, openOrder{e.view(o)})
}

func (e *engine) sendStatus(to dest, o *simOrder, status string) {
	e.emit(to, e.statusView(o, status))
}

// sendState sends openOrder and orderStatus with the order's status.
func (e *engine) sendState(to dest, o *simOrder) {
	e.sendOpenOrder(to, o)
	e.sendStatus(to, o, o.status)
}

// sendError sends an error or a notice on id.
func (e *engine) sendError(to dest, id int64, code int, text string) {
	e.emit(to, errMsg{id: id, code: code, text: text})
}

func (e *engine) reject(to dest, id int64, code int, text string) {
	e.sendError(to, id, code, text)
	e.rejects.Add(1)
}

// tickText is IB's text of error 110.
const tickText = "The price does not conform to the minimum price variation for this contract."

func validationError(cause string) string {
	return "Error validating request.-'bF' : cause - " + cause
}

// ---- placing ----

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

// ---- matching ----

// inRTH reports whether t is in a regular session.
func inRTH(t time.Time) bool {
	tc := simCalendar()
	d := tc.rthDayAt(t)
	return d >= 0 && d < len(tc.sess) && t.Before(tc.sess[d].Close)
}

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

// endCancelled ends an order as Cancelled (no 202: the engine, not the
// client, cancelled it), tells its client, and ends its children.
func (e *engine) endCancelled(c dest, o *simOrder, now time.Time) {
	o.status = stCancelled
	e.finish(o, now)
	e.sendStatus(c, o, stCancelled)
	e.endChildren(o, now, false)
}

// expire ends a DAY order at the end of its session.
func (e *engine) expire(o *simOrder, now time.Time) {
	e.endCancelled(toClient(o.key.client), o, now)
}

// commissionOf is the commission of an order's fills so far: qty filled
// for value dollars (price * quantity * multiplier).
func commissionOf(in *instrument, qty, value float64) float64 {
	var c float64
	if in.isOption() {
		c = math.Max(0.65*qty, 1)
	} else {
		c = math.Min(math.Max(0.005*qty, 1), 0.01*value)
	}
	return math.Round(c*1e6) / 1e6
}

// multiplierOf is the contract multiplier (1 for stocks).
func multiplierOf(in *instrument) float64 {
	if in.multiplier == "" {
		return 1
	}
	var m float64
	if _, err := fmt.Sscan(in.multiplier, &m); err != nil || m <= 0 {
		return 1
	}
	return m
}

// execVenue is the exchange an execution is reported on.
func execVenue(in *instrument) string {
	if in.isOption() {
		return "CBOE"
	}
	switch in.primaryExch {
	case "NASDAQ":
		return "ISLAND"
	case "":
		return "SMART"
	}
	return in.primaryExch
}

// ibTime formats an execution time as the Gateway does at version 200.
func ibTime(t time.Time) string {
	return t.In(newYork).Format("20060102 15:04:05") + " US/Eastern"
}

// fill executes qty of o at px and sends the fill's messages.
func (e *engine) fill(c dest, o *simOrder, qty, px float64, now time.Time, liq int64) {
	mult := multiplierOf(o.in)
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
	x := execution{
		orderID:       o.key.id,
		ref:           orderContractFromInstrument(o.in, venue),
		execID:        fmt.Sprintf("%s.%s.%02x.01", e.execPfx, o.execBase, o.fills),
		time:          ibTime(now),
		account:       o.req.account,
		exchange:      venue,
		side:          side,
		shares:        qty,
		price:         px,
		permID:        o.permID,
		clientID:      o.key.client,
		cumQty:        o.filled,
		avgPrice:      o.avgPrice,
		orderRef:      o.req.orderRef,
		lastLiquidity: liq,
	}
	cr := commissionReport{execID: x.execID, commission: comm, currency: "USD", realizedPNL: unsetFloat, yield: unsetFloat}
	if closed {
		cr.realizedPNL = math.Round(realized*1e6) / 1e6
	}
	e.execs = append(e.execs, &execRecord{at: now, exec: x, comm: cr, sec: o.in.secType})
	e.fills.Add(1)

	if o.fullyFilled() {
		o.status = stFilled
	} else {
		o.status = stSubmitted
	}
	e.emit(c, execDetails{reqID: -1, exec: x})
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
func (e *engine) ocaAfterFill(o *simOrder, qty float64, now time.Time) {
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
	if g := o.req.ocaGroup; g != "" {
		reduce := o.req.ocaType == 2 || o.req.ocaType == 3
		for _, s := range e.live {
			if s == o || s.done || s.key.client != o.key.client || s.req.ocaGroup != g {
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
		if x.reduce && s.remaining()-qty > qtyEps {
			s.req.totalQty -= qty
			e.sendState(c, s)
			continue
		}
		e.endCancelled(c, s, now)
	}
}

// finish moves an order from the live list to the completed orders.
func (e *engine) finish(o *simOrder, now time.Time) {
	if o.done {
		return
	}
	o.done = true
	o.completedTime = now.In(newYork).Format("20060102 15:04:05") + " America/New_York"
	switch o.status {
	case stFilled:
		o.completedStatus = "Filled Size: " + formatQty(o.filled)
	case stCancelled:
		o.completedStatus = "Cancelled by Trader"
	default:
		o.completedStatus = o.status
	}
	for i, x := range e.live {
		if x == o {
			e.live = append(e.live[:i], e.live[i+1:]...)
			break
		}
	}
	delete(e.byKey, o.key)
	delete(e.held, o.key)
	e.done = append(e.done, o)
	e.doneKey[o.key] = o
}

// formatQty formats a quantity as the messages write it: the shortest
// exact decimal, no exponent.
func formatQty(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// ---- cancelling ----

// cancel handles one cancelOrder.
func (e *engine) cancel(from origin, id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	c := from.reply()
	key := orderKey{from.clientID, id}
	if o := e.held[key]; o != nil {
		e.userCancel(c, o, now)
		return
	}
	if o := e.byKey[key]; o != nil {
		e.userCancel(c, o, now)
		return
	}
	if o := e.doneKey[key]; o != nil {
		e.sendError(c, id, 10148, fmt.Sprintf("OrderId %d that needs to be cancelled cannot be cancelled, state: %s.", id, o.status))
		return
	}
	e.sendError(c, id, 10147, fmt.Sprintf("OrderId %d that needs to be cancelled is not found.", id))
}

// userCancel runs the cancel sequence of a client's cancel request, then
// ends the order's children.
func (e *engine) userCancel(c dest, o *simOrder, now time.Time) {
	e.cancelSequence(c, o, now)
	e.endChildren(o, now, true)
}

// cancelSequence ends an order as a client's cancel does: PendingCancel,
// Cancelled, error 202.
func (e *engine) cancelSequence(c dest, o *simOrder, now time.Time) {
	e.sendStatus(c, o, stPendingCancel)
	o.status = stCancelled
	e.finish(o, now)
	e.sendStatus(c, o, stCancelled)
	e.sendError(c, o.key.id, 202, "Order Canceled - reason:")
}

// endChildren applies the end of order o (cancelled, inactive or filled)
// to its children. A parent that ended without any fill takes them with
// it: each is cancelled, with the client's cancel sequence when a client's
// cancel ended the parent (user), else with orderStatus Cancelled. A
// parent that filled, in full or in part, leaves its exit children working
// for the position it opened: a child larger than that is cut to it
// (openOrder + orderStatus with the new quantity), and one with nothing
// left to close is cancelled (orderStatus Cancelled).
func (e *engine) endChildren(o *simOrder, now time.Time, user bool) {
	for _, ch := range o.children {
		if ch.done {
			continue
		}
		c := toClient(ch.key.client)
		if o.filled <= qtyEps {
			if user {
				e.userCancel(c, ch, now)
			} else {
				e.endCancelled(c, ch, now)
			}
			continue
		}
		room, capped := childRoom(ch)
		if !capped || ch.remaining() <= room+qtyEps {
			continue
		}
		if room <= qtyEps {
			e.endCancelled(c, ch, now)
			continue
		}
		ch.req.totalQty = ch.filled + room
		if !ch.held {
			e.sendState(c, ch)
		}
	}
}

// globalCancel cancels every open order of every client.
func (e *engine) globalCancel() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for _, o := range e.held {
		o.status = stCancelled
		e.finish(o, now)
	}
	// Every open order ends, children included (in placement order, so a
	// parent's sequence comes before its children's).
	for _, o := range append([]*simOrder(nil), e.live...) {
		if o.done {
			continue
		}
		// Without a connection for the order's client id the messages go
		// nowhere; the order ends the same.
		e.cancelSequence(toClient(o.key.client), o, now)
	}
}

// ---- funds and what-if ----

// estPrice is the price an order is expected to fill at, for the funds
// check and the what-if preview.
func (e *engine) estPrice(o *simOrder, now time.Time) float64 {
	switch o.typ {
	case "LMT", "STP LMT":
		return o.req.lmtPrice
	case "STP":
		return o.req.auxPrice
	}
	q := e.cfg.prices.quote(o.in, now)
	px := q.bid
	if o.isBuy() {
		px = q.ask
	}
	if !(px > 0) {
		px = q.last
	}
	if !(px > 0) {
		px = q.close
	}
	return math.Max(px, 0)
}

// marginImpact returns the account before and after o fills in full at
// its estimated price, and the estimated commission.
func (e *engine) marginImpact(o *simOrder, now time.Time) (before, after acctValues, comm float64) {
	px := e.estPrice(o, now)
	mult := multiplierOf(o.in)
	qty := o.remaining()
	comm = commissionOf(o.in, qty, qty*px*mult)
	before = e.acct.values(e, now, nil)
	hyp := e.acct.clone()
	hyp.apply(o.in, o.isBuy(), qty, px, mult, comm)
	after = hyp.values(e, now, nil)
	return before, after, comm
}

// closesParent reports whether r is a child of an order of client c on the
// opposite side: it closes what its parent opens.
func (e *engine) closesParent(clientID int64, r orderRequest) bool {
	if r.parentID == 0 {
		return false
	}
	p := e.parentOf(orderKey{clientID, r.parentID})
	return p != nil && !strings.EqualFold(p.req.action, r.action)
}

// fundsCheck returns IB's reject reason when the account cannot carry o,
// or "".
func (e *engine) fundsCheck(o *simOrder, now time.Time) string {
	before, after, _ := e.marginImpact(o, now)
	if after.ewl >= after.initM-1e-6 {
		return ""
	}
	// Orders that reduce the shortfall are accepted.
	if after.initM-after.ewl <= before.initM-before.ewl+1e-6 {
		return ""
	}
	return fmt.Sprintf("YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [%.2f USD] MUST EXCEED THE INITIAL MARGIN [%.2f USD]",
		before.ewl, after.initM)
}

// sendWhatIf answers a what-if order: one openOrder with the preview.
func (e *engine) sendWhatIf(to dest, o *simOrder, now time.Time) {
	before, after, comm := e.marginImpact(o, now)
	p := &orderPreview{
		margins: orderMargins{
			initBefore: round2(before.initM), maintBefore: round2(before.maintM), equityWithLoanBefore: round2(before.ewl),
			initChange: round2(after.initM - before.initM), maintChange: round2(after.maintM - before.maintM),
			equityWithLoanChange: round2(after.ewl - before.ewl),
			initAfter:            round2(after.initM), maintAfter: round2(after.maintM), equityWithLoanAfter: round2(after.ewl),
		},
		marginCurrency:     "USD",
		commission:         comm,
		minCommission:      unsetFloat,
		maxCommission:      unsetFloat,
		commissionCurrency: "USD",
	}
	v := e.view(o)
	v.status = stPreSubmitted
	v.whatIf = true
	v.preview = p
	if reason := e.fundsCheck(o, now); reason != "" {
		v.warningText = reason
	}
	e.emit(to, openOrder{v})
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// ---- lists ----

// openOrdersOf returns the live (transmitted) orders of a client id, or
// of every client id when all is true, in placement order.
func (e *engine) openOrdersOf(clientID int64, all bool) []*simOrder {
	var out []*simOrder
	for _, o := range e.live {
		if all || o.key.client == clientID {
			out = append(out, o)
		}
	}
	return out
}

// openOrders answers with openOrder + orderStatus for each open order of
// the requester's client id (every client id's with all) and, with end,
// openOrderEnd.
func (e *engine) openOrders(from origin, all, end bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.openOrdersOf(from.clientID, all) {
		e.sendState(from.reply(), o)
	}
	if end {
		e.emit(from.reply(), openOrderEnd{})
	}
}

// completedOrders answers with every completed order, then the end
// marker.
func (e *engine) completedOrders(from origin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.done {
		e.emit(from.reply(), completedOrder{e.view(o)})
	}
	e.emit(from.reply(), completedOrdersEnd{})
}

// ---- request handlers ----

// handlePlaceOrder: placeOrder (3), parsed at the negotiated version.
func handlePlaceOrder(c *client, f *fields) error {
	r, err := parsePlaceOrder(f, c.version)
	if err != nil {
		return err
	}
	r.clientID = c.clientID
	c.stats.orderReceived()
	c.srv.engine.place(c.origin(), r)
	return nil
}

// handleCancelOrder: cancelOrder (4): below version 192 [1]version; then
// orderId, manualOrderCancelTime (version >= 169), and extOperator and
// manualOrderIndicator (version >= 192).
func handleCancelOrder(c *client, f *fields) error {
	if c.version < svCMETaggingFields {
		f.int("version")
	}
	id := f.int("orderId")
	f.reqID = id
	if f.err != nil {
		return f.err
	}
	// The optional trailing fields carry nothing the engine uses.
	c.srv.engine.cancel(c.origin(), id)
	return nil
}

// handleReqGlobalCancel: reqGlobalCancel (58): below version 192
// [1]version, else extOperator and manualOrderIndicator.
func handleReqGlobalCancel(c *client, f *fields) error {
	if c.version < svCMETaggingFields {
		f.int("version")
	}
	if f.err != nil {
		return f.err
	}
	c.srv.engine.globalCancel()
	return nil
}
