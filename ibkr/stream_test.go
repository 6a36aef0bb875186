package ibkr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
	"go.uber.org/goleak"
)

// buyStock buys 10 SPY at the market and waits for the fill.
func buyStock(t *testing.T, ctx context.Context, s *ibsim.Server, clk *ibsim.VirtualClock, sess *Session) *Trade {
	t.Helper()
	tr, err := sess.PlaceOrder(ctx, Stock("SPY"), mkt("BUY", 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Wait(ctx); err != nil || tr.Status().Status != OrderFilled {
		t.Fatalf("buy: %v %+v", err, tr.Status())
	}
	return tr
}

// streamSim is a simulator on a virtual clock whose historical pacing
// lets a stream's identical request after a restart through at once, and
// a session keeping to the same rules that reconnects fast.
func streamSim(t *testing.T, clientID int64, cfg Config) (*ibsim.Server, *ibsim.VirtualClock, *Session) {
	t.Helper()
	clk := ibsim.NewVirtualClock(morning)
	lim := ibsim.Limits{HistIdenticalWindow: 20 * time.Millisecond}
	s := simFor(t, ibsim.Config{Clock: clk, TickInterval: time.Hour, Limits: lim})
	cfg.ClientID = clientID
	cfg.ReconnectWait, cfg.MaxReconnectWait = 20*time.Millisecond, 100*time.Millisecond
	cfg.Historical.IdenticalWindow = 40 * time.Millisecond
	cfg.MarketClock = clk.Now
	return s, clk, sessionFor(t, s, cfg)
}

// next waits for st's next item while moving the market (the simulator
// pushes changes on its ticks).
func next[T any](t *testing.T, s *ibsim.Server, clk *ibsim.VirtualClock, st *Stream[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type res struct {
		v   T
		err error
	}
	got := make(chan res, 1)
	go func() {
		v, err := st.Next(ctx)
		got <- res{v, err}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-got:
			if r.err != nil {
				t.Fatalf("Next: %v", r.err)
			}
			return r.v
		case <-tick.C:
			clk.Advance(time.Second)
			s.Tick()
		}
	}
}

// waitEvent waits for an event of kind on ch.
func waitEvent(t *testing.T, ch <-chan StreamEvent, kind StreamEventKind) StreamEvent {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("events closed waiting for %v", kind)
			}
			if ev.Kind == kind {
				return ev
			}
		case <-timeout.C:
			t.Fatalf("timed out waiting for %v", kind)
		}
	}
}

// restart restarts the simulator and waits for the Gap and the Resumed
// of every stream's events given.
func restart(t *testing.T, s *ibsim.Server, events ...<-chan StreamEvent) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Restart(150 * time.Millisecond) }()
	for _, ch := range events {
		if ev := waitEvent(t, ch, StreamGap); !errors.Is(ev.Err, ErrDisconnected) {
			t.Errorf("gap error %v, want ErrDisconnected", ev.Err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, ch := range events {
		waitEvent(t, ch, StreamResumed)
	}
}

// waitReleased waits until the session holds no stream, request or line.
func waitReleased(t *testing.T, sess *Session) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := sess.Stats()
		if len(sess.liveStreams()) == 0 && sess.router.Count() == 0 && st.MarketDataLines == 0 && st.HistoricalOpen == 0 &&
			sess.acctSub() == nil && sess.posSub() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not released: %d streams, %d requests, stats %+v", len(sess.liveStreams()), sess.router.Count(), st)
		}
		time.Sleep(5 * time.Millisecond) // polling the session's counters
	}
}

func TestStreamMarketDataIsAStreamOfQuotes(t *testing.T) {
	s, clk, sess := streamSim(t, 301, Config{})
	ctx := testCtx(t, time.Minute)
	m, err := sess.MarketData(ctx, Stock("SPY"), MarketDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := m.Events()
	if q := next(t, s, clk, m.Stream); q.Contract.Symbol != "SPY" {
		t.Errorf("quote of %q", q.Contract.Symbol)
	}
	restart(t, s, events)
	if q := next(t, s, clk, m.Stream); q.Bid.Sign() <= 0 || m.Gaps() != 1 {
		t.Errorf("after restart: bid %s, gaps %d", q.Bid, m.Gaps())
	}
	m.Close()
	if ev := waitEvent(t, events, StreamClosed); ev.Err != nil {
		t.Errorf("closed with %v", ev.Err)
	}
	if _, err := m.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	waitReleased(t, sess)
}

func TestStreamPnL(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, clk, sess := streamSim(t, 302, Config{})
	ctx := testCtx(t, time.Minute)
	if _, err := sess.PnL(ctx, "", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("PnL without an account: %v", err)
	}
	acct := sess.Accounts()[0]
	st, err := sess.PnL(ctx, acct, "")
	if err != nil {
		t.Fatal(err)
	}
	events := st.Events()
	p := next(t, s, clk, st)
	if p.At.IsZero() {
		t.Errorf("pnl %+v: no time", p)
	}
	restart(t, s, events)
	// The new subscription reports the current values at once.
	next(t, s, clk, st)
	if st.Gaps() != 1 {
		t.Errorf("gaps %d", st.Gaps())
	}
	st.Close()
	waitReleased(t, sess)
	sess.Close()
	s.Close()
}

func TestStreamPnLSingleRequestAndRelease(t *testing.T) {
	_, _, sess := streamSim(t, 303, Config{})
	ctx := testCtx(t, time.Minute)
	if _, err := sess.PnLSingle(ctx, sess.Accounts()[0], "", 0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("PnLSingle without a conId: %v", err)
	}
	// The simulator does not serve reqPnLSingle (it answers 320 without a
	// request id); the stream is written, open, and released on Close.
	st, err := sess.PnLSingle(ctx, sess.Accounts()[0], "", 756733)
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.liveStreams()) != 1 {
		t.Errorf("%d live streams", len(sess.liveStreams()))
	}
	st.Close()
	<-st.Done()
	waitReleased(t, sess)
}

func TestStreamBarsKeepUpToDate(t *testing.T) {
	s, clk, sess := streamSim(t, 304, Config{})
	ctx := testCtx(t, time.Minute)
	req := HistoricalRequest{Contract: Stock("SPY"), Duration: "300 S", BarSize: "5 secs", WhatToShow: "MIDPOINT"}
	if _, err := sess.BarsStream(ctx, HistoricalRequest{Contract: Stock("SPY"), Duration: "300 S", BarSize: "5 secs", End: morning}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("with an End: %v", err)
	}
	st, err := sess.BarsStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	events := st.Events()
	var last Bar
	for range 60 { // the window's bars
		b := next(t, s, clk, st)
		if b.Time.Before(last.Time) {
			t.Fatalf("bar %v after %v", b.Time, last.Time)
		}
		if b.Open.Sign() <= 0 || b.High.LessThan(b.Low) {
			t.Fatalf("bar %+v", b)
		}
		last = b
	}
	if sess.Stats().HistoricalOpen != 1 {
		t.Errorf("historical open %d, want 1 (the stream's slot)", sess.Stats().HistoricalOpen)
	}
	// Then the bar being formed, again and again, and new ones.
	upd := next(t, s, clk, st)
	if upd.Time.Before(last.Time) {
		t.Errorf("update %v before the last bar %v", upd.Time, last.Time)
	}
	last = upd
	restart(t, s, events)
	for range 3 {
		b := next(t, s, clk, st)
		if b.Time.Before(last.Time) {
			t.Fatalf("after restart: bar %v before %v", b.Time, last.Time)
		}
		last = b
	}
	if n := sess.Stats().HistoricalOpen; n != 1 {
		t.Errorf("historical open %d after the restart, want 1", n)
	}
	st.Close()
	waitReleased(t, sess)
}

func TestStreamBarsRefusedMatchesSentinel(t *testing.T) {
	_, _, sess := streamSim(t, 305, Config{})
	ctx := testCtx(t, time.Minute)
	st, err := sess.BarsStream(ctx, HistoricalRequest{Contract: Stock("NOSUCH"), Duration: "300 S", BarSize: "5 secs"})
	if err != nil {
		t.Fatal(err)
	}
	<-st.Done()
	if !errors.Is(st.Err(), ErrNoSecurityDefinition) {
		t.Errorf("stream of an unknown symbol: %v", st.Err())
	}
	if _, err := st.Next(ctx); !errors.Is(err, ErrNoSecurityDefinition) {
		t.Errorf("Next: %v", err)
	}
	waitReleased(t, sess)
}

func TestStreamSlowConsumerDropsOldestAndBlocksNothing(t *testing.T) {
	s, _, sess := streamSim(t, 306, Config{StreamBuffer: 4})
	ctx := testCtx(t, time.Minute)
	st, err := sess.BarsStream(ctx, HistoricalRequest{Contract: Stock("SPY"), Duration: "1800 S", BarSize: "1 secs", WhatToShow: "MIDPOINT"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Nobody reads; the session goes on serving calls.
	for st.Dropped() < 1000 {
		if _, err := sess.CurrentTime(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sess.Qualify(ctx, Stock("QQQ")); err != nil {
		t.Fatal(err)
	}
	// The newest four are kept, in order.
	var prev Bar
	for i := range 4 {
		b, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && !b.Time.After(prev.Time) {
			t.Errorf("bar %d at %v after %v", i, b.Time, prev.Time)
		}
		prev = b
	}
	_ = s
}

func TestStreamAccountUpdates(t *testing.T) {
	s, clk, sess := streamSim(t, 307, Config{})
	ctx := testCtx(t, time.Minute)
	buyStock(t, ctx, s, clk, sess)
	st, err := sess.AccountUpdates(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.AccountUpdates(ctx, ""); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("a second account updates stream: %v", err)
	}
	events := st.Events()
	readDownload := func() (values int, portfolio []PortfolioItem) {
		for {
			u := next(t, s, clk, st)
			switch {
			case u.Value != nil:
				values++
			case u.Portfolio != nil:
				portfolio = append(portfolio, *u.Portfolio)
			case u.DownloadEnd:
				return
			}
		}
	}
	values, port := readDownload()
	if values == 0 || len(port) != 1 || port[0].Contract.Symbol != "SPY" || !port[0].Position.Equal(decimal.NewFromInt(10)) {
		t.Fatalf("download: %d values, portfolio %+v", values, port)
	}
	restart(t, s, events)
	if values, port = readDownload(); values == 0 || len(port) != 1 {
		t.Errorf("after restart: %d values, portfolio %+v", values, port)
	}
	st.Close()
	waitReleased(t, sess)
	again, err := sess.AccountUpdates(ctx, "")
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}

func TestStreamPositions(t *testing.T) {
	s, clk, sess := streamSim(t, 308, Config{})
	ctx := testCtx(t, time.Minute)
	st, err := sess.PositionsStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events := st.Events()
	if u := next(t, s, clk, st); !u.SnapshotEnd {
		t.Fatalf("first item %+v, want the end of an empty snapshot", u)
	}
	// A fill is a change.
	buyStock(t, ctx, s, clk, sess)
	u := next(t, s, clk, st)
	if u.Position.Contract.Symbol != "SPY" || !u.Position.Quantity.Equal(decimal.NewFromInt(10)) {
		t.Fatalf("change %+v", u)
	}
	// A one-shot Positions meanwhile leaves the subscription alone.
	if ps, err := sess.Positions(ctx); err != nil || len(ps) != 1 {
		t.Fatalf("Positions: %v %v", ps, err)
	}
	for u := next(t, s, clk, st); !u.SnapshotEnd; u = next(t, s, clk, st) {
	}
	restart(t, s, events)
	var got []Position
	for u := next(t, s, clk, st); !u.SnapshotEnd; u = next(t, s, clk, st) {
		got = append(got, u.Position)
	}
	if len(got) != 1 || !got[0].Quantity.Equal(decimal.NewFromInt(10)) {
		t.Errorf("snapshot after restart %+v", got)
	}
	st.Close()
	waitReleased(t, sess)
}

func TestStreamTradeEventsModifyAndRestart(t *testing.T) {
	s, clk, sess := streamSim(t, 309, Config{})
	ctx := testCtx(t, time.Minute)
	tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 5, "1.00"))
	if err != nil {
		t.Fatal(err)
	}
	st := tr.Stream()
	events := st.Events()
	if ev := next(t, s, clk, st); ev.Kind != TradeStatus || ev.Status.OrderID != tr.ID() {
		t.Fatalf("first event %+v", ev)
	}
	// Refused modifications leave the order working.
	if _, err := sess.ModifyOrder(ctx, tr.ID(), lmt("SELL", 5, "1.00")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a modification changing sides: %v", err)
	}
	if _, err := sess.ModifyOrder(ctx, tr.ID(), lmt("BUY", 5, "1.001")); !errors.Is(err, ErrPriceIncrement) {
		t.Errorf("an off-tick modification: %v", err)
	}
	if tr.isDone() || !tr.Order().LimitPrice.Equal(decimal.RequireFromString("1.00")) {
		t.Fatalf("after a refused modification: done %v, order %+v", tr.isDone(), tr.Order())
	}
	if _, err := sess.ModifyOrder(ctx, tr.ID(), lmt("BUY", 5, "1.02")); err != nil {
		t.Fatal(err)
	}
	if !tr.Order().LimitPrice.Equal(decimal.RequireFromString("1.02")) {
		t.Errorf("order after the modification %+v", tr.Order())
	}
	restart(t, s, events)
	// After the restart the handle still works: a marketable price fills.
	q, err := sess.Snapshot(ctx, Stock("SPY"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.ModifyOrder(ctx, tr.ID(), Order{Action: "BUY", Quantity: decimal.NewFromInt(5), Type: "LMT", LimitPrice: q.Ask.Add(decimal.NewFromInt(5)).Round(2)}); err != nil {
		t.Fatal(err)
	}
	var fills, comms int
	var last OrderStatus
	for ev, err := range st.All() {
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Kind {
		case TradeFill:
			fills++
		case TradeCommission:
			comms++
			if ev.Fill.Commission.Sign() <= 0 {
				t.Errorf("commission %+v", ev.Fill)
			}
		case TradeStatus:
			last = ev.Status
		}
	}
	if fills == 0 || comms != fills || last.Status != OrderFilled {
		t.Errorf("fills %d, commissions %d, last status %+v", fills, comms, last)
	}
	if _, err := st.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after the order is done: %v", err)
	}
	if _, err := sess.ModifyOrder(ctx, tr.ID(), lmt("BUY", 5, "1.00")); !errors.Is(err, ErrOrderNotCancellable) {
		t.Errorf("modifying a filled order: %v", err)
	}
}

func TestCancelAllResolvesEveryOpenTrade(t *testing.T) {
	_, _, sess := streamSim(t, 310, Config{})
	ctx := testCtx(t, time.Minute)
	var trs []*Trade
	for i := range 3 {
		tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", int64(i+1), "1.00"))
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	st := trs[0].Stream()
	if err := sess.CancelAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trs {
		if s := tr.Status().Status; s != OrderCancelled {
			t.Errorf("order %d: %s after CancelAll", tr.ID(), s)
		}
	}
	<-st.Done()
	if st.Err() != nil {
		t.Errorf("trade stream ended with %v", st.Err())
	}
	ro := sessionFor(t, simFor(t, ibsim.Config{}), Config{ClientID: 311, ReadOnly: true})
	if err := ro.CancelAll(ctx); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only CancelAll: %v", err)
	}
}
