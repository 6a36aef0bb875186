package bot

import (
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/sched"
)

// SimClock is one virtual clock shared by the embedded simulator's market,
// the scheduler, the option chains and the bot: it starts at an instant
// and runs speed times as fast as the wall clock. It is an ibsim.Clock
// and a sched.Clock.
type SimClock struct {
	scaled *ibsim.ScaledClock
	speed  float64
}

// NewSimClock returns a clock that reads start now and then runs speed
// times as fast as the wall clock.
func NewSimClock(start time.Time, speed float64) *SimClock {
	if speed <= 0 {
		speed = 1
	}
	return &SimClock{scaled: ibsim.NewScaledClock(start, speed), speed: speed}
}

// Now is the virtual instant.
func (c *SimClock) Now() time.Time { return c.scaled.Now() }

// AfterFunc calls f once d of virtual time has passed.
func (c *SimClock) AfterFunc(d time.Duration, f func()) sched.Timer {
	return time.AfterFunc(time.Duration(float64(d)/c.speed), f)
}

// Speed is the clock's multiple of wall time.
func (c *SimClock) Speed() float64 { return c.speed }
