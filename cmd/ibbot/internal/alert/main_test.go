package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the run when any test leaves a goroutine behind: every
// Notifier a test builds is closed, every server stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// guard bounds every wait for something that should happen at once, so a
// bug fails the test instead of hanging it.
const guard = 10 * time.Second

// epoch is where every fake clock starts.
var epoch = time.Date(2026, time.December, 1, 15, 30, 0, 0, time.UTC)

// fakeClock is Config.Now and Config.Sleep for tests: Sleep records the
// wait and moves the clock forward by it at once, so rate limits, backoff
// and Retry-After cost no real time and can be checked exactly.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Waits returns every duration Sleep was asked for, in order.
func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// logBuffer captures every log line (JSON, debug level and up).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// records returns the log lines whose msg is msg, decoded.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON (%v): %q", err, line)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// request is what a receiver saw.
type request struct {
	Method, Path, RawQuery, ContentType, UserAgent string
	Body                                           []byte
	At                                             time.Time // the fake clock on arrival
}

// receiver is an httptest server that records each request and answers
// with reply (nil: 200 OK). n counts requests from 1.
type receiver struct {
	srv     *httptest.Server
	arrived chan request

	mu   sync.Mutex
	reqs []request
}

func newReceiver(t *testing.T, clk *fakeClock, reply func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{arrived: make(chan request, 1024)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("receiver: reading the request body: %v", err)
		}
		req := request{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), UserAgent: r.Header.Get("User-Agent"),
			Body: body,
		}
		if clk != nil {
			req.At = clk.Now()
		}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, req)
		n := len(rc.reqs)
		rc.mu.Unlock()
		select {
		case rc.arrived <- req:
		default: // never block the handler on a test that does not listen
		}
		if reply != nil {
			reply(n, w, r)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

// next waits for the next request to arrive.
func (rc *receiver) next(t *testing.T) request {
	t.Helper()
	select {
	case r := <-rc.arrived:
		return r
	case <-time.After(guard):
		t.Fatalf("no request reached the receiver within %v", guard)
		return request{}
	}
}

// status answers every request with code and body.
func status(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// gate makes a handler block until the test opens it (or the request is
// cancelled). Opening is idempotent and also happens at cleanup.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func newGate(t *testing.T) *gate {
	g := &gate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// wait blocks until the gate opens (true) or r is cancelled (false).
func (g *gate) wait(r *http.Request) bool {
	select {
	case <-g.ch:
		return true
	case <-r.Context().Done():
		return false
	}
}

var noLimits = RateLimits{Discord: RateLimit{Events: -1}, Slack: RateLimit{Events: -1}, Telegram: RateLimit{Events: -1}}

// testConfig is an enabled Config on the fake clock, without rate limits,
// logging into logs. Tests add channels.
func testConfig(clk *fakeClock, logs *logBuffer) Config {
	return Config{
		Enabled:    true,
		Timeout:    guard,
		RateLimits: noLimits,
		Logger:     logs.logger(),
		Now:        clk.Now,
		Sleep:      clk.Sleep,
	}
}

// newTestNotifier builds a Notifier and closes it at cleanup (before the
// receivers registered earlier stop).
func newTestNotifier(t *testing.T, cfg Config) *Notifier {
	t.Helper()
	n, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		if err := n.Close(ctx); err != nil {
			t.Errorf("Close at cleanup: %v", err)
		}
	})
	return n
}

// closeAll closes n, failing the test when Close reports abandoned alerts
// or does not return within the guard.
func closeAll(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// await receives from ch or fails after the guard.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("%s did not happen within %v", what, guard)
		var zero T
		return zero
	}
}

// decode unmarshals a request body into a generic map.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("request body is not a JSON object (%v): %s", err, body)
	}
	return m
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// stats returns one channel's stats, failing when the channel is not
// configured.
func stats(t *testing.T, n *Notifier, ch Channel) ChannelStats {
	t.Helper()
	st, ok := n.Stats().Channels[ch]
	if !ok {
		t.Fatalf("Stats has no entry for %s (channels %v)", ch, n.Channels())
	}
	return st
}
