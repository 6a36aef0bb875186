package root

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scmhub/ibapi"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/datadir"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// The test binary doubles as ibbot: with IBBOT_TEST_AS_MAIN=1 it runs
// root.Main on its arguments, so tests run real ibbot processes (signals,
// kill -9, exit codes) without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("IBBOT_TEST_AS_MAIN") == "1" {
		ibapi.SetLogLevel(7)
		os.Exit(Main(context.Background(), "v0.0.0-test", os.Args[1:], cmdutil.System()))
	}
	os.Exit(m.Run())
}

// proc is a running ibbot process whose standard error is read line by
// line.
type proc struct {
	t     *testing.T
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed and replaced on every line
	done  chan struct{} // closed when the process ended
	code  int
	out   strings.Builder
}

// start runs ibbot with args in its own process.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, more: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Env = append(os.Environ(), "IBBOT_TEST_AS_MAIN=1")
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			close(p.more)
			p.more = make(chan struct{})
			p.mu.Unlock()
		}
	}()
	go func() {
		defer readers.Done()
		b, _ := io.ReadAll(stdout)
		p.mu.Lock()
		p.out.Write(b)
		p.mu.Unlock()
	}()
	go func() {
		readers.Wait()
		err := p.cmd.Wait()
		p.mu.Lock()
		p.code = p.cmd.ProcessState.ExitCode()
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.code = -int(ws.Signal())
		}
		_ = err
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine waits for a standard error line containing all of subs and
// returns it.
func (p *proc) waitLine(d time.Duration, subs ...string) string {
	p.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	from := 0
	for {
		p.mu.Lock()
		for ; from < len(p.lines); from++ {
			ok := true
			for _, s := range subs {
				ok = ok && strings.Contains(p.lines[from], s)
			}
			if ok {
				l := p.lines[from]
				p.mu.Unlock()
				return l
			}
		}
		more := p.more
		p.mu.Unlock()
		select {
		case <-more:
		case <-p.done:
			// A last look: lines read before the end are all in.
			p.mu.Lock()
			n := len(p.lines)
			p.mu.Unlock()
			if from == n {
				p.t.Fatalf("ibbot %v exited (code %d) without a line with %q; stderr:\n%s", p.cmd.Args[1:], p.exitCode(), subs, p.stderr())
			}
		case <-deadline.C:
			p.t.Fatalf("no line with %q from ibbot %v within %v; stderr:\n%s", subs, p.cmd.Args[1:], d, p.stderr())
		}
	}
}

// wait waits for the process to end and returns its exit code (negative:
// killed by that signal).
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.exitCode()
	case <-time.After(d):
		p.t.Fatalf("ibbot %v still running after %v; stderr:\n%s", p.cmd.Args[1:], d, p.stderr())
		return 0
	}
}

func (p *proc) exitCode() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code
}

func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := strings.Join(p.lines, "\n")
	if len(s) > 4000 {
		s = "..." + s[len(s)-4000:]
	}
	return s
}

func (p *proc) stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

const (
	procStart = 60 * time.Second // a process's start under -race on a loaded machine
	procStop  = 30 * time.Second
)

// Two runs on one data dir: the second exits 1 at once naming the dir and
// the holder's PID; status says who runs; kill -9 of the holder frees the
// lock (the kernel's), and a new run starts; a clean stop leaves status
// "not running" (exit 3).
func TestOneRunPerDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ibbot processes")
	}
	t.Parallel()
	dir := t.TempDir()
	args := []string{"run", "--sim", "--data-dir", dir, "--log-format", "json", "--interval", "60s"}
	first := start(t, args...)
	first.waitLine(procStart, `"msg":"run_start"`)
	simDir := dir + "/sim"

	second := start(t, args...)
	if code := second.wait(procStart); code != cmdutil.ExitError {
		t.Errorf("second run exit code %d, want %d", code, cmdutil.ExitError)
	}
	msg := second.stderr()
	for _, want := range []string{"data dir " + simDir + " is in use", fmt.Sprintf("PID %d", first.cmd.Process.Pid), "client id 1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("second run's error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "run_start") {
		t.Error("the refused run started anyway")
	}

	st := start(t, "status", "--data-dir", dir, "--sim")
	if code := st.wait(procStart); code != cmdutil.ExitOK {
		t.Errorf("status exit code %d while a bot runs, want 0; %s", code, st.stdout())
	}
	if out := st.stdout(); !strings.Contains(out, fmt.Sprintf("running: ibbot run PID %d on %s", first.cmd.Process.Pid, simDir)) {
		t.Errorf("status says %q", out)
	}

	// kill -9: no stale lock.
	first.signal(syscall.SIGKILL)
	if code := first.wait(procStop); code != -int(syscall.SIGKILL) {
		t.Fatalf("first run ended with %d, want killed", code)
	}
	third := start(t, args...)
	third.waitLine(procStart, `"msg":"run_start"`)
	third.signal(syscall.SIGTERM)
	if code := third.wait(procStop); code != cmdutil.ExitOK {
		t.Errorf("SIGTERM: exit code %d, want 0; stderr:\n%s", code, third.stderr())
	}
	third.waitLine(time.Second, `"msg":"run_complete"`)
	s, err := datadir.Check(simDir)
	if err != nil || s.Running || !s.Known || s.Info.PID != third.cmd.Process.Pid {
		t.Errorf("after a clean stop: %+v, %v", s, err)
	}
	st = start(t, "status", "--data-dir", dir, "--sim", "--json")
	if code := st.wait(procStart); code != cmdutil.ExitNotRunning {
		t.Errorf("status exit code %d with no bot, want %d", code, cmdutil.ExitNotRunning)
	}
	if out := st.stdout(); !strings.Contains(out, `"running": false`) {
		t.Errorf("status --json says %q", out)
	}
}

// A clean stop disconnects before the process exits: a restart right
// after connects with the same client id and the Gateway sends no 326. A
// second bot with the same client id on another data dir is told plainly
// who holds the id, retries, and runs once the first stops.
func TestClientIDHandover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ibbot processes")
	}
	t.Parallel()
	srv, err := ibsim.Start(ibsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, port, err := cmdutil.SplitAddr(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	gw := []string{"--host", "127.0.0.1", "--port", fmt.Sprint(port), "--client-id", "9", "--log-format", "json"}
	d1, d2 := t.TempDir(), t.TempDir()

	a := start(t, append([]string{"run", "--data-dir", d1}, gw...)...)
	a.waitLine(procStart, `"msg":"run_start"`)
	a.signal(syscall.SIGTERM)
	if code := a.wait(procStop); code != cmdutil.ExitOK {
		t.Fatalf("SIGTERM: exit code %d; stderr:\n%s", code, a.stderr())
	}
	b := start(t, append([]string{"run", "--data-dir", d1}, gw...)...)
	b.waitLine(procStart, `"msg":"run_start"`)
	if n := srv.Stats().ErrorsSent[326]; n != 0 {
		t.Errorf("a restart right after a clean stop got 326 %d times", n)
	}

	c := start(t, append([]string{"run", "--data-dir", d2}, gw...)...)
	line := c.waitLine(procStart, `"event":"client_id_in_use"`)
	if !strings.Contains(line, fmt.Sprintf("another session holds client id 9 on 127.0.0.1:%d", port)) {
		t.Errorf("the refusal says %q", line)
	}
	c.waitLine(procStart, `"event":"client_id_in_use"`, `"attempt":2`)
	if strings.Contains(c.stderr(), "run_start") {
		t.Fatal("the second bot started while the first holds the client id")
	}
	b.signal(syscall.SIGTERM)
	if code := b.wait(procStop); code != cmdutil.ExitOK {
		t.Fatalf("SIGTERM: exit code %d; stderr:\n%s", code, b.stderr())
	}
	c.waitLine(procStart, `"msg":"run_start"`)
	c.signal(syscall.SIGTERM)
	if code := c.wait(procStop); code != cmdutil.ExitOK {
		t.Errorf("SIGTERM: exit code %d; stderr:\n%s", code, c.stderr())
	}
	if n := srv.Stats().ErrorsSent[326]; n < 2 {
		t.Errorf("326 sent %d times: the second bot was never refused and retried", n)
	}
}
