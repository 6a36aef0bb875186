package route

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Flight shares one in-flight request among concurrent callers, for the
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
type Flight[T any] struct {
	mu        sync.Mutex
	cur       *OneShot[T]
	chained   []*OneShot[T]
	suspect   bool
	written   bool
	writtenAt time.Time
	// onJoin, when set (tests), is called after a caller joined a running
	// request, with whether it was written.
	onJoin func(written bool)
}

// flightStale is how long a written request may go unanswered before a
// caller (a waiting one too) sends a fresh one. IB answers these lists in
// milliseconds; a fresh request when an answer was only slow costs one
// message and a duplicate list, which is merged.
const flightStale = time.Second

// Join returns the running request, or starts one with start, which must
// call written (on the write path) right before the message leaves.
func (f *Flight[T]) Join(start func(o *OneShot[T], written func())) *OneShot[T] {
	o, _ := f.join(start)
	return o
}

// join is Join, also reporting whether the request joined had already
// been written.
func (f *Flight[T]) join(start func(o *OneShot[T], written func())) (*OneShot[T], bool) {
	f.mu.Lock()
	if f.cur != nil && !f.cur.Finished() {
		if !f.suspect && !(f.written && time.Since(f.writtenAt) > flightStale) {
			cur, written, hook := f.cur, f.written, f.onJoin
			f.mu.Unlock()
			if hook != nil {
				hook(written)
			}
			return cur, written
		}
		f.chained = append(f.chained, f.cur)
	} else {
		f.chained = nil
	}
	o := NewOneShot[T]()
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
	return o, false
}

// Do joins or starts the request and waits for its answer with ctx. The
// answer is fresh: it comes from a request written after Do was called. A
// request already written when Do joins could have been answered by the
// Gateway before whatever the caller just did (an order that filled, a
// cancel), so Do waits for it to end and then joins the next one, which
// the first caller to arrive starts: one request on the wire at a time,
// and late callers share the next. A request that stays unanswered
// flightStale after it was written is presumed lost: do sends a fresh one
// (chaining the old) and waits on that, so even a caller without a
// deadline gets the next answer. A caller giving up marks the request
// suspect.
func (f *Flight[T]) Do(ctx context.Context, start func(o *OneShot[T], written func())) ([]T, error) {
	for {
		o, written := f.join(start)
		t := time.NewTimer(flightStale)
		select {
		case <-o.done:
			t.Stop()
			if written {
				continue // answered a request sent before this call: ask again
			}
			return o.Wait(ctx)
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
func (f *Flight[T]) targets() []*OneShot[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == nil || f.cur.Finished() || !f.written {
		return nil
	}
	return append([]*OneShot[T]{f.cur}, f.chained...)
}

// Active reports whether a written request is running.
func (f *Flight[T]) Active() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur != nil && !f.cur.Finished() && f.written
}

// Add delivers one item of the answer.
func (f *Flight[T]) Add(v T) {
	for _, o := range f.targets() {
		o.Add(v)
	}
}

// Finish ends the running request (and those chained to it).
func (f *Flight[T]) Finish() {
	ts := f.targets()
	if len(ts) == 0 {
		return
	}
	f.mu.Lock()
	f.chained = nil
	f.mu.Unlock()
	for _, o := range ts {
		o.Finish()
	}
}

// Fail ends the running request with err, written or not.
func (f *Flight[T]) Fail(err error) {
	f.mu.Lock()
	var ts []*OneShot[T]
	if f.cur != nil && !f.cur.Finished() {
		ts = append([]*OneShot[T]{f.cur}, f.chained...)
	}
	f.chained = nil
	f.mu.Unlock()
	for _, o := range ts {
		o.Fail(err)
	}
}

// TimeFlight is reqCurrentTime's flight: concurrent callers share one
// request; the answer carries no id, so it resolves the running request
// only once that request was written (an answer arriving before is a late
// answer to an abandoned request, and is dropped). A caller that gives up
// marks the request suspect, and the next caller sends a fresh one, so a
// lost answer costs one call, never every later one.
type TimeFlight struct {
	mu  sync.Mutex
	cur *TimeReq
}

type TimeReq struct {
	Answer    *OneShot[int64]
	written   atomic.Bool
	writtenAt atomic.Int64 // unix nanos
	suspect   bool
	chained   []*OneShot[int64]
}

// TimeStale is how long a written reqCurrentTime may go unanswered before
// the next caller sends a fresh one (IB answers in milliseconds).
const TimeStale = 500 * time.Millisecond

// MarkWritten records that r's message is about to leave.
func (r *TimeReq) MarkWritten() {
	r.writtenAt.Store(time.Now().UnixNano())
	r.written.Store(true)
}

// Written reports when r's message left, if it has.
func (r *TimeReq) Written() (time.Time, bool) {
	if !r.written.Load() {
		return time.Time{}, false
	}
	return time.Unix(0, r.writtenAt.Load()), true
}

// stale reports whether r was written longer than TimeStale ago.
func (r *TimeReq) stale() bool {
	return r.written.Load() && time.Since(time.Unix(0, r.writtenAt.Load())) > TimeStale
}

// Join returns the running request, or a new one and true when the caller
// must send it.
func (f *TimeFlight) Join() (*TimeReq, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.cur
	if r != nil && !r.Answer.Finished() && !r.suspect && !r.stale() {
		return r, false
	}
	nr := &TimeReq{Answer: NewOneShot[int64]()}
	if r != nil && !r.Answer.Finished() {
		nr.chained = append(append([]*OneShot[int64](nil), r.chained...), r.Answer)
	}
	f.cur = nr
	return nr, true
}

// Abandoned marks r suspect: its caller gave up.
func (f *TimeFlight) Abandoned(r *TimeReq) {
	f.mu.Lock()
	if f.cur == r {
		r.suspect = true
	}
	f.mu.Unlock()
}

// Deliver resolves the running request with an answer, if it was written.
func (f *TimeFlight) Deliver(t int64) {
	f.mu.Lock()
	r := f.cur
	if r == nil || !r.written.Load() {
		f.mu.Unlock()
		return
	}
	f.cur = nil
	f.mu.Unlock()
	for _, o := range append([]*OneShot[int64]{r.Answer}, r.chained...) {
		o.Add(t)
		o.Finish()
	}
}

// Fail ends r (if still running) with err.
func (f *TimeFlight) Fail(r *TimeReq, err error) {
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
	for _, o := range append([]*OneShot[int64]{r.Answer}, r.chained...) {
		o.Fail(err)
	}
}
