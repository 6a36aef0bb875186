package ibkr_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func TestStreamWithGenericTicksAndDelayedData(t *testing.T) {
	s, clk := marketSim(t)
	sess := dial(t, s, ibkr.Config{ClientID: 51})
	ctx := ctxT(t)
	m, err := sess.MarketData(ctx, ibkr.Stock("SPY"), ibkr.MarketDataOptions{GenericTicks: []int{100, 101, 106}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var q ibkr.Quote
	for range 50 {
		if q, err = m.Next(ctx); err != nil {
			t.Fatal(err)
		}
		if q.Generic[24] > 0 && q.Generic[27] > 0 && q.Generic[28] > 0 && q.Bid.Sign() > 0 {
			break
		}
		clk.Advance(time.Second)
		s.Tick()
	}
	if q.Generic[24] <= 0 || q.Generic[27] <= 0 || q.Generic[28] <= 0 {
		t.Fatalf("generic ticks %v: want implied vol (24) and call/put open interest (27, 28)", q.Generic)
	}
	if q.Type != ibkr.MarketDataLive || q.Ask.LessThan(q.Bid) {
		t.Errorf("quote %+v", q)
	}
	// An invalid generic tick ends the stream with IB's 321.
	bad, err := sess.MarketData(ctx, ibkr.Stock("SPY"), ibkr.MarketDataOptions{GenericTicks: []int{104}})
	if err != nil {
		t.Fatal(err)
	}
	<-bad.Done()
	if !errors.Is(bad.Err(), ibkr.ErrInvalidRequest) {
		t.Errorf("generic 104: %v, want ErrInvalidRequest (321)", bad.Err())
	}
}

func TestDelayedAccountFallsBackToDelayed(t *testing.T) {
	clk := ibsim.NewVirtualClock(tradingMorning)
	s := startSim(t, ibsim.Config{Clock: clk, Delayed: true, TickInterval: time.Hour})
	var warned = make(chan int64, 16)
	sess := dial(t, s, ibkr.Config{ClientID: 52, OnWarning: func(e *ibkr.APIError) {
		select {
		case warned <- e.Code:
		default:
		}
	}})
	ctx := ctxT(t)
	// Live data without a subscription: 354, a typed error.
	if _, err := sess.Snapshot(ctx, ibkr.Stock("SPY")); !errors.Is(err, ibkr.ErrMarketDataNotSubscribed) {
		t.Fatalf("live snapshot on a delayed account: %v", err)
	}
	// Asking for delayed data: the quote says it was delayed.
	if err := sess.SetMarketDataType(ctx, ibkr.MarketDataDelayed); err != nil {
		t.Fatal(err)
	}
	q, err := sess.Snapshot(ctx, ibkr.Stock("SPY"))
	if err != nil {
		t.Fatal(err)
	}
	if q.Type != ibkr.MarketDataDelayed || q.Bid.Sign() <= 0 {
		t.Errorf("delayed snapshot: type %v bid %s", q.Type, q.Bid)
	}
	// The notice reaches OnWarning on its own goroutine.
	for {
		select {
		case code := <-warned:
			if code == 10167 {
				return
			}
		case <-ctx.Done():
			t.Fatal("the 10167 notice did not reach OnWarning")
		}
	}
}
