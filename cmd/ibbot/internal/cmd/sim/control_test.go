package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// fakePanel is a Panel that records its calls as text.
type fakePanel struct {
	mu    sync.Mutex
	calls []string

	stats      ibsim.Stats
	killOK     bool
	restartErr error
	// restartGate, when set, makes Restart report on entered and wait
	// for release.
	restartGate *gate
}

// gate lets a test hold a call open.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func (p *fakePanel) record(format string, args ...any) {
	p.mu.Lock()
	p.calls = append(p.calls, fmt.Sprintf(format, args...))
	p.mu.Unlock()
}

// Calls returns the calls so far.
func (p *fakePanel) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

func (p *fakePanel) Stats() ibsim.Stats { return p.stats }
func (p *fakePanel) DropAll()           { p.record("DropAll()") }
func (p *fakePanel) KillClient(id int64, hold time.Duration) bool {
	p.record("KillClient(%d, %v)", id, hold)
	return p.killOK
}
func (p *fakePanel) HoldClientID(id int64, d time.Duration) { p.record("HoldClientID(%d, %v)", id, d) }
func (p *fakePanel) Restart(down time.Duration) error {
	p.record("Restart(%v)", down)
	if g := p.restartGate; g != nil {
		g.entered <- struct{}{}
		<-g.release
	}
	return p.restartErr
}
func (p *fakePanel) Broadcast(code int) error {
	p.record("Broadcast(%d)", code)
	if code != 1100 && code != 1101 && code != 1102 && code != 2110 {
		return fmt.Errorf("ibsim: Broadcast(%d): want one of ...", code)
	}
	return nil
}
func (p *fakePanel) SetCompetingSession(on bool)           { p.record("SetCompetingSession(%v)", on) }
func (p *fakePanel) SetLatency(msgID int, d time.Duration) { p.record("SetLatency(%d, %v)", msgID, d) }
func (p *fakePanel) Hang(msgID int)                        { p.record("Hang(%d)", msgID) }
func (p *fakePanel) RejectNextOrders(n, code int, text string) {
	p.record("RejectNextOrders(%d, %d, %q)", n, code, text)
}
func (p *fakePanel) SendMalformed(id int64) error {
	p.record("SendMalformed(%d)", id)
	if id != 7 {
		return fmt.Errorf("%w: %d", ibsim.ErrNoClient, id)
	}
	return nil
}

// twoClients are stats with clients 7 and 9 connected and client 3 gone.
var twoClients = ibsim.Stats{
	Clients: 2, Connections: 3, Messages: 42, PeakWindow: 5,
	ErrorsSent:      map[int]int64{2104: 2, 1102: 1},
	MarketDataLines: 3, MarketDataLinesPeak: 4, HistoricalOpen: 1,
	OrdersReceived: 6, OrdersAccepted: 4, OrderFills: 2, OrderRejects: 2,
	Conns: []ibsim.ConnStats{
		{ConnID: 1, ClientID: 3, Open: false},
		{ConnID: 2, ClientID: 7, Open: true},
		{ConnID: 3, ClientID: 9, Open: true},
		{ConnID: 4, ClientID: -1, Open: true},
	},
}

// TestControlExec checks control lines -> panel calls and answers.
func TestControlExec(t *testing.T) {
	tests := []struct {
		line      string
		killOK    bool
		restart   error
		wantCalls []string
		want      string // the answer; a trailing "*" matches any rest
		wantQuit  bool
	}{
		// Lines without an answer.
		{line: "", want: ""},
		{line: "   \t ", want: ""},
		{line: "# a comment", want: ""},

		{line: "help", want: "ok commands: help [COMMAND] | stats [--json] | drop | kill CLIENTID [HOLD] | hold CLIENTID DURATION | restart DURATION | broadcast CODE | competing on|off | latency MSGID DURATION | hang MSGID | unhang MSGID | reject N CODE TEXT... | malformed CLIENTID | quit (help COMMAND describes one)"},
		{line: "help kill", want: "ok kill CLIENTID [HOLD]: close one client's connection abruptly; with HOLD its id is refused with 326 for that long"},
		{line: "HELP Restart", want: "ok restart DURATION: restart the Gateway*"},
		{line: "help frobnicate", want: `error: help: unknown command "frobnicate"; commands: help, stats, drop, *`},
		{line: "help a b", want: "error: usage: help [COMMAND] (got 2 arguments)"},
		{line: "frobnicate 3", want: `error: unknown command "frobnicate"; commands: help, stats, drop, kill, hold, restart, broadcast, competing, latency, hang, unhang, reject, malformed, quit (help COMMAND describes one)`},

		{line: "stats", want: "ok clients=2 connections=3 refused=0 bad_handshakes=0 messages=42 peak_window=5 errors=1102:1,2104:2 lines=3 lines_peak=4 historical_open=1 orders=6 accepted=4 fills=2 rejects=2"},
		{line: "stats --json", want: `ok {"clients":2,"connections":3,*`},
		{line: "stats --yaml", want: `error: stats: unknown option "--yaml"; want nothing or --json`},

		{line: "drop", wantCalls: []string{"DropAll()"}, want: "ok dropped every client connection"},
		{line: "drop 3", want: "error: drop takes no arguments, got 1"},

		{line: "kill 7", killOK: true, wantCalls: []string{"KillClient(7, 0s)"}, want: "ok killed client 7"},
		{line: "  kill   7   1m  ", killOK: true, wantCalls: []string{"KillClient(7, 1m0s)"}, want: "ok killed client 7; id 7 held for 1m0s"},
		{line: "kill 5 30s", wantCalls: []string{"KillClient(5, 30s)"}, want: "ok client 5 was not connected; id 5 held for 30s"},
		{line: "kill 5", wantCalls: []string{"KillClient(5, 0s)"}, want: "error: kill: no connected client with id 5 (connected: 7, 9)"},
		{line: "kill", want: "error: usage: kill CLIENTID [HOLD] (got 0 arguments)"},
		{line: "kill 1 2s 3", want: "error: usage: kill CLIENTID [HOLD] (got 3 arguments)"},
		{line: "kill x", want: `error: kill: CLIENTID "x": want an API client id, a 32-bit whole number such as 0 or 17`},
		{line: "kill 99999999999", want: `error: kill: CLIENTID "99999999999": want an API client id*`},
		{line: "kill 7 soon", want: `error: kill: HOLD "soon" is not a duration; want e.g. 500ms, 30s, 2m, 1m30s`},
		{line: "kill 7 -1s", want: "error: kill: HOLD -1s must not be negative"},

		{line: "hold 3 2m", wantCalls: []string{"HoldClientID(3, 2m0s)"}, want: "ok client id 3 held for 2m0s"},
		{line: "hold 3 0s", want: "error: hold: DURATION 0s must be more than 0"},
		{line: "hold 3 5", want: `error: hold: DURATION "5" is not a duration*`},
		{line: "hold 3", want: "error: usage: hold CLIENTID DURATION (got 1 argument)"},

		{line: "restart 5s", wantCalls: []string{"Restart(5s)"}, want: "ok restarted after 5s down; accepting connections again"},
		{line: "restart 0", wantCalls: []string{"Restart(0s)"}, want: "ok restarted after 0s down; accepting connections again"},
		{line: "restart 1s", restart: ibsim.ErrClosed, wantCalls: []string{"Restart(1s)"}, want: "error: restart: ibsim: server closed"},
		{line: "restart -5s", want: "error: restart: DURATION -5s must not be negative"},
		{line: "restart", want: "error: usage: restart DURATION (got 0 arguments)"},

		{line: "broadcast 1102", wantCalls: []string{"Broadcast(1102)"}, want: "ok broadcast 1102"},
		{line: "broadcast 42", wantCalls: []string{"Broadcast(42)"}, want: "error: broadcast: code 42: want one of 1100, 1101, 1102, 2103, 2104, 2105, 2106, 2110, 2157, 2158"},
		{line: "broadcast lost", want: `error: broadcast: CODE "lost" is not a number; want one of 1100, *`},

		{line: "competing on", wantCalls: []string{"SetCompetingSession(true)"}, want: "ok competing session on"},
		{line: "competing OFF", wantCalls: []string{"SetCompetingSession(false)"}, want: "ok competing session off"},
		{line: "competing yes", want: `error: competing: "yes": want on or off`},

		{line: "latency 20 2s", wantCalls: []string{"SetLatency(20, 2s)"}, want: "ok message 20 answered after 2s"},
		{line: "latency 20 0", wantCalls: []string{"SetLatency(20, 0s)"}, want: "ok message 20 answered without delay"},
		{line: "latency 71 1s", want: `error: latency: MSGID "71": want a request message id, a whole number > 0 other than 71 (startApi)*`},
		{line: "latency 0 1s", want: `error: latency: MSGID "0": want a request message id*`},
		{line: "latency 20 -1s", want: "error: latency: DURATION -1s must not be negative"},

		{line: "hang 9", wantCalls: []string{"Hang(9)"}, want: "ok message 9 never answered (unhang 9 undoes it)"},
		{line: "hang reqContractDetails", want: `error: hang: MSGID "reqContractDetails": want a request message id*`},
		{line: "unhang 9", wantCalls: []string{"SetLatency(9, 0s)"}, want: "ok message 9 answered normally"},

		{line: "reject 2 201 Order rejected -  reason: margin", wantCalls: []string{`RejectNextOrders(2, 201, "Order rejected -  reason: margin")`}, want: `ok next 2 orders rejected with 201 "Order rejected -  reason: margin"`},
		{line: "reject 1 201 x", wantCalls: []string{`RejectNextOrders(1, 201, "x")`}, want: `ok next 1 order rejected with 201 "x"`},
		{line: "reject 0", wantCalls: []string{`RejectNextOrders(0, 0, "")`}, want: "ok order rejections cleared"},
		{line: "reject 0 201 x", want: "error: reject: reject 0 clears the rejections and takes no CODE or TEXT"},
		{line: "reject 2 201", want: "error: reject: usage: reject N CODE TEXT... (got 2 arguments), e.g. *"},
		{line: "reject -1 201 x", want: `error: reject: N "-1": want a whole number of orders, 0 or more (reject 0 clears)`},
		{line: "reject 1 margin x", want: `error: reject: CODE "margin": want a positive error code, e.g. 201`},
		{line: "reject", want: "error: usage: reject N CODE TEXT... (got 0 arguments)"},

		{line: "malformed 7", wantCalls: []string{"SendMalformed(7)"}, want: "ok sent client 7 a malformed tickPrice"},
		{line: "malformed 8", wantCalls: []string{"SendMalformed(8)"}, want: "error: malformed: no connected client with id 8 (connected: 7, 9)"},

		{line: "quit", want: "ok bye", wantQuit: true},
		{line: "quit now", want: "error: quit takes no arguments, got 1"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			p := &fakePanel{stats: twoClients, killOK: tt.killOK, restartErr: tt.restart}
			a := newController(p).exec(tt.line)
			if !matches(a.reply, tt.want) {
				t.Errorf("answer\n %q\nwant\n %q", a.reply, tt.want)
			}
			if a.quit != tt.wantQuit {
				t.Errorf("quit = %v, want %v", a.quit, tt.wantQuit)
			}
			if got := p.Calls(); strings.Join(got, "; ") != strings.Join(tt.wantCalls, "; ") {
				t.Errorf("calls %q, want %q", got, tt.wantCalls)
			}
		})
	}
}

// matches compares an answer with a want that may end in "*".
func matches(got, want string) bool {
	if prefix, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(got, prefix)
	}
	return got == want
}

func TestControlStatsJSON(t *testing.T) {
	for _, st := range []ibsim.Stats{twoClients, {}} {
		a := newController(&fakePanel{stats: st}).exec("stats --json")
		body, ok := strings.CutPrefix(a.reply, "ok ")
		if !ok {
			t.Fatalf("answer %q", a.reply)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
		for _, k := range []string{"clients", "messages", "peak_window", "errors_sent", "market_data_lines", "market_data_lines_peak", "orders_received", "order_fills", "order_rejects", "conns"} {
			if _, ok := got[k]; !ok {
				t.Errorf("stats JSON %s lacks %q", body, k)
			}
		}
		if errs, ok := got["errors_sent"].(map[string]any); !ok {
			t.Errorf("errors_sent = %v, want an object", got["errors_sent"])
		} else if st.Clients == 2 && errs["1102"] != 1.0 {
			t.Errorf("errors_sent = %v, want 1102: 1", errs)
		}
	}
}

// TestControlRestartOnce checks that a second restart is refused while one
// is running, and allowed after it.
func TestControlRestartOnce(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	p := &fakePanel{restartGate: g}
	c := newController(p)
	first := make(chan answer)
	go func() { first <- c.exec("restart 1s") }()
	<-g.entered
	if a := c.exec("restart 2s"); a.reply != "error: restart: a restart is already in progress; wait for its answer" {
		t.Errorf("second restart: %q", a.reply)
	}
	if a := c.exec("stats"); !strings.HasPrefix(a.reply, "ok clients=0") {
		t.Errorf("stats during a restart: %q", a.reply)
	}
	close(g.release)
	if a := <-first; a.reply != "ok restarted after 1s down; accepting connections again" {
		t.Errorf("first restart: %q", a.reply)
	}
	p.restartGate = nil
	if a := c.exec("restart 0s"); !strings.HasPrefix(a.reply, "ok ") {
		t.Errorf("restart after the first ended: %q", a.reply)
	}
}

// TestControlSession checks a script -> answers, one per answered line.
func TestControlSession(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		wantQuit bool
		wantErr  error
		wantLog  []string // substrings of the log
	}{
		{
			name:    "script",
			in:      "# faults\n\ncompeting on\r\nbogus\nstats\n",
			want:    "ok competing session on\nerror: unknown command \"bogus\"; commands: help, stats, drop, kill, hold, restart, broadcast, competing, latency, hang, unhang, reject, malformed, quit (help COMMAND describes one)\nok clients=0 connections=0 refused=0 bad_handshakes=0 messages=0 peak_window=0 errors=none lines=0 lines_peak=0 historical_open=0 orders=0 accepted=0 fills=0 rejects=0\n",
			wantLog: []string{`msg="ibsim control" source=test command="competing on" answer="ok competing session on"`},
		},
		{name: "quit stops reading", in: "hang 9\nquit\nhang 20\n", want: "ok message 9 never answered (unhang 9 undoes it)\nok bye\n", wantQuit: true},
		{name: "no final newline", in: "drop", want: "ok dropped every client connection\n"},
		{name: "empty", in: "", want: ""},
		{name: "line too long", in: "drop\n" + strings.Repeat("x", maxControlLine+1) + "\ndrop\n", want: "ok dropped every client connection\nerror: line longer than 4096 bytes; closing the session\n", wantErr: bufio.ErrTooLong},
		{name: "binary junk", in: "\x00\xff\xfe kill\x00\n", want: "error: unknown command \"\\x00\\xff\\xfe\"*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			stop := make(chan struct{})
			lines := scanLines(strings.NewReader(tt.in), stop)
			quit, err := newController(&fakePanel{}).session(context.Background(), lines, &out, "test", log)
			close(stop)
			for range lines {
			}
			if quit != tt.wantQuit || !errors.Is(err, tt.wantErr) || tt.wantErr == nil && err != nil {
				t.Errorf("session = %v, %v; want %v, %v", quit, err, tt.wantQuit, tt.wantErr)
			}
			if !matches(out.String(), tt.want) {
				t.Errorf("answers\n%q\nwant\n%q", out.String(), tt.want)
			}
			for _, w := range tt.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logs.String())
				}
			}
		})
	}
}

// TestControlServer checks the TCP control port with a fake panel: two
// sessions at once, quit closing one, Close ending the other.
func TestControlServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := &fakePanel{stats: twoClients, killOK: true}
	s, err := listenControl("127.0.0.1:0", newController(p), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	dial := func() (net.Conn, *bufio.Reader) {
		t.Helper()
		c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		return c, bufio.NewReader(c)
	}
	ask := func(c net.Conn, r *bufio.Reader, line string) string {
		t.Helper()
		if _, err := io.WriteString(c, line+"\n"); err != nil {
			t.Fatalf("send %q: %v", line, err)
		}
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("answer to %q: %v", line, err)
		}
		return strings.TrimSuffix(got, "\n")
	}

	a, ar := dial()
	defer a.Close()
	b, br := dial()
	defer b.Close()
	if got := ask(a, ar, "kill 7 1m"); got != "ok killed client 7; id 7 held for 1m0s" {
		t.Errorf("a: kill: %q", got)
	}
	if got := ask(b, br, "latency 20 x"); !strings.HasPrefix(got, `error: latency: DURATION "x" is not a duration`) {
		t.Errorf("b: bad latency: %q", got)
	}
	if got := ask(a, ar, "quit"); got != "ok bye" {
		t.Errorf("a: quit: %q", got)
	}
	if _, err := ar.ReadString('\n'); err != io.EOF {
		t.Errorf("a after quit: read error %v, want EOF", err)
	}
	if got := ask(b, br, "hang 9"); got != "ok message 9 never answered (unhang 9 undoes it)" {
		t.Errorf("b: hang: %q", got)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := br.ReadString('\n'); err != io.EOF {
		t.Errorf("b after Close: read error %v, want EOF", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if got, want := strings.Join(p.Calls(), "; "), "KillClient(7, 1m0s); Hang(9)"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}

func TestListenControlRefusesNonLoopback(t *testing.T) {
	// A name that resolves beyond loopback is caught after listening; the
	// flag check refuses literal addresses before.
	ifaces, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range ifaces {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
			continue
		}
		s, err := listenControl(net.JoinHostPort(ipn.IP.String(), "0"), newController(&fakePanel{}), slog.New(slog.DiscardHandler))
		if err == nil {
			s.Close()
			t.Fatalf("listenControl on %s succeeded", ipn.IP)
		}
		if !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("error %q", err)
		}
		return
	}
	t.Skip("no non-loopback IPv4 address")
}

// FuzzControlExec checks that no line crashes the controller and that every
// answer is one line starting with "ok " or "error: ".
func FuzzControlExec(f *testing.F) {
	for _, s := range []string{"help", "stats --json", "kill 7 1m", "hold 3 x", "restart 0", "broadcast 1102",
		"competing on", "latency 20 2s", "hang 9", "unhang 9", "reject 2 201 no margin", "malformed 7", "quit",
		"kill 99999999999999999999", "latency 20 9999999999h", "reject 1 1 \x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n") {
			return // the scanner splits lines
		}
		p := &fakePanel{stats: twoClients}
		a := newController(p).exec(line)
		if a.reply == "" {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				t.Fatalf("no answer to %q", line)
			}
			return
		}
		if !strings.HasPrefix(a.reply, "ok ") && !strings.HasPrefix(a.reply, "error: ") || strings.ContainsAny(a.reply, "\r\n") {
			t.Fatalf("answer to %q: %q", line, a.reply)
		}
	})
}
