package optchain

// The chain benchmark of docs/benchmarks.md: SPY, 3 expiries x 21 strikes
// x both rights (126 options), against the simulator at IB's real message
// rate with a 200 ms latency on every market data request, fetched by
// Client.Fetch and, in the same run, one contract at a time as the old
// bot did (a contract-details request and a snapshot per contract, each
// waited for). Run it with
//
//	go test -run XXX -bench Chain -benchtime 1x -count 3 ./optchain/
//
// It reports seconds per chain and, for the parallel fetch, the bound set
// by pacing and the line budget: every message written at the session's
// rate, plus one snapshot's latency for the last ones.

import (
	"context"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

const benchLatency = 200 * time.Millisecond

func BenchmarkChain(b *testing.B) {
	start := at(2026, 3, 12, 10, 0)
	req := Request{Symbol: "SPY", Expiries: First(3), Strikes: 21, Rights: Both}
	b.Run("parallel", func(b *testing.B) {
		srv, sess, clk := simSession(b, start, ibsim.Config{})
		srv.SetLatency(1, benchLatency)
		c, err := New(sess, Config{Clock: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		var msgs int64
		var contracts int
		b.ResetTimer()
		for range b.N {
			before := srv.Stats().Messages
			ch, err := c.Fetch(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			msgs = srv.Stats().Messages - before
			contracts = len(ch.Errors)
			for _, e := range ch.Expiries {
				contracts += 2 * len(e.Strikes)
			}
			if len(ch.Errors) != 0 {
				b.Fatalf("%d quotes failed: %v", len(ch.Errors), ch.Errors[0].Err)
			}
		}
		b.StopTimer()
		elapsed := b.Elapsed().Seconds() / float64(b.N)
		bound := float64(msgs)/ibkr.DefaultRate + (benchLatency + 50*time.Millisecond).Seconds()
		b.ReportMetric(elapsed, "s/chain")
		b.ReportMetric(bound, "bound-s")
		b.ReportMetric(elapsed/bound, "x-bound")
		b.ReportMetric(float64(contracts), "options")
		b.ReportMetric(float64(msgs), "messages")
	})
	b.Run("one-at-a-time", func(b *testing.B) {
		srv, sess, clk := simSession(b, start, ibsim.Config{})
		c, err := New(sess, Config{Clock: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		// The same contracts, found without timing.
		shape := req
		shape.NoQuotes = true
		ch, err := c.Fetch(context.Background(), shape)
		if err != nil {
			b.Fatal(err)
		}
		var opts []ibkr.Contract
		for _, e := range ch.Expiries {
			for _, r := range e.Strikes {
				for _, o := range []*Option{r.Call, r.Put} {
					opts = append(opts, ibkr.Contract{Symbol: "SPY", SecType: "OPT", Expiry: e.Code, Strike: o.Contract.Strike,
						Right: o.Contract.Right, Exchange: "SMART", Currency: "USD", TradingClass: "SPY", Multiplier: "100"})
				}
			}
		}
		srv.SetLatency(1, benchLatency)
		ctx := context.Background()
		b.ResetTimer()
		for range b.N {
			if _, err := sess.Snapshot(ctx, ch.Underlying.Contract); err != nil {
				b.Fatal(err)
			}
			for _, oc := range opts {
				d, err := sess.Qualify(ctx, oc)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sess.Snapshot(ctx, d.Contract); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/chain")
		b.ReportMetric(float64(len(opts)), "options")
	})
}
