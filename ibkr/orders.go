package ibkr

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/shopspring/decimal"
)

// Order is what to trade. Prices are decimals, rounded by the caller to the
// contract's tick.
type Order struct {
	Action     string          // BUY or SELL
	Quantity   decimal.Decimal // > 0
	Type       string          // MKT, LMT, STP or STP LMT
	LimitPrice decimal.Decimal // LMT and STP LMT
	StopPrice  decimal.Decimal // STP and STP LMT (IB's auxPrice)
	TIF        string          // DAY (default), GTC, IOC or FOK
	OutsideRTH bool
	OrderRef   string
	OCAGroup   string
	// OCAType: 1 cancel the rest with block (default with a group), 2
	// reduce with block, 3 reduce without block.
	OCAType int
	Account string
	// ParentID attaches the order to a parent (brackets).
	ParentID int64
	// Hold keeps the order at the Gateway without transmitting it (IB's
	// transmit=false) until a later order of its group transmits.
	Hold bool
}

var (
	orderTypes = map[string]bool{"MKT": true, "LMT": true, "STP": true, "STP LMT": true}
	tifs       = map[string]bool{"DAY": true, "GTC": true, "IOC": true, "FOK": true}
)

func (o *Order) validate() error {
	o.Action = strings.ToUpper(o.Action)
	if o.Action != "BUY" && o.Action != "SELL" {
		return fmt.Errorf("ibkr: order action %q: want BUY or SELL", o.Action)
	}
	if o.Quantity.Sign() <= 0 {
		return fmt.Errorf("ibkr: order quantity %s: want more than 0", o.Quantity)
	}
	o.Type = strings.ToUpper(o.Type)
	if !orderTypes[o.Type] {
		return fmt.Errorf("ibkr: order type %q: want MKT, LMT, STP or STP LMT", o.Type)
	}
	if (o.Type == "LMT" || o.Type == "STP LMT") && o.LimitPrice.Sign() <= 0 {
		return fmt.Errorf("ibkr: %s order: limit price %s: want more than 0", o.Type, o.LimitPrice)
	}
	if (o.Type == "STP" || o.Type == "STP LMT") && o.StopPrice.Sign() <= 0 {
		return fmt.Errorf("ibkr: %s order: stop price %s: want more than 0", o.Type, o.StopPrice)
	}
	if o.TIF == "" {
		o.TIF = "DAY"
	}
	o.TIF = strings.ToUpper(o.TIF)
	if !tifs[o.TIF] {
		return fmt.Errorf("ibkr: order TIF %q: want DAY, GTC, IOC or FOK", o.TIF)
	}
	if o.OCAType < 0 || o.OCAType > 3 {
		return fmt.Errorf("ibkr: order OCA type %d: want 1, 2 or 3", o.OCAType)
	}
	return nil
}

func (o Order) toIB(id int64, whatIf bool) *ibapi.Order {
	io := ibapi.NewOrder()
	io.OrderID = id
	io.Action = o.Action
	io.TotalQuantity = ibapi.StringToDecimal(o.Quantity.String())
	io.OrderType = o.Type
	if !o.LimitPrice.IsZero() {
		io.LmtPrice = o.LimitPrice.InexactFloat64()
	}
	if !o.StopPrice.IsZero() {
		io.AuxPrice = o.StopPrice.InexactFloat64()
	}
	io.TIF = o.TIF
	io.OutsideRTH = o.OutsideRTH
	io.OrderRef = o.OrderRef
	io.OCAGroup = o.OCAGroup
	if o.OCAGroup != "" {
		io.OCAType = 1
		if o.OCAType != 0 {
			io.OCAType = int64(o.OCAType)
		}
	}
	io.Account = o.Account
	io.ParentID = o.ParentID
	io.Transmit = !o.Hold
	io.WhatIf = whatIf
	return io
}

func orderFromIB(io *ibapi.Order) Order {
	o := Order{
		Action:     io.Action,
		Quantity:   sizeDecimal(io.TotalQuantity),
		Type:       io.OrderType,
		LimitPrice: priceDecimal(io.LmtPrice),
		StopPrice:  priceDecimal(io.AuxPrice),
		TIF:        io.TIF,
		OutsideRTH: io.OutsideRTH,
		OrderRef:   io.OrderRef,
		OCAGroup:   io.OCAGroup,
		OCAType:    int(io.OCAType),
		Account:    io.Account,
		ParentID:   io.ParentID,
		Hold:       !io.Transmit,
	}
	return o
}

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
func (st OrderStatus) Terminal() bool {
	switch st.Status {
	case "Filled", "Cancelled", "ApiCancelled", "Inactive":
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
type Trade struct {
	s        *Session
	id       int64
	contract Contract
	order    Order

	mu       sync.Mutex
	status   OrderStatus
	fills    []Fill
	err      error
	updates  chan OrderStatus
	ack      chan struct{}
	done     chan struct{}
	ackOnce  sync.Once
	doneOnce sync.Once
}

func newTrade(s *Session, id int64, c Contract, o Order) *Trade {
	return &Trade{s: s, id: id, contract: c, order: o, status: OrderStatus{OrderID: id, Status: "PendingSubmit"},
		updates: make(chan OrderStatus, 64), ack: make(chan struct{}), done: make(chan struct{})}
}

// ID is the order id.
func (t *Trade) ID() int64 { return t.id }

// Contract is the order's contract (as placed, or as the Gateway reported
// it for an adopted order).
func (t *Trade) Contract() Contract { return t.contract }

// Order is the order as placed.
func (t *Trade) Order() Order { return t.order }

// Status returns the latest status.
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

// Err returns the rejection of the order, if any.
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
	t.ackOnce.Do(func() { close(t.ack) })
	t.mu.Lock()
	if t.isDone() {
		t.mu.Unlock()
		return
	}
	t.status = st
	select {
	case t.updates <- st:
	default:
		select {
		case <-t.updates:
		default:
		}
		select {
		case t.updates <- st:
		default:
		}
	}
	terminal := st.Terminal()
	t.mu.Unlock()
	if terminal {
		t.finish(nil)
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

func (t *Trade) acked() { t.ackOnce.Do(func() { close(t.ack) }) }

// finish ends the trade; err is a rejection.
func (t *Trade) finish(err error) {
	t.doneOnce.Do(func() {
		t.mu.Lock()
		t.err = err
		close(t.updates)
		t.mu.Unlock()
		t.ackOnce.Do(func() { close(t.ack) })
		close(t.done)
	})
}

// fail is the router's error delivery: a rejection ends the order.
func (t *Trade) fail(err error) { t.finish(err) }

// orderIDs allocates order ids from the Gateway's nextValidId.
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
	comms   map[string]Fill // commissions that arrived, by exec id
}

func (b *orderBook) init() {
	b.trades = map[int64]*Trade{}
	b.byExec = map[string]int64{}
	b.whatIf = map[int64]*oneShot[OrderPreview]{}
	b.cancels = map[int64]*oneShot[struct{}]{}
	b.comms = map[string]Fill{}
}

func (b *orderBook) trade(id int64) *Trade {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.trades[id]
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
	b.mu.Lock()
	var ts []*Trade
	for _, t := range b.trades {
		ts = append(ts, t)
	}
	b.mu.Unlock()
	for _, t := range ts {
		if !t.isDone() {
			t.finish(err)
		}
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

// PlaceOrder sends an order and returns its handle once the Gateway
// acknowledged it (first openOrder or orderStatus), or at once for a held
// order (Hold). A rejection is an error with the handle. If ctx ends after
// the order was written, the handle comes back with ctx's error: the order
// may be live, and the handle can cancel it.
func (s *Session) PlaceOrder(ctx context.Context, c Contract, o Order) (*Trade, error) {
	if s.cfg.ReadOnly {
		return nil, fmt.Errorf("ibkr: place %s order for %s: %w", o.Type, c, ErrReadOnly)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	t := s.newTrade(c, o)
	down := s.connDown(gen)
	if err := s.writeOrder(ctx, gen, t); err != nil {
		return nil, err
	}
	if o.Hold {
		return t, nil
	}
	return t, t.awaitAck(ctx, down)
}

func (s *Session) newTrade(c Contract, o Order) *Trade {
	id := s.ids.alloc()
	t := newTrade(s, id, c, o)
	s.orders.mu.Lock()
	s.orders.trades[id] = t
	s.orders.mu.Unlock()
	return t
}

func (s *Session) writeOrder(ctx context.Context, gen uint64, t *Trade) error {
	ic, io := t.contract.toIB(), t.order.toIB(t.id, false)
	id := t.id
	if err := s.send(ctx, gen, laneOrder, func(ec *ibapi.EClient) { ec.PlaceOrder(id, ic, io) }); err != nil {
		s.orders.mu.Lock()
		delete(s.orders.trades, id)
		s.orders.mu.Unlock()
		return fmt.Errorf("ibkr: place order %d (%s %s %s): %w", id, t.order.Action, t.order.Type, t.contract, err)
	}
	return nil
}

// awaitAck waits for the Gateway's first word on the order. If the
// connection is lost first, the order may or may not have reached the
// Gateway: the error is ErrDisconnected and the handle stays valid (after a
// reconnect the Gateway re-sends its open orders, which update it).
func (t *Trade) awaitAck(ctx context.Context, down <-chan struct{}) error {
	select {
	case <-down:
		select {
		case <-t.ack:
		default:
			return fmt.Errorf("ibkr: order %d written, not acknowledged before the connection was lost (it may be live): %w", t.id, ErrDisconnected)
		}
		if err := t.Err(); err != nil {
			return fmt.Errorf("ibkr: order %d: %w", t.id, err)
		}
		return nil
	case <-t.ack:
		if err := t.Err(); err != nil {
			return fmt.Errorf("ibkr: order %d: %w", t.id, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ibkr: order %d written, not yet acknowledged: %w", t.id, ctx.Err())
	}
}

// Bracket is a parent order with a take-profit and a stop-loss child in one
// OCA group: a fill of one child cancels the other.
type Bracket struct {
	Parent, TakeProfit, StopLoss *Trade
}

// PlaceBracket sends a parent and its two children as IB wants them: the
// parent and the first child held, the last child transmitting the group.
// The children get ParentID, an OCA group and the opposite action.
func (s *Session) PlaceBracket(ctx context.Context, c Contract, parent, takeProfit, stopLoss Order) (*Bracket, error) {
	if s.cfg.ReadOnly {
		return nil, fmt.Errorf("ibkr: place bracket for %s: %w", c, ErrReadOnly)
	}
	for _, o := range []*Order{&parent, &takeProfit, &stopLoss} {
		if err := o.validate(); err != nil {
			return nil, err
		}
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	down := s.connDown(gen)
	p := s.newTrade(c, parent)
	oca := fmt.Sprintf("ibbot-oca-%d-%d", s.cfg.ClientID, p.id)
	parent.Hold = true
	p.order = parent
	takeProfit.ParentID, takeProfit.OCAGroup, takeProfit.Hold = p.id, oca, true
	stopLoss.ParentID, stopLoss.OCAGroup, stopLoss.Hold = p.id, oca, false
	tp := s.newTrade(c, takeProfit)
	sl := s.newTrade(c, stopLoss)
	for _, t := range []*Trade{p, tp, sl} {
		if err := s.writeOrder(ctx, gen, t); err != nil {
			return nil, err
		}
	}
	b := &Bracket{Parent: p, TakeProfit: tp, StopLoss: sl}
	for _, t := range []*Trade{p, tp, sl} {
		if err := t.awaitAck(ctx, down); err != nil {
			return b, err
		}
	}
	return b, nil
}

// OrderPreview is IB's what-if answer: margin and commission of an order,
// without placing it.
type OrderPreview struct {
	InitMarginBefore, InitMarginChange, InitMarginAfter    decimal.Decimal
	MaintMarginBefore, MaintMarginChange, MaintMarginAfter decimal.Decimal
	EquityWithLoanBefore, EquityWithLoanAfter              decimal.Decimal
	Commission, MinCommission, MaxCommission               decimal.Decimal
	CommissionCurrency                                     string
	Warning                                                string
}

func previewFromIB(st *ibapi.OrderState) OrderPreview {
	d := func(s string) decimal.Decimal {
		v, err := decimal.NewFromString(strings.TrimSpace(s))
		if err != nil || strings.HasPrefix(s, "1.79") {
			return decimal.Zero
		}
		return v
	}
	return OrderPreview{
		InitMarginBefore: d(st.InitMarginBefore), InitMarginChange: d(st.InitMarginChange), InitMarginAfter: d(st.InitMarginAfter),
		MaintMarginBefore: d(st.MaintMarginBefore), MaintMarginChange: d(st.MaintMarginChange), MaintMarginAfter: d(st.MaintMarginAfter),
		EquityWithLoanBefore: d(st.EquityWithLoanBefore), EquityWithLoanAfter: d(st.EquityWithLoanAfter),
		Commission: priceDecimal(st.CommissionAndFees), MinCommission: priceDecimal(st.MinCommissionAndFees),
		MaxCommission: priceDecimal(st.MaxCommissionAndFees), CommissionCurrency: st.CommissionAndFeesCurrency,
		Warning: st.WarningText,
	}
}

// WhatIf asks the Gateway what an order would cost in margin and
// commission, without placing it. A read-only session refuses it too: it
// is an order message.
func (s *Session) WhatIf(ctx context.Context, c Contract, o Order) (OrderPreview, error) {
	if s.cfg.ReadOnly {
		return OrderPreview{}, fmt.Errorf("ibkr: what-if for %s: %w", c, ErrReadOnly)
	}
	if err := o.validate(); err != nil {
		return OrderPreview{}, err
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return OrderPreview{}, err
	}
	id := s.ids.alloc()
	w := newOneShot[OrderPreview]()
	s.orders.mu.Lock()
	s.orders.whatIf[id] = w
	s.orders.mu.Unlock()
	defer func() {
		s.orders.mu.Lock()
		delete(s.orders.whatIf, id)
		s.orders.mu.Unlock()
	}()
	ic, io := c.toIB(), o.toIB(id, true)
	if err := s.send(ctx, gen, laneOrder, func(ec *ibapi.EClient) { ec.PlaceOrder(id, ic, io) }); err != nil {
		return OrderPreview{}, fmt.Errorf("ibkr: what-if for %s: %w", c, err)
	}
	v, err := w.wait(ctx)
	if err != nil {
		return OrderPreview{}, fmt.Errorf("ibkr: what-if for %s: %w", c, err)
	}
	if len(v) == 0 {
		return OrderPreview{}, fmt.Errorf("ibkr: what-if for %s: empty answer", c)
	}
	return v[0], nil
}

// CancelOrder cancels an order and waits until the Gateway confirms it
// (Cancelled, or error 202). An order that is not open is ErrOrderNotFound
// or ErrOrderRejected with IB's reason.
func (s *Session) CancelOrder(ctx context.Context, orderID int64) error {
	if s.cfg.ReadOnly {
		return fmt.Errorf("ibkr: cancel order %d: %w", orderID, ErrReadOnly)
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return err
	}
	w := newOneShot[struct{}]()
	s.orders.mu.Lock()
	s.orders.cancels[orderID] = w
	s.orders.mu.Unlock()
	defer func() {
		s.orders.mu.Lock()
		if s.orders.cancels[orderID] == w {
			delete(s.orders.cancels, orderID)
		}
		s.orders.mu.Unlock()
	}()
	if t := s.orders.trade(orderID); t != nil && t.isDone() {
		return fmt.Errorf("ibkr: cancel order %d: %w: it is %s", orderID, ErrOrderNotFound, t.Status().Status)
	}
	if err := s.send(ctx, gen, laneOrder, func(ec *ibapi.EClient) { ec.CancelOrder(orderID, ibapi.NewOrderCancel()) }); err != nil {
		return fmt.Errorf("ibkr: cancel order %d: %w", orderID, err)
	}
	if _, err := w.wait(ctx); err != nil {
		return fmt.Errorf("ibkr: cancel order %d: %w", orderID, err)
	}
	return nil
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
		w.finish()
	}
}
