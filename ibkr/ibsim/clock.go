package ibsim

import (
	"sync"
	"time"
)

// Clock tells the simulator what time it is. The market model (prices,
// trading hours, bars) reads the market clock; the limits (message rate,
// historical pacing) read the limit clock. Both default to the wall clock.
type Clock interface {
	Now() time.Time
}

// WallClock is the real time.
type WallClock struct{}

// Now returns time.Now().
func (WallClock) Now() time.Time { return time.Now() }

// VirtualClock is a clock that moves only when told to. It is safe for
// concurrent use. Tests place the market at an instant with Set and move
// it with Advance.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtualClock returns a clock stopped at t.
func NewVirtualClock(t time.Time) *VirtualClock { return &VirtualClock{now: t} }

// Now returns the clock's current instant.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (backwards too).
func (c *VirtualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d and returns the new instant.
func (c *VirtualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// ScaledClock runs from a start instant at a multiple of wall-clock speed:
// with Speed 60 one wall second is one market minute.
type ScaledClock struct {
	start     time.Time
	wallStart time.Time
	speed     float64
	wall      func() time.Time
}

// NewScaledClock returns a clock that reads start now and then moves speed
// times as fast as the wall clock. A speed <= 0 is treated as 1.
func NewScaledClock(start time.Time, speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	return &ScaledClock{start: start, wallStart: time.Now(), speed: speed, wall: time.Now}
}

// Now returns the scaled instant.
func (c *ScaledClock) Now() time.Time {
	el := c.wall().Sub(c.wallStart)
	return c.start.Add(time.Duration(float64(el) * c.speed))
}
