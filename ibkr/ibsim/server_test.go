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
	if want := s.cfg.MaxServerVersion; st.Clients != 1 || st.Conns[0].Version != want || st.Conns[0].ClientID != 7 {
		t.Errorf("stats = %+v, want one client id 7 at version %d", st, want)
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
	high := strconv.Itoa(HighestServerVersion)
	s := startSim(t, Config{MaxServerVersion: HighestServerVersion})
	text := startSim(t, Config{MaxServerVersion: 200})
	for _, tc := range []struct {
		srv      *Server
		in, want string
	}{
		{s, "v100..225", high},
		{s, "v100..225 +PACEAPI", high},
		{s, "v100..203", "203"},
		{s, "v201", "201"},
		{s, "v157..178", "178"},
		{s, "v100..151", "151"},
		{s, "v176", "176"},
		{s, "v100..188", "186"},
		{text, "v100..225", "200"},
		{text, "v193", "193"},
	} {
		_, _, f := rawHandshake(t, tc.srv.Addr(), tc.in)
		if len(f) != 2 || f[0] != tc.want {
			t.Errorf("%s: reply %q, want version %s and a time", tc.in, f, tc.want)
		}
	}
	// A client whose minimum is above what the server speaks is refused.
	nc, err := net.Dial("tcp", text.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	hello := binary.BigEndian.AppendUint32([]byte("API\x00"), uint32(len("v201..225")))
	if _, err := nc.Write(append(hello, "v201..225"...)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
	if p, err := wire.ReadFrame(bufio.NewReader(nc)); err == nil {
		t.Errorf("v201..225 against a 200 server: got %q, want the socket closed", p)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("v201..225 against a 200 server: socket left open, want it closed")
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

func TestReqCurrentTimeInMillis(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 123e6, market.NewYork)
	for _, v := range []int{200, HighestServerVersion} {
		s := startSim(t, Config{Clock: NewVirtualClock(at), MaxServerVersion: v})
		c, r := dial(t, s, 1)
		c.ReqCurrentTimeInMillis()
		if e := r.waitKind(t, "CurrentTimeInMillis", anyReq); e.Data.(int64) != at.UnixMilli() {
			t.Errorf("v%d: currentTimeInMillis = %v, want %d", v, e.Data, at.UnixMilli())
		}
	}
}
