package ibkr

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// hmdsKey identifies a historical request for IB's pacing rules.
type hmdsKey struct {
	// identical is the whole request (contract, end, duration, bar size,
	// what to show, RTH).
	identical string
	// series is contract, exchange and tick type (what to show).
	series string
	// weight: BID_ASK counts twice.
	weight int
	// small: bars of 30 seconds or less, which IB paces strictly. Larger
	// bars only count against MaxOpen.
	small bool
}

// hmdsRecord is one request that was let through. at is when its answer
// arrived. A request still in flight is pending and counts as sent now:
// the Gateway times a request when it reads it, which the Session cannot
// see, but it is never later than the answer. So the Session's view of
// every window is never more lenient than the Gateway's, whatever the
// delays between them.
type hmdsRecord struct {
	key     hmdsKey
	at      time.Time
	pending bool
}

// hmds admits historical requests by IB's rules, making callers wait
// instead of letting the Gateway refuse them (162).
type hmds struct {
	cfg HistoricalPacing
	now func() time.Time

	mu      sync.Mutex
	recent  []*hmdsRecord // ascending by at, as far as LongWindow
	open    int
	waiting int           // callers held back now
	changed chan struct{} // closed and replaced when a slot frees
}

// counts returns the requests open and the callers held back now.
func (h *hmds) counts() (open, waiting int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open, h.waiting
}

// margin widens a window by a little more than the clock resolution of
// either side.
func margin(w time.Duration) time.Duration { return w + 10*time.Millisecond }

func newHMDS(cfg HistoricalPacing, now func() time.Time) *hmds {
	return &hmds{cfg: cfg, now: now, changed: make(chan struct{})}
}

// admit waits until key may be sent and reserves its slot. The returned
// written func records the instant the request left; release frees its
// open slot once the request ended (answered, failed or cancelled).
func (h *hmds) admit(ctx context.Context, key hmdsKey) (rec *hmdsRecord, err error) {
	for {
		h.mu.Lock()
		now := h.now()
		h.trim(now)
		wait, full, why := h.earliest(now, key)
		if !full && wait <= 0 {
			rec = &hmdsRecord{key: key, at: now, pending: true}
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

// answered records that the request's answer (bars, an error) arrived, or
// that the caller gave up on it and cancelled it.
func (h *hmds) answered(rec *hmdsRecord) {
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

func (h *hmds) broadcast() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// release frees an open slot.
func (h *hmds) release() {
	h.mu.Lock()
	if h.open > 0 {
		h.open--
	}
	h.broadcast()
	h.mu.Unlock()
}

// forget drops a record whose request was never written (its caller gave
// up), so that it does not hold back later requests.
func (h *hmds) forget(rec *hmdsRecord) {
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

func (h *hmds) trim(now time.Time) {
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
func (h *hmds) earliest(now time.Time, key hmdsKey) (time.Duration, bool, string) {
	if h.open >= h.cfg.MaxOpen {
		return 0, true, fmt.Sprintf("%d requests open, IB allows %d at once", h.open, h.cfg.MaxOpen)
	}
	if !key.small {
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
	var burst, long []*hmdsRecord
	burstN, longN := 0, 0
	// In-flight requests count as sent now; they sort last.
	recs := make([]*hmdsRecord, 0, len(h.recent))
	var pending []*hmdsRecord
	for _, r := range h.recent {
		if r.pending {
			pending = append(pending, &hmdsRecord{key: r.key, at: now})
		} else {
			recs = append(recs, r)
		}
	}
	recs = append(recs, pending...)
	for _, r := range recs {
		if !r.key.small {
			continue
		}
		age := now.Sub(r.at)
		if r.key.identical == key.identical && age < idW {
			later(r.at.Add(idW), fmt.Sprintf("an identical request %v ago, IB allows one per %v", age.Round(time.Millisecond), h.cfg.IdenticalWindow))
		}
		if r.key.series == key.series && age < burstW {
			burst = append(burst, r)
			burstN += r.key.weight
		}
		if age < longW {
			long = append(long, r)
			longN += r.key.weight
		}
	}
	// At most BurstCount-1 in the burst window, this one included.
	for i, n := 0, burstN; n+key.weight > h.cfg.BurstCount-1 && i < len(burst); i++ {
		later(burst[i].at.Add(burstW), fmt.Sprintf("%d requests for this contract and data type within %v, IB allows %d", burstN, h.cfg.BurstWindow, h.cfg.BurstCount-1))
		n -= burst[i].key.weight
	}
	// At most LongCount in the long window, this one included.
	for i, n := 0, longN; n+key.weight > h.cfg.LongCount && i < len(long); i++ {
		later(long[i].at.Add(longW), fmt.Sprintf("%d requests within %v, IB allows %d", longN, h.cfg.LongWindow, h.cfg.LongCount))
		n -= long[i].key.weight
	}
	if until.IsZero() {
		return 0, false, ""
	}
	return until.Sub(now), false, why
}
