package engine

import (
	"math"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
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

// QtyEps is the quantity below which a remainder counts as zero.
const QtyEps = 1e-9

// orderKey names an order: order ids are per client id.
type orderKey struct {
	client, id int64
}

// simOrder is one order the engine keeps.
type simOrder struct {
	key     orderKey
	seq     int64
	req     OrderRequest
	typ     string // "MKT", "LMT", "STP" or "STP LMT"
	in      *market.Instrument
	ref     OrderContract
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

func (o *simOrder) remaining() float64 { return o.req.TotalQty - o.filled }

func (o *simOrder) isBuy() bool { return o.req.Action == "BUY" }

// fullyFilled reports whether nothing remains.
func (o *simOrder) fullyFilled() bool { return o.remaining() <= QtyEps }

// execRecord is one fill as reqExecutions reports it.
type execRecord struct {
	at   time.Time
	exec Execution
	comm CommissionReport
	sec  string // secType
}

// ---- messages ----

func (e *Engine) view(o *simOrder) *OrderView {
	v := &OrderView{OrderRequest: o.req, Ref: o.ref, PermID: o.permID, Status: o.status, Filled: o.filled}
	v.ClientID = o.key.client
	v.OrderType = o.typ
	if v.Account == "" {
		v.Account = e.acct.id
	}
	v.CompletedTime, v.CompletedStatus = o.completedTime, o.completedStatus
	if o.parent != nil {
		v.ParentPermID = o.parent.permID
	}
	return v
}

func (e *Engine) statusView(o *simOrder, status string) OrderStatus {
	return OrderStatus{
		OrderID:       o.key.id,
		Status:        status,
		Filled:        o.filled,
		Remaining:     math.Max(o.remaining(), 0),
		AvgFillPrice:  o.avgPrice,
		PermID:        o.permID,
		ParentID:      o.req.ParentID,
		LastFillPrice: o.lastPrice,
		ClientID:      o.key.client,
	}
}

func (e *Engine) sendOpenOrder(to Dest, o *simOrder) {
	e.emit(to, OpenOrder{e.view(o)})
}

func (e *Engine) sendStatus(to Dest, o *simOrder, status string) {
	e.emit(to, e.statusView(o, status))
}

// sendState sends openOrder and orderStatus with the order's status.
func (e *Engine) sendState(to Dest, o *simOrder) {
	e.sendOpenOrder(to, o)
	e.sendStatus(to, o, o.status)
}

// sendError sends an error or a notice on id.
func (e *Engine) sendError(to Dest, id int64, code int, text string) {
	e.emit(to, ErrMsg{ID: id, Code: code, Text: text})
}

func (e *Engine) reject(to Dest, id int64, code int, text string) {
	e.sendError(to, id, code, text)
	e.rejects.Add(1)
}

// tickText is IB's text of error 110.
const tickText = "The price does not conform to the minimum price variation for this contract."

func validationError(cause string) string {
	return "Error validating request.-'bF' : cause - " + cause
}

// ---- placing ----

// ---- matching ----

// ---- cancelling ----

// ---- funds and what-if ----

// ---- lists ----

// ---- request handlers ----
