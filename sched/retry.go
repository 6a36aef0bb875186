package sched

import "time"

// symState is what a Run remembers about one symbol between cycles:
// its failures, backoff, breaker and parking. Only the planner touches
// it, between cycles.
type symState struct {
	name     string
	failures int // consecutive failures
	// resume is the first cycle that runs the symbol again after a
	// retryable failure; 0 when it is not backing off.
	resume int
	// parked is the permanent error that parked the symbol, or nil.
	parked error
	// breaker is closed or open; half-open exists only during a trial
	// run, in that run's report.
	breaker  BreakerState
	openedAt time.Time
}

// plan decides whether symbol st runs in cycle n, starting at now. It
// fills in rep for the cycle: completely when the symbol is skipped.
func (r *run) plan(st *symState, n int, now time.Time, rep *SymbolReport) (due bool) {
	rep.Symbol = st.name
	rep.Failures = st.failures
	skip := SkipNone
	switch {
	case st.parked != nil:
		skip, rep.Err = SkipParked, st.parked
	case st.breaker == BreakerOpen:
		if now.Before(st.openedAt.Add(r.cfg.BreakerCooldown)) {
			skip, rep.Breaker = SkipBreakerOpen, BreakerOpen
		} else {
			rep.Breaker = BreakerHalfOpen
		}
	case st.resume > n:
		skip, rep.Resume = SkipBackoff, st.resume
	}
	if skip != SkipNone {
		rep.Outcome, rep.Skip = OutcomeSkipped, skip
		return false
	}
	return true
}

// settle applies the outcome of symbol st in cycle n to its state and
// completes its report.
func (r *run) settle(st *symState, n int, rep *SymbolReport) {
	defer func() { rep.Failures = st.failures }()
	switch rep.Outcome {
	case OutcomeOK:
		if st.breaker == BreakerOpen {
			r.log.Info("sched: breaker closed: the trial run succeeded", "symbol", st.name, "cycle", n)
		}
		st.failures, st.resume, st.breaker = 0, 0, BreakerClosed
		return
	case OutcomeError, OutcomeTimeout:
	default: // skipped or cancelled at shutdown: nothing learnt
		return
	}
	st.failures++
	if rep.Outcome == OutcomeError && rep.Class == Permanent {
		st.parked = rep.Err
		r.log.Error("sched: symbol parked until the run restarts: permanent error", "symbol", st.name, "cycle", n, "error", rep.Err)
		return
	}
	end := rep.Start.Add(rep.Duration)
	switch {
	case rep.Breaker == BreakerHalfOpen:
		st.breaker, st.openedAt = BreakerOpen, end
		r.log.Warn("sched: breaker open again: the trial run failed", "symbol", st.name, "cycle", n,
			"until", end.Add(r.cfg.BreakerCooldown), "error", rep.Err)
	case r.cfg.BreakerThreshold > 0 && st.failures >= r.cfg.BreakerThreshold:
		st.breaker, st.openedAt, st.resume = BreakerOpen, end, 0
		r.log.Warn("sched: breaker open", "symbol", st.name, "cycle", n, "failures", st.failures,
			"until", end.Add(r.cfg.BreakerCooldown), "error", rep.Err)
	case r.cfg.BackoffCycles > 0:
		wait := r.backoff(st.failures)
		st.resume = n + 1 + wait
		rep.Resume = st.resume
		r.log.Warn("sched: symbol failed; backing off", "symbol", st.name, "cycle", n, "outcome", rep.Outcome.String(),
			"failures", st.failures, "cycles", wait, "error", rep.Err)
	default:
		r.log.Warn("sched: symbol failed", "symbol", st.name, "cycle", n, "outcome", rep.Outcome.String(),
			"failures", st.failures, "error", rep.Err)
	}
}

// backoff returns how many cycles a symbol sits out after its k-th
// consecutive failure: BackoffCycles doubled k-1 times, capped at
// MaxBackoffCycles, drawn between half of that (rounded up) and all of it.
func (r *run) backoff(k int) int {
	b := r.cfg.BackoffCycles
	for i := 1; i < k && b < r.cfg.MaxBackoffCycles; i++ {
		b = min(2*b, r.cfg.MaxBackoffCycles) // both at most MaxBackoff: no overflow
	}
	b = min(b, r.cfg.MaxBackoffCycles)
	lo := (b + 1) / 2
	return lo + r.rng.IntN(b-lo+1)
}
