package ibkr

import (
	"context"
	"sync"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
)

// liveStream is the Session side of a Stream the Session tracks: it
// outlives connections.
type liveStream interface {
	target
	// lost tells the stream its connection ended (a gap).
	lost(err error)
	// resume requests the stream again on the Session's current
	// connection.
	resume(s *Session)
}

// sub is the Session side of one Stream[T]: a request made on the
// current connection and again, under a new request id, on every later
// one. It never blocks the reader: deliveries go to the Stream's buffer.
type sub[T any] struct {
	s    *Session
	st   *Stream[T]
	lane pace.Lane
	// req builds the request for request id id (ids are 0 for requests
	// without one).
	req func(id int64) conn.Request
	// cancel builds the cancel for id; nil (or a nil request) sends
	// nothing on Close.
	cancel func(id int64) conn.Request
	// release frees what the stream holds (a line, a pacing slot); it runs
	// once, when the stream ended and its cancel was written.
	release func()
	// admit, if set, runs before every request and may wait (historical
	// pacing). It returns a func run once the request was written or not.
	admit func(ctx context.Context) (func(written bool), error)
	// before, if set, runs before every request (resetting what one
	// request's answer builds up).
	before func()
	// byID registers the sub in the router under its request id.
	byID bool
	// self is what the router delivers to (the sub itself by default).
	self target

	mu      sync.Mutex
	id      int64
	gen     uint64
	closing bool
	once    sync.Once
}

func newSub[T any](s *Session, st *Stream[T], lane pace.Lane, req func(int64) conn.Request) *sub[T] {
	u := &sub[T]{s: s, st: st, lane: lane, req: req, byID: true}
	u.self = u
	st.stop = u.close
	return u
}

// start makes the first request: it waits (with ctx) for a connection and
// for the request to be written. On an error the stream has ended and
// released what it held.
func (u *sub[T]) start(ctx context.Context) error {
	s := u.s
	var after func(bool)
	if u.admit != nil {
		a, err := u.admit(ctx)
		if err != nil {
			u.finish(err)
			return err
		}
		after = a
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		if after != nil {
			after(false)
		}
		u.finish(err)
		return err
	}
	u.mu.Lock()
	u.gen = gen
	if u.byID {
		u.id = s.router.NewID()
		s.router.Add(u.id, u.self)
	}
	id := u.id
	u.mu.Unlock()
	s.trackStream(u.self.(liveStream))
	if u.before != nil {
		u.before()
	}
	err = s.send(ctx, gen, u.lane, u.req(id))
	if after != nil {
		after(err == nil)
	}
	if err != nil {
		u.finish(err)
		return err
	}
	return nil
}

// finish ends the stream with err and frees what it holds, without a
// cancel (the Gateway ended it, or it never started).
func (u *sub[T]) finish(err error) {
	u.st.end(err)
	u.once.Do(func() {
		u.mu.Lock()
		u.closing = true
		id := u.id
		u.mu.Unlock()
		if u.byID {
			u.s.router.Remove(id)
		}
		u.s.untrackStream(u.self.(liveStream))
		if u.release != nil {
			u.release()
		}
	})
}

// fail is the router's delivery of an error that ends the request (a
// refusal), and the Session's when it closes.
func (u *sub[T]) fail(err error) { u.finish(err) }

// close is Stream.Close's Session side: cancel at the Gateway, then free.
func (u *sub[T]) close() {
	u.once.Do(func() {
		u.mu.Lock()
		u.closing = true
		id, gen := u.id, u.gen
		u.mu.Unlock()
		if u.byID {
			u.s.router.Remove(id)
		}
		u.s.untrackStream(u.self.(liveStream))
		var r conn.Request
		if u.cancel != nil {
			r = u.cancel(id)
		}
		if r == nil {
			if u.release != nil {
				u.release()
			}
			return
		}
		u.s.sendCancel(gen, r, u.release)
	})
}

func (u *sub[T]) lost(err error) { u.st.gap(err) }

// resume requests the stream again, off the caller's goroutine (the
// request may wait for pacing).
func (u *sub[T]) resume(s *Session) {
	if u.st.isEnded() {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		u.again(s)
	}()
}

func (u *sub[T]) again(s *Session) {
	var after func(bool)
	if u.admit != nil {
		a, err := u.admit(s.ctx)
		if err != nil {
			return // the Session is closing
		}
		after = a
	}
	gen, err := s.awaitReady(s.ctx)
	if err != nil {
		if after != nil {
			after(false)
		}
		return
	}
	u.mu.Lock()
	if u.closing {
		u.mu.Unlock()
		if after != nil {
			after(false)
		}
		return
	}
	old := u.id
	u.gen = gen
	if u.byID {
		u.id = s.router.NewID()
		s.router.Remove(old)
		s.router.Add(u.id, u.self)
	}
	id := u.id
	u.mu.Unlock()
	if u.before != nil {
		u.before()
	}
	err = s.send(s.ctx, gen, u.lane, u.req(id))
	if after != nil {
		after(err == nil)
	}
	if err != nil {
		return // lost again: the next connection resumes it
	}
	u.mu.Lock()
	closed := u.closing
	u.mu.Unlock()
	if closed {
		// Closed while the request was on its way: cancel what it opened.
		if u.cancel != nil {
			if r := u.cancel(id); r != nil {
				s.sendCancel(gen, r, nil)
			}
		}
		return
	}
	u.st.resumed()
}

// trackStream registers a live stream for reconnects and Close.
func (s *Session) trackStream(st liveStream) {
	s.streamsMu.Lock()
	s.streams[st] = struct{}{}
	s.streamsMu.Unlock()
}

func (s *Session) untrackStream(st liveStream) {
	s.streamsMu.Lock()
	delete(s.streams, st)
	s.streamsMu.Unlock()
}

// liveStreams returns the tracked streams.
func (s *Session) liveStreams() []liveStream {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	out := make([]liveStream, 0, len(s.streams))
	for st := range s.streams {
		out = append(out, st)
	}
	return out
}
