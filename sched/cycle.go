package sched

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// cycle is one running cycle. The planner writes it before the cycle's
// goroutine starts and reads it after done delivers it; in between the
// symbols' goroutines write only their own report, and the planner
// touches only stopping and, under mu, cancels and canceled.
type cycle struct {
	n                   int
	planned, start, end time.Time
	due                 []int // indices of the symbols that run
	reports             []SymbolReport

	// stopping: Run's context ended; symbols not yet started are skipped.
	stopping atomic.Bool

	mu sync.Mutex
	// cancels holds the cancel function of each symbol whose function is
	// running, nil for the others. The symbols' contexts derive from Run's
	// values only, so that no cancellation reaches them but their timeout
	// and cancelAll. begin and finish bracket a symbol's run.
	cancels []context.CancelCauseFunc
	// canceled: cancelAll was called; a symbol that has not started by
	// then never does.
	canceled bool
}

// running returns the names of the symbols whose functions are running.
func (c *cycle) running(syms []symState) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for i, cancel := range c.cancels {
		if cancel != nil {
			names = append(names, syms[i].name)
		}
	}
	return names
}

// cancelAll cancels the running symbols' contexts with cause ErrShutdown.
func (c *cycle) cancelAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.canceled = true
	for _, cancel := range c.cancels {
		if cancel != nil {
			cancel(ErrShutdown)
		}
	}
}

// begin registers symbol i's cancel function; false means the cycle was
// cancelled and the symbol must not start.
func (c *cycle) begin(i int, cancel context.CancelCauseFunc) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.canceled {
		return false
	}
	c.cancels[i] = cancel
	return true
}

// finish unregisters symbol i.
func (c *cycle) finish(i int) {
	c.mu.Lock()
	c.cancels[i] = nil
	c.mu.Unlock()
}

// runCycle runs the cycle's due symbols, at most MaxConcurrent at a time,
// and hands the cycle back to the planner. Its goroutine is owned by the
// planner, which waits for it on done before Run returns.
func (r *run) runCycle(c *cycle) {
	var g errgroup.Group
	g.SetLimit(r.cfg.MaxConcurrent)
	for _, i := range c.due {
		g.Go(func() error {
			r.runSymbol(c, i)
			return nil // a symbol's failure is in its report; it never stops the others
		})
	}
	_ = g.Wait()
	c.end = r.clock.Now()
	r.done <- c
}

// runSymbol runs symbol i of cycle c and fills in its report.
func (r *run) runSymbol(c *cycle, i int) {
	rep := &c.reports[i]
	if c.stopping.Load() {
		rep.Outcome, rep.Skip = OutcomeSkipped, SkipShutdown
		return
	}
	start := r.clock.Now()
	if !r.open(start) {
		rep.Outcome, rep.Skip = OutcomeSkipped, SkipMarketClosed
		return
	}
	ctx, cancel := context.WithCancelCause(context.WithValue(r.base, cycleKey{}, CycleInfo{N: c.n, Planned: c.planned}))
	if !c.begin(i, cancel) {
		cancel(nil)
		rep.Outcome, rep.Skip = OutcomeSkipped, SkipShutdown
		return
	}
	timer := r.clock.AfterFunc(r.cfg.SymbolTimeout, func() { cancel(ErrTimeout) })
	rep.Start = start

	var err error
	returned := false
	// Deferred so that a function that calls runtime.Goexit is reported
	// too.
	defer func() {
		c.finish(i)
		timedOut := !timer.Stop()
		cause := context.Cause(ctx)
		cancel(nil)
		rep.Duration = r.clock.Now().Sub(start)
		if !returned {
			err = fmt.Errorf("sched: %s: the function called runtime.Goexit", rep.Symbol)
		}
		switch {
		case errors.Is(cause, ErrShutdown):
			rep.Outcome, rep.Err = OutcomeCanceled, wrapCause(ErrShutdown, rep.Symbol, rep.Duration, err)
		case timedOut:
			rep.Outcome, rep.Err = OutcomeTimeout, wrapCause(ErrTimeout, rep.Symbol, r.cfg.SymbolTimeout, err)
		case err == nil:
			rep.Outcome = OutcomeOK
		default:
			rep.Err, rep.Class = err, r.classify(rep.Symbol, err)
			rep.Outcome = OutcomeError
			if rep.Class == Ignore {
				rep.Outcome = OutcomeOK
			}
		}
	}()
	err = r.call(ctx, rep.Symbol)
	returned = true
}

// wrapCause returns the error of a timed out or cancelled run: cause,
// the symbol, how long it had run, and the function's own error if any.
func wrapCause(cause error, symbol string, after time.Duration, err error) error {
	if err == nil {
		return fmt.Errorf("%w: %s after %v", cause, symbol, after)
	}
	return fmt.Errorf("%w: %s after %v: %w", cause, symbol, after, err)
}

// call calls the function, recovering a panic into a *PanicError whose
// stack goes to the log.
func (r *run) call(ctx context.Context, symbol string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			pe := &PanicError{Symbol: symbol, Value: v, Stack: debug.Stack()}
			r.log.Error("sched: symbol panicked", "symbol", symbol, "panic", fmt.Sprint(v), "stack", string(pe.Stack))
			err = pe
		}
	}()
	return r.fn(ctx, symbol)
}

// classify returns Config.Classify's class for err; a panic in it counts
// as Retryable.
func (r *run) classify(symbol string, err error) (c Class) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("sched: Config.Classify panicked; the error counts as retryable",
				"symbol", symbol, "error", err, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			c = Retryable
		}
	}()
	c = r.cfg.Classify(err)
	switch c {
	case Retryable, Permanent, Ignore:
		return c
	}
	r.log.Error("sched: Config.Classify returned an unknown class; the error counts as retryable", "symbol", symbol, "error", err, "class", c)
	return Retryable
}

// cycleKey is the context key of a symbol run's CycleInfo.
type cycleKey struct{}

// CycleInfo is the cycle a symbol's function runs in.
type CycleInfo struct {
	// N is the cycle number, from 1.
	N int
	// Planned is the cycle's planned start on the clock.
	Planned time.Time
}

// CycleOf returns the cycle of a symbol function's context; ok is false
// for a context the Scheduler did not make.
func CycleOf(ctx context.Context) (CycleInfo, bool) {
	ci, ok := ctx.Value(cycleKey{}).(CycleInfo)
	return ci, ok
}
