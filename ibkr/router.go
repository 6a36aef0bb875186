package ibkr

import "github.com/ibbot/ibbot/ibkr/internal/route"

// target is anything the router can deliver an error to.
type target interface {
	fail(err error)
}

// router maps request ids to their waiting requests (see route.Router).
type router = route.Router[target]

func newRouter() *router { return route.New[target]() }

// oneShot is a route.OneShot that the router can fail.
type oneShot[T any] struct{ *route.OneShot[T] }

func newOneShot[T any]() *oneShot[T] { return &oneShot[T]{route.NewOneShot[T]()} }

func (o *oneShot[T]) fail(err error) { o.Fail(err) }

// failRequests fails every one-shot with err. The streams registered
// are returned, no longer registered: they register again under new ids
// when they resume.
func failRequests(r *router, err error) []liveStream {
	var streams []liveStream
	var oneShots []target
	for _, t := range r.Drain() {
		if st, ok := t.(liveStream); ok {
			streams = append(streams, st)
			continue
		}
		oneShots = append(oneShots, t)
	}
	for _, t := range oneShots {
		t.fail(err)
	}
	return streams
}
