package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/sched"
)

// Namespace prefixes every metric.
const Namespace = "ibbot"

// Session is what the metrics read of an IB session; *ibkr.Session and
// *ibkr.Lease implement it.
type Session interface {
	Status() ibkr.Status
	Stats() ibkr.Stats
	CurrentTime(ctx context.Context) (time.Time, error)
}

// AlertStats are one alert channel's counters.
type AlertStats struct {
	Sent, Failed, Dropped uint64
}

// Sources are read at every scrape; any may be nil.
type Sources struct {
	Session   Session
	Decisions func() map[string]int
	Alerts    func() map[string]AlertStats
}

// Metrics holds the registry and the counters the bot updates.
type Metrics struct {
	Registry *prometheus.Registry

	cycles       prometheus.Counter
	skipped      prometheus.Counter
	cycleSeconds prometheus.Histogram
	outcomes     *prometheus.CounterVec
	roundTrip    prometheus.Histogram
	lastRT       prometheus.Gauge

	mu  sync.Mutex
	src Sources
}

// New registers every metric. version labels ibbot_build_info.
func New(version string, src Sources) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{Registry: reg, src: src}
	m.cycles = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "cycles_total",
		Help: "Cycles run (every symbol once)."})
	m.skipped = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "cycles_skipped_total",
		Help: "Cycles skipped because the previous one was still running."})
	m.cycleSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "cycle_duration_seconds",
		Help:    "Wall time from a cycle's start to its last symbol's end.",
		Buckets: []float64{0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 180, 300}})
	m.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "symbol_runs_total",
		Help: "Symbol runs by outcome: ok, error, timeout, skipped (backing off, parked or breaker open), canceled."}, []string{"outcome"})
	for _, o := range []string{"ok", "error", "timeout", "skipped", "canceled"} {
		m.outcomes.WithLabelValues(o)
	}
	m.roundTrip = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "gateway_round_trip_seconds",
		Help:    "Health probe round trips (reqCurrentTime) to the Gateway.",
		Buckets: []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}})
	m.lastRT = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "gateway_last_round_trip_timestamp_seconds",
		Help: "Unix time of the last successful health probe round trip (0: none yet)."})
	build := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "build_info",
		Help: "Always 1; the version label is ibbot's.", ConstLabels: prometheus.Labels{"version": version}})
	build.Set(1)
	reg.MustRegister(m.cycles, m.skipped, m.cycleSeconds, m.outcomes, m.roundTrip, m.lastRT, build,
		&collector{m: m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SetSources replaces what is read at scrape time (the session exists only
// after connecting).
func (m *Metrics) SetSources(src Sources) {
	m.mu.Lock()
	m.src = src
	m.mu.Unlock()
}

func (m *Metrics) sources() Sources {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.src
}

// ObserveCycle counts a finished cycle; sched.Config.OnCycle calls it.
func (m *Metrics) ObserveCycle(r sched.CycleReport) {
	if r.Skipped {
		m.skipped.Inc()
		return
	}
	m.cycles.Inc()
	m.cycleSeconds.Observe(r.Duration.Seconds())
	for _, s := range r.Symbols {
		m.outcomes.WithLabelValues(s.Outcome.String()).Inc()
	}
}

// ObserveRoundTrip records a successful probe that took d and ended at.
func (m *Metrics) ObserveRoundTrip(d time.Duration, at time.Time) {
	m.roundTrip.Observe(d.Seconds())
	m.lastRT.Set(float64(at.UnixNano()) / 1e9)
}

var (
	descStatus   = prometheus.NewDesc(Namespace+"_session_status", "1 for the session's current state (connecting, ready, connectivity-lost, reconnecting, closed).", []string{"status"}, nil)
	descWritten  = prometheus.NewDesc(Namespace+"_messages_sent_total", "Messages written to the Gateway by lane: order (orders and cancels), interactive, bulk.", []string{"lane"}, nil)
	descPaced    = prometheus.NewDesc(Namespace+"_pacing_waits_total", "Messages that waited for the session's rate limiter (IB's 50 msg/s).", nil, nil)
	descPacedSec = prometheus.NewDesc(Namespace+"_pacing_wait_seconds_total", "Time messages spent waiting for the rate limiter.", nil, nil)
	descQueued   = prometheus.NewDesc(Namespace+"_write_queue_messages", "Messages waiting to be written now.", nil, nil)
	descLines    = prometheus.NewDesc(Namespace+"_market_data_lines", "Market data lines in use now (IB allows 100).", nil, nil)
	descHistOpen = prometheus.NewDesc(Namespace+"_historical_open_requests", "Historical requests sent and not yet answered.", nil, nil)
	descHistWait = prometheus.NewDesc(Namespace+"_historical_waiting_requests", "Historical requests held back by IB's historical pacing rules.", nil, nil)
	descReconn   = prometheus.NewDesc(Namespace+"_session_reconnects_total", "Successful reconnects to the Gateway.", nil, nil)
	descDead     = prometheus.NewDesc(Namespace+"_session_dead_connections_total", "Connections dropped because the Gateway left a liveness probe unanswered with the socket open.", nil, nil)
	descDecision = prometheus.NewDesc(Namespace+"_decisions_total", "Decisions journaled, by kind (signal, skip, dry_run, what_if, order, fill, exit, guard, error).", []string{"kind"}, nil)
	descAlert    = prometheus.NewDesc(Namespace+"_alerts_total", "Alerts by channel and result: sent, failed (after retries), dropped (queue full or shutdown).", []string{"channel", "result"}, nil)
)

var statuses = []ibkr.Status{ibkr.StatusConnecting, ibkr.StatusReady, ibkr.StatusConnectivityLost, ibkr.StatusReconnecting, ibkr.StatusClosed}

// collector reads the sources at scrape time.
type collector struct{ m *Metrics }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStatus, descWritten, descPaced, descPacedSec, descQueued, descLines, descHistOpen, descHistWait, descReconn, descDead, descDecision, descAlert} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	src := c.m.sources()
	if s := src.Session; s != nil {
		cur := s.Status()
		for _, st := range statuses {
			v := 0.0
			if st == cur {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descStatus, prometheus.GaugeValue, v, st.String())
		}
		stats := s.Stats()
		ch <- prometheus.MustNewConstMetric(descWritten, prometheus.CounterValue, float64(stats.WrittenOrders), "order")
		ch <- prometheus.MustNewConstMetric(descWritten, prometheus.CounterValue, float64(stats.WrittenInteractive), "interactive")
		ch <- prometheus.MustNewConstMetric(descWritten, prometheus.CounterValue, float64(stats.WrittenBulk), "bulk")
		ch <- prometheus.MustNewConstMetric(descPaced, prometheus.CounterValue, float64(stats.PacingWaits))
		ch <- prometheus.MustNewConstMetric(descPacedSec, prometheus.CounterValue, stats.PacingWaitTime.Seconds())
		ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(stats.Queued))
		ch <- prometheus.MustNewConstMetric(descLines, prometheus.GaugeValue, float64(stats.MarketDataLines))
		ch <- prometheus.MustNewConstMetric(descHistOpen, prometheus.GaugeValue, float64(stats.HistoricalOpen))
		ch <- prometheus.MustNewConstMetric(descHistWait, prometheus.GaugeValue, float64(stats.HistoricalWaiting))
		ch <- prometheus.MustNewConstMetric(descReconn, prometheus.CounterValue, float64(stats.Reconnects))
		ch <- prometheus.MustNewConstMetric(descDead, prometheus.CounterValue, float64(stats.DeadConnections))
	}
	if src.Decisions != nil {
		for k, v := range src.Decisions() {
			ch <- prometheus.MustNewConstMetric(descDecision, prometheus.CounterValue, float64(v), k)
		}
	}
	if src.Alerts != nil {
		for name, a := range src.Alerts() {
			ch <- prometheus.MustNewConstMetric(descAlert, prometheus.CounterValue, float64(a.Sent), name, "sent")
			ch <- prometheus.MustNewConstMetric(descAlert, prometheus.CounterValue, float64(a.Failed), name, "failed")
			ch <- prometheus.MustNewConstMetric(descAlert, prometheus.CounterValue, float64(a.Dropped), name, "dropped")
		}
	}
}
