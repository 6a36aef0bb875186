package alert

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
)

type hbCounters struct {
	ok, failed, skipped atomic.Uint64
}

// Heartbeat starts a GET of Config.HeartbeatURL and returns at once,
// reporting whether a ping started. At most one ping is in flight: while
// one is, Heartbeat skips (counted in Stats().Heartbeat.Skipped). The ping
// keeps ctx's values but not its cancellation (a cycle may end before the
// ping does); it is bounded by Config.Timeout and by Close. It is not
// retried: the next cycle pings again. Without a HeartbeatURL, when
// disabled or after Close, Heartbeat does nothing and returns false; a ctx
// already done skips.
func (n *Notifier) Heartbeat(ctx context.Context) bool {
	if n == nil || !n.enabled || n.hbURL == "" {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return false
	}
	if n.hbBusy || ctx.Err() != nil {
		n.hb.skipped.Add(1)
		n.log.Debug("heartbeat skipped", slog.Bool("in_flight", n.hbBusy))
		return false
	}
	n.hbBusy = true
	n.wg.Add(1)
	go n.ping(context.WithoutCancel(ctx))
	return true
}

// ping is the heartbeat goroutine.
func (n *Notifier) ping(ctx context.Context) {
	defer n.wg.Done()
	n.pingOnce(ctx)
	n.mu.Lock()
	n.hbBusy = false
	n.mu.Unlock()
	if n.testHookPingDone != nil {
		n.testHookPingDone()
	}
}

// pingOnce makes one heartbeat request and counts its outcome.
func (n *Notifier) pingOnce(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(n.runCtx, cancel)
	defer stop()
	if err := n.do(ctx, ChannelHeartbeat, http.MethodGet, n.hbURL, nil); err != nil {
		n.hb.failed.Add(1)
		n.log.Warn("heartbeat failed", slog.String("err", n.scrub.scrub(err.Error())))
		return
	}
	n.hb.ok.Add(1)
}
