package ibsim

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// frameText frames NUL-terminated text fields as a client does.
func frameText(fields ...string) []byte {
	return wire.EncodeFrame(fields...)
}

// clientHello is the handshake and startApi of a client at version range vr.
func clientHello(vr string, clientID string) []byte {
	var b []byte
	b = append(b, "API\x00"...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(vr)))
	b = append(b, vr...)
	b = append(b, frameText("71", "2", clientID, "")...)
	return b
}

// serveBytes runs one server connection over an in-memory pipe, feeding it
// data as the client's bytes and discarding what the server writes. It
// returns when the server has finished with the connection.
func serveBytes(s *Server, connID int64, data []byte) {
	srvEnd, cliEnd := net.Pipe()
	c := newClient(s, srvEnd, connID)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(io.Discard, cliEnd)
	}()
	go func() {
		defer wg.Done()
		_, _ = cliEnd.Write(data)
		// Give the server the end of the stream; it must then finish.
		_ = cliEnd.Close()
	}()
	c.serve()
	_ = cliEnd.Close()
	wg.Wait()
}

// seedRequests are real request frames (text fields as scmhub/ibapi
// encodes them at version 200).
func seedRequests() [][]string {
	return [][]string{
		{"49", "1"},
		{"8", "1", "1"},
		{"59", "1", "3"},
		{"9", "8", "1", "0", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "", "", ""},
		{"78", "2", "SPY", "", "STK", "756733"},
		{"1", "11", "3", "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "", "0", "0", ""},
		{"1", "11", "4", "0", "SPY", "OPT", "20260320", "600", "C", "100", "SMART", "", "USD", "", "", "0", "", "1", "0", ""},
		{"2", "2", "3"},
		{"20", "5", "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "", "1 min", "1 D", "1", "TRADES", "1", "0", ""},
		{"25", "1", "5"},
		{"5", "1"},
		{"61", "1"},
		{"7", "3", "6", "0", "", "", "", "", "", "", "", "0"},
		{"99", "0"},
		{"91", "26"},
		{"91", "-1"},
		{"74", "1", "5", "DU1234567", ""},
		{"75", "1", "5"},
		{"76", "1", "6", "DU1234567", "", "1"},
		{"77", "1", "6"},
		{"10", "5", "7", "756733", "SPY", "STK", "", "0", "", "", "ARCA", "", "USD", "", "", "5", "0", ""},
		{"10", "5", "8", "0", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "100", "1", ""},
		{"11", "1", "7", "0"},
		{"82"},
		// Histogram, historical ticks, tick-by-tick and the schedule.
		{"88", "7", "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "1", "3 days"},
		{"89", "7"},
		{"90", "6"},
		{"96", "8", "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "", "20260310 09:45:00 US/Eastern", "100", "BID_ASK", "1", "1", ""},
		{"97", "9", "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "BidAsk", "5", "1"},
		{"98", "9"},
		{"20", "10", "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "", "1 day", "5 D", "1", "SCHEDULE", "1", "0", ""},
		{"85"},
		{"86", "5", "756733", "BRFG+DJNL", "", "", "10", ""},
		{"84", "6", "BRFG", "BRFG$0000b26d01c0ffee", ""},
		{"12", "1", "1"},
		{"24", "1"},
		{"22", "7", "10", "STK", "STK.US.MAJOR", "TOP_PERC_GAIN", "", "", "", "", "", "", "", "", "", "", "", "", "", "0", "", "", "", "", ""},
		{"23", "1", "7"},
		{"55", "2", "10", "0", "SPY", "OPT", "20260320", "600", "C", "", "SMART", "", "USD", "", "", "0.2", "600", ""},
		{"54", "3", "11", "0", "SPY", "OPT", "20260320", "600", "C", "", "SMART", "", "USD", "", "", "10", "600", ""},
		{"18", "1", "1"},
	}
}

// FuzzRequest feeds one arbitrary request payload to a connection that
// completed a valid handshake and startApi. The server must neither panic
// nor hang, whatever the fields.
func FuzzRequest(f *testing.F) {
	for _, r := range seedRequests() {
		f.Add([]byte(strings.Join(r, "\x00") + "\x00"))
		// Truncated and corrupted variants.
		f.Add([]byte(strings.Join(r[:len(r)/2], "\x00")))
		bad := append([]string(nil), r...)
		bad[len(bad)/2] = "x!"
		f.Add([]byte(strings.Join(bad, "\x00") + "\x00"))
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00"))
	f.Add([]byte("99999999999999999999999\x00"))
	s, err := Start(Config{Clock: NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var conn int64
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > wire.MaxFrameLen {
			return
		}
		conn++
		data := clientHello("v100..200", "0")
		var hdr [4]byte
		binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
		data = append(data, hdr[:]...)
		data = append(data, payload...)
		// A request after it proves the connection still serves.
		data = append(data, frameText("49", "1")...)
		serveBytes(s, 1_000_000+conn, data)
	})
}

// FuzzStream feeds arbitrary bytes from the very first byte: handshake,
// framing and requests. The server must neither panic nor hang.
func FuzzStream(f *testing.F) {
	hello := clientHello("v100..200 +PACEAPI", "5")
	f.Add(hello)
	f.Add(clientHello("v157..178", "6"))
	for _, r := range seedRequests() {
		f.Add(append(append([]byte(nil), hello...), frameText(r...)...))
	}
	f.Add([]byte("API\x00"))
	f.Add([]byte("API\x00\xff\xff\xff\xffv100..200"))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("API\x00\x00\x00\x00\x05v1..0"))
	s, err := Start(Config{Clock: NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork))})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var conn int64
	f.Fuzz(func(t *testing.T, data []byte) {
		conn++
		serveBytes(s, 2_000_000+conn, data)
	})
}

// TestMalformedClientDoesNotDisturbOthers runs a well-behaved client while
// another socket sends every kind of broken input.
func TestMalformedClientDoesNotDisturbOthers(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork))})
	good, r := dial(t, s, 1)

	bad := [][]byte{
		// Valid handshake, then garbage requests.
		append(clientHello("v100..200", "2"),
			append(frameText("abc", "1"), append(frameText("9", "8", "x"), append(frameText("1"), frameText("20", "1", "2", "3")...)...)...)...),
		// A frame longer than the limit.
		append(clientHello("v100..200", "3"), 0x7f, 0xff, 0xff, 0xff, 'x'),
		// Not the API at all.
		[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		// A truncated frame, then the socket ends.
		append(clientHello("v100..200", "4"), 0, 0, 0, 50, '4', '9'),
		// A duplicate of the good client's id.
		clientHello("v100..200", "1"),
	}
	for i, b := range bad {
		nc, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Write(b); err != nil {
			t.Fatalf("bad client %d: %v", i, err)
		}
		// Read until the server closes or a short quiet period; a broken
		// client must not make the server hang on it either.
		_ = nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.Copy(io.Discard, nc)
		nc.Close()
		// The good client is still served after each one.
		before := countKind(r, "CurrentTime")
		good.ReqCurrentTime()
		waitCount(t, r, "CurrentTime", before+1)
	}
	if n := len(r.errorsWith(326)) + len(r.errorsWith(320)); n != 0 {
		t.Errorf("the good client received %d errors caused by others", n)
	}
	st := s.Stats()
	if st.Errors(320) < 3 {
		t.Errorf("want error 320 for each unparseable request, got %d", st.Errors(320))
	}
	if st.Errors(326) != 1 {
		t.Errorf("duplicate id: 326 sent %d times, want 1", st.Errors(326))
	}
}
