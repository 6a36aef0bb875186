package alert

import "time"

// window is a sliding-window limiter: at most events starts in any span of
// length per. Each channel's sender goroutine owns one; it is not safe for
// concurrent use.
type window struct {
	events int
	per    time.Duration
	starts []time.Time // ring of the last events starts
	next   int         // oldest entry once the ring is full
}

func newWindow(rl RateLimit) *window {
	if rl.Events <= 0 {
		return nil // no limit
	}
	return &window{events: rl.Events, per: rl.Per, starts: make([]time.Time, 0, rl.Events)}
}

// reserve records a start at now and returns 0 when the limit allows it,
// or else records nothing and returns how long to wait before asking
// again. A nil window allows everything.
func (w *window) reserve(now time.Time) time.Duration {
	if w == nil {
		return 0
	}
	if len(w.starts) < w.events {
		w.starts = append(w.starts, now)
		return 0
	}
	if d := w.starts[w.next].Add(w.per).Sub(now); d > 0 {
		return d
	}
	w.starts[w.next] = now
	w.next = (w.next + 1) % w.events
	return 0
}
