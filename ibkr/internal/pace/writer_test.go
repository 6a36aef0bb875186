package pace

import (
	"context"
	"strings"
	"testing"
)

// Jobs queued before the writer runs leave by lane: orders and cancels,
// then interactive, then bulk, each lane first in first out; a job whose
// caller gave up is dropped with its ctx error.
func TestWriterLanesAndAbandonedJobs(t *testing.T) {
	w := NewWriter[string](1e9, 1)
	var order []string
	var jobs []*Job[string]
	add := func(name string, l Lane, ctx context.Context) *Job[string] {
		j := &Job[string]{Ctx: ctx, Lane: l, Req: name, Done: make(chan error, 1)}
		w.Enqueue(j)
		jobs = append(jobs, j)
		return j
	}
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	add("bulk1", LaneBulk, nil)
	add("inter1", LaneInteractive, nil)
	abandoned := add("inter-dead", LaneInteractive, dead)
	add("order1", LaneOrder, nil)
	add("bulk2", LaneBulk, nil)
	add("order2", LaneOrder, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx, func(j *Job[string]) error { order = append(order, j.Req); return nil })
	}()
	errs := map[*Job[string]]error{}
	for _, j := range jobs {
		errs[j] = <-j.Done // every job ends, written or dropped
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
