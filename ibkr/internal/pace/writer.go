package pace

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Lane is a write priority. Lower lanes leave first.
type Lane int

const (
	// LaneOrder: orders and every cancel (an order cancel, a market data or
	// historical cancel). A cancel frees a Gateway resource; an order is
	// time-critical.
	LaneOrder Lane = iota
	// LaneInteractive: one-shot requests a caller waits on.
	LaneInteractive
	// LaneBulk: historical data and other large or background requests.
	LaneBulk
	// NumLanes is the number of lanes.
	NumLanes
)

// Job is one message to write: Req, or the message Build returns. Build, if
// set, runs on the write path (the writer goroutine, or the caller inline)
// right before the write, under the caller's write lock; it returns an
// error instead when it decides not to write (the message did not leave).
// That is where an order's id is allocated, so that ids reach the Gateway
// in increasing order.
type Job[R any] struct {
	Ctx  context.Context // nil: always written
	Lane Lane
	// Gen is the connection generation the job was made for; 0 means any.
	// The write function decides what an older generation means.
	Gen   uint64
	Req   R
	Build func() (R, error)
	// Done receives nil once written, or the reason it was not; nil for a
	// job nobody waits on. It must be buffered.
	Done chan error
	// state: 0 queued, 1 taken by the writer, 2 abandoned by its caller.
	// Whoever moves it from 0 first decides whether the message leaves.
	state atomic.Int32
}

// Message returns the message to write: Build's, or Req.
func (j *Job[R]) Message() (R, error) {
	if j.Build != nil {
		return j.Build()
	}
	return j.Req, nil
}

const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

// Abandon withdraws a queued job. It returns false if the writer already
// took it (the message is being or was written).
func (j *Job[R]) Abandon() bool { return j.state.CompareAndSwap(jobQueued, jobAbandoned) }

// BulkShare is how bulk and interactive jobs share the rate while both
// wait: after BulkShare-1 interactive messages, one bulk message leaves,
// so a queued historical request is never starved by interactive load
// (it gets at least 1/BulkShare of the rate). Orders and cancels always
// leave first.
const BulkShare = 5

// Writer is the Session's single write path: three priority lanes and one
// rate limiter in front of the connection. R is the message type.
type Writer[R any] struct {
	lim    *rate.Limiter
	mu     sync.Mutex
	queues [NumLanes][]*Job[R]
	wake   chan struct{}
	// sinceBulk counts interactive messages written while bulk waited.
	sinceBulk int
	// written counts messages written, by lane (for tests and metrics).
	written [NumLanes]uint64
	// paced counts messages that waited for the rate limiter, and for how
	// long in all.
	paced     uint64
	pacedTime time.Duration
	// onWrite, when set (tests), is called under mu after each message is
	// written with its lane and the counts so far.
	onWrite atomic.Pointer[func(l Lane, written [NumLanes]uint64)]
}

// SetOnWrite makes f (nil: nothing) be called after each message is
// written, with its lane and the counts by lane so far, under the
// writer's lock: f must not block or call the writer. For tests that
// check the order messages leave in.
func (w *Writer[R]) SetOnWrite(f func(l Lane, written [NumLanes]uint64)) {
	if f == nil {
		w.onWrite.Store(nil)
		return
	}
	w.onWrite.Store(&f)
}

// count records a message written on lane l. Caller holds w.mu.
func (w *Writer[R]) count(l Lane) {
	w.written[l]++
	if f := w.onWrite.Load(); f != nil {
		(*f)(l, w.written)
	}
}

// NewWriter returns a writer keeping to r messages per second with burst.
func NewWriter[R any](r float64, burst int) *Writer[R] {
	return &Writer[R]{
		lim:  rate.NewLimiter(rate.Limit(r), burst),
		wake: make(chan struct{}, 1),
	}
}

// Enqueue adds jobs, consecutively in their lanes. It never blocks.
func (w *Writer[R]) Enqueue(js ...*Job[R]) {
	w.mu.Lock()
	for _, j := range js {
		w.queues[j.Lane] = append(w.queues[j.Lane], j)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// next removes the most urgent job, or returns nil: an order or cancel if
// one waits; else interactive and bulk by their shares (see BulkShare).
func (w *Writer[R]) next() *Job[R] {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := LaneOrder
	switch {
	case len(w.queues[LaneOrder]) > 0:
	case len(w.queues[LaneInteractive]) > 0 && len(w.queues[LaneBulk]) > 0:
		if w.sinceBulk >= BulkShare-1 {
			l, w.sinceBulk = LaneBulk, 0
		} else {
			l = LaneInteractive
			w.sinceBulk++
		}
	case len(w.queues[LaneInteractive]) > 0:
		l = LaneInteractive
	case len(w.queues[LaneBulk]) > 0:
		l, w.sinceBulk = LaneBulk, 0
	default:
		return nil
	}
	q := w.queues[l]
	j := q[0]
	q[0] = nil
	if len(q) == 1 {
		w.queues[l] = q[:0] // keep the array for the next burst
	} else {
		w.queues[l] = q[1:]
	}
	return j
}

// Position returns how many jobs would leave before j (0 if j is not
// queued), for error messages.
func (w *Writer[R]) Position(j *Job[R]) (ahead int, queued bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for l := range w.queues {
		for i, x := range w.queues[l] {
			if x == j {
				for k := 0; k < l; k++ {
					ahead += len(w.queues[k])
				}
				return ahead + i, true
			}
		}
	}
	return 0, false
}

// pending reports whether any job waits.
func (w *Writer[R]) pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, q := range w.queues {
		if len(q) > 0 {
			return true
		}
	}
	return false
}

// TryInline writes a job on the caller's goroutine when nothing waits in
// any lane and the limiter has a token now: the writer goroutine would take
// the same job next, so skipping the hand-off changes no order. It returns
// false (and takes no token) otherwise.
func (w *Writer[R]) TryInline(j *Job[R], write func(j *Job[R]) error) (bool, error) {
	w.mu.Lock()
	for _, q := range w.queues {
		if len(q) > 0 {
			w.mu.Unlock()
			return false, nil
		}
	}
	if !w.lim.Allow() {
		w.mu.Unlock()
		return false, nil
	}
	w.mu.Unlock()
	j.state.Store(jobTaken)
	err := write(j)
	if err == nil {
		w.mu.Lock()
		w.count(j.Lane)
		w.mu.Unlock()
	}
	return true, err
}

// Queued returns the number of jobs waiting.
func (w *Writer[R]) Queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, q := range w.queues {
		n += len(q)
	}
	return n
}

// FailAll fails every queued job with err.
func (w *Writer[R]) FailAll(err error) {
	w.mu.Lock()
	var all []*Job[R]
	for l := range w.queues {
		all = append(all, w.queues[l]...)
		w.queues[l] = nil
	}
	w.mu.Unlock()
	for _, j := range all {
		if j.Abandon() {
			j.Finish(err)
		}
	}
}

// Finish reports err (nil: written) to whoever waits on the job.
func (j *Job[R]) Finish(err error) {
	if j.Done != nil {
		select {
		case j.Done <- err:
		default:
		}
	}
}

// Run is the writer goroutine. Each message first takes a token from the
// limiter, then the most urgent job at that instant is written, so an
// order queued during a burst leaves ahead of everything queued before it.
// write performs the EClient call on the live connection and returns false
// if there is none; the job then fails with ErrDisconnected.
func (w *Writer[R]) Run(ctx context.Context, write func(j *Job[R]) error) {
	for {
		if !w.pending() {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
				continue
			}
		}
		if r := w.lim.Reserve(); !r.OK() {
			return
		} else if d := r.Delay(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				r.Cancel()
				return
			}
			w.mu.Lock()
			w.paced++
			w.pacedTime += d
			w.mu.Unlock()
		}
		var j *Job[R]
		for j = w.next(); j != nil; j = w.next() {
			if j.Ctx != nil && j.Ctx.Err() != nil && j.Abandon() {
				j.Finish(j.Ctx.Err())
				continue
			}
			if j.state.CompareAndSwap(jobQueued, jobTaken) {
				break
			}
			// Abandoned by its caller.
		}
		if j == nil {
			// Every waiting job was abandoned; the token is spent, which
			// only makes the rate lower.
			continue
		}
		err := write(j)
		if err == nil {
			w.mu.Lock()
			w.count(j.Lane)
			w.mu.Unlock()
		}
		j.Finish(err)
	}
}

// Limiter is the writer's rate limiter (the first request of a connection
// takes its token from it too).
func (w *Writer[R]) Limiter() *rate.Limiter { return w.lim }

// WriterStats are a writer's counters.
type WriterStats struct {
	// Written counts messages written, by lane.
	Written [NumLanes]uint64
	// Queued is the number of messages waiting now.
	Queued int
	// Paced counts messages that waited for the rate limiter; PacedTime is
	// how long they waited in all.
	Paced     uint64
	PacedTime time.Duration
}

// Stats returns the writer's counters.
func (w *Writer[R]) Stats() WriterStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := WriterStats{Written: w.written, Paced: w.paced, PacedTime: w.pacedTime}
	for _, q := range w.queues {
		st.Queued += len(q)
	}
	return st
}
