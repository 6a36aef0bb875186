package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// runIn runs the program in a synctest bubble, where the wall clock is
// the bubble's: the scaled clock, its timers and the symbols' work are
// exact, and days of market time take no wall time.
func runIn(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, log bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		err = run(context.Background(), args, &out, &log)
	})
	return out.String(), log.String(), err
}

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }

// The default run is the incident's shape: every cycle completes all
// three symbols, two at a time, and none overlaps the next.
func TestIncidentShape(t *testing.T) {
	out, log, err := runIn(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	want := []string{"SPY QQQ AAPL every 3m0s from Tue 2026-03-10 09:29, 2 at a time, work 1m12s each, market time x600"}
	open := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	for i := range 10 {
		at := open.Add(time.Duration(i) * 3 * time.Minute).Format("15:04:05")
		want = append(want, fmt.Sprintf("cycle %3d  Tue 03-10 %s  +0s  took 2m24s  | SPY ok 1m12s | QQQ ok 1m12s | AAPL ok 1m12s", i+1, at))
	}
	want = append(want, "summary: 10 cycles (0 skipped); runs: 30 ok, 0 error, 0 timeout, 0 skipped, 0 canceled")
	if got := lines(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if n := strings.Count(log, `msg="sched: cycle done"`); n != 10 {
		t.Errorf("%d cycle logs, want 10:\n%s", n, log)
	}
	// The log is in market time: the first cycle ends 2m24s after the open.
	if !strings.Contains(log, `time="Tue 2026-03-10 09:32:24" level=INFO msg="sched: cycle done" cycle=1`) {
		t.Errorf("the log is not in market time:\n%s", log)
	}
}

// Work longer than the interval allows: the cycles that would overlap
// are skipped, and the others still complete every symbol.
func TestOverlap(t *testing.T) {
	out, _, err := runIn(t, "-work", "0.6", "-max-concurrent", "1", "-cycles", "3")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cycle   2  Tue 03-10 09:33:00  skipped: QQQ still running",
		"cycle   1  Tue 03-10 09:30:00  +0s  took 5m24s  | SPY ok 1m48s | QQQ ok 1m48s | AAPL ok 1m48s",
		"cycle   4  Tue 03-10 09:39:00  skipped: QQQ still running",
		"cycle   3  Tue 03-10 09:36:00  +0s  took 5m24s  | SPY ok 1m48s | QQQ ok 1m48s | AAPL ok 1m48s",
		"cycle   6  Tue 03-10 09:45:00  skipped: QQQ still running",
		"cycle   5  Tue 03-10 09:42:00  +0s  took 5m24s  | SPY ok 1m48s | QQQ ok 1m48s | AAPL ok 1m48s",
		"summary: 3 cycles (3 skipped); runs: 9 ok, 0 error, 0 timeout, 0 skipped, 0 canceled",
	}
	if got := lines(out)[1:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}

// A failing symbol backs off, a rejected one is parked, and the others
// run every cycle.
func TestFailures(t *testing.T) {
	out, log, err := runIn(t, "-fail", "aapl", "-reject", "QQQ", "-cycles", "6")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"cycle   1  Tue 03-10 09:30:00  +0s  took 2m24s  | SPY ok 1m12s | QQQ error (parked) | AAPL error (again in cycle 3)",
		"cycle   2  Tue 03-10 09:33:00  +0s  took 1m12s  | SPY ok 1m12s | QQQ skipped (parked) | AAPL skipped (backing off)",
		"cycle   3  Tue 03-10 09:36:00  +0s  took 1m12s  | SPY ok 1m12s | QQQ skipped (parked) | AAPL error (again in cycle 5)",
		"cycle   4  Tue 03-10 09:39:00  +0s  took 1m12s  | SPY ok 1m12s | QQQ skipped (parked) | AAPL skipped (backing off)",
		"cycle   5  Tue 03-10 09:42:00  +0s  took 1m12s  | SPY ok 1m12s | QQQ skipped (parked) | AAPL error (again in cycle 10)",
		"cycle   6  Tue 03-10 09:45:00  +0s  took 1m12s  | SPY ok 1m12s | QQQ skipped (parked) | AAPL skipped (backing off)",
		"summary: 6 cycles (0 skipped); runs: 6 ok, 4 error, 0 timeout, 8 skipped, 0 canceled",
	}
	if got := lines(out)[1:]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if !strings.Contains(log, "sched: symbol parked") || !strings.Contains(log, "order rejected (simulated)") {
		t.Errorf("no parking in the log:\n%s", log)
	}
}

// Over Good Friday and the weekend the scheduler sleeps from Thursday's
// close to Monday's open, and says so once.
func TestHolidayWeekend(t *testing.T) {
	out, log, err := runIn(t, "-from", "2026-04-02 15:50", "-cycles", "4", "-work", "0")
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, l := range lines(out) {
		if f := strings.Fields(l); len(f) > 4 && f[0] == "cycle" {
			planned = append(planned, f[2]+" "+f[3]+" "+f[4])
		}
	}
	want := "Thu 04-02 15:51:00,Thu 04-02 15:54:00,Thu 04-02 15:57:00,Mon 04-06 09:30:00"
	if strings.Join(planned, ",") != want {
		t.Errorf("cycles %q, want %s\n%s", planned, want, out)
	}
	if n := strings.Count(log, "sched: market closed"); n != 1 {
		t.Errorf("%d market-closed logs, want 1:\n%s", n, log)
	}
	if !strings.Contains(log, `time="Thu 2026-04-02 16:00:00" level=INFO msg="sched: market closed; no cycles until the next open"`) {
		t.Errorf("the closure is not logged at the close:\n%s", log)
	}
}

// -from now starts at the wall clock's time: in the bubble that is
// midnight UTC on 1 January 2000, Friday evening in New York after the
// close, so the first cycle is at Monday's open.
func TestFromNow(t *testing.T) {
	out, _, err := runIn(t, "-from", "now", "-speed", "1", "-cycles", "1", "-work", "0.1")
	if err != nil {
		t.Fatal(err)
	}
	ls := lines(out)
	if len(ls) != 3 || !strings.Contains(ls[0], "from Fri 1999-12-31 19:00") ||
		ls[1] != "cycle   1  Mon 01-03 09:30:00  +0s  took 36s  | SPY ok 18s | QQQ ok 18s | AAPL ok 18s" {
		t.Errorf("output:\n%s", out)
	}
}

func TestArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-work", "11"}, "-work 11"},
		{[]string{"-speed", "0"}, "-speed 0"},
		{[]string{"-max-concurrent", "0"}, "-max-concurrent 0"},
		{[]string{"-cycles", "-1"}, "-cycles -1"},
		{[]string{"-symbols", " , "}, "-symbols"},
		{[]string{"-from", "2026-03-10T10:00"}, `-from "2026-03-10T10:00"`},
		{[]string{"stray"}, "unexpected arguments"},
		{[]string{"-nope"}, "-nope"},
		// The scheduler's own validation comes through.
		{[]string{"-interval", "4h"}, "sched: Config.Interval 4h0m0s"},
		{[]string{"-jitter", "3m"}, "sched: Config.Jitter 3m0s"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, _, err := runIn(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
