package pace

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Rules are IB's historical data pacing rules (ibkr.HistoricalPacing,
// defaults filled in).
type Rules struct {
	IdenticalWindow time.Duration
	BurstWindow     time.Duration
	BurstCount      int
	LongWindow      time.Duration
	LongCount       int
	MaxOpen         int
}

// Key identifies a historical request for IB's pacing rules.
type Key struct {
	// identical is the whole request (contract, end, duration, bar size,
	// what to show, RTH).
	Identical string
	// series is contract, exchange and tick type (what to show).
	Series string
	// weight: BID_ASK counts twice.
	Weight int
	// small: bars of 30 seconds or less, which IB paces strictly. Larger
	// bars only count against MaxOpen.
	Small bool
}

// Record is one request that was let through. at is when its answer
// arrived. A request still in flight is pending and counts as sent now:
// the Gateway times a request when it reads it, which the Session cannot
// see, but it is never later than the answer. So the Session's view of
// every window is never more lenient than the Gateway's, whatever the
// delays between them.
type Record struct {
	key     Key
	at      time.Time
	pending bool
}

// Historical admits historical requests by IB's rules, making callers wait
// instead of letting the Gateway refuse them (162).
type Historical struct {
	cfg Rules
	now func() time.Time

	mu      sync.Mutex
	recent  []*Record // ascending by at, as far as LongWindow
	open    int
	waiting int           // callers held back now
	changed chan struct{} // closed and replaced when a slot frees
}

// Counts returns the requests open and the callers held back now.
func (h *Historical) Counts() (open, waiting int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open, h.waiting
}

// margin widens a window by a little more than the clock resolution of
// either side.
func margin(w time.Duration) time.Duration { return w + 10*time.Millisecond }

// NewHistorical returns the admission for cfg on the clock now.
func NewHistorical(cfg Rules, now func() time.Time) *Historical {
	return &Historical{cfg: cfg, now: now, changed: make(chan struct{})}
}

// Admit waits until key may be sent and reserves its slot. The returned
// written func records the instant the request left; release frees its
// open slot once the request ended (answered, failed or cancelled).
func (h *Historical) Admit(ctx context.Context, key Key) (rec *Record, err error) {
	for {
		h.mu.Lock()
		now := h.now()
		h.trim(now)
		wait, full, why := h.earliest(now, key)
		if !full && wait <= 0 {
			rec = &Record{key: key, at: now, pending: true}
			h.recent = append(h.recent, rec)
			h.open++
			h.mu.Unlock()
			return rec, nil
		}
		changed := h.changed
		h.waiting++
		h.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if !full {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			err = fmt.Errorf("%w (held back by IB's historical pacing: %s)", ctx.Err(), why)
		case <-changed:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		h.mu.Lock()
		h.waiting--
		h.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// Answered records that the request's answer (bars, an error) arrived, or
// that the caller gave up on it and cancelled it.
func (h *Historical) Answered(rec *Record) {
	h.mu.Lock()
	rec.at = h.now()
	rec.pending = false
	// Keep recent sorted by time: the record moves to the end.
	for i, r := range h.recent {
		if r == rec {
			copy(h.recent[i:], h.recent[i+1:])
			h.recent[len(h.recent)-1] = rec
			break
		}
	}
	h.broadcast()
	h.mu.Unlock()
}

func (h *Historical) broadcast() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Release frees an open slot.
func (h *Historical) Release() {
	h.mu.Lock()
	if h.open > 0 {
		h.open--
	}
	h.broadcast()
	h.mu.Unlock()
}

// Forget drops a record whose request was never written (its caller gave
// up), so that it does not hold back later requests.
func (h *Historical) Forget(rec *Record) {
	h.mu.Lock()
	for i, r := range h.recent {
		if r == rec {
			h.recent = append(h.recent[:i], h.recent[i+1:]...)
			break
		}
	}
	h.broadcast()
	h.mu.Unlock()
}

func (h *Historical) trim(now time.Time) {
	keep := margin(max(h.cfg.LongWindow, h.cfg.IdenticalWindow, h.cfg.BurstWindow))
	keepRecs := h.recent[:0]
	for _, r := range h.recent {
		if r.pending || now.Sub(r.at) < keep {
			keepRecs = append(keepRecs, r)
		}
	}
	h.recent = keepRecs
}

// earliest returns how long key must wait under the window rules,
// whether the open-request limit blocks it (then only a release helps),
// and which rule holds it back.
func (h *Historical) earliest(now time.Time, key Key) (time.Duration, bool, string) {
	if h.open >= h.cfg.MaxOpen {
		return 0, true, fmt.Sprintf("%d requests open, IB allows %d at once", h.open, h.cfg.MaxOpen)
	}
	if !key.Small {
		return 0, false, ""
	}
	var until time.Time
	var why string
	later := func(t time.Time, reason string) {
		if t.After(until) {
			until, why = t, reason
		}
	}
	idW := margin(h.cfg.IdenticalWindow)
	burstW := margin(h.cfg.BurstWindow)
	longW := margin(h.cfg.LongWindow)
	// Weighted counts in the windows, oldest first, to find when enough
	// of them age out.
	var burst, long []*Record
	burstN, longN := 0, 0
	// In-flight requests count as sent now; they sort last.
	recs := make([]*Record, 0, len(h.recent))
	var pending []*Record
	for _, r := range h.recent {
		if r.pending {
			pending = append(pending, &Record{key: r.key, at: now})
		} else {
			recs = append(recs, r)
		}
	}
	recs = append(recs, pending...)
	for _, r := range recs {
		if !r.key.Small {
			continue
		}
		age := now.Sub(r.at)
		if r.key.Identical == key.Identical && age < idW {
			later(r.at.Add(idW), fmt.Sprintf("an identical request %v ago, IB allows one per %v", age.Round(time.Millisecond), h.cfg.IdenticalWindow))
		}
		if r.key.Series == key.Series && age < burstW {
			burst = append(burst, r)
			burstN += r.key.Weight
		}
		if age < longW {
			long = append(long, r)
			longN += r.key.Weight
		}
	}
	// At most BurstCount-1 in the burst window, this one included.
	for i, n := 0, burstN; n+key.Weight > h.cfg.BurstCount-1 && i < len(burst); i++ {
		later(burst[i].at.Add(burstW), fmt.Sprintf("%d requests for this contract and data type within %v, IB allows %d", burstN, h.cfg.BurstWindow, h.cfg.BurstCount-1))
		n -= burst[i].key.Weight
	}
	// At most LongCount in the long window, this one included.
	for i, n := 0, longN; n+key.Weight > h.cfg.LongCount && i < len(long); i++ {
		later(long[i].at.Add(longW), fmt.Sprintf("%d requests within %v, IB allows %d", longN, h.cfg.LongWindow, h.cfg.LongCount))
		n -= long[i].key.Weight
	}
	if until.IsZero() {
		return 0, false, ""
	}
	return until.Sub(now), false, why
}
