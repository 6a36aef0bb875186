package ibkr

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// reconcileTimeout bounds one reconciliation (three list requests).
const reconcileTimeout = 30 * time.Second

// reconcileAfterReconnect resolves every order handle that was written on
// an earlier connection and is not done: the Gateway's open orders,
// completed orders and executions of this client id say what became of
// it; an order in none of them never reached IB and ends with
// ErrOrderLost. It runs on its own goroutine after each reconnect.
func (s *Session) reconcileAfterReconnect(gen uint64) {
	var ts []*Trade
	for _, t := range s.orders.unresolved() {
		if g := t.gen.Load(); g != 0 && g < gen {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, reconcileTimeout)
	defer cancel()
	err := s.reconcile(ctx, ts, func(t *Trade) error {
		o := t.Order()
		return fmt.Errorf("ibkr: order %d (%s %s %s %s) was written just before the connection was lost and the gateway has no record of it (not open, not completed, no executions): %w",
			t.ID(), o.Action, o.Quantity, o.Type, t.contract, ErrOrderLost)
	})
	if err != nil {
		// The new connection was lost too, or the session is closing: the
		// next reconnect tries again.
		s.log.Warn("ibkr: order reconciliation after reconnect failed", "orders", len(ts), "err", err)
		return
	}
	s.log.Info("ibkr: orders reconciled after reconnect", "orders", len(ts))
}

// verifyLater asks the Gateway, off the reader goroutine, whether an order
// that got an error the code table does not know still works; if not, the
// order ends with that error.
func (s *Session) verifyLater(t *Trade, e *APIError) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, reconcileTimeout)
		defer cancel()
		if err := s.reconcile(ctx, []*Trade{t}, func(*Trade) error { return e }); err != nil {
			s.log.Warn("ibkr: could not verify an order after an unlisted error", "orderId", t.ID(), "code", e.Code, "err", err)
		}
	}()
}

// reconcile resolves ts against the Gateway's records. lost gives the error
// for a trade found nowhere.
func (s *Session) reconcile(ctx context.Context, ts []*Trade, lost func(*Trade) error) error {
	open, err := s.OpenOrders(ctx)
	if err != nil {
		return err
	}
	completed, err := s.CompletedOrders(ctx, false)
	if err != nil {
		return err
	}
	execs, err := s.Executions(ctx, ExecutionFilter{ClientID: s.cfg.ClientID})
	if err != nil {
		return err
	}
	me := s.cfg.ClientID
	for _, t := range ts {
		if t.isDone() {
			continue
		}
		id, perm := t.ID(), t.PermID()
		// Fills made while the session was away belong to the trade.
		for _, x := range execs {
			if x.OrderID == id && id != 0 {
				t.addFill(x.Fill)
			}
		}
		mine := func(oi OrderInfo) bool {
			return (oi.OrderID == id && id != 0 && (oi.ClientID == me || oi.ClientID == 0)) || (perm != 0 && oi.PermID == perm)
		}
		if oi, ok := find(open, mine); ok {
			if st := t.Status(); st.Status == OrderPendingSubmit && oi.Status != "" {
				st.Status, st.OrderID, st.PermID, st.At = oi.Status, id, oi.PermID, time.Now()
				t.setStatus(st)
			}
			t.seen(oi.PermID)
			continue
		}
		if oi, ok := find(completed, mine); ok {
			st := t.Status()
			st.Status, st.OrderID, st.PermID, st.At = oi.Status, id, oi.PermID, time.Now()
			if filled, avg := t.filled(); filled.Sign() > 0 {
				st.Filled, st.AvgFillPrice = filled, avg
				st.Remaining = decimal.Max(decimal.Zero, t.Order().Quantity.Sub(filled))
			}
			if !terminalStatus(st.Status) {
				st.Status = OrderInactive
			}
			t.setStatus(st)
			continue
		}
		if filled, avg := t.filled(); filled.Sign() > 0 {
			// Executed, and neither open nor listed as completed: what
			// filled is all there is.
			st := t.Status()
			st.Status, st.OrderID, st.Filled, st.AvgFillPrice, st.At = OrderFilled, id, filled, avg, time.Now()
			if q := t.Order().Quantity; filled.LessThan(q) {
				st.Status = OrderCancelled
				st.Remaining = q.Sub(filled)
			}
			t.setStatus(st)
			continue
		}
		if t.Order().Hold {
			// Never transmitted: the Gateway may keep it without listing
			// it. Cancel it, so that it can never go live behind a handle
			// that says otherwise; it ends when the Gateway answered.
			s.cancelInBackground(t, lost(t))
			continue
		}
		t.finish(lost(t))
	}
	return nil
}

func find(list []OrderInfo, match func(OrderInfo) bool) (OrderInfo, bool) {
	for _, oi := range list {
		if match(oi) {
			return oi, true
		}
	}
	return OrderInfo{}, false
}
