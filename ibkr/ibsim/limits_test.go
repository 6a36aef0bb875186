package ibsim

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
)

// countKind counts recorded events of a kind.
func countKind(r *recorder, kind string) int {
	n := 0
	for _, e := range r.all() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// waitCount waits until n events of kind were recorded.
func waitCount(t *testing.T, r *recorder, kind string, n int) {
	t.Helper()
	r.waitNth(t, kind, n)
}

func TestMessageRateErrorThenClose(t *testing.T) {
	lim := NewVirtualClock(time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC))
	s := startSim(t, Config{LimitClock: lim})
	c, r := dial(t, s, 1)
	// startApi and dial's reqCurrentTime were messages 1 and 2 of this
	// window; 48 more stay within 50.
	for range 48 {
		c.ReqCurrentTime()
	}
	waitCount(t, r, "CurrentTime", 49)
	if n := len(r.errorsWith(100)); n != 0 {
		t.Fatalf("got %d error 100 within the limit", n)
	}
	// The 51st message in the window gets error 100 and is still served.
	c.ReqCurrentTime()
	e := r.waitError(t, -1, 100)
	if !strings.HasPrefix(e.Msg, "Max rate of messages per second has been exceeded") || !strings.Contains(e.Msg, "max=50") {
		t.Errorf("error 100 text = %q", e.Msg)
	}
	waitCount(t, r, "CurrentTime", 50)
	// A second window with excess: a second error 100.
	lim.Advance(time.Second)
	for range 51 {
		c.ReqCurrentTime()
	}
	waitCount(t, r, "Error", 5) // 2104, 2106, 2158 and one 100 per window
	// The third closes the socket. (The client may drop the last error:
	// scmhub's decoder stops at EOF without draining its queue.)
	lim.Advance(time.Second)
	for range 51 {
		c.ReqCurrentTime()
	}
	r.waitKind(t, "ConnectionClosed", anyReq)
	if got := len(r.errorsWith(100)); got < 2 {
		t.Errorf("client saw error 100 %d times, want at least 2", got)
	}
	st := s.Stats()
	if st.Errors(100) != 3 || st.PeakWindow < 51 {
		t.Errorf("stats: errors 100 = %d, peak window = %d", st.Errors(100), st.PeakWindow)
	}
}

func TestPaceAPIQueuesInsteadOfFailing(t *testing.T) {
	s := startSim(t, Config{Limits: Limits{MaxMsgRate: 10, RateWindow: 20 * time.Millisecond}})
	r := newRecorder()
	c := ibapi.NewEClient(r)
	c.SetConnectionOptions("+PACEAPI")
	host, port := hostPort(t, s)
	if err := c.Connect(host, port, 3); err != nil {
		t.Fatal(err)
	}
	r.waitKind(t, "NextValidID", anyReq)
	for range 60 {
		c.ReqCurrentTime()
	}
	waitCount(t, r, "CurrentTime", 60)
	st := s.Stats()
	if st.Errors(100) != 0 {
		t.Errorf("+PACEAPI client got %d error 100", st.Errors(100))
	}
	if st.PeakWindow > 10 {
		t.Errorf("peak window %d > limit 10 with +PACEAPI", st.PeakWindow)
	}
}

func TestDuplicateClientIDRefused(t *testing.T) {
	s := startSim(t, Config{})
	c1, r1 := dial(t, s, 253)
	r2 := connectRefused(t, s, 253)
	e := r2.waitError(t, -1, 326)
	if e.Msg != "Unable to connect as the client id is already in use. Retry with a unique client id." {
		t.Errorf("326 text = %q", e.Msg)
	}
	r2.waitKind(t, "ConnectionClosed", anyReq)
	for _, e := range r2.all() {
		if e.Kind == "NextValidID" || e.Kind == "ManagedAccounts" {
			t.Errorf("refused client got %s", e)
		}
	}
	// The first session is unaffected.
	c1.ReqCurrentTime()
	r1.waitKind(t, "CurrentTime", anyReq)
	if st := s.Stats(); st.Clients != 1 || st.Errors(326) != 1 {
		t.Errorf("stats: clients %d, 326 sent %d; want 1 and 1", st.Clients, st.Errors(326))
	}
}

func TestClientLimit(t *testing.T) {
	s := startSim(t, Config{Limits: Limits{MaxClients: 3}})
	for id := int64(1); id <= 3; id++ {
		dial(t, s, id)
	}
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
	var b [8]byte
	if _, err := nc.Read(b[:]); err == nil {
		t.Fatal("fourth connection was served, want it closed")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("fourth connection left open")
	}
	if st := s.Stats(); st.Refused != 1 || st.Clients != 3 {
		t.Errorf("stats: refused %d clients %d, want 1 and 3", st.Refused, st.Clients)
	}
}

func TestHistPacerRules(t *testing.T) {
	lim := Limits{HistIdenticalWindow: 15 * time.Second, HistBurstWindow: 2 * time.Second, HistBurstCount: 6,
		HistLongWindow: 10 * time.Minute, HistLongCount: 60, HistMaxOpen: 50}
	t0 := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	req := func(ident, series string, small bool) histRequest {
		return histRequest{identical: ident, series: series, weight: 1, small: small}
	}
	t.Run("identical within 15s", func(t *testing.T) {
		h := newHistPacer(lim)
		if v, _ := h.admit(t0, req("a", "SPY", true)); v != histOK {
			t.Fatalf("first: %v", v)
		}
		h.done()
		if v, _ := h.admit(t0.Add(14*time.Second), req("a", "SPY", true)); v != histViolated {
			t.Fatalf("identical after 14s: %v, want violation", v)
		}
		if v, _ := h.admit(t0.Add(16*time.Second), req("a", "SPY", true)); v != histOK {
			t.Fatalf("identical after 16s: %v, want ok", v)
		}
	})
	t.Run("six per series in 2s", func(t *testing.T) {
		h := newHistPacer(lim)
		for i := range 5 {
			if v, _ := h.admit(t0.Add(time.Duration(i)*100*time.Millisecond), req(itoa(int64(i)), "SPY", true)); v != histOK {
				t.Fatalf("request %d: %v", i+1, v)
			}
			h.done()
		}
		if v, _ := h.admit(t0.Add(500*time.Millisecond), req("x", "SPY", true)); v != histViolated {
			t.Fatalf("sixth in 2s: %v, want violation", v)
		}
		if v, _ := h.admit(t0.Add(500*time.Millisecond), req("y", "QQQ", true)); v != histOK {
			t.Fatalf("other series: %v, want ok", v)
		}
	})
	t.Run("sixty in ten minutes", func(t *testing.T) {
		h := newHistPacer(lim)
		for i := range 60 {
			at := t0.Add(time.Duration(i) * 3 * time.Second)
			if v, _ := h.admit(at, req(itoa(int64(i)), itoa(int64(i)), true)); v != histOK {
				t.Fatalf("request %d: %v", i+1, v)
			}
			h.done()
		}
		if v, _ := h.admit(t0.Add(181*time.Second), req("z", "z", true)); v != histViolated {
			t.Fatalf("61st: %v, want violation", v)
		}
		// Large bars are throttled, not violated, and told when to retry.
		v, at := h.admit(t0.Add(181*time.Second), req("w", "w", false))
		if v != histThrottle || !at.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("61st large-bar request: %v retry %v, want throttle until %v", v, at, t0.Add(10*time.Minute))
		}
	})
	t.Run("fifty open", func(t *testing.T) {
		h := newHistPacer(lim)
		for i := range 50 {
			if v, _ := h.admit(t0, req(itoa(int64(i)), itoa(int64(i)), false)); v != histOK {
				t.Fatalf("request %d: %v", i+1, v)
			}
		}
		if v, _ := h.admit(t0, req("more", "more", false)); v != histTooMany {
			t.Fatalf("51st open: %v, want too many", v)
		}
		h.done()
		if v, _ := h.admit(t0, req("more", "more", false)); v != histOK {
			t.Fatalf("after one done: %v, want ok", v)
		}
	})
}
