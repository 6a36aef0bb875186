package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ibbot/ibbot/sched"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "scheduler:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	symbols       []string
	maxConcurrent int
	interval      time.Duration
	jitter        time.Duration
	work          float64 // of the interval
	fail, reject  map[string]bool
	from          time.Time // zero: now
	speed         int64
	cycles        int
	seed          uint64
}

// layout is -from's format, New York time.
const layout = "2006-01-02 15:04"

// parseArgs turns the command line into options. Usage goes to out.
func parseArgs(args []string, out io.Writer, nyc *time.Location) (options, error) {
	var o options
	var symbols, fail, reject, from string
	fs := flag.NewFlagSet("scheduler", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&symbols, "symbols", "SPY,QQQ,AAPL", "comma-separated symbols")
	fs.IntVar(&o.maxConcurrent, "max-concurrent", 2, "symbols that run at once")
	fs.DurationVar(&o.interval, "interval", 3*time.Minute, "time between cycles, in market time")
	fs.DurationVar(&o.jitter, "jitter", 0, "random delay of each cycle's start, less than -interval")
	fs.Float64Var(&o.work, "work", 0.4, "how long each symbol's work takes, as a fraction of the interval")
	fs.StringVar(&fail, "fail", "", "comma-separated symbols whose work always fails (retryable: backoff, then the breaker)")
	fs.StringVar(&reject, "reject", "", "comma-separated symbols whose work fails permanently (parked)")
	fs.StringVar(&from, "from", "2026-03-10 09:29", "market time to start at, `YYYY-MM-DD HH:MM` New York, or now")
	fs.Int64Var(&o.speed, "speed", 600, "market time per wall time (600: a 3-minute cycle every 0.3 s)")
	fs.IntVar(&o.cycles, "cycles", 10, "stop after this many cycles have run; 0 runs until interrupted")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the jitter; 0 picks one")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.symbols = list(symbols)
	if len(o.symbols) == 0 {
		return o, errors.New("-symbols: want at least one symbol")
	}
	o.fail, o.reject = set(list(fail)), set(list(reject))
	if o.maxConcurrent < 1 {
		return o, fmt.Errorf("-max-concurrent %d: want at least 1", o.maxConcurrent)
	}
	if o.work < 0 || o.work > 10 {
		return o, fmt.Errorf("-work %v: want 0 to 10 (fractions of the interval)", o.work)
	}
	if o.speed < 1 || o.speed > 100_000 {
		return o, fmt.Errorf("-speed %d: want 1 to 100000", o.speed)
	}
	if o.cycles < 0 {
		return o, fmt.Errorf("-cycles %d: want 0 (until interrupted) or more", o.cycles)
	}
	if from != "now" {
		t, err := time.ParseInLocation(layout, from, nyc)
		if err != nil {
			return o, fmt.Errorf("-from %q: want %q, New York time, or now", from, layout)
		}
		o.from = t
	}
	return o, nil
}

// list splits a comma-separated flag into upper-case names.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.ToUpper(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// scaledClock is market time that runs speed times as fast as the wall
// clock, from start. It is how a program gives the scheduler a clock that
// runs by itself: Now reads it, AfterFunc waits the scaled duration on a
// wall timer, rounded up so that it never fires before the clock reads
// the instant it was set for.
type scaledClock struct {
	start, wallStart time.Time
	speed            time.Duration
}

func newScaledClock(start time.Time, speed int64) *scaledClock {
	return &scaledClock{start: start, wallStart: time.Now(), speed: time.Duration(speed)}
}

// Now returns the market time.
func (c *scaledClock) Now() time.Time { return c.start.Add(time.Since(c.wallStart) * c.speed) }

// AfterFunc calls f once d of market time has passed.
func (c *scaledClock) AfterFunc(d time.Duration, f func()) sched.Timer {
	return time.AfterFunc(max(0, (d+c.speed-1)/c.speed), f)
}

// errRejected is the permanent failure of -reject symbols.
var errRejected = errors.New("order rejected (simulated)")

// run is the program: it parses args, runs the scheduler, prints a line
// per cycle report and a summary to stdout and the log to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cal := sched.NYSE()
	nyc := cal.Location()
	opts, err := parseArgs(args, stderr, nyc)
	if err != nil {
		return err
	}
	if opts.from.IsZero() {
		opts.from = time.Now().In(nyc)
	}
	clock := newScaledClock(opts.from, opts.speed)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{
		// Log in market time.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				a.Value = slog.StringValue(clock.Now().In(nyc).Format("Mon 2006-01-02 15:04:05"))
			}
			return a
		},
	}))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := 0
	s, err := sched.New(sched.Config{
		Interval:      opts.interval,
		MaxConcurrent: opts.maxConcurrent,
		Jitter:        opts.jitter,
		Calendar:      cal,
		Clock:         clock,
		Seed:          opts.seed,
		Logger:        logger,
		Classify: func(err error) sched.Class {
			if errors.Is(err, errRejected) {
				return sched.Permanent
			}
			return sched.Retryable
		},
		OnCycle: func(r sched.CycleReport) {
			printReport(stdout, r, nyc)
			if !r.Skipped {
				ran++
			}
			if opts.cycles > 0 && ran >= opts.cycles {
				cancel()
			}
		},
	})
	if err != nil {
		return err
	}
	work := time.Duration(opts.work * float64(opts.interval))
	fmt.Fprintf(stdout, "%s every %v from %s, %d at a time, work %v each, market time x%d\n",
		strings.Join(opts.symbols, " "), opts.interval, opts.from.Format("Mon 2006-01-02 15:04"), opts.maxConcurrent, work, opts.speed)
	sum, err := s.Run(ctx, opts.symbols, func(ctx context.Context, symbol string) error {
		if err := sleep(ctx, clock, work); err != nil {
			return err
		}
		switch {
		case opts.reject[symbol]:
			return fmt.Errorf("%s: bracket order: %w", symbol, errRejected)
		case opts.fail[symbol]:
			return fmt.Errorf("%s: historical data request timed out (simulated)", symbol)
		}
		return nil
	})
	fmt.Fprintf(stdout, "summary: %d cycles (%d skipped); runs: %d ok, %d error, %d timeout, %d skipped, %d canceled\n",
		sum.Cycles, sum.SkippedCycles, sum.OK, sum.Errors, sum.Timeouts, sum.Skipped, sum.Canceled)
	return err
}

// sleep waits d on clock c, or until ctx ends.
func sleep(ctx context.Context, c sched.Clock, d time.Duration) error {
	done := make(chan struct{})
	t := c.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// printReport writes one cycle report as a line.
func printReport(w io.Writer, r sched.CycleReport, nyc *time.Location) {
	at := r.Planned.In(nyc).Format("Mon 01-02 15:04:05")
	if r.Skipped {
		fmt.Fprintf(w, "cycle %3d  %s  skipped: %s still running\n", r.Cycle, at, strings.Join(r.Running, ", "))
		return
	}
	var b strings.Builder
	// Rounded: at a high speed a millisecond of timer latency is most of a
	// second of market time.
	fmt.Fprintf(&b, "cycle %3d  %s  +%v  took %v ", r.Cycle, at, r.Start.Sub(r.Planned).Round(100*time.Millisecond), r.Duration.Round(time.Second))
	for _, s := range r.Symbols {
		fmt.Fprintf(&b, " | %s %s", s.Symbol, s.Outcome)
		switch {
		case s.Outcome == sched.OutcomeSkipped:
			fmt.Fprintf(&b, " (%s)", s.Skip)
		case s.Outcome == sched.OutcomeError && s.Resume > 0:
			fmt.Fprintf(&b, " (again in cycle %d)", s.Resume)
		case s.Outcome == sched.OutcomeError && s.Class == sched.Permanent:
			b.WriteString(" (parked)")
		case s.Outcome == sched.OutcomeError:
			fmt.Fprintf(&b, " (breaker %s)", breakerAfter(s))
		default:
			fmt.Fprintf(&b, " %v", s.Duration.Round(time.Second))
		}
	}
	fmt.Fprintln(w, b.String())
}

// breakerAfter describes a failed run that did not back off: the
// breaker opened (or opened again) with it.
func breakerAfter(s sched.SymbolReport) string {
	if s.Breaker == sched.BreakerHalfOpen {
		return "open again"
	}
	return "open"
}
