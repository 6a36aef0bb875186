package sched

import "time"

// Clock is where a Scheduler reads the time and how it waits. Everything
// the scheduler does with time goes through its Clock: cycle instants,
// jitter, symbol timeouts, breaker cool-downs and the shutdown grace. The
// default is the wall clock; tests pass a *FakeClock and move it
// themselves.
//
// A Clock must be safe for concurrent use.
type Clock interface {
	// Now returns the clock's current instant.
	Now() time.Time
	// AfterFunc arranges for f to be called once d has passed on the
	// clock (at once if d <= 0) and returns a Timer that can cancel the
	// call. The wall clock calls f on its own goroutine, as time.AfterFunc
	// does; a FakeClock calls it on the goroutine that moves the clock.
	// Either way f must not block.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call arranged by Clock.AfterFunc. *time.Timer is
// one.
type Timer interface {
	// Stop cancels the call. It reports whether it did: false means f
	// has been called, or is being called, or the timer was stopped
	// before.
	Stop() bool
}

// wallClock is the real time.
type wallClock struct{}

// Now returns time.Now().
func (wallClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (wallClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
