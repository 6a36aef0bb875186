package ibkr

// Regression tests for the faults of the "session correctness" issue, one
// per fault, each run as an outsider would: many goroutines released at
// once, answers that never come, a saturated rate, a restart at the worst
// moment.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

// fastSim is a simulator with the message rate limit lifted, for tests
// whose subject is not pacing.
func fastSim(t testing.TB, cfg ibsim.Config) *ibsim.Server {
	cfg.Limits.MaxMsgRate = 1 << 30
	return simFor(t, cfg)
}

// fastSession writes far above IB's rate (only against fastSim).
func fastSession(t testing.TB, s *ibsim.Server, cfg Config) *Session {
	cfg.rateOverride = 1e6
	if cfg.Burst == 0 {
		cfg.Burst = 50
	}
	return sessionFor(t, s, cfg)
}

func lmt(action string, qty int64, price string) Order {
	return Order{Action: action, Quantity: decimal.NewFromInt(qty), Type: "LMT", LimitPrice: decimal.RequireFromString(price)}
}

// Fault 1: order ids allocated in one critical section and written in
// another reached the Gateway out of order (103). 256 goroutines released
// together each place a far-from-market order: every id reaches the
// Gateway above all used before.
func TestConcurrentOrdersNeverDuplicateIDs(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 61})
	ctx := testCtx(t, 60*time.Second)
	// Four rounds: the old code sent 103 in most single rounds, in every
	// set of four.
	const n, rounds = 256, 4
	errs := make(chan error, n*rounds)
	ids := make([]int64, n*rounds)
	for r := range rounds {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
				if err != nil {
					errs <- err
					return
				}
				ids[r*n+i] = tr.ID()
			}()
		}
		close(start)
		wg.Wait()
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id != 0 && seen[id] {
			t.Errorf("order id %d handed out twice", id)
		}
		seen[id] = true
	}
	st := s.Stats()
	if st.Errors(103) != 0 {
		t.Errorf("the gateway sent 103 %d times", st.Errors(103))
	}
	if st.OrdersAccepted != n*rounds {
		t.Errorf("the gateway accepted %d of %d orders", st.OrdersAccepted, n*rounds)
	}
}

// optionOf returns a listed option of symbol: the first expiry's contract
// whose strike is nearest to price.
func optionOf(t *testing.T, ctx context.Context, sess *Session, symbol, right string) ContractDetails {
	t.Helper()
	und, err := sess.Qualify(ctx, Stock(symbol))
	if err != nil {
		t.Fatal(err)
	}
	chains, err := sess.SecDefOptParams(ctx, symbol, "STK", und.Contract.ConID)
	if err != nil || len(chains) == 0 {
		t.Fatalf("chains of %s: %v", symbol, err)
	}
	exp := chains[0].Expirations[0]
	ds, err := sess.ContractDetails(ctx, Contract{Symbol: symbol, SecType: "OPT", Expiry: exp, Right: right, Exchange: "SMART", Currency: "USD"})
	if err != nil || len(ds) == 0 {
		t.Fatalf("options of %s %s: %v", symbol, exp, err)
	}
	return ds[len(ds)/2]
}

// Fault 2: 110 was classed as a warning, so an order priced off the tick
// waited until its ctx ended and its Trade stayed PendingSubmit.
func TestOffTickOrderEndsWith110(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 62})
	ctx := testCtx(t, 20*time.Second)
	opt := optionOf(t, ctx, sess, "AAPL", "C")
	// Single-stock options quote in nickels from $3: 3.01 is off the tick.
	start := time.Now()
	tr, err := sess.PlaceOrder(context.Background(), opt.Contract, lmt("BUY", 1, "3.01"))
	took := time.Since(start)
	if !errors.Is(err, ErrPriceIncrement) || !errors.Is(err, ErrOrderRejected) {
		t.Fatalf("off-tick order: %v, want ErrPriceIncrement and ErrOrderRejected", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 110 {
		t.Errorf("error %v is not IB's 110", err)
	}
	if took > time.Second {
		t.Errorf("the rejection took %v", took)
	}
	if tr == nil {
		t.Fatal("no handle with the rejection")
	}
	select {
	case <-tr.Done():
	default:
		t.Error("the Trade is not done")
	}
	if st := tr.Status(); st.Status != OrderInactive {
		t.Errorf("status %q, want Inactive", st.Status)
	}
	if !errors.Is(tr.Err(), ErrPriceIncrement) {
		t.Errorf("Trade.Err %v", tr.Err())
	}
}

// Fault 3: after one lost currentTime answer every later CurrentTime timed
// out until a reconnect.
func TestCurrentTimeRecoversAfterLostAnswer(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 63})
	s.Hang(49)
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := sess.CurrentTime(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung current time: %v, want a deadline", err)
	}
	s.SetLatency(49, 0)
	for i := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		got, err := sess.CurrentTime(ctx)
		cancel()
		if err != nil {
			t.Fatalf("call %d after the lost answer: %v", i+1, err)
		}
		if !got.Equal(morning) {
			t.Errorf("call %d: %v, want %v", i+1, got, morning)
		}
	}
	// A late answer to an abandoned request is consumed, not handed to a
	// later call as its own and then missing for the one after.
	s.SetLatency(49, 300*time.Millisecond)
	short, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err = sess.CurrentTime(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow current time: %v, want a deadline", err)
	}
	s.SetLatency(49, 0)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if _, err := sess.CurrentTime(ctx); err != nil {
					failed.Add(1)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of 100 calls after a late answer failed", failed.Load())
	}
}

// The same holds for the other id-less list requests: a hung open orders
// request does not stick every later call to it.
func TestOpenOrdersRecoverAfterLostAnswer(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 64})
	s.Hang(5)
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := sess.OpenOrders(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung open orders: %v, want a deadline", err)
	}
	s.SetLatency(5, 0)
	ctx := testCtx(t, 5*time.Second)
	if _, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00")); err != nil {
		t.Fatal(err)
	}
	open, err := sess.OpenOrders(ctx)
	if err != nil {
		t.Fatalf("open orders after the lost answer: %v", err)
	}
	if len(open) != 1 {
		t.Errorf("%d open orders, want 1: %+v", len(open), open)
	}
}

// Fault 4: interactive load that fills the rate starved a queued
// historical request forever. At IB's real rate, eight goroutines keep
// the interactive lane full; the historical request still completes, its
// share of the rate guaranteed.
func TestHistoryCompletesUnderSaturatedRate(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 65})
	ctx := testCtx(t, 30*time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := sess.Qualify(ctx, Stock("QQQ")); err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for sess.w.Queued() < 4 {
		time.Sleep(time.Millisecond) // polling until the interactive lane is backed up
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	bars, err := sess.HistoricalBars(hctx, HistoricalRequest{Contract: Stock("SPY"), Duration: "1800 S", BarSize: "1 min", UseRTH: true})
	if err != nil {
		t.Fatalf("historical bars under interactive load: %v", err)
	}
	if len(bars) == 0 {
		t.Error("no bars")
	}
	if st := s.Stats(); st.Errors(100) != 0 || st.PeakWindow > 50 {
		t.Errorf("pacing: %d errors 100, peak window %d", st.Errors(100), st.PeakWindow)
	}
}

// A historical request whose ctx ends while it waits says why it waited.
func TestHistoryWaitSaysWhy(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 66})
	ctx := testCtx(t, 10*time.Second)
	req := HistoricalRequest{Contract: Stock("SPY"), Duration: "60 S", BarSize: "5 secs"}
	if _, err := sess.HistoricalBars(ctx, req); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := sess.HistoricalBars(short, req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("identical request within 15 s: %v, want a deadline", err)
	}
	if !strings.Contains(err.Error(), "identical request") {
		t.Errorf("error %q does not say it waited for IB's identical-request rule", err)
	}
}

// Fault 5: an order written just before a Gateway restart and unknown to
// the Gateway afterwards kept its Trade PendingSubmit forever. After the
// reconnect it ends with ErrOrderLost; an order the Gateway did receive
// lives on behind its handle.
func TestLostOrderEndsWithErrOrderLost(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 67, ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
	ctx := testCtx(t, 20*time.Second)
	kept, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
	if err != nil {
		t.Fatal(err)
	}
	s.Hang(3) // the next placeOrder is read and dropped
	placed := make(chan error, 1)
	var lost *Trade
	go func() {
		tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 2, "1.00"))
		lost = tr
		placed <- err
	}()
	for s.Stats().MessagesByType[3] < 2 {
		time.Sleep(time.Millisecond) // polling until the gateway read it
	}
	s.SetLatency(3, 0)
	if err := s.Restart(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := <-placed; !errors.Is(err, ErrDisconnected) {
		t.Fatalf("order written before the restart: %v, want ErrDisconnected", err)
	}
	if lost == nil {
		t.Fatal("no handle for the written order")
	}
	select {
	case <-lost.Done():
	case <-ctx.Done():
		t.Fatalf("the lost order never resolved: status %v", lost.Status())
	}
	if !errors.Is(lost.Err(), ErrOrderLost) || !IsRetryable(lost.Err()) {
		t.Errorf("lost order: %v, want a retryable ErrOrderLost", lost.Err())
	}
	if st := lost.Status(); st.Status != OrderInactive {
		t.Errorf("lost order status %q, want Inactive", st.Status)
	}
	select {
	case <-kept.Done():
		t.Errorf("the order the gateway has ended: %v %v", kept.Status(), kept.Err())
	default:
	}
	if err := sess.CancelOrder(ctx, kept.ID()); err != nil {
		t.Errorf("cancel the kept order after the restart: %v", err)
	}
}

// Fault 6: a malformed frame made the wire client reset itself while the
// session read its fields (a data race). Twenty malformed frames, with
// calls in flight: the session reconnects each time, no race, no panic.
func TestMalformedFramesReconnectWithoutRace(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 68, ReconnectWait: time.Millisecond, MaxReconnectWait: 5 * time.Millisecond})
	ctx := testCtx(t, 60*time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, cancel := context.WithTimeout(ctx, time.Second)
				_, _ = sess.Qualify(c, Stock("SPY"))
				_, _ = sess.CurrentTime(c)
				cancel()
			}
		}()
	}
	for i := range 20 {
		before := sess.Stats().Reconnects
		for s.SendMalformed(68) != nil { // between connections
			time.Sleep(time.Millisecond) // polling until the session is connected again
		}
		for sess.Stats().Reconnects == before {
			select {
			case <-ctx.Done():
				t.Fatalf("frame %d: no reconnect", i+1)
			case <-time.After(time.Millisecond): // polling the counter
			}
		}
	}
	close(stop)
	wg.Wait()
	if _, err := sess.Qualify(ctx, Stock("SPY")); err != nil {
		t.Fatalf("after 20 malformed frames: %v", err)
	}
}

// Fault 7: Rate 50 with Burst 50 passed validation and tripped IB's limit.
// Validation now refuses any Rate and Burst that could exceed the hard
// cap, with an error naming the field and the bound.
func TestPacingValidation(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
		ok    bool
	}{
		{0, 0, true},
		{43, 1, true},
		{maxRateFor(1), 1, true},
		{maxRateFor(1) + 0.01, 1, false},
		{50, 50, false},
		{50, 1, false},
		{1, 48, false},
		{0.9, 48, true},
		{1, 49, false},
		{-1, 1, false},
		{maxRateFor(20), 20, true},
	} {
		_, err := Config{Rate: tc.rate, Burst: tc.burst}.withDefaults()
		if tc.ok != (err == nil) {
			t.Errorf("Rate %v Burst %d: %v, want ok=%v", tc.rate, tc.burst, err, tc.ok)
			continue
		}
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidArgument) || (ve.Field != "Config.Rate" && ve.Field != "Config.Burst") {
				t.Errorf("Rate %v Burst %d: %v is not a ValidationError naming the field", tc.rate, tc.burst, err)
			}
		}
	}
}

// Fault 8: a Trade ended by an error reported PendingSubmit; validation
// errors matched no sentinel.
func TestValidationErrorsMatchErrInvalidArgument(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 69})
	ctx := testCtx(t, 10*time.Second)
	cases := map[string]error{}
	_, cases["order action"] = sess.PlaceOrder(ctx, Stock("SPY"), Order{Action: "HOLD", Quantity: decimal.NewFromInt(1), Type: "MKT"})
	_, cases["order quantity"] = sess.PlaceOrder(ctx, Stock("SPY"), Order{Action: "BUY", Type: "MKT"})
	_, cases["order type"] = sess.PlaceOrder(ctx, Stock("SPY"), Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "MOO"})
	_, cases["limit price"] = sess.PlaceOrder(ctx, Stock("SPY"), Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "LMT"})
	_, cases["tif"] = sess.PlaceOrder(ctx, Stock("SPY"), Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "MKT", TIF: "GTX"})
	_, cases["what-if"] = sess.WhatIf(ctx, Stock("SPY"), Order{Action: "BUY", Type: "MKT"})
	_, cases["bracket"] = sess.PlaceBracket(ctx, Stock("SPY"), lmt("BUY", 1, "1"), lmt("SELL", 1, "2"), Order{Action: "SELL", Quantity: decimal.NewFromInt(1), Type: "STP"})
	_, cases["bar size"] = sess.HistoricalBars(ctx, HistoricalRequest{Contract: Stock("SPY"), Duration: "1 D", BarSize: "7 mins"})
	_, cases["duration"] = sess.HistoricalBars(ctx, HistoricalRequest{Contract: Stock("SPY"), Duration: "1 day", BarSize: "1 min"})
	_, cases["what to show"] = sess.HistoricalBars(ctx, HistoricalRequest{Contract: Stock("SPY"), Duration: "1 D", BarSize: "1 min", WhatToShow: "PRICES"})
	_, cases["generic tick"] = sess.MarketData(ctx, Stock("SPY"), MarketDataOptions{GenericTicks: []int{-5}})
	_, cases["conId"] = sess.SecDefOptParams(ctx, "SPY", "STK", 0)
	cases["market data type"] = sess.SetMarketDataType(ctx, 7)
	cases["cancel id"] = sess.CancelOrder(ctx, -3)
	_, cases["market rule"] = sess.MarketRule(ctx, 0)
	for name, err := range cases {
		var ve *ValidationError
		if !errors.Is(err, ErrInvalidArgument) || !errors.As(err, &ve) || ve.Field == "" || ve.Allowed == "" {
			t.Errorf("%s: %v, want a *ValidationError matching ErrInvalidArgument", name, err)
		}
	}
	if n := s.Stats().OrdersReceived; n != 0 {
		t.Errorf("%d orders reached the gateway", n)
	}
}

// Every order-ending code of the table ends the Trade, through the
// simulator's reject fault, with the table's sentinels and the status a
// Gateway implies (Cancelled for 202, Inactive otherwise).
func TestEveryOrderEndingCodeEndsTheTrade(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 70})
	ctx := testCtx(t, 60*time.Second)
	n := 0
	for _, info := range KnownCodes() {
		if !info.EndsOrder {
			continue
		}
		n++
		t.Run(fmt.Sprint(info.Code), func(t *testing.T) {
			s.RejectNextOrders(1, int(info.Code), fmt.Sprintf("injected error %d", info.Code))
			tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
			if tr == nil {
				t.Fatalf("no handle: %v", err)
			}
			select {
			case <-tr.Done():
			case <-ctx.Done():
				t.Fatalf("code %d: the Trade did not end", info.Code)
			}
			want := OrderInactive
			if info.Code == 202 {
				want = OrderCancelled
			}
			if st := tr.Status(); st.Status != want {
				t.Errorf("status %q, want %q", st.Status, want)
			}
			if info.Code == 202 {
				return // a cancellation, not a rejection
			}
			for _, sen := range info.Sentinels {
				if !errors.Is(err, sen) || !errors.Is(tr.Err(), sen) {
					t.Errorf("PlaceOrder %v / Trade.Err %v: want %v", err, tr.Err(), sen)
				}
			}
		})
	}
	if n < 40 {
		t.Errorf("only %d order-ending codes in the table", n)
	}
}

// A code the table does not know, on an order the Gateway did not keep:
// the Session asks the Gateway and ends the order with that error.
func TestUnlistedCodeOnAnOrderIsVerified(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 71})
	ctx := testCtx(t, 10*time.Second)
	s.RejectNextOrders(1, 9999, "an error no table lists")
	tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
	if tr == nil {
		t.Fatalf("no handle: %v", err)
	}
	select {
	case <-tr.Done():
	case <-ctx.Done():
		t.Fatal("the order never resolved")
	}
	var ae *APIError
	if !errors.As(tr.Err(), &ae) || ae.Code != 9999 {
		t.Errorf("Trade.Err %v, want the 9999 error", tr.Err())
	}
	if st := tr.Status(); st.Status != OrderInactive {
		t.Errorf("status %q, want Inactive", st.Status)
	}
	if n := s.Stats().MessagesByType[5]; n < 1 {
		t.Errorf("the session did not ask the gateway for its open orders (%d reqOpenOrders)", n)
	}
}

// PlaceBracket is all or nothing: when the caller gives up after the
// parent was written, the children are never written, the parent is
// cancelled at the Gateway, and no Bracket (no handle for the children)
// comes back.
func TestBracketAllOrNothing(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 72, Rate: 2}) // legs leave 0.5 s apart
	ctx := testCtx(t, 20*time.Second)
	bctx, cancel := context.WithCancel(ctx)
	go func() {
		for s.Stats().MessagesByType[3] < 1 {
			time.Sleep(time.Millisecond) // polling until the parent arrived
		}
		cancel()
	}()
	b, err := sess.PlaceBracket(bctx, Stock("SPY"), lmt("BUY", 1, "1.00"), lmt("SELL", 1, "2.00"),
		Order{Action: "SELL", Quantity: decimal.NewFromInt(1), Type: "STP", StopPrice: decimal.RequireFromString("0.50")})
	if err == nil || b != nil {
		t.Fatalf("bracket with a cancelled ctx: %v, %v; want an error and no bracket", b, err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not say the ctx ended", err)
	}
	trades := sess.Trades()
	if len(trades) != 1 {
		t.Fatalf("%d handles, want only the parent's", len(trades))
	}
	parent := trades[0]
	select {
	case <-parent.Done():
	case <-ctx.Done():
		t.Fatal("the parent's handle did not end")
	}
	// The cancel reached the gateway.
	for s.Stats().MessagesByType[4] < 1 {
		select {
		case <-ctx.Done():
			t.Fatal("no cancelOrder for the written parent")
		case <-time.After(5 * time.Millisecond): // polling the simulator's counter
		}
	}
	if n := s.Stats().MessagesByType[3]; n != 1 {
		t.Errorf("%d placeOrder messages, want 1 (the parent)", n)
	}
	open, err := sess.OpenOrders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 {
		t.Errorf("open orders after the undone bracket: %+v", open)
	}
}

// One caller giving up on a pool's dial does not fail the others waiting
// on it.
func TestPoolDialSurvivesOneCallersCancel(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	s.SetLatency(49, 300*time.Millisecond) // the dial's round trip is slow
	host, port := s.Addr()[:strings.LastIndexByte(s.Addr(), ':')], 0
	fmt.Sscanf(s.Addr()[strings.LastIndexByte(s.Addr(), ':')+1:], "%d", &port)
	pool := NewPool(PoolConfig{})
	defer pool.Close()
	ep := Endpoint{Host: host, Port: port, ClientID: 73}
	impatient, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var errA error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errA = pool.Session(impatient, ep)
	}()
	// The impatient caller starts the dial; the patient one joins it.
	for s.Stats().Connections < 1 {
		time.Sleep(time.Millisecond) // polling until that dial reached the gateway
	}
	b, err := pool.Session(testCtx(t, 10*time.Second), ep)
	wg.Wait()
	if !errors.Is(errA, context.DeadlineExceeded) {
		t.Errorf("impatient caller: %v, want its own deadline", errA)
	}
	if err != nil {
		t.Fatalf("patient caller failed with the other's cancel: %v", err)
	}
	defer b.Release()
	if b.Status() != StatusReady {
		t.Errorf("status %v", b.Status())
	}
}

// Dial to a port with nothing listening says where and what to check.
func TestDialNothingListening(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	addr := s.Addr()
	s.Close()
	i := strings.LastIndexByte(addr, ':')
	var port int
	fmt.Sscanf(addr[i+1:], "%d", &port)
	_, err := Dial(testCtx(t, 5*time.Second), Config{Host: addr[:i], Port: port})
	if !errors.Is(err, ErrDisconnected) {
		t.Fatalf("dial: %v, want ErrDisconnected", err)
	}
	for _, want := range []string{addr, "IB Gateway or TWS", "API", "ibbot sim"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
