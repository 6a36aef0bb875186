package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/sched"
)

type fakeSession struct {
	mu     sync.Mutex
	status ibkr.Status
	err    error
	stats  ibkr.Stats
}

func (f *fakeSession) Status() ibkr.Status { f.mu.Lock(); defer f.mu.Unlock(); return f.status }
func (f *fakeSession) Stats() ibkr.Stats   { f.mu.Lock(); defer f.mu.Unlock(); return f.stats }
func (f *fakeSession) CurrentTime(context.Context) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Time{}, f.err
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// /healthz is 200 only while the session is Ready and the last round trip
// is at most 30 s old; otherwise 503 with a body saying why.
func TestHealthCheck(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)}
	m := New("test", Sources{})
	h := NewHealth(m, clk.now)
	check := func(wantOK bool, wantWhy string) {
		t.Helper()
		ok, why := h.Check()
		if ok != wantOK || !strings.Contains(why, wantWhy) {
			t.Errorf("Check() = %v %q, want %v and %q", ok, why, wantOK, wantWhy)
		}
	}
	check(false, "not connected")
	s := &fakeSession{status: ibkr.StatusReady}
	h.SetSession(s)
	check(false, "no round trip")
	s.err = errors.New("deadline exceeded")
	if err := h.Probe(context.Background()); err == nil {
		t.Fatal("Probe passed a failing CurrentTime")
	}
	check(false, "deadline exceeded")
	s.err = nil
	if err := h.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	check(true, "ok")
	clk.add(MaxRoundTripAge) // exactly the limit: still fine
	check(true, "ok")
	clk.add(time.Second)
	check(false, "31s ago (limit 30s)")
	if err := h.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	check(true, "ok")
	s.mu.Lock()
	s.status = ibkr.StatusReconnecting
	s.mu.Unlock()
	check(false, "session reconnecting")

	if ok, _ := h.Ready(); ok {
		t.Error("ready before SetReady")
	}
	h.SetReady(true)
	if ok, _ := h.Ready(); !ok {
		t.Error("not ready after SetReady(true)")
	}
}

// Over a real listener: the endpoints' codes and bodies, and /metrics
// parses with the Prometheus text parser and reads the sources at scrape
// time.
func TestHandlerOverListener(t *testing.T) {
	s := &fakeSession{status: ibkr.StatusReady, stats: ibkr.Stats{MarketDataLines: 7, Reconnects: 2, DeadConnections: 1}}
	m := New("v1.2.3", Sources{Session: s, Decisions: func() map[string]int { return map[string]int{"order": 3} },
		Alerts: func() map[string]AlertStats { return map[string]AlertStats{"slack": {Sent: 4, Dropped: 1}} }})
	h := NewHealth(m, nil)
	h.SetSession(s)
	srv, err := Listen("127.0.0.1:0", Handler(m, h), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 503 || !strings.Contains(body, "no round trip") {
		t.Errorf("/healthz before a probe = %d %q", code, body)
	}
	if err := h.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, _ := get("/readyz"); code != 503 {
		t.Errorf("/readyz before SetReady = %d", code)
	}
	m.ObserveCycle(sched.CycleReport{Cycle: 1, Duration: 2 * time.Second, Symbols: []sched.SymbolReport{{Symbol: "SPY", Outcome: sched.OutcomeOK}, {Symbol: "QQQ", Outcome: sched.OutcomeTimeout}}})
	m.ObserveCycle(sched.CycleReport{Cycle: 2, Skipped: true})
	code, body := get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	val := func(name string, label ...string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Errorf("%s missing", name)
			return -1
		}
	next:
		for _, mt := range f.Metric {
			for i := 0; i+1 < len(label); i += 2 {
				found := false
				for _, lp := range mt.Label {
					if lp.GetName() == label[i] && lp.GetValue() == label[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue()
			case mt.Gauge != nil:
				return mt.Gauge.GetValue()
			case mt.Histogram != nil:
				return float64(mt.Histogram.GetSampleCount())
			}
		}
		t.Errorf("%s%v: no such sample", name, label)
		return -1
	}
	for _, c := range []struct {
		got, want float64
		what      string
	}{
		{val("ibbot_market_data_lines"), 7, "market data lines"},
		{val("ibbot_session_reconnects_total"), 2, "reconnects"},
		{val("ibbot_session_dead_connections_total"), 1, "dead connections"},
		{val("ibbot_session_status", "status", "ready"), 1, "ready"},
		{val("ibbot_session_status", "status", "closed"), 0, "closed"},
		{val("ibbot_decisions_total", "kind", "order"), 3, "orders"},
		{val("ibbot_alerts_total", "channel", "slack", "result", "sent"), 4, "slack sent"},
		{val("ibbot_alerts_total", "channel", "slack", "result", "dropped"), 1, "slack dropped"},
		{val("ibbot_cycles_total"), 1, "cycles"},
		{val("ibbot_cycles_skipped_total"), 1, "skipped cycles"},
		{val("ibbot_symbol_runs_total", "outcome", "timeout"), 1, "timeouts"},
		{val("ibbot_cycle_duration_seconds"), 1, "cycle samples"},
		{val("ibbot_gateway_round_trip_seconds"), 1, "probes"},
		{val("ibbot_build_info", "version", "v1.2.3"), 1, "build info"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}
