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
	r.mu.Unlock()
	for _, t := range oneShots {
		t.fail(err)
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
//
// An answer can be lost (a hung request). A caller that gives up marks the
// request suspect; the next caller sends a fresh request instead of joining
// it, and the suspect one is chained to the fresh one, so that whatever
// answer arrives next resolves both: the flight never stays stuck on an
// answer that will not come.
type flight[T any] struct {
	mu      sync.Mutex
	cur     *oneShot[T]
	chained []*oneShot[T]
	suspect bool
}

// join returns the running request, or starts one with start.
func (f *flight[T]) join(start func(o *oneShot[T])) *oneShot[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil && !f.cur.finished() {
		if !f.suspect {
			return f.cur
		}
		f.chained = append(f.chained, f.cur)
	} else {
		f.chained = nil
	}
	o := newOneShot[T]()
	f.cur, f.suspect = o, false
	start(o)
	return o
}

// wait waits for o with ctx; a caller giving up marks o suspect.
func (f *flight[T]) wait(ctx context.Context, o *oneShot[T]) ([]T, error) {
	v, err := o.wait(ctx)
	if err != nil && ctx.Err() != nil {
		f.mu.Lock()
		if f.cur == o {
			f.suspect = true
		}
		f.mu.Unlock()
	}
	return v, err
}

// targets returns the running request and those chained to it.
func (f *flight[T]) targets() []*oneShot[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil || f.cur.finished() {
		return nil
	}
	return append([]*oneShot[T]{f.cur}, f.chained...)
}

// active reports whether a request is running.
func (f *flight[T]) active() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur != nil && !f.cur.finished()
}

// add delivers one item of the answer.
func (f *flight[T]) add(v T) {
	for _, o := range f.targets() {
		o.add(v)
	}
}

// finish ends the running request (and those chained to it).
func (f *flight[T]) finish() {
	ts := f.targets()
	f.mu.Lock()
	f.chained = nil
	f.mu.Unlock()
	for _, o := range ts {
		o.finish()
	}
}

// fail ends the running request with err.
func (f *flight[T]) fail(err error) {
	ts := f.targets()
	f.mu.Lock()
	f.chained = nil
	f.mu.Unlock()
	for _, o := range ts {
		o.fail(err)
	}
}

// timeFlight is reqCurrentTime's flight: concurrent callers share one
// request; the answer carries no id, so it resolves the running request
// only once that request was written (an answer arriving before is a late
// answer to an abandoned request, and is dropped). A caller that gives up
// marks the request suspect, and the next caller sends a fresh one, so a
// lost answer costs one call, never every later one.
type timeFlight struct {
	mu  sync.Mutex
	cur *timeReq
}

type timeReq struct {
	o       *oneShot[int64]
	written atomic.Bool
	suspect bool
	chained []*oneShot[int64]
}

// join returns the running request, or a new one and true when the caller
// must send it.
func (f *timeFlight) join() (*timeReq, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.cur
	if r != nil && !r.o.finished() && !r.suspect {
		return r, false
	}
	nr := &timeReq{o: newOneShot[int64]()}
	if r != nil && !r.o.finished() {
		nr.chained = append(append([]*oneShot[int64](nil), r.chained...), r.o)
	}
	f.cur = nr
	return nr, true
}

// abandoned marks r suspect: its caller gave up.
func (f *timeFlight) abandoned(r *timeReq) {
	f.mu.Lock()
	if f.cur == r {
		r.suspect = true
	}
	f.mu.Unlock()
}

// deliver resolves the running request with an answer, if it was written.
func (f *timeFlight) deliver(t int64) {
	f.mu.Lock()
	r := f.cur
	if r == nil || !r.written.Load() {
		f.mu.Unlock()
		return
	}
	f.cur = nil
	f.mu.Unlock()
	for _, o := range append([]*oneShot[int64]{r.o}, r.chained...) {
		o.add(t)
		o.finish()
	}
}

// fail ends r (if still running) with err.
func (f *timeFlight) fail(r *timeReq, err error) {
	f.mu.Lock()
	if r == nil {
		r = f.cur
	}
	if r != nil && f.cur == r {
		f.cur = nil
	}
	f.mu.Unlock()
	if r == nil {
		return
	}
	for _, o := range append([]*oneShot[int64]{r.o}, r.chained...) {
		o.fail(err)
	}
}
