package ibkr

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"
)

// StreamEventKind is what happened to a Stream's subscription.
type StreamEventKind int

// Stream lifecycle events.
const (
	// StreamGap: the connection was lost (or the Gateway dropped its
	// subscriptions, 1101); items may be missing until StreamResumed.
	StreamGap StreamEventKind = iota + 1
	// StreamResumed: the subscription was requested again on the new
	// connection, behind the same handle.
	StreamResumed
	// StreamClosed: the stream ended (Close, a Gateway refusal, the
	// Session closing); the event's Err says why (nil after Close).
	StreamClosed
)

func (k StreamEventKind) String() string {
	switch k {
	case StreamGap:
		return "gap"
	case StreamResumed:
		return "resumed"
	case StreamClosed:
		return "closed"
	}
	return fmt.Sprintf("StreamEventKind(%d)", int(k))
}

// StreamEvent is one lifecycle event of a Stream.
type StreamEvent struct {
	Kind StreamEventKind
	// Err is the lost connection's error for a gap, and why the stream
	// ended for StreamClosed (nil after Close).
	Err error
	// At is when the Session saw it (wall time).
	At time.Time
}

// streamEvents is the capacity of Stream.Events; a reader that falls
// behind loses the oldest events, never the Session's time.
const streamEvents = 16

// Stream is one subscription of a Session: market data, bars kept up to
// date, PnL, account updates, positions, an order's events. Its handle is
// stable: when the connection is lost the Session requests the
// subscription again on the next connection behind the same Stream, and
// reports the hole as a StreamGap event, then StreamResumed.
//
// Items are read with Next or All. The Session's reader never waits for
// a reader of a Stream: items wait in a buffer of Config.StreamBuffer, and
// when it is full the oldest item is dropped and counted (Dropped). Quote
// streams do not queue at all: ticks are merged into the latest Quote, so
// Next returns the state as it is now.
//
// A Stream ends with Close, when the Gateway refuses or ends the
// subscription (Err matches the code's sentinel, e.g. ErrInvalidRequest
// or ErrMarketDataNotSubscribed), or when the Session closes (ErrClosed).
// Items received before an end by an error are still returned by Next,
// then the error. Close frees what the subscription holds (its market
// data line, its historical pacing slot) once the cancel was written.
// Its methods are safe for concurrent use.
type Stream[T any] struct {
	what string

	mu      sync.Mutex
	queue   []T
	max     int
	latest  func() T // set: coalescing; Next returns latest() once per change
	version uint64   // coalescing: bumped on every change
	seen    uint64
	dropped uint64
	gaps    int
	wake    chan struct{} // closed and replaced on every change
	events  chan StreamEvent
	ended   bool
	err     error
	done    chan struct{}

	stop      func() // the Session side's cancel and release, run once by Close
	closeOnce sync.Once
}

// newStream returns a queueing stream of at most max buffered items.
func newStream[T any](what string, max int) *Stream[T] {
	return &Stream[T]{what: what, max: max, wake: make(chan struct{}), events: make(chan StreamEvent, streamEvents), done: make(chan struct{})}
}

// newLatestStream returns a coalescing stream: Next returns latest() once
// per change instead of a queue.
func newLatestStream[T any](what string, latest func() T) *Stream[T] {
	st := newStream[T](what, 1)
	st.latest = latest
	return st
}

// Next waits for the next item: the oldest one buffered, or for a quote
// stream the latest state once it changed since the last Next. It
// returns ctx's error if ctx ends first, and once the stream ended and
// nothing is left, Err (or ErrClosed after Close).
func (st *Stream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	for {
		st.mu.Lock()
		if st.latest != nil && st.version != st.seen {
			st.seen = st.version
			st.mu.Unlock()
			return st.latest(), nil
		}
		if len(st.queue) > 0 {
			v := st.queue[0]
			st.queue[0] = zero
			st.queue = st.queue[1:]
			st.mu.Unlock()
			return v, nil
		}
		if st.ended {
			err := st.err
			st.mu.Unlock()
			if err == nil {
				err = ErrClosed
			}
			return zero, err
		}
		wake := st.wake
		st.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// All returns an iterator over the stream's items, for range loops. It
// ends when the stream ends: after Close it yields nothing more, after an
// end by an error it yields that error once. Breaking out of the loop
// leaves the stream open; Close it.
func (st *Stream[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			v, err := st.Next(context.Background())
			if err != nil {
				if st.Err() != nil {
					yield(v, err)
				}
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Events returns the stream's lifecycle events: StreamGap, StreamResumed
// and, last, StreamClosed, after which the channel is closed. It holds 16
// events; a reader that falls behind loses the oldest.
func (st *Stream[T]) Events() <-chan StreamEvent { return st.events }

// Done is closed when the stream ended; Err then says why.
func (st *Stream[T]) Done() <-chan struct{} { return st.done }

// Err returns why the stream ended: the Gateway's refusal (an *APIError
// matching its sentinel), ErrClosed when the Session closed; nil while
// it runs and after Close.
func (st *Stream[T]) Err() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

// Gaps counts the connection losses (and 1101 data losses) the stream
// lived through.
func (st *Stream[T]) Gaps() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.gaps
}

// Dropped counts the items dropped because the buffer was full.
func (st *Stream[T]) Dropped() uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.dropped
}

// Close ends the stream, drops what is buffered, and cancels the
// subscription at the Gateway (what it holds is freed once the cancel
// was written). It is idempotent and returns nil.
func (st *Stream[T]) Close() error {
	st.closeOnce.Do(func() {
		if st.endWith(nil, true) && st.stop != nil {
			st.stop()
		}
	})
	return nil
}

// signal wakes every waiting Next. Caller holds st.mu.
func (st *Stream[T]) signal() {
	close(st.wake)
	st.wake = make(chan struct{})
}

// push queues v, dropping the oldest item when the buffer is full. It
// never blocks.
func (st *Stream[T]) push(v T) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	if len(st.queue) >= st.max {
		var zero T
		st.queue[0] = zero
		st.queue = st.queue[1:]
		st.dropped++
	}
	st.queue = append(st.queue, v)
	st.signal()
}

// changed marks a coalescing stream's state changed.
func (st *Stream[T]) changed() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	st.version++
	st.signal()
}

// event publishes ev, dropping the oldest unread event when full. Caller
// holds st.mu.
func (st *Stream[T]) event(ev StreamEvent) {
	ev.At = time.Now()
	for {
		select {
		case st.events <- ev:
			return
		default:
		}
		select {
		case <-st.events:
		default:
		}
	}
}

// gap records a connection loss.
func (st *Stream[T]) gap(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	st.gaps++
	st.event(StreamEvent{Kind: StreamGap, Err: err})
}

// resumed records that the subscription was requested again.
func (st *Stream[T]) resumed() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	st.event(StreamEvent{Kind: StreamResumed})
}

// end ends the stream with err (nil: Close). It reports whether this call
// ended it.
func (st *Stream[T]) end(err error) bool { return st.endWith(err, false) }

// endWith is end, dropping what is buffered if drop is set (Close).
func (st *Stream[T]) endWith(err error, drop bool) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if drop {
		clear(st.queue)
		st.queue = nil
		st.seen = st.version
	}
	if st.ended {
		return false
	}
	if err != nil && !errors.Is(err, ErrClosed) {
		err = fmt.Errorf("ibkr: %s: %w", st.what, err)
	}
	st.ended, st.err = true, err
	close(st.done)
	st.event(StreamEvent{Kind: StreamClosed, Err: err})
	close(st.events)
	st.signal()
	return true
}

func (st *Stream[T]) isEnded() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ended
}
