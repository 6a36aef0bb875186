package bot

import (
	"testing"
	"time"
)

// A wait of JumpAfter or more, started while the market is closed, with
// nothing due before it is skipped: the
// clock jumps, the call comes at once (in wall time) and the clock reads
// at least the deadline; a shorter wait, or a long one behind an earlier
// timer, runs at the clock's speed.
func TestSimClockSkipsNights(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 12, 16, 0, 0, 0, ny) // the close
	// A long wait while the market is open (a session's close timer) is
	// not skipped.
	open := NewSimClock(time.Date(2026, 3, 12, 10, 0, 0, 0, ny), 60)
	closeT := open.AfterFunc(6*time.Hour, func() { t.Error("the close timer fired at once") })
	if open.Jumps() != 0 {
		t.Error("skipped a wait that started in the session")
	}
	closeT.Stop()

	c := NewSimClock(start, 60)
	fired := make(chan time.Time, 1)
	wall := time.Now()
	c.AfterFunc(17*time.Hour+30*time.Minute, func() { fired <- c.Now() })
	at := <-fired
	if took := time.Since(wall); took > 2*time.Second {
		t.Errorf("a 17.5 h wait at speed 60 took %v of wall time: not skipped", took)
	}
	if want := start.Add(17*time.Hour + 30*time.Minute); at.Before(want) {
		t.Errorf("fired at %v, before its deadline %v", at, want)
	}
	if c.Jumps() != 1 {
		t.Errorf("jumps = %d, want 1", c.Jumps())
	}

	// An earlier timer pending: the long wait is not skipped, and the
	// short one fires first, on time.
	c2 := NewSimClock(start, 60)
	short := make(chan time.Time, 1)
	c2.AfterFunc(30*time.Second, func() { short <- c2.Now() }) // 0.5 s of wall time
	long := c2.AfterFunc(2*time.Hour, func() { t.Error("the long timer fired") })
	got := <-short
	if got.Before(start.Add(30 * time.Second)) {
		t.Errorf("short timer fired at %v, before its deadline", got)
	}
	if c2.Jumps() != 0 {
		t.Errorf("jumped with an earlier timer pending")
	}
	if !long.Stop() {
		t.Error("Stop of a pending timer returned false")
	}
	if long.Stop() {
		t.Error("a second Stop returned true")
	}

	// A jump brings later timers closer; they keep their virtual
	// deadlines. X (3 h) is not skipped at first: Y is due before it.
	c3 := NewSimClock(start, 60)
	y := make(chan struct{})
	c3.AfterFunc(time.Second, func() { close(y) })
	xFired := make(chan struct{})
	x := c3.AfterFunc(3*time.Hour, func() { close(xFired) })
	<-y
	tFired := make(chan time.Time, 1)
	c3.AfterFunc(2*time.Hour, func() { tFired <- c3.Now() }) // now skipped
	if at := <-tFired; at.Before(start.Add(2 * time.Hour)) {
		t.Errorf("T fired at %v, before its deadline", at)
	}
	select {
	case <-xFired:
		t.Error("X (3 h) fired with T (2 h)")
	default:
	}
	if left := start.Add(3 * time.Hour).Sub(c3.Now()); left < 50*time.Minute || left > time.Hour {
		t.Errorf("X is due in %v of virtual time after the jump, want about an hour", left)
	}
	if !x.Stop() {
		t.Error("X had fired")
	}
}
