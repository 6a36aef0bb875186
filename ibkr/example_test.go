package ibkr_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

// exampleGateway starts a simulated Gateway at 10:00 New York on a trading
// day and returns its host and port, and a func that stops it. Against a
// real Gateway, use its host and port (4002 for a paper IB Gateway).
func exampleGateway() (host string, port int, stop func()) {
	host, port, _, stop = exampleGatewayClock()
	return host, port, stop
}

// exampleGatewayClock is exampleGateway with the simulator's market clock.
func exampleGatewayClock() (host string, port int, clk *ibsim.VirtualClock, stop func()) {
	ny, _ := time.LoadLocation("America/New_York")
	clk = ibsim.NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, ny))
	srv, err := ibsim.Start(ibsim.Config{Clock: clk, TickInterval: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	i := strings.LastIndexByte(srv.Addr(), ':')
	port, _ = strconv.Atoi(srv.Addr()[i+1:])
	return srv.Addr()[:i], port, clk, func() { srv.Close() }
}

// Dial connects and returns once the session is ready; any number of
// goroutines may share the session.
func Example() {
	host, port, stop := exampleGateway()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	sess, err := ibkr.Dial(ctx, ibkr.Config{Host: host, Port: port, ClientID: 7})
	if err != nil {
		log.Fatal(err) // a refused client id is errors.Is(err, ibkr.ErrClientIDInUse)
	}
	defer sess.Close()
	now, err := sess.CurrentTime(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sess.Status(), sess.Accounts(), now.UTC().Format(time.RFC3339))
	// Output: ready [DU1234567] 2026-03-10T14:00:00Z
}

// exampleSession dials the simulated Gateway; quotes are stamped on its
// market clock (Config.MarketClock), so regular hours are judged in
// simulated time.
func exampleSession() (*ibkr.Session, context.Context, func()) {
	host, port, clk, stop := exampleGatewayClock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	sess, err := ibkr.Dial(ctx, ibkr.Config{Host: host, Port: port, ClientID: 8, MarketClock: clk.Now})
	if err != nil {
		log.Fatal(err)
	}
	return sess, ctx, func() { sess.Close(); cancel(); stop() }
}

// Qualify turns a partial description into the one contract it names.
func ExampleSession_Qualify() {
	sess, ctx, done := exampleSession()
	defer done()
	d, err := sess.Qualify(ctx, ibkr.Stock("SPY"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Contract.Symbol, d.Contract.ConID, d.Contract.PrimaryExchange, d.MinTick)
	_, err = sess.Qualify(ctx, ibkr.Stock("NOSUCH"))
	fmt.Println(errors.Is(err, ibkr.ErrNoSecurityDefinition))
	// Output:
	// SPY 756733 ARCA 0.01
	// true
}

// An option chain: the expirations and strikes listed for an underlying,
// then the contracts that really exist for one expiry.
func ExampleSession_SecDefOptParams() {
	sess, ctx, done := exampleSession()
	defer done()
	spy, err := sess.Qualify(ctx, ibkr.Stock("SPY"))
	if err != nil {
		log.Fatal(err)
	}
	chains, err := sess.SecDefOptParams(ctx, "SPY", "STK", spy.Contract.ConID)
	if err != nil {
		log.Fatal(err)
	}
	for _, ch := range chains {
		if ch.Exchange != "SMART" {
			continue
		}
		exp := ch.Expirations[0]
		calls, err := sess.ContractDetails(ctx, ibkr.Contract{Symbol: "SPY", SecType: "OPT", Expiry: exp, Right: "C", Exchange: "SMART", Currency: "USD"})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ch.TradingClass, ch.Multiplier, exp, len(calls) > 0, len(calls) <= len(ch.Strikes))
	}
	// Output: SPY 100 20260310 true true
}

// A snapshot is one quote; Has tells a missing value from a real zero.
func ExampleSession_Snapshot() {
	sess, ctx, done := exampleSession()
	defer done()
	q, err := sess.Snapshot(ctx, ibkr.Stock("SPY"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.Type, q.Has(ibkr.QuoteBid), q.Has(ibkr.QuoteAsk), q.Ask.GreaterThan(q.Bid), q.OutsideRTH)
	// Output: live true true true false
}

// Historical bars wait for their turn under IB's pacing instead of
// failing; a deadline is an error, never an empty result.
func ExampleSession_HistoricalBars() {
	sess, ctx, done := exampleSession()
	defer done()
	bars, err := sess.HistoricalBars(ctx, ibkr.HistoricalRequest{
		Contract: ibkr.Stock("SPY"), Duration: "1800 S", BarSize: "5 mins", UseRTH: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	last := bars[len(bars)-1]
	fmt.Println(len(bars), last.Time.UTC().Format("15:04"), last.Close.Sign() > 0)
	// Output: 6 13:55 true
}

// An order and its Trade: the handle reports the Gateway's statuses and
// fills, and always resolves.
func ExampleSession_PlaceOrder() {
	sess, ctx, done := exampleSession()
	defer done()
	spy, err := sess.Qualify(ctx, ibkr.Stock("SPY"))
	if err != nil {
		log.Fatal(err)
	}
	rule, err := sess.PriceIncrements(ctx, spy.Contract)
	if err != nil {
		log.Fatal(err)
	}
	limit, _ := ibkr.RoundToTick(decimal.RequireFromString("100.004"), rule, ibkr.RoundDown)
	tr, err := sess.PlaceOrder(ctx, spy.Contract, ibkr.Order{
		Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "LMT", LimitPrice: limit, OrderRef: "example",
	})
	if err != nil {
		log.Fatal(err)
	}
	// PlaceOrder returns at the Gateway's first word on the order; its
	// statuses follow on Updates.
	for st := range tr.Updates() {
		if st.Status == ibkr.OrderSubmitted {
			fmt.Println(limit, st.Status)
			break
		}
	}
	if err := sess.CancelOrder(ctx, tr.ID()); err != nil {
		log.Fatal(err)
	}
	st, err := tr.Wait(ctx)
	fmt.Println(st.Status, err)
	// Output:
	// 100 Submitted
	// Cancelled <nil>
}

// RoundToTick rounds to a market rule; near a band edge the result may lie
// in the other band.
func ExampleRoundToTick() {
	penny := ibkr.PriceIncrements{
		{LowEdge: decimal.Zero, Increment: decimal.RequireFromString("0.01")},
		{LowEdge: decimal.NewFromInt(3), Increment: decimal.RequireFromString("0.05")},
	}
	for _, p := range []string{"2.994", "3.01", "3.03"} {
		down, _ := ibkr.RoundToTick(decimal.RequireFromString(p), penny, ibkr.RoundDown)
		up, _ := ibkr.RoundToTick(decimal.RequireFromString(p), penny, ibkr.RoundUp)
		fmt.Println(p, down, up)
	}
	// Output:
	// 2.994 2.99 3
	// 3.01 3 3.05
	// 3.03 3 3.05
}

// A Pool hands every caller asking for one endpoint the same session; each
// lease is given back with Release.
func ExamplePool_Session() {
	host, port, stop := exampleGateway()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool := ibkr.NewPool(ibkr.PoolConfig{})
	defer pool.Close()
	ep := ibkr.Endpoint{Host: host, Port: port, ClientID: 253}
	a, err := pool.Session(ctx, ep)
	if err != nil {
		log.Fatal(err)
	}
	b, err := pool.Session(ctx, ep)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Session == b.Session)
	a.Release()
	a.Release() // idempotent
	fmt.Println(b.Status())
	b.Release() // the last reference closes the shared session
	fmt.Println(b.Status())
	// Output:
	// true
	// ready
	// closed
}

// A Stream is read with Next (ctx first) or ranged over with All; its
// Events say when the connection was lost (StreamGap) and the
// subscription was made again behind the same handle (StreamResumed).
func ExampleStream() {
	sess, ctx, done := exampleSession()
	defer done()

	pnl, err := sess.PnL(ctx, sess.Accounts()[0], "")
	if err != nil {
		log.Fatal(err)
	}
	defer pnl.Close()
	go func() {
		for ev := range pnl.Events() { // closed after StreamClosed
			if ev.Kind == ibkr.StreamGap {
				log.Printf("pnl: connection lost (%v), values may be missing", ev.Err)
			}
		}
	}()
	p, err := pnl.Next(ctx) // the current values come at once
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("daily", p.Daily, "unrealized", p.Unrealized, "realized", p.Realized)
	// Output: daily 0 unrealized 0 realized 0
}

// A Trade's Stream carries its statuses, fills and commissions; ranging
// over All ends when the order is done.
func ExampleTrade_Stream() {
	sess, ctx, done := exampleSession()
	defer done()

	tr, err := sess.PlaceOrder(ctx, ibkr.Stock("SPY"), ibkr.Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "MKT"})
	if err != nil {
		log.Fatal(err)
	}
	events := tr.Stream()
	defer events.Close()
	var fills, commissions int
	for ev, err := range events.All() {
		if err != nil {
			log.Fatal(err) // the order ended with an error: a rejection, ErrOrderLost, ErrClosed
		}
		switch ev.Kind {
		case ibkr.TradeFill:
			fills++
		case ibkr.TradeCommission:
			commissions++
		}
	}
	fmt.Println(tr.Status().Status, "fills:", fills, "commissions:", commissions)
	// Output: Filled fills: 1 commissions: 1
}

// BarsStream keeps a window of bars up to date: a bar with the Time of
// the previous one is that bar updated in place.
func ExampleSession_BarsStream() {
	sess, ctx, done := exampleSession()
	defer done()

	bars, err := sess.BarsStream(ctx, ibkr.HistoricalRequest{Contract: ibkr.Stock("SPY"), Duration: "60 S", BarSize: "5 secs", WhatToShow: "MIDPOINT"})
	if err != nil {
		log.Fatal(err)
	}
	defer bars.Close()
	var window []ibkr.Bar
	for len(window) < 12 {
		b, err := bars.Next(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if n := len(window); n > 0 && window[n-1].Time.Equal(b.Time) {
			window[n-1] = b // the forming bar, updated
			continue
		}
		window = append(window, b)
	}
	fmt.Println(len(window), "bars, the last at", window[11].Time.In(time.UTC).Format("15:04:05"))
	// Output: 12 bars, the last at 13:59:55
}
