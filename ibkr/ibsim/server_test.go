package ibsim

import (
	"bufio"
	"encoding/binary"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

func TestHandshakeBootstrapOrder(t *testing.T) {
	s := startSim(t, Config{Account: "DU7654321"})
	_, r := dial(t, s, 7)
	r.waitError(t, -1, 2158)
	var kinds []string
	for _, e := range r.all() {
		switch e.Kind {
		case "ManagedAccounts", "NextValidID":
			kinds = append(kinds, e.Kind)
		case "Error":
			kinds = append(kinds, "Error"+itoa(e.Code))
		}
	}
	want := []string{"ManagedAccounts", "NextValidID", "Error2104", "Error2106", "Error2158"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("bootstrap order = %v, want %v", kinds, want)
	}
	if e := r.waitKind(t, "ManagedAccounts", anyReq); e.Msg != "DU7654321" {
		t.Errorf("managed accounts = %q, want DU7654321", e.Msg)
	}
	if e := r.waitKind(t, "NextValidID", anyReq); e.Data.(int64) != 1 {
		t.Errorf("nextValidId = %v, want 1", e.Data)
	}
	st := s.Stats()
	if st.Clients != 1 || st.Conns[0].Version != 200 || st.Conns[0].ClientID != 7 {
		t.Errorf("stats = %+v, want one client id 7 at version 200", st)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestCurrentTimeAndReqIDsOnVirtualClock(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	clk := NewVirtualClock(at)
	s := startSim(t, Config{Clock: clk})
	c, r := dial(t, s, 1)
	c.ReqCurrentTime()
	if e := r.waitKind(t, "CurrentTime", anyReq); e.Data.(int64) != at.Unix() {
		t.Fatalf("currentTime = %v, want %d", e.Data, at.Unix())
	}
}

// rawConn performs the handshake by hand; it returns the reader.
func rawHandshake(t *testing.T, addr, versions string) (net.Conn, *bufio.Reader, []string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	var b []byte
	b = append(b, "API\x00"...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(versions)))
	b = append(b, versions...)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
	p, err := wire.ReadFrame(br)
	if err != nil {
		t.Fatalf("handshake reply: %v", err)
	}
	return nc, br, wire.SplitFields(p)
}

func TestVersionNegotiation(t *testing.T) {
	s := startSim(t, Config{})
	for _, tc := range []struct{ in, want string }{
		{"v100..225", "200"},
		{"v100..225 +PACEAPI", "200"},
		{"v157..178", "178"},
		{"v100..151", "151"},
		{"v176", "176"},
		{"v100..188", "186"},
	} {
		_, _, f := rawHandshake(t, s.Addr(), tc.in)
		if len(f) != 2 || f[0] != tc.want {
			t.Errorf("%s: reply %q, want version %s and a time", tc.in, f, tc.want)
		}
	}
}

func TestNonAPISocketIsClosed(t *testing.T) {
	s := startSim(t, Config{})
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
	var buf [16]byte
	n, err := nc.Read(buf[:])
	if err == nil {
		t.Fatalf("read %q from a non-API socket, want it closed", buf[:n])
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("socket left open after a non-API prefix")
	}
	// The server counted it before it closed the socket.
	if s.Stats().BadHandshakes != 1 {
		t.Errorf("BadHandshakes = %d, want 1", s.Stats().BadHandshakes)
	}
}
