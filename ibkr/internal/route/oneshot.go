package route

import (
	"context"
	"sync"
)

// OneShot accumulates the answer of one request: zero or more items, then
// an end or an error. Its methods never block.
type OneShot[T any] struct {
	mu    sync.Mutex
	items []T
	err   error
	done  chan struct{}
	once  sync.Once
}

func NewOneShot[T any]() *OneShot[T] { return &OneShot[T]{done: make(chan struct{})} }

func (o *OneShot[T]) Add(v T) {
	o.mu.Lock()
	o.items = append(o.items, v)
	o.mu.Unlock()
}

// Finish ends the request successfully.
func (o *OneShot[T]) Finish() { o.once.Do(func() { close(o.done) }) }

// Fail ends the request with err (the first end wins).
func (o *OneShot[T]) Fail(err error) {
	o.once.Do(func() {
		o.mu.Lock()
		o.err = err
		o.mu.Unlock()
		close(o.done)
	})
}

// Finished reports whether the request has ended.
func (o *OneShot[T]) Finished() bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// Wait returns the items once the request ended, or ctx's error.
func (o *OneShot[T]) Wait(ctx context.Context) ([]T, error) {
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

// Done is closed once the request has ended.
func (o *OneShot[T]) Done() <-chan struct{} { return o.done }
