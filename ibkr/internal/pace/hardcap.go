package pace

import "time"

// Cap allows at most n events in any window, counted as the Gateway
// counts messages: by a sliding window over the instants they were sent.
// An event is reserved when its frame joins a batch and stamped when the
// batch was written, so a frame held in a batch is never counted earlier
// than it left. Reserved, unstamped events count as "now".
type Cap struct {
	n      int
	window time.Duration
	now    func() time.Time
	times  []time.Time // ring of the last n event times; pendingMark while reserved
	next   int
	// pending is the number of reserved, unstamped events (the newest).
	pending int
	// sleep waits for d or until stop closes; false means stop closed.
	sleep func(d time.Duration, stop <-chan struct{}) bool
}

// pendingMark marks a reserved slot.
var pendingMark = time.Unix(1<<62, 0)

func NewCap(n int, window time.Duration) *Cap {
	if n <= 0 {
		return nil
	}
	return &Cap{n: n, window: window, now: time.Now, times: make([]time.Time, n), sleep: sleepOrStop}
}

func sleepOrStop(d time.Duration, stop <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// MustWait reports whether one more event would exceed the cap now: the
// slot it would reuse holds an event inside the window, or one still
// reserved (then the batch must be written first).
func (c *Cap) MustWait() bool {
	if c == nil {
		return false
	}
	oldest := c.times[c.next]
	if oldest.IsZero() {
		return false
	}
	if oldest.Equal(pendingMark) {
		return true
	}
	return c.now().Sub(oldest) < c.window
}

// Wait blocks until one more event fits. Call it with no reserved events
// (after stamp). It returns false if stop closed first. A nil cap never
// waits.
func (c *Cap) Wait(stop <-chan struct{}) bool {
	if c == nil {
		return true
	}
	oldest := c.times[c.next]
	if oldest.IsZero() || oldest.Equal(pendingMark) {
		return true
	}
	if d := c.window - c.now().Sub(oldest); d > 0 {
		return c.sleep(d, stop)
	}
	return true
}

// Reserve takes a slot for an event about to be written.
func (c *Cap) Reserve() {
	if c == nil {
		return
	}
	c.times[c.next] = pendingMark
	c.next = (c.next + 1) % c.n
	c.pending = min(c.pending+1, c.n)
}

// Stamp records the reserved events as sent now (their batch was written).
func (c *Cap) Stamp() {
	if c == nil || c.pending == 0 {
		return
	}
	t := c.now()
	for i := 1; i <= c.pending; i++ {
		c.times[(c.next-i+c.n)%c.n] = t
	}
	c.pending = 0
}
