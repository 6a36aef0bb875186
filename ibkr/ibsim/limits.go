package ibsim

import (
	"sync"
	"time"
)

// lineBudget counts the account's market data lines, shared by every
// client as on a real Gateway.
type lineBudget struct {
	mu   sync.Mutex
	max  int
	used int
	top  int
}

func newLineBudget(max int) *lineBudget { return &lineBudget{max: max} }

// acquire takes a line; false means the account is at its limit (101).
func (b *lineBudget) acquire() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used >= b.max {
		return false
	}
	b.used++
	b.top = max(b.top, b.used)
	return true
}

func (b *lineBudget) release() {
	b.mu.Lock()
	if b.used > 0 {
		b.used--
	}
	b.mu.Unlock()
}

func (b *lineBudget) inUse() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func (b *lineBudget) peak() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.top
}

// histRequest identifies a historical request for pacing.
type histRequest struct {
	// identical is the whole request: contract, end, duration, bar size,
	// what to show, RTH flag.
	identical string
	// series is contract + exchange + tick type (what to show).
	series string
	// weight is 2 for BID_ASK, else 1.
	weight int
	// small is true for bars of 30 seconds or less, which IB paces
	// strictly; larger bars are throttled softly instead of violated.
	small bool
}

type histRecord struct {
	at     time.Time
	req    histRequest
	weight int
}

// histPacer applies IB's historical data pacing rules across the whole
// Gateway (they are per account, not per connection).
type histPacer struct {
	mu     sync.Mutex
	lim    Limits
	recent []histRecord // ascending by time, within the longest window
	open   int
}

func newHistPacer(lim Limits) *histPacer { return &histPacer{lim: lim} }

// histVerdict is the outcome of admitting a historical request.
type histVerdict int

const (
	histOK       histVerdict = iota
	histViolated             // 162 pacing violation
	histTooMany              // more than HistMaxOpen open
	histThrottle             // soft limit: answer later (bars > 30 s)
)

// admit decides whether a request may run now, and if so counts it as open
// and records it. retryAt is when a throttled request may be admitted.
func (h *histPacer) admit(now time.Time, r histRequest) (v histVerdict, retryAt time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.trim(now)
	if h.open >= h.lim.HistMaxOpen {
		return histTooMany, time.Time{}
	}
	violation, until := h.check(now, r)
	if violation {
		if r.small {
			// A refused request is not recorded: it did not run.
			return histViolated, time.Time{}
		}
		return histThrottle, until
	}
	h.recent = append(h.recent, histRecord{at: now, req: r, weight: r.weight})
	h.open++
	return histOK, time.Time{}
}

// check applies the three window rules; until is when the request would
// pass them.
func (h *histPacer) check(now time.Time, r histRequest) (bool, time.Time) {
	var until time.Time
	bad := false
	later := func(t time.Time) {
		bad = true
		if t.After(until) {
			until = t
		}
	}
	burst, long := 0, 0
	var burstTimes, longTimes []time.Time
	for _, rec := range h.recent {
		age := now.Sub(rec.at)
		if rec.req.identical == r.identical && age < h.lim.HistIdenticalWindow {
			later(rec.at.Add(h.lim.HistIdenticalWindow))
		}
		if rec.req.series == r.series && age < h.lim.HistBurstWindow {
			burst += rec.weight
			burstTimes = append(burstTimes, rec.at)
		}
		if age < h.lim.HistLongWindow {
			long += rec.weight
			longTimes = append(longTimes, rec.at)
		}
	}
	// HistBurstCount or more in the burst window (this one included).
	if burst+r.weight >= h.lim.HistBurstCount && len(burstTimes) > 0 {
		later(burstTimes[0].Add(h.lim.HistBurstWindow))
	}
	// More than HistLongCount in the long window (this one included).
	if long+r.weight > h.lim.HistLongCount && len(longTimes) > 0 {
		later(longTimes[0].Add(h.lim.HistLongWindow))
	}
	return bad, until
}

func (h *histPacer) trim(now time.Time) {
	keep := max(h.lim.HistLongWindow, h.lim.HistIdenticalWindow, h.lim.HistBurstWindow)
	i := 0
	for i < len(h.recent) && now.Sub(h.recent[i].at) >= keep {
		i++
	}
	if i > 0 {
		h.recent = append(h.recent[:0], h.recent[i:]...)
	}
}

// done marks an admitted request as answered or cancelled.
func (h *histPacer) done() {
	h.mu.Lock()
	if h.open > 0 {
		h.open--
	}
	h.mu.Unlock()
}

func (h *histPacer) openCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open
}
