package ibsim

// engineSink delivers the order engine's events to the server's
// connections, encoded at each connection's negotiated version.
type engineSink struct{ s *Server }

// send delivers ev to the connection to names, if it is still there.
func (k engineSink) send(to dest, ev event) {
	s := k.s
	s.mu.Lock()
	var c *client
	if to.conn != 0 {
		c = s.clients[to.conn]
	} else {
		c = s.byID[to.clientID]
	}
	s.mu.Unlock()
	if c != nil {
		c.deliver(ev)
	}
}

// live reports whether connection conn is open.
func (k engineSink) live(conn int64) bool {
	s := k.s
	s.mu.Lock()
	c := s.clients[conn]
	s.mu.Unlock()
	return c != nil && !c.closing.Load()
}

// origin names the connection as the sender of a request to the engine.
func (c *client) origin() origin { return origin{conn: c.connID, clientID: c.clientID} }

// deliver queues one engine event for the client. Order messages
// (openOrder, orderStatus, execDetails, commissionReport, completedOrder)
// are counted in the connection's stats.
func (c *client) deliver(ev event) {
	if e, ok := ev.(errMsg); ok {
		c.sendError(e.id, e.code, e.text)
		return
	}
	m, order := encodeEvent(c.version, ev)
	if m == nil {
		return
	}
	c.send(m)
	if order {
		c.stats.orderMessage()
	}
}
