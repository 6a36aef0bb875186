package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func testIO() (*cmdutil.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, out, errOut
}

// TestNewCmdSim checks argv -> options, with the work stubbed out.
func TestNewCmdSim(t *testing.T) {
	defaults := SimOptions{Listen: DefaultListen, Seed: DefaultSeed, Account: DefaultAccount, Speed: 1, LogFormat: "text",
		TickInterval: DefaultTickInterval, SnapshotEndDelay: DefaultSnapshotEndDelay, Control: ControlAuto}
	with := func(f func(*SimOptions)) SimOptions { o := defaults; f(&o); return o }
	tests := []struct {
		name    string
		args    []string
		want    SimOptions
		wantErr string // substring; "" means success
	}{
		{name: "defaults", args: nil, want: defaults},
		{
			name: "every flag",
			args: []string{"--listen", "127.0.0.1:0", "--seed", "42", "--account", "DU7", "--delayed", "--speed", "60", "--log-format", "json",
				"--tick-interval", "1s", "--snapshot-end-delay", "11s", "--competing-session", "--latency", "20=2s", "--latency", "9=150ms",
				"--hang", "78", "--hang", "87", "--hang", "78", "--control", "-", "--control-addr", "127.0.0.1:4010"},
			want: SimOptions{Listen: "127.0.0.1:0", Seed: 42, Account: "DU7", Delayed: true, Speed: 60, LogFormat: "json",
				TickInterval: time.Second, SnapshotEndDelay: 11 * time.Second, CompetingSession: true,
				Latency: map[int]time.Duration{20: 2 * time.Second, 9: 150 * time.Millisecond}, Hang: []int{78, 87},
				Control: ControlStdin, ControlAddr: "127.0.0.1:4010"},
		},
		{name: "control none", args: []string{"--control", "none"}, want: with(func(o *SimOptions) { o.Control = ControlNone })},
		{name: "control on ipv6 loopback", args: []string{"--control-addr", "[::1]:0"}, want: with(func(o *SimOptions) { o.ControlAddr = "[::1]:0" })},
		{name: "control on localhost", args: []string{"--control-addr", "localhost:4010"}, want: with(func(o *SimOptions) { o.ControlAddr = "localhost:4010" })},
		{name: "intervals at the bounds", args: []string{"--tick-interval", "1ms", "--snapshot-end-delay", "1m"}, want: with(func(o *SimOptions) { o.TickInterval, o.SnapshotEndDelay = time.Millisecond, time.Minute })},
		{name: "ipv6 listen", args: []string{"--listen", "[::1]:4002"}, want: with(func(o *SimOptions) { o.Listen = "[::1]:4002" })},
		{name: "max speed", args: []string{"--speed", "100000"}, want: with(func(o *SimOptions) { o.Speed = 100000 })},
		{name: "negative seed", args: []string{"--seed=-3"}, want: with(func(o *SimOptions) { o.Seed = -3 })},
		{name: "text-only version", args: []string{"--server-version", "200"}, want: with(func(o *SimOptions) { o.ServerVersion = 200 })},
		{name: "old client version", args: []string{"--server-version", "176"}, want: with(func(o *SimOptions) { o.ServerVersion = 176 })},
		{name: "newest client version", args: []string{"--server-version", "225"}, want: with(func(o *SimOptions) { o.ServerVersion = 225 })},
		{name: "version too new", args: []string{"--server-version", "226"}, wantErr: "invalid --server-version 226: must be 100..225"},
		{name: "version too old", args: []string{"--server-version", "99"}, wantErr: "invalid --server-version 99: must be 100.."},
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
		{name: "tick interval too short", args: []string{"--tick-interval", "100us"}, wantErr: "invalid --tick-interval 100µs: must be from 1ms to 1m0s"},
		{name: "tick interval zero", args: []string{"--tick-interval", "0"}, wantErr: "invalid --tick-interval 0s: must be from 1ms to 1m0s"},
		{name: "snapshot delay too long", args: []string{"--snapshot-end-delay", "2m"}, wantErr: "invalid --snapshot-end-delay 2m0s: must be from 1ms to 1m0s"},
		{name: "snapshot delay negative", args: []string{"--snapshot-end-delay=-1s"}, wantErr: "invalid --snapshot-end-delay -1s: must be from 1ms to 1m0s"},
		{name: "latency without =", args: []string{"--latency", "20"}, wantErr: `invalid --latency "20": want MSGID=DURATION, e.g. 20=2s`},
		{name: "latency msgid word", args: []string{"--latency", "hist=2s"}, wantErr: `invalid --latency "hist=2s": MSGID "hist": want a request message id, a whole number > 0 other than 71 (startApi), e.g. 1 reqMktData`},
		{name: "latency startApi", args: []string{"--latency", "71=2s"}, wantErr: `invalid --latency "71=2s": MSGID "71": want a request message id`},
		{name: "latency duration", args: []string{"--latency", "20=2"}, wantErr: `invalid --latency "20=2": DURATION "2" is not a duration; want e.g. 500ms, 2s, 1m`},
		{name: "latency zero", args: []string{"--latency", "20=0s"}, wantErr: `invalid --latency "20=0s": DURATION must be more than 0 (--hang 20 never answers)`},
		{name: "latency twice", args: []string{"--latency", "20=1s", "--latency", "20=2s"}, wantErr: `invalid --latency "20=2s": message 20 already has --latency 20=1s; give one per message id`},
		{name: "hang word", args: []string{"--hang", "all"}, wantErr: `invalid --hang "all": want a request message id`},
		{name: "hang negative", args: []string{"--hang=-9"}, wantErr: `invalid --hang "-9": want a request message id`},
		{name: "hang and latency", args: []string{"--latency", "9=1s", "--hang", "9"}, wantErr: "invalid --hang 9: --latency 9=1s is also set; a message id is either delayed or hung"},
		{name: "control value", args: []string{"--control", "stdin"}, wantErr: `invalid --control "stdin": want "auto" (standard input when it is a terminal), "-" (always) or "none"`},
		{name: "control on every interface", args: []string{"--control-addr", "0.0.0.0:4010"}, wantErr: `invalid --control-addr "0.0.0.0:4010": host "0.0.0.0" is not loopback; the control port can kill clients and restart the Gateway, so it listens only on 127.0.0.1, ::1 or localhost`},
		{name: "control on a name", args: []string{"--control-addr", "example.com:4010"}, wantErr: `invalid --control-addr "example.com:4010": host "example.com" is not loopback`},
		{name: "control without host", args: []string{"--control-addr", ":4010"}, wantErr: `invalid --control-addr ":4010": want host:port on loopback, e.g. 127.0.0.1:4010`},
		{name: "control without port", args: []string{"--control-addr", "127.0.0.1"}, wantErr: `invalid --control-addr "127.0.0.1": want host:port on loopback`},
		{name: "control port too big", args: []string{"--control-addr", "127.0.0.1:65536"}, wantErr: `invalid --control-addr "127.0.0.1:65536": port "65536" must be a number from 0 to 65535`},
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
			if g, w := flagValuesOf(got), flagValuesOf(&tt.want); !reflect.DeepEqual(g, w) {
				t.Errorf("flags = %+v, want %+v", g, w)
			}
		})
	}
}

// flagValues is the flag-set part of SimOptions.
type flagValues struct {
	Listen, Account, LogFormat     string
	Seed                           int64
	Delayed                        bool
	Speed                          float64
	TickInterval, SnapshotEndDelay time.Duration
	CompetingSession               bool
	Latency                        map[int]time.Duration
	Hang                           []int
	Control, ControlAddr           string
}

func flagValuesOf(o *SimOptions) flagValues {
	return flagValues{o.Listen, o.Account, o.LogFormat, o.Seed, o.Delayed, o.Speed,
		o.TickInterval, o.SnapshotEndDelay, o.CompetingSession, o.Latency, o.Hang, o.Control, o.ControlAddr}
}

// fakeServer is a Server that records Close and the fault panel calls.
type fakeServer struct {
	fakePanel
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
		in        string       // standard input
		live      bool         // run until quit instead of with an ended context
		wantCfg   ibsim.Config // Clock and Logger checked separately
		wantClock bool         // a scaled clock starting at start
		wantOut   string
		wantErr   string
		wantLog   string
		wantCalls []string // fault panel calls
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
			name: "startup faults and intervals",
			opts: SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text",
				TickInterval: time.Second, SnapshotEndDelay: 2 * time.Second, CompetingSession: true,
				Latency: map[int]time.Duration{20: 2 * time.Second, 9: time.Second}, Hang: []int{78, 87}},
			wantCfg:   ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount, TickInterval: time.Second, SnapshotEndDelay: 2 * time.Second},
			wantOut:   "ibsim listening on 127.0.0.1:4002\n",
			wantLog:   `level=INFO msg="ibsim fault: latency" msgId=9 delay=1s`,
			wantCalls: []string{"SetCompetingSession(true)", "SetLatency(9, 1s)", "SetLatency(20, 2s)", "Hang(78)", "Hang(87)"},
		},
		{
			name:      "control on standard input until quit",
			opts:      SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text", Control: ControlStdin},
			in:        "# a script\ncompeting on\nkill x\nquit\nhang 9\n",
			live:      true,
			wantCfg:   ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount},
			wantOut:   "ibsim listening on 127.0.0.1:4002\nok competing session on\nerror: kill: CLIENTID \"x\": want an API client id, a 32-bit whole number such as 0 or 17\nok bye\n",
			wantLog:   `msg="stopping simulator" reason="quit on standard input"`,
			wantCalls: []string{"SetCompetingSession(true)"},
		},
		{
			name:    "standard input not a terminal",
			opts:    SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text", Control: ControlAuto},
			in:      "drop\n",
			wantCfg: ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount},
			wantOut: "ibsim listening on 127.0.0.1:4002\n",
			wantLog: `msg="stopping simulator" reason="context canceled"`,
		},
		{
			name:    "control none",
			opts:    SimOptions{Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text", Control: ControlNone},
			in:      "drop\n",
			wantCfg: ibsim.Config{Addr: DefaultListen, Seed: 1, Account: DefaultAccount},
			wantOut: "ibsim listening on 127.0.0.1:4002\n",
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
			io.In = strings.NewReader(tt.in)
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
			defer cancel()
			if !tt.live {
				cancel()
			}

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
			if got := srv.Calls(); strings.Join(got, "; ") != strings.Join(tt.wantCalls, "; ") {
				t.Errorf("fault panel calls %q, want %q", got, tt.wantCalls)
			}
		})
	}
}

// TestSimRunControlPortBusy checks that a control port that cannot be
// bound fails the command and closes the simulator.
func TestSimRunControlPortBusy(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	io, out, _ := testIO()
	srv := &fakeServer{addr: "127.0.0.1:4002"}
	opts := SimOptions{IO: io, Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text",
		Control: ControlNone, ControlAddr: busy.Addr().String(), Now: time.Now,
		Start: func(ibsim.Config) (Server, error) { return srv, nil }}
	err = simRun(context.Background(), &opts)
	if want := "control: listen on " + busy.Addr().String() + ": "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want one starting %q", err, want)
	}
	if srv.closed != 1 {
		t.Errorf("simulator closed %d times, want 1", srv.closed)
	}
	if out.String() != "ibsim listening on 127.0.0.1:4002\n" {
		t.Errorf("stdout = %q", out.String())
	}
}

// logLines is an io.Writer that passes each write (one log line) to a
// channel.
type logLines chan string

func (l logLines) Write(p []byte) (int, error) {
	l <- string(p)
	return len(p), nil
}

// TestSimRunStdinEOF checks that the end of standard input ends its
// control session but not the simulator.
func TestSimRunStdinEOF(t *testing.T) {
	io, out, _ := testIO()
	io.In = strings.NewReader("drop\n")
	logs := make(logLines, 100)
	io.ErrOut = logs
	srv := &fakeServer{addr: "127.0.0.1:4002"}
	opts := SimOptions{IO: io, Listen: DefaultListen, Seed: 1, Account: DefaultAccount, Speed: 1, LogFormat: "text",
		Control: ControlStdin, Now: time.Now, Start: func(ibsim.Config) (Server, error) { return srv, nil }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- simRun(ctx, &opts) }()

	timeout := time.After(10 * time.Second)
	for ended := false; !ended; {
		select {
		case l := <-logs:
			ended = strings.Contains(l, "end of input")
		case err := <-done:
			t.Fatalf("simRun returned %v at the end of standard input", err)
		case <-timeout:
			t.Fatal("no end-of-input log in 10s")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("simRun: %v", err)
	}
	close(logs)
	var stopLog string
	for l := range logs {
		if strings.Contains(l, "stopping simulator") {
			stopLog = l
		}
	}
	if !strings.Contains(stopLog, `reason="context canceled"`) {
		t.Errorf("stop log %q, want the reason context canceled", stopLog)
	}
	if want := "ibsim listening on 127.0.0.1:4002\nok dropped every client connection\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
	if got := srv.Calls(); len(got) != 1 || got[0] != "DropAll()" {
		t.Errorf("calls %q, want DropAll()", got)
	}
}

// TestSimHelp checks that the long help lists every control command and
// fits a terminal.
func TestSimHelp(t *testing.T) {
	io, _, _ := testIO()
	cmd := NewCmdSim(&cmdutil.Factory{IO: io}, nil)
	for _, cc := range controlCommands() {
		if !strings.Contains(cmd.Long, "\n  "+cc.usage()+" ") {
			t.Errorf("Long lacks %q", cc.usage())
		}
	}
	for _, text := range []string{cmd.Long, cmd.Example} {
		for line := range strings.Lines(text) {
			if n := utf8.RuneCountInString(strings.TrimSuffix(line, "\n")); n > 80 {
				t.Errorf("help line of %d characters: %q", n, line)
			}
		}
	}
	for _, flag := range []string{"competing-session", "latency", "hang", "tick-interval", "snapshot-end-delay", "control", "control-addr"} {
		if cmd.Flags().Lookup(flag) == nil {
			t.Errorf("no --%s flag", flag)
		}
	}
}

// --start places the market clock; without it the market starts now when
// the regular session is open, else at 10:00 New York on the next trading
// day.
func TestSimStart(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	want := time.Date(2026, 3, 10, 10, 0, 0, 0, ny)
	opts := &SimOptions{Listen: DefaultListen, Account: DefaultAccount, Speed: 60, LogFormat: "text",
		TickInterval: DefaultTickInterval, SnapshotEndDelay: DefaultSnapshotEndDelay, Control: ControlNone,
		startArg: "2026-03-10T10:00:00-04:00", Now: time.Now}
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	if !opts.StartAt.Equal(want) {
		t.Errorf("StartAt %v, want %v", opts.StartAt, want)
	}
	if clk := opts.config().Clock; clk == nil || clk.Now().Before(want) || clk.Now().After(want.Add(time.Hour)) {
		t.Errorf("clock %v, want a scaled clock from %v", clk, want)
	}
	bad := *opts
	bad.startArg = "10am"
	if err := bad.validate(); err == nil || !strings.Contains(err.Error(), `invalid --start "10am": want an RFC 3339 time`) || !cmdutil.IsFlagError(err) {
		t.Errorf("bad --start: %v", err)
	}
	// Saturday night: the market starts at 10:00 on Monday.
	night := *opts
	night.startArg, night.StartAt = "", time.Time{}
	night.Now = func() time.Time { return time.Date(2026, 3, 14, 22, 0, 0, 0, ny) }
	if err := night.validate(); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 16, 10, 0, 0, 0, ny); !night.StartAt.Equal(want) {
		t.Errorf("start on a Saturday night: %v, want %v", night.StartAt, want)
	}
	// During the session: now, and a plain wall clock at speed 1.
	open := *opts
	open.startArg, open.Speed, open.StartAt = "", 1, time.Time{}
	open.Now = func() time.Time { return time.Date(2026, 3, 16, 11, 0, 0, 0, ny) }
	if err := open.validate(); err != nil {
		t.Fatal(err)
	}
	if !open.StartAt.IsZero() || open.config().Clock != nil {
		t.Errorf("start during the session: %v, clock %v; want the wall clock", open.StartAt, open.config().Clock)
	}
}
