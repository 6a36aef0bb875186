package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// lockedBuffer is a bytes.Buffer safe for the command and the test to
// share.
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

// TestSimControlEndToEnd runs "ibbot sim" with a control port on loopback,
// connects a TWS API client and a control connection, broadcasts 1102,
// reads the stats and quits the control connection; then it stops the
// simulator and expects every goroutine gone.
func TestSimControlEndToEnd(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	outR, outW := io.Pipe()
	var errOut lockedBuffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: outW, ErrOut: &errOut}}
	cmd := NewCmdSim(f, nil)
	cmd.SetArgs([]string{"--listen", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--log-format", "json", "--tick-interval", "1s"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		err := cmd.ExecuteContext(ctx)
		outW.Close()
		done <- err
	}()

	out := bufio.NewScanner(outR)
	readOut := func(prefix string) string {
		t.Helper()
		if !out.Scan() {
			t.Fatalf("stdout ended before %q (%v); stderr:\n%s", prefix, out.Err(), errOut.String())
		}
		addr, ok := strings.CutPrefix(out.Text(), prefix)
		if !ok {
			t.Fatalf("stdout line %q, want %q followed by an address", out.Text(), prefix)
		}
		if host, port, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" || port == "0" {
			t.Fatalf("printed address %q, want 127.0.0.1 and a real port", addr)
		}
		return addr
	}
	apiAddr := readOut("ibsim listening on ")
	ctlAddr := readOut("ibsim control on ")

	api := dialTWS(t, apiAddr, 7)
	defer api.Close()

	ctl, err := net.DialTimeout("tcp", ctlAddr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial control %s: %v", ctlAddr, err)
	}
	defer ctl.Close()
	_ = ctl.SetDeadline(time.Now().Add(10 * time.Second))
	answers := bufio.NewReader(ctl)
	ask := func(line string) string {
		t.Helper()
		if _, err := io.WriteString(ctl, line+"\n"); err != nil {
			t.Fatalf("send %q: %v", line, err)
		}
		a, err := answers.ReadString('\n')
		if err != nil {
			t.Fatalf("answer to %q: %v; stderr:\n%s", line, err, errOut.String())
		}
		return strings.TrimSuffix(a, "\n")
	}

	if a := ask("broadcast 1102"); a != "ok broadcast 1102" {
		t.Errorf("broadcast: %q", a)
	}
	api.waitError(t, 1102)

	a := ask("stats --json")
	body, ok := strings.CutPrefix(a, "ok ")
	if !ok {
		t.Fatalf("stats --json: %q", a)
	}
	var st struct {
		Clients    int              `json:"clients"`
		Messages   int64            `json:"messages"`
		ErrorsSent map[string]int64 `json:"errors_sent"`
		Conns      []struct {
			ClientID int64 `json:"client_id"`
			Open     bool  `json:"open"`
		} `json:"conns"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("stats --json answer %q: %v", body, err)
	}
	if st.Clients != 1 || st.Messages < 1 || st.ErrorsSent["1102"] != 1 || len(st.Conns) != 1 || st.Conns[0].ClientID != 7 || !st.Conns[0].Open {
		t.Errorf("stats = %+v, want client 7 connected and one 1102 sent", st)
	}

	if a := ask("quit"); a != "ok bye" {
		t.Errorf("quit: %q", a)
	}
	if _, err := answers.ReadString('\n'); err != io.EOF {
		t.Errorf("control connection after quit: %v, want EOF", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sim returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop within 10s of cancel")
	}
	if out.Scan() {
		t.Errorf("unexpected stdout line %q", out.Text())
	}
	logs := errOut.String()
	for _, want := range []string{`"msg":"ibsim control","source":"127.0.0.1:`, `"command":"broadcast 1102"`, `"msg":"stopping simulator"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("stderr lacks %s:\n%s", want, logs)
		}
	}
}

// twsConn is a bare TWS API client connection: enough to connect and read
// error messages.
type twsConn struct {
	net.Conn
	r *bufio.Reader
}

// dialTWS connects to a TWS API server as clientID and reads until the
// connection is set up (the last farm status message of startApi).
func dialTWS(t *testing.T, addr string, clientID int) *twsConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &twsConn{Conn: nc, r: bufio.NewReader(nc)}
	hello := binary.BigEndian.AppendUint32([]byte("API\x00"), uint32(len("v100..200")))
	if _, err := nc.Write(append(hello, "v100..200"...)); err != nil { // no NUL after the range
		t.Fatalf("handshake: %v", err)
	}
	if _, err := c.readFrame(); err != nil { // server version and time
		t.Fatalf("handshake answer: %v", err)
	}
	if _, err := nc.Write(frame("71", "2", fmt.Sprint(clientID), "")); err != nil {
		t.Fatalf("startApi: %v", err)
	}
	c.waitError(t, 2158)
	return c
}

// waitError reads messages until an error message with code arrives.
func (c *twsConn) waitError(t *testing.T, code int) {
	t.Helper()
	for {
		fields, err := c.readFrame()
		if err != nil {
			t.Fatalf("waiting for error %d: %v", code, err)
		}
		// errMsg at server version >= 194: 4, reqId, code, text, ...
		if len(fields) > 2 && fields[0] == "4" && fields[2] == fmt.Sprint(code) {
			return
		}
	}
}

func (c *twsConn) readFrame() ([]string, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > 1<<20 {
		return nil, errors.New("frame too large")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.r, p); err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(p), "\x00"), "\x00"), nil
}

// frame encodes fields as one length-prefixed TWS API message.
func frame(fields ...string) []byte {
	var p []byte
	for _, f := range fields {
		p = append(append(p, f...), 0)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...)
}
