package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func testIO() (*cmdutil.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, out, errOut
}

// TestNewCmdSim checks argv -> options, with the work stubbed out.
func TestNewCmdSim(t *testing.T) {
	defaults := SimOptions{Listen: DefaultListen, Seed: DefaultSeed, Account: DefaultAccount, Speed: 1, LogFormat: "text"}
	tests := []struct {
		name    string
		args    []string
		want    SimOptions
		wantErr string // substring; "" means success
	}{
		{name: "defaults", args: nil, want: defaults},
		{
			name: "every flag",
			args: []string{"--listen", "127.0.0.1:0", "--seed", "42", "--account", "DU7", "--delayed", "--speed", "60", "--log-format", "json"},
			want: SimOptions{Listen: "127.0.0.1:0", Seed: 42, Account: "DU7", Delayed: true, Speed: 60, LogFormat: "json"},
		},
		{name: "ipv6 listen", args: []string{"--listen", "[::1]:4002"}, want: func() SimOptions { o := defaults; o.Listen = "[::1]:4002"; return o }()},
		{name: "max speed", args: []string{"--speed", "100000"}, want: func() SimOptions { o := defaults; o.Speed = 100000; return o }()},
		{name: "negative seed", args: []string{"--seed=-3"}, want: func() SimOptions { o := defaults; o.Seed = -3; return o }()},
		{name: "listen without port", args: []string{"--listen", "127.0.0.1"}, wantErr: `invalid --listen "127.0.0.1": want host:port`},
		{name: "listen without host", args: []string{"--listen", ":4002"}, wantErr: `invalid --listen ":4002": want host:port`},
		{name: "listen port not a number", args: []string{"--listen", "localhost:api"}, wantErr: `port "api" must be a number from 0 to 65535`},
		{name: "listen port too big", args: []string{"--listen", "localhost:70000"}, wantErr: `port "70000" must be a number from 0 to 65535`},
		{name: "live account", args: []string{"--account", "U1234567"}, wantErr: `invalid --account "U1234567": want a paper account id, DU followed by 1 to 12 digits`},
		{name: "account letters", args: []string{"--account", "DUabc"}, wantErr: `invalid --account "DUabc"`},
		{name: "zero speed", args: []string{"--speed", "0"}, wantErr: "invalid --speed 0: must be > 0 and <= 100000"},
		{name: "negative speed", args: []string{"--speed=-1"}, wantErr: "invalid --speed -1: must be > 0 and <= 100000"},
		{name: "too fast", args: []string{"--speed", "100001"}, wantErr: "invalid --speed 100001: must be > 0 and <= 100000"},
		{name: "NaN speed", args: []string{"--speed", "NaN"}, wantErr: "invalid --speed NaN"},
		{name: "log format", args: []string{"--log-format", "xml"}, wantErr: `invalid --log-format "xml": want "text" or "json"`},
		{name: "positional argument", args: []string{"now"}, wantErr: `sim takes no arguments, got ["now"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _ := testIO()
			var got *SimOptions
			cmd := NewCmdSim(&cmdutil.Factory{IO: io}, func(_ context.Context, o *SimOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Out)
			cmd.SetErr(io.ErrOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if !cmdutil.IsFlagError(err) {
					t.Errorf("error %v is not a FlagError", err)
				}
				if got != nil {
					t.Error("runF called despite the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if got == nil {
				t.Fatal("runF not called")
			}
			if got.IO != io || got.Start == nil || got.Now == nil {
				t.Errorf("dependencies not set: IO %v, Start nil %v, Now nil %v", got.IO, got.Start == nil, got.Now == nil)
			}
			if g, w := flagValuesOf(got), flagValuesOf(&tt.want); g != w {
				t.Errorf("flags = %+v, want %+v", g, w)
			}
		})
	}
}

// flagValues is the comparable, flag-set part of SimOptions.
type flagValues struct {
	Listen, Account, LogFormat string
	Seed                       int64
	Delayed                    bool
	Speed                      float64
}

func flagValuesOf(o *SimOptions) flagValues {
	return flagValues{o.Listen, o.Account, o.LogFormat, o.Seed, o.Delayed, o.Speed}
}

// fakeServer is a Server that records Close.
type fakeServer struct {
	addr     string
	closed   int
	closeErr error
}

func (f *fakeServer) Addr() string { return f.addr }
func (f *fakeServer) Close() error { f.closed++; return f.closeErr }

// TestSimRun checks options -> configuration and output, with the
// simulator stubbed out and a context that has already ended.
func TestSimRun(t *testing.T) {
	start := time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name      string
		opts      SimOptions
		startErr  error
		closeErr  error
		wantCfg   ibsim.Config // Clock and Logger checked separately
		wantClock bool         // a scaled clock starting at start
		wantOut   string
		wantErr   string
		wantLog   string
	}{
		{
			name:    "defaults",
			opts:    SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text"},
			wantCfg: ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount},
			wantOut: "ibsim listening on 127.0.0.1:4002\n",
			wantLog: `level=INFO msg="stopping simulator"`,
		},
		{
			name:      "delayed and fast, json logs",
			opts:      SimOptions{Listen: "127.0.0.1:0", Seed: 9, Account: "DU42", Delayed: true, Speed: 60, LogFormat: "json"},
			wantCfg:   ibsim.Config{Addr: "127.0.0.1:0", Seed: 9, Account: "DU42", Delayed: true},
			wantClock: true,
			wantOut:   "ibsim listening on 127.0.0.1:4002\n",
			wantLog:   `"msg":"stopping simulator"`,
		},
		{
			name:     "start fails",
			opts:     SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text"},
			startErr: errors.New("address in use"),
			wantCfg:  ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount},
			wantErr:  "start simulator: address in use",
		},
		{
			name:     "close fails",
			opts:     SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text"},
			closeErr: errors.New("boom"),
			wantCfg:  ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount},
			wantOut:  "ibsim listening on 127.0.0.1:4002\n",
			wantErr:  "close simulator: boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errOut := testIO()
			srv := &fakeServer{addr: "127.0.0.1:4002", closeErr: tt.closeErr}
			var gotCfg ibsim.Config
			opts := tt.opts
			opts.IO = io
			opts.Now = func() time.Time { return start }
			opts.Start = func(cfg ibsim.Config) (Server, error) {
				gotCfg = cfg
				if tt.startErr != nil {
					return nil, tt.startErr
				}
				return srv, nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()

			err := simRun(ctx, &opts)

			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("stdout = %q, want %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantLog) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), tt.wantLog)
			}
			if opts.LogFormat == "json" {
				for line := range strings.Lines(errOut.String()) {
					if !json.Valid([]byte(line)) {
						t.Errorf("log line is not JSON: %q", line)
					}
				}
			}
			if gotCfg.Logger == nil {
				t.Error("Config.Logger not set")
			}
			if tt.wantClock {
				if gotCfg.Clock == nil {
					t.Fatal("Config.Clock not set for --speed")
				}
				if now := gotCfg.Clock.Now(); now.Before(start) || now.After(start.Add(time.Hour)) {
					t.Errorf("scaled clock reads %v, want about %v", now, start)
				}
			} else if gotCfg.Clock != nil {
				t.Errorf("Config.Clock = %v, want nil (wall clock) at speed 1", gotCfg.Clock)
			}
			gotCfg.Clock, gotCfg.Logger = nil, nil
			if gotCfg != tt.wantCfg {
				t.Errorf("config = %+v, want %+v", gotCfg, tt.wantCfg)
			}
			if wantClosed := tt.startErr == nil; (srv.closed == 1) != wantClosed {
				t.Errorf("Close called %d times, want closed = %v", srv.closed, wantClosed)
			}
		})
	}
}
