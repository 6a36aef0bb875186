package ibsim

import (
	"net"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

func TestFaultDropAll(t *testing.T) {
	s := startSim(t, Config{})
	_, r1 := dial(t, s, 1)
	_, r2 := dial(t, s, 2)
	s.DropAll()
	r1.waitKind(t, "ConnectionClosed", anyReq)
	r2.waitKind(t, "ConnectionClosed", anyReq)
	// The ids are free again at once.
	dial(t, s, 1)
}

func TestFaultRestart(t *testing.T) {
	s := startSim(t, Config{})
	c, r := dial(t, s, 9)
	first := r.waitKind(t, "NextValidID", anyReq).Data.(int64)
	_ = c
	done := make(chan error, 1)
	go func() { done <- s.Restart(200 * time.Millisecond) }()
	r.waitKind(t, "ConnectionClosed", anyReq)
	// While down, connections are refused: either the dial fails or the
	// socket is closed without a handshake reply.
	if nc, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
		var b [1]byte
		if _, err := nc.Read(b[:]); err == nil {
			t.Error("a connection during the restart was served")
		}
		nc.Close()
	}
	if err := <-done; err != nil {
		t.Fatalf("Restart: %v", err)
	}
	_, r2 := dial(t, s, 9)
	next := r2.waitKind(t, "NextValidID", anyReq).Data.(int64)
	if next <= first {
		t.Errorf("nextValidId after restart = %d, want more than %d", next, first)
	}
}

func TestFaultBroadcast(t *testing.T) {
	s := startSim(t, Config{})
	_, r := dial(t, s, 1)
	for _, code := range []int{1100, 1102, 1101} {
		if err := s.Broadcast(code); err != nil {
			t.Fatal(err)
		}
		e := r.waitError(t, -1, int64(code))
		if e.Msg != systemMessages[code] {
			t.Errorf("%d text = %q", code, e.Msg)
		}
	}
	if err := s.Broadcast(42); err == nil {
		t.Error("Broadcast(42) succeeded, want an error naming the allowed codes")
	}
}

func TestFaultHangAndLatency(t *testing.T) {
	s := startSim(t, Config{})
	c, r := dial(t, s, 1)
	before := countKind(r, "CurrentTime")
	s.Hang(int(ibapi.REQ_CURRENT_TIME))
	c.ReqCurrentTime()
	c.ReqIDs(1)
	// reqIds is answered after the hung request was read.
	waitCount(t, r, "NextValidID", 2)
	if got := countKind(r, "CurrentTime"); got != before {
		t.Fatalf("hung reqCurrentTime answered (%d answers, want %d)", got, before)
	}
	// A delayed kind is answered, after later requests of other kinds.
	s.SetLatency(int(ibapi.REQ_CURRENT_TIME), 30*time.Millisecond)
	c.ReqCurrentTime()
	c.ReqIDs(1)
	_, iIDs := r.waitNth(t, "NextValidID", 3)
	_, iTime := r.waitNth(t, "CurrentTime", before+1)
	if iTime < iIDs {
		t.Errorf("delayed reply arrived before a later undelayed one")
	}
}

func TestFaultKillClientHoldsID(t *testing.T) {
	lim := NewVirtualClock(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC))
	s := startSim(t, Config{LimitClock: lim})
	_, r := dial(t, s, 253)
	if !s.KillClient(253, time.Minute) {
		t.Fatal("KillClient found no client 253")
	}
	r.waitKind(t, "ConnectionClosed", anyReq)
	r2 := connectRefused(t, s, 253)
	r2.waitError(t, -1, 326)
	r2.waitKind(t, "ConnectionClosed", anyReq)
	lim.Advance(61 * time.Second)
	dial(t, s, 253)
}

func TestFaultSendMalformed(t *testing.T) {
	s := startSim(t, Config{})
	_, r := dial(t, s, 4)
	if err := s.SendMalformed(4); err != nil {
		t.Fatal(err)
	}
	// scmhub's decoder panics on the frame, recovers and shuts down.
	r.waitKind(t, "ConnectionClosed", anyReq)
	if err := s.SendMalformed(99); err == nil {
		t.Error("SendMalformed to an unknown client succeeded")
	}
}

func TestFaultCompetingSession(t *testing.T) {
	clk := NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork))
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour})
	s.SetCompetingSession(true)
	c, r := dial(t, s, 1)
	c.ReqMktData(7, spyContract(), "", false, false, nil)
	e := r.waitError(t, 7, 10197)
	if e.Msg != "No market data during competing live session" {
		t.Errorf("10197 text %q", e.Msg)
	}
	clk.Advance(time.Minute)
	s.Tick()
	syncClient(t, c, r)
	for _, e := range r.all() {
		if e.Kind == "TickPrice" && e.ReqID == 7 {
			t.Fatalf("a tick flowed during the competing session: %v", e)
		}
	}
	// The subscription was kept: when the session ends, data flows.
	if s.Stats().MarketDataLines != 1 {
		t.Errorf("lines in use %d, want 1 (the subscription stays)", s.Stats().MarketDataLines)
	}
	s.SetCompetingSession(false)
	clk.Advance(time.Minute)
	s.Tick()
	e, _ = r.wait(t, 0, "a tick after the competing session", func(e ev) bool { return e.Kind == "TickPrice" && e.ReqID == 7 })
	if e.Data.(float64) <= 0 {
		t.Errorf("tick %v", e)
	}
}
