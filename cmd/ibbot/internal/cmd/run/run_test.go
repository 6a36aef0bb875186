package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"go.uber.org/goleak"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func TestMain(m *testing.M) {
	ibapi.SetLogLevel(7)
	goleak.VerifyTestMain(m)
}

// simStart is a regular session's morning: the market is open.
var simStart = time.Date(2026, 3, 12, 10, 0, 0, 0, mustLoc("America/New_York"))

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// logTap is the run's standard error: it parses the JSON log records as
// they are written and calls the hooks on each (hooks must not block).
type logTap struct {
	mu      sync.Mutex
	partial []byte
	recs    []map[string]any
	hooks   []func(map[string]any)
	raw     bytes.Buffer
}

func (l *logTap) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.raw.Write(p)
	l.partial = append(l.partial, p...)
	var fresh []map[string]any
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		l.partial = l.partial[i+1:]
		var m map[string]any
		if err := json.Unmarshal(line, &m); err == nil {
			l.recs = append(l.recs, m)
			fresh = append(fresh, m)
		}
	}
	hooks := slices.Clone(l.hooks)
	l.mu.Unlock()
	for _, m := range fresh {
		for _, h := range hooks {
			h(m)
		}
	}
	return len(p), nil
}

func (l *logTap) records(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, m := range l.recs {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (l *logTap) last() map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recs) == 0 {
		return nil
	}
	return l.recs[len(l.recs)-1]
}

func (l *logTap) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.raw.String()
}

// runResult is what one "ibbot run" left behind.
type runResult struct {
	out  string
	log  *logTap
	err  error
	srv  *ibsim.Server // the embedded simulator, closed by now
	opts *RunOptions
}

// runBot runs "ibbot run" with args (plus --log-format json) until it
// returns, applying edit to the parsed options first.
func runBot(t *testing.T, ctx context.Context, args []string, env map[string]string, edit func(*RunOptions), hooks ...func(map[string]any)) runResult {
	t.Helper()
	tap := &logTap{hooks: hooks}
	var out bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: tap},
		Getenv: func(k string) string { return env[k] }}
	res := runResult{log: tap}
	cmd := NewCmdRun(f, func(ctx context.Context, o *RunOptions) error {
		started := o.Started
		o.Started = func(s *ibsim.Server) {
			res.srv = s
			if started != nil {
				started(s)
			}
		}
		if edit != nil {
			edit(o)
		}
		res.opts = o
		return runRun(ctx, o)
	})
	cmd.SetArgs(append(append([]string(nil), args...), "--log-format", "json"))
	cmd.SetOut(&out)
	cmd.SetErr(tap)
	cmd.SilenceUsage = true
	res.err = cmd.ExecuteContext(ctx)
	res.out = out.String()
	return res
}

// alwaysCall buys a call on every cycle: the decisions under test are the
// bot's, not a strategy's.
var alwaysCall = &bot.Strategy{Name: "always_call", MinBars: 1, Decide: func(bars []ibkr.Bar, _, _ time.Time) bot.Signal {
	return bot.Signal{Action: bot.BuyCall, Confidence: 1, Reason: fmt.Sprintf("test strategy, %d bars", len(bars))}
}}

// noConfirm turns the exit-rule confirmation off, so that alwaysCall's
// every signal becomes a ticket.
var noConfirm = map[string]string{"IBBOT_STRATEGY_CONFIRM_WITH_EXIT_RULE": "false"}

func withStrategy(s *bot.Strategy) func(*RunOptions) {
	return func(o *RunOptions) { o.StrategyOverride = s }
}

func journalRecords(t *testing.T, dir string) []bot.Record {
	t.Helper()
	j, err := bot.OpenJournalReadOnly(dir)
	if err != nil {
		t.Fatalf("open journal in %s: %v", dir, err)
	}
	defer j.Close()
	recs, err := j.Records(context.Background(), bot.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func countKinds(recs []bot.Record) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		out[r.Kind]++
	}
	return out
}

// runComplete returns the run_complete record, which must be the last.
func runComplete(t *testing.T, tap *logTap) map[string]any {
	t.Helper()
	last := tap.last()
	if last == nil || last["msg"] != "run_complete" {
		t.Fatalf("the last log record is %v, want run_complete; log:\n%s", last, tail(tap.text(), 3000))
	}
	return last
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func num(m map[string]any, path ...string) float64 {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return -1
		}
		v = mm[p]
	}
	f, ok := v.(float64)
	if !ok {
		return -1
	}
	return f
}

// The incident that started ibbot: three symbols, two at a time, every
// 180 s, for three cycles, through one connection: all nine symbol runs
// complete, no 326, and a dry run sends no order message.
func TestIncidentThreeSymbolsTwoAtATime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := runBot(t, ctx, []string{"--sim", "--symbols", "SPY,QQQ,AAPL", "--max-concurrent", "2", "--interval", "180s", "--cycles", "3",
		"--sim-start", simStart.Format(time.RFC3339), "--data-dir", dir}, noConfirm, withStrategy(alwaysCall))
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, tail(res.log.text(), 3000))
	}
	rc := runComplete(t, res.log)
	if got := num(rc, "cycles"); got != 3 {
		t.Errorf("cycles = %v, want 3", got)
	}
	if got := num(rc, "symbolRuns", "ok"); got != 9 {
		t.Errorf("ok symbol runs = %v, want 9; run_complete: %v", got, rc)
	}
	st := res.srv.Stats()
	if st.ErrorsSent[326] != 0 {
		t.Errorf("326 sent %d times", st.ErrorsSent[326])
	}
	if st.Connections != 1 {
		t.Errorf("gateway connections = %d, want 1", st.Connections)
	}
	if got := num(rc, "gateway", "Connections"); got != 1 {
		t.Errorf("run_complete gateway.Connections = %v, want 1", got)
	}
	// A dry run: tickets journaled, not one order message sent.
	if st.OrdersReceived != 0 || st.MessagesByType[3] != 0 {
		t.Errorf("dry run sent %d placeOrder messages (%d orders received)", st.MessagesByType[3], st.OrdersReceived)
	}
	kinds := countKinds(journalRecords(t, filepath.Join(dir, "sim")))
	if kinds[bot.KindDryRun] == 0 {
		t.Errorf("no dry-run ticket journaled: %v", kinds)
	}
	if n := len(res.log.records("dry_run")); n != kinds[bot.KindDryRun] {
		t.Errorf("%d dry_run log records, %d journaled", n, kinds[bot.KindDryRun])
	}
	for _, r := range res.log.records("dry_run") {
		if r["symbol"] == nil || r["cycle"] == nil || !strings.Contains(fmt.Sprint(r["ticket"]), "BUY") {
			t.Errorf("dry_run record without symbol, cycle or ticket: %v", r)
		}
	}
	if !strings.Contains(res.out, "run complete: 3 cycles") || !strings.Contains(res.out, "9 ok") {
		t.Errorf("summary on stdout:\n%s", res.out)
	}
	if _, err := os.Stat(filepath.Join(dir, bot.JournalFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a --sim run wrote a journal outside sim/: %v", err)
	}
}

// Live on the simulator: brackets fill and show up as positions; the next
// cycles do not enter those symbols again.
func TestLiveOnSimFillsAndDoesNotReenter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := runBot(t, ctx, []string{"--sim", "--live", "--symbols", "SPY,QQQ,AAPL", "--max-concurrent", "3", "--interval", "180s", "--cycles", "3",
		"--sim-start", simStart.Format(time.RFC3339), "--data-dir", dir}, noConfirm, withStrategy(alwaysCall))
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, tail(res.log.text(), 3000))
	}
	runComplete(t, res.log)
	recs := journalRecords(t, filepath.Join(dir, "sim"))
	// Per symbol: one bracket; from then on every cycle sees the position
	// (once the entry filled) or the working entry (until it does), and
	// never enters again unless the bot exited first.
	placed := map[string]int{}
	filled := map[string]bool{}
	exited := map[string]bool{}
	fills := 0
	for _, r := range recs {
		switch {
		case r.Kind == bot.KindOrder && strings.HasPrefix(r.Summary, "placed:"):
			if placed[r.Symbol] > 0 && !exited[r.Symbol] {
				t.Errorf("%s cycle %d: a second bracket with no exit since the first", r.Symbol, r.Cycle)
			}
			placed[r.Symbol]++
			filled[r.Symbol], exited[r.Symbol] = false, false
		case r.Kind == bot.KindFill && strings.HasPrefix(r.Summary, "BOT"):
			filled[r.Symbol] = true
			fills++
		case r.Kind == bot.KindExit:
			exited[r.Symbol] = true
		case r.Kind == bot.KindSkip && placed[r.Symbol] > 0 && !exited[r.Symbol]:
			want := "working entry"
			if filled[r.Symbol] {
				want = "position open"
			}
			if !strings.HasPrefix(r.Summary, want) {
				t.Errorf("%s cycle %d: skip %q, want %q", r.Symbol, r.Cycle, r.Summary, want)
			}
		}
	}
	total := 0
	for _, sym := range []string{"SPY", "QQQ", "AAPL"} {
		if placed[sym] == 0 {
			t.Errorf("%s: no bracket placed", sym)
		}
		total += placed[sym]
	}
	if fills == 0 {
		t.Error("no entry filled (an entry at the ask fills at once when the quote holds)")
	}
	if t.Failed() {
		for _, r := range recs {
			t.Logf("journal: c%d %s %s: %s", r.Cycle, r.Symbol, r.Kind, r.Summary)
		}
	}
	st := res.srv.Stats()
	// Two legs per bracket (no take-profit by default) and one market
	// order per exit, nothing else.
	exitOrders := 0
	for _, r := range res.log.records("exit") {
		if r["orderId"] != nil {
			exitOrders++
		}
	}
	if want := int64(2*total + exitOrders); st.OrdersReceived != want {
		t.Errorf("orders received = %d, want %d (%d brackets of two legs, %d exits)", st.OrdersReceived, want, total, exitOrders)
	}
	if st.OrderFills == 0 {
		t.Error("no fills at the simulator")
	}
	if n := len(res.log.records("order_placed")); n != total {
		t.Errorf("%d order_placed log records, %d brackets journaled", n, total)
	}
	if n := len(res.log.records("fill")); n == 0 {
		t.Error("no fill log record")
	}
}

// Killing the bot mid-run and starting it again against a simulator that
// stays up: no duplicate order, the working ones are adopted.
func TestRestartAdoptsWorkingOrders(t *testing.T) {
	t.Parallel()
	clock := bot.NewSimClock(simStart, DefaultSimSpeed)
	srv, err := ibsim.Start(ibsim.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host, port, err := cmdutil.SplitAddr(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// entry_price: mid rests below the ask: the entries stay working.
	cfgPath := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(cfgPath, []byte("dry_run: false\noptions:\n  entry_price: mid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfgPath, "--live", "--symbols", "SPY,QQQ,AAPL", "--max-concurrent", "3", "--interval", "180s",
		"--host", host, "--port", fmt.Sprint(port), "--client-id", "7", "--data-dir", dir}
	edit := func(o *RunOptions) { o.StrategyOverride = alwaysCall; o.Clock = clock }

	// First run: killed as soon as the second bracket is placed.
	ctx1, kill := context.WithCancel(context.Background())
	defer kill()
	var placedOnce sync.Once
	n := 0
	var mu sync.Mutex
	first := runBot(t, ctx1, append(args, "--cycles", "5"), noConfirm, edit, func(m map[string]any) {
		if m["msg"] != "order_placed" {
			return
		}
		mu.Lock()
		n++
		if n == 2 {
			placedOnce.Do(kill)
		}
		mu.Unlock()
	})
	if first.err != nil {
		t.Fatalf("first run: %v\n%s", first.err, tail(first.log.text(), 3000))
	}
	placed1 := len(first.log.records("order_placed"))
	if placed1 < 2 {
		t.Fatalf("the first run placed %d brackets before it was stopped, want at least 2", placed1)
	}
	received1 := srv.Stats().OrdersReceived

	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel2()
	second := runBot(t, ctx2, append(args, "--cycles", "2"), noConfirm, edit)
	if second.err != nil {
		t.Fatalf("second run: %v\n%s", second.err, tail(second.log.text(), 3000))
	}
	runComplete(t, second.log)
	recs := journalRecords(t, dir)
	// A symbol is entered again only after the bot exited it: never while
	// its entry works or its position is held.
	placed := map[string]int{}
	exited := map[string]bool{}
	adopted := map[string]int{}
	for _, r := range recs {
		switch {
		case r.Kind == bot.KindOrder && strings.HasPrefix(r.Summary, "placed:"):
			if placed[r.Symbol] > 0 && !exited[r.Symbol] {
				t.Errorf("%s: a second bracket placed (run %s, cycle %d) with no exit since the first", r.Symbol, r.Run, r.Cycle)
			}
			placed[r.Symbol]++
			exited[r.Symbol] = false
		case r.Kind == bot.KindExit:
			exited[r.Symbol] = true
		case r.Kind == bot.KindSkip && (strings.HasPrefix(r.Summary, "working entry") || strings.HasPrefix(r.Summary, "position open")):
			if r.Run != first.runID(t) {
				adopted[r.Symbol]++
			}
		}
	}
	// Every symbol the first run entered is adopted by the second, never
	// entered again.
	for _, r := range first.log.records("order_placed") {
		sym := fmt.Sprint(r["symbol"])
		if adopted[sym] == 0 {
			t.Errorf("%s: the second run did not adopt the first run's order", sym)
		}
	}
	// At the simulator: per symbol at most one working entry.
	sess, err := ibkr.Dial(ctx2, ibkr.Config{Host: host, Port: port, ClientID: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	entries := map[string]int{}
	open, err := sess.OpenOrders(ctx2)
	if err != nil {
		t.Fatal(err)
	}
	for _, oi := range open {
		if oi.Order.Action == "BUY" && oi.Order.ParentID == 0 {
			entries[oi.Contract.Symbol]++
		}
	}
	for sym, k := range entries {
		if k > 1 {
			t.Errorf("%s: %d working entries at the simulator, want at most 1", sym, k)
		}
	}
	if t.Failed() {
		for _, r := range recs {
			t.Logf("journal: %s c%d %s %s: %s", r.Run, r.Cycle, r.Symbol, r.Kind, r.Summary)
		}
		for _, oi := range open {
			t.Logf("open: %d %s %s %s parent %d %s ref %s", oi.OrderID, oi.Order.Action, oi.Contract.Symbol, oi.Order.Type, oi.Order.ParentID, oi.Status, oi.Order.OrderRef)
		}
	}
	t.Logf("orders received: %d by the first run, %d in all; entries %v", received1, srv.Stats().OrdersReceived, entries)
	if srv.Stats().ErrorsSent[326] != 0 {
		t.Errorf("326 sent %d times", srv.Stats().ErrorsSent[326])
	}
}

// runID reads the run id from the run_start record.
func (r runResult) runID(t *testing.T) string {
	t.Helper()
	starts := r.log.records("run_start")
	if len(starts) != 1 {
		t.Fatalf("%d run_start records", len(starts))
	}
	return fmt.Sprint(starts[0]["run"])
}

// A simulator restart in the middle of a cycle: the symbols in flight fail,
// the run carries on the next cycle, and every decision logged is in the
// journal.
func TestSimulatorRestartMidCycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var srvMu sync.Mutex
	var srv *ibsim.Server
	var once sync.Once
	restarted := make(chan error, 1)
	edit := func(o *RunOptions) {
		o.StrategyOverride = alwaysCall
		o.Started = func(s *ibsim.Server) { srvMu.Lock(); srv = s; srvMu.Unlock() }
	}
	res := runBot(t, ctx, []string{"--sim", "--symbols", "SPY,QQQ,AAPL", "--max-concurrent", "2", "--interval", "180s", "--cycles", "4",
		"--sim-start", simStart.Format(time.RFC3339), "--data-dir", dir}, noConfirm, edit, func(m map[string]any) {
		// The worst moment: cycle 2's first symbol asked for its bars.
		if m["msg"] == "historical_request" && num(m, "cycle") == 2 {
			once.Do(func() {
				srvMu.Lock()
				s := srv
				srvMu.Unlock()
				go func() { restarted <- s.Restart(500 * time.Millisecond) }()
			})
		}
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, tail(res.log.text(), 3000))
	}
	select {
	case err := <-restarted:
		if err != nil {
			t.Fatalf("restart: %v", err)
		}
	default:
		t.Fatal("the simulator was never restarted")
	}
	rc := runComplete(t, res.log)
	if got := num(rc, "cycles"); got != 4 {
		t.Errorf("cycles = %v, want 4", got)
	}
	if got := num(rc, "gateway", "Connections"); got < 2 {
		t.Errorf("gateway connections = %v: the session never reconnected", got)
	}
	// The run carried on: the last cycle's symbols all ran fine.
	var lastCycle map[string]any
	for _, r := range res.log.records("cycle_complete") {
		if num(r, "cycle") == 4 {
			lastCycle = r
		}
	}
	if lastCycle == nil || num(lastCycle, "outcomes", "ok") != 3 {
		t.Errorf("cycle 4 = %v, want 3 ok symbol runs", lastCycle)
	}
	// Nothing lost from the journal: every decision the run counted and
	// logged is there.
	kinds := countKinds(journalRecords(t, filepath.Join(dir, "sim")))
	decisions, _ := rc["decisions"].(map[string]any)
	for k, v := range decisions {
		if float64(kinds[k]) != v.(float64) {
			t.Errorf("%s: run_complete counts %v, the journal holds %d", k, v, kinds[k])
		}
	}
	for msg, kind := range map[string]string{"skip": bot.KindSkip, "signal": bot.KindSignal, "dry_run": bot.KindDryRun} {
		if n := len(res.log.records(msg)); n != kinds[kind] {
			t.Errorf("%d %s log records, %d journaled", n, msg, kinds[kind])
		}
	}
	if kinds[bot.KindDryRun] < 9 {
		t.Errorf("%d tickets journaled, want one per symbol in at least three cycles: %v", kinds[bot.KindDryRun], kinds)
	}
}
