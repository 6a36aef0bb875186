package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/scmhub/ibapi"
	"github.com/shopspring/decimal"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	ibapi.SetLogLevel(7) // quiet the wire library's global logger
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkQuoteLines finds one line per symbol and checks it by content:
// "SYM conId N EXCH bid B ask A last L (type, worker W)".
func checkQuoteLines(t *testing.T, lines []string, symbols []string) {
	t.Helper()
	// IB's conIds of the symbols, as the simulator has them.
	conIDs := map[string]string{"SPY": "756733", "QQQ": "320227571", "AAPL": "265598"}
	for _, sym := range symbols {
		var f []string
		for _, l := range lines {
			if x := strings.Fields(l); len(x) > 0 && x[0] == sym {
				if f != nil {
					t.Errorf("%s: more than one line", sym)
				}
				f = x
			}
		}
		if len(f) < 12 {
			t.Errorf("%s: no quote line in %q", sym, lines)
			continue
		}
		if f[1] != "conId" || f[2] != conIDs[sym] {
			t.Errorf("%s: conId %q, want %s", sym, f[2], conIDs[sym])
		}
		bid, err1 := decimal.NewFromString(f[5])
		ask, err2 := decimal.NewFromString(f[7])
		if f[4] != "bid" || f[6] != "ask" || err1 != nil || err2 != nil || bid.Sign() <= 0 || ask.LessThan(bid) {
			t.Errorf("%s: bad bid/ask in %q", sym, strings.Join(f, " "))
		}
		if f[10] != "(live," || f[11] != "worker" {
			t.Errorf("%s: want live data and a worker number in %q", sym, strings.Join(f, " "))
		}
	}
}

func TestRunAgainstEmbeddedSimulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(testCtx(t), nil, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "simulated gateway on 127.0.0.1:") {
		t.Errorf("first line %q", lines[0])
	}
	if len(lines) < 2 || !strings.Contains(lines[1], "/1: status ready, accounts DU1234567") {
		t.Errorf("session line missing or wrong in %q", lines)
	}
	checkQuoteLines(t, lines, []string{"SPY", "QQQ", "AAPL"})
	if !strings.Contains(out.String(), "\n3 workers on client id 1 got 1 distinct session(s)\n") {
		t.Errorf("the workers did not share one session:\n%s", out.String())
	}
	if last := lines[len(lines)-1]; last != "status closed; changes seen: closed" {
		t.Errorf("last line %q, want the closed status", last)
	}
}

// With -addr the program uses that Gateway, and one client id never meets
// a 326 however many workers share it.
func TestRunAgainstAddr(t *testing.T) {
	srv, err := ibsim.Start(ibsim.Config{Clock: ibsim.NewVirtualClock(time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out bytes.Buffer
	args := []string{"-addr", srv.Addr(), "-client-id", "253", "-workers", "5", "-symbols", "spy, aapl"}
	if err := run(testCtx(t), args, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "simulated gateway") {
		t.Errorf("started its own simulator despite -addr:\n%s", out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	checkQuoteLines(t, lines, []string{"SPY", "AAPL"})
	if !strings.Contains(out.String(), "\n5 workers on client id 253 got 1 distinct session(s)\n") {
		t.Errorf("the workers did not share one session:\n%s", out.String())
	}
	if n := srv.Stats().Errors(326); n != 0 {
		t.Errorf("the gateway sent 326 %d times", n)
	}
}

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"no workers", []string{"-workers", "0"}, "-workers 0"},
		{"no symbols", []string{"-symbols", " , "}, "-symbols"},
		{"stray argument", []string{"SPY"}, "unexpected arguments"},
		{"bad addr", []string{"-addr", "localhost"}, "-addr"},
		{"unknown flag", []string{"-nope"}, "-nope"},
		{"nothing listens", []string{"-addr", "127.0.0.1:1", "-timeout", "5s"}, "connect to 127.0.0.1:1/1"},
		{"unknown symbol", []string{"-symbols", "SPY,NOSUCH"}, "NOSUCH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(testCtx(t), tc.args, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

// A symbol that fails does not stop the others; its line says why.
func TestRunReportsEachSymbol(t *testing.T) {
	var out bytes.Buffer
	err := run(testCtx(t), []string{"-symbols", "SPY,NOSUCH,QQQ"}, &out)
	if err == nil {
		t.Fatal("run succeeded with an unknown symbol")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	checkQuoteLines(t, lines, []string{"SPY", "QQQ"})
	if !strings.Contains(out.String(), "\nNOSUCH error: ") || !strings.Contains(out.String(), "No security definition") {
		t.Errorf("no error line for NOSUCH:\n%s", out.String())
	}
}

func TestParseArgsDefaults(t *testing.T) {
	o, err := parseArgs(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.addr != "" || o.clientID != 1 || o.workers != 3 || strings.Join(o.symbols, ",") != "SPY,QQQ,AAPL" || o.timeout != 30*time.Second {
		t.Errorf("defaults %+v", o)
	}
}
