package alert

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// newHeartbeatNotifier builds a Notifier that only pings rc, and a
// channel that receives once at the end of every ping.
func newHeartbeatNotifier(t *testing.T, cfg Config, rc *receiver) (*Notifier, <-chan struct{}) {
	t.Helper()
	cfg.HeartbeatURL = rc.srv.URL + "/ping/6f1c2a4e-hb?k=v"
	n := newTestNotifier(t, cfg)
	done := make(chan struct{}, 16)
	n.testHookPingDone = func() { done <- struct{}{} }
	return n, done
}

func TestHeartbeatSkipsWhileInFlight(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(n int, _ http.ResponseWriter, r *http.Request) {
		if n == 1 {
			g.wait(r)
		}
	})
	logs := &logBuffer{}
	n, pinged := newHeartbeatNotifier(t, testConfig(clk, logs), rc)
	ctx := context.Background()

	if !n.Heartbeat(ctx) {
		t.Fatal("first Heartbeat did not start a ping")
	}
	r := rc.next(t)
	if r.Method != http.MethodGet || r.Path != "/ping/6f1c2a4e-hb" || r.RawQuery != "k=v" || r.UserAgent != userAgent || len(r.Body) != 0 {
		t.Errorf("ping = %s %s?%s (User-Agent %q, body %q), want GET /ping/6f1c2a4e-hb?k=v without a body",
			r.Method, r.Path, r.RawQuery, r.UserAgent, r.Body)
	}
	for i := range 3 {
		if n.Heartbeat(ctx) {
			t.Fatalf("Heartbeat %d started a ping while the first was in flight", i+2)
		}
	}
	if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{Skipped: 3}) {
		t.Errorf("heartbeat stats while a ping hangs = %+v, want Skipped 3", hb)
	}
	if skips := logs.records(t, "heartbeat skipped"); len(skips) != 3 || skips[0]["in_flight"] != true || skips[0]["level"] != "DEBUG" {
		t.Errorf(`"heartbeat skipped" lines = %v, want 3 at debug with in_flight true`, skips)
	}

	g.open()
	await(t, pinged, "the first ping ending")
	if !n.Heartbeat(ctx) {
		t.Fatal("Heartbeat after the first ping ended did not start a new one")
	}
	await(t, pinged, "the second ping ending")
	if got := len(rc.requests()); got != 2 {
		t.Errorf("receiver got %d pings, want 2", got)
	}
	if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{OK: 2, Skipped: 3}) {
		t.Errorf("heartbeat stats = %+v, want OK 2, Skipped 3", hb)
	}
}

func TestHeartbeatFailures(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		reply   func(g *gate) func(int, http.ResponseWriter, *http.Request)
		errText string
	}{
		{"500", guard, func(*gate) func(int, http.ResponseWriter, *http.Request) { return status(500, "down") },
			"alert: heartbeat: HTTP 500 Internal Server Error: down"},
		{"404", guard, func(*gate) func(int, http.ResponseWriter, *http.Request) { return status(404, "") },
			"alert: heartbeat: HTTP 404 Not Found"},
		{"timeout", 100 * time.Millisecond, func(g *gate) func(int, http.ResponseWriter, *http.Request) {
			return func(_ int, _ http.ResponseWriter, r *http.Request) { g.wait(r) }
		}, "context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			rc := newReceiver(t, clk, tt.reply(newGate(t)))
			logs := &logBuffer{}
			cfg := testConfig(clk, logs)
			cfg.Timeout = tt.timeout
			n, pinged := newHeartbeatNotifier(t, cfg, rc)
			if !n.Heartbeat(context.Background()) {
				t.Fatal("Heartbeat did not start a ping")
			}
			await(t, pinged, "the ping ending")
			if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{Failed: 1}) {
				t.Errorf("heartbeat stats = %+v, want Failed 1", hb)
			}
			if got := len(rc.requests()); got != 1 {
				t.Errorf("receiver got %d pings, want 1 (a heartbeat is not retried)", got)
			}
			fails := logs.records(t, "heartbeat failed")
			if len(fails) != 1 || fails[0]["level"] != "WARN" || !strings.Contains(fails[0]["err"].(string), tt.errText) {
				t.Errorf(`"heartbeat failed" lines = %v, want one warn containing %q`, fails, tt.errText)
			}
		})
	}
}

// TestHeartbeatContext: a ctx done before the call skips; one cancelled
// after the ping started does not stop it (a cycle may end first).
func TestHeartbeatContext(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(_ int, _ http.ResponseWriter, r *http.Request) { g.wait(r) })
	n, pinged := newHeartbeatNotifier(t, testConfig(clk, &logBuffer{}), rc)

	done, cancel := context.WithCancel(context.Background())
	cancel()
	if n.Heartbeat(done) {
		t.Error("Heartbeat with a done ctx started a ping")
	}
	if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{Skipped: 1}) {
		t.Errorf("heartbeat stats after a done ctx = %+v, want Skipped 1", hb)
	}

	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	if !n.Heartbeat(ctx) {
		t.Fatal("Heartbeat did not start a ping")
	}
	rc.next(t)
	cancel()
	g.open()
	await(t, pinged, "the ping ending")
	if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{OK: 1, Skipped: 1}) {
		t.Errorf("heartbeat stats = %+v, want the ping OK although its ctx was cancelled", hb)
	}
}

func TestHeartbeatOff(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, nil)
	cfg := withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL)
	n := newTestNotifier(t, cfg) // no HeartbeatURL
	if n.Heartbeat(context.Background()) {
		t.Error("Heartbeat without a HeartbeatURL started a ping")
	}

	cfg.HeartbeatURL = rc.srv.URL + "/ping"
	n2 := newTestNotifier(t, cfg)
	closeAll(t, n2)
	if n2.Heartbeat(context.Background()) {
		t.Error("Heartbeat after Close started a ping")
	}
	if got := len(rc.requests()); got != 0 {
		t.Errorf("receiver got %d requests, want none", got)
	}
	if hb := n2.Stats().Heartbeat; hb != (HeartbeatStats{}) {
		t.Errorf("heartbeat stats after Close = %+v, want zero", hb)
	}
}

// TestCloseEndsHungPing: Close waits for a ping in flight and cancels it
// when its ctx ends; abandoning a ping abandons no alert.
func TestCloseEndsHungPing(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(_ int, _ http.ResponseWriter, r *http.Request) { g.wait(r) })
	n, _ := newHeartbeatNotifier(t, testConfig(clk, &logBuffer{}), rc)
	if !n.Heartbeat(context.Background()) {
		t.Fatal("Heartbeat did not start a ping")
	}
	rc.next(t)
	ctx, cancel := context.WithCancel(context.Background())
	closed := make(chan error, 1)
	go func() { closed <- n.Close(ctx) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a ping hung and its ctx was live", err)
	default:
	}
	cancel()
	if err := await(t, closed, "Close returning after its ctx ended"); err != nil {
		t.Errorf("Close = %v, want nil: no alert was abandoned", err)
	}
	if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{Failed: 1}) {
		t.Errorf("heartbeat stats = %+v, want the cancelled ping Failed", hb)
	}
}
