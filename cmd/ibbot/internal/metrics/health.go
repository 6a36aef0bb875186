package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ibbot/ibbot/ibkr"
)

// MaxRoundTripAge is how old the last successful round trip may be for
// /healthz to say healthy.
const MaxRoundTripAge = 30 * time.Second

// ProbeInterval is how often the prober asks the Gateway for its time.
const ProbeInterval = 10 * time.Second

// Health tracks the Gateway round trips /healthz reports on. A round trip
// is reqCurrentTime answered: it proves the whole path (socket, Gateway,
// the session's reader) and not only that a connection object exists.
type Health struct {
	m   *Metrics
	now func() time.Time

	mu      sync.Mutex
	sess    Session
	last    time.Time // last successful round trip
	lastErr error
	ready   bool // the bot is running (connected once, not stopping)
}

// NewHealth returns a Health reading the wall clock now (nil: time.Now).
func NewHealth(m *Metrics, now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{m: m, now: now}
}

// SetSession names the session probed.
func (h *Health) SetSession(s Session) {
	h.mu.Lock()
	h.sess = s
	h.mu.Unlock()
}

// SetReady says whether the bot is running (readyz).
func (h *Health) SetReady(ready bool) {
	h.mu.Lock()
	h.ready = ready
	h.mu.Unlock()
}

// Probe makes one round trip now and records it.
func (h *Health) Probe(ctx context.Context) error {
	h.mu.Lock()
	s := h.sess
	h.mu.Unlock()
	if s == nil {
		return errors.New("not connected yet")
	}
	start := h.now()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := s.CurrentTime(ctx)
	end := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.lastErr = err
		return err
	}
	h.last, h.lastErr = end, nil
	if h.m != nil {
		h.m.ObserveRoundTrip(end.Sub(start), end)
	}
	return nil
}

// RunProber probes every interval until ctx ends.
func (h *Health) RunProber(ctx context.Context, interval time.Duration) {
	_ = h.Probe(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = h.Probe(ctx)
		}
	}
}

// Check returns whether the bot is healthy and says why: the session is
// Ready and the last round trip is under MaxRoundTripAge old.
func (h *Health) Check() (bool, string) {
	h.mu.Lock()
	s, last, lastErr := h.sess, h.last, h.lastErr
	h.mu.Unlock()
	if s == nil {
		return false, "not connected to the Gateway yet"
	}
	if st := s.Status(); st != ibkr.StatusReady {
		return false, fmt.Sprintf("session %s", st)
	}
	if last.IsZero() {
		if lastErr != nil {
			return false, fmt.Sprintf("no round trip to the Gateway yet (last probe: %v)", lastErr)
		}
		return false, "no round trip to the Gateway yet"
	}
	age := h.now().Sub(last)
	if age > MaxRoundTripAge {
		why := fmt.Sprintf("last round trip to the Gateway %v ago (limit %v)", age.Round(time.Second), MaxRoundTripAge)
		if lastErr != nil {
			why += fmt.Sprintf("; last probe: %v", lastErr)
		}
		return false, why
	}
	return true, fmt.Sprintf("ok: session ready, last round trip %v ago", age.Round(time.Millisecond))
}

// Ready returns whether the bot runs, and why not.
func (h *Health) Ready() (bool, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ready {
		return false, "not running: starting or stopping"
	}
	return true, "ok: running"
}

// Handler serves /metrics, /healthz and /readyz.
func Handler(m *Metrics, h *Health) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	check := func(f func() (bool, string)) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			ok, why := f()
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			if !ok {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			fmt.Fprintln(w, why)
		}
	}
	mux.Handle("GET /healthz", check(h.Check))
	mux.Handle("GET /readyz", check(h.Ready))
	return mux
}

// Server is the metrics and health HTTP server.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen starts serving on addr (loopback unless another address is
// named).
func Listen(addr string, handler http.Handler, logger *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	s := &Server{srv: &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}, ln: ln, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", "err", err)
		}
	}()
	return s, nil
}

// Addr is the address served.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server, waiting at most until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	return err
}
