package ibkr

// Outside review: reconcile after reconnect, ErrOrderLost and bracket undo.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

func mkt(action string, qty int64) Order {
	return Order{Action: action, Quantity: decimal.NewFromInt(qty), Type: "MKT"}
}

// waitDone waits for a trade with a bound.
func waitDone(t *testing.T, tr *Trade, d time.Duration) bool {
	t.Helper()
	select {
	case <-tr.Done():
		return true
	case <-time.After(d):
		return false
	}
}

// An order acknowledged before a Gateway restart fills while the session
// is away. After the reconnect the session finds it among the completed
// orders and ends the Trade Filled, but without its fills: Fills() is empty
// and Status().Filled is 0, although Executions lists the fill.
func TestReviewFillDuringOutageLosesFills(t *testing.T) {
	premarket := time.Date(2026, 3, 10, 9, 0, 0, 0, newYork)
	clock := ibsim.NewVirtualClock(premarket)
	s := fastSim(t, ibsim.Config{Clock: clock})
	sess := fastSession(t, s, Config{ClientID: 311, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
	ctx := testCtx(t, 15*time.Second)
	tr, err := sess.PlaceOrder(ctx, Stock("SPY"), mkt("BUY", 10))
	if err != nil {
		t.Fatal(err)
	}
	if st := tr.Status(); st.Status == OrderFilled {
		t.Fatalf("filled pre-market: %+v", st)
	}
	done := make(chan error, 1)
	go func() { done <- s.Restart(300 * time.Millisecond) }()
	// While no client is connected, the market opens and the order fills.
	for s.Stats().Clients != 0 {
		time.Sleep(time.Millisecond) // polling until the restart dropped the session
	}
	clock.Set(morning)
	s.Tick()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !waitDone(t, tr, 10*time.Second) {
		t.Fatalf("not resolved after the reconnect: %+v", tr.Status())
	}
	st := tr.Status()
	t.Logf("after reconnect: status %s filled %s avg %s, %d fills, err %v", st.Status, st.Filled, st.AvgFillPrice, len(tr.Fills()), tr.Err())
	if st.Status != OrderFilled {
		t.Errorf("status %s, want Filled", st.Status)
	}
	execs, err := sess.Executions(ctx, ExecutionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var execShares decimal.Decimal
	for _, x := range execs {
		if x.OrderID == tr.ID() {
			execShares = execShares.Add(x.Shares)
		}
	}
	t.Logf("Executions lists %s shares for order %d", execShares, tr.ID())
	if !st.Filled.Equal(decimal.NewFromInt(10)) {
		t.Errorf("Status().Filled = %s, want 10", st.Filled)
	}
	if len(tr.Fills()) == 0 {
		t.Errorf("Fills() is empty for an order that filled during the outage")
	}
	if st.AvgFillPrice.IsZero() {
		t.Errorf("AvgFillPrice is zero")
	}
}

// A held order (Order.Hold) is, by PlaceOrder's own doc, kept at the
// Gateway without transmitting. After a restart the Gateway still holds it
// (ibsim keeps all state), but held orders are not in reqOpenOrders: the
// reconcile ends it with ErrOrderLost ("IB never received it, placing it
// again is safe").
func TestReviewHeldOrderMarkedLostAfterRestart(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 312, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
	ctx := testCtx(t, 15*time.Second)
	o := lmt("BUY", 1, "1.00")
	o.Hold = true
	tr, err := sess.PlaceOrder(ctx, Stock("SPY"), o)
	if err != nil {
		t.Fatal(err)
	}
	for s.Stats().OrdersReceived < 1 {
		time.Sleep(time.Millisecond) // polling until the gateway read it
	}
	if err := s.Restart(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !waitDone(t, tr, 5*time.Second) {
		t.Logf("held order still unresolved (good): %+v", tr.Status())
		return
	}
	if errors.Is(tr.Err(), ErrOrderLost) {
		t.Errorf("held order received by the gateway ended with ErrOrderLost: %v", tr.Err())
	}
	// Prove the Gateway still has it: a transmitting child naming it as
	// parent releases the held group, and the "lost" order goes live.
	provePending(t, ctx, s, sess, tr.ID())
}

// provePending shows the gateway still holds order id: a transmitting child
// naming it as parent releases the group and id shows up as open.
func provePending(t *testing.T, ctx context.Context, s *ibsim.Server, sess *Session, id int64) {
	t.Helper()
	child := lmt("SELL", 1, "2.00")
	child.ParentID = id
	ch, err := sess.PlaceOrder(ctx, Stock("SPY"), child)
	t.Logf("child of %d: %v", id, err)
	open, err := sess.OpenOrders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, oi := range open {
		if oi.OrderID == id {
			t.Errorf("order %d, which the session ended (%v), is live at the gateway after a child transmitted its group (status %s)", id, "see above", oi.Status)
		}
	}
	if ch != nil {
		_ = sess.CancelOrder(ctx, ch.ID())
	}
	_ = s
}

// PlaceBracket is all or nothing. When the connection drops between the
// legs, the undo cancels the written legs "at the Gateway", but the cancel
// is queued for the dead connection's generation and is never written:
// no cancelOrder reaches the Gateway, before or after the reconnect.
func TestReviewBracketUndoAfterDropNeverCancels(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 313, Rate: 2, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
	ctx := testCtx(t, 15*time.Second)
	go func() {
		for s.Stats().MessagesByType[3] < 1 {
			time.Sleep(time.Millisecond) // polling until the parent arrived
		}
		s.DropAll()
	}()
	b, err := sess.PlaceBracket(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"), lmt("SELL", 1, "2.00"),
		Order{Action: "SELL", Quantity: decimal.NewFromInt(1), Type: "STP", StopPrice: decimal.RequireFromString("0.50")})
	if err == nil || b != nil {
		t.Fatalf("bracket across a drop: %v %v", b, err)
	}
	t.Logf("PlaceBracket: %v", err)
	for sess.Status() != StatusReady {
		select {
		case <-ctx.Done():
			t.Fatal("no reconnect")
		case <-time.After(5 * time.Millisecond): // polling the status
		}
	}
	// Give the writer time for anything still queued (Rate 2: 0.5 s a message).
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := sess.CurrentTime(c); err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().MessagesByType[4]; n == 0 {
		t.Errorf("the written parent leg was never cancelled at the gateway (0 cancelOrder messages); the error says %q", err)
	}
	trs := sess.Trades()
	if len(trs) != 1 {
		t.Fatalf("%d handles", len(trs))
	}
	t.Logf("parent handle: %v %v", trs[0].Status().Status, trs[0].Err())
	provePending(t, ctx, s, sess, trs[0].ID())
}

// An order the Gateway acknowledged before a restart is not marked lost,
// with many of them and a restart in the middle of placing more.
func TestReviewAckedOrdersSurviveRestart(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 314, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
	ctx := testCtx(t, 20*time.Second)
	var acked []*Trade
	for i := 0; i < 40; i++ {
		tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, tr)
	}
	// Place more while the restart happens.
	type res struct {
		tr  *Trade
		err error
	}
	out := make(chan res, 200)
	stop := make(chan struct{})
	go func() {
		defer close(out)
		for {
			select {
			case <-stop:
				return
			default:
			}
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			tr, err := sess.PlaceOrder(c, Stock("SPY"), lmt("BUY", 1, "1.00"))
			cancel()
			out <- res{tr, err}
		}
	}()
	time.Sleep(20 * time.Millisecond) // let some orders be in flight; not waiting for an event
	if err := s.Restart(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for sess.Stats().Reconnects < 1 {
		time.Sleep(time.Millisecond) // polling the counter
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	var more []res
	for r := range out {
		more = append(more, r)
	}
	// Reconcile runs off the supervisor; give it a bounded time.
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	open, err := sess.OpenOrders(c)
	if err != nil {
		t.Fatal(err)
	}
	openIDs := map[int64]bool{}
	for _, oi := range open {
		openIDs[oi.OrderID] = true
	}
	time.Sleep(300 * time.Millisecond) // reconcile finishing; bounded
	for _, tr := range acked {
		if errors.Is(tr.Err(), ErrOrderLost) {
			t.Errorf("acknowledged order %d marked lost (gateway has it open: %v)", tr.ID(), openIDs[tr.ID()])
		}
	}
	var lost, lostButOpen int
	for _, r := range more {
		if r.tr == nil {
			continue
		}
		if errors.Is(r.tr.Err(), ErrOrderLost) {
			lost++
			if openIDs[r.tr.ID()] {
				lostButOpen++
			}
		}
	}
	t.Logf("%d orders placed around the restart, %d lost, %d of them open at the gateway", len(more), lost, lostButOpen)
	if lostButOpen > 0 {
		t.Errorf("%d orders marked ErrOrderLost are open at the gateway", lostButOpen)
	}
	if st := s.Stats(); st.Errors(103) != 0 {
		t.Errorf("103 sent %d times", st.Errors(103))
	}
}
