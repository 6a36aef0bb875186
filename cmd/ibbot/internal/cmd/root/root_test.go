package root

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// TestMainExitCodes checks argv -> exit code and output, through the whole command tree.
func TestMainExitCodes(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   string // substring of stdout
		wantErr   string // substring of stderr
		emptyErrs bool
	}{
		{name: "version", args: []string{"--version"}, wantCode: 0, wantOut: "ibbot version v9.9.9\n", emptyErrs: true},
		{name: "help", args: nil, wantCode: 0, wantOut: "Available Commands:"},
		{name: "sim help", args: []string{"sim", "--help"}, wantCode: 0, wantOut: "--speed"},
		{name: "completion", args: []string{"completion", "bash"}, wantCode: 0, wantOut: "bash completion"},
		{name: "unknown command", args: []string{"trade"}, wantCode: 2, wantErr: "error: unknown command \"trade\" for \"ibbot\"\nRun 'ibbot --help' for usage.\n"},
		{name: "unknown flag", args: []string{"sim", "--fast"}, wantCode: 2, wantErr: "error: unknown flag: --fast\nRun 'ibbot sim --help' for usage.\n"},
		{name: "bad flag type", args: []string{"sim", "--seed", "x"}, wantCode: 2, wantErr: `invalid argument "x" for "--seed"`},
		{name: "bad flag value", args: []string{"sim", "--speed", "0"}, wantCode: 2, wantErr: "error: invalid --speed 0: must be > 0 and <= 100000\nRun 'ibbot sim --help' for usage.\n"},
		{name: "listen fails", args: []string{"sim", "--listen", "192.0.2.1:1"}, wantCode: 1, wantErr: "error: start simulator: ibsim: listen on 192.0.2.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			streams := &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			code := Main(context.Background(), "v9.9.9", tt.args, streams)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errOut.String(), tt.wantErr)
			}
			if tt.emptyErrs && errOut.Len() > 0 {
				t.Errorf("stderr %q, want empty", errOut.String())
			}
		})
	}
}

func TestVersionFrom(t *testing.T) {
	bi := func(v string, settings ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{Main: debug.Module{Path: "github.com/ibbot/ibbot", Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return b
	}
	tests := []struct {
		name string
		link string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"link time wins", "v1.2.3", bi("v0.0.1"), true, "v1.2.3"},
		{"go install module@version", "", bi("v0.4.0"), true, "v0.4.0"},
		{"checkout with revision", "", bi("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "false"), true, "devel+0123456789ab"},
		{"dirty checkout", "", bi("(devel)", "vcs.revision", "abc123", "vcs.modified", "true"), true, "devel+abc123-dirty"},
		{"no vcs stamp", "", bi("(devel)"), true, "devel"},
		{"no build info", "", nil, false, "devel"},
	}
	for _, tt := range tests {
		if got := versionFrom(tt.link, tt.bi, tt.ok); got != tt.want {
			t.Errorf("%s: versionFrom = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for the command and the test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestSimEndToEnd runs "ibbot sim" on a free loopback port, connects to
// the printed address, then cancels the context and expects a clean exit
// with every goroutine gone.
func TestSimEndToEnd(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	outR, outW := io.Pipe()
	var errOut lockedBuffer
	streams := &cmdutil.IOStreams{In: strings.NewReader(""), Out: outW, ErrOut: &errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	done := make(chan int, 1)
	go func() {
		code := Main(ctx, "test", []string{"sim", "--listen", "127.0.0.1:0", "--seed", "3", "--log-format", "json"}, streams)
		outW.Close()
		done <- code
	}()

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()

	var line string
	select {
	case line = <-lines:
	case code := <-done:
		t.Fatalf("sim exited early with code %d; stderr:\n%s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no address printed in 10s; stderr:\n%s", errOut.String())
	}
	addr, ok := strings.CutPrefix(line, "ibsim listening on ")
	if !ok {
		t.Fatalf("first stdout line %q, want \"ibsim listening on host:port\"", line)
	}
	if host, port, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("printed address %q, want 127.0.0.1 and a real port", addr)
	}

	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	conn.Close()

	cancel()
	select {
	case code := <-done:
		if code != cmdutil.ExitOK {
			t.Errorf("exit code %d after cancel, want 0; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop within 10s of cancel")
	}
	for range lines { // drain until the scanner sees the closed pipe
	}
	if logs := errOut.String(); !strings.Contains(logs, `"msg":"stopping simulator"`) {
		t.Errorf("stderr lacks the stop log:\n%s", logs)
	}
}

// TestRunConfigErrors: every configuration problem of "ibbot run" is a
// usage error (exit 2) naming the key, the value and what is allowed, and
// nothing is started.
func TestRunConfigErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "nope", "settings.yaml")
	tests := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{"missing file", []string{"run", "--config", missing}, []string{missing}},
		{"unknown key", []string{"run", "--config", file("unknown.yaml", "risk:\n  max_risk: 0.1\n")}, []string{"risk.max_risk", "unknown"}},
		{"bad value", []string{"run", "--config", file("bad.yaml", "risk:\n  stop_loss_pct: 1.5\n")}, []string{"risk.stop_loss_pct", "1.5", "less than 1"}},
		{"two problems", []string{"run", "--config", file("two.yaml", "schedule:\n  interval_seconds: 5\n  max_concurrent_symbols: 99\n")},
			[]string{"2 problems", `schedule.interval_seconds: "5": want 10..3600`, `schedule.max_concurrent_symbols: "99": want 1..32`}},
		{"malformed yaml", []string{"run", "--config", file("broken.yaml", "symbols: [SPY\nrisk:\n")}, []string{"broken.yaml"}},
		{"bad flag value", []string{"run", "--max-concurrent", "0"}, []string{"schedule.max_concurrent_symbols", "1..32"}},
		{"bad interval", []string{"run", "--interval", "1500ms"}, []string{"--interval"}},
		{"bad symbols", []string{"run", "--symbols", "SPY,,spy"}, []string{"symbols"}},
		{"bad cycles", []string{"run", "--cycles", "-1"}, []string{"--cycles"}},
		{"sim flag without sim", []string{"run", "--speed", "5"}, []string{"--speed needs --sim"}},
		{"live and what-if", []string{"run", "--sim", "--live", "--what-if"}, []string{"--what-if"}},
		{"bad log level", []string{"run", "--log-level", "loud"}, []string{"--log-level", "debug, info, warn or error"}},
		{"http not loopback", []string{"run", "--http", "0.0.0.0:9464"}, []string{"--http", "not a loopback address", "--http-allow-remote"}},
		{"http bad port", []string{"run", "--http", "127.0.0.1:99999"}, []string{"--http", "0 to 65535"}},
		{"allow remote alone", []string{"run", "--http-allow-remote"}, []string{"--http-allow-remote needs --http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			streams := &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			code := Main(context.Background(), "v9.9.9", tt.args, streams)
			if code != cmdutil.ExitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, cmdutil.ExitUsage, errOut.String())
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q, want it to contain %q", errOut.String(), w)
				}
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing: no run started", out.String())
			}
		})
	}
}
