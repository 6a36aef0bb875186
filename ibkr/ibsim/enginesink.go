package ibsim

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
)

// engineSink delivers the order engine's events to the server's
// connections, encoded at each connection's negotiated version.
type engineSink struct{ s *Server }

// Send delivers ev to the connection to names, if it is still there.
func (k engineSink) Send(to engine.Dest, ev engine.Event) {
	s := k.s
	s.mu.Lock()
	var c *client
	if to.Conn != 0 {
		c = s.clients[to.Conn]
	} else {
		c = s.byID[to.ClientID]
	}
	s.mu.Unlock()
	if c != nil {
		c.deliver(ev)
	}
}

// Live reports whether connection conn is open.
func (k engineSink) Live(conn int64) bool {
	s := k.s
	s.mu.Lock()
	c := s.clients[conn]
	s.mu.Unlock()
	return c != nil && !c.closing.Load()
}

// origin names the connection as the sender of a request to the engine.
func (c *client) origin() engine.Origin { return engine.Origin{Conn: c.connID, ClientID: c.clientID} }

// deliver queues one engine event for the client. Order messages
// (openOrder, orderStatus, execDetails, commissionReport, completedOrder)
// are counted in the connection's stats.
func (c *client) deliver(ev engine.Event) {
	if e, ok := ev.(engine.ErrMsg); ok {
		c.sendError(e.ID, e.Code, e.Text)
		return
	}
	m, order := c.codec.Event(ev)
	if m == nil {
		return
	}
	c.send(m)
	if order {
		c.stats.orderMessage()
	}
}
