package pace

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeNow is a settable clock for the pacing rules.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func newTestHMDS(f *fakeNow) *Historical {
	return NewHistorical(Rules{IdenticalWindow: 15 * time.Second, BurstWindow: 2 * time.Second, BurstCount: 6,
		LongWindow: 10 * time.Minute, LongCount: 60, MaxOpen: 50}, f.now)
}

func small(ident, series string) Key {
	return Key{Identical: ident, Series: series, Weight: 1, Small: true}
}

// admitNow admits a key that must pass at once, and marks it answered.
func admitNow(t *testing.T, h *Historical, k Key) {
	t.Helper()
	if wait, full, _ := h.earliest(h.now(), k); full || wait > 0 {
		t.Fatalf("%v: must wait %v (full %v), want admission now", k, wait, full)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec, err := h.Admit(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	h.Answered(rec)
	h.Release()
}

func TestHMDSRules(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	t.Run("identical", func(t *testing.T) {
		f := &fakeNow{t0}
		h := newTestHMDS(f)
		admitNow(t, h, small("a", "SPY"))
		f.t = t0.Add(10 * time.Second)
		wait, _, _ := h.earliest(f.t, small("a", "SPY"))
		if want := margin(15*time.Second) - 10*time.Second; wait != want {
			t.Errorf("identical after 10s waits %v, want %v", wait, want)
		}
		if wait, _, _ := h.earliest(f.t, small("b", "SPY")); wait != 0 {
			t.Errorf("a different request waits %v", wait)
		}
	})
	t.Run("burst per series", func(t *testing.T) {
		f := &fakeNow{t0}
		h := newTestHMDS(f)
		for i := range 5 {
			f.t = t0.Add(time.Duration(i) * 100 * time.Millisecond)
			admitNow(t, h, small(string(rune('a'+i)), "SPY"))
		}
		wait, _, _ := h.earliest(f.t, small("z", "SPY"))
		if want := margin(2*time.Second) - 400*time.Millisecond; wait != want {
			t.Errorf("sixth in 2s waits %v, want %v", wait, want)
		}
		if wait, _, _ := h.earliest(f.t, small("z", "QQQ")); wait != 0 {
			t.Errorf("another series waits %v", wait)
		}
		// BID_ASK counts twice.
		f2 := &fakeNow{t0}
		h2 := newTestHMDS(f2)
		for i := range 2 {
			admitNow(t, h2, Key{Identical: string(rune('a' + i)), Series: "SPY", Weight: 2, Small: true})
		}
		if wait, _, _ := h2.earliest(f2.t, Key{Identical: "c", Series: "SPY", Weight: 2, Small: true}); wait == 0 {
			t.Error("a third BID_ASK (weight 6 in all) was admitted at once")
		}
	})
	t.Run("sixty per ten minutes", func(t *testing.T) {
		f := &fakeNow{t0}
		h := newTestHMDS(f)
		for i := range 60 {
			f.t = t0.Add(time.Duration(i) * 5 * time.Second)
			admitNow(t, h, small(string(rune(1000+i)), string(rune(1000+i))))
		}
		wait, _, _ := h.earliest(f.t, small("x", "x"))
		if want := margin(10*time.Minute) - 295*time.Second; wait != want {
			t.Errorf("61st waits %v, want %v", wait, want)
		}
		// Bars over 30 s are not paced by the window rules.
		if wait, full, _ := h.earliest(f.t, Key{Identical: "d", Series: "d", Weight: 1}); wait != 0 || full {
			t.Errorf("a daily-bar request waits %v", wait)
		}
	})
	t.Run("in flight counts as now", func(t *testing.T) {
		f := &fakeNow{t0}
		h := newTestHMDS(f)
		rec, err := h.Admit(context.Background(), small("a", "SPY"))
		if err != nil {
			t.Fatal(err)
		}
		// An hour later the unanswered request still blocks its twin.
		f.t = t0.Add(time.Hour)
		if wait, _, _ := h.earliest(f.t, small("a", "SPY")); wait != margin(15*time.Second) {
			t.Errorf("twin of an in-flight request waits %v, want a full window", wait)
		}
		h.Answered(rec)
		h.Release()
		f.t = f.t.Add(margin(15 * time.Second))
		if wait, _, _ := h.earliest(f.t, small("a", "SPY")); wait != 0 {
			t.Errorf("after the answer and a window: waits %v", wait)
		}
	})
	t.Run("fifty open", func(t *testing.T) {
		f := &fakeNow{t0}
		h := newTestHMDS(f)
		for i := range 50 {
			if _, err := h.Admit(context.Background(), Key{Identical: string(rune(2000 + i)), Series: "s", Weight: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if _, full, _ := h.earliest(f.t, Key{Identical: "more", Series: "m", Weight: 1}); !full {
			t.Fatal("51st open request admitted")
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := h.Admit(ctx, Key{Identical: "more", Series: "m", Weight: 1})
			done <- err
		}()
		h.Release() // one answered: the waiter gets the slot
		if err := <-done; err != nil {
			t.Fatalf("waiter after a release: %v", err)
		}
		cancel()
	})
	t.Run("ctx ends the wait", func(t *testing.T) {
		f := &fakeNow{t0}
		h := newTestHMDS(f)
		admitNow(t, h, small("a", "SPY"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := h.Admit(ctx, small("a", "SPY"))
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "identical request") {
			t.Errorf("admit with a cancelled ctx: %v, want context.Canceled naming the identical-request rule", err)
		}
	})
}
