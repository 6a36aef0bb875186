package sched_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// nyc is New York, where the calendar lives.
var nyc = sched.NYSE().Location()

// at returns an instant in New York.
func at(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, nyc)
}

// tuesday10 is 10:00 New York on Tuesday 10 March 2026, an ordinary
// trading day.
var tuesday10 = at(2026, 3, 10, 10, 0, 0)

// harness runs a Scheduler on a FakeClock inside a synctest bubble and
// records what it reports and logs. It moves the clock only when every
// goroutine of the bubble is blocked, so a run is exact and repeatable.
type harness struct {
	t     *testing.T
	clock *sched.FakeClock
	logs  *logSink

	mu      sync.Mutex
	reports []sched.CycleReport
	steps   []time.Time // the instants the clock was moved to

	cancel context.CancelFunc
	result chan runResult
}

type runResult struct {
	sum sched.Summary
	err error
}

// newHarness returns a harness whose FakeClock stands at from.
func newHarness(t *testing.T, from time.Time) *harness {
	return &harness{t: t, clock: sched.NewFakeClock(from), logs: &logSink{}, result: make(chan runResult, 1)}
}

// start starts Run in the bubble with cfg on a FakeClock at from.
func start(t *testing.T, cfg sched.Config, from time.Time, symbols []string, fn sched.Func) *harness {
	t.Helper()
	h := newHarness(t, from)
	h.run(context.Background(), cfg, symbols, fn)
	return h
}

// run starts Run in the bubble with cfg on the harness's clock and a
// context derived from parent. Seed defaults to 1 so that jitter repeats.
func (h *harness) run(parent context.Context, cfg sched.Config, symbols []string, fn sched.Func) {
	h.t.Helper()
	cfg.Clock = h.clock
	cfg.Logger = slog.New(h.logs)
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	cfg.OnCycle = func(r sched.CycleReport) {
		h.mu.Lock()
		h.reports = append(h.reports, r)
		h.mu.Unlock()
	}
	s, err := sched.New(cfg)
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(parent)
	h.cancel = cancel
	go func() {
		sum, err := s.Run(ctx, symbols, fn)
		h.result <- runResult{sum, err}
	}()
}

// until moves the clock from one pending instant to the next, each time
// once everything waits, up to and including deadline, and then to
// deadline.
func (h *harness) until(deadline time.Time) {
	for {
		synctest.Wait()
		next, ok := h.clock.Next()
		if !ok || next.After(deadline) {
			if deadline.After(h.clock.Now()) {
				h.clock.Set(deadline)
			}
			return
		}
		h.mu.Lock()
		h.steps = append(h.steps, next)
		h.mu.Unlock()
		h.clock.AdvanceToNext()
	}
}

// stop cancels Run's context and moves the clock (the grace period, the
// functions' own waits) until Run returns.
func (h *harness) stop() (sched.Summary, error) {
	h.t.Helper()
	h.cancel()
	for {
		synctest.Wait()
		select {
		case r := <-h.result:
			return r.sum, r.err
		default:
		}
		if _, ok := h.clock.AdvanceToNext(); !ok {
			h.t.Fatal("Run has not returned and nothing waits on the clock")
		}
	}
}

// got returns the reports so far, in the order OnCycle received them.
func (h *harness) got() []sched.CycleReport {
	synctest.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sched.CycleReport(nil), h.reports...)
}

// ran returns the reports of the cycles that ran (not skipped).
func (h *harness) ran() []sched.CycleReport {
	var out []sched.CycleReport
	for _, r := range h.got() {
		if !r.Skipped {
			out = append(out, r)
		}
	}
	return out
}

// symbol returns symbol's report in r.
func symbol(t *testing.T, r sched.CycleReport, sym string) sched.SymbolReport {
	t.Helper()
	for _, s := range r.Symbols {
		if s.Symbol == sym {
			return s
		}
	}
	t.Fatalf("cycle %d has no report for %s: %+v", r.Cycle, sym, r)
	return sched.SymbolReport{}
}

// sleep waits d on clock c, or until ctx ends.
func sleep(ctx context.Context, c sched.Clock, d time.Duration) error {
	done := make(chan struct{})
	t := c.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// gauge measures how many goroutines are inside a section at once.
type gauge struct{ cur, peak atomic.Int64 }

func (g *gauge) enter() {
	n := g.cur.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (g *gauge) leave() { g.cur.Add(-1) }

// perSymbol holds a gauge and a call log for each symbol.
type perSymbol struct {
	mu     sync.Mutex
	gauges map[string]*gauge
	calls  map[string][]time.Time
}

func newPerSymbol() *perSymbol {
	return &perSymbol{gauges: map[string]*gauge{}, calls: map[string][]time.Time{}}
}

// enter records a call of sym at now and returns its leave function.
func (p *perSymbol) enter(sym string, now time.Time) func() {
	p.mu.Lock()
	g := p.gauges[sym]
	if g == nil {
		g = &gauge{}
		p.gauges[sym] = g
	}
	p.calls[sym] = append(p.calls[sym], now)
	p.mu.Unlock()
	g.enter()
	return g.leave
}

func (p *perSymbol) peak(sym string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if g := p.gauges[sym]; g != nil {
		return g.peak.Load()
	}
	return 0
}

func (p *perSymbol) callTimes(sym string) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.calls[sym]...)
}

// logSink is a slog.Handler that keeps every record.
type logSink struct {
	mu   sync.Mutex
	recs []logRec
}

type logRec struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }

func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	rec := logRec{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, rec)
	l.mu.Unlock()
	return nil
}

func (l *logSink) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logSink) WithGroup(string) slog.Handler      { return l }

// exactly returns the records whose message is msg.
func (l *logSink) exactly(msg string) []logRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRec
	for _, r := range l.recs {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// find returns the records whose message starts with prefix.
func (l *logSink) find(prefix string) []logRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRec
	for _, r := range l.recs {
		if strings.HasPrefix(r.msg, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// hm formats an instant as New York "Mon 15:04:05".
func hm(t time.Time) string { return t.In(nyc).Format("Mon 15:04:05") }

// plannedTimes lists the Planned instants of reports as hm strings.
func plannedTimes(rs []sched.CycleReport) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = hm(r.Planned)
		if r.Skipped {
			out[i] += " skipped"
		}
	}
	return out
}

// outcomes formats a cycle's symbol outcomes as "SYM outcome[/reason]".
func outcomes(r sched.CycleReport) string {
	if r.Skipped {
		return "skipped(" + strings.Join(r.Running, ",") + ")"
	}
	var b strings.Builder
	for i, s := range r.Symbols {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s:%s", s.Symbol, s.Outcome)
		if s.Skip != sched.SkipNone {
			fmt.Fprintf(&b, "/%s", s.Skip)
		}
	}
	return b.String()
}
