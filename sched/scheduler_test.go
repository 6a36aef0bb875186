package sched_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// symbols returns n symbol names S00, S01, ...
func symbolNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("S%02d", i)
	}
	return out
}

// Concurrency never exceeds MaxConcurrent, and reaches it: measured
// inside the functions, and visible in the cycle's length.
func TestConcurrencyLimit(t *testing.T) {
	const work = 5 * time.Second
	for _, limit := range []int{1, 2, 8} {
		t.Run(fmt.Sprint("MaxConcurrent=", limit), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				syms := symbolNames(20)
				var g gauge
				per := newPerSymbol()
				h := newHarness(t, tuesday10)
				fn := func(ctx context.Context, sym string) error {
					g.enter()
					defer g.leave()
					defer per.enter(sym, h.clock.Now())()
					return sleep(ctx, h.clock, work)
				}
				h.run(context.Background(), sched.Config{MaxConcurrent: limit, Interval: 5 * time.Minute}, syms, fn)
				h.until(tuesday10.Add(4*5*time.Minute + 3*time.Minute))
				sum, err := h.stop()
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if p := g.peak.Load(); p != int64(limit) {
					t.Errorf("peak concurrency %d, want exactly %d", p, limit)
				}
				waves := (len(syms) + limit - 1) / limit
				rs := h.ran()
				if len(rs) != 5 {
					t.Fatalf("%d cycles ran, want 5: %q", len(rs), plannedTimes(rs))
				}
				for _, r := range rs {
					if n := r.Count(sched.OutcomeOK); n != len(syms) {
						t.Errorf("cycle %d: %d ok, want %d: %s", r.Cycle, n, len(syms), outcomes(r))
					}
					if want := time.Duration(waves) * work; r.Duration != want {
						t.Errorf("cycle %d took %v, want %d waves of %v = %v", r.Cycle, r.Duration, waves, work, want)
					}
				}
				for _, s := range syms {
					if p := per.peak(s); p != 1 {
						t.Errorf("%s ran %d at once", s, p)
					}
				}
				if sum.Cycles != 5 || sum.OK != 5*len(syms) || sum.SkippedCycles != 0 {
					t.Errorf("summary %+v", sum)
				}
			})
		})
	}
}

// The incident: SPY, QQQ and AAPL every 180 s with two at a time, each
// taking 40% of the interval. Every cycle of a whole trading day
// completes all three, and no cycle overlaps another.
func TestIncidentShape(t *testing.T) {
	for _, jitter := range []time.Duration{0, 30 * time.Second} {
		t.Run(fmt.Sprint("jitter=", jitter), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				syms := []string{"SPY", "QQQ", "AAPL"}
				var g gauge
				per := newPerSymbol()
				open := at(2026, 3, 10, 9, 30, 0)
				h := newHarness(t, open.Add(-time.Hour))
				work := 72 * time.Second // 40% of 180 s
				fn := func(ctx context.Context, sym string) error {
					g.enter()
					defer g.leave()
					defer per.enter(sym, h.clock.Now())()
					return sleep(ctx, h.clock, work)
				}
				cfg := sched.Config{MaxConcurrent: 2, Calendar: sched.NYSE(), Jitter: jitter}
				h.run(context.Background(), cfg, syms, fn)
				h.until(at(2026, 3, 10, 16, 30, 0))
				sum, err := h.stop()
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				rs := h.got()
				if len(rs) != 130 { // 09:30 to 15:57
					t.Fatalf("%d cycles, want 130", len(rs))
				}
				for i, r := range rs {
					if r.Skipped || r.Count(sched.OutcomeOK) != 3 {
						t.Errorf("cycle %d at %s: %s", r.Cycle, hm(r.Planned), outcomes(r))
					}
					if want := open.Add(time.Duration(i) * 3 * time.Minute); !r.Planned.Equal(want) {
						t.Errorf("cycle %d planned %s, want %s", r.Cycle, hm(r.Planned), hm(want))
					}
					if d := r.Start.Sub(r.Planned); d < 0 || d >= max(jitter, 1) {
						t.Errorf("cycle %d started %v after its instant, want [0, %v)", r.Cycle, d, jitter)
					}
					if r.Duration != 2*work {
						t.Errorf("cycle %d took %v, want %v", r.Cycle, r.Duration, 2*work)
					}
					if i > 0 {
						prevEnd := rs[i-1].Start.Add(rs[i-1].Duration)
						if !r.Start.After(prevEnd) {
							t.Errorf("cycle %d started %s, before cycle %d ended %s", r.Cycle, hm(r.Start), rs[i-1].Cycle, hm(prevEnd))
						}
					}
				}
				if p := g.peak.Load(); p != 2 {
					t.Errorf("peak concurrency %d, want 2", p)
				}
				for _, s := range syms {
					if n := len(per.callTimes(s)); n != 130 {
						t.Errorf("%s ran %d times, want 130", s, n)
					}
				}
				if sum != (sched.Summary{Cycles: 130, OK: 390}) {
					t.Errorf("summary %+v", sum)
				}
			})
		})
	}
}

// A cycle due while the previous one runs is skipped and reported, never
// queued, and a symbol still running is never started a second time.
func TestOverlapSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		per := newPerSymbol()
		h := newHarness(t, tuesday10)
		fn := func(ctx context.Context, sym string) error {
			defer per.enter(sym, h.clock.Now())()
			if sym == "SLOW" {
				return sleep(ctx, h.clock, 270*time.Second) // 1.5 intervals
			}
			return sleep(ctx, h.clock, 10*time.Second)
		}
		cfg := sched.Config{MaxConcurrent: 2, SymbolTimeout: 10 * time.Minute}
		h.run(context.Background(), cfg, []string{"FAST", "SLOW"}, fn)
		h.until(tuesday10.Add(17 * time.Minute))
		sum, err := h.stop()
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		rs := h.got()
		// Reports arrive as cycles end: a skipped cycle is reported at its
		// instant, before the cycle it overlapped ends.
		want := []string{"Tue 10:03:00 skipped", "Tue 10:00:00", "Tue 10:09:00 skipped", "Tue 10:06:00", "Tue 10:15:00 skipped", "Tue 10:12:00"}
		if got := plannedTimes(rs); !slices.Equal(got, want) {
			t.Fatalf("reports %q, want %q", got, want)
		}
		for _, r := range rs {
			if r.Skipped {
				if !slices.Equal(r.Running, []string{"SLOW"}) || len(r.Symbols) != 0 || r.Duration != 0 {
					t.Errorf("skipped cycle %d: running %q, %d symbols, duration %v", r.Cycle, r.Running, len(r.Symbols), r.Duration)
				}
				continue
			}
			if r.Count(sched.OutcomeOK) != 2 {
				t.Errorf("cycle %d: %s", r.Cycle, outcomes(r))
			}
		}
		if got := rs[0].Cycle; got != 2 {
			t.Errorf("the skipped cycle is number %d, want 2", got)
		}
		for _, sym := range []string{"FAST", "SLOW"} {
			if p := per.peak(sym); p != 1 {
				t.Errorf("%s ran %d at once", sym, p)
			}
			var starts []string
			for _, c := range per.callTimes(sym) {
				starts = append(starts, hm(c))
			}
			if want := []string{"Tue 10:00:00", "Tue 10:06:00", "Tue 10:12:00"}; !slices.Equal(starts, want) {
				t.Errorf("%s started at %q, want %q", sym, starts, want)
			}
		}
		if len(h.logs.find("sched: cycle skipped")) != 3 {
			t.Errorf("want three skip warnings, got %+v", h.logs.find("sched: cycle skipped"))
		}
		if sum.Cycles != 3 || sum.SkippedCycles != 3 || sum.OK != 6 {
			t.Errorf("summary %+v", sum)
		}
	})
}

// Cycles start on the interval grid of the clock, whatever the instant
// Run starts at; jitter delays them within [0, Jitter) and repeats with
// the seed.
func TestAlignment(t *testing.T) {
	from := at(2026, 3, 10, 10, 1, 17).Add(500 * time.Millisecond)
	tests := []struct {
		interval, jitter time.Duration
		first            string // New York
	}{
		{time.Minute, 0, "Tue 10:02:00"},
		{3 * time.Minute, 0, "Tue 10:03:00"},
		{5 * time.Minute, 0, "Tue 10:05:00"},
		{15 * time.Minute, 0, "Tue 10:15:00"},
		{time.Hour, 0, "Tue 11:00:00"},
		{7 * time.Minute, 0, "Tue 10:02:00"}, // 7 min does not divide an hour: multiples from the zero time
		{3 * time.Minute, 90 * time.Second, "Tue 10:03:00"},
		{10 * time.Second, 9 * time.Second, "Tue 10:01:20"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v+%v", tt.interval, tt.jitter), func(t *testing.T) {
			starts := func(seed uint64) []time.Duration {
				var offsets []time.Duration
				synctest.Test(t, func(t *testing.T) {
					h := start(t, sched.Config{Interval: tt.interval, Jitter: tt.jitter, Seed: seed}, from, []string{"X"},
						func(context.Context, string) error { return nil })
					first, err := time.ParseInLocation("2006-01-02 Mon 15:04:05", "2026-03-10 "+tt.first, nyc)
					if err != nil {
						t.Fatal(err)
					}
					h.until(first.Add(19*tt.interval + max(tt.interval/2, tt.jitter)))
					if _, err := h.stop(); err != nil {
						t.Fatal(err)
					}
					rs := h.got()
					if len(rs) != 20 {
						t.Fatalf("%d cycles, want 20", len(rs))
					}
					if got := hm(rs[0].Planned); got != tt.first {
						t.Errorf("first cycle at %s, want %s", got, tt.first)
					}
					for i, r := range rs {
						if !r.Planned.Truncate(tt.interval).Equal(r.Planned) {
							t.Errorf("cycle %d at %v: not a multiple of %v", r.Cycle, r.Planned, tt.interval)
						}
						if i > 0 && r.Planned.Sub(rs[i-1].Planned) != tt.interval {
							t.Errorf("cycle %d %v after the previous, want %v", r.Cycle, r.Planned.Sub(rs[i-1].Planned), tt.interval)
						}
						d := r.Start.Sub(r.Planned)
						if d < 0 || (tt.jitter == 0 && d != 0) || (tt.jitter > 0 && d >= tt.jitter) {
							t.Errorf("cycle %d started %v after its instant (jitter %v)", r.Cycle, d, tt.jitter)
						}
						offsets = append(offsets, d)
					}
				})
				return offsets
			}
			a, b, c := starts(7), starts(7), starts(8)
			if !slices.Equal(a, b) {
				t.Errorf("the same seed gave different jitter: %v and %v", a, b)
			}
			if tt.jitter > 0 {
				if slices.Equal(a, c) {
					t.Errorf("seeds 7 and 8 gave the same jitter %v", a)
				}
				if slices.Min(a) == slices.Max(a) {
					t.Errorf("jitter never varied: %v", a)
				}
			}
		})
	}
}

// skewClock is a FakeClock whose readings can be put ahead of its
// timers: a wall clock after the machine slept, or after a long pause.
type skewClock struct {
	*sched.FakeClock
	skew atomic.Int64
}

func (c *skewClock) Now() time.Time {
	return c.FakeClock.Now().Add(time.Duration(c.skew.Load()))
}

// A scheduler that wakes late (a machine that slept, a long pause) runs
// one cycle at the latest instant of the grid, not a burst of the missed
// ones, and says so.
func TestLateWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fc := sched.NewFakeClock(tuesday10)
		clock := &skewClock{FakeClock: fc}
		logs := &logSink{}
		var reports []sched.CycleReport
		s, err := sched.New(sched.Config{Clock: clock, Logger: slog.New(logs), OnCycle: func(r sched.CycleReport) { reports = append(reports, r) }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := s.Run(ctx, []string{"X"}, func(context.Context, string) error { return nil })
			done <- err
		}()
		synctest.Wait() // the 10:00 cycle ran; the planner waits for 10:03
		clock.skew.Store(int64(time.Hour))
		fc.AdvanceToNext() // 10:03 on the timers, 11:03 on the clock
		synctest.Wait()
		fc.AdvanceToNext() // 11:06
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want := []string{"Tue 10:00:00", "Tue 11:03:00", "Tue 11:06:00"}
		if got := plannedTimes(reports); !slices.Equal(got, want) {
			t.Fatalf("cycles %q, want %q", got, want)
		}
		if reports[1].Cycle != 2 || !reports[1].Start.Equal(reports[1].Planned) {
			t.Errorf("late cycle %d started %s", reports[1].Cycle, hm(reports[1].Start))
		}
		late := logs.find("sched: woke late")
		if len(late) != 1 || late[0].attrs["missed"] != "20" {
			t.Errorf("late log %+v, want one with 20 missed", late)
		}
	})
}

// A clock whose timer fires before its reading reaches the instant (a
// scaled clock's rounding, a wall clock stepped back) never starts a
// cycle early: the scheduler waits for the rest.
func TestEarlyWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fc := sched.NewFakeClock(tuesday10)
		clock := &skewClock{FakeClock: fc}
		var reports []sched.CycleReport
		s, err := sched.New(sched.Config{Clock: clock, OnCycle: func(r sched.CycleReport) { reports = append(reports, r) }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := s.Run(ctx, []string{"X"}, func(context.Context, string) error { return nil })
			done <- err
		}()
		synctest.Wait() // the 10:00 cycle ran; the planner waits for 10:03
		clock.skew.Store(int64(-10 * time.Second))
		fc.AdvanceToNext() // the timer fires; the clock reads 10:02:50
		synctest.Wait()
		if len(reports) != 1 || fc.Waiters() != 1 {
			t.Fatalf("after the early timer: %d reports, %d timers pending", len(reports), fc.Waiters())
		}
		fc.AdvanceToNext() // 10:03:00 on the clock
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(reports) != 2 || hm(reports[1].Planned) != "Tue 10:03:00" || !reports[1].Start.Equal(reports[1].Planned) {
			t.Errorf("reports %q, second started %v", plannedTimes(reports), reports[len(reports)-1].Start)
		}
	})
}

// Outside the regular session no cycle runs; Run sleeps until the next
// open (weekends, holidays, early closes) and says so once per closure.
func TestMarketGate(t *testing.T) {
	cal := sched.NYSE()
	tests := []struct {
		name     string
		from, to time.Time
		want     []string // planned instants, New York
	}{
		{"weekend", at(2026, 3, 13, 15, 50, 0), at(2026, 3, 16, 9, 40, 0),
			[]string{"Fri 15:51:00", "Fri 15:54:00", "Fri 15:57:00", "Mon 09:30:00", "Mon 09:33:00", "Mon 09:36:00", "Mon 09:39:00"}},
		{"Good Friday", at(2026, 4, 2, 15, 52, 0), at(2026, 4, 6, 9, 34, 0),
			[]string{"Thu 15:54:00", "Thu 15:57:00", "Mon 09:30:00", "Mon 09:33:00"}},
		{"early close after Thanksgiving", at(2026, 11, 27, 12, 50, 0), at(2026, 11, 30, 9, 31, 0),
			[]string{"Fri 12:51:00", "Fri 12:54:00", "Fri 12:57:00", "Mon 09:30:00"}},
		{"started on a Saturday night", at(2026, 3, 14, 23, 59, 0), at(2026, 3, 16, 9, 35, 0),
			[]string{"Mon 09:30:00", "Mon 09:33:00"}},
		{"Christmas Eve and Day 2027 (Friday holiday)", at(2027, 12, 23, 15, 55, 0), at(2027, 12, 27, 9, 30, 0),
			[]string{"Thu 15:57:00", "Mon 09:30:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				per := newPerSymbol()
				h := newHarness(t, tt.from)
				fn := func(ctx context.Context, sym string) error {
					defer per.enter(sym, h.clock.Now())()
					return nil
				}
				h.run(context.Background(), sched.Config{Calendar: cal}, []string{"SPY"}, fn)
				h.until(tt.to)
				if _, err := h.stop(); err != nil {
					t.Fatal(err)
				}
				if got := plannedTimes(h.got()); !slices.Equal(got, tt.want) {
					t.Errorf("cycles %q, want %q", got, tt.want)
				}
				for _, c := range per.callTimes("SPY") {
					if !cal.IsOpen(c) {
						t.Errorf("SPY ran at %s, market closed", hm(c))
					}
				}
				closed := h.logs.find("sched: market closed")
				if len(closed) != 1 {
					t.Errorf("%d market-closed logs, want 1: %+v", len(closed), closed)
				}
				// Asleep until the open: no wake-up between the first closed
				// instant and the next open.
				h.mu.Lock()
				steps := h.steps
				h.mu.Unlock()
				wakesClosed := 0
				for _, s := range steps {
					if !cal.IsOpen(s) {
						wakesClosed++
					}
				}
				if wakesClosed != 1 {
					t.Errorf("woke %d times while the market was closed, want 1 (steps %q)", wakesClosed, fmtTimes(steps))
				}
			})
		})
	}
}

func fmtTimes(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = hm(t)
	}
	return out
}

// A week of cycles across Thanksgiving and its early close, in virtual
// time: exactly the calendar's sessions, every 3 minutes.
func TestWeekAcrossHoliday(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cal := sched.NYSE()
		from, to := at(2026, 11, 23, 9, 0, 0), at(2026, 11, 30, 9, 40, 0) // Monday to Monday
		var want []time.Time
		for _, d := range cal.TradingDays(from, to) {
			s, _ := cal.Session(d)
			for c := s.Open; c.Before(s.Close) && !c.After(to); c = c.Add(3 * time.Minute) {
				want = append(want, c)
			}
		}
		h := start(t, sched.Config{Calendar: cal, MaxConcurrent: 3}, from, []string{"SPY", "QQQ", "AAPL"},
			func(context.Context, string) error { return nil })
		h.until(to)
		sum, err := h.stop()
		if err != nil {
			t.Fatal(err)
		}
		rs := h.got()
		if len(rs) != len(want) || len(want) != 3*130+70+4 {
			t.Fatalf("%d cycles, want %d (= 3 full days + the early close + 4)", len(rs), len(want))
		}
		for i, r := range rs {
			if !r.Planned.Equal(want[i]) || r.Count(sched.OutcomeOK) != 3 || r.Cycle != i+1 {
				t.Errorf("cycle %d at %s (%s), want %s", r.Cycle, hm(r.Planned), outcomes(r), hm(want[i]))
			}
		}
		// Closed at the start, then after Mon, Tue, Wed (through
		// Thanksgiving) and the early close on Friday.
		if n, m := len(h.logs.find("sched: market closed")), len(h.logs.find("sched: market open")); n != 5 || m != 5 {
			t.Errorf("%d closed and %d open logs, want 5 and 5", n, m)
		}
		if sum.Cycles != len(want) || sum.OK != 3*len(want) {
			t.Errorf("summary %+v", sum)
		}
	})
}

// A symbol whose turn comes after the close (here, the early close) is
// skipped; the next session runs it.
func TestMarketClosesMidCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, at(2026, 11, 27, 12, 56, 0))
		fn := func(ctx context.Context, sym string) error {
			if h.clock.Now().Weekday() == time.Friday {
				return sleep(ctx, h.clock, 100*time.Second)
			}
			return nil
		}
		h.run(context.Background(), sched.Config{Calendar: sched.NYSE(), SymbolTimeout: time.Hour}, []string{"A", "B", "C"}, fn)
		h.until(at(2026, 11, 30, 9, 31, 0))
		if _, err := h.stop(); err != nil {
			t.Fatal(err)
		}
		rs := h.got()
		if len(rs) != 2 {
			t.Fatalf("cycles %q", plannedTimes(rs))
		}
		if got, want := outcomes(rs[0]), "A:ok B:ok C:skipped/market closed"; got != want {
			t.Errorf("12:57 cycle: %s, want %s", got, want)
		}
		if got, want := outcomes(rs[1]), "A:ok B:ok C:ok"; got != want || hm(rs[1].Planned) != "Mon 09:30:00" {
			t.Errorf("%s cycle: %s, want Monday 09:30 %s", hm(rs[1].Planned), got, want)
		}
	})
}

// errBusy is a retryable failure in the tests.
var errBusy = errors.New("busy")

// runs returns the cycle numbers in which sym ran (not skipped).
func runs(t *testing.T, rs []sched.CycleReport, sym string) []int {
	var out []int
	for _, r := range rs {
		if !r.Skipped && symbol(t, r, sym).Outcome != sched.OutcomeSkipped {
			out = append(out, r.Cycle)
		}
	}
	return out
}

// A retryable failure backs the symbol off for whole cycles, doubling up
// to the cap, with jitter; the others run every cycle.
func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		base, cap  int
		failFirst  int // the failing symbol fails its first failFirst calls, then succeeds
		wantBounds func(k int) (lo, hi int)
	}{
		{"defaults", 0, 0, 1000, func(k int) (int, int) { b := min(8, 1<<(k-1)); return (b + 1) / 2, b }},
		{"base 2 cap 5", 2, 5, 1000, func(k int) (int, int) { b := min(5, 2<<(k-1)); return (b + 1) / 2, b }},
		{"off", -1, 0, 1000, func(int) (int, int) { return 0, 0 }},
		{"recovers", 0, 0, 3, func(k int) (int, int) {
			if k > 3 {
				return 0, 0
			}
			b := 1 << (k - 1)
			return (b + 1) / 2, b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				fn := func(ctx context.Context, sym string) error {
					if sym == "BAD" {
						calls++ // only BAD's runs touch it, one at a time
						if calls <= tt.failFirst {
							return errBusy
						}
					}
					return nil
				}
				cfg := sched.Config{BackoffCycles: tt.base, MaxBackoffCycles: tt.cap, BreakerThreshold: -1, MaxConcurrent: 2}
				h := start(t, cfg, tuesday10, []string{"BAD", "GOOD"}, fn)
				h.until(tuesday10.Add(100*3*time.Minute - time.Second)) // 100 cycles
				sum, err := h.stop()
				if err != nil {
					t.Fatal(err)
				}
				rs := h.got()
				if len(rs) != 100 {
					t.Fatalf("%d cycles", len(rs))
				}
				if got := runs(t, rs, "GOOD"); len(got) != 100 {
					t.Errorf("GOOD ran in %d of 100 cycles", len(got))
				}
				bad := runs(t, rs, "BAD")
				var gaps []int
				for k := 1; k < len(bad); k++ {
					gap := bad[k] - bad[k-1] - 1
					gaps = append(gaps, gap)
					lo, hi := tt.wantBounds(k)
					if gap < lo || gap > hi {
						t.Errorf("after BAD's failure %d it sat out %d cycles, want %d..%d (runs %v)", k, gap, lo, hi, bad)
					}
					// The report of the failing run names the cycle it resumes in.
					if rep := symbol(t, rs[bad[k-1]-1], "BAD"); rep.Outcome == sched.OutcomeError && tt.base >= 0 && rep.Resume != bad[k] {
						t.Errorf("cycle %d: BAD resumes in %d by its report, ran in %d", bad[k-1], rep.Resume, bad[k])
					}
				}
				// Every skipped cycle in between says why and until when.
				for _, r := range rs {
					if s := symbol(t, r, "BAD"); s.Outcome == sched.OutcomeSkipped && (s.Skip != sched.SkipBackoff || s.Resume <= r.Cycle) {
						t.Errorf("cycle %d: BAD skipped as %q, resume %d", r.Cycle, s.Skip, s.Resume)
					}
				}
				if tt.name == "defaults" {
					capped := gaps[4:] // from the fifth failure on the cap (8) applies
					if slices.Min(capped) == slices.Max(capped) {
						t.Errorf("capped backoff never jittered: %v", capped)
					}
				}
				if tt.name == "recovers" {
					last := rs[len(rs)-1]
					if s := symbol(t, last, "BAD"); s.Outcome != sched.OutcomeOK || s.Failures != 0 {
						t.Errorf("after recovering: %+v", s)
					}
				}
				if sum.OK+sum.Errors+sum.Skipped != 200 || sum.Errors != min(len(bad), tt.failFirst) {
					t.Errorf("summary %+v for %d BAD runs", sum, len(bad))
				}
			})
		})
	}
}

// A timeout is a retryable failure: the symbol backs off.
func TestTimeoutBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, tuesday10)
		fn := func(ctx context.Context, sym string) error {
			if sym == "HANG" {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}
		h.run(context.Background(), sched.Config{SymbolTimeout: time.Minute, BackoffCycles: 2, BreakerThreshold: -1}, []string{"HANG", "OK"}, fn)
		h.until(tuesday10.Add(4 * time.Minute))
		if _, err := h.stop(); err != nil {
			t.Fatal(err)
		}
		rs := h.got()
		if got := outcomes(rs[0]); got != "HANG:timeout OK:ok" {
			t.Errorf("first cycle %s", got)
		}
		if got := outcomes(rs[1]); got != "HANG:skipped/backing off OK:ok" {
			t.Errorf("second cycle %s", got)
		}
		if s := symbol(t, rs[0], "HANG"); s.Failures != 1 || s.Resume < 3 || s.Class != sched.Retryable {
			t.Errorf("timed out: %+v", s)
		}
	})
}

// errRejected is a permanent failure in the tests.
var errRejected = errors.New("order rejected")

// A permanent failure parks the symbol with its reason until the run
// restarts; an ignored error is no failure at all.
func TestParkAndIgnore(t *testing.T) {
	errNoSignal := errors.New("no signal")
	classify := func(err error) sched.Class {
		switch {
		case errors.Is(err, errRejected):
			return sched.Permanent
		case errors.Is(err, errNoSignal):
			return sched.Ignore
		}
		return sched.Retryable
	}
	synctest.Test(t, func(t *testing.T) {
		per := newPerSymbol()
		h := newHarness(t, tuesday10)
		fn := func(ctx context.Context, sym string) error {
			defer per.enter(sym, h.clock.Now())()
			switch sym {
			case "REJ":
				return fmt.Errorf("placing the order: %w", errRejected)
			case "QUIET":
				return errNoSignal
			}
			return nil
		}
		cfg := sched.Config{Classify: classify, MaxConcurrent: 3}
		syms := []string{"REJ", "QUIET", "OK"}
		h.run(context.Background(), cfg, syms, fn)
		h.until(tuesday10.Add(10 * time.Minute))
		if _, err := h.stop(); err != nil {
			t.Fatal(err)
		}
		rs := h.got()
		if len(rs) != 4 {
			t.Fatalf("%d cycles", len(rs))
		}
		first := symbol(t, rs[0], "REJ")
		if first.Outcome != sched.OutcomeError || first.Class != sched.Permanent || !errors.Is(first.Err, errRejected) {
			t.Errorf("REJ's run: %+v", first)
		}
		for _, r := range rs[1:] {
			s := symbol(t, r, "REJ")
			if s.Outcome != sched.OutcomeSkipped || s.Skip != sched.SkipParked || !errors.Is(s.Err, errRejected) {
				t.Errorf("cycle %d: REJ %+v, want parked with its reason", r.Cycle, s)
			}
		}
		if n := len(per.callTimes("REJ")); n != 1 {
			t.Errorf("REJ called %d times, want 1", n)
		}
		if len(h.logs.find("sched: symbol parked")) != 1 {
			t.Error("no single parking log")
		}
		for _, r := range rs {
			q := symbol(t, r, "QUIET")
			if q.Outcome != sched.OutcomeOK || q.Class != sched.Ignore || q.Err != errNoSignal || q.Failures != 0 {
				t.Errorf("cycle %d: QUIET %+v, want ok with the ignored error", r.Cycle, q)
			}
			if o := symbol(t, r, "OK"); o.Outcome != sched.OutcomeOK || o.Err != nil {
				t.Errorf("cycle %d: OK %+v", r.Cycle, o)
			}
		}

		// A new Run starts afresh: REJ runs again.
		h2 := start(t, cfg, tuesday10.Add(time.Hour), syms, fn)
		h2.until(tuesday10.Add(time.Hour + time.Second))
		if _, err := h2.stop(); err != nil {
			t.Fatal(err)
		}
		if s := symbol(t, h2.got()[0], "REJ"); s.Outcome != sched.OutcomeError {
			t.Errorf("REJ after a restart: %+v, want it run again", s)
		}
	})
}

// The breaker opens after BreakerThreshold consecutive failures, half-opens
// once the cool-down has passed (a single trial run), opens again when the
// trial fails and closes when one succeeds.
func TestBreaker(t *testing.T) {
	type row struct {
		planned string // New York
		outcome sched.Outcome
		skip    sched.SkipReason
		breaker sched.BreakerState
		fails   int // after the cycle
	}
	const (
		ok      = sched.OutcomeOK
		failed  = sched.OutcomeError
		skipped = sched.OutcomeSkipped
		closed  = sched.BreakerClosed
		open    = sched.BreakerOpen
		half    = sched.BreakerHalfOpen
		none    = sched.SkipNone
		brk     = sched.SkipBreakerOpen
	)
	// Calls 1-3 fail (the breaker opens at 10:06 for 10 minutes), the
	// trial at 10:18 fails (open again until 10:28), the trial at 10:30
	// succeeds.
	script := []bool{false, false, false, false, true, true}
	want := []row{
		{"10:00:00", failed, none, closed, 1},
		{"10:03:00", failed, none, closed, 2},
		{"10:06:00", failed, none, closed, 3},
		{"10:09:00", skipped, brk, open, 3},
		{"10:12:00", skipped, brk, open, 3},
		{"10:15:00", skipped, brk, open, 3},
		{"10:18:00", failed, none, half, 4},
		{"10:21:00", skipped, brk, open, 4},
		{"10:24:00", skipped, brk, open, 4},
		{"10:27:00", skipped, brk, open, 4},
		{"10:30:00", ok, none, half, 0},
		{"10:33:00", ok, none, closed, 0},
	}
	synctest.Test(t, func(t *testing.T) {
		call := 0
		fn := func(ctx context.Context, sym string) error {
			if sym != "FLAKY" {
				return nil
			}
			call++
			if call > len(script) || !script[call-1] {
				return errBusy
			}
			return nil
		}
		cfg := sched.Config{BreakerThreshold: 3, BreakerCooldown: 10 * time.Minute, BackoffCycles: -1}
		h := start(t, cfg, tuesday10, []string{"FLAKY", "STEADY"}, fn)
		h.until(tuesday10.Add(34 * time.Minute))
		if _, err := h.stop(); err != nil {
			t.Fatal(err)
		}
		rs := h.got()
		if len(rs) != len(want) {
			t.Fatalf("%d cycles, want %d", len(rs), len(want))
		}
		for i, r := range rs {
			s := symbol(t, r, "FLAKY")
			got := row{r.Planned.In(nyc).Format("15:04:05"), s.Outcome, s.Skip, s.Breaker, s.Failures}
			if got != want[i] {
				t.Errorf("cycle %d: got %+v, want %+v", r.Cycle, got, want[i])
			}
			if o := symbol(t, r, "STEADY"); o.Outcome != ok || o.Breaker != closed {
				t.Errorf("cycle %d: STEADY %+v", r.Cycle, o)
			}
		}
		if call != 6 {
			t.Errorf("FLAKY called %d times, want 6", call)
		}
		if n, m := len(h.logs.exactly("sched: breaker open")), len(h.logs.exactly("sched: breaker open again: the trial run failed")); n != 1 || m != 1 {
			t.Errorf("%d breaker-open and %d open-again logs, want 1 and 1", n, m)
		}
		if n := len(h.logs.find("sched: breaker closed")); n != 1 {
			t.Errorf("%d breaker-closed logs, want 1", n)
		}
	})
}

// A panic in one symbol is recovered into an error with its stack in
// the log; the other symbols of the cycle run as usual.
func TestPanic(t *testing.T) {
	errInner := errors.New("inner")
	tests := []struct {
		name  string
		value any
	}{
		{"string", "kaboom"},
		{"error", fmt.Errorf("wrapped: %w", errInner)},
		{"index out of range", nil}, // a runtime error
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tuesday10)
				fn := func(ctx context.Context, sym string) error {
					if sym == "BOOM" {
						if tt.value == nil {
							var xs []int
							_ = xs[len(sym)]
						}
						panic(tt.value)
					}
					return sleep(ctx, h.clock, 30*time.Second)
				}
				h.run(context.Background(), sched.Config{MaxConcurrent: 2}, []string{"A", "BOOM", "C"}, fn)
				h.until(tuesday10.Add(time.Minute))
				if _, err := h.stop(); err != nil {
					t.Fatal(err)
				}
				rs := h.got()
				if len(rs) != 1 {
					t.Fatalf("%d cycles", len(rs))
				}
				if got := outcomes(rs[0]); got != "A:ok BOOM:error C:ok" {
					t.Errorf("cycle: %s", got)
				}
				s := symbol(t, rs[0], "BOOM")
				var pe *sched.PanicError
				if !errors.As(s.Err, &pe) || pe.Symbol != "BOOM" || !strings.Contains(string(pe.Stack), "TestPanic") {
					t.Fatalf("BOOM's error %v (%T), want a *PanicError with the stack", s.Err, s.Err)
				}
				switch tt.name {
				case "string":
					if pe.Value != "kaboom" || s.Err.Error() != "sched: BOOM panicked: kaboom" {
						t.Errorf("panic value %v, message %q", pe.Value, s.Err)
					}
				case "error":
					if !errors.Is(s.Err, errInner) {
						t.Errorf("errors.Is(%v, inner) = false", s.Err)
					}
				case "index out of range":
					var re runtime.Error
					if !errors.As(s.Err, &re) || !strings.Contains(s.Err.Error(), "index out of range") {
						t.Errorf("runtime panic: %v", s.Err)
					}
				}
				logs := h.logs.find("sched: symbol panicked")
				if len(logs) != 1 || logs[0].attrs["symbol"] != "BOOM" || !strings.Contains(logs[0].attrs["stack"], "TestPanic") {
					t.Errorf("panic log %+v", logs)
				}
				// C waited for a slot behind BOOM and A, and still ran fully.
				if c := symbol(t, rs[0], "C"); c.Duration != 30*time.Second {
					t.Errorf("C ran %v", c.Duration)
				}
			})
		})
	}
}

// A panicking or confused Classify does not take the scheduler down.
func TestClassifyMisbehaves(t *testing.T) {
	for _, tt := range []struct {
		name     string
		classify func(error) sched.Class
		log      string
	}{
		{"panics", func(error) sched.Class { panic("classify broke") }, "sched: Config.Classify panicked"},
		{"unknown class", func(error) sched.Class { return sched.Class(42) }, "sched: Config.Classify returned an unknown class"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := start(t, sched.Config{Classify: tt.classify}, tuesday10, []string{"X"},
					func(context.Context, string) error { return errBusy })
				h.until(tuesday10.Add(time.Second))
				if _, err := h.stop(); err != nil {
					t.Fatal(err)
				}
				s := symbol(t, h.got()[0], "X")
				if s.Outcome != sched.OutcomeError || s.Class != sched.Retryable || s.Err != errBusy || s.Resume != 3 {
					t.Errorf("report %+v, want a retryable error backing off one cycle", s)
				}
				if len(h.logs.find(tt.log)) != 1 {
					t.Errorf("no %q log", tt.log)
				}
			})
		})
	}
}

// A function that calls runtime.Goexit (t.FailNow in a helper) is
// reported as an error, not as ok.
func TestGoexit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := start(t, sched.Config{}, tuesday10, []string{"X"}, func(context.Context, string) error {
			runtime.Goexit()
			return nil
		})
		h.until(tuesday10.Add(time.Second))
		if _, err := h.stop(); err != nil {
			t.Fatal(err)
		}
		s := symbol(t, h.got()[0], "X")
		if s.Outcome != sched.OutcomeError || !strings.Contains(fmt.Sprint(s.Err), "runtime.Goexit") {
			t.Errorf("report %+v", s)
		}
	})
}

// A symbol's timeout cancels its context with cause ErrTimeout; a
// function that ignores it still counts as a timeout; the others in the
// cycle are untouched.
func TestTimeout(t *testing.T) {
	tests := []struct {
		name     string
		honours  bool
		duration time.Duration // of the timed-out run
	}{
		{"honours its context", true, time.Minute},
		{"ignores its context", false, 100 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tuesday10)
				var cause error
				fn := func(ctx context.Context, sym string) error {
					if sym != "SLOW" {
						return sleep(ctx, h.clock, 20*time.Second)
					}
					if !tt.honours {
						_ = sleep(context.Background(), h.clock, 100*time.Second)
						cause = context.Cause(ctx)
						return nil
					}
					err := sleep(ctx, h.clock, 5*time.Minute)
					cause = context.Cause(ctx)
					return err
				}
				h.run(context.Background(), sched.Config{SymbolTimeout: time.Minute, MaxConcurrent: 2}, []string{"SLOW", "A", "B"}, fn)
				h.until(tuesday10.Add(2 * time.Minute))
				if _, err := h.stop(); err != nil {
					t.Fatal(err)
				}
				r := h.got()[0]
				if got := outcomes(r); got != "SLOW:timeout A:ok B:ok" {
					t.Errorf("cycle %s", got)
				}
				s := symbol(t, r, "SLOW")
				if s.Duration != tt.duration || !errors.Is(s.Err, sched.ErrTimeout) || !strings.Contains(s.Err.Error(), "SLOW after 1m0s") {
					t.Errorf("SLOW %+v", s)
				}
				if tt.honours && !errors.Is(s.Err, context.Canceled) {
					t.Errorf("SLOW's error %v does not keep the function's own", s.Err)
				}
				if cause != sched.ErrTimeout {
					t.Errorf("context.Cause in the function = %v, want ErrTimeout", cause)
				}
				if a, b := symbol(t, r, "A"), symbol(t, r, "B"); a.Duration != 20*time.Second || b.Duration != 20*time.Second {
					t.Errorf("A %v, B %v, want 20s each", a.Duration, b.Duration)
				}
			})
		})
	}
}

// Shutdown: nothing new starts; running symbols get the grace period,
// then are cancelled; Run reports an error only if it cancelled work.
func TestShutdown(t *testing.T) {
	type key struct{}
	tests := []struct {
		name      string
		grace     time.Duration
		work      time.Duration // of each symbol
		cancelAt  time.Duration // after the cycle started
		outcomes  string
		wantErr   bool
		durations []time.Duration // of the symbols that ran
	}{
		{"between cycles", 0, time.Second, time.Minute, "A:ok B:ok", false, []time.Duration{time.Second, time.Second}},
		{"finishes within the grace", 0, 5 * time.Second, time.Second, "A:ok B:skipped/shutting down", false, []time.Duration{5 * time.Second}},
		{"exceeds the grace", 10 * time.Second, time.Minute, time.Second, "A:canceled B:skipped/shutting down", true, []time.Duration{11 * time.Second}},
		{"no grace", -1, time.Minute, time.Second, "A:canceled B:skipped/shutting down", true, []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tuesday10)
				var sawValue, earlyCancel bool
				var cause error
				fn := func(ctx context.Context, sym string) error {
					sawValue = ctx.Value(key{}) == "v"
					err := sleep(ctx, h.clock, tt.work)
					cause = context.Cause(ctx)
					return err
				}
				cfg := sched.Config{Grace: tt.grace}
				h.run(context.WithValue(context.Background(), key{}, "v"), cfg, []string{"A", "B"}, fn)
				h.until(tuesday10.Add(tt.cancelAt))
				synctest.Wait()
				h.cancel()
				synctest.Wait()
				// Within the grace period the function's context is live.
				if tt.grace >= 0 && tt.work > tt.cancelAt && cause != nil {
					earlyCancel = true
				}
				sum, err := h.stop()
				if earlyCancel {
					t.Error("the function's context ended with Run's, before the grace period")
				}
				rs := h.got()
				if len(rs) != 1 {
					t.Fatalf("%d cycles", len(rs))
				}
				if got := outcomes(rs[0]); got != tt.outcomes {
					t.Errorf("cycle %s, want %s", got, tt.outcomes)
				}
				var ds []time.Duration
				for _, s := range rs[0].Symbols {
					if s.Outcome != sched.OutcomeSkipped {
						ds = append(ds, s.Duration)
					}
				}
				if !slices.Equal(ds, tt.durations) {
					t.Errorf("durations %v, want %v", ds, tt.durations)
				}
				if !sawValue {
					t.Error("the function's context lost Run's values")
				}
				if tt.wantErr {
					if !errors.Is(err, context.Canceled) || !strings.Contains(fmt.Sprint(err), "cancelled A") {
						t.Errorf("Run error %v, want context.Canceled naming A", err)
					}
					if cause != sched.ErrShutdown {
						t.Errorf("cause in the function %v, want ErrShutdown", cause)
					}
					if a := symbol(t, rs[0], "A"); !errors.Is(a.Err, sched.ErrShutdown) {
						t.Errorf("A's error %v", a.Err)
					}
					if sum.Canceled != 1 {
						t.Errorf("summary %+v", sum)
					}
				} else if err != nil {
					t.Errorf("Run error %v, want nil", err)
				}
			})
		})
	}
}

// A symbol's function learns its cycle from its context.
func TestCycleOf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		from := at(2026, 3, 10, 15, 0, 0)
		var mu sync.Mutex
		seen := map[int]time.Time{}
		h := start(t, sched.Config{Interval: time.Minute}, from, []string{"SPY", "QQQ"}, func(ctx context.Context, sym string) error {
			ci, ok := sched.CycleOf(ctx)
			if !ok {
				return errors.New("no cycle in the context")
			}
			mu.Lock()
			seen[ci.N] = ci.Planned
			mu.Unlock()
			return nil
		})
		h.until(from.Add(2 * time.Minute))
		if _, err := h.stop(); err != nil {
			t.Fatal(err)
		}
		for n, want := range map[int]time.Time{1: from, 2: from.Add(time.Minute), 3: from.Add(2 * time.Minute)} {
			if got := seen[n]; !got.Equal(want) {
				t.Errorf("cycle %d planned %v, want %v (seen %v)", n, got, want, seen)
			}
		}
		for _, r := range h.got() {
			for _, s := range r.Symbols {
				if s.Err != nil {
					t.Error(s.Err)
				}
			}
		}
		if _, ok := sched.CycleOf(context.Background()); ok {
			t.Error("CycleOf found a cycle in a plain context")
		}
	})
}
