package ibsim

// The paper order engine (orders, executions, positions, account values)
// builds on this file. Until an order is placed the account is empty, and
// the list requests answer with their end markers.

// nextOrderID returns the next valid order id for a client id: one more
// than the highest id that client has used, starting at 1.
func (s *Server) nextOrderID(clientID int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.orderIDs[clientID]+1, s.idFloor)
}

// bumpOrderIDs moves every client id's next valid order id well past any id
// used so far, as after a Gateway restart; lower ids are refused with 103.
func (s *Server) bumpOrderIDs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	top := s.idFloor
	for _, id := range s.orderIDs {
		top = max(top, id+1)
	}
	s.idFloor = top + 1000
}

// handleReqOpenOrders serves reqOpenOrders, reqAllOpenOrders and
// reqAutoOpenOrders: [1]version (reqAutoOpenOrders: [2]autoBind).
func handleReqOpenOrders(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inOpenOrderEnd).int(1))
	return nil
}

// handleReqCompletedOrders: [1]apiOnly.
func handleReqCompletedOrders(c *client, f *fields) error {
	f.bool("apiOnly")
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inCompletedOrderEnd))
	return nil
}

// handleReqPositions: [1]version.
func handleReqPositions(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inPositionEnd).int(1))
	return nil
}

// handleReqExecutions: [1]version [2]reqId [3..9] filter, and at version
// 200 lastNDays and the specific dates.
func handleReqExecutions(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	f.reqID = reqID
	f.skip(7, "execution filter")
	if c.version >= 200 {
		f.maxInt("lastNDays")
		n := f.int("specificDatesCount")
		if n < 0 || n > 1000 {
			return &fieldError{Index: f.i - 1, Name: "specificDatesCount", Value: "", Want: "0..1000"}
		}
		f.skip(int(n), "specificDate")
	}
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inExecutionDataEnd).int(1).int(reqID))
	return nil
}
