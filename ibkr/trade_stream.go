package ibkr

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
)

// TradeEventKind says what a TradeEvent carries.
type TradeEventKind int

// Trade events.
const (
	// TradeStatus: a status change (Status).
	TradeStatus TradeEventKind = iota + 1
	// TradeFill: an execution (Fill, its commission not yet known).
	TradeFill
	// TradeCommission: the commission of an execution reported earlier
	// (Fill, with Commission, RealizedPNL and Currency).
	TradeCommission
)

func (k TradeEventKind) String() string {
	switch k {
	case TradeStatus:
		return "status"
	case TradeFill:
		return "fill"
	case TradeCommission:
		return "commission"
	}
	return fmt.Sprintf("TradeEventKind(%d)", int(k))
}

// TradeEvent is one event of an order: a status change, a fill or a
// fill's commission.
type TradeEvent struct {
	Kind   TradeEventKind
	Status OrderStatus // TradeStatus
	Fill   Fill        // TradeFill, TradeCommission
}

// Stream returns the order's statuses, fills and commissions on one
// Stream, so that fills need not be polled. It starts with the current
// status and the fills so far, then follows the order as the Gateway
// reports it; it ends when the order is done (Err: why it ended without a
// terminal status from the Gateway, as Trade.Err), after every event was
// read. Across a reconnect it reports a StreamGap, then StreamResumed once
// the Session is connected again (the order is reconciled meanwhile).
// Each call returns a new Stream; Close one to stop following.
func (t *Trade) Stream() *Stream[TradeEvent] {
	st := newStream[TradeEvent](fmt.Sprintf("order %d", t.ID()), t.s.cfg.StreamBuffer)
	t.mu.Lock()
	st.push(TradeEvent{Kind: TradeStatus, Status: t.status})
	for _, f := range t.fills {
		st.push(TradeEvent{Kind: TradeFill, Fill: f})
		if !f.Commission.IsZero() || f.Currency != "" {
			st.push(TradeEvent{Kind: TradeCommission, Fill: f})
		}
	}
	if t.finished && !t.commissionsDue() {
		err := t.err
		t.mu.Unlock()
		st.end(err)
		return st
	}
	t.streams = append(t.streams, st)
	t.mu.Unlock()
	st.stop = func() {
		t.mu.Lock()
		t.streams = slices.DeleteFunc(t.streams, func(x *Stream[TradeEvent]) bool { return x == st })
		t.mu.Unlock()
	}
	return st
}

// emit sends ev to the trade's streams. Caller holds t.mu.
func (t *Trade) emit(ev TradeEvent) {
	for _, st := range t.streams {
		st.push(ev)
	}
}

// streamsEvent runs f on each of the trade's streams.
func (t *Trade) streamsEvent(f func(*Stream[TradeEvent])) {
	t.mu.Lock()
	sts := slices.Clone(t.streams)
	t.mu.Unlock()
	for _, st := range sts {
		f(st)
	}
}

// ModifyOrder changes a working order: it sends placeOrder again with the
// order's id, and returns the handle once the Gateway acknowledged the
// change (its next openOrder); from then on Trade.Order reports o. The
// contract and the side cannot change; a zero ParentID, OCAGroup and
// OCAType keep the order's. A refusal (110 off the tick, 201, 321, ...)
// is an error and leaves the order working as it was. An order that is
// done is ErrOrderNotCancellable (and ErrOrderNotFound); one the Session
// does not know is ErrOrderNotFound.
func (s *Session) ModifyOrder(ctx context.Context, orderID int64, o Order) (*Trade, error) {
	if s.cfg.ReadOnly {
		return nil, fmt.Errorf("ibkr: modify order %d: %w", orderID, ErrReadOnly)
	}
	t := s.orders.trade(orderID)
	if t == nil {
		return nil, fmt.Errorf("ibkr: modify order %d: %w: the session knows no such order", orderID, ErrOrderNotFound)
	}
	if t.isDone() {
		return t, fmt.Errorf("ibkr: modify order %d: %w (%w): it is %s", orderID, ErrOrderNotCancellable, ErrOrderNotFound, t.Status().Status)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	old := t.Order()
	if o.Action != strings.ToUpper(old.Action) {
		return nil, invalid("Order.Action", o.Action, old.Action+": a modification cannot change the order's side")
	}
	if o.ParentID == 0 {
		o.ParentID = old.ParentID
	}
	if o.OCAGroup == "" {
		o.OCAGroup, o.OCAType = old.OCAGroup, old.OCAType
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	w := &modifyWait{oneShot: newOneShot[struct{}](), want: o}
	s.orders.mu.Lock()
	if s.orders.modifies[orderID] != nil {
		s.orders.mu.Unlock()
		return nil, fmt.Errorf("ibkr: modify order %d: %w: another modification of it waits for the gateway", orderID, ErrInvalidRequest)
	}
	s.orders.modifies[orderID] = w
	s.orders.mu.Unlock()
	defer func() {
		s.orders.mu.Lock()
		if s.orders.modifies[orderID] == w {
			delete(s.orders.modifies, orderID)
		}
		s.orders.mu.Unlock()
	}()
	if err := s.send(ctx, gen, pace.LaneOrder, conn.PlaceOrder{Contract: t.contract.toWire(), Order: o.toWire(orderID, false)}); err != nil {
		return nil, fmt.Errorf("ibkr: modify order %d: %w", orderID, err)
	}
	if _, err := w.Wait(ctx); err != nil {
		return t, fmt.Errorf("ibkr: modify order %d: %w", orderID, err)
	}
	t.mu.Lock()
	t.order = o
	t.mu.Unlock()
	return t, nil
}

// modifyWait is a modification waiting for the Gateway's word: an error
// on the order, or an openOrder that carries the new terms (an earlier
// openOrder still on its way is not the answer).
type modifyWait struct {
	*oneShot[struct{}]
	want Order
}

// matches reports whether the Gateway's order carries the new terms.
func (w *modifyWait) matches(o Order) bool {
	return o.Quantity.Equal(w.want.Quantity) && strings.EqualFold(o.Type, w.want.Type) &&
		o.LimitPrice.Equal(w.want.LimitPrice) && o.StopPrice.Equal(w.want.StopPrice)
}

// modified resolves a modification waiting for the Gateway's word on id:
// refused with err, or acknowledged by an openOrder reporting o. It
// reports whether one waited.
func (b *orderBook) modified(id int64, err error, o *Order) bool {
	b.mu.Lock()
	w := b.modifies[id]
	b.mu.Unlock()
	if w == nil {
		return false
	}
	switch {
	case err != nil:
		w.fail(err)
	case o != nil && w.matches(*o):
		w.Finish()
	}
	return true
}

// CancelAll cancels every open order of the account (reqGlobalCancel:
// every client's, and orders placed in TWS) and waits until each open
// Trade of this Session has resolved as the Gateway reports it (normally
// Cancelled). If ctx ends first, the error names the orders still open.
func (s *Session) CancelAll(ctx context.Context) error {
	if s.cfg.ReadOnly {
		return fmt.Errorf("ibkr: cancel all: %w", ErrReadOnly)
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return err
	}
	var open []*Trade
	for _, t := range s.orders.unresolved() {
		if t.written.Load() {
			open = append(open, t)
		}
	}
	if err := s.send(ctx, gen, pace.LaneOrder, conn.GlobalCancel{}); err != nil {
		return fmt.Errorf("ibkr: cancel all: %w", err)
	}
	for i, t := range open {
		select {
		case <-t.done:
		case <-ctx.Done():
			var ids []string
			for _, u := range open[i:] {
				if !u.isDone() {
					ids = append(ids, fmt.Sprint(u.ID()))
				}
			}
			return fmt.Errorf("ibkr: cancel all: orders %s not yet reported done: %w", strings.Join(ids, ", "), ctx.Err())
		}
	}
	return nil
}
