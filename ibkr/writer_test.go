package ibkr

import (
	"context"
	"strings"
	"testing"

	"github.com/scmhub/ibapi"
)

// Jobs queued before the writer runs leave by lane: orders and cancels,
// then interactive, then bulk, each lane first in first out; a job whose
// caller gave up is dropped with its ctx error.
func TestWriterLanesAndAbandonedJobs(t *testing.T) {
	w := newWriter(1e9, 1)
	var order []string
	var jobs []*job
	add := func(name string, l lane, ctx context.Context) *job {
		j := &job{ctx: ctx, lane: l, done: make(chan error, 1)}
		j.send = func(*ibapi.EClient) error { order = append(order, name); return nil }
		w.enqueue(j)
		jobs = append(jobs, j)
		return j
	}
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	add("bulk1", laneBulk, nil)
	add("inter1", laneInteractive, nil)
	abandoned := add("inter-dead", laneInteractive, dead)
	add("order1", laneOrder, nil)
	add("bulk2", laneBulk, nil)
	add("order2", laneOrder, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(ctx, func(j *job) error { return j.send(nil) })
	}()
	errs := map[*job]error{}
	for _, j := range jobs {
		errs[j] = <-j.done // every job ends, written or dropped
	}
	stop()
	<-done
	if got, want := strings.Join(order, ","), "order1,order2,inter1,bulk1,bulk2"; got != want {
		t.Errorf("written %s, want %s", got, want)
	}
	if err := errs[abandoned]; err != context.Canceled {
		t.Errorf("abandoned job: %v, want context.Canceled", err)
	}
}
