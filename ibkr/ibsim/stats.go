package ibsim

import (
	"maps"
	"sort"
	"sync"
)

// Stats is a snapshot of a Server's counters, for tests and benchmarks.
type Stats struct {
	// Clients is the number of connections that completed startApi and
	// are still open.
	Clients int
	// Connections counts every accepted socket; Refused counts sockets
	// closed at once because MaxClients was reached; BadHandshakes counts
	// sockets closed for a bad or missing handshake.
	Connections   int
	Refused       int
	BadHandshakes int
	// Messages is the number of client messages received, in total and by
	// message id (-1 for an unparseable id).
	Messages       int64
	MessagesByType map[int]int64
	// PeakWindow is the highest number of messages any one connection sent
	// within one rate window (1 s by default).
	PeakWindow int
	// PacedMessages counts messages of +PACEAPI connections that had to be
	// queued because they would have exceeded the rate.
	PacedMessages int64
	// ErrorsSent counts error and warning messages sent, by code.
	ErrorsSent map[int]int64
	// MarketDataLines is the number of lines in use now; MarketDataLinesPeak
	// the highest number in use at once.
	MarketDataLines     int
	MarketDataLinesPeak int
	// HistoricalOpen is the number of historical requests open now.
	HistoricalOpen int
	// OrdersReceived counts placeOrder messages; OrdersAccepted the orders
	// the engine kept (not what-if, not rejected); OrderFills the
	// executions; OrderRejects the placeOrders refused with an error (103,
	// 110, 135, 200, 201, 321 or an injected rejection).
	OrdersReceived int64
	OrdersAccepted int64
	OrderFills     int64
	OrderRejects   int64
	// Conns has one entry per connection, open or closed, in accept order.
	Conns []ConnStats
}

// ConnStats are the counters of one connection.
type ConnStats struct {
	ConnID         int64
	Remote         string
	ClientID       int64 // -1 before startApi
	Version        int
	Open           bool
	Messages       int64
	MessagesByType map[int]int64
	PeakWindow     int
	ErrorsSent     map[int]int64
	// OrdersReceived counts this connection's placeOrder messages;
	// OrderMessages the order messages sent to it (openOrder, orderStatus,
	// execDetails, commissionReport, completedOrder).
	OrdersReceived int64
	OrderMessages  int64
}

// Errors returns how many errors with code were sent in total.
func (s Stats) Errors(code int) int64 { return s.ErrorsSent[code] }

type statsCollector struct {
	mu            sync.Mutex
	connections   int
	refusedN      int
	badHandshakes int
	messages      int64
	byType        map[int]int64
	peak          int
	pacedN        int64
	errors        map[int]int64
	conns         []*connStats
	orders        int64
}

func newStatsCollector() *statsCollector {
	return &statsCollector{byType: map[int]int64{}, errors: map[int]int64{}}
}

func (s *statsCollector) newConn(id int64, remote string) *connStats {
	c := &connStats{parent: s, st: ConnStats{ConnID: id, Remote: remote, ClientID: -1, Open: true,
		MessagesByType: map[int]int64{}, ErrorsSent: map[int]int64{}}}
	s.mu.Lock()
	s.connections++
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return c
}

func (s *statsCollector) refused() {
	s.mu.Lock()
	s.refusedN++
	s.mu.Unlock()
}

func (s *statsCollector) badHandshake() {
	s.mu.Lock()
	s.badHandshakes++
	s.mu.Unlock()
}

func (s *statsCollector) message(id int) {
	s.mu.Lock()
	s.messages++
	s.byType[id]++
	s.mu.Unlock()
}

func (s *statsCollector) window(n int) {
	s.mu.Lock()
	s.peak = max(s.peak, n)
	s.mu.Unlock()
}

func (s *statsCollector) paced() {
	s.mu.Lock()
	s.pacedN++
	s.mu.Unlock()
}

func (s *statsCollector) errorSent(code int) {
	s.mu.Lock()
	s.errors[code]++
	s.mu.Unlock()
}

func (s *statsCollector) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Connections:    s.connections,
		Refused:        s.refusedN,
		BadHandshakes:  s.badHandshakes,
		Messages:       s.messages,
		MessagesByType: maps.Clone(s.byType),
		PeakWindow:     s.peak,
		PacedMessages:  s.pacedN,
		ErrorsSent:     maps.Clone(s.errors),
		OrdersReceived: s.orders,
	}
	for _, c := range s.conns {
		cs := c.st
		cs.MessagesByType = maps.Clone(c.st.MessagesByType)
		cs.ErrorsSent = maps.Clone(c.st.ErrorsSent)
		st.Conns = append(st.Conns, cs)
	}
	sort.Slice(st.Conns, func(i, j int) bool { return st.Conns[i].ConnID < st.Conns[j].ConnID })
	return st
}

// connStats is one connection's counters; its parent's mutex guards it.
type connStats struct {
	parent *statsCollector
	st     ConnStats
}

func (c *connStats) do(f func(*ConnStats)) {
	c.parent.mu.Lock()
	f(&c.st)
	c.parent.mu.Unlock()
}

func (c *connStats) setVersion(v int)     { c.do(func(s *ConnStats) { s.Version = v }) }
func (c *connStats) setClientID(id int64) { c.do(func(s *ConnStats) { s.ClientID = id }) }
func (c *connStats) closed()              { c.do(func(s *ConnStats) { s.Open = false }) }
func (c *connStats) window(n int)         { c.do(func(s *ConnStats) { s.PeakWindow = max(s.PeakWindow, n) }) }
func (c *connStats) errorSent(code int)   { c.do(func(s *ConnStats) { s.ErrorsSent[code]++ }) }
func (c *connStats) message(id int) {
	c.do(func(s *ConnStats) { s.Messages++; s.MessagesByType[id]++ })
}
func (c *connStats) orderMessage() { c.do(func(s *ConnStats) { s.OrderMessages++ }) }

// orderReceived counts a placeOrder on the connection and the server.
func (c *connStats) orderReceived() {
	c.do(func(s *ConnStats) { s.OrdersReceived++ })
	c.parent.mu.Lock()
	c.parent.orders++
	c.parent.mu.Unlock()
}
