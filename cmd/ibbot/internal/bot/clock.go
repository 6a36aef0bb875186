package bot

import (
	"sync"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// JumpAfter is the shortest wait a SimClock skips instead of waiting, and
// only while the market is closed: longer than any interval between cycles
// (at most an hour), so only nights, weekends and holidays are skipped.
const JumpAfter = 61 * time.Minute

// jumpLead is how much wall time a skipped wait still takes.
const jumpLead = 5 * time.Millisecond

// SimClock is one virtual clock shared by the embedded simulator's market,
// the scheduler, the option chains and the bot: it starts at an instant
// and runs speed times as fast as the wall clock. A wait of JumpAfter or
// more that starts while the NYSE is closed, with nothing else due before
// it (the scheduler waiting for the next open), is skipped: the clock jumps ahead, so a run of many cycles spends
// no wall time on nights and weekends. It is an ibsim.Clock and a
// sched.Clock.
type SimClock struct {
	speed float64
	cal   *sched.Calendar

	mu        sync.Mutex
	start     time.Time // the virtual instant at wallStart
	wallStart time.Time
	jumped    time.Duration // skipped virtual time
	timers    map[*simTimer]struct{}
	jumps     int
}

// NewSimClock returns a clock that reads start now and then runs speed
// times as fast as the wall clock.
func NewSimClock(start time.Time, speed float64) *SimClock {
	if speed <= 0 {
		speed = 1
	}
	return &SimClock{speed: speed, cal: sched.NYSE(), start: start, wallStart: time.Now(), timers: map[*simTimer]struct{}{}}
}

// Now is the virtual instant.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *SimClock) nowLocked() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.wallStart))*c.speed) + c.jumped)
}

// Speed is the clock's multiple of wall time.
func (c *SimClock) Speed() float64 { return c.speed }

// Jumps is how many waits the clock skipped.
func (c *SimClock) Jumps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.jumps
}

// simTimer is one call arranged by AfterFunc.
type simTimer struct {
	c        *SimClock
	deadline time.Time // virtual
	f        func()
	rt       *time.Timer
	done     bool // fired or stopped
}

// AfterFunc calls f once d of virtual time has passed.
func (c *SimClock) AfterFunc(d time.Duration, f func()) sched.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked()
	t := &simTimer{c: c, deadline: now.Add(d), f: f}
	c.timers[t] = struct{}{}
	if d >= JumpAfter && !c.cal.IsOpen(now) && c.nothingDueBefore(t) {
		c.jumped += d - time.Duration(float64(jumpLead)*c.speed)
		c.jumps++
		now = c.nowLocked()
		for o := range c.timers {
			if o != t && o.rt != nil {
				o.rt.Reset(c.wallUntil(o.deadline, now))
			}
		}
	}
	t.rt = time.AfterFunc(c.wallUntil(t.deadline, now), t.fire)
	return t
}

// nothingDueBefore reports whether no other pending timer is due before
// t. Caller holds c.mu.
func (c *SimClock) nothingDueBefore(t *simTimer) bool {
	for o := range c.timers {
		if o != t && o.deadline.Before(t.deadline) {
			return false
		}
	}
	return true
}

// wallUntil is the wall time until the virtual deadline.
func (c *SimClock) wallUntil(deadline, now time.Time) time.Duration {
	return max(time.Duration(float64(deadline.Sub(now))/c.speed), 0)
}

func (t *simTimer) fire() {
	c := t.c
	c.mu.Lock()
	if t.done {
		c.mu.Unlock()
		return
	}
	if now := c.nowLocked(); now.Before(t.deadline) {
		// Woken early by a Reset race: wait the rest.
		t.rt.Reset(c.wallUntil(t.deadline, now))
		c.mu.Unlock()
		return
	}
	t.done = true
	delete(c.timers, t)
	c.mu.Unlock()
	t.f()
}

// Stop cancels the call; false means it was called or stopped before.
func (t *simTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	delete(c.timers, t)
	if t.rt != nil {
		t.rt.Stop()
	}
	return true
}
