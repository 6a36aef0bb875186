package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 3, 12, 14, 3, 0, 0, time.UTC) // 10:03 New York

// fixture writes a small journal: a dry run, a live entry that fills in
// two parts and is sold in part, and a day later a skip.
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	j, err := bot.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	fill := func(side string, shares, price, comm string, exec string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"exec_id": exec, "side": side, "shares": shares, "price": price, "con_id": 42, "multiplier": "100",
			"sec_type": "OPT", "commission": comm, "local_symbol": "SPY   260313C00541000"})
		return b
	}
	recs := []bot.Record{
		{At: t0, Cycle: 1, Symbol: "SPY", Kind: bot.KindSignal, Summary: "daily_volume_rules: BUY_CALL close 541.20 is 0.2% above the SMA", Data: json.RawMessage(`{"Action":"BUY_CALL"}`)},
		{At: t0.Add(time.Second), Cycle: 1, Symbol: "SPY", Kind: bot.KindOrder, Summary: "placing: BUY 10 SPY 260313C00541000 @ 1.50 LMT"},
		{At: t0.Add(2 * time.Second), Cycle: 1, Symbol: "SPY", Kind: bot.KindOrder, Summary: "placed: parent 1, stop 2, take-profit 0: BUY 10 SPY 260313C00541000 @ 1.50 LMT"},
		{At: t0.Add(3 * time.Minute), Cycle: 2, Symbol: "SPY", Kind: bot.KindFill, Summary: "BOT 6 SPY 260313C00541000 @ 1.50 (order 1)", Data: fill("BOT", "6", "1.50", "3.90", "e1"), Key: "fill:e1"},
		{At: t0.Add(3 * time.Minute), Cycle: 2, Symbol: "SPY", Kind: bot.KindFill, Summary: "BOT 4 SPY 260313C00541000 @ 1.45 (order 1)", Data: fill("BOT", "4", "1.45", "2.60", "e2"), Key: "fill:e2"},
		{At: t0.Add(6 * time.Minute), Cycle: 3, Symbol: "SPY", Kind: bot.KindExit, Summary: "exit 10 SPY 260313C00541000: close 539.90 fell below EMA-20 540.10"},
		{At: t0.Add(6 * time.Minute), Cycle: 3, Symbol: "SPY", Kind: bot.KindFill, Summary: "SLD 8 SPY 260313C00541000 @ 1.60 (order 3)", Data: fill("SLD", "8", "1.60", "5.20", "e3"), Key: "fill:e3"},
		{At: t0.Add(6 * time.Minute), Cycle: 3, Symbol: "QQQ", Kind: bot.KindDryRun, Summary: "would place order: BUY 3 QQQ 260313P00450000 @ 2.10 LMT", Data: json.RawMessage(`{"Quantity":3}`)},
		{At: t0.Add(24 * time.Hour), Cycle: 1, Symbol: "QQQ", Kind: bot.KindSkip, Summary: "no signal: volume 0.2x\nthe 10-bar mean"},
	}
	for _, r := range recs {
		r.Run = "20260312T140000"
		if _, err := j.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(string) string { return "" }, Now: func() time.Time { return t0.Add(25 * time.Hour) }}
	cmd := NewCmdJournal(f, nil)
	cmd.SetArgs(append([]string{"--data-dir", dir}, args...))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestJournalOutputs(t *testing.T) {
	dir := fixture(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"table.txt", nil},
		{"lines.jsonl", []string{"--json"}},
		{"spy_fills.jsonl", []string{"--json", "--symbol", "spy", "--kind", "fill"}},
		{"summary.txt", []string{"--summary"}},
		{"summary.jsonl", []string{"--summary", "--json"}},
		{"since_1h.txt", []string{"--since", "1h"}},
		{"since_date.txt", []string{"--since", "2026-03-13"}},
		{"limit.txt", []string{"--limit", "2"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := run(t, dir, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, out)
		})
	}
}

// The JSON lines parse back into Line, one per record, with data kept as
// the decision's object.
func TestJournalJSONSchema(t *testing.T) {
	out, err := run(t, fixture(t), "--json")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 9 {
		t.Fatalf("%d lines, want 9", len(lines))
	}
	for i, l := range lines {
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		var got Line
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		if got.ID != int64(i+1) || got.Run != "20260312T140000" || got.At.IsZero() || got.Kind == "" || got.Symbol == "" {
			t.Errorf("line %d: %+v", i+1, got)
		}
	}
}

// The summary's P&L: FIFO, 8 of 10 sold at 1.60 against lots at 1.50 (6)
// and 1.45 (2): (0.10x6 + 0.15x2) x 100 = 90, less 3.90+2.60+5.20 of
// commissions = 78.30; 2 contracts still open.
func TestSummaryPnL(t *testing.T) {
	dir := fixture(t)
	j, err := bot.OpenJournalReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	recs, err := j.Records(context.Background(), bot.Query{})
	if err != nil {
		t.Fatal(err)
	}
	days := Summarize(recs)
	var spy *DaySummary
	for i := range days {
		if days[i].Symbol == "SPY" {
			spy = &days[i]
		}
	}
	if spy == nil || spy.RealizedPnL.String() != "78.3" || !spy.Open || spy.Fills != 3 || spy.Orders != 1 || spy.Signals != 1 || spy.Exits != 1 {
		t.Errorf("SPY summary %+v", spy)
	}
}

func TestJournalBadFlags(t *testing.T) {
	dir := fixture(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, `invalid --since "yesterday"`},
		{[]string{"--since", "-2h"}, "negative"},
		{[]string{"--kind", "signal,trade"}, `invalid --kind "trade": want one or more of signal, skip`},
		{[]string{"--limit", "-1"}, "invalid --limit -1"},
		{[]string{"--summary", "--limit", "3"}, "takes no --limit"},
	} {
		_, err := run(t, dir, tc.args...)
		if err == nil || !cmdutil.IsFlagError(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
	_, err := run(t, filepath.Join(dir, "nowhere"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nowhere", bot.JournalFile)) {
		t.Errorf("missing journal: %v", err)
	}
}

// A reader works while the bot writes (WAL, read-only open).
func TestJournalWhileWriting(t *testing.T) {
	dir := fixture(t)
	w, err := bot.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Append(context.Background(), bot.Record{At: t0.Add(25 * time.Hour), Run: "r2", Cycle: 1, Symbol: "AAPL", Kind: bot.KindSkip, Summary: "written while reading"}); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, dir, "--symbol", "AAPL")
	if err != nil || !strings.Contains(out, "written while reading") {
		t.Errorf("read while the writer is open: %q, %v", out, err)
	}
}
