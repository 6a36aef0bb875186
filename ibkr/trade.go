package ibkr

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// Order statuses as the Gateway reports them, plus the one the Session
// sets itself for an order that ended with an error.
const (
	OrderPendingSubmit = "PendingSubmit"
	OrderPreSubmitted  = "PreSubmitted"
	OrderSubmitted     = "Submitted"
	OrderFilled        = "Filled"
	OrderPendingCancel = "PendingCancel"
	OrderCancelled     = "Cancelled"
	OrderApiCancelled  = "ApiCancelled"
	// OrderInactive: the order does not work: the Gateway rejected it (the
	// Trade's Err says why), or it was never received (ErrOrderLost).
	OrderInactive = "Inactive"
)

// OrderStatus is one orderStatus from the Gateway.
type OrderStatus struct {
	OrderID       int64
	Status        string // PendingSubmit, PreSubmitted, Submitted, Filled, PendingCancel, Cancelled, ApiCancelled, Inactive
	Filled        decimal.Decimal
	Remaining     decimal.Decimal
	AvgFillPrice  decimal.Decimal
	LastFillPrice decimal.Decimal
	PermID        int64
	ParentID      int64
	WhyHeld       string
	At            time.Time
}

// Terminal reports whether no more changes will come.
func (st OrderStatus) Terminal() bool { return terminalStatus(st.Status) }

func terminalStatus(s string) bool {
	switch s {
	case OrderFilled, OrderCancelled, OrderApiCancelled, OrderInactive:
		return true
	}
	return false
}

// Fill is one execution of an order, with its commission once reported.
type Fill struct {
	ExecID      string
	Time        string
	Side        string // BOT or SLD
	Shares      decimal.Decimal
	Price       decimal.Decimal
	CumQty      decimal.Decimal
	AvgPrice    decimal.Decimal
	Exchange    string
	Commission  decimal.Decimal
	RealizedPNL decimal.Decimal
	Currency    string
}

// Trade is the handle of one order: its status as the Gateway reports it,
// its fills, and a done state. Its methods are safe for concurrent use.
//
// A Trade always resolves: the Gateway reports a terminal status, or a
// rejection ends it (Err, status Inactive), or after a reconnect the
// Session finds the order neither open nor completed nor executed and ends
// it with ErrOrderLost, or the Session closes (ErrClosed).
type Trade struct {
	s        *Session
	contract Contract

	// id is set once, when the order is written (ids are allocated on the
	// write path, so they reach the Gateway in increasing order).
	id      atomic.Int64
	written atomic.Bool
	gen     atomic.Uint64 // connection the order was written on

	mu       sync.Mutex
	finished bool // set with updates closed, under mu
	order    Order
	status   OrderStatus
	permID   int64
	fills    []Fill
	err      error
	updates  chan OrderStatus
	streams  []*Stream[TradeEvent] // Trade.Stream's, fed under mu
	ack      chan struct{}
	done     chan struct{}
	ackOnce  sync.Once
	doneOnce sync.Once
}

func newTrade(s *Session, c Contract, o Order) *Trade {
	return &Trade{s: s, contract: c, order: o, status: OrderStatus{Status: OrderPendingSubmit},
		updates: make(chan OrderStatus, 64), ack: make(chan struct{}), done: make(chan struct{})}
}

// adoptedTrade is the handle of an order the Gateway reported for this
// client id that this Session did not place.
func adoptedTrade(s *Session, id int64, c Contract, o Order, gen uint64) *Trade {
	t := newTrade(s, c, o)
	t.id.Store(id)
	t.written.Store(true)
	t.gen.Store(gen)
	t.status.OrderID = id
	return t
}

// ID is the order id (assigned when the order was written).
func (t *Trade) ID() int64 { return t.id.Load() }

// Contract is the order's contract (as placed, or as the Gateway reported
// it for an adopted order).
func (t *Trade) Contract() Contract { return t.contract }

// Order is the order as placed (with ParentID and OCAGroup as written for
// a bracket's children).
func (t *Trade) Order() Order {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order
}

// PermID is IB's permanent id of the order, once the Gateway reported it
// (0 before).
func (t *Trade) PermID() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.permID
}

// Status returns the latest status. An order that ended with an error
// reports OrderInactive.
func (t *Trade) Status() OrderStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}

// Updates returns the status changes. The channel is buffered; if a reader
// falls behind, the oldest unread change is dropped (Status always has the
// latest). It is closed when the order is done.
func (t *Trade) Updates() <-chan OrderStatus { return t.updates }

// Done is closed when the order reached a terminal state (Filled,
// Cancelled, Inactive) or was rejected; Err then tells a rejection.
func (t *Trade) Done() <-chan struct{} { return t.done }

// Err returns why the order ended without a terminal status from the
// Gateway (a rejection, ErrOrderLost, ErrClosed), or nil.
func (t *Trade) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Fills returns the executions so far.
func (t *Trade) Fills() []Fill {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Fill(nil), t.fills...)
}

// Wait waits until the order is done and returns its last status.
func (t *Trade) Wait(ctx context.Context) (OrderStatus, error) {
	select {
	case <-t.done:
		return t.Status(), t.Err()
	case <-ctx.Done():
		return t.Status(), ctx.Err()
	}
}

func (t *Trade) setStatus(st OrderStatus) {
	t.mu.Lock()
	if t.finished {
		t.mu.Unlock()
		t.ackOnce.Do(func() { close(t.ack) })
		return
	}
	if st.PermID != 0 {
		t.permID = st.PermID
	}
	t.status = st
	t.publish(st)
	terminal := st.Terminal()
	t.mu.Unlock()
	if terminal {
		t.finish(nil) // closes done, then ack
		return
	}
	// After the status is set: a caller woken by the ack reads it.
	t.ackOnce.Do(func() { close(t.ack) })
}

// publish sends st on updates, dropping the oldest unread change when the
// buffer is full, and to the trade's streams. Caller holds t.mu.
func (t *Trade) publish(st OrderStatus) {
	t.emit(TradeEvent{Kind: TradeStatus, Status: st})
	select {
	case t.updates <- st:
		return
	default:
	}
	select {
	case <-t.updates:
	default:
	}
	select {
	case t.updates <- st:
	default:
	}
}

func (t *Trade) isDone() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// addFill records an execution once (by exec id).
func (t *Trade) addFill(f Fill) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, x := range t.fills {
		if x.ExecID == f.ExecID {
			return
		}
	}
	t.fills = append(t.fills, f)
	t.emit(TradeEvent{Kind: TradeFill, Fill: f})
}

// filled sums the trade's fills: shares and their average price.
func (t *Trade) filled() (decimal.Decimal, decimal.Decimal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var qty, notional decimal.Decimal
	for _, f := range t.fills {
		qty = qty.Add(f.Shares)
		notional = notional.Add(f.Shares.Mul(f.Price))
	}
	if qty.IsZero() {
		return qty, decimal.Zero
	}
	return qty, notional.Div(qty)
}

// seen records that the Gateway reported the order (an openOrder).
func (t *Trade) seen(permID int64) {
	if permID != 0 {
		t.mu.Lock()
		t.permID = permID
		t.mu.Unlock()
	}
	t.ackOnce.Do(func() { close(t.ack) })
}

// cancelled ends the order as Cancelled (error 202 confirmed it).
func (t *Trade) cancelled() {
	st := t.Status()
	if st.Terminal() {
		return
	}
	st.Status, st.OrderID, st.At = OrderCancelled, t.ID(), time.Now()
	t.setStatus(st)
}

// finish ends the trade. A non-nil err is why it ended without a terminal
// status: the status becomes Inactive (Cancelled for 202) unless the
// Gateway already reported a terminal one.
func (t *Trade) finish(err error) {
	t.doneOnce.Do(func() {
		t.mu.Lock()
		t.finished = true
		t.err = err
		if err != nil && !t.status.Terminal() {
			st := t.status
			st.Status = OrderInactive
			if ae, ok := asAPIError(err); ok && ae.Code == 202 {
				st.Status = OrderCancelled
			}
			st.OrderID = t.id.Load()
			st.At = time.Now()
			t.status = st
			t.publish(st)
		}
		close(t.updates)
		sts := t.streams
		if t.commissionsDue() {
			// The commissions of the last fills follow the terminal
			// status: the streams end once they came, or after a grace.
			sts = nil
			time.AfterFunc(commissionGrace, t.endStreams)
		} else {
			t.streams = nil
		}
		t.mu.Unlock()
		for _, st := range sts {
			st.end(err)
		}
		// Done before the acknowledgement: a caller woken by the ack (a
		// rejection) sees the Trade done.
		close(t.done)
		t.ackOnce.Do(func() { close(t.ack) })
	})
}

// commissionGrace bounds how long a done trade's streams wait for the
// commissions of its fills.
const commissionGrace = 2 * time.Second

// commissionsDue reports whether a fill still waits for its commission
// report. Caller holds t.mu.
func (t *Trade) commissionsDue() bool {
	for _, f := range t.fills {
		if f.Currency == "" {
			return true
		}
	}
	return false
}

// endStreams ends the streams of a done trade.
func (t *Trade) endStreams() {
	t.mu.Lock()
	sts, err := t.streams, t.err
	t.streams = nil
	t.mu.Unlock()
	for _, st := range sts {
		st.end(err)
	}
}

// fail is the router's error delivery: a rejection ends the order.
func (t *Trade) fail(err error) { t.finish(err) }

// orderIDs allocates order ids from the Gateway's nextValidId. alloc is
// called only on the write path, under Session.ecMu, so ids reach the
// Gateway in the order they were allocated.
type orderIDs struct {
	mu   sync.Mutex
	next int64
}

// seed moves the allocator to at least v (after every connect).
func (a *orderIDs) seed(v int64) {
	a.mu.Lock()
	a.next = max(a.next, v)
	a.mu.Unlock()
}

func (a *orderIDs) alloc() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	v := a.next
	a.next++
	return v
}

// orderBook holds the Session's trades and the waiters keyed by order id.
type orderBook struct {
	mu      sync.Mutex
	trades  map[int64]*Trade
	byExec  map[string]int64 // exec id -> order id, for commission reports
	whatIf  map[int64]*oneShot[OrderPreview]
	cancels map[int64]*oneShot[struct{}]
	// modifies are ModifyOrder's waiters for the Gateway's word.
	modifies map[int64]*modifyWait
	comms    map[string]Fill // commissions that arrived, by exec id
}

func (b *orderBook) init() {
	b.trades = map[int64]*Trade{}
	b.byExec = map[string]int64{}
	b.whatIf = map[int64]*oneShot[OrderPreview]{}
	b.cancels = map[int64]*oneShot[struct{}]{}
	b.modifies = map[int64]*modifyWait{}
	b.comms = map[string]Fill{}
}

// knows reports whether id is an order the book holds or waits on.
func (b *orderBook) knows(id int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.trades[id] != nil || b.whatIf[id] != nil || b.cancels[id] != nil
}

func (b *orderBook) trade(id int64) *Trade {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.trades[id]
}

// unresolved returns the trades that are written and not done.
func (b *orderBook) unresolved() []*Trade {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*Trade
	for _, t := range b.trades {
		if !t.isDone() {
			out = append(out, t)
		}
	}
	return out
}

// failWaiters fails the what-if and cancel waiters.
func (b *orderBook) failWaiters(err error) {
	b.mu.Lock()
	var ws []*oneShot[OrderPreview]
	for id, w := range b.whatIf {
		ws = append(ws, w)
		delete(b.whatIf, id)
	}
	var cs []*oneShot[struct{}]
	for id, c := range b.cancels {
		cs = append(cs, c)
		delete(b.cancels, id)
	}
	for id, c := range b.modifies {
		cs = append(cs, c.oneShot)
		delete(b.modifies, id)
	}
	b.mu.Unlock()
	for _, w := range ws {
		w.fail(err)
	}
	for _, c := range cs {
		c.fail(err)
	}
}

func (b *orderBook) failAll(err error) {
	b.failWaiters(err)
	for _, t := range b.unresolved() {
		t.finish(err)
	}
}

// cancelDone resolves a cancel waiter.
func (b *orderBook) cancelDone(id int64, err error) {
	b.mu.Lock()
	w := b.cancels[id]
	b.mu.Unlock()
	if w == nil {
		return
	}
	if err != nil {
		w.fail(err)
	} else {
		w.Finish()
	}
}

// Trade returns the handle of an order this Session knows (placed here, or
// reported by the Gateway for this client id, e.g. after a restart).
func (s *Session) Trade(orderID int64) (*Trade, bool) {
	t := s.orders.trade(orderID)
	return t, t != nil
}

// Trades returns every order handle the Session knows.
func (s *Session) Trades() []*Trade {
	s.orders.mu.Lock()
	defer s.orders.mu.Unlock()
	out := make([]*Trade, 0, len(s.orders.trades))
	for _, t := range s.orders.trades {
		out = append(out, t)
	}
	return out
}
