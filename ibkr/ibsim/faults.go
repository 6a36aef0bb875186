package ibsim

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/scmhub/ibapi"
)

// The fault panel: what a real Gateway does to its clients, on demand, so
// that client code can be tested against it. Every method is safe for
// concurrent use and takes effect at once.

// faults is the server's fault state.
type faults struct {
	mu        sync.Mutex
	latency   map[int64]time.Duration // by request message id; < 0 never answers
	competing bool
	rejectN   int
	rejectC   int
	rejectT   string
	held      map[int64]time.Time // client id -> held until (limit clock)
}

func newFaults() *faults {
	return &faults{latency: map[int64]time.Duration{}, held: map[int64]time.Time{}}
}

// SystemMessage texts a real Gateway sends with the connectivity codes.
var systemMessages = map[int]string{
	1100: "Connectivity between IB and Trader Workstation has been lost.",
	1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
	1102: "Connectivity between IB and Trader Workstation has been restored - data maintained.",
	2103: "Market data farm connection is broken:usfarm",
	2104: "Market data farm connection is OK:usfarm",
	2105: "HMDS data farm connection is broken:ushmds",
	2106: "HMDS data farm connection is OK:ushmds",
	2110: "Connectivity between Trader Workstation and server is broken. It will be restored automatically.",
	2157: "Sec-def data farm connection is broken:secdefnj",
	2158: "Sec-def data farm connection is OK:secdefnj",
}

// DropAll closes every client connection at once, as a Gateway crash or a
// network cut looks to the clients. Client ids are not held.
func (s *Server) DropAll() {
	for _, c := range s.allClients() {
		c.close("dropped by fault panel")
	}
}

// KillClient closes the connection of clientID abruptly and holds the id
// for hold: a reconnect with that id within hold gets 326, as a real
// Gateway does for about a minute after a client crashed. It returns false
// when no connection has that id.
func (s *Server) KillClient(clientID int64, hold time.Duration) bool {
	s.mu.Lock()
	c := s.byID[clientID]
	s.mu.Unlock()
	if hold > 0 {
		s.HoldClientID(clientID, hold)
	}
	if c == nil {
		return false
	}
	c.close("killed by fault panel")
	return true
}

// HoldClientID makes clientID unavailable for d (on the limit clock):
// connections with that id get 326 and are closed, as if a stale session
// still held it.
func (s *Server) HoldClientID(clientID int64, d time.Duration) {
	s.faults.mu.Lock()
	s.faults.held[clientID] = s.limitNow().Add(d)
	s.faults.mu.Unlock()
}

// clientIDHeld reports whether the fault panel holds clientID now.
func (s *Server) clientIDHeld(clientID int64) bool {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	until, ok := s.faults.held[clientID]
	if !ok {
		return false
	}
	if !s.limitNow().Before(until) {
		delete(s.faults.held, clientID)
		return false
	}
	return true
}

// Restart simulates a Gateway restart (the nightly one, or a crash and
// relaunch): it closes every connection and the listener, refuses
// connections for down, then listens again on the same address with all
// state kept (orders, positions, account). Each client id's next valid
// order id moves past everything used before, and lower ids are refused
// with 103. Restart returns when the server accepts connections again, or
// with an error if the address cannot be bound again.
func (s *Server) Restart(down time.Duration) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	ln := s.ln
	s.restarting = true
	s.mu.Unlock()
	_ = ln.Close()
	<-s.acceptDone()
	dropped := s.allClients()
	s.DropAll()
	// A request a dropped connection had read but not yet handled dies
	// with it, as on a real Gateway: wait until every dropped connection's
	// dispatcher ended before moving the order ids past what was used.
	for _, c := range dropped {
		select {
		case <-c.ended:
		case <-time.After(5 * time.Second):
			s.log.Warn("ibsim restart: a dropped connection did not end in time", "conn", c.connID)
		}
	}
	s.engine.BumpOrderIDs()
	s.log.Warn("ibsim restart: refusing connections", "down", down)
	if down > 0 {
		t := time.NewTimer(down)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return ErrClosed
		}
	}
	nl, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("ibsim: restart: listen again on %s: %w", s.addr, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nl.Close()
		return ErrClosed
	}
	s.ln = nl
	s.restarting = false
	s.startAccept(nl)
	s.mu.Unlock()
	s.log.Info("ibsim restart: accepting connections again", "addr", s.addr)
	return nil
}

// Broadcast sends a system message with code to every connected client,
// with the text a real Gateway uses, on reqId -1. 1101 (connectivity
// restored, data lost) also drops every market data subscription: clients
// must request them again. 1100 and 1102 change nothing else. Codes
// accepted: 1100, 1101, 1102, 2103, 2104, 2105, 2106, 2110, 2157, 2158.
func (s *Server) Broadcast(code int) error {
	text, ok := systemMessages[code]
	if !ok {
		return fmt.Errorf("ibsim: Broadcast(%d): want one of 1100, 1101, 1102, 2103, 2104, 2105, 2106, 2110, 2157, 2158", code)
	}
	for _, c := range s.liveClients() {
		if code == 1101 {
			c.md.dropAll(c)
			c.dp.dropAll(c)
		}
		c.sendError(-1, code, text)
	}
	return nil
}

// SetCompetingSession turns a competing live session on or off. While on,
// market data requests get 10197 "No market data during competing live
// session" and no ticks flow (the subscriptions are kept).
func (s *Server) SetCompetingSession(on bool) {
	s.faults.mu.Lock()
	s.faults.competing = on
	s.faults.mu.Unlock()
}

// competingSession reports the competing-session fault.
func (s *Server) competingSession() bool {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.competing
}

// SetLatency delays the answer to every request with message id msgID
// (e.g. 9 for reqContractDetails, 20 for reqHistoricalData) by d. A
// negative d means never answer: the request is read and dropped, as a
// hung Gateway does. Zero removes the fault. startApi (71) cannot be
// delayed.
func (s *Server) SetLatency(msgID int, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if d == 0 {
		delete(s.faults.latency, int64(msgID))
		return
	}
	s.faults.latency[int64(msgID)] = d
}

// Hang makes requests with message id msgID go unanswered (SetLatency with
// a negative duration).
func (s *Server) Hang(msgID int) { s.SetLatency(msgID, -1) }

func (s *Server) latencyFor(msgID int64) time.Duration {
	if msgID == ibapi.START_API {
		return 0
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.latency[msgID]
}

// RejectNextOrders rejects the next n orders (placeOrder, not what-if)
// with error code and text on the order id, before they reach the engine.
// Nothing is kept and the id is not used; a child placed later that names
// a rejected order as its parent is refused with 201 (parent order is
// being cancelled).
func (s *Server) RejectNextOrders(n, code int, text string) {
	s.faults.mu.Lock()
	s.faults.rejectN, s.faults.rejectC, s.faults.rejectT = n, code, text
	s.faults.mu.Unlock()
}

// takeReject returns the injected rejection for the next order, if any.
func (s *Server) takeReject() (code int, text string, ok bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.rejectN <= 0 {
		return 0, "", false
	}
	s.faults.rejectN--
	return s.faults.rejectC, s.faults.rejectT, true
}

// ErrNoClient is returned when a fault names a client id with no live
// connection.
var ErrNoClient = errors.New("ibsim: no connected client with that id")

// SendRaw writes b to clientID's socket as it is, after what is already
// queued: no length prefix is added and nothing is checked, so b can be
// any frame of any message at any version, a truncated frame, or bytes
// that are no frame at all. Use it to test what a client does with a
// broken or hostile Gateway; the simulator's own state does not change.
func (s *Server) SendRaw(clientID int64, b []byte) error {
	s.mu.Lock()
	c := s.byID[clientID]
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("%w: %d", ErrNoClient, clientID)
	}
	if len(b) > 0 {
		c.send(append([]byte(nil), b...))
	}
	return nil
}

// SendMalformed sends clientID one malformed frame: a tickPrice whose price
// is not a number. scmhub/ibapi's decoder panics on it and shuts its client
// down; a robust client logs and survives. Use it to test client
// robustness on purpose.
func (s *Server) SendMalformed(clientID int64) error {
	s.mu.Lock()
	c := s.byID[clientID]
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("%w: %d", ErrNoClient, clientID)
	}
	c.send(c.codec.Malformed())
	return nil
}
