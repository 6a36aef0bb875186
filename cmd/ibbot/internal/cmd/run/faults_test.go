package run

// The fault matrix: every fault the simulated Gateway can inject, each
// against "ibbot run --sim --live" as the CLI assembles it, on the embedded
// simulator's virtual clock, with a strategy that always signals. Every row
// asserts what the bot did by content (the simulator's counters, the
// journal's rows, the run's log events) and that no order was ever placed
// twice: checkFaultRun groups the orders the simulator kept by the bot's
// orderRef (ibbot:<run>:<symbol>) and the journal's orders by symbol and
// cycle, and a symbol never holds two entries without an exit between.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scmhub/ibapi"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// faultSpec is one fault run: "ibbot run --sim --live" with these flags,
// the fault armed by started and hook.
type faultSpec struct {
	symbols    []string
	concurrent int           // --max-concurrent; default every symbol at once
	interval   time.Duration // --interval; default 180 s
	speed      float64       // --speed; default faultSpeed
	cycles     int           // --cycles; default 3
	env        map[string]string
	edit       func(*RunOptions)
	// started runs once the simulator listens, before the bot connects
	// (it may block: the run waits for it).
	started func(f *faultRun, s *ibsim.Server)
	// hook sees every log record as it is written; it must not block
	// (faultRun.async runs what takes time).
	hook func(f *faultRun, m map[string]any)
	// injects100: the row sends error 100 itself.
	injects100 bool
}

// faultSpeed is the virtual clock's speed of the fault runs: a 180 s
// interval (and a symbol's time) takes 2.25 s of wall time, about four
// times what one symbol's entry takes (the session writes 43 messages a
// second; an entry is about 20), room for a loaded machine.
const faultSpeed = 80

// faultRun is a fault run in progress, then its results.
type faultRun struct {
	t    *testing.T
	spec faultSpec
	dir  string // the journal's directory (the data dir's sim/)

	mu     sync.Mutex
	srv    *ibsim.Server
	onces  map[string]bool
	errs   []error
	faults sync.WaitGroup

	// Set when the run logs run_complete, while the simulator still runs.
	stats   ibsim.Stats
	view    []simOrder
	viewErr error

	res  runResult
	recs []bot.Record
}

// runFault runs spec to its end and reads the journal.
func runFault(t *testing.T, spec faultSpec) *faultRun {
	t.Helper()
	if spec.interval == 0 {
		spec.interval = 180 * time.Second
	}
	if spec.speed == 0 {
		spec.speed = faultSpeed
	}
	if spec.cycles == 0 {
		spec.cycles = 3
	}
	if spec.concurrent == 0 {
		spec.concurrent = len(spec.symbols)
	}
	dir := t.TempDir()
	f := &faultRun{t: t, spec: spec, dir: filepath.Join(dir, "sim"), onces: map[string]bool{}}
	// Two seconds of virtual time before a cycle instant: the first cycle
	// starts at once.
	start := simStart.Truncate(spec.interval).Add(spec.interval - 2*time.Second)
	args := []string{"--sim", "--live", "--symbols", strings.Join(spec.symbols, ","), "--max-concurrent", strconv.Itoa(spec.concurrent),
		"--interval", spec.interval.String(), "--cycles", strconv.Itoa(spec.cycles), "--speed", strconv.FormatFloat(spec.speed, 'f', -1, 64),
		"--sim-start", start.Format(time.RFC3339), "--data-dir", dir}
	// One strike (three quoted): fewer messages per entry.
	env := map[string]string{"IBBOT_OPTIONS_STRIKE_COUNT": "1"}
	for k, v := range noConfirm {
		env[k] = v
	}
	for k, v := range spec.env {
		env[k] = v
	}
	edit := func(o *RunOptions) {
		o.StrategyOverride = alwaysCall
		prev := o.Started
		o.Started = func(s *ibsim.Server) {
			prev(s)
			f.mu.Lock()
			f.srv = s
			f.mu.Unlock()
			if spec.started != nil {
				spec.started(f, s)
			}
		}
		if spec.edit != nil {
			spec.edit(o)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f.res = runBot(t, ctx, args, env, edit, func(m map[string]any) {
		if m["msg"] == "run_complete" {
			// The scheduler is done and the simulator still runs: read
			// what it kept. This holds the run's log for the few
			// milliseconds it takes, safely: the simulator's logger drops
			// what is below a warning before it takes the log's lock,
			// and serving the inspector warns of nothing.
			s := f.server()
			f.stats = s.Stats()
			f.view, f.viewErr = inspectOrders(s)
		}
		if spec.hook != nil {
			spec.hook(f, m)
		}
	})
	f.faults.Wait()
	for _, err := range f.errs {
		t.Errorf("fault: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, bot.JournalFile)); err == nil {
		f.recs = journalRecords(t, f.dir)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("FAULT_DUMP") != "" {
			f.dump()
		}
	})
	return f
}

// botClientID is the bot's client id (broker.client_id's default).
const botClientID = 1

// botConns are the simulator's connections of the bot's client id, in
// accept order.
func (f *faultRun) botConns() []ibsim.ConnStats {
	var out []ibsim.ConnStats
	for _, c := range f.stats.Conns {
		if c.ClientID == botClientID {
			out = append(out, c)
		}
	}
	return out
}

// runComplete returns the run_complete record, the run's last but for
// what the session and the simulator log while they close (late answers
// to requests cancelled at the end).
func (f *faultRun) runComplete() map[string]any {
	t := f.t
	t.Helper()
	l := f.res.log
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.recs) - 1; i >= 0; i-- {
		m := l.recs[i]
		if m["msg"] == "run_complete" {
			return m
		}
		if c := m["component"]; c != "ibkr" && c != "ibsim" {
			break
		}
	}
	t.Fatalf("no run_complete record at the end of the log:\n%s", tail(l.raw.String(), 3000))
	return nil
}

// server is the embedded simulator (nil before it listens).
func (f *faultRun) server() *ibsim.Server {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.srv
}

// once reports whether key is new: hooks arm each fault once.
func (f *faultRun) once(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onces[key] {
		return false
	}
	f.onces[key] = true
	return true
}

// seen reports whether once(key) was called.
func (f *faultRun) seen(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.onces[key]
}

// async runs fn off the log hook; runFault waits for it and fails the test
// with its error.
func (f *faultRun) async(fn func() error) {
	f.faults.Go(func() {
		if err := fn(); err != nil {
			f.mu.Lock()
			f.errs = append(f.errs, err)
			f.mu.Unlock()
		}
	})
}

// awaitStat polls the simulator's counters until ok holds (ibsim has no
// event for "a request was read"; it counts messages as it reads them).
func awaitStat(s *ibsim.Server, what string, ok func(ibsim.Stats) bool) error {
	deadline := time.Now().Add(20 * time.Second)
	for !ok(s.Stats()) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the simulator never saw %s", what)
		}
		time.Sleep(time.Millisecond) // polling a counter: nothing to await
	}
	return nil
}

func (f *faultRun) dump() {
	t := f.t
	for _, r := range f.recs {
		t.Logf("journal: %s c%d %s %s: %s", r.Run, r.Cycle, r.Symbol, r.Kind, r.Summary)
	}
	for _, o := range f.view {
		t.Logf("sim order: perm %d parent %d/%d id %d client %d %s %s %s ref %s status %s filled %s completed %v",
			o.PermID, o.ParentID, o.ParentPermID, o.OrderID, o.ClientID, o.Action, o.Symbol, o.Type, o.Ref, o.Status, o.Filled, o.Completed)
	}
	n := 6000
	if os.Getenv("FAULT_DUMP") != "" {
		n = 1 << 30
	}
	t.Logf("log tail:\n%s", tail(f.res.log.text(), n))
}

// is reports whether m is the log record msg, for symbol ("" any) in cycle
// (0 any).
func is(m map[string]any, msg, symbol string, cycle int) bool {
	if m["msg"] != msg {
		return false
	}
	if symbol != "" && m["symbol"] != symbol {
		return false
	}
	return cycle == 0 || num(m, "cycle") == float64(cycle)
}

// ---- the simulator's orders ----

// simOrder is one order the simulator kept, open or completed, as any
// TWS API client sees it (reqAllOpenOrders, reqCompletedOrders).
type simOrder struct {
	PermID, ParentPermID, OrderID, ParentID, ClientID int64
	Symbol, Action, Type, Ref, Status, Filled         string
	Completed                                         bool
}

func (o simOrder) filled() bool {
	v, err := strconv.ParseFloat(o.Filled, 64)
	return err == nil && v > 0
}

func (o simOrder) child() bool { return o.ParentID != 0 || o.ParentPermID != 0 }

// inspector is a raw TWS API client that lists every order the simulator
// holds.
type inspector struct {
	ibapi.Wrapper
	mu     sync.Mutex
	orders []simOrder
	ready  chan struct{}
	events chan string
	closed chan struct{}
	once   sync.Once
}

func (w *inspector) NextValidID(int64) { w.once.Do(func() { close(w.ready) }) }
func (w *inspector) OpenOrder(id int64, c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	w.add(simOrder{PermID: o.PermID, OrderID: id, ParentID: o.ParentID, ClientID: o.ClientID, Symbol: c.Symbol, Action: o.Action,
		Type: o.OrderType, Ref: o.OrderRef, Status: st.Status, Filled: ibapi.DecimalMaxString(o.FilledQuantity)})
}
func (w *inspector) CompletedOrder(c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	w.add(simOrder{PermID: o.PermID, ParentPermID: o.ParentPermID, ClientID: o.ClientID, Symbol: c.Symbol, Action: o.Action,
		Type: o.OrderType, Ref: o.OrderRef, Status: st.Status, Filled: ibapi.DecimalMaxString(o.FilledQuantity), Completed: true})
}
func (w *inspector) OpenOrderEnd()       { w.events <- "open" }
func (w *inspector) CompletedOrdersEnd() { w.events <- "completed" }
func (w *inspector) CurrentTime(int64)   { w.events <- "time" }
func (w *inspector) ConnectionClosed() {
	select {
	case <-w.closed:
	default:
		close(w.closed)
	}
}
func (w *inspector) Error(int64, int64, int64, string, string) {}
func (w *inspector) OrderStatus(int64, string, ibapi.Decimal, ibapi.Decimal, float64, int64, int64, float64, int64, string, float64) {
}

func (w *inspector) add(o simOrder) {
	w.mu.Lock()
	w.orders = append(w.orders, o)
	w.mu.Unlock()
}

// inspectClientID is the inspector's client id: no bot here uses it.
const inspectClientID = 900

// inspectOrders lists the orders s holds: all clients' open orders, then
// every completed order, deduplicated by permId, in permId order. The
// client is left connected: the simulator's Close ends it (scmhub/ibapi
// v0.10.47's Disconnect races with its own shutdown).
func inspectOrders(s *ibsim.Server) ([]simOrder, error) {
	host, port, err := cmdutil.SplitAddr(s.Addr())
	if err != nil {
		return nil, err
	}
	w := &inspector{ready: make(chan struct{}), events: make(chan string, 8), closed: make(chan struct{})}
	c := ibapi.NewEClient(w)
	if err := c.Connect(host, port, inspectClientID); err != nil {
		return nil, fmt.Errorf("inspector: %w", err)
	}
	wait := func(what string) error {
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case ev := <-w.events:
				if ev == what {
					return nil
				}
			case <-w.ready:
				if what == "ready" {
					return nil
				}
			case <-w.closed:
				return fmt.Errorf("inspector: connection closed waiting for %s", what)
			case <-t.C:
				return fmt.Errorf("inspector: no %s within 10 s", what)
			}
		}
	}
	if err := wait("ready"); err != nil {
		return nil, err
	}
	c.ReqAllOpenOrders()
	if err := wait("open"); err != nil {
		return nil, err
	}
	c.ReqCompletedOrders(false)
	if err := wait("completed"); err != nil {
		return nil, err
	}
	// One more round trip: the client's request goroutine has taken every
	// call off its queue before the simulator closes the socket.
	c.ReqCurrentTime()
	if err := wait("time"); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	byPerm := map[int64]simOrder{}
	for _, o := range w.orders {
		if prev, ok := byPerm[o.PermID]; ok && prev.Completed {
			continue // completed wins over a stale open view
		}
		byPerm[o.PermID] = o
	}
	out := make([]simOrder, 0, len(byPerm))
	for _, o := range byPerm {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b simOrder) int { return int(a.PermID - b.PermID) })
	return out, nil
}

// ---- the checks every row makes ----

// checkFaultRun checks what every fault run must leave behind: it ended
// with run_complete; no order was placed twice (at the simulator, grouped
// by orderRef; in the journal, by symbol and cycle); the simulator never
// received an order whose decision is not journaled; the journal holds
// every decision the run counted and logged; ibbot never caused a 100; no
// symbol was parked.
func (f *faultRun) checkFaultRun() {
	t := f.t
	t.Helper()
	if f.res.err != nil {
		t.Fatalf("run: %v", f.res.err)
	}
	rc := f.runComplete()
	if f.viewErr != nil {
		t.Fatalf("reading the simulator's orders: %v", f.viewErr)
	}
	f.checkNoDuplicates(f.view, f.recs)
	f.checkJournalComplete(rc)
	if n := len(f.res.log.records("sched: symbol parked until the run restarts: permanent error")); n > 0 {
		t.Errorf("%d symbols parked: a fault is never a reason to give a symbol up", n)
	}
	if !f.spec.injects100 {
		for _, c := range f.botConns() {
			if c.ErrorsSent[100] > 0 {
				t.Errorf("connection %d got %d error 100 (message rate): ibbot must pace itself", c.ConnID, c.ErrorsSent[100])
			}
		}
	}
}

// checkNoDuplicates: per symbol, the simulator's entries (BUY, no parent)
// in permId order never overlap, an entry that filled or still works
// ending only with an exit (a SELL without parent) or a stop-loss fill;
// every order carries this run's orderRef for its symbol; every order the
// simulator kept or received has its decision in the journal; the journal
// places at most one bracket per symbol and cycle, and a second only after
// an exit.
func (f *faultRun) checkNoDuplicates(view []simOrder, recs []bot.Record) {
	t := f.t
	t.Helper()
	runs := map[string]bool{}
	for _, r := range recs {
		runs[r.Run] = true
	}
	// At the simulator.
	bySym := map[string][]simOrder{}
	for _, o := range view {
		if o.ClientID == inspectClientID {
			continue
		}
		parts := strings.Split(o.Ref, ":")
		if len(parts) != 3 || parts[0] != "ibbot" || !runs[parts[1]] || parts[2] != o.Symbol {
			t.Errorf("order perm %d (%s %s) has orderRef %q, want ibbot:<this run>:%s", o.PermID, o.Action, o.Symbol, o.Ref, o.Symbol)
			continue
		}
		bySym[o.Ref] = append(bySym[o.Ref], o)
	}
	entries := map[string]int{} // symbol -> entries kept
	for ref, orders := range bySym {
		active := false
		for _, o := range orders {
			switch {
			case o.Action == "BUY" && !o.child():
				entries[o.Symbol]++
				if active {
					t.Errorf("%s: a second entry (perm %d) while the first still works or holds its position: a duplicate order", ref, o.PermID)
				}
				active = o.filled() || !o.Completed
			case o.Action == "SELL" && !o.child():
				active = false // the bot's exit
			case o.Action == "SELL" && o.filled():
				active = false // the stop-loss closed it
			}
		}
	}
	// In the journal: one bracket per symbol and cycle, a second only
	// after an exit; every order the simulator kept was journaled first.
	placing := map[string]int{}
	perCycle := map[string]int{}
	placed := map[string]int{}
	exited := map[string]bool{}
	exits := 0
	for _, r := range recs {
		switch {
		case r.Kind == bot.KindOrder && strings.HasPrefix(r.Summary, "placing:"):
			placing[r.Symbol]++
			k := fmt.Sprintf("%s/%s/%d", r.Run, r.Symbol, r.Cycle)
			if perCycle[k]++; perCycle[k] > 1 {
				t.Errorf("%s cycle %d: %d brackets placed in one cycle", r.Symbol, r.Cycle, perCycle[k])
			}
		case r.Kind == bot.KindOrder && strings.HasPrefix(r.Summary, "placed:"):
			if placed[r.Symbol] > 0 && !exited[r.Symbol] {
				t.Errorf("%s cycle %d: a second bracket with no exit since the first", r.Symbol, r.Cycle)
			}
			placed[r.Symbol]++
			exited[r.Symbol] = false
		case r.Kind == bot.KindExit:
			exited[r.Symbol] = true
			exits++
		case r.Kind == bot.KindFill && strings.HasPrefix(r.Summary, "SLD"):
			exited[r.Symbol] = true
		}
	}
	for sym, n := range entries {
		if n > placing[sym] {
			t.Errorf("%s: the simulator holds %d entries, the journal only %d decisions to place one", sym, n, placing[sym])
		}
	}
	total := 0
	for _, n := range placing {
		total += n
	}
	// Two legs per bracket (no take-profit by default), one per exit:
	// counted as the simulator read them, handled or not yet (held by a
	// latency fault) or never (dead with their connection).
	if max := int64(2*total + exits); f.stats.MessagesByType[3] > max || f.stats.OrdersReceived > max {
		t.Errorf("the simulator read %d placeOrder messages (handled %d); the journal accounts for at most %d (%d brackets, %d exits)",
			f.stats.MessagesByType[3], f.stats.OrdersReceived, max, total, exits)
	}
}

// checkJournalComplete: every decision the run counted is in the journal,
// and every decision it logged.
func (f *faultRun) checkJournalComplete(rc map[string]any) {
	t := f.t
	t.Helper()
	kinds := countKinds(f.recs)
	decisions, _ := rc["decisions"].(map[string]any)
	for k, v := range decisions {
		if float64(kinds[k]) != v.(float64) {
			t.Errorf("%s: run_complete counts %v, the journal holds %d", k, v, kinds[k])
		}
	}
	placed := 0
	for _, r := range f.recs {
		if r.Kind == bot.KindOrder && strings.HasPrefix(r.Summary, "placed:") {
			placed++
		}
	}
	if n := len(f.res.log.records("order_placed")); n != placed {
		t.Errorf("%d order_placed log records, %d placed brackets journaled", n, placed)
	}
	for msg, kind := range map[string]string{"skip": bot.KindSkip, "signal": bot.KindSignal, "fill": bot.KindFill} {
		if n := len(f.res.log.records(msg)); n != kinds[kind] {
			t.Errorf("%d %s log records, %d journaled", n, msg, kinds[kind])
		}
	}
}

// ---- journal queries ----

// journaled returns the records of kind for symbol ("" any) whose summary
// contains sub.
func (f *faultRun) journaled(kind, symbol, sub string) []bot.Record {
	var out []bot.Record
	for _, r := range f.recs {
		if r.Kind == kind && (symbol == "" || r.Symbol == symbol) && strings.Contains(r.Summary, sub) {
			out = append(out, r)
		}
	}
	return out
}

// placedIn returns the cycles in which symbol's bracket was placed.
func (f *faultRun) placedIn(symbol string) []int {
	var out []int
	for _, r := range f.journaled(bot.KindOrder, symbol, "placed:") {
		out = append(out, r.Cycle)
	}
	return out
}

// outcomes returns cycle n's outcome counts ("ok", "error", "timeout",
// ...), nil if it did not complete.
func (f *faultRun) outcomes(n int) map[string]any {
	for _, r := range f.res.log.records("cycle_complete") {
		if num(r, "cycle") == float64(n) {
			o, _ := r["outcomes"].(map[string]any)
			if o == nil {
				o = map[string]any{}
			}
			return o
		}
	}
	return nil
}

// lastCycleOK checks that the run's last cycle ran every symbol fine.
func (f *faultRun) lastCycleOK() {
	t := f.t
	t.Helper()
	ccs := f.res.log.records("cycle_complete")
	if len(ccs) == 0 {
		t.Fatal("no cycle completed")
	}
	last := ccs[len(ccs)-1]
	if got := num(last, "outcomes", "ok"); got != float64(len(f.spec.symbols)) {
		t.Errorf("the last cycle (%v): outcomes %v, want every symbol ok", last["cycle"], last["outcomes"])
	}
}

// inFlightFailedRetryably checks that the connection lost in cycle 1
// failed the symbols in flight (at least one) with ErrDisconnected or a
// timeout (waiting for the reconnect), which the scheduler retries
// (backing off), and nothing else failed.
func (f *faultRun) inFlightFailedRetryably(atLeastOne bool) {
	t := f.t
	t.Helper()
	fails := f.res.log.records("symbol_failed")
	if len(fails) == 0 && atLeastOne {
		t.Error("no symbol failed: the connection was lost with none in flight")
	}
	for _, r := range fails {
		// Lost with the connection, or out of time waiting for the
		// reconnect: both retried.
		if num(r, "cycle") != 1 || !strings.Contains(fmt.Sprint(r["err"]), "disconnected from the gateway") && r["outcome"] != "timeout" {
			t.Errorf("a failure other than cycle 1's lost connection: %v", r)
		}
	}
	backoffs := 0
	for _, r := range f.res.log.records("sched: symbol failed; backing off") {
		if num(r, "cycle") == 1 {
			backoffs++
		}
	}
	if backoffs != len(fails) {
		t.Errorf("%d failures, %d retried with backoff", len(fails), backoffs)
	}
}

// failedWith returns the symbol_failed records of symbol whose err
// contains sub.
func (f *faultRun) failedWith(symbol, sub string) []map[string]any {
	var out []map[string]any
	for _, r := range f.res.log.records("symbol_failed") {
		if r["symbol"] == symbol && strings.Contains(fmt.Sprint(r["err"]), sub) {
			out = append(out, r)
		}
	}
	return out
}

// ---- the rows ----

// A Gateway restart in the middle of a cycle, before an order (the bars
// were asked for), during one (the bracket's legs read by the Gateway and
// not yet handled: they die with the connection) and after one (the
// bracket acknowledged): the symbols in flight fail retryably, the next
// cycles run, no order is placed twice, the journal is complete.
func TestFaultGatewayRestart(t *testing.T) {
	t.Parallel()
	restart := func(f *faultRun, s *ibsim.Server) error {
		if err := s.Restart(300 * time.Millisecond); err != nil {
			return fmt.Errorf("restart: %w", err)
		}
		return nil
	}
	for _, tc := range []struct {
		name    string
		started func(f *faultRun, s *ibsim.Server)
		hook    func(f *faultRun, m map[string]any)
		// failed: SPY's cycle 1 fails (retryably); otherwise it may
		// also ride the reconnect out within its time.
		failed bool
	}{
		{name: "before_order", hook: func(f *faultRun, m map[string]any) {
			if is(m, "historical_request", "SPY", 1) && f.once("restart") {
				s := f.server()
				f.async(func() error { return restart(f, s) })
			}
		}},
		{name: "during_order", failed: true,
			// Orders are held 5 s at the Gateway: the restart comes
			// first.
			started: func(f *faultRun, s *ibsim.Server) { s.SetLatency(3, 5*time.Second) },
			hook: func(f *faultRun, m map[string]any) {
				// optchain's record names no cycle: the first is cycle 1's.
				if is(m, "optchain: chain fetched", "", 0) && f.once("restart") {
					s := f.server()
					f.async(func() error {
						// Both legs of a bracket read, neither handled.
						if err := awaitStat(s, "a bracket's two legs", func(st ibsim.Stats) bool { return st.MessagesByType[3] >= 2 }); err != nil {
							return err
						}
						err := restart(f, s)
						s.SetLatency(3, 0)
						return err
					})
				}
			}},
		{name: "after_order", hook: func(f *faultRun, m map[string]any) {
			if is(m, "order_placed", "SPY", 1) && f.once("restart") {
				s := f.server()
				f.async(func() error { return restart(f, s) })
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, started: tc.started, hook: tc.hook})
			f.checkFaultRun()
			if n := len(f.botConns()); n < 2 {
				t.Errorf("%d connections of the bot: the session never reconnected", n)
			}
			f.inFlightFailedRetryably(tc.failed)
			for _, sym := range f.spec.symbols {
				if got := f.placedIn(sym); len(got) != 1 {
					t.Errorf("%s: brackets placed in cycles %v, want exactly one", sym, got)
				}
			}
			if tc.name == "during_order" {
				// The first bracket's legs died with the connection: its
				// symbol journaled the failure and placed again later.
				errs := f.journaled(bot.KindError, "", "bracket")
				if len(errs) == 0 || errs[0].Cycle != 1 || !strings.Contains(errs[0].Summary, "connection was lost") {
					t.Errorf("the bracket lost with the connection was not journaled as an error in cycle 1: %v", errs)
				}
			}
			f.lastCycleOK()
		})
	}
}

// The Gateway acknowledges orders later than the symbol's time allows (10
// s, longer than the run; the symbol has 1.8 s): the bracket may be live without showing in the
// Gateway's open orders yet. The next cycles must not place it again
// before the Gateway has it.
func TestFaultOrderAckSlowerThanTimeout(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3,
		started: func(f *faultRun, s *ibsim.Server) { s.SetLatency(3, 10*time.Second) }})
	f.checkFaultRun()
	if n := f.stats.MessagesByType[3]; n != 2 {
		t.Errorf("%d placeOrder messages read by the Gateway, want the one bracket's 2 legs", n)
	}
	if n := len(f.journaled(bot.KindOrder, "SPY", "placing:")); n != 1 {
		t.Errorf("%d brackets placed for SPY, want 1", n)
	}
	if n := len(f.journaled(bot.KindSkip, "SPY", "entry in doubt")); n == 0 {
		t.Error("no cycle skipped SPY for its unacknowledged entry")
	}
}

// A socket drop (a network cut; the Gateway stays up) as SPY's chain is
// fetched: as a restart (SPY rides the reconnect out within its time or
// fails retryably), and market data (the bot's snapshots) works again on
// the new connection. The bot holds no streams between cycles (optchain
// takes snapshots), so "streams resume" is market data served after the
// reconnect.
func TestFaultSocketDrop(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, hook: func(f *faultRun, m map[string]any) {
		// The moment the chain's snapshots start.
		if is(m, "signal", "SPY", 1) && f.once("drop") {
			s := f.server()
			f.async(func() error { s.DropAll(); return nil })
		}
	}})
	f.checkFaultRun()
	if n := len(f.botConns()); n < 2 {
		t.Errorf("%d connections of the bot: the session never reconnected", n)
	}
	// SPY waits for the reconnect within its time, or fails retryably.
	f.inFlightFailedRetryably(false)
	if n := len(f.res.log.records("ibkr: session ready")); n < 2 {
		t.Errorf("%d session ready records, want the first and the reconnect", n)
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); len(got) != 1 {
			t.Errorf("%s: brackets placed in cycles %v, want exactly one", sym, got)
		}
	}
	// After the drop, on the new connection: snapshots served, and the
	// entry priced on them placed there.
	if conns := f.botConns(); len(conns) >= 2 {
		if c := conns[1]; c.MessagesByType[1] == 0 || c.OrdersReceived < 2 {
			t.Errorf("the connection after the drop: %d market data requests, %d orders; want snapshots and the bracket", c.MessagesByType[1], c.OrdersReceived)
		}
	}
	f.lastCycleOK()
}

// 1100 then 1101 (data lost) while the chain's snapshots are in flight:
// the Gateway drops every market data request, the session asks again,
// the cycle goes on: every symbol enters in cycle 1, on one connection.
func TestFaultConnectivityLostThenDataLost(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 2, hook: func(f *faultRun, m map[string]any) {
		if is(m, "historical_success", "SPY", 1) && f.once("1100") {
			s := f.server()
			f.async(func() error {
				if err := s.Broadcast(1100); err != nil {
					return err
				}
				// A snapshot holds its line until its end: one in flight.
				if err := awaitStat(s, "a snapshot in flight", func(st ibsim.Stats) bool { return st.MarketDataLines > 0 }); err != nil {
					return err
				}
				return s.Broadcast(1101)
			})
		}
	}})
	f.checkFaultRun()
	if n := f.stats.Errors(1101); n != 1 {
		t.Fatalf("1101 sent %d times", n)
	}
	if n := len(f.botConns()); n != 1 {
		t.Errorf("%d connections of the bot: 1100/1101 is no reason to reconnect", n)
	}
	if n := len(f.res.log.records("ibkr: subscriptions requested again after 1101")); n != 1 {
		t.Errorf("%d 'subscriptions requested again' records, want 1", n)
	}
	if o := f.outcomes(1); num(map[string]any{"o": o}, "o", "ok") != float64(len(f.spec.symbols)) {
		t.Errorf("cycle 1 outcomes %v: the cycle did not go on through 1100/1101", o)
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); !slices.Equal(got, []int{1}) {
			t.Errorf("%s: brackets placed in cycles %v, want cycle 1 only", sym, got)
		}
	}
}

// 1100 then 1102 (data maintained) in the middle of a cycle: nothing is
// requested again, nothing reconnects, the cycle goes on.
func TestFaultConnectivityLostThenMaintained(t *testing.T) {
	t.Parallel()
	var cycle1 ibsim.Stats
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 2, hook: func(f *faultRun, m map[string]any) {
		switch {
		case is(m, "historical_request", "SPY", 1) && f.once("1100"):
			s := f.server()
			f.async(func() error {
				if err := s.Broadcast(1100); err != nil {
					return err
				}
				return s.Broadcast(1102)
			})
		case is(m, "cycle_complete", "", 1):
			cycle1 = f.server().Stats()
		}
	}})
	f.checkFaultRun()
	if f.stats.Errors(1100) != 1 || f.stats.Errors(1102) != 1 {
		t.Fatalf("1100 sent %d times, 1102 %d", f.stats.Errors(1100), f.stats.Errors(1102))
	}
	if n := len(f.botConns()); n != 1 {
		t.Errorf("%d connections of the bot, want 1", n)
	}
	if n := len(f.res.log.records("ibkr: subscriptions requested again after 1101")); n != 0 {
		t.Errorf("market data requested again after 1102 (%d records)", n)
	}
	// Nothing sent twice in cycle 1: one bars request and one bracket
	// (two legs).
	if n := cycle1.MessagesByType[20]; n != 1 {
		t.Errorf("cycle 1: %d historical requests, want 1", n)
	}
	if n := cycle1.MessagesByType[3]; n != 2 {
		t.Errorf("cycle 1: %d placeOrder messages, want 2", n)
	}
	if o := f.outcomes(1); num(map[string]any{"o": o}, "o", "ok") != float64(len(f.spec.symbols)) {
		t.Errorf("cycle 1 outcomes %v", o)
	}
}

// 1100 and nothing after it: the session drops the connection after its
// connectivity timeout and reconnects; connection_lost alerts once, and
// connection_restored once the session is back.
func TestFaultConnectivityNeverRestored(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3,
		env: map[string]string{"IBBOT_MONITORING_ALERTS_ENABLED": "true", "IBBOT_MONITORING_SLACK_WEBHOOK_URL": hs.URL + "/services/T0/B0/x"},
		edit: func(o *RunOptions) {
			o.ConnLostAfter = 100 * time.Millisecond
			o.ConnectivityTimeout = 600 * time.Millisecond
		},
		hook: func(f *faultRun, m map[string]any) {
			if is(m, "historical_request", "SPY", 1) && f.once("1100") {
				s := f.server()
				f.async(func() error { return s.Broadcast(1100) })
			}
		}})
	f.checkFaultRun()
	if n := len(f.botConns()); n < 2 {
		t.Errorf("%d connections of the bot: the session never reconnected after 1100", n)
	}
	slack, _, _, _, _ := rc.snapshot()
	count := func(kind string) int {
		n := 0
		for _, s := range slack {
			if strings.Contains(s, "ibbot "+kind) {
				n++
			}
		}
		return n
	}
	if n := count("connection_lost"); n != 1 {
		t.Errorf("%d connection_lost alerts, want 1:\n%s", n, strings.Join(slack, "\n---\n"))
	}
	if n := count("connection_restored"); n != 1 {
		t.Errorf("%d connection_restored alerts, want 1", n)
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); len(got) != 1 {
			t.Errorf("%s: brackets placed in cycles %v, want exactly one", sym, got)
		}
	}
	f.lastCycleOK()
}

// 326 at start: the Gateway still holds the bot's client id (a crashed
// run): the bot waits with backoff, saying why, then runs.
func TestFaultClientIDHeldAtStart(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 1,
		started: func(f *faultRun, s *ibsim.Server) { s.HoldClientID(botClientID, 500*time.Millisecond) },
		edit: func(o *RunOptions) {
			o.RetryBackoff = func(attempt int) time.Duration { return time.Duration(attempt) * 50 * time.Millisecond }
		}})
	f.checkFaultRun()
	var waits []map[string]any
	f.res.log.mu.Lock()
	for _, r := range f.res.log.recs {
		if r["event"] == "client_id_in_use" {
			waits = append(waits, r)
		}
	}
	f.res.log.mu.Unlock()
	if len(waits) == 0 {
		t.Fatal("no client_id_in_use record")
	}
	if got := f.stats.Errors(326); got != int64(len(waits)) {
		t.Errorf("326 sent %d times, %d waits logged", got, len(waits))
	}
	for i, w := range waits {
		msg := fmt.Sprint(w["msg"])
		if w["level"] != "WARN" || num(w, "attempt") != float64(i+1) || !strings.Contains(msg, "client id 1") ||
			!strings.Contains(msg, fmt.Sprintf("retrying in %v", time.Duration(i+1)*50*time.Millisecond)) {
			t.Errorf("wait %d: %v", i+1, w)
		}
	}
	if got := f.placedIn("SPY"); !slices.Equal(got, []int{1}) {
		t.Errorf("SPY placed in cycles %v, want 1 once the id was free", got)
	}
}

// 326 on reconnect: the connection dies and the Gateway holds the id for a
// while; the session's reconnects are refused, retried, and succeed.
func TestFaultClientIDHeldOnReconnect(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, hook: func(f *faultRun, m map[string]any) {
		if is(m, "historical_request", "SPY", 1) && f.once("kill") {
			s := f.server()
			f.async(func() error {
				if !s.KillClient(botClientID, 2*time.Second) {
					return fmt.Errorf("no connection of client %d to kill", botClientID)
				}
				return nil
			})
		}
	}})
	f.checkFaultRun()
	if n := f.stats.Errors(326); n == 0 {
		t.Error("no reconnect was refused with 326")
	}
	refused := 0
	for _, r := range f.res.log.records("ibkr: reconnect attempt failed") {
		if strings.Contains(fmt.Sprint(r["err"]), "client id") {
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("no reconnect attempt failed for the held id: %v", f.res.log.records("ibkr: reconnect attempt failed"))
	}
	if n := len(f.botConns()); n < 3 {
		t.Errorf("%d connections of the bot, want the first, a refused one and the reconnect", n)
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); len(got) != 1 {
			t.Errorf("%s: brackets placed in cycles %v, want exactly one", sym, got)
		}
	}
	f.lastCycleOK()
}

// 100 (message rate) injected on the first order: ibbot never causes one
// itself (checkFaultRun checks every row); when the Gateway sends it, the
// entry is retried and the symbol is not parked.
func TestFaultRateLimitInjected(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, injects100: true,
		started: func(f *faultRun, s *ibsim.Server) {
			s.RejectNextOrders(1, 100, "Max rate of messages per second has been exceeded:max=50 rec=51 (1)")
		}})
	f.checkFaultRun()
	if n := f.stats.Errors(100); n != 1 {
		t.Errorf("100 sent %d times, want the one injected", n)
	}
	if got := f.placedIn("SPY"); len(got) != 1 || got[0] < 2 {
		t.Errorf("SPY placed in cycles %v, want once, after cycle 1's refused order", got)
	}
	f.lastCycleOK()
}

// 162 (historical pacing) injected: another client of the same account
// used up the Gateway's 60 requests per 10 minutes (per account, scaled to
// the virtual clock like every pacing window of the embedded simulator)
// just before the bot's first bars request. The bot's request is refused,
// retried once the window has passed, and never taken for "no data".
func TestFaultHistoricalPacingInjected(t *testing.T) {
	t.Parallel()
	// At speed 170 the 10-minute window lasts 3.5 s and a cycle 2 s: the
	// first request (the other clients take about 0.4 s, the first cycle
	// comes within one) is refused, the retry two cycles later passes.
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, speed: 170, interval: 340 * time.Second,
		// 30 s bars: IB paces bars of 30 s or less strictly (162).
		env: map[string]string{"IBBOT_HISTORICAL_BAR_SIZE": "30 secs", "IBBOT_HISTORICAL_DURATION": "1800 S"},
		started: func(f *faultRun, s *ibsim.Server) {
			if err := useHistoricalAllowance(s); err != nil {
				t.Error(err)
			}
		}})
	f.checkFaultRun()
	for _, c := range f.stats.Conns {
		if c.ClientID != botClientID && c.ErrorsSent[162] != 0 {
			t.Errorf("the other client %d got %d 162s", c.ClientID, c.ErrorsSent[162])
		}
	}
	refused := 0
	for _, c := range f.botConns() {
		refused += int(c.ErrorsSent[162])
	}
	if refused == 0 {
		t.Fatal("the bot's bars request was never refused with 162: the fault did not happen")
	}
	retries := f.res.log.records("historical_retry")
	if len(retries) != refused || !strings.Contains(fmt.Sprint(retries[0]["err"]), "pacing violation") {
		t.Errorf("%d refusals, historical_retry records: %v", refused, retries)
	}
	if n := len(f.res.log.records("historical_failed")); n != 0 {
		t.Errorf("%d historical_failed records: the bot gave up on pacing", n)
	}
	for _, r := range f.journaled(bot.KindSkip, "SPY", "") {
		if strings.Contains(r.Summary, "bars") || strings.Contains(r.Summary, "historical") {
			t.Errorf("cycle %d: %q: pacing taken for no data", r.Cycle, r.Summary)
		}
	}
	if got := f.placedIn("SPY"); !slices.Equal(got, []int{3}) {
		t.Errorf("SPY placed in cycles %v, want 3, once the window passed", got)
	}
}

// useHistoricalAllowance makes 60 small-bar requests, the most IB allows
// in its long window, from four other clients of s at once (so that they
// take a few hundred milliseconds): 12 series of 5 distinct requests, each
// series from one client.
func useHistoricalAllowance(s *ibsim.Server) error {
	host, port, err := cmdutil.SplitAddr(s.Addr())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var series [][2]string
	for _, sym := range []string{"QQQ", "IWM", "AAPL"} {
		for _, what := range []string{"TRADES", "MIDPOINT", "BID", "ASK"} {
			series = append(series, [2]string{sym, what})
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for k := range 4 {
		wg.Go(func() {
			other, err := ibkr.Dial(ctx, ibkr.Config{Host: host, Port: port, ClientID: int64(60 + k)})
			if err != nil {
				errs[k] = err
				return
			}
			defer other.Close()
			for _, se := range series[3*k : 3*k+3] {
				for i := 1; i <= 5; i++ {
					req := ibkr.HistoricalRequest{Contract: ibkr.Stock(se[0]), Duration: fmt.Sprintf("%d S", 300*i), BarSize: "30 secs", WhatToShow: se[1], UseRTH: true}
					if _, err := other.HistoricalBars(ctx, req); err != nil && !errors.Is(err, ibkr.ErrNoData) {
						errs[k] = fmt.Errorf("the other client's bars %s %s %s: %w", se[0], se[1], req.Duration, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// 101 (max market data lines): other clients of the account hold all
// 100 lines when cycle 1 starts and gives them back when it ends. No
// symbol is lost: each enters once lines are free.
func TestFaultMarketDataLinesExhausted(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		others []*ibkr.Session
	)
	release := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, o := range others {
			if o != nil {
				o.Close() // the Gateway frees a closed connection's lines
			}
		}
		others = nil
	}
	defer release()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3,
		started: func(f *faultRun, s *ibsim.Server) {
			o, err := holdAllLines(s)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			others = o
			mu.Unlock()
		},
		hook: func(f *faultRun, m map[string]any) {
			if is(m, "cycle_complete", "", 1) {
				f.async(func() error { release(); return nil })
			}
		}})
	f.checkFaultRun()
	refused := 0
	for _, c := range f.botConns() {
		refused += int(c.ErrorsSent[101])
	}
	if refused == 0 {
		t.Fatal("the bot never got 101: the fault did not happen")
	}
	// A 101 fails the symbol's cycle retryably: it backs off and runs
	// again, never parked (checkFaultRun).
	for _, r := range f.res.log.records("symbol_failed") {
		if num(r, "cycle") != 1 || !strings.Contains(fmt.Sprint(r["err"]), "Max number of tickers") {
			t.Errorf("unexpected failure %v", r)
		}
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); len(got) != 1 {
			t.Errorf("%s: brackets placed in cycles %v, want exactly one once lines were free", sym, got)
		}
	}
	f.lastCycleOK()
}

// holdAllLines opens 100 streams from four other clients of s, 25 each
// (at once: each session writes 43 messages a second).
func holdAllLines(s *ibsim.Server) ([]*ibkr.Session, error) {
	host, port, err := cmdutil.SplitAddr(s.Addr())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	syms := []string{"SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMD", "META", "GOOG", "IBM"}
	others := make([]*ibkr.Session, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for k := range others {
		wg.Go(func() {
			o, err := ibkr.Dial(ctx, ibkr.Config{Host: host, Port: port, ClientID: int64(61 + k)})
			if err != nil {
				errs[k] = err
				return
			}
			others[k] = o
			for i := range 25 {
				if _, err := o.MarketData(ctx, ibkr.Stock(syms[(25*k+i)%len(syms)]), ibkr.MarketDataOptions{}); err != nil {
					errs[k] = fmt.Errorf("client %d's stream %d: %w", 61+k, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return others, err
	}
	return others, awaitStat(s, "100 lines in use", func(st ibsim.Stats) bool { return st.MarketDataLines == 100 })
}

// 10197 (a competing live session, e.g. TWS logged in elsewhere): market
// data stops; each symbol's cycle is a clear skip naming the reason; when
// the other session ends, the bot enters.
func TestFaultCompetingSession(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3,
		started: func(f *faultRun, s *ibsim.Server) { s.SetCompetingSession(true) },
		hook: func(f *faultRun, m map[string]any) {
			if is(m, "cycle_complete", "", 1) {
				f.server().SetCompetingSession(false)
			}
		}})
	f.checkFaultRun()
	if f.stats.Errors(10197) == 0 {
		t.Fatal("no 10197 sent: the fault did not happen")
	}
	for _, sym := range f.spec.symbols {
		skips := f.journaled(bot.KindSkip, sym, "competing live session")
		if len(skips) == 0 || skips[0].Cycle != 1 {
			t.Errorf("%s: no cycle 1 skip naming the competing session; skips: %v", sym, f.journaled(bot.KindSkip, sym, ""))
		}
		if got := f.placedIn(sym); !slices.Equal(got, []int{2}) {
			t.Errorf("%s: brackets placed in cycles %v, want cycle 2, once the other session ended", sym, got)
		}
	}
	if o := f.outcomes(1); num(map[string]any{"o": o}, "o", "ok") != float64(len(f.spec.symbols)) {
		t.Errorf("cycle 1 outcomes %v: a competing session is a skip, not a failure", o)
	}
}

// 201 (order rejected): that symbol's entry is journaled as an error and
// skipped with IB's text; the bot goes on, and the next cycle enters.
func TestFaultOrderRejected(t *testing.T) {
	t.Parallel()
	f := runRejected(t)
	// IB's text: the parent's reason, or (see
	// TestFaultOrderRejectedKeepsReason) the stop-loss's consequence.
	const ib = "IB error 201"
	if errs := f.journaled(bot.KindError, "SPY", ib); len(errs) != 1 || errs[0].Cycle != 1 || !strings.Contains(errs[0].Summary, "Order rejected - reason:") {
		t.Errorf("the rejection is not journaled as cycle 1's error with IB's text: %v", f.journaled(bot.KindError, "", ""))
	}
	if skips := f.journaled(bot.KindSkip, "SPY", ib); len(skips) != 1 || !strings.HasPrefix(skips[0].Summary, "bracket rejected") {
		t.Errorf("no skip with IB's text: %v", f.journaled(bot.KindSkip, "", ""))
	}
	if got := f.placedIn("SPY"); !slices.Equal(got, []int{2}) {
		t.Errorf("SPY placed in cycles %v, want 2: the bot goes on after a rejection", got)
	}
	f.lastCycleOK()
}

// rejectReason is the 201 text the Gateway rejects the entry with.
const rejectReason = "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [1000.00 USD] MUST EXCEED THE INITIAL MARGIN"

// runRejected runs SPY with its first order rejected (201).
func runRejected(t *testing.T) *faultRun {
	t.Helper()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3,
		started: func(f *faultRun, s *ibsim.Server) { s.RejectNextOrders(1, 201, rejectReason) }})
	f.checkFaultRun()
	if f.stats.OrderRejects == 0 {
		t.Fatal("no order rejected: the fault did not happen")
	}
	return f
}

// The reason IB gave for rejecting the parent is what the journal and the
// skip say, not the stop-loss's consequence.
func TestFaultOrderRejectedKeepsReason(t *testing.T) {
	t.Parallel()
	f := runRejected(t)
	if errs := f.journaled(bot.KindError, "SPY", rejectReason); len(errs) != 1 || errs[0].Cycle != 1 {
		t.Errorf("the rejection is not journaled with the parent's reason: %v", f.journaled(bot.KindError, "", ""))
	}
	if skips := f.journaled(bot.KindSkip, "SPY", rejectReason); len(skips) != 1 {
		t.Errorf("no skip with the parent's reason: %v", f.journaled(bot.KindSkip, "", ""))
	}
}

// A hung request (never answered): SPY's bars request is swallowed; SPY
// times out, QQQ (after it, one symbol at a time) finishes, the cycle
// due meanwhile is skipped, never run on top, and SPY enters later.
func TestFaultHungRequest(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY", "QQQ"}, concurrent: 1, cycles: 2,
		started: func(f *faultRun, s *ibsim.Server) { s.Hang(20) },
		hook: func(f *faultRun, m map[string]any) {
			// SPY's request died with its timeout: answer QQQ's.
			if is(m, "historical_retry", "SPY", 1) {
				f.server().SetLatency(20, 0)
			}
		}})
	f.checkFaultRun()
	fails := f.res.log.records("symbol_failed")
	if len(fails) != 1 || fails[0]["symbol"] != "SPY" || fails[0]["outcome"] != "timeout" || num(fails[0], "cycle") != 1 {
		t.Errorf("symbol_failed records %v, want SPY's cycle 1 timeout only", fails)
	}
	if got := f.placedIn("QQQ"); !slices.Equal(got, []int{1}) {
		t.Errorf("QQQ placed in cycles %v, want 1: the others finish", got)
	}
	if got := f.placedIn("SPY"); len(got) != 1 || got[0] < 2 {
		t.Errorf("SPY placed in cycles %v, want once, after cycle 1", got)
	}
	f.lastCycleOK()
}

// Slow replies: every bars request answered 2 s late, one symbol at a
// time, a cycle every 5 s. Cycle 1 (three symbols of more than 2 s each)
// takes longer than the interval: the cycle due meanwhile is skipped, not
// run on top; nothing is dropped.
func TestFaultSlowReplies(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY", "QQQ", "IWM"}, concurrent: 1, cycles: 1, interval: 300 * time.Second, speed: 60,
		started: func(f *faultRun, s *ibsim.Server) { s.SetLatency(20, 2*time.Second) },
		hook: func(f *faultRun, m map[string]any) {
			if is(m, "cycle_complete", "", 1) {
				f.server().SetLatency(20, 0)
			}
		}})
	f.checkFaultRun()
	cc := f.res.log.records("cycle_complete")
	if len(cc) == 0 || num(cc[0], "outcomes", "ok") != 3 || time.Duration(num(cc[0], "duration")) <= 300*time.Second {
		t.Fatalf("cycle 1: %v, want every symbol ok in more than the interval", cc)
	}
	skipped := f.res.log.records("cycle_skipped")
	if len(skipped) == 0 || num(skipped[0], "cycle") != 2 {
		t.Errorf("cycle_skipped records %v: the cycle due while cycle 1 ran must be skipped", skipped)
	}
	if n := len(f.res.log.records("symbol_failed")); n != 0 {
		t.Errorf("%d symbol runs failed: slow is not failed", n)
	}
	if req, ok := len(f.res.log.records("historical_request")), len(f.res.log.records("historical_success")); req != ok {
		t.Errorf("%d bars requests, %d answered", req, ok)
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); !slices.Equal(got, []int{1}) {
			t.Errorf("%s: placed in cycles %v, want 1", sym, got)
		}
	}
}

// A malformed frame (a price that is not a number): the session drops
// that connection and reconnects; nothing panics; the run goes on.
func TestFaultMalformedFrame(t *testing.T) {
	t.Parallel()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, hook: func(f *faultRun, m map[string]any) {
		if is(m, "historical_request", "SPY", 1) && f.once("malformed") {
			s := f.server()
			f.async(func() error { return s.SendMalformed(botClientID) })
		}
	}})
	f.checkFaultRun()
	if n := len(f.botConns()); n < 2 {
		t.Errorf("%d connections of the bot: the session did not reconnect after the malformed frame", n)
	}
	if n := len(f.res.log.records("sched: symbol panicked")); n != 0 {
		t.Errorf("%d panics", n)
	}
	for _, sym := range f.spec.symbols {
		if got := f.placedIn(sym); len(got) != 1 {
			t.Errorf("%s: brackets placed in cycles %v, want exactly one", sym, got)
		}
	}
	f.lastCycleOK()
}

// The bot killed in the middle of an order, then started again, against a
// Gateway that stays up (TestRestartAdoptsWorkingOrders kills it between
// orders). SPY's entry works at the Gateway (entry at mid rests); QQQ's
// bracket is on the wire, read by the Gateway and not yet handled, when
// the process dies (its connection closes at once; the run's context
// ends): QQQ's legs die with the connection. The second run adopts SPY's
// working entry, places QQQ's once, and nothing is placed twice.
func TestFaultKilledMidOrderRestarted(t *testing.T) {
	t.Parallel()
	start := simStart.Truncate(3 * time.Minute).Add(3*time.Minute - 2*time.Second)
	clock := bot.NewSimClock(start, faultSpeed)
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
	cfgPath := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(cfgPath, []byte("dry_run: false\noptions:\n  entry_price: mid\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfgPath, "--live", "--symbols", "SPY,QQQ", "--max-concurrent", "1", "--interval", "180s",
		"--host", host, "--port", fmt.Sprint(port), "--client-id", strconv.Itoa(botClientID), "--data-dir", dir}
	edit := func(o *RunOptions) { o.StrategyOverride = alwaysCall; o.Clock = clock }

	ctx1, kill := context.WithCancel(context.Background())
	defer kill()
	f := &faultRun{t: t, onces: map[string]bool{}, srv: srv}
	first := runBot(t, ctx1, append(args, "--cycles", "3"), noConfirm, edit, func(m map[string]any) {
		switch {
		case is(m, "order_placed", "SPY", 0) && f.once("hold"):
			srv.SetLatency(3, 10*time.Second) // QQQ's bracket: read, held
		case is(m, "optchain: chain fetched", "QQQ", 0) && f.seen("hold") && f.once("kill"):
			f.async(func() error {
				defer kill()
				if err := awaitStat(srv, "QQQ's two legs", func(st ibsim.Stats) bool { return st.MessagesByType[3] >= 4 }); err != nil {
					return err
				}
				if !srv.KillClient(botClientID, 0) {
					return fmt.Errorf("no connection of client %d to kill", botClientID)
				}
				return nil
			})
		}
	})
	f.faults.Wait()
	for _, err := range f.errs {
		t.Fatal(err)
	}
	if first.err != nil {
		t.Fatalf("first run: %v\n%s", first.err, tail(first.log.text(), 3000))
	}
	srv.SetLatency(3, 0)
	if n := srv.Stats().OrdersReceived; n != 2 {
		t.Fatalf("the Gateway handled %d orders before the kill, want SPY's bracket (2)\n%s", n, tail(first.log.text(), 6000))
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	second := runBot(t, ctx2, append(args, "--cycles", "2"), noConfirm, edit)
	if second.err != nil {
		t.Fatalf("second run: %v\n%s", second.err, tail(second.log.text(), 3000))
	}
	runComplete(t, second.log)
	f.res = second
	f.recs = journalRecords(t, dir)
	f.stats = srv.Stats()
	if f.view, err = inspectOrders(srv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			f.dump()
		}
	})
	f.checkNoDuplicates(f.view, f.recs)
	run2 := second.runID(t)
	adopted := false
	for _, r := range f.journaled(bot.KindSkip, "SPY", "") {
		// Working still, or filled meanwhile (mid is often reached).
		if r.Run == run2 && (strings.Contains(r.Summary, "adopted from ibbot:"+first.runID(t)+":SPY") || strings.HasPrefix(r.Summary, "position open")) {
			adopted = true
		}
	}
	if !adopted {
		t.Error("the second run did not adopt SPY's entry (working or filled)")
	}
	qqq := 0
	for _, r := range f.journaled(bot.KindOrder, "QQQ", "placed:") {
		if r.Run == run2 {
			qqq++
		}
	}
	if qqq != 1 {
		t.Errorf("the second run placed QQQ %d times, want once (its first bracket died with the process)", qqq)
	}
	if n := f.stats.OrdersReceived; n != 4 {
		t.Errorf("the Gateway handled %d orders, want SPY's and QQQ's brackets (4)", n)
	}
}

// A journal that cannot be written (the disk full, the database locked
// or broken) just before an order: the order is not placed, the error
// says why, and once the journal works again the bot enters. The fault
// works for root too, where permissions stop nothing: another connection
// renames the journal's table away for the moment, so the bot's insert
// fails at once.
func TestFaultJournalWriteFails(t *testing.T) {
	t.Parallel()
	var (
		db              *sql.DB
		ordersAtFailure = int64(-1)
		alter           = func(from, to string) error {
			_, err := db.Exec(fmt.Sprintf("ALTER TABLE %s RENAME TO %s", from, to))
			return err
		}
	)
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	f := runFault(t, faultSpec{symbols: []string{"SPY"}, cycles: 3, hook: func(f *faultRun, m map[string]any) {
		// Quick statements on an idle database: run in the hook, so that
		// the table is gone before the bot journals its order.
		switch {
		case is(m, "optchain: chain fetched", "SPY", 0) && f.once("break"):
			var err error
			if db, err = sql.Open("sqlite", "file:"+filepath.Join(f.dir, bot.JournalFile)+"?_pragma=busy_timeout(5000)"); err == nil {
				err = alter("records", "records_away")
			}
			if err != nil {
				f.async(func() error { return fmt.Errorf("break the journal: %w", err) })
			}
		case m["msg"] == "journal write failed" && f.once("mend"):
			ordersAtFailure = f.server().Stats().MessagesByType[3]
			if err := alter("records_away", "records"); err != nil {
				f.async(func() error { return fmt.Errorf("mend the journal: %w", err) })
			}
		}
	}})
	f.checkFaultRun()
	fails := f.res.log.records("journal write failed")
	if len(fails) != 1 || fails[0]["kind"] != bot.KindOrder || fails[0]["level"] != "ERROR" {
		t.Fatalf("journal write failed records %v, want one error for the order", fails)
	}
	if ordersAtFailure != 0 {
		t.Errorf("%d placeOrder messages had reached the Gateway when the journal failed, want 0", ordersAtFailure)
	}
	sf := f.failedWith("SPY", "not placing an order whose decision could not be journaled")
	if len(sf) != 1 || num(sf[0], "cycle") != 1 || !strings.Contains(fmt.Sprint(sf[0]["err"]), "no such table") {
		t.Errorf("SPY's failure does not say why: %v", f.res.log.records("symbol_failed"))
	}
	if got := f.placedIn("SPY"); len(got) != 1 || got[0] < 2 {
		t.Errorf("SPY placed in cycles %v, want once the journal works again", got)
	}
	if n := f.stats.OrdersReceived; n != 2 {
		t.Errorf("the Gateway received %d orders, want the one bracket placed after the journal came back", n)
	}
}
