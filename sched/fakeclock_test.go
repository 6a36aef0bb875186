package sched_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ibbot/ibbot/sched"
)

var epoch = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

// calls records the order of AfterFunc calls and the clock each saw.
type calls struct {
	c   *sched.FakeClock
	got []string
}

func (r *calls) add(name string) func() {
	return func() { r.got = append(r.got, name+"@"+r.c.Now().Sub(epoch).String()) }
}

func TestFakeClockOrder(t *testing.T) {
	c := sched.NewFakeClock(epoch)
	r := &calls{c: c}
	c.AfterFunc(3*time.Second, r.add("c"))
	c.AfterFunc(time.Second, r.add("a"))
	c.AfterFunc(3*time.Second, r.add("d")) // same instant as c, arranged later
	c.AfterFunc(2*time.Second, r.add("b"))
	c.AfterFunc(10*time.Second, r.add("late"))
	if n := c.Waiters(); n != 5 {
		t.Fatalf("Waiters = %d, want 5", n)
	}
	if next, ok := c.Next(); !ok || !next.Equal(epoch.Add(time.Second)) {
		t.Fatalf("Next = %v %v, want epoch+1s", next, ok)
	}
	c.Set(epoch.Add(5 * time.Second))
	want := []string{"a@1s", "b@2s", "c@3s", "d@3s"}
	if !slices.Equal(r.got, want) {
		t.Errorf("calls %q, want %q", r.got, want)
	}
	if now := c.Now(); !now.Equal(epoch.Add(5 * time.Second)) {
		t.Errorf("Now = %v after Set, want epoch+5s", now)
	}
	if n := c.Waiters(); n != 1 {
		t.Errorf("Waiters = %d after Set, want 1 (late)", n)
	}
	if at, ok := c.AdvanceToNext(); !ok || !at.Equal(epoch.Add(10*time.Second)) || r.got[len(r.got)-1] != "late@10s" {
		t.Errorf("AdvanceToNext = %v %v, calls %q", at, ok, r.got)
	}
	if at, ok := c.AdvanceToNext(); ok {
		t.Errorf("AdvanceToNext with nothing pending = %v, true", at)
	}

	// Ties run in the order they were arranged, whatever happened to the
	// others meanwhile.
	r.got = nil
	c.AfterFunc(time.Second, r.add("p"))
	c.AfterFunc(5*time.Second, r.add("x"))
	c.AfterFunc(5*time.Second, r.add("z"))
	c.Advance(5 * time.Second)
	if want := []string{"p@11s", "x@15s", "z@15s"}; !slices.Equal(r.got, want) {
		t.Errorf("calls %q, want %q", r.got, want)
	}
}

func TestFakeClockStop(t *testing.T) {
	c := sched.NewFakeClock(epoch)
	r := &calls{c: c}
	a := c.AfterFunc(time.Second, r.add("a"))
	b := c.AfterFunc(2*time.Second, r.add("b"))
	if !a.Stop() {
		t.Error("Stop of a pending call = false")
	}
	if a.Stop() {
		t.Error("second Stop = true")
	}
	c.Advance(time.Minute)
	if b.Stop() {
		t.Error("Stop after the call ran = true")
	}
	if !slices.Equal(r.got, []string{"b@2s"}) {
		t.Errorf("calls %q, want only b", r.got)
	}
}

func TestFakeClockCallbacks(t *testing.T) {
	c := sched.NewFakeClock(epoch)
	r := &calls{c: c}
	// A call arranges another within the same Set; one past the target
	// stays pending.
	c.AfterFunc(time.Second, func() {
		r.add("outer")()
		c.AfterFunc(time.Second, r.add("inner"))
		c.AfterFunc(time.Hour, r.add("far"))
	})
	// d <= 0 runs before AfterFunc returns.
	c.AfterFunc(0, r.add("now"))
	c.AfterFunc(-time.Second, r.add("past"))
	if !slices.Equal(r.got, []string{"now@0s", "past@0s"}) {
		t.Fatalf("immediate calls %q", r.got)
	}
	c.Advance(3 * time.Second)
	want := []string{"now@0s", "past@0s", "outer@1s", "inner@2s"}
	if !slices.Equal(r.got, want) {
		t.Errorf("calls %q, want %q", r.got, want)
	}
	// Backwards: nothing runs; the far call keeps its instant.
	c.Set(epoch.Add(-time.Hour))
	if len(r.got) != len(want) || !c.Now().Equal(epoch.Add(-time.Hour)) {
		t.Errorf("after Set backwards: calls %q, now %v", r.got, c.Now())
	}
	if next, _ := c.Next(); !next.Equal(epoch.Add(time.Hour + time.Second)) {
		t.Errorf("far call at %v, want epoch+1h1s", next)
	}
}

func TestFakeClockBlockUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := sched.NewFakeClock(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan error, 1)
		go func() { got <- c.BlockUntil(ctx, 2) }()
		synctest.Wait() // BlockUntil waits: nothing is pending
		select {
		case err := <-got:
			t.Fatalf("BlockUntil(2) returned %v with nothing pending", err)
		default:
		}
		c.AfterFunc(time.Second, func() {})
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("BlockUntil(2) returned %v with one pending", err)
		default:
		}
		stop := c.AfterFunc(time.Second, func() {})
		if err := <-got; err != nil {
			t.Fatalf("BlockUntil(2) = %v with two pending", err)
		}
		if err := c.BlockUntil(ctx, 0); err != nil {
			t.Errorf("BlockUntil(0) = %v", err)
		}
		// Stopping a call counts too; a count never reached ends with
		// the context.
		stop.Stop()
		go func() { got <- c.BlockUntil(ctx, 2) }()
		synctest.Wait()
		cancel()
		if err := <-got; err != context.Canceled {
			t.Errorf("BlockUntil(2) after cancel = %v, want context.Canceled", err)
		}
	})
}

// The FakeClock satisfies Clock, and with Now alone it also satisfies a
// simulator's read-only clock interface.
var (
	_ sched.Clock                  = (*sched.FakeClock)(nil)
	_ interface{ Now() time.Time } = (*sched.FakeClock)(nil)
)
