package ibkr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

// marketSim starts a simulator at 10:00 New York on a trading day whose
// market moves only when the test ticks it.
func marketSim(t *testing.T) (*ibsim.Server, *ibsim.VirtualClock) {
	t.Helper()
	clk := ibsim.NewVirtualClock(tradingMorning)
	return startSim(t, ibsim.Config{Clock: clk, TickInterval: time.Hour}), clk
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestOrderLifecycleThroughSession(t *testing.T) {
	s, clk := marketSim(t)
	sess := dial(t, s, ibkr.Config{ClientID: 31})
	ctx := ctxT(t)
	spy, err := sess.Qualify(ctx, ibkr.Stock("SPY"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := sess.Snapshot(ctx, spy.Contract)
	if err != nil {
		t.Fatal(err)
	}
	if q.Bid.Sign() <= 0 || q.Ask.LessThan(q.Bid) || q.Type != ibkr.MarketDataLive {
		t.Fatalf("snapshot %+v", q)
	}

	// A market order fills at the ask; the handle reports it and is done.
	tr, err := sess.PlaceOrder(ctx, spy.Contract, ibkr.Order{Action: "BUY", Quantity: d("10"), Type: "MKT", OrderRef: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "Filled" || !st.Filled.Equal(d("10")) || st.AvgFillPrice.Sign() <= 0 {
		t.Fatalf("market order ended %+v", st)
	}
	fills := tr.Fills()
	if len(fills) == 0 || fills[0].Side != "BOT" {
		t.Fatalf("fills %+v", fills)
	}

	// The position and the executions say the same.
	pos, err := sess.Positions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range pos {
		if p.Contract.ConID == spy.Contract.ConID {
			found = true
			if !p.Quantity.Equal(d("10")) || p.AvgCost.Sign() <= 0 {
				t.Errorf("position %+v", p)
			}
		}
	}
	if !found {
		t.Fatalf("no SPY position in %+v", pos)
	}
	ex, err := sess.Executions(ctx, ibkr.ExecutionFilter{Symbol: "SPY"})
	if err != nil || len(ex) == 0 || ex[0].OrderID != tr.ID() {
		t.Fatalf("executions %+v, %v", ex, err)
	}

	// A limit far below the market rests; cancelling it is confirmed.
	rest, err := sess.PlaceOrder(ctx, spy.Contract, ibkr.Order{Action: "BUY", Quantity: d("1"), Type: "LMT", LimitPrice: d("1.00")})
	if err != nil {
		t.Fatal(err)
	}
	open, err := sess.OpenOrders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, o := range open {
		listed = listed || o.OrderID == rest.ID()
	}
	if !listed {
		t.Errorf("open orders %+v lack %d", open, rest.ID())
	}
	if err := sess.CancelOrder(ctx, rest.ID()); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if st, _ := rest.Wait(ctx); st.Status != "Cancelled" {
		t.Errorf("cancelled order ended %q", st.Status)
	}
	if err := sess.CancelOrder(ctx, rest.ID()); !errors.Is(err, ibkr.ErrOrderNotFound) {
		t.Errorf("second cancel: %v, want ErrOrderNotFound", err)
	}

	// A bracket: the take-profit fills when the market reaches it, which
	// cancels the stop (one OCA group).
	ask := q.Ask
	b, err := sess.PlaceBracket(ctx, spy.Contract,
		ibkr.Order{Action: "BUY", Quantity: d("5"), Type: "LMT", LimitPrice: ask.Add(d("1"))},
		ibkr.Order{Action: "SELL", Quantity: d("5"), Type: "LMT", LimitPrice: ask.Sub(d("50"))},
		ibkr.Order{Action: "SELL", Quantity: d("5"), Type: "STP", StopPrice: ask.Sub(d("100"))})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if b.StopLoss.Status().Terminal() {
			break
		}
		clk.Advance(time.Second)
		s.Tick()
		_, _ = sess.CurrentTime(ctx) // a round trip: the tick's messages arrived
	}
	if st := b.Parent.Status(); st.Status != "Filled" {
		t.Errorf("parent %+v", st)
	}
	if st := b.TakeProfit.Status(); st.Status != "Filled" {
		t.Errorf("take profit %+v", st)
	}
	if st := b.StopLoss.Status(); st.Status != "Cancelled" {
		t.Errorf("stop loss %+v (want cancelled by the OCA fill)", st)
	}

	// What-if: margin and commission, nothing placed.
	before := len(sess.Trades())
	pv, err := sess.WhatIf(ctx, spy.Contract, ibkr.Order{Action: "BUY", Quantity: d("100"), Type: "MKT"})
	if err != nil {
		t.Fatal(err)
	}
	if pv.InitMarginAfter.Sign() <= 0 || pv.Commission.Sign() <= 0 {
		t.Errorf("what-if preview %+v", pv)
	}
	if len(sess.Trades()) != before {
		t.Error("what-if created an order handle")
	}

	// Account values exist and parse.
	vals, err := sess.AccountSummary(ctx, "NetLiquidation", "AvailableFunds", "BuyingPower")
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 3 {
		t.Fatalf("account summary %+v", vals)
	}
	for _, v := range vals {
		if n, err := v.Decimal(); err != nil || n.Sign() <= 0 {
			t.Errorf("%s = %q", v.Tag, v.Value)
		}
	}
}

func TestOrderRejectionsThroughSession(t *testing.T) {
	s, _ := marketSim(t)
	sess := dial(t, s, ibkr.Config{ClientID: 32})
	ctx := ctxT(t)
	s.RejectNextOrders(1, 201, "Order rejected - reason:test rejection")
	tr, err := sess.PlaceOrder(ctx, ibkr.Stock("SPY"), ibkr.Order{Action: "BUY", Quantity: d("1"), Type: "MKT"})
	if !errors.Is(err, ibkr.ErrOrderRejected) {
		t.Fatalf("injected 201: %v", err)
	}
	var ae *ibkr.APIError
	if !errors.As(err, &ae) || ae.Code != 201 || tr == nil || tr.Err() == nil {
		t.Errorf("rejection %v, handle %v", err, tr)
	}
	// Insufficient funds: 201 from the engine.
	_, err = sess.PlaceOrder(ctx, ibkr.Stock("SPY"), ibkr.Order{Action: "BUY", Quantity: d("1000000"), Type: "MKT"})
	if !errors.Is(err, ibkr.ErrOrderRejected) {
		t.Errorf("order beyond the account: %v", err)
	}
	// Bad input never reaches the wire.
	for _, o := range []ibkr.Order{
		{Action: "HOLD", Quantity: d("1"), Type: "MKT"},
		{Action: "BUY", Quantity: d("0"), Type: "MKT"},
		{Action: "BUY", Quantity: d("1"), Type: "TRAIL"},
		{Action: "BUY", Quantity: d("1"), Type: "LMT"},
		{Action: "BUY", Quantity: d("1"), Type: "MKT", TIF: "GTX"},
	} {
		if _, err := sess.PlaceOrder(ctx, ibkr.Stock("SPY"), o); err == nil {
			t.Errorf("order %+v accepted", o)
		}
	}
	if n := s.Stats().Errors(103); n != 0 {
		t.Errorf("103 sent %d times", n)
	}
}

func TestDeadlineIsAnErrorNeverEmpty(t *testing.T) {
	s, _ := marketSim(t)
	sess := dial(t, s, ibkr.Config{ClientID: 33})
	s.Hang(20) // historical data never answers
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	bars, err := sess.HistoricalBars(ctx, ibkr.HistoricalRequest{Contract: ibkr.Stock("SPY"), Duration: "1 D", BarSize: "1 min"})
	if !errors.Is(err, context.DeadlineExceeded) || bars != nil {
		t.Fatalf("hung history: %d bars, %v; want a deadline error", len(bars), err)
	}
	// Giving up sent IB's cancel (cancelHistoricalData, message 25).
	waitMessages(t, s, 25, 1)
	// Closing a stream sends cancelMktData (message 2).
	m, err := sess.MarketData(ctxT(t), ibkr.Stock("SPY"), ibkr.MarketDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	waitMessages(t, s, 2, 1)
	// Bad requests are refused with errors that name the field.
	for _, r := range []ibkr.HistoricalRequest{
		{Contract: ibkr.Stock("SPY"), Duration: "1 Q", BarSize: "1 min"},
		{Contract: ibkr.Stock("SPY"), Duration: "1 D", BarSize: "7 mins"},
		{Contract: ibkr.Stock("SPY"), Duration: "1 D", BarSize: "1 min", WhatToShow: "PRICES"},
	} {
		if _, err := sess.HistoricalBars(ctxT(t), r); err == nil {
			t.Errorf("request %+v accepted", r)
		}
	}
	if _, err := sess.ContractDetails(ctxT(t), ibkr.Stock("NOPE")); !errors.Is(err, ibkr.ErrNoSecurityDefinition) {
		t.Errorf("unknown symbol: %v", err)
	}
	if _, err := sess.Qualify(ctxT(t), ibkr.Contract{Symbol: "SPY", SecType: "STK"}); !errors.Is(err, ibkr.ErrAmbiguousContract) {
		t.Errorf("symbol without exchange: %v, want ErrAmbiguousContract", err)
	}
}

// waitMessages waits until the simulator has received n messages with id.
func waitMessages(t *testing.T, s *ibsim.Server, id int, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().MessagesByType[id] < n {
		if time.Now().After(deadline) {
			t.Fatalf("the simulator received %d messages %d, want %d", s.Stats().MessagesByType[id], id, n)
		}
		time.Sleep(time.Millisecond) // polling the simulator's counter
	}
}
