package ibkr

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

// waitStatus waits for a status event.
func waitStatus(t *testing.T, ch <-chan StatusEvent, want Status) StatusEvent {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("status channel closed waiting for %v", want)
			}
			if ev.Status == want {
				return ev
			}
		case <-timeout.C:
			t.Fatalf("timed out waiting for status %v", want)
		}
	}
}

// nextQuote waits for the stream's next quote after moving the virtual
// market clock and ticking the simulator.
func nextQuote(t *testing.T, s *ibsim.Server, clk *ibsim.VirtualClock, m *MarketData) Quote {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := make(chan Quote, 1)
	errc := make(chan error, 1)
	go func() {
		q, err := m.Next(ctx)
		if err != nil {
			errc <- err
			return
		}
		got <- q
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case q := <-got:
			return q
		case err := <-errc:
			t.Fatalf("Next: %v", err)
		case <-tick.C:
			// The simulator pushes changes on its ticks; keep the market
			// moving until the stream delivers.
			clk.Advance(time.Second)
			s.Tick()
		}
	}
}

func TestRestartMidTraffic(t *testing.T) {
	clk := ibsim.NewVirtualClock(morning)
	s := simFor(t, ibsim.Config{Clock: clk, TickInterval: time.Hour})
	sess := sessionFor(t, s, Config{ClientID: 21, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 100 * time.Millisecond})
	status := sess.StatusChanged()
	ctx := testCtx(t, time.Minute)
	m, err := sess.MarketData(ctx, Stock("SPY"), MarketDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	nextQuote(t, s, clk, m)

	// A hung request is in flight when the Gateway restarts.
	s.Hang(9)
	inflight := make(chan error, 1)
	go func() {
		_, err := sess.ContractDetails(ctx, Stock("QQQ"))
		inflight <- err
	}()
	for sess.router.Count() < 2 { // the stream and the request
		time.Sleep(time.Millisecond) // polling until the request is registered
	}
	restarted := make(chan error, 1)
	go func() { restarted <- s.Restart(300 * time.Millisecond) }()
	if err := <-inflight; !errors.Is(err, ErrDisconnected) || !IsRetryable(err) {
		t.Fatalf("in-flight call: %v, want a retryable ErrDisconnected", err)
	}
	waitStatus(t, status, StatusReconnecting)
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	s.SetLatency(9, 0)
	waitStatus(t, status, StatusReady)
	// Calls work again, the stream resumes behind the same handle.
	if _, err := sess.Qualify(ctx, Stock("QQQ")); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	q := nextQuote(t, s, clk, m)
	if q.Bid.Sign() <= 0 || m.Gaps() != 1 {
		t.Errorf("stream after restart: bid %s, gaps %d (want > 0 and 1)", q.Bid, m.Gaps())
	}
	if sess.Stats().Reconnects != 1 {
		t.Errorf("reconnects = %d", sess.Stats().Reconnects)
	}
	// New orders get fresh ids from the new nextValidId: no 103.
	tr, err := sess.PlaceOrder(ctx, Stock("SPY"), Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "LMT", LimitPrice: decimal.NewFromInt(1)})
	if err != nil {
		t.Fatalf("order after restart: %v", err)
	}
	if tr.ID() < 1000 {
		t.Errorf("order id %d after restart, want one from the new nextValidId (>= 1000)", tr.ID())
	}
	if n := s.Stats().Errors(103); n != 0 {
		t.Errorf("103 sent %d times", n)
	}
}

func TestConnectivityMessages(t *testing.T) {
	clk := ibsim.NewVirtualClock(morning)
	s := simFor(t, ibsim.Config{Clock: clk, TickInterval: time.Hour})
	var mu sync.Mutex
	var warnings []int64
	got1101 := make(chan struct{})
	sess := sessionFor(t, s, Config{ClientID: 22, OnWarning: func(e *APIError) {
		mu.Lock()
		warnings = append(warnings, e.Code)
		mu.Unlock()
		if e.Code == 1101 {
			close(got1101)
		}
	}})
	status := sess.StatusChanged()
	ctx := testCtx(t, time.Minute)
	m, err := sess.MarketData(ctx, Stock("SPY"), MarketDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	nextQuote(t, s, clk, m)
	reqs := func() int64 { return s.Stats().MessagesByType[1] }

	// 1100 then 1102: data maintained, nothing is sent again.
	before := reqs()
	if err := s.Broadcast(1100); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, status, StatusConnectivityLost)
	if err := s.Broadcast(1102); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, status, StatusReady)
	if _, err := sess.CurrentTime(ctx); err != nil { // a round trip orders the checks
		t.Fatal(err)
	}
	if got := reqs(); got != before {
		t.Errorf("after 1102 the session sent %d market data requests, want none", got-before)
	}
	// 1101: subscriptions were dropped; the session requests them again.
	if err := s.Broadcast(1101); err != nil {
		t.Fatal(err)
	}
	<-got1101
	deadline := time.Now().Add(20 * time.Second)
	for reqs() != before+1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling the simulator's counter
	}
	// Forget updates from before 1101: the next one must come from the new
	// subscription.
	m.mu.Lock()
	m.seen = m.version
	m.mu.Unlock()
	q := nextQuote(t, s, clk, m)
	if q.Bid.Sign() <= 0 {
		t.Errorf("no quotes after 1101")
	}
	if got := reqs(); got != before+1 {
		t.Errorf("after 1101 the session sent %d market data requests, want 1", got-before)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[int64]bool{}
	for _, c := range warnings {
		seen[c] = true
	}
	for _, c := range []int64{1100, 1101, 1102} {
		if !seen[c] {
			t.Errorf("OnWarning did not get %d (got %v)", c, warnings)
		}
	}
}

func TestReadOnlyWritesNoOrderMessage(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 23, ReadOnly: true})
	ctx := testCtx(t, 10*time.Second)
	o := Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "MKT"}
	if _, err := sess.PlaceOrder(ctx, Stock("SPY"), o); !errors.Is(err, ErrReadOnly) {
		t.Errorf("PlaceOrder: %v", err)
	}
	if _, err := sess.PlaceBracket(ctx, Stock("SPY"), o, o, o); !errors.Is(err, ErrReadOnly) {
		t.Errorf("PlaceBracket: %v", err)
	}
	if _, err := sess.WhatIf(ctx, Stock("SPY"), o); !errors.Is(err, ErrReadOnly) {
		t.Errorf("WhatIf: %v", err)
	}
	if err := sess.CancelOrder(ctx, 1); !errors.Is(err, ErrReadOnly) {
		t.Errorf("CancelOrder: %v", err)
	}
	if _, err := sess.CurrentTime(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	for _, id := range []int{3, 4, 58} {
		if st.MessagesByType[id] != 0 {
			t.Errorf("read-only session wrote message %d", id)
		}
	}
}

// After a crash the Gateway holds the client id for a while (326 on
// reconnect). The session retries with backoff until the id is free.
func TestReconnectRetriesHeldClientID(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 24, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
	status := sess.StatusChanged()
	if !s.KillClient(24, 400*time.Millisecond) {
		t.Fatal("no client 24")
	}
	waitStatus(t, status, StatusReconnecting)
	refused := 0
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for done := false; !done; {
		select {
		case ev := <-status:
			if ev.Status == StatusReconnecting && errors.Is(ev.Err, ErrClientIDInUse) {
				refused++
			}
			if ev.Status == StatusReady {
				done = true
			}
			if ev.Status == StatusClosed {
				t.Fatalf("session closed: %v", ev.Err)
			}
		case <-timeout.C:
			t.Fatal("session not ready again")
		}
	}
	if refused == 0 {
		t.Error("no reconnect attempt was refused with 326; the test did not exercise the held id")
	}
	if _, err := sess.CurrentTime(testCtx(t, 10*time.Second)); err != nil {
		t.Fatalf("after the id was released: %v", err)
	}
}

// With NoReconnect a lost connection closes the session, and everything
// waiting ends: streams, list requests, lines.
func TestNoReconnectEndsEverything(t *testing.T) {
	s := simFor(t, ibsim.Config{TickInterval: time.Hour})
	sess := sessionFor(t, s, Config{ClientID: 25, NoReconnect: true})
	ctx := testCtx(t, 10*time.Second)
	m, err := sess.MarketData(ctx, Stock("SPY"), MarketDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Hang(5) // reqOpenOrders never answers
	open := make(chan error, 1)
	go func() {
		_, err := sess.OpenOrders(ctx)
		open <- err
	}()
	for sess.w.Queued() > 0 || !sess.openOrdersFlight.Active() {
		time.Sleep(time.Millisecond) // polling until the request left
	}
	s.DropAll()
	select {
	case <-m.Done():
	case <-ctx.Done():
		t.Fatal("stream not ended after the session closed")
	}
	if err := <-open; !errors.Is(err, ErrDisconnected) && !errors.Is(err, ErrClosed) {
		t.Errorf("open orders: %v", err)
	}
	if sess.lines.InUse() != 0 {
		t.Errorf("%d lines still held", sess.lines.InUse())
	}
	for sess.Status() != StatusClosed {
		select {
		case <-ctx.Done():
			t.Fatalf("status %v, want closed", sess.Status())
		case <-time.After(time.Millisecond): // polling the status
		}
	}
	if _, err := sess.CurrentTime(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("call after the session closed: %v", err)
	}
}
