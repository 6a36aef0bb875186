package ibkr

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scmhub/ibapi"
	"golang.org/x/time/rate"
)

// lane is a write priority. Lower lanes leave first.
type lane int

const (
	// laneOrder: orders and every cancel (an order cancel, a market data or
	// historical cancel). A cancel frees a Gateway resource; an order is
	// time-critical.
	laneOrder lane = iota
	// laneInteractive: one-shot requests a caller waits on.
	laneInteractive
	// laneBulk: historical data and other large or background requests.
	laneBulk
	numLanes
)

// job is one message to write. send runs on the write path (the writer
// goroutine, or the caller inline) with the live EClient, under
// Session.ecMu; it must call at most one EClient method, and returns an
// error instead when it decides not to write (the message did not leave).
type job struct {
	ctx  context.Context // nil: always written
	lane lane
	// gen is the connection generation the job was made for; 0 means any.
	// A job for an older connection fails with ErrDisconnected.
	gen  uint64
	send func(ec *ibapi.EClient) error
	// done receives nil once written, or the reason it was not.
	done chan error
	// state: 0 queued, 1 taken by the writer, 2 abandoned by its caller.
	// Whoever moves it from 0 first decides whether the message leaves.
	state atomic.Int32
}

const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

// abandon withdraws a queued job. It returns false if the writer already
// took it (the message is being or was written).
func (j *job) abandon() bool { return j.state.CompareAndSwap(jobQueued, jobAbandoned) }

// do adapts an EClient call that always writes to a job's send.
func do(fn func(ec *ibapi.EClient)) func(ec *ibapi.EClient) error {
	return func(ec *ibapi.EClient) error {
		fn(ec)
		return nil
	}
}

// bulkShare is how bulk and interactive jobs share the rate while both
// wait: after bulkShare-1 interactive messages, one bulk message leaves,
// so a queued historical request is never starved by interactive load
// (it gets at least 1/bulkShare of the rate). Orders and cancels always
// leave first.
const bulkShare = 5

// writer is the Session's single write path: three priority lanes and one
// rate limiter in front of the EClient.
type writer struct {
	lim    *rate.Limiter
	mu     sync.Mutex
	queues [numLanes][]*job
	wake   chan struct{}
	// sinceBulk counts interactive messages written while bulk waited.
	sinceBulk int
	// written counts messages written, by lane (for tests and metrics).
	written [numLanes]uint64
	// paced counts messages that waited for the rate limiter, and for how
	// long in all.
	paced     uint64
	pacedTime time.Duration
	// onWrite, when set (tests), is called under mu after each message is
	// written with its lane and the counts so far.
	onWrite atomic.Pointer[func(l lane, written [numLanes]uint64)]
}

func newWriter(r float64, burst int) *writer {
	return &writer{
		lim:  rate.NewLimiter(rate.Limit(r), burst),
		wake: make(chan struct{}, 1),
	}
}

// enqueue adds jobs, consecutively in their lanes. It never blocks.
func (w *writer) enqueue(js ...*job) {
	w.mu.Lock()
	for _, j := range js {
		w.queues[j.lane] = append(w.queues[j.lane], j)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// next removes the most urgent job, or returns nil: an order or cancel if
// one waits; else interactive and bulk by their shares (see bulkShare).
func (w *writer) next() *job {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := laneOrder
	switch {
	case len(w.queues[laneOrder]) > 0:
	case len(w.queues[laneInteractive]) > 0 && len(w.queues[laneBulk]) > 0:
		if w.sinceBulk >= bulkShare-1 {
			l, w.sinceBulk = laneBulk, 0
		} else {
			l = laneInteractive
			w.sinceBulk++
		}
	case len(w.queues[laneInteractive]) > 0:
		l = laneInteractive
	case len(w.queues[laneBulk]) > 0:
		l, w.sinceBulk = laneBulk, 0
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

// position returns how many jobs would leave before j (0 if j is not
// queued), for error messages.
func (w *writer) position(j *job) (ahead int, queued bool) {
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
func (w *writer) pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, q := range w.queues {
		if len(q) > 0 {
			return true
		}
	}
	return false
}

// tryInline writes a job on the caller's goroutine when nothing waits in
// any lane and the limiter has a token now: the writer goroutine would take
// the same job next, so skipping the hand-off changes no order. It returns
// false (and takes no token) otherwise.
func (w *writer) tryInline(j *job, write func(j *job) error) (bool, error) {
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
		w.count(j.lane)
		w.mu.Unlock()
	}
	return true, err
}

// count records a message written on lane l. Caller holds w.mu.
func (w *writer) count(l lane) {
	w.written[l]++
	if f := w.onWrite.Load(); f != nil {
		(*f)(l, w.written)
	}
}

// queued returns the number of jobs waiting.
func (w *writer) queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, q := range w.queues {
		n += len(q)
	}
	return n
}

// failAll fails every queued job with err.
func (w *writer) failAll(err error) {
	w.mu.Lock()
	var all []*job
	for l := range w.queues {
		all = append(all, w.queues[l]...)
		w.queues[l] = nil
	}
	w.mu.Unlock()
	for _, j := range all {
		if j.abandon() {
			j.finish(err)
		}
	}
}

func (j *job) finish(err error) {
	if j.done != nil {
		select {
		case j.done <- err:
		default:
		}
	}
}

// run is the writer goroutine. Each message first takes a token from the
// limiter, then the most urgent job at that instant is written, so an
// order queued during a burst leaves ahead of everything queued before it.
// write performs the EClient call on the live connection and returns false
// if there is none; the job then fails with ErrDisconnected.
func (w *writer) run(ctx context.Context, write func(j *job) error) {
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
		var j *job
		for j = w.next(); j != nil; j = w.next() {
			if j.ctx != nil && j.ctx.Err() != nil && j.abandon() {
				j.finish(j.ctx.Err())
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
			w.count(j.lane)
			w.mu.Unlock()
		}
		j.finish(err)
	}
}
