package sched

import (
	"errors"
	"fmt"
	"time"
)

// Causes of a symbol context's cancellation, as context.Cause reports
// them; a report's error for a timeout or a cancelled run wraps one.
var (
	// ErrTimeout: the symbol was still running at Config.SymbolTimeout.
	ErrTimeout = errors.New("sched: symbol timed out")
	// ErrShutdown: Run's context ended and the grace period passed with
	// the symbol still running.
	ErrShutdown = errors.New("sched: cancelled at shutdown")
)

// PanicError is a panic in a symbol's function (or in Config.Classify),
// recovered into an error. The stack is also in the log.
type PanicError struct {
	Symbol string
	// Value is what was passed to panic.
	Value any
	// Stack is the panicking goroutine's stack (runtime/debug.Stack).
	Stack []byte
}

// Error returns "sched: SYMBOL panicked: VALUE".
func (e *PanicError) Error() string {
	return fmt.Sprintf("sched: %s panicked: %v", e.Symbol, e.Value)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Outcome is what became of one symbol in one cycle.
type Outcome int

// The outcomes.
const (
	// OutcomeOK: the function returned nil, or an error classified Ignore.
	OutcomeOK Outcome = iota
	// OutcomeError: the function returned an error (or panicked).
	OutcomeError
	// OutcomeTimeout: the function was still running at SymbolTimeout.
	OutcomeTimeout
	// OutcomeSkipped: the function was not called; SymbolReport.Skip
	// says why.
	OutcomeSkipped
	// OutcomeCanceled: Run's context ended and the function was still
	// running when the grace period was over.
	OutcomeCanceled
)

// String returns "ok", "error", "timeout", "skipped" or "canceled".
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeError:
		return "error"
	case OutcomeTimeout:
		return "timeout"
	case OutcomeSkipped:
		return "skipped"
	case OutcomeCanceled:
		return "canceled"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// SkipReason says why a symbol was skipped.
type SkipReason int

// The reasons for skipping a symbol.
const (
	// SkipNone: the symbol was not skipped.
	SkipNone SkipReason = iota
	// SkipBackoff: the symbol is backing off after a retryable failure.
	SkipBackoff
	// SkipParked: the symbol failed permanently earlier in this run.
	SkipParked
	// SkipBreakerOpen: the symbol's breaker is open.
	SkipBreakerOpen
	// SkipMarketClosed: the market closed after the cycle started and
	// before the symbol's turn (an early close, or a cycle still running
	// at the close).
	SkipMarketClosed
	// SkipShutdown: Run's context ended before the symbol's turn.
	SkipShutdown
)

// String returns "", "backing off", "parked", "breaker open", "market
// closed" or "shutting down".
func (r SkipReason) String() string {
	switch r {
	case SkipNone:
		return ""
	case SkipBackoff:
		return "backing off"
	case SkipParked:
		return "parked"
	case SkipBreakerOpen:
		return "breaker open"
	case SkipMarketClosed:
		return "market closed"
	case SkipShutdown:
		return "shutting down"
	}
	return fmt.Sprintf("SkipReason(%d)", int(r))
}

// BreakerState is the state of a symbol's breaker.
type BreakerState int

// The breaker states.
const (
	// BreakerClosed: the symbol runs when it is due.
	BreakerClosed BreakerState = iota
	// BreakerOpen: the symbol is skipped until the cool-down has passed.
	BreakerOpen
	// BreakerHalfOpen: the cool-down has passed and this run is the
	// trial: success closes the breaker, failure opens it again.
	BreakerHalfOpen
)

// String returns "closed", "open" or "half-open".
func (b BreakerState) String() string {
	switch b {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("BreakerState(%d)", int(b))
}

// SymbolReport is what happened to one symbol in one cycle.
type SymbolReport struct {
	Symbol  string
	Outcome Outcome
	// Skip is the reason, when Outcome is OutcomeSkipped.
	Skip SkipReason
	// Start is when the function was called (zero when skipped); Duration
	// is how long it ran.
	Start    time.Time
	Duration time.Duration
	// Err is what went wrong: for OutcomeError the function's error (a
	// *PanicError for a panic); for OutcomeTimeout and OutcomeCanceled an
	// error wrapping ErrTimeout or ErrShutdown and the function's error;
	// for a symbol skipped as parked, the error that parked it; for
	// OutcomeOK an error classified Ignore, else nil.
	Err error
	// Class is Classify's verdict on Err for OutcomeError (and OutcomeOK
	// with an ignored error); timeouts are always Retryable.
	Class Class
	// Failures is the symbol's count of consecutive failures after this
	// cycle.
	Failures int
	// Breaker is the symbol's breaker as this cycle found it: open when
	// skipped for it, half-open for a trial run.
	Breaker BreakerState
	// Resume is, while the symbol backs off (it failed in this cycle, or
	// is skipped as backing off), the number of the first cycle that runs
	// it again; 0 otherwise.
	Resume int
}

// CycleReport is what happened in one cycle.
type CycleReport struct {
	// Cycle counts the cycles of this Run from 1: every instant at which
	// a cycle was due with the market open, skipped cycles included.
	Cycle int
	// Planned is the cycle's instant on the interval grid; Start is when
	// it started: Planned plus jitter, or later if the scheduler woke
	// late. For a skipped cycle, Start is when it was skipped.
	Planned, Start time.Time
	// Duration runs from Start until the cycle's last symbol finished;
	// 0 for a skipped cycle.
	Duration time.Duration
	// Skipped reports a cycle that did not run because the previous one
	// was still running; Running names that cycle's unfinished symbols.
	// A skipped cycle has no Symbols.
	Skipped bool
	Running []string
	// Symbols has one report per symbol, in the order given to Run.
	Symbols []SymbolReport
}

// Count returns how many of the cycle's symbols had outcome o.
func (r CycleReport) Count(o Outcome) int {
	n := 0
	for _, s := range r.Symbols {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

// Summary is what a Run did, returned when it ends.
type Summary struct {
	// Cycles is how many cycles ran; SkippedCycles how many were skipped
	// because the previous cycle was still running.
	Cycles, SkippedCycles int
	// Symbol runs by outcome, over all cycles.
	OK, Errors, Timeouts, Canceled, Skipped int
}

// add counts one symbol report.
func (s *Summary) add(r *SymbolReport) {
	switch r.Outcome {
	case OutcomeOK:
		s.OK++
	case OutcomeError:
		s.Errors++
	case OutcomeTimeout:
		s.Timeouts++
	case OutcomeSkipped:
		s.Skipped++
	case OutcomeCanceled:
		s.Canceled++
	}
}
