package sched

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
)

// Func is the work for one symbol in one cycle. Its context ends at the
// symbol's timeout (cause ErrTimeout) or when the scheduler shuts down
// after its grace period (cause ErrShutdown); it carries the values of
// Run's context but not its cancellation. A Func must return soon after
// its context ends: Run waits for every Func it started.
type Func func(ctx context.Context, symbol string) error

// Scheduler runs a function for every symbol, once per interval, on the
// interval grid of its clock, within the market's hours. It holds only
// its configuration: all the state of a run (backoff, breakers, parked
// symbols) lives in one Run call, so a *Scheduler is safe for concurrent
// use and each Run starts afresh.
type Scheduler struct {
	cfg Config
}

// New returns a Scheduler for cfg, or an error naming the first field
// whose value is not allowed, with the value and what is allowed.
func New(cfg Config) (*Scheduler, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Scheduler{cfg: c}, nil
}

// Config returns the scheduler's configuration with the defaults filled
// in.
func (s *Scheduler) Config() Config { return s.cfg }

// Run runs fn for each symbol in every cycle until ctx ends, and returns
// what it did.
//
// Cycles start at the multiples of Config.Interval on the clock (plus
// jitter), and only while Config.Calendar's regular session is open;
// outside it Run sleeps until the next open, and logs that once. In a
// cycle each symbol that is due runs once, at most Config.MaxConcurrent
// at a time. One symbol's error, panic or timeout never cancels another.
// A cycle due while the previous one still runs is skipped and reported,
// never queued.
//
// When ctx ends, Run starts nothing new, lets the running symbols finish
// within Config.Grace, then cancels their contexts and waits for them.
// It returns the Summary and a nil error, or, if it had to cancel running
// symbols, an error that names them and wraps ctx.Err(). It returns an
// error at once, without running anything, if symbols is empty or has
// an empty or repeated symbol, or fn is nil.
func (s *Scheduler) Run(ctx context.Context, symbols []string, fn Func) (Summary, error) {
	switch {
	case s == nil:
		return Summary{}, errors.New("sched: Run on a nil *Scheduler: create it with New")
	case ctx == nil:
		return Summary{}, errors.New("sched: Run with a nil context")
	case fn == nil:
		return Summary{}, errors.New("sched: Run with a nil Func")
	case len(symbols) == 0:
		return Summary{}, errors.New("sched: Run with no symbols: want at least one")
	}
	seen := make(map[string]bool, len(symbols))
	for i, sym := range symbols {
		if sym == "" {
			return Summary{}, fmt.Errorf("sched: Run: symbol %d is empty", i)
		}
		if seen[sym] {
			return Summary{}, fmt.Errorf("sched: Run: symbol %q is listed twice", sym)
		}
		seen[sym] = true
	}
	return newRun(ctx, s.cfg, symbols, fn).loop(ctx)
}

// run is the state of one Run call. Only Run's goroutine (the planner)
// touches it, except where a field says otherwise.
type run struct {
	cfg   Config
	clock Clock
	log   *slog.Logger
	fn    Func
	syms  []symState
	rng   *rand.Rand
	// base is the parent of the symbols' contexts: Run's values without
	// its cancellation.
	base context.Context

	// wake receives a signal when the planner's timer fires; signal
	// sends it (from the clock's goroutine).
	wake   chan struct{}
	signal func()
	// done receives each cycle when its last symbol finishes (from the
	// cycle's goroutine).
	done chan *cycle

	cycles     int    // cycles numbered so far
	cur        *cycle // the running cycle, or nil
	closedSaid bool   // the market closure has been logged, and not the open since
	sum        Summary
}

// newRun prepares a Run.
func newRun(ctx context.Context, cfg Config, symbols []string, fn Func) *run {
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	r := &run{
		cfg:   cfg,
		clock: cfg.Clock,
		log:   cfg.Logger,
		fn:    fn,
		syms:  make([]symState, len(symbols)),
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		base:  context.WithoutCancel(ctx),
		wake:  make(chan struct{}, 1),
		done:  make(chan *cycle, 1),
	}
	r.signal = func() {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	for i, sym := range symbols {
		r.syms[i].name = sym
	}
	return r
}

// loop is the planner: it waits for each cycle's instant, starts or
// skips the cycle, and collects finished cycles while it waits.
func (r *run) loop(ctx context.Context) (Summary, error) {
	if ctx.Err() != nil {
		return r.sum, nil
	}
	planned := ceilTo(r.clock.Now(), r.cfg.Interval)
	for {
		at := planned
		if r.cfg.Jitter > 0 && r.open(planned) {
			at = planned.Add(time.Duration(r.rng.Int64N(int64(r.cfg.Jitter))))
		}
		// A clock may fire a little early (a scaled clock's rounding, a
		// wall clock stepped back): then wait for the rest.
		for {
			if !r.waitFor(ctx, at) {
				return r.shutdown(ctx)
			}
			if !r.clock.Now().Before(at) {
				break
			}
		}
		planned = r.tick(ctx, planned)
	}
}

// open reports whether the market is open at t.
func (r *run) open(t time.Time) bool {
	return r.cfg.Calendar == nil || r.cfg.Calendar.IsOpen(t)
}

// waitFor waits until the clock's timer for at fires, completing the
// cycles that finish meanwhile. It returns false if ctx ended first.
func (r *run) waitFor(ctx context.Context, at time.Time) bool {
	timer := r.clock.AfterFunc(at.Sub(r.clock.Now()), r.signal)
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case c := <-r.done:
			r.complete(c)
		case <-r.wake:
			return true
		}
	}
}

// tick handles the cycle instant planned and returns the next one.
func (r *run) tick(ctx context.Context, planned time.Time) time.Time {
	now := r.clock.Now()
	iv := r.cfg.Interval
	if late := now.Sub(planned); late >= iv {
		missed := int(late / iv)
		planned = planned.Add(time.Duration(missed) * iv)
		r.log.Warn("sched: woke late; the missed cycle instants are dropped", "missed", missed, "planned", planned)
	}
	next := planned.Add(iv)
	if !r.open(planned) {
		open := r.cfg.Calendar.NextOpen(planned)
		next = ceilTo(open, iv)
		// Said once: the planner sleeps until the open.
		r.closedSaid = true
		r.log.Info("sched: market closed; no cycles until the next open", "at", planned, "open", open, "next", next)
		return next
	}
	if r.closedSaid {
		r.closedSaid = false
		r.log.Info("sched: market open; cycles resume", "at", planned)
	}
	if ctx.Err() != nil {
		return next // the wait returns at once and shuts down
	}
	r.cycles++
	if r.cur != nil {
		r.skip(planned, now)
	} else {
		r.start(planned, now)
	}
	return next
}

// skip reports the cycle planned as skipped: the previous one still runs.
func (r *run) skip(planned, now time.Time) {
	running := r.cur.running(r.syms)
	r.sum.SkippedCycles++
	r.log.Warn("sched: cycle skipped: the previous cycle is still running",
		"cycle", r.cycles, "planned", planned, "previous", r.cur.n, "running", strings.Join(running, ","))
	if r.cfg.OnCycle != nil {
		r.cfg.OnCycle(CycleReport{Cycle: r.cycles, Planned: planned, Start: now, Skipped: true, Running: running})
	}
}

// start starts cycle r.cycles with the symbols that are due.
func (r *run) start(planned, now time.Time) {
	c := &cycle{
		n:       r.cycles,
		planned: planned,
		start:   now,
		reports: make([]SymbolReport, len(r.syms)),
		cancels: make([]context.CancelCauseFunc, len(r.syms)),
	}
	for i := range r.syms {
		if r.plan(&r.syms[i], c.n, now, &c.reports[i]) {
			c.due = append(c.due, i)
		}
	}
	r.log.Debug("sched: cycle start", "cycle", c.n, "planned", planned, "due", len(c.due))
	if len(c.due) == 0 {
		c.end = now
		r.complete(c)
		return
	}
	r.cur = c
	go r.runCycle(c)
}

// complete settles a finished cycle: the symbols' states, the summary,
// the log and the report.
func (r *run) complete(c *cycle) {
	if c == r.cur {
		r.cur = nil
	}
	for i := range c.reports {
		r.settle(&r.syms[i], c.n, &c.reports[i])
		r.sum.add(&c.reports[i])
	}
	r.sum.Cycles++
	rep := CycleReport{Cycle: c.n, Planned: c.planned, Start: c.start, Duration: c.end.Sub(c.start), Symbols: c.reports}
	r.log.Info("sched: cycle done", "cycle", c.n, "planned", c.planned, "took", rep.Duration,
		"ok", rep.Count(OutcomeOK), "errors", rep.Count(OutcomeError), "timeouts", rep.Count(OutcomeTimeout),
		"skipped", rep.Count(OutcomeSkipped), "canceled", rep.Count(OutcomeCanceled))
	if r.cfg.OnCycle != nil {
		r.cfg.OnCycle(rep)
	}
}

// shutdown ends a Run whose context has ended: it lets the running cycle
// finish within the grace period, then cancels it and waits for it.
func (r *run) shutdown(ctx context.Context) (Summary, error) {
	c := r.cur
	if c == nil {
		return r.sum, nil
	}
	c.stopping.Store(true)
	if r.cfg.Grace > 0 {
		over := make(chan struct{})
		t := r.clock.AfterFunc(r.cfg.Grace, func() { close(over) })
		select {
		case c := <-r.done:
			t.Stop()
			r.complete(c)
			return r.sum, nil
		case <-over:
		}
	}
	if running := c.running(r.syms); len(running) > 0 {
		r.log.Warn("sched: grace period over; cancelling the running symbols", "grace", max(r.cfg.Grace, 0), "running", strings.Join(running, ","))
	}
	c.cancelAll()
	r.complete(<-r.done)
	var canceled []string
	for _, s := range c.reports {
		if s.Outcome == OutcomeCanceled {
			canceled = append(canceled, s.Symbol)
		}
	}
	if len(canceled) == 0 {
		return r.sum, nil
	}
	return r.sum, fmt.Errorf("sched: cancelled %s after the %v grace period: %w", strings.Join(canceled, ", "), max(r.cfg.Grace, 0), ctx.Err())
}

// ceilTo returns the first multiple of d (counted from the zero
// time.Time) at or after t.
func ceilTo(t time.Time, d time.Duration) time.Time {
	f := t.Truncate(d)
	if f.Before(t) {
		f = f.Add(d)
	}
	return f
}
