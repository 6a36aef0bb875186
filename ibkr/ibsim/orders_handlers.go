package ibsim

import (
	"strconv"
	"strings"
	"time"
)

// handlePlaceOrder: placeOrder (3), parsed at the negotiated version.
func handlePlaceOrder(c *client, f *fields) error {
	r, err := parsePlaceOrder(f, c.version)
	if err != nil {
		return err
	}
	r.clientID = c.clientID
	c.stats.orderReceived()
	c.srv.engine.place(c.origin(), r)
	return nil
}

// handleCancelOrder: cancelOrder (4): below version 192 [1]version; then
// orderId, manualOrderCancelTime (version >= 169), and extOperator and
// manualOrderIndicator (version >= 192).
func handleCancelOrder(c *client, f *fields) error {
	if c.version < svCMETaggingFields {
		f.int("version")
	}
	id := f.int("orderId")
	f.reqID = id
	if f.err != nil {
		return f.err
	}
	// The optional trailing fields carry nothing the engine uses.
	c.srv.engine.cancel(c.origin(), id)
	return nil
}

// handleReqGlobalCancel: reqGlobalCancel (58): below version 192
// [1]version, else extOperator and manualOrderIndicator.
func handleReqGlobalCancel(c *client, f *fields) error {
	if c.version < svCMETaggingFields {
		f.int("version")
	}
	if f.err != nil {
		return f.err
	}
	c.srv.engine.globalCancel()
	return nil
}

// handleReqOpenOrders: reqOpenOrders (5): [1]version. This client's open
// orders as openOrder + orderStatus each, then openOrderEnd.
func handleReqOpenOrders(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.openOrders(c.origin(), false, true)
	return nil
}

// handleReqAllOpenOrders: reqAllOpenOrders (16): [1]version. Every
// client's open orders, then openOrderEnd.
func handleReqAllOpenOrders(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.openOrders(c.origin(), true, true)
	return nil
}

// handleReqAutoOpenOrders: reqAutoOpenOrders (15): [1]version
// [2]autoBind. It binds orders placed in the TWS window to client 0; the
// simulator has no such window, so there is nothing to bind and nothing is
// answered (client 0 or not).
func handleReqAutoOpenOrders(c *client, f *fields) error {
	f.int("version")
	f.bool("autoBind")
	return f.err
}

// handleReqCompletedOrders: reqCompletedOrders (99): [1]apiOnly. Every
// completed (filled, cancelled or inactive) order of the account as
// completedOrder, then completedOrdersEnd.
func handleReqCompletedOrders(c *client, f *fields) error {
	f.bool("apiOnly")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.completedOrders(c.origin())
	return nil
}

// handleReqPositions: reqPositions (61): [1]version. One position per
// holding (closed today: quantity 0), positionEnd, then a position
// message per change until cancelPositions.
func handleReqPositions(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.reqPositions(c.origin())
	return nil
}

// handleCancelPositions: cancelPositions (64): [1]version.
func handleCancelPositions(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.cancelPositions(c.origin())
	return nil
}

// handleReqExecutions: reqExecutions (7): [1]version [2]reqId [3]clientId
// [4]acctCode [5]time [6]symbol [7]secType [8]exchange [9]side, and at
// version 200 [10]lastNDays [11]specificDatesCount and the dates. Answers
// execDetails (with the reqId) and commissionReport per matching fill,
// then execDetailsEnd.
//
// Filter rules: clientId 0 and empty strings match everything; time
// ("yyyymmdd hh:mm:ss", New York time unless a zone follows, or
// "yyyymmdd-hh:mm:ss" UTC) keeps fills at or after it; side BUY or SELL.
// Without lastNDays and specific dates only today's fills (New York date of
// the market clock) are returned; lastNDays N keeps the fills of the last N
// days including today, and specific dates (yyyymmdd) add those dates.
func handleReqExecutions(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	f.reqID = reqID
	var flt execFilter
	flt.clientID = f.int("clientId")
	flt.acct = f.str("acctCode")
	tm := f.str("time")
	flt.symbol = f.str("symbol")
	flt.secType = f.str("secType")
	flt.exchange = f.str("exchange")
	flt.side = strings.ToUpper(strings.TrimSpace(f.str("side")))
	flt.lastNDays = unsetInt
	if c.version >= 200 {
		flt.lastNDays = f.maxInt("lastNDays")
		n := f.int("specificDatesCount")
		if n < 0 || n > 1000 {
			return &fieldError{Index: f.i - 1, Name: "specificDatesCount", Value: strconv.FormatInt(n, 10), Want: "0..1000"}
		}
		for range n {
			flt.dates = append(flt.dates, f.int("specificDate"))
		}
	}
	if f.err != nil {
		return f.err
	}
	flt.since = parseFilterTime(tm)
	c.srv.engine.executions(c.origin(), reqID, flt)
	return nil
}

// parseFilterTime parses an execution filter time; zero when empty or not
// understood.
func parseFilterTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse("20060102-15:04:05", s); err == nil {
		return t
	}
	loc := newYork
	fs := strings.Fields(s)
	if len(fs) >= 3 {
		if l, err := time.LoadLocation(fs[2]); err == nil {
			loc = l
		}
		s = fs[0] + " " + fs[1]
	}
	for _, layout := range []string{"20060102 15:04:05", "20060102  15:04:05", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	return time.Time{}
}

// handleReqAccountUpdates: reqAccountUpdates (6): [1]version [2]subscribe
// [3]acctCode. Subscribing sends every account value, portfolioValue per
// position, accountUpdateTime and accountDownloadEnd.
func handleReqAccountUpdates(c *client, f *fields) error {
	f.int("version")
	sub := f.bool("subscribe")
	f.optStr()
	if f.err != nil {
		return f.err
	}
	c.srv.engine.accountUpdates(c.origin(), sub)
	return nil
}

// handleReqAccountSummary: reqAccountSummary (62): [1]version [2]reqId
// [3]group [4]tags. At most Config.Limits.MaxAccountSummary subscriptions
// per connection at once; one more gets 322.
func handleReqAccountSummary(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	f.reqID = reqID
	f.str("group")
	tags := f.str("tags")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.accountSummary(c.origin(), reqID, tags)
	return nil
}

// handleCancelAccountSummary: cancelAccountSummary (63): [1]version
// [2]reqId.
func handleCancelAccountSummary(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.cancelAccountSummary(c.origin(), reqID)
	return nil
}

// handleReqPnL: reqPnL (92): [1]reqId [2]account [3]modelCode.
func handleReqPnL(c *client, f *fields) error {
	reqID := f.int("reqId")
	f.reqID = reqID
	f.str("account")
	f.optStr()
	if f.err != nil {
		return f.err
	}
	c.srv.engine.reqPnL(c.origin(), reqID)
	return nil
}

// handleCancelPnL: cancelPnL (93): [1]reqId.
func handleCancelPnL(c *client, f *fields) error {
	reqID := f.int("reqId")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.cancelPnL(c.origin(), reqID)
	return nil
}
