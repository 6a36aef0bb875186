package run

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// The soak's length in cycles: a short form in CI, 1,000 by hand:
//
//	go test -run Soak -soak 1000 -timeout 2h ./cmd/ibbot/internal/cmd/run/
var (
	soakCycles = flag.Int("soak", 50, "cycles of TestSoak (1000 for the long soak)")
	soakSeed   = flag.Uint64("soak-seed", 0, "TestSoak's fault seed (0: the cycle count)")
)

// soakFault is one fault the soak injects, with what undoes it.
type soakFault struct {
	name  string
	apply func(s *ibsim.Server) error
}

var soakFaults = []soakFault{
	{"restart 300ms", func(s *ibsim.Server) error { return s.Restart(300 * time.Millisecond) }},
	{"drop all sockets", func(s *ibsim.Server) error { s.DropAll(); return nil }},
	{"1100 then 1101 (data lost)", func(s *ibsim.Server) error {
		if err := s.Broadcast(1100); err != nil {
			return err
		}
		return s.Broadcast(1101)
	}},
	{"1100 then 1102 (data kept)", func(s *ibsim.Server) error {
		if err := s.Broadcast(1100); err != nil {
			return err
		}
		return s.Broadcast(1102)
	}},
	{"reject the next 2 orders with 201", func(s *ibsim.Server) error {
		s.RejectNextOrders(2, 201, "Order rejected - reason: soak test rejection")
		return nil
	}},
	{"malformed frame", func(s *ibsim.Server) error { return s.SendMalformed(1) }},
	{"slow contract details for a moment", func(s *ibsim.Server) error {
		s.SetLatency(9, 150*time.Millisecond)
		return nil
	}},
}

// A long run with a seeded random fault every few cycles: five symbols,
// live on the simulator, at a high virtual speed. It must lose nothing and
// leak nothing: zero duplicate orders, every decision the run counted and
// logged is in the journal, every cycle's report complete, goroutines and
// heap flat.
func TestSoak(t *testing.T) {
	t.Parallel()
	cycles := *soakCycles
	seed := *soakSeed
	if seed == 0 {
		seed = uint64(cycles)
	}
	rng := rand.New(rand.NewPCG(seed, 0x1b1b07))
	t.Logf("soak: %d cycles, seed %d (rerun: -soak %d -soak-seed %d)", cycles, seed, cycles, seed)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(cycles)*3*time.Second+2*time.Minute)
	defer cancel()

	var (
		mu         sync.Mutex
		srv        *ibsim.Server
		nextFault  = 3 + rng.IntN(4)
		faults     []string
		goroutines []int
		heap       []uint64
		slowUntil  int
		pending    sync.WaitGroup
	)
	symbols := []string{"SPY", "QQQ", "AAPL", "IWM", "MSFT"}
	edit := func(o *RunOptions) {
		o.StrategyOverride = alwaysCall
		o.Started = func(s *ibsim.Server) { mu.Lock(); srv = s; mu.Unlock() }
	}
	var ms runtime.MemStats
	res := runBot(t, ctx, []string{"--sim", "--live", "--symbols", strings.Join(symbols, ","), "--max-concurrent", "3", "--interval", "180s",
		"--speed", "180", "--cycles", fmt.Sprint(cycles), "--sim-start", simStart.Format(time.RFC3339), "--data-dir", dir}, noConfirm, edit,
		func(m map[string]any) {
			if m["msg"] != "cycle_complete" {
				return
			}
			c := int(num(m, "cycle"))
			mu.Lock()
			defer mu.Unlock()
			goroutines = append(goroutines, runtime.NumGoroutine())
			if c%max(1, cycles/40) == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				heap = append(heap, ms.HeapInuse)
			}
			if slowUntil > 0 && c >= slowUntil {
				srv.SetLatency(9, 0)
				slowUntil = 0
			}
			if c < nextFault || c >= cycles-2 {
				return
			}
			f := soakFaults[rng.IntN(len(soakFaults))]
			nextFault = c + 3 + rng.IntN(4)
			faults = append(faults, fmt.Sprintf("cycle %d: %s", c, f.name))
			if strings.HasPrefix(f.name, "slow") {
				slowUntil = c + 2
			}
			s := srv
			pending.Add(1)
			go func() {
				defer pending.Done()
				if err := f.apply(s); err != nil {
					t.Errorf("fault %s at cycle %d: %v", f.name, c, err)
				}
			}()
		})
	pending.Wait()
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, tail(res.log.text(), 4000))
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("faults injected (%d): %s", len(faults), strings.Join(faults, "; "))
	if len(faults) < cycles/8 {
		t.Errorf("only %d faults in %d cycles", len(faults), cycles)
	}
	// The last record may be a late reply's log (a cancelled request's
	// 162); run_complete is there once.
	rcs := res.log.records("run_complete")
	if len(rcs) != 1 {
		t.Fatalf("%d run_complete records:\n%s", len(rcs), tail(res.log.text(), 3000))
	}
	rc := rcs[0]
	if got := num(rc, "cycles"); got != float64(cycles) {
		t.Fatalf("cycles = %v, want %d", got, cycles)
	}

	// Every cycle's report is complete: each symbol has one outcome.
	reports := res.log.records("cycle_complete")
	if len(reports) != cycles {
		t.Errorf("%d cycle_complete records, want %d", len(reports), cycles)
	}
	outcomes := map[string]float64{}
	for _, r := range reports {
		if num(r, "symbols") != float64(len(symbols)) {
			t.Errorf("cycle %v: %v symbols, want %d", r["cycle"], r["symbols"], len(symbols))
		}
		sum := 0.0
		om, _ := r["outcomes"].(map[string]any)
		for k, v := range om {
			sum += v.(float64)
			outcomes[k] += v.(float64)
		}
		if sum != float64(len(symbols)) {
			t.Errorf("cycle %v: outcomes %v add up to %v, want %d", r["cycle"], om, sum, len(symbols))
		}
	}
	why := map[string]int{}
	for _, r := range res.log.records("symbol_failed") {
		e := fmt.Sprint(r["err"])
		e = regexp.MustCompile(`\d+`).ReplaceAllString(e, "N")
		why[fmt.Sprint(r["outcome"])+": "+e[:min(len(e), 160)]]++
	}
	for k, n := range why {
		t.Logf("%d x %s", n, k)
	}
	if outcomes["ok"] < float64(cycles*len(symbols))/2 {
		t.Errorf("only %v of %d symbol runs ok: %v", outcomes["ok"], cycles*len(symbols), outcomes)
	}

	// Nothing lost from the journal.
	recs := journalRecords(t, filepath.Join(dir, "sim"))
	kinds := countKinds(recs)
	decisions, _ := rc["decisions"].(map[string]any)
	for k, v := range decisions {
		if float64(kinds[k]) != v.(float64) {
			t.Errorf("%s: the run counted %v, the journal holds %d", k, v, kinds[k])
		}
	}
	for msg, kind := range map[string]string{"skip": bot.KindSkip, "signal": bot.KindSignal} {
		if n := len(res.log.records(msg)); n != kinds[kind] {
			t.Errorf("%d %s log records, %d journaled", n, msg, kinds[kind])
		}
	}

	// Zero duplicate orders: per symbol no second bracket without an exit
	// (or a failed attempt) since the first, and the simulator received no
	// order the journal does not account for.
	ids := regexp.MustCompile(`placed: parent (\d+), stop (\d+), take-profit (\d+)`)
	open := map[string]bool{}
	named, exits, failed := 0, 0, 0
	for _, r := range recs {
		switch {
		case r.Kind == bot.KindOrder && strings.HasPrefix(r.Summary, "placed:"):
			if open[r.Symbol] {
				t.Errorf("%s cycle %d: a second bracket with no exit since the first", r.Symbol, r.Cycle)
				for _, x := range recs {
					if x.Symbol == r.Symbol && x.Cycle <= r.Cycle && x.Kind != bot.KindSkip {
						t.Logf("  c%d %s: %s", x.Cycle, x.Kind, x.Summary)
					}
				}
			}
			open[r.Symbol] = true
			if m := ids.FindStringSubmatch(r.Summary); m != nil {
				for _, id := range m[1:] {
					if id != "0" {
						named++
					}
				}
			}
		case r.Kind == bot.KindExit:
			open[r.Symbol] = false
			exits++
		case r.Kind == bot.KindFill && strings.HasPrefix(r.Summary, "SLD"):
			open[r.Symbol] = false // the bracket's stop (or take-profit) closed it
		case r.Kind == bot.KindError:
			failed++
			open[r.Symbol] = false
		}
	}
	errs := map[string]int{}
	for _, r := range recs {
		if r.Kind == bot.KindError {
			e := regexp.MustCompile(`\d+(\.\d+)?`).ReplaceAllString(r.Summary, "N")
			errs[e[:min(len(e), 200)]]++
		}
	}
	for e, n := range errs {
		t.Logf("journaled error %d x %s", n, e)
	}
	st := srv.Stats()
	if st.OrdersReceived < int64(named) || st.OrdersReceived > int64(named+exits+3*failed) {
		t.Errorf("the simulator received %d orders; the journal names %d, plus %d exits and %d failed attempts (up to 3 legs each)",
			st.OrdersReceived, named, exits, failed)
	}
	if st.Errors(100) != 0 || st.Errors(103) != 0 {
		t.Errorf("ibbot caused 100 (pacing) %d times, 103 (duplicate id) %d times", st.Errors(100), st.Errors(103))
	}
	t.Logf("symbol runs %v; journal %v; gateway: %d connections, %d orders received, %d fills, %d rejects",
		outcomes, kinds, st.Connections, st.OrdersReceived, st.OrderFills, st.OrderRejects)

	// Flat: goroutines after each cycle stay within a constant of the
	// early cycles'; the heap's last quarter is not above its third by
	// more than noise.
	if len(goroutines) > 10 {
		base := 0
		for _, g := range goroutines[3:8] {
			base = max(base, g)
		}
		worst := 0
		for _, g := range goroutines[len(goroutines)/2:] {
			worst = max(worst, g)
		}
		t.Logf("goroutines: early max %d, second half max %d", base, worst)
		if worst > base+60 {
			t.Errorf("goroutines grew from %d to %d", base, worst)
		}
	}
	if len(heap) >= 8 {
		q := len(heap) / 4
		avg := func(xs []uint64) float64 {
			s := 0.0
			for _, x := range xs {
				s += float64(x)
			}
			return s / float64(len(xs))
		}
		third, fourth := avg(heap[2*q:3*q]), avg(heap[3*q:])
		t.Logf("heap in use: third quarter %.1f MiB, last quarter %.1f MiB", third/(1<<20), fourth/(1<<20))
		if fourth > third*1.25+4<<20 {
			t.Errorf("heap grew: third quarter %.1f MiB, last quarter %.1f MiB", third/(1<<20), fourth/(1<<20))
		}
	}
}
