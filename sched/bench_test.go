package sched_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/sched"
	"golang.org/x/sync/errgroup"
)

// benchShapes are the symbol counts and concurrency limits benchmarked.
var benchShapes = []struct{ symbols, limit int }{{1, 1}, {3, 2}, {100, 8}}

// BenchmarkRun measures the scheduler's own cost per symbol run: whole
// cycles on a FakeClock, with functions that return at once, so that
// nothing but the scheduler does any work. One op is one symbol run;
// B/op and allocs/op are per symbol run too.
func BenchmarkRun(b *testing.B) {
	for _, bc := range benchShapes {
		b.Run(fmt.Sprintf("symbols=%d/limit=%d", bc.symbols, bc.limit), func(b *testing.B) {
			// One second before an instant of the grid: the first cycle
			// waits for the first step.
			clock := sched.NewFakeClock(epoch.Add(-time.Second))
			reports := make(chan sched.CycleReport, 1)
			s, err := sched.New(sched.Config{
				Clock:         clock,
				MaxConcurrent: bc.limit,
				OnCycle:       func(r sched.CycleReport) { reports <- r },
			})
			if err != nil {
				b.Fatal(err)
			}
			var calls atomic.Int64
			fn := func(context.Context, string) error {
				calls.Add(1)
				return nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := s.Run(ctx, symbolNames(bc.symbols), fn)
				done <- err
			}()
			if err := clock.BlockUntil(ctx, 1); err != nil {
				b.Fatal(err)
			}
			cycles := (b.N + bc.symbols - 1) / bc.symbols
			b.ReportAllocs()
			b.ResetTimer()
			for range cycles {
				// The next cycle's timer is armed before a cycle's report
				// is delivered, so the next step is always the next cycle.
				clock.AdvanceToNext()
				if r := <-reports; r.Count(sched.OutcomeOK) != bc.symbols {
					b.Fatalf("cycle %d: %d of %d ok", r.Cycle, r.Count(sched.OutcomeOK), bc.symbols)
				}
			}
			b.StopTimer()
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			if got, want := calls.Load(), int64(cycles*bc.symbols); got != want {
				b.Fatalf("%d calls, want %d", got, want)
			}
		})
	}
}

// BenchmarkErrgroup is the floor BenchmarkRun is measured against: the
// same fan-out done by hand with errgroup.SetLimit, a goroutine per
// symbol and nothing else (no clock, timeouts, reports or state).
func BenchmarkErrgroup(b *testing.B) {
	for _, bc := range benchShapes {
		b.Run(fmt.Sprintf("symbols=%d/limit=%d", bc.symbols, bc.limit), func(b *testing.B) {
			syms := symbolNames(bc.symbols)
			var calls atomic.Int64
			fn := func(context.Context, string) error {
				calls.Add(1)
				return nil
			}
			ctx := context.Background()
			cycles := (b.N + bc.symbols - 1) / bc.symbols
			b.ReportAllocs()
			b.ResetTimer()
			for range cycles {
				var g errgroup.Group
				g.SetLimit(bc.limit)
				for _, s := range syms {
					g.Go(func() error { return fn(ctx, s) })
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got, want := calls.Load(), int64(cycles*bc.symbols); got != want {
				b.Fatalf("%d calls, want %d", got, want)
			}
		})
	}
}
