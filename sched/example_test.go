package sched_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ibbot/ibbot/sched"
)

func ExampleCalendar_Session() {
	cal := sched.NYSE()
	day := time.Date(2026, time.November, 27, 12, 0, 0, 0, cal.Location())
	s, ok := cal.Session(day)
	fmt.Println(ok, s.Open.Format("15:04"), s.Close.Format("15:04"), s.EarlyClose)
	// Output: true 09:30 13:00 true
}

func ExampleCalendar_Holiday() {
	cal := sched.NYSE()
	name, ok := cal.Holiday(time.Date(2026, time.July, 3, 12, 0, 0, 0, cal.Location()))
	fmt.Println(name, ok)
	// Output: Independence Day true
}

func ExampleCalendar_NextOpen() {
	cal := sched.NYSE()
	// Thursday evening before Good Friday: the next open is Monday.
	now := time.Date(2026, time.April, 2, 18, 0, 0, 0, cal.Location())
	fmt.Println(cal.NextOpen(now).Format("Mon 2006-01-02 15:04 MST"))
	// Output: Mon 2026-04-06 09:30 EDT
}

func ExampleCalendar_TradingDays() {
	cal := sched.NYSE()
	from := time.Date(2026, time.December, 23, 0, 0, 0, 0, cal.Location())
	to := time.Date(2026, time.December, 29, 0, 0, 0, 0, cal.Location())
	for _, d := range cal.TradingDays(from, to) {
		fmt.Println(d.Format("Mon Jan 2"))
	}
	// Output:
	// Wed Dec 23
	// Thu Dec 24
	// Mon Dec 28
	// Tue Dec 29
}

// A scheduler on a FakeClock, driven from instant to instant: cycles on
// the 3-minute grid, none from Thursday's close over Good Friday and the
// weekend, the next on Monday at the open.
func ExampleScheduler_Run() {
	cal := sched.NYSE()
	// Thursday 2 April 2026, just before 15:54 in New York.
	clock := sched.NewFakeClock(time.Date(2026, time.April, 2, 15, 53, 30, 0, cal.Location()))
	reports := make(chan sched.CycleReport)
	s, err := sched.New(sched.Config{
		MaxConcurrent: 2,
		Calendar:      cal,
		Clock:         clock,
		OnCycle:       func(r sched.CycleReport) { reports <- r },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan sched.Summary)
	go func() {
		sum, _ := s.Run(ctx, []string{"SPY", "QQQ", "AAPL"}, func(ctx context.Context, symbol string) error {
			return nil // one symbol's work: bars, signal, order ...
		})
		done <- sum
	}()
	for range 4 {
		// Wait until Run waits for its next instant, move the clock
		// there, and read the cycle's report if the market is open.
		if err := clock.BlockUntil(ctx, 1); err != nil {
			fmt.Println(err)
			return
		}
		next, _ := clock.AdvanceToNext()
		if !cal.IsOpen(next) {
			fmt.Println(next.Format("Mon 15:04"), "market closed")
			continue
		}
		r := <-reports
		fmt.Printf("cycle %d %s: %d ok\n", r.Cycle, r.Planned.Format("Mon 15:04"), r.Count(sched.OutcomeOK))
	}
	cancel()
	fmt.Printf("%+v\n", <-done)
	// Output:
	// cycle 1 Thu 15:54: 3 ok
	// cycle 2 Thu 15:57: 3 ok
	// Thu 16:00 market closed
	// cycle 3 Mon 09:30: 3 ok
	// {Cycles:3 SkippedCycles:0 OK:9 Errors:0 Timeouts:0 Canceled:0 Skipped:0}
}

// Classify decides what an error means: a rejected order parks its symbol
// for the rest of the run, a data timeout backs it off for a cycle or
// more; the other symbols run every cycle either way.
func ExampleClass() {
	errRejected := errors.New("order rejected")
	clock := sched.NewFakeClock(time.Date(2026, time.March, 10, 14, 59, 0, 0, time.UTC))
	reports := make(chan sched.CycleReport)
	s, err := sched.New(sched.Config{
		Clock: clock,
		Seed:  1, // the backoff's jitter repeats
		Classify: func(err error) sched.Class {
			if errors.Is(err, errRejected) {
				return sched.Permanent
			}
			return sched.Retryable
		},
		OnCycle: func(r sched.CycleReport) { reports <- r },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.Run(ctx, []string{"SPY", "QQQ", "AAPL"}, func(ctx context.Context, symbol string) error {
			switch symbol {
			case "QQQ":
				return fmt.Errorf("bracket order: %w", errRejected)
			case "AAPL":
				return errors.New("historical data: timed out")
			}
			return nil
		})
	}()
	for range 8 {
		if err := clock.BlockUntil(ctx, 1); err != nil {
			fmt.Println(err)
			return
		}
		clock.AdvanceToNext()
		r := <-reports
		fmt.Printf("cycle %d:", r.Cycle)
		for _, s := range r.Symbols {
			fmt.Printf(" %s %s", s.Symbol, s.Outcome)
			if s.Skip != sched.SkipNone {
				fmt.Printf(" (%s)", s.Skip)
			}
			if s.Outcome == sched.OutcomeError && s.Resume > 0 {
				fmt.Printf(" (again in cycle %d)", s.Resume)
			}
		}
		fmt.Println()
	}
	cancel()
	<-done
	// Output:
	// cycle 1: SPY ok QQQ error AAPL error (again in cycle 3)
	// cycle 2: SPY ok QQQ skipped (parked) AAPL skipped (backing off)
	// cycle 3: SPY ok QQQ skipped (parked) AAPL error (again in cycle 5)
	// cycle 4: SPY ok QQQ skipped (parked) AAPL skipped (backing off)
	// cycle 5: SPY ok QQQ skipped (parked) AAPL error (again in cycle 10)
	// cycle 6: SPY ok QQQ skipped (parked) AAPL skipped (backing off)
	// cycle 7: SPY ok QQQ skipped (parked) AAPL skipped (backing off)
	// cycle 8: SPY ok QQQ skipped (parked) AAPL skipped (backing off)
}

// A FakeClock runs the calls arranged on it when it is moved past their
// instants, each seeing its own instant.
func ExampleFakeClock() {
	clock := sched.NewFakeClock(time.Date(2026, time.March, 10, 9, 30, 0, 0, time.UTC))
	clock.AfterFunc(3*time.Minute, func() { fmt.Println("fired at", clock.Now().Format("15:04")) })
	clock.AfterFunc(time.Minute, func() { fmt.Println("fired at", clock.Now().Format("15:04")) })
	fmt.Println("pending:", clock.Waiters())
	clock.Advance(5 * time.Minute)
	fmt.Println("now", clock.Now().Format("15:04"), "pending:", clock.Waiters())
	// Output:
	// pending: 2
	// fired at 09:31
	// fired at 09:33
	// now 09:35 pending: 0
}
