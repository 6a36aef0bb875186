package sched_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ibbot/ibbot/sched"
)

func TestDefaults(t *testing.T) {
	s, err := sched.New(sched.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	if c.Interval != 3*time.Minute || c.MaxConcurrent != 1 || c.SymbolTimeout != 3*time.Minute || c.Jitter != 0 ||
		c.Calendar != nil || c.Clock == nil || c.Classify == nil || c.Logger == nil ||
		c.BackoffCycles != 1 || c.MaxBackoffCycles != 8 || c.BreakerThreshold != 5 || c.BreakerCooldown != 30*time.Minute ||
		c.Grace != 10*time.Second {
		t.Errorf("defaults %+v", c)
	}
	if got := c.Classify(context.DeadlineExceeded); got != sched.Retryable {
		t.Errorf("default Classify = %v, want retryable", got)
	}
	if now := c.Clock.Now(); time.Since(now) > time.Minute || time.Until(now) > time.Minute {
		t.Errorf("default clock reads %v", now)
	}

	// Defaults that follow other fields.
	s, err = sched.New(sched.Config{Interval: time.Minute, BackoffCycles: 20, BreakerThreshold: -3})
	if err != nil {
		t.Fatal(err)
	}
	c = s.Config()
	if c.SymbolTimeout != time.Minute || c.BreakerCooldown != 10*time.Minute || c.MaxBackoffCycles != 20 || c.BreakerThreshold != -1 {
		t.Errorf("derived defaults %+v", c)
	}
}

// Every field that can be wrong is named, with its value and what is
// allowed.
func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  sched.Config
		want []string // all in the error
	}{
		{"interval too short", sched.Config{Interval: time.Microsecond}, []string{"Config.Interval 1µs", "want 1ms to 24h0m0s"}},
		{"interval negative", sched.Config{Interval: -time.Second}, []string{"Config.Interval -1s", "0 means 3m0s"}},
		{"interval too long", sched.Config{Interval: 25 * time.Hour}, []string{"Config.Interval 25h0m0s"}},
		{"interval too long for a calendar", sched.Config{Interval: 4 * time.Hour, Calendar: sched.NYSE()}, []string{"Config.Interval 4h0m0s", "at most 3h30m0s with a Calendar"}},
		{"max concurrent", sched.Config{MaxConcurrent: -1}, []string{"Config.MaxConcurrent -1", "want at least 1"}},
		{"symbol timeout", sched.Config{SymbolTimeout: -time.Second}, []string{"Config.SymbolTimeout -1s", "want more than 0", "3m0s"}},
		{"jitter negative", sched.Config{Jitter: -time.Second}, []string{"Config.Jitter -1s", "less than the interval, 3m0s"}},
		{"jitter a whole interval", sched.Config{Interval: time.Minute, Jitter: time.Minute}, []string{"Config.Jitter 1m0s", "less than the interval, 1m0s"}},
		{"backoff too long", sched.Config{BackoffCycles: 2_000_000}, []string{"Config.BackoffCycles 2000000", "at most 1000000"}},
		{"backoff cap below base", sched.Config{BackoffCycles: 4, MaxBackoffCycles: 3}, []string{"Config.MaxBackoffCycles 3", "want BackoffCycles (4) to 1000000"}},
		{"backoff cap negative", sched.Config{MaxBackoffCycles: -1}, []string{"Config.MaxBackoffCycles -1"}},
		{"backoff cap too long", sched.Config{MaxBackoffCycles: 1_000_001}, []string{"Config.MaxBackoffCycles 1000001"}},
		{"breaker cool-down", sched.Config{BreakerCooldown: -time.Minute}, []string{"Config.BreakerCooldown -1m0s", "ten intervals, 30m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sched.New(tt.cfg)
			if err == nil {
				t.Fatalf("New(%+v) = %v, want an error", tt.cfg, s)
			}
			if s != nil {
				t.Errorf("New returned a Scheduler with its error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "sched: Config.") {
				t.Errorf("error %q does not start with the field", err)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	s, err := sched.New(sched.Config{})
	if err != nil {
		t.Fatal(err)
	}
	nop := func(context.Context, string) error { return nil }
	var nilSched *sched.Scheduler
	tests := []struct {
		name    string
		s       *sched.Scheduler
		ctx     context.Context
		symbols []string
		fn      sched.Func
		want    string
	}{
		{"nil scheduler", nilSched, context.Background(), []string{"A"}, nop, "nil *Scheduler"},
		{"nil context", s, nil, []string{"A"}, nop, "nil context"},
		{"nil func", s, context.Background(), []string{"A"}, nil, "nil Func"},
		{"no symbols", s, context.Background(), nil, nop, "no symbols"},
		{"empty symbol", s, context.Background(), []string{"A", ""}, nop, "symbol 1 is empty"},
		{"repeated symbol", s, context.Background(), []string{"A", "B", "A"}, nop, `symbol "A" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := tt.s.Run(tt.ctx, tt.symbols, tt.fn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want an error saying %q", err, tt.want)
			}
			if sum != (sched.Summary{}) {
				t.Errorf("summary %+v", sum)
			}
		})
	}

	// A context that has already ended: nothing runs, no error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	sum, err := s.Run(ctx, []string{"A"}, func(context.Context, string) error { called = true; return nil })
	if err != nil || called || sum != (sched.Summary{}) {
		t.Errorf("Run on an ended context: %+v, %v, called %v", sum, err, called)
	}
}

// The default clock is the wall clock. In a synctest bubble the wall
// clock is the bubble's, so this runs the real timers exactly.
func TestWallClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reports []sched.CycleReport
		s, err := sched.New(sched.Config{
			Interval:      time.Minute,
			MaxConcurrent: 2,
			SymbolTimeout: 20 * time.Second,
			BackoffCycles: -1,
			OnCycle:       func(r sched.CycleReport) { reports = append(reports, r) },
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		start := time.Now() // midnight UTC 2000-01-01: on the grid
		go func() {
			_, err := s.Run(ctx, []string{"FAST", "HANG"}, func(ctx context.Context, sym string) error {
				if sym == "HANG" {
					<-ctx.Done()
					return ctx.Err()
				}
				time.Sleep(5 * time.Second)
				return nil
			})
			done <- err
		}()
		time.Sleep(2*time.Minute + 30*time.Second)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(reports) != 3 {
			t.Fatalf("%d cycles, want 3", len(reports))
		}
		for i, r := range reports {
			want := start.Add(time.Duration(i) * time.Minute)
			if !r.Planned.Equal(want) || !r.Start.Equal(want) || r.Duration != 20*time.Second {
				t.Errorf("cycle %d planned %v start %v took %v", r.Cycle, r.Planned, r.Start, r.Duration)
			}
			if got := outcomes(r); got != "FAST:ok HANG:timeout" {
				t.Errorf("cycle %d: %s", r.Cycle, got)
			}
			if f := symbol(t, r, "FAST"); f.Duration != 5*time.Second {
				t.Errorf("FAST ran %v", f.Duration)
			}
		}
	})
}
