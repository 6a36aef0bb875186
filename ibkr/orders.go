package ibkr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
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
	o.Action = strings.ToUpper(strings.TrimSpace(o.Action))
	if o.Action != "BUY" && o.Action != "SELL" {
		return invalid("Order.Action", o.Action, "BUY or SELL")
	}
	if o.Quantity.Sign() <= 0 {
		return invalid("Order.Quantity", o.Quantity, "more than 0")
	}
	o.Type = strings.ToUpper(strings.TrimSpace(o.Type))
	if !orderTypes[o.Type] {
		return invalid("Order.Type", o.Type, "MKT, LMT, STP or STP LMT")
	}
	if (o.Type == "LMT" || o.Type == "STP LMT") && o.LimitPrice.Sign() <= 0 {
		return invalid("Order.LimitPrice", o.LimitPrice, "more than 0 for a "+o.Type+" order")
	}
	if (o.Type == "STP" || o.Type == "STP LMT") && o.StopPrice.Sign() <= 0 {
		return invalid("Order.StopPrice", o.StopPrice, "more than 0 for a "+o.Type+" order")
	}
	if o.TIF == "" {
		o.TIF = "DAY"
	}
	o.TIF = strings.ToUpper(strings.TrimSpace(o.TIF))
	if !tifs[o.TIF] {
		return invalid("Order.TIF", o.TIF, "DAY, GTC, IOC or FOK")
	}
	if o.OCAType < 0 || o.OCAType > 3 {
		return invalid("Order.OCAType", o.OCAType, "0 (default), 1, 2 or 3")
	}
	if o.ParentID < 0 {
		return invalid("Order.ParentID", o.ParentID, "0 (none) or a parent's order id")
	}
	return nil
}

func (o Order) toWire(id int64, whatIf bool) conn.Order {
	var io conn.Order
	io.OrderID = id
	io.Action = o.Action
	io.TotalQuantity = o.Quantity.String()
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

func orderFromWire(io conn.Order) Order {
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

// PlaceOrder sends an order and returns its handle once the Gateway
// acknowledged it (first openOrder or orderStatus), or at once for a held
// order (Hold). A rejection is an error with the handle (its Status is
// Inactive, its Err the rejection). If ctx ends after the order was
// written, the handle comes back with ctx's error: the order may be live,
// and the handle can cancel it. An error without a handle means nothing
// was written.
//
// The order id is allocated when the message is written, on the Session's
// single write path, so ids reach the Gateway in increasing order however
// many goroutines place orders at once (IB refuses an id below one already
// used with 103).
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
	t := newTrade(s, c, o)
	down := s.connDown(gen)
	if err := s.sendJob(ctx, s.orderJob(ctx, gen, t)); err != nil {
		return nil, fmt.Errorf("ibkr: place %s %s order for %s: %w", o.Action, o.Type, c, err)
	}
	if o.Hold {
		return t, nil
	}
	return t, t.awaitAck(ctx, down)
}

// errLegNotWritten: a bracket leg was not written because an earlier leg
// was not.
var errLegNotWritten = errors.New("an earlier leg of the bracket was not written")

// orderJob is the write of one order. The id is allocated and the trade
// registered inside the write, under the Session's EClient lock, right
// before the EClient call: allocation order is write order. after lists
// legs that must have been written first (a bracket's parent); a child's
// ParentID and OCA group are filled from the parent's id here.
func (s *Session) orderJob(ctx context.Context, gen uint64, t *Trade, after ...*Trade) *job {
	return &job{Ctx: ctx, Lane: pace.LaneOrder, Gen: gen, Done: make(chan error, 1), Build: func() (conn.Request, error) {
		for _, p := range after {
			if !p.written.Load() {
				return nil, errLegNotWritten
			}
		}
		id := s.ids.alloc()
		t.mu.Lock()
		if len(after) > 0 {
			pid := after[0].ID()
			t.order.ParentID = pid
			if t.order.OCAGroup == "" {
				t.order.OCAGroup = fmt.Sprintf("ibbot-oca-%d-%d", s.cfg.ClientID, pid)
			}
		}
		o := t.order
		t.status.OrderID = id
		t.mu.Unlock()
		t.id.Store(id)
		t.gen.Store(gen)
		s.orders.mu.Lock()
		s.orders.trades[id] = t
		s.orders.mu.Unlock()
		t.written.Store(true)
		return conn.PlaceOrder{Contract: t.contract.toWire(), Order: o.toWire(id, false)}, nil
	}}
}

// awaitAck waits for the Gateway's first word on the order. If the
// connection is lost first, the order may or may not have reached the
// Gateway: the error is ErrDisconnected and the handle stays valid (after a
// reconnect the Session reconciles it with the Gateway's records: it is
// updated, or ends with ErrOrderLost).
func (t *Trade) awaitAck(ctx context.Context, down <-chan struct{}) error {
	select {
	case <-t.ack:
	case <-down:
		select {
		case <-t.ack:
		default:
			return fmt.Errorf("ibkr: order %d written, not acknowledged before the connection was lost (it may be live; the session reconciles it after reconnecting): %w", t.ID(), ErrDisconnected)
		}
	case <-ctx.Done():
		return fmt.Errorf("ibkr: order %d written, not yet acknowledged: %w", t.ID(), ctx.Err())
	}
	if err := t.Err(); err != nil {
		return fmt.Errorf("ibkr: order %d: %w", t.ID(), err)
	}
	return nil
}

// Bracket is a parent order with a take-profit and a stop-loss child in one
// OCA group: a fill of one child cancels the other. TakeProfit is nil for
// a bracket placed without one.
type Bracket struct {
	Parent, TakeProfit, StopLoss *Trade
}

// PlaceBracket sends a parent and its two children as IB wants them: the
// parent and the first child held, the last child transmitting the group.
// The children get the parent's id, an OCA group and are meant to carry
// the opposite action. A zero takeProfit (Order{}) places the parent and
// the stop-loss only.
//
// It is all or nothing: the three legs are queued together and written in
// order; if a leg cannot be written (ctx ended, the connection was lost),
// no later leg is written, the legs already at the Gateway are cancelled,
// and no Bracket is returned, so no handle exists for a leg that never
// left. Once all three are written, PlaceBracket waits for the Gateway's
// acknowledgement of each; a rejection comes back as an error together
// with the Bracket.
func (s *Session) PlaceBracket(ctx context.Context, c Contract, parent, takeProfit, stopLoss Order) (*Bracket, error) {
	if s.cfg.ReadOnly {
		return nil, fmt.Errorf("ibkr: place bracket for %s: %w", c, ErrReadOnly)
	}
	withTP := takeProfit != (Order{})
	legsIn := []*Order{&parent, &stopLoss}
	if withTP {
		legsIn = []*Order{&parent, &takeProfit, &stopLoss}
	}
	for _, o := range legsIn {
		if err := o.validate(); err != nil {
			return nil, err
		}
	}
	if takeProfit.ParentID != 0 || stopLoss.ParentID != 0 {
		return nil, invalid("Bracket child ParentID", max(takeProfit.ParentID, stopLoss.ParentID), "0: PlaceBracket sets it to the parent's id")
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	down := s.connDown(gen)
	parent.Hold = true
	takeProfit.Hold = true
	stopLoss.Hold = false
	p := newTrade(s, c, parent)
	sl := newTrade(s, c, stopLoss)
	var tp *Trade
	legs := []*Trade{p, sl}
	jobs := []*job{s.orderJob(ctx, gen, p), s.orderJob(ctx, gen, sl, p)}
	names := []string{"parent", "stop-loss"}
	if withTP {
		tp = newTrade(s, c, takeProfit)
		legs = []*Trade{p, tp, sl}
		jobs = []*job{s.orderJob(ctx, gen, p), s.orderJob(ctx, gen, tp, p), s.orderJob(ctx, gen, sl, p, tp)}
		names = []string{"parent", "take-profit", "stop-loss"}
	}
	errs := s.sendJobs(ctx, jobs)
	for i, e := range errs {
		if e == nil {
			continue
		}
		// Undo: cancel what reached the Gateway (held, so never working),
		// on this connection or the next; each leg's handle ends when the
		// Gateway confirmed it.
		var undone []string
		for _, t := range legs[:i] {
			if t.written.Load() {
				s.cancelInBackground(t, fmt.Errorf("ibkr: bracket leg %d: the %s was not written, and the gateway does not know this leg: %w", t.ID(), names[i], ErrOrderLost))
				undone = append(undone, fmt.Sprint(t.ID()))
			}
		}
		msg := ""
		if len(undone) > 0 {
			msg = fmt.Sprintf("; legs already written (%s) are being cancelled", strings.Join(undone, ", "))
		}
		return nil, fmt.Errorf("ibkr: place bracket for %s: %s not written%s: %w", c, names[i], msg, e)
	}
	b := &Bracket{Parent: p, TakeProfit: tp, StopLoss: sl}
	return b, s.awaitLegs(ctx, down, legs, names)
}

// awaitLegs waits for the Gateway's first word on every leg of a bracket.
// A leg the Gateway refuses leaves the others held (untransmitted) or
// orphaned: they are cancelled, and the refusal is the error.
func (s *Session) awaitLegs(ctx context.Context, down <-chan struct{}, legs []*Trade, names []string) error {
	acked := make(chan int, len(legs))
	stop := make(chan struct{})
	defer close(stop)
	for i, t := range legs {
		go func() {
			select {
			case <-t.ack:
				acked <- i
			case <-stop:
			}
		}()
	}
	for n := 0; n < len(legs); n++ {
		var i int
		select {
		case i = <-acked:
		case <-down:
			return fmt.Errorf("ibkr: bracket written, not acknowledged before the connection was lost (it may be live; the session reconciles it after reconnecting): %w", ErrDisconnected)
		case <-ctx.Done():
			return fmt.Errorf("ibkr: bracket written, not yet acknowledged: %w", ctx.Err())
		}
		if err := legs[i].Err(); err != nil {
			// Report the first refused leg in placing order: a parent's
			// refusal reaches the session before the "parent order is
			// being cancelled" of its children, but the acknowledgements
			// race to this loop, and IB's reason is the parent's.
			for k := range legs {
				if e := legs[k].Err(); e != nil {
					i, err = k, e
					break
				}
			}
			for _, t := range legs {
				if t != legs[i] && !t.isDone() {
					s.cancelInBackground(t, fmt.Errorf("ibkr: bracket leg %d: the %s was refused, and the gateway does not know this leg: %w", t.ID(), names[i], ErrOrderLost))
				}
			}
			return fmt.Errorf("ibkr: bracket %s %d refused (the other legs are being cancelled): %w", names[i], legs[i].ID(), err)
		}
	}
	return nil
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

func previewFromWire(st conn.OrderState) OrderPreview {
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
	w := newOneShot[OrderPreview]()
	var id int64
	ic := c.toWire()
	j := &job{Ctx: ctx, Lane: pace.LaneOrder, Gen: gen, Done: make(chan error, 1), Build: func() (conn.Request, error) {
		id = s.ids.alloc()
		s.orders.mu.Lock()
		s.orders.whatIf[id] = w
		s.orders.mu.Unlock()
		return conn.PlaceOrder{Contract: ic, Order: o.toWire(id, true)}, nil
	}}
	err = s.sendJob(ctx, j)
	defer func() {
		if id != 0 {
			s.orders.mu.Lock()
			delete(s.orders.whatIf, id)
			s.orders.mu.Unlock()
		}
	}()
	if err != nil {
		return OrderPreview{}, fmt.Errorf("ibkr: what-if for %s: %w", c, err)
	}
	v, err := w.Wait(ctx)
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
// with IB's reason; one that exists but is done (filled, cancelled) also
// matches ErrOrderNotCancellable. Concurrent cancels of one order share one
// cancel message and its answer.
func (s *Session) CancelOrder(ctx context.Context, orderID int64) error {
	if s.cfg.ReadOnly {
		return fmt.Errorf("ibkr: cancel order %d: %w", orderID, ErrReadOnly)
	}
	if orderID <= 0 {
		return invalid("order id", orderID, "a positive order id")
	}
	for {
		gen, err := s.awaitReady(ctx)
		if err != nil {
			return err
		}
		if t := s.orders.trade(orderID); t != nil && t.isDone() {
			return fmt.Errorf("ibkr: cancel order %d: %w (%w): it is %s", orderID, ErrOrderNotCancellable, ErrOrderNotFound, t.Status().Status)
		}
		s.orders.mu.Lock()
		w := s.orders.cancels[orderID]
		creator := w == nil || w.Finished()
		if creator {
			w = newOneShot[struct{}]()
			s.orders.cancels[orderID] = w
		}
		s.orders.mu.Unlock()
		if creator {
			if err := s.send(ctx, gen, pace.LaneOrder, conn.CancelOrder{OrderID: orderID}); err != nil {
				s.orders.dropCancel(orderID, w)
				w.fail(fmt.Errorf("%w: %w", errCancelNotWritten, err))
				return fmt.Errorf("ibkr: cancel order %d: %w", orderID, err)
			}
		}
		_, err = w.Wait(ctx)
		if w.Finished() {
			s.orders.dropCancel(orderID, w)
		}
		if errors.Is(err, errCancelNotWritten) && ctx.Err() == nil {
			continue // the caller who was to send it gave up: send it ourselves
		}
		if err != nil {
			return fmt.Errorf("ibkr: cancel order %d: %w", orderID, err)
		}
		return nil
	}
}

// errCancelNotWritten: the cancel a caller joined was never written.
var errCancelNotWritten = errors.New("the cancel was not written")

// dropCancel forgets the cancel waiter w of id.
func (b *orderBook) dropCancel(id int64, w *oneShot[struct{}]) {
	b.mu.Lock()
	if b.cancels[id] == w {
		delete(b.cancels, id)
	}
	b.mu.Unlock()
}

// cancelInBackground cancels a trade the session wrote but cannot see at
// the Gateway (a held order after a reconnect, a bracket leg to undo),
// retrying across reconnects until the Gateway answered: confirmed, the
// trade ends Cancelled; unknown to the Gateway, it ends with lost's error;
// already done, its status comes from the Gateway.
func (s *Session) cancelInBackground(t *Trade, lost error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Minute)
		defer cancel()
		for {
			err := s.CancelOrder(ctx, t.ID())
			switch {
			case err == nil:
				t.cancelled()
				return
			case errors.Is(err, ErrOrderNotCancellable) && t.Order().Hold && !t.isDone():
				// A held leg the Gateway will not cancel and does not list:
				// it was never transmitted and cannot go live without its
				// bracket's last leg, which never left. End the handle
				// rather than leave it PendingSubmit with no status to come.
				t.finish(fmt.Errorf("ibkr: held bracket leg %d: the gateway refused its cancel (%w); it was never transmitted: %w", t.ID(), err, lost))
				return
			case errors.Is(err, ErrOrderNotCancellable):
				return // done at the Gateway: its status tells how
			case errors.Is(err, ErrOrderNotFound):
				t.finish(lost)
				return
			case ctx.Err() != nil || errors.Is(err, ErrClosed):
				s.log.Warn("ibkr: could not cancel an order", "orderId", t.ID(), "err", err)
				return
			}
			// Disconnected, or another error: try again on the next
			// connection (CancelOrder waits for it).
			timer := time.NewTimer(500 * time.Millisecond)
			select {
			case <-ctx.Done():
			case <-timer.C:
			}
			timer.Stop()
		}
	}()
}
