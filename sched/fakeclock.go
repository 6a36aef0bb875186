package sched

import (
	"context"
	"sync"
	"time"
)

// FakeClock is a Clock that moves only when told to: by Set, Advance or
// AdvanceToNext. Calls arranged with AfterFunc run when the clock reaches
// their instant, in the order of their instants (ties in the order they
// were arranged), on the goroutine that moves the clock. It is safe for
// concurrent use; move it from one goroutine at a time.
//
// A test or a simulation drives it in steps: wait until whatever it
// drives is blocked on the clock (BlockUntil, or synctest.Wait in a
// testing/synctest bubble), then move the clock to the next pending
// instant (AdvanceToNext). A Scheduler holds one timer while it waits for
// its next cycle, one per running symbol (the symbol's timeout) and one
// for the grace period while it shuts down, so with no symbol running
// BlockUntil(ctx, 1) returns once Run waits for its next cycle.
//
// A FakeClock has a Now method, so it also satisfies ibsim.Clock: a
// simulation gives the same *FakeClock to the simulated Gateway and to the
// scheduler, and both read one virtual time (see the package
// documentation).
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	pending []*fakeTimer
	// changed is closed and cleared whenever pending changes; nil while
	// no BlockUntil waits.
	changed chan struct{}
}

// fakeTimer is one call arranged with FakeClock.AfterFunc.
type fakeTimer struct {
	c   *FakeClock
	at  time.Time
	seq uint64
	f   func()
}

// NewFakeClock returns a FakeClock stopped at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's current instant.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arranges for f to be called when the clock reaches Now()+d.
// With d <= 0, f is called before AfterFunc returns. f runs on the
// goroutine that moves the clock, with the clock reading f's instant; it
// must not block, and it may call the clock's methods.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	if d <= 0 {
		c.mu.Unlock()
		f()
		return t
	}
	c.pending = append(c.pending, t)
	c.notifyLocked()
	c.mu.Unlock()
	return t
}

// Stop cancels the call; it reports whether the call was still pending.
func (t *fakeTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removeLocked(t)
}

// removeLocked drops t from the pending calls and reports whether it was
// there.
func (c *FakeClock) removeLocked(t *fakeTimer) bool {
	for i, p := range c.pending {
		if p == t {
			last := len(c.pending) - 1
			c.pending[i] = c.pending[last]
			c.pending[last] = nil
			c.pending = c.pending[:last]
			c.notifyLocked()
			return true
		}
	}
	return false
}

// earliestLocked returns the pending call that runs first, or nil.
func (c *FakeClock) earliestLocked() *fakeTimer {
	var first *fakeTimer
	for _, p := range c.pending {
		if first == nil || p.at.Before(first.at) || (p.at.Equal(first.at) && p.seq < first.seq) {
			first = p
		}
	}
	return first
}

// notifyLocked wakes the BlockUntil callers, if any.
func (c *FakeClock) notifyLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// Set moves the clock to t. Moving forward, it calls every pending call
// whose instant is at or before t, in order, each with the clock reading
// that call's instant (as if the time in between had passed), calls they
// arrange for instants up to t included; then the clock reads t. Moving
// backward calls nothing.
func (c *FakeClock) Set(t time.Time) {
	for {
		c.mu.Lock()
		next := c.earliestLocked()
		if next == nil || next.at.After(t) {
			c.now = t
			c.mu.Unlock()
			return
		}
		c.removeLocked(next)
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
	}
}

// Advance moves the clock forward by d (see Set) and returns the new
// instant.
func (c *FakeClock) Advance(d time.Duration) time.Time {
	t := c.Now().Add(d)
	c.Set(t)
	return t
}

// Next returns the instant of the earliest pending call; ok is false when
// none is pending.
func (c *FakeClock) Next() (t time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if first := c.earliestLocked(); first != nil {
		return first.at, true
	}
	return time.Time{}, false
}

// AdvanceToNext moves the clock to the earliest pending call's instant,
// which runs it and every other call due then (see Set), and returns that
// instant. With nothing pending it does nothing and ok is false.
func (c *FakeClock) AdvanceToNext() (t time.Time, ok bool) {
	t, ok = c.Next()
	if ok {
		c.Set(t)
	}
	return t, ok
}

// Waiters returns how many calls are pending: arranged with AfterFunc,
// not yet called, not stopped.
func (c *FakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// BlockUntil waits until at least n calls are pending, or ctx ends (it
// then returns ctx's error). A driver calls it to learn that what it
// drives has gone back to waiting on the clock before it moves the clock
// again.
func (c *FakeClock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		if len(c.pending) >= n {
			c.mu.Unlock()
			return nil
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}
