package chain

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/spf13/cobra"
	"go.uber.org/goleak"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/optchain"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) {
	ibapi.SetLogLevel(7)
	goleak.VerifyTestMain(m)
}

func testIO() (*cmdutil.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, out, errOut
}

// argv -> options, with the work stubbed out.
func TestNewCmdChain(t *testing.T) {
	env := map[string]string{}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(*ChainOptions) string
		wantErr string
	}{
		{name: "defaults", args: []string{"spy"}, check: func(o *ChainOptions) string {
			if o.Symbol != "SPY" || o.Rule != optchain.First(3) || o.Strikes != 10 || o.Rights != optchain.Both || o.JSON || o.Timeout != 30*time.Second ||
				o.Gateway.Host != "127.0.0.1" || o.Gateway.Port != 4002 || o.Gateway.ClientID != 1 || o.Gateway.Sim {
				return "defaults"
			}
			return ""
		}},
		{name: "dte", args: []string{"QQQ", "--dte", "7-45", "--right", "p", "--strikes", "4", "--json"}, check: func(o *ChainOptions) string {
			if o.Rule != optchain.DTE(7, 45) || o.Rights != optchain.Puts || o.Strikes != 4 || !o.JSON {
				return "dte"
			}
			return ""
		}},
		{name: "weekly", args: []string{"SPY", "--expiry", "WEEKLY"}, check: func(o *ChainOptions) string {
			if o.Rule != optchain.Weekly() {
				return "weekly"
			}
			return ""
		}},
		{name: "sim", args: []string{"SPY", "--sim", "--seed", "7", "--sim-start", "2026-03-12T10:00:00-04:00"}, check: func(o *ChainOptions) string {
			if !o.Gateway.Sim || o.Gateway.Seed != 7 || o.Gateway.SimStart.Unix() != 1773324000 {
				return "sim"
			}
			return ""
		}},
		{name: "env", args: []string{"SPY"}, env: map[string]string{"IBBOT_HOST": "10.0.0.5", "IBBOT_PORT": "7497", "IBBOT_CLIENT_ID": "17"}, check: func(o *ChainOptions) string {
			if o.Gateway.Host != "10.0.0.5" || o.Gateway.Port != 7497 || o.Gateway.ClientID != 17 {
				return "env"
			}
			return ""
		}},
		{name: "flags win over env", args: []string{"SPY", "--port", "4001", "--client-id", "0"}, env: map[string]string{"IBBOT_PORT": "7497", "IBBOT_CLIENT_ID": "17"}, check: func(o *ChainOptions) string {
			if o.Gateway.Port != 4001 || o.Gateway.ClientID != 0 {
				return "flags win"
			}
			return ""
		}},
		{name: "no symbol", args: nil, wantErr: "chain takes one SYMBOL"},
		{name: "two symbols", args: []string{"SPY", "QQQ"}, wantErr: "chain takes one SYMBOL"},
		{name: "bad symbol", args: []string{"SP Y"}, wantErr: `invalid SYMBOL "SP Y": want a ticker such as SPY`},
		{name: "two expiry rules", args: []string{"SPY", "--expiries", "2", "--dte", "1-5"}, wantErr: "give one of them"},
		{name: "bad dte", args: []string{"SPY", "--dte", "45-7"}, wantErr: `invalid --dte "45-7": want MIN-MAX days with 0 <= MIN <= MAX <= 3650`},
		{name: "dte word", args: []string{"SPY", "--dte", "soon"}, wantErr: `invalid --dte "soon"`},
		{name: "bad expiry", args: []string{"SPY", "--expiry", "daily"}, wantErr: `invalid --expiry "daily": want weekly or monthly`},
		{name: "zero expiries", args: []string{"SPY", "--expiries", "0"}, wantErr: "invalid --expiries 0: want 1..50"},
		{name: "too many expiries", args: []string{"SPY", "--expiries", "51"}, wantErr: "invalid --expiries 51: want 1..50"},
		{name: "zero strikes", args: []string{"SPY", "--strikes", "0"}, wantErr: "invalid --strikes 0: want 1..200"},
		{name: "too many strikes", args: []string{"SPY", "--strikes", "201"}, wantErr: "invalid --strikes 201: want 1..200"},
		{name: "bad right", args: []string{"SPY", "--right", "X"}, wantErr: `invalid --right "X": want C, P or both`},
		{name: "bad timeout", args: []string{"SPY", "--timeout", "0s"}, wantErr: "invalid --timeout 0s: want more than 0 and at most 10m0s"},
		{name: "bad port", args: []string{"SPY", "--port", "70000"}, wantErr: "invalid --port 70000: want 1..65535"},
		{name: "bad client id", args: []string{"SPY", "--client-id", "-1"}, wantErr: "invalid --client-id -1: want 0..2147483647"},
		{name: "bad env port", args: []string{"SPY"}, env: map[string]string{"IBBOT_PORT": "x"}, wantErr: `invalid IBBOT_PORT "x": want a port number 1..65535`},
		{name: "bad sim start", args: []string{"SPY", "--sim", "--sim-start", "tomorrow"}, wantErr: `invalid --sim-start "tomorrow": want an RFC 3339 time`},
		{name: "unknown flag", args: []string{"SPY", "--strike", "3"}, wantErr: "unknown flag: --strike"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			io, _, _ := testIO()
			env = tc.env
			f := &cmdutil.Factory{IO: io, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return time.Unix(1773324000, 0) }}
			var got *ChainOptions
			cmd := NewCmdChain(f, func(_ context.Context, o *ChainOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tc.args...)) // never nil: cobra would read os.Args
			cmd.SetOut(io.Out)
			cmd.SetErr(io.ErrOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				if !cmdutil.IsFlagError(err) {
					t.Errorf("%v is not a usage error (exit 2)", err)
				}
				if got != nil {
					t.Error("ran despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if what := tc.check(got); what != "" {
				t.Errorf("%s: options %+v", what, *got)
			}
		})
	}
}

// simAt connects options to a simulator whose market clock is frozen at
// the given instant, so output is the same on every run.
func simAt(t *testing.T, at time.Time, cfg ibsim.Config) func(context.Context, *ChainOptions) (optchain.Gateway, func() time.Time, func(), error) {
	return func(ctx context.Context, o *ChainOptions) (optchain.Gateway, func() time.Time, func(), error) {
		clk := ibsim.NewVirtualClock(at)
		cfg.Clock, cfg.Seed = clk, o.Gateway.Seed
		cfg.TickInterval = time.Hour
		srv, err := ibsim.Start(cfg)
		if err != nil {
			return nil, nil, nil, err
		}
		i := strings.LastIndexByte(srv.Addr(), ':')
		port, _ := strconv.Atoi(srv.Addr()[i+1:])
		sess, err := ibkr.Dial(ctx, ibkr.Config{Host: srv.Addr()[:i], Port: port, ClientID: o.Gateway.ClientID, MarketClock: clk.Now})
		if err != nil {
			srv.Close()
			return nil, nil, nil, err
		}
		return sess, clk.Now, func() { sess.Close(); srv.Close() }, nil
	}
}

var ny, _ = time.LoadLocation("America/New_York")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update after checking):\n%s", path, got)
	}
}

// options -> output: the JSON form, pinned by a golden file.
func TestChainJSONGolden(t *testing.T) {
	io, out, errOut := testIO()
	o := &ChainOptions{IO: io, Symbol: "SPY", Rule: optchain.First(2), Strikes: 3, Rights: optchain.Both, JSON: true, Timeout: 20 * time.Second,
		Gateway: cmdutil.GatewayOptions{Seed: 1, ClientID: 1}, Connect: simAt(t, time.Date(2026, 3, 12, 10, 0, 0, 0, ny), ibsim.Config{})}
	if err := chainRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr %q, want nothing when it is not a terminal", errOut)
	}
	golden(t, "spy.json", out.Bytes())
	// Every documented key is present in every option.
	for _, key := range []string{`"symbol"`, `"as_of"`, `"con_id"`, `"price_source"`, `"data_type"`, `"expiry"`, `"dte"`, `"trading_class"`,
		`"multiplier"`, `"strike"`, `"call"`, `"put"`, `"local_symbol"`, `"bid"`, `"ask"`, `"last"`, `"volume"`, `"open_interest"`,
		`"iv"`, `"delta"`, `"gamma"`, `"vega"`, `"theta"`, `"greeks_source"`, `"received_at"`, `"error"`, `"errors"`} {
		if !bytes.Contains(out.Bytes(), []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

// options -> output: the table, with the ATM row marked; a put-only chain
// shows dashes for the calls.
func TestChainTableGolden(t *testing.T) {
	io, out, _ := testIO()
	o := &ChainOptions{IO: io, Symbol: "QQQ", Rule: optchain.Weekly(), Strikes: 5, Rights: optchain.Puts, Timeout: 20 * time.Second,
		Gateway: cmdutil.GatewayOptions{Seed: 3, ClientID: 1}, Connect: simAt(t, time.Date(2026, 3, 12, 11, 30, 0, 0, ny), ibsim.Config{})}
	if err := chainRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	golden(t, "qqq_puts.txt", out.Bytes())
	if !strings.Contains(out.String(), "*") {
		t.Error("no ATM row marked")
	}
}

// Bad input: an unknown symbol and no gateway are errors (exit 1) that
// say what was wrong.
func TestChainErrors(t *testing.T) {
	io, _, _ := testIO()
	o := &ChainOptions{IO: io, Symbol: "XYZ", Rule: optchain.First(1), Strikes: 1, Rights: optchain.Both, Timeout: 10 * time.Second,
		Gateway: cmdutil.GatewayOptions{Seed: 1}, Connect: simAt(t, time.Date(2026, 3, 12, 10, 0, 0, 0, ny), ibsim.Config{})}
	err := chainRun(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), `no security definition for "XYZ"`) || cmdutil.IsFlagError(err) {
		t.Errorf("unknown symbol: %v", err)
	}
	// Nothing listens on the port: host:port and what to check.
	srv, err := ibsim.Start(ibsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	srv.Close()
	host, port, _ := cmdutil.SplitAddr(addr)
	o = &ChainOptions{IO: io, Symbol: "SPY", Rule: optchain.First(1), Strikes: 1, Rights: optchain.Both, Timeout: 5 * time.Second,
		Gateway: cmdutil.GatewayOptions{Host: host, Port: port}, Connect: connect}
	err = chainRun(context.Background(), o)
	for _, want := range []string{"cannot reach IB Gateway or TWS at " + addr, "API enabled", "4002/4001", "7497/7496", "--sim"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no gateway: %v, want it to mention %q", err, want)
		}
	}
	if !errors.Is(err, ibkr.ErrDisconnected) {
		t.Errorf("no gateway: %v does not match ErrDisconnected", err)
	}
}
