package sched

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults used when a Config field is zero.
const (
	DefaultInterval         = 180 * time.Second
	DefaultMaxConcurrent    = 1
	DefaultBackoffCycles    = 1
	DefaultMaxBackoffCycles = 8
	DefaultBreakerThreshold = 5
	DefaultGrace            = 10 * time.Second
	// DefaultBreakerCooldownIntervals is the default breaker cool-down
	// in intervals.
	DefaultBreakerCooldownIntervals = 10
)

// Limits on Config fields.
const (
	MinInterval = time.Millisecond
	MaxInterval = 24 * time.Hour
	// MaxCalendarInterval is the longest interval allowed with a
	// Calendar: the shortest session (an early close, 09:30-13:00), so
	// that every session has at least one cycle.
	MaxCalendarInterval = 3*time.Hour + 30*time.Minute
	// MaxBackoff is the most cycles Config.BackoffCycles and
	// Config.MaxBackoffCycles may name.
	MaxBackoff = 1_000_000
)

// Config configures a Scheduler. It is read once by New; zero fields mean
// the default named in their comment, so the zero Config is usable.
type Config struct {
	// Interval is the time from one cycle's start to the next. Cycles
	// start at multiples of Interval on the clock, counted from the zero
	// time.Time: for an interval that divides a day that is from
	// midnight UTC, so 3 minutes gives :00, :03, :06 ... of every hour.
	// Default 3 minutes (DefaultInterval). From 1 ms to 24 hours, and at
	// most 3h30m with a Calendar.
	Interval time.Duration
	// MaxConcurrent is how many symbols run at once. Default 1.
	MaxConcurrent int
	// SymbolTimeout bounds one symbol's run: its context is cancelled
	// then, with cause ErrTimeout, and the run counts as a timeout.
	// Default: Interval.
	SymbolTimeout time.Duration
	// Jitter delays each cycle's start by a random duration in
	// [0, Jitter), so that many bots on one clock do not call the broker
	// at the same instant. Default 0 (none); less than Interval.
	Jitter time.Duration
	// Calendar gates the cycles: outside its regular session no cycle
	// starts and no symbol run begins. Default nil: always open. A
	// trading bot passes NYSE().
	Calendar *Calendar
	// Clock is the scheduler's time. Default: the wall clock. Tests and
	// simulations pass a *FakeClock.
	Clock Clock
	// Classify sorts the errors that symbol functions return. Default:
	// every error is Retryable. It runs on the symbol's goroutine; a
	// panic in it is recovered like one in the function.
	Classify func(error) Class

	// BackoffCycles is how many cycles a symbol sits out after a
	// retryable failure (an error or a timeout); it doubles with each
	// further consecutive failure up to MaxBackoffCycles, and each wait is
	// drawn between half of that and all of it (jitter). The other
	// symbols are never delayed. Default 1; negative turns backoff off
	// (a failing symbol runs every cycle).
	BackoffCycles int
	// MaxBackoffCycles caps the backoff. Default 8, or BackoffCycles if
	// that is larger; not less than BackoffCycles.
	MaxBackoffCycles int
	// BreakerThreshold is how many consecutive failures of one symbol
	// open its breaker: the symbol is skipped until BreakerCooldown has
	// passed, then runs once (half-open); success closes the breaker,
	// failure opens it again. Default 5; negative turns the breaker off.
	BreakerThreshold int
	// BreakerCooldown is how long a breaker stays open. Default ten
	// intervals.
	BreakerCooldown time.Duration

	// Seed seeds the jitter of cycles and backoff, so that a run on a
	// FakeClock repeats exactly. Default 0: a random seed.
	Seed uint64
	// Grace is how long running symbols may go on after Run's context
	// ends before their contexts are cancelled (with cause ErrShutdown).
	// Default 10 s; negative cancels them at once.
	Grace time.Duration

	// OnCycle, if set, receives each cycle's report: when the cycle's
	// last symbol finishes, or when a cycle is skipped because the
	// previous one still runs (so a skipped cycle may be reported before
	// the one it overlapped). It runs on Run's goroutine, one report at
	// a time; the scheduler waits for it, so it should return quickly.
	OnCycle func(CycleReport)
	// Logger receives the scheduler's log. Default: discard.
	Logger *slog.Logger
}

// Class is how a symbol's error is handled; Config.Classify assigns it.
type Class int

// The classes of errors.
const (
	// Retryable: the symbol backs off for some cycles and counts towards
	// its breaker. The zero Class.
	Retryable Class = iota
	// Permanent: the symbol is parked, with the error as its reason,
	// until Run is called again.
	Permanent
	// Ignore: nothing is wrong (for example the function decided to
	// skip); the run counts as ok and the error is kept in its report.
	Ignore
)

// String returns "retryable", "permanent" or "ignore".
func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	case Ignore:
		return "ignore"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Interval < MinInterval || c.Interval > MaxInterval {
		return c, fmt.Errorf("sched: Config.Interval %v: want %v to %v (0 means %v)", c.Interval, MinInterval, MaxInterval, DefaultInterval)
	}
	if c.Calendar != nil && c.Interval > MaxCalendarInterval {
		return c, fmt.Errorf("sched: Config.Interval %v: want at most %v with a Calendar, the shortest session, so that every session has a cycle", c.Interval, MaxCalendarInterval)
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.MaxConcurrent < 1 {
		return c, fmt.Errorf("sched: Config.MaxConcurrent %d: want at least 1 (0 means %d)", c.MaxConcurrent, DefaultMaxConcurrent)
	}
	if c.SymbolTimeout == 0 {
		c.SymbolTimeout = c.Interval
	}
	if c.SymbolTimeout < 0 {
		return c, fmt.Errorf("sched: Config.SymbolTimeout %v: want more than 0 (0 means the interval, %v)", c.SymbolTimeout, c.Interval)
	}
	if c.Jitter < 0 || c.Jitter >= c.Interval {
		return c, fmt.Errorf("sched: Config.Jitter %v: want at least 0 and less than the interval, %v", c.Jitter, c.Interval)
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	if c.Classify == nil {
		c.Classify = func(error) Class { return Retryable }
	}
	if c.BackoffCycles == 0 {
		c.BackoffCycles = DefaultBackoffCycles
	}
	if c.BackoffCycles < 0 {
		c.BackoffCycles = -1
	}
	if c.BackoffCycles > MaxBackoff {
		return c, fmt.Errorf("sched: Config.BackoffCycles %d: want at most %d (negative turns backoff off, 0 means %d)", c.BackoffCycles, MaxBackoff, DefaultBackoffCycles)
	}
	if c.MaxBackoffCycles == 0 {
		c.MaxBackoffCycles = max(DefaultMaxBackoffCycles, c.BackoffCycles)
	}
	if c.MaxBackoffCycles < max(c.BackoffCycles, 1) || c.MaxBackoffCycles > MaxBackoff {
		return c, fmt.Errorf("sched: Config.MaxBackoffCycles %d: want BackoffCycles (%d) to %d (0 means %d, or BackoffCycles if larger)",
			c.MaxBackoffCycles, max(c.BackoffCycles, 1), MaxBackoff, DefaultMaxBackoffCycles)
	}
	if c.BreakerThreshold == 0 {
		c.BreakerThreshold = DefaultBreakerThreshold
	}
	if c.BreakerThreshold < 0 {
		c.BreakerThreshold = -1
	}
	if c.BreakerCooldown == 0 {
		c.BreakerCooldown = DefaultBreakerCooldownIntervals * c.Interval
	}
	if c.BreakerCooldown < 0 {
		return c, fmt.Errorf("sched: Config.BreakerCooldown %v: want more than 0 (0 means ten intervals, %v)", c.BreakerCooldown, DefaultBreakerCooldownIntervals*c.Interval)
	}
	if c.Grace == 0 {
		c.Grace = DefaultGrace
	}
	if c.Grace < 0 {
		c.Grace = -1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
