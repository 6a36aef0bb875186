package pace

import (
	"context"
	"sync"
)

// Lines is the account's market data lines: streams and snapshots
// take one each and wait, with their ctx, when none is free.
type Lines struct {
	mu      sync.Mutex
	max     int
	used    int
	peak    int
	changed chan struct{}
}

// NewLines returns a budget of max lines.
func NewLines(max int) *Lines {
	return &Lines{max: max, changed: make(chan struct{})}
}

// Acquire takes a line, waiting for one to free.
func (b *Lines) Acquire(ctx context.Context) error {
	for {
		b.mu.Lock()
		if b.used < b.max {
			b.used++
			b.peak = max(b.peak, b.used)
			b.mu.Unlock()
			return nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Release returns a line.
func (b *Lines) Release() {
	b.mu.Lock()
	if b.used > 0 {
		b.used--
	}
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// InUse returns the lines taken now.
func (b *Lines) InUse() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
