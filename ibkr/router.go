package ibkr

import (
	"context"
	"sync"
	"sync/atomic"
)

// target is anything the router can deliver an error to.
type target interface {
	fail(err error)
}

// resumable is a stream that outlives a connection: on a new connection it
// is requested again under a new request id.
type resumable interface {
	target
	// resume re-requests the stream on the session's current connection.
	resume(s *Session)
	// lost tells the stream its connection ended (a gap).
	lost()
}

// router maps request ids to their waiting requests. The EClient's decoder
// goroutine calls into it through the wrapper; nothing on that path blocks.
type router struct {
	nextID atomic.Int64

	mu   sync.Mutex
	reqs map[int64]target

	// Requests the Gateway answers without a request id: first in, first
	// served.
	timeWaiters []*oneShot[int64]
}

// firstReqID starts request ids far above order ids, so that an error
// message's id (a request id or an order id) is never ambiguous.
const firstReqID = 1 << 30

func newRouter() *router {
	r := &router{reqs: make(map[int64]target)}
	r.nextID.Store(firstReqID)
	return r
}

// newID returns a request id unique for the Session's lifetime (it wraps
// within the upper half of the int32 range).
func (r *router) newID() int64 {
	for {
		id := r.nextID.Add(1)
		if id < 1<<31-1 {
			return id
		}
		r.nextID.CompareAndSwap(id, firstReqID)
	}
}

func (r *router) add(id int64, t target) {
	r.mu.Lock()
	r.reqs[id] = t
	r.mu.Unlock()
}

func (r *router) get(id int64) target {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[id]
}

func (r *router) remove(id int64) {
	r.mu.Lock()
	delete(r.reqs, id)
	r.mu.Unlock()
}

// failAll fails every one-shot with err and tells every stream it lost its
// connection. Streams stay registered under their old ids until they
// resume.
func (r *router) failAll(err error) []resumable {
	r.mu.Lock()
	var streams []resumable
	var oneShots []target
	for id, t := range r.reqs {
		if st, ok := t.(resumable); ok {
			streams = append(streams, st)
			delete(r.reqs, id)
			continue
		}
		oneShots = append(oneShots, t)
		delete(r.reqs, id)
	}
	tw := r.timeWaiters
	r.timeWaiters = nil
	r.mu.Unlock()
	for _, t := range oneShots {
		t.fail(err)
	}
	for _, w := range tw {
		w.fail(err)
	}
	for _, st := range streams {
		st.lost()
	}
	return streams
}

// count returns the number of registered requests.
func (r *router) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// streams returns the registered streams.
func (r *router) streams() []resumable {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []resumable
	for _, t := range r.reqs {
		if st, ok := t.(resumable); ok {
			out = append(out, st)
		}
	}
	return out
}

// pushTimeWaiter queues a reqCurrentTime waiter.
func (r *router) pushTimeWaiter(w *oneShot[int64]) {
	r.mu.Lock()
	r.timeWaiters = append(r.timeWaiters, w)
	r.mu.Unlock()
}

// dropTimeWaiter removes a waiter whose request was never written.
func (r *router) dropTimeWaiter(w *oneShot[int64]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.timeWaiters {
		if x == w {
			r.timeWaiters = append(r.timeWaiters[:i], r.timeWaiters[i+1:]...)
			return
		}
	}
}

// popTimeWaiter returns the oldest reqCurrentTime waiter.
func (r *router) popTimeWaiter() *oneShot[int64] {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.timeWaiters) == 0 {
		return nil
	}
	w := r.timeWaiters[0]
	r.timeWaiters[0] = nil
	if len(r.timeWaiters) == 1 {
		r.timeWaiters = r.timeWaiters[:0]
	} else {
		r.timeWaiters = r.timeWaiters[1:]
	}
	return w
}

// oneShot accumulates the answer of one request: zero or more items, then
// an end or an error. Its methods never block.
type oneShot[T any] struct {
	mu    sync.Mutex
	items []T
	err   error
	done  chan struct{}
	once  sync.Once
}

func newOneShot[T any]() *oneShot[T] { return &oneShot[T]{done: make(chan struct{})} }

func (o *oneShot[T]) add(v T) {
	o.mu.Lock()
	o.items = append(o.items, v)
	o.mu.Unlock()
}

// finish ends the request successfully.
func (o *oneShot[T]) finish() { o.once.Do(func() { close(o.done) }) }

// fail ends the request with err (the first end wins).
func (o *oneShot[T]) fail(err error) {
	o.once.Do(func() {
		o.mu.Lock()
		o.err = err
		o.mu.Unlock()
		close(o.done)
	})
}

// finished reports whether the request has ended.
func (o *oneShot[T]) finished() bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// wait returns the items once the request ended, or ctx's error.
func (o *oneShot[T]) wait(ctx context.Context) ([]T, error) {
	select {
	case <-o.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return nil, o.err
	}
	return o.items, nil
}

// flight shares one in-flight request among concurrent callers, for the
// Gateway's requests that carry no request id (open orders, positions,
// completed orders): a second request while one is running could not be
// told apart from it.
type flight[T any] struct {
	mu  sync.Mutex
	cur *oneShot[T]
}

// join returns the running request, or starts one with start.
func (f *flight[T]) join(start func(o *oneShot[T])) *oneShot[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil && !f.cur.finished() {
		return f.cur
	}
	o := newOneShot[T]()
	f.cur = o
	start(o)
	return o
}

// current returns the running request or nil.
func (f *flight[T]) current() *oneShot[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil && !f.cur.finished() {
		return f.cur
	}
	return nil
}

// fail ends the running request with err.
func (f *flight[T]) fail(err error) {
	if o := f.current(); o != nil {
		o.fail(err)
	}
}
