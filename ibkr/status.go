package ibkr

import (
	"fmt"
	"sync"
)

// Status is the state of a Session's connection.
type Status int

// Session states.
const (
	// StatusConnecting: the first connection is being made.
	StatusConnecting Status = iota
	// StatusReady: connected; calls are served.
	StatusReady
	// StatusConnectivityLost: connected to the Gateway, but the Gateway
	// lost its own connection to IB (1100). Requests are still written;
	// answers that need IB may wait until 1101/1102.
	StatusConnectivityLost
	// StatusReconnecting: the connection was lost; calls in flight failed
	// with ErrDisconnected and the Session is making a new connection. New
	// calls wait for it within their ctx (a deadline then reports
	// ErrDisconnected together with the ctx error).
	StatusReconnecting
	// StatusClosed: Close was called, or reconnecting gave up.
	StatusClosed
)

func (s Status) String() string {
	switch s {
	case StatusConnecting:
		return "connecting"
	case StatusReady:
		return "ready"
	case StatusConnectivityLost:
		return "connectivity-lost"
	case StatusReconnecting:
		return "reconnecting"
	case StatusClosed:
		return "closed"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// StatusEvent is one status change.
type StatusEvent struct {
	Status Status
	// Err is why the Session left StatusReady (the lost connection, a
	// failed attempt, or why it closed); nil otherwise.
	Err error
	// Attempt counts reconnect attempts since the last ready state.
	Attempt int
}

// statusHub holds the current status and fans changes out to subscribers
// without ever blocking the Session.
type statusHub struct {
	mu     sync.Mutex
	cur    Status
	subs   []chan StatusEvent
	closed bool
}

func (h *statusHub) get() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

func (h *statusHub) set(ev StatusEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.cur = ev.Status
	for _, ch := range h.subs {
		select {
		case ch <- ev:
		default: // a subscriber that does not read loses events, never blocks us
		}
	}
	if ev.Status == StatusClosed {
		h.closed = true
		for _, ch := range h.subs {
			close(ch)
		}
		h.subs = nil
	}
}

func (h *statusHub) subscribe() <-chan StatusEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan StatusEvent, 32)
	if h.closed {
		close(ch)
		return ch
	}
	h.subs = append(h.subs, ch)
	return ch
}
