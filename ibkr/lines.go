package ibkr

import (
	"context"
	"sync"
)

// lineBudget is the account's market data lines: streams and snapshots
// take one each and wait, with their ctx, when none is free.
type lineBudget struct {
	mu      sync.Mutex
	max     int
	used    int
	peak    int
	changed chan struct{}
}

func newLineBudget(max int) *lineBudget {
	return &lineBudget{max: max, changed: make(chan struct{})}
}

// acquire takes a line, waiting for one to free.
func (b *lineBudget) acquire(ctx context.Context) error {
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

// release returns a line.
func (b *lineBudget) release() {
	b.mu.Lock()
	if b.used > 0 {
		b.used--
	}
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// inUse returns the lines taken now.
func (b *lineBudget) inUse() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
