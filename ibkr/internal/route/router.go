package route

import (
	"sync"
	"sync/atomic"
)

// Router maps request ids to their waiting requests. The decoder goroutine
// looks requests up through Get; nothing on that path blocks.
type Router[T comparable] struct {
	nextID atomic.Int64
	// Taken, if set, reports ids in use as order ids: NewID skips them.
	// Set it before the first NewID.
	Taken func(int64) bool

	mu   sync.Mutex
	reqs map[int64]T
}

// FirstReqID starts request ids far above order ids, so that an error
// message's id (a request id or an order id) is never ambiguous.
const FirstReqID = 1 << 30

// New returns an empty router.
func New[T comparable]() *Router[T] {
	r := &Router[T]{reqs: make(map[int64]T)}
	r.nextID.Store(FirstReqID)
	return r
}

// NewID returns a request id unique for the router's lifetime (it wraps
// within the upper half of the int32 range).
func (r *Router[T]) NewID() int64 {
	for {
		id := r.nextID.Add(1)
		if id >= 1<<31-1 {
			r.nextID.CompareAndSwap(id, FirstReqID)
			continue
		}
		if r.Taken != nil && r.Taken(id) {
			continue
		}
		return id
	}
}

// Add registers t under id.
func (r *Router[T]) Add(id int64, t T) {
	r.mu.Lock()
	r.reqs[id] = t
	r.mu.Unlock()
}

// Get returns the request registered under id, or the zero T.
func (r *Router[T]) Get(id int64) T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[id]
}

// Remove forgets id.
func (r *Router[T]) Remove(id int64) {
	r.mu.Lock()
	delete(r.reqs, id)
	r.mu.Unlock()
}

// Drain removes every registered request and returns them.
func (r *Router[T]) Drain() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, 0, len(r.reqs))
	for id, t := range r.reqs {
		out = append(out, t)
		delete(r.reqs, id)
	}
	return out
}

// Count returns the number of registered requests.
func (r *Router[T]) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// All returns the registered requests.
func (r *Router[T]) All() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, 0, len(r.reqs))
	for _, t := range r.reqs {
		out = append(out, t)
	}
	return out
}
