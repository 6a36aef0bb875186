package ibsim

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The ibapi client logs through a package-level zerolog logger; quiet it
	// once, before any client runs (7 is zerolog.Disabled).
	ibapi.SetLogLevel(7)
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// waitTimeout bounds every wait for a callback. Waits end as soon as the
// callback arrives; the bound only turns a hang into a failure.
const waitTimeout = 10 * time.Second

// ev is one EWrapper callback as recorded by recorder.
type ev struct {
	Kind  string
	ReqID int64
	Code  int64
	Msg   string
	Data  any
}

func (e ev) String() string {
	return fmt.Sprintf("%s(req=%d code=%d msg=%q data=%v)", e.Kind, e.ReqID, e.Code, e.Msg, e.Data)
}

// recorder is an EWrapper that records the callbacks tests look at. Other
// test files add methods for the callbacks they need.
type recorder struct {
	ibapi.Wrapper
	mu     sync.Mutex
	events []ev
	cond   chan struct{} // closed and replaced on every event
}

func newRecorder() *recorder { return &recorder{cond: make(chan struct{})} }

func (r *recorder) add(e ev) {
	r.mu.Lock()
	r.events = append(r.events, e)
	close(r.cond)
	r.cond = make(chan struct{})
	r.mu.Unlock()
}

// all returns a copy of the events so far.
func (r *recorder) all() []ev {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ev(nil), r.events...)
}

// wait returns the first event from index `from` on that matches, waiting
// for it. It fails the test after waitTimeout.
func (r *recorder) wait(t testing.TB, from int, what string, match func(ev) bool) (ev, int) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if match(r.events[i]) {
				e := r.events[i]
				r.mu.Unlock()
				return e, i
			}
		}
		ch := r.cond
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; got %d events: %v", what, len(r.all()), tail(r.all(), 20))
			return ev{}, -1
		}
	}
}

// waitNth waits for the n-th event (1-based) of kind and returns it with
// its index.
func (r *recorder) waitNth(t testing.TB, kind string, n int) (ev, int) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		count := 0
		for i, e := range r.events {
			if e.Kind == kind {
				count++
				if count == n {
					r.mu.Unlock()
					return e, i
				}
			}
		}
		ch := r.cond
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s #%d; got %d of them; last events: %v", kind, n, count, tail(r.all(), 20))
			return ev{}, -1
		}
	}
}

// waitKind waits for the first event of a kind (and reqID, unless any).
func (r *recorder) waitKind(t testing.TB, kind string, reqID int64) ev {
	t.Helper()
	e, _ := r.wait(t, 0, kind, func(e ev) bool { return e.Kind == kind && (reqID == anyReq || e.ReqID == reqID) })
	return e
}

// waitError waits for error code on reqID.
func (r *recorder) waitError(t testing.TB, reqID, code int64) ev {
	t.Helper()
	e, _ := r.wait(t, 0, fmt.Sprintf("error %d on req %d", code, reqID), func(e ev) bool {
		return e.Kind == "Error" && e.ReqID == reqID && e.Code == code
	})
	return e
}

// errors returns the recorded errors with a code.
func (r *recorder) errorsWith(code int64) []ev {
	var out []ev
	for _, e := range r.all() {
		if e.Kind == "Error" && e.Code == code {
			out = append(out, e)
		}
	}
	return out
}

const anyReq = -1 << 62

func tail(es []ev, n int) []ev {
	if len(es) > n {
		return es[len(es)-n:]
	}
	return es
}

func (r *recorder) Error(reqID, errorTime, code int64, msg, advanced string) {
	r.add(ev{Kind: "Error", ReqID: reqID, Code: code, Msg: msg, Data: errorTime})
}
func (r *recorder) NextValidID(id int64) { r.add(ev{Kind: "NextValidID", Data: id}) }
func (r *recorder) ManagedAccounts(a []string) {
	r.add(ev{Kind: "ManagedAccounts", Msg: strings.Join(a, ",")})
}
func (r *recorder) CurrentTime(t int64) { r.add(ev{Kind: "CurrentTime", Data: t}) }
func (r *recorder) CurrentTimeInMillis(t int64) {
	r.add(ev{Kind: "CurrentTimeInMillis", Data: t})
}
func (r *recorder) ConnectionClosed() { r.add(ev{Kind: "ConnectionClosed"}) }
func (r *recorder) ConnectAck()       { r.add(ev{Kind: "ConnectAck"}) }

// startSim starts a server for one test and closes it when the test ends.
func startSim(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// hostPort splits the server address for ibapi's Connect.
func hostPort(t testing.TB, s *Server) (string, int) {
	t.Helper()
	var host string
	var port int
	i := strings.LastIndexByte(s.Addr(), ':')
	host = s.Addr()[:i]
	if _, err := fmt.Sscan(s.Addr()[i+1:], &port); err != nil {
		t.Fatalf("address %q: %v", s.Addr(), err)
	}
	return host, port
}

// connectRefused connects a raw client that the server will refuse (326)
// and makes sure its request goroutine has run before the server closes the
// socket (see rejectGrace): it sends one request and waits until the server
// has read it.
func connectRefused(t testing.TB, s *Server, clientID int64) *recorder {
	t.Helper()
	r := newRecorder()
	c := ibapi.NewEClient(r)
	host, port := hostPort(t, s)
	before := len(s.Stats().Conns)
	if err := c.Connect(host, port, clientID); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	c.ReqCurrentTime()
	deadline := time.Now().Add(waitTimeout)
	for {
		st := s.Stats()
		if len(st.Conns) > before && st.Conns[len(st.Conns)-1].Messages >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refused client's request never reached the server")
		}
		time.Sleep(time.Millisecond) // polling the server's counter
	}
	return r
}

// dial connects a raw ibapi EClient with clientID and waits until the
// session is ready (managedAccounts and nextValidId received).
//
// Tests never call EClient.Disconnect: in scmhub/ibapi v0.10.47 it races
// with the client's own shutdown watcher (both run Disconnect and reset the
// client's fields). A client ends cleanly when the server closes its
// socket, which startSim's cleanup does.
func dial(t testing.TB, s *Server, clientID int64) (*ibapi.EClient, *recorder) {
	t.Helper()
	r := newRecorder()
	c := ibapi.NewEClient(r)
	host, port := hostPort(t, s)
	if err := c.Connect(host, port, clientID); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	r.waitKind(t, "NextValidID", anyReq)
	r.waitKind(t, "ManagedAccounts", anyReq)
	// One round trip proves the client's request goroutine has started. In
	// scmhub/ibapi v0.10.47 that goroutine's start races with the client's
	// shutdown if the socket closes before it ran.
	c.ReqCurrentTime()
	r.waitKind(t, "CurrentTime", anyReq)
	// Registered after startSim's cleanup, this runs before the server
	// closes: one more answered round trip means the client's request
	// goroutine took every earlier call off its queue, which orders the
	// test's calls before the client's shutdown resets its fields (the
	// race detector sees no order through a socket). Best effort: a test
	// that dropped the connection itself has nothing left to settle.
	t.Cleanup(func() { settle(c, r) })
	return c, r
}

// settle makes one CurrentTime round trip on c if it is still connected,
// waiting at most a second, and never fails the test.
func settle(c *ibapi.EClient, r *recorder) {
	if !c.IsConnected() {
		return
	}
	r.mu.Lock()
	from := len(r.events)
	r.mu.Unlock()
	c.ReqCurrentTime()
	deadline := time.NewTimer(time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, e := range r.events[from:] {
			if e.Kind == "CurrentTime" || e.Kind == "ConnectionClosed" {
				r.mu.Unlock()
				return
			}
		}
		ch := r.cond
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return
		}
	}
}
