package ibkr

import "github.com/ibbot/ibbot/ibkr/internal/route"

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

// router maps request ids to their waiting requests (see route.Router).
type router = route.Router[target]

func newRouter() *router { return route.New[target]() }

// oneShot is a route.OneShot that the router can fail.
type oneShot[T any] struct{ *route.OneShot[T] }

func newOneShot[T any]() *oneShot[T] { return &oneShot[T]{route.NewOneShot[T]()} }

func (o *oneShot[T]) fail(err error) { o.Fail(err) }

// failRequests fails every one-shot with err and tells every stream it lost
// its connection. The streams are returned, no longer registered: they
// register again under new ids when they resume.
func failRequests(r *router, err error) []resumable {
	var streams []resumable
	var oneShots []target
	for _, t := range r.Drain() {
		if st, ok := t.(resumable); ok {
			streams = append(streams, st)
			continue
		}
		oneShots = append(oneShots, t)
	}
	for _, t := range oneShots {
		t.fail(err)
	}
	for _, st := range streams {
		st.lost()
	}
	return streams
}

// streamsOf returns the registered streams.
func streamsOf(r *router) []resumable {
	var out []resumable
	for _, t := range r.All() {
		if st, ok := t.(resumable); ok {
			out = append(out, st)
		}
	}
	return out
}
