package ibkr

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
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
	// taken, if set, reports ids in use as order ids: newID skips them.
	taken func(int64) bool

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
		if id >= 1<<31-1 {
			r.nextID.CompareAndSwap(id, firstReqID)
			continue
		}
		if r.taken != nil && r.taken(id) {
			continue
		}
		return id
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
// An answer can be lost (a hung request). A request becomes suspect when a
// caller gives up on it, or when it has been out longer than staleAfter;
// the next caller then sends a fresh request instead of joining it, and
// the suspect one is chained to the fresh one, so that the answer to the
// fresh request resolves both: the flight never stays stuck on an answer
// that will not come. Answers arriving before the fresh request was
// written belong to an abandoned request and are dropped.
type flight[T any] struct {
	mu        sync.Mutex
	cur       *oneShot[T]
	chained   []*oneShot[T]
	suspect   bool
	written   bool
	writtenAt time.Time
}

// flightStale is how long a written request may go unanswered before a
// caller (a waiting one too) sends a fresh one. IB answers these lists in
// milliseconds; a fresh request when an answer was only slow costs one
// message and a duplicate list, which is merged.
const flightStale = time.Second

// join returns the running request, or starts one with start, which must
// call written (on the write path) right before the message leaves.
func (f *flight[T]) join(start func(o *oneShot[T], written func())) *oneShot[T] {
	f.mu.Lock()
	if f.cur != nil && !f.cur.finished() {
		if !f.suspect && !(f.written && time.Since(f.writtenAt) > flightStale) {
			cur := f.cur
			f.mu.Unlock()
			return cur
		}
		f.chained = append(f.chained, f.cur)
	} else {
		f.chained = nil
	}
	o := newOneShot[T]()
	f.cur, f.suspect, f.written = o, false, false
	f.mu.Unlock()
	// Outside the lock: start may write inline, and written takes it.
	start(o, func() {
		f.mu.Lock()
		if f.cur == o {
			f.written, f.writtenAt = true, time.Now()
		}
		f.mu.Unlock()
	})
	return o
}

// do joins or starts the request and waits for its answer with ctx. A
// request that stays unanswered flightStale after it was written is
// presumed lost: do sends a fresh one (chaining the old) and waits on
// that, so even a caller without a deadline gets the next answer. A caller
// giving up marks the request suspect.
func (f *flight[T]) do(ctx context.Context, start func(o *oneShot[T], written func())) ([]T, error) {
	for {
		o := f.join(start)
		t := time.NewTimer(flightStale)
		select {
		case <-o.done:
			t.Stop()
			return o.wait(ctx)
		case <-ctx.Done():
			t.Stop()
			f.mu.Lock()
			if f.cur == o {
				f.suspect = true
			}
			f.mu.Unlock()
			return nil, ctx.Err()
		case <-t.C:
			// join sends a fresh request if this one is stale by now.
		}
	}
}

// targets returns the running request and those chained to it, if the
// running request was written.
func (f *flight[T]) targets() []*oneShot[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil || f.cur.finished() || !f.written {
		return nil
	}
	return append([]*oneShot[T]{f.cur}, f.chained...)
}

// active reports whether a written request is running.
func (f *flight[T]) active() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur != nil && !f.cur.finished() && f.written
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
	if len(ts) == 0 {
		return
	}
	f.mu.Lock()
	f.chained = nil
	f.mu.Unlock()
	for _, o := range ts {
		o.finish()
	}
}

// fail ends the running request with err, written or not.
func (f *flight[T]) fail(err error) {
	f.mu.Lock()
	var ts []*oneShot[T]
	if f.cur != nil && !f.cur.finished() {
		ts = append([]*oneShot[T]{f.cur}, f.chained...)
	}
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
	o         *oneShot[int64]
	written   atomic.Bool
	writtenAt atomic.Int64 // unix nanos
	suspect   bool
	chained   []*oneShot[int64]
}

// timeStale is how long a written reqCurrentTime may go unanswered before
// the next caller sends a fresh one (IB answers in milliseconds).
const timeStale = 500 * time.Millisecond

// markWritten records that r's message is about to leave.
func (r *timeReq) markWritten() {
	r.writtenAt.Store(time.Now().UnixNano())
	r.written.Store(true)
}

// stale reports whether r was written longer than timeStale ago.
func (r *timeReq) stale() bool {
	return r.written.Load() && time.Since(time.Unix(0, r.writtenAt.Load())) > timeStale
}

// join returns the running request, or a new one and true when the caller
// must send it.
func (f *timeFlight) join() (*timeReq, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.cur
	if r != nil && !r.o.finished() && !r.suspect && !r.stale() {
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
