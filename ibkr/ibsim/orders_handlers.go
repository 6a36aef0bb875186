package ibsim

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// handlePlaceOrder: placeOrder (3), parsed at the negotiated version.
func handlePlaceOrder(c *client, f *wire.Fields) error {
	r, err := c.codec.PlaceOrder(f)
	if err != nil {
		return err
	}
	r.ClientID = c.clientID
	c.stats.orderReceived()
	c.srv.engine.Place(c.origin(), r)
	return nil
}

// handleCancelOrder: cancelOrder (4): below version 192 [1]version; then
// orderId, manualOrderCancelTime (version >= 169), and extOperator and
// manualOrderIndicator (version >= 192).
func handleCancelOrder(c *client, f *wire.Fields) error {
	id, err := c.codec.CancelOrder(f)
	if err != nil {
		return err
	}
	c.srv.engine.Cancel(c.origin(), id)
	return nil
}

// handleReqGlobalCancel: reqGlobalCancel (58): below version 192
// [1]version, else extOperator and manualOrderIndicator.
func handleReqGlobalCancel(c *client, f *wire.Fields) error {
	if err := c.codec.ReqGlobalCancel(f); err != nil {
		return err
	}
	c.srv.engine.GlobalCancel()
	return nil
}

// handleReqOpenOrders: reqOpenOrders (5): [1]version. This client's open
// orders as openOrder + orderStatus each, then openOrderEnd.
func handleReqOpenOrders(c *client, f *wire.Fields) error {
	if err := c.codec.ReqOpenOrders(f); err != nil {
		return err
	}
	c.srv.engine.OpenOrders(c.origin(), false, true)
	return nil
}

// handleReqAllOpenOrders: reqAllOpenOrders (16): [1]version. Every
// client's open orders, then openOrderEnd.
func handleReqAllOpenOrders(c *client, f *wire.Fields) error {
	if err := c.codec.ReqAllOpenOrders(f); err != nil {
		return err
	}
	c.srv.engine.OpenOrders(c.origin(), true, true)
	return nil
}

// handleReqAutoOpenOrders: reqAutoOpenOrders (15): [1]version
// [2]autoBind. It binds orders placed in the TWS window to client 0; the
// simulator has no such window, so there is nothing to bind and nothing is
// answered (client 0 or not).
func handleReqAutoOpenOrders(c *client, f *wire.Fields) error {
	_, err := c.codec.ReqAutoOpenOrders(f)
	return err
}

// handleReqCompletedOrders: reqCompletedOrders (99): [1]apiOnly. Every
// completed (filled, cancelled or inactive) order of the account as
// completedOrder, then completedOrdersEnd.
func handleReqCompletedOrders(c *client, f *wire.Fields) error {
	if _, err := c.codec.ReqCompletedOrders(f); err != nil {
		return err
	}
	c.srv.engine.CompletedOrders(c.origin())
	return nil
}

// handleReqPositions: reqPositions (61): [1]version. One position per
// holding (closed today: quantity 0), positionEnd, then a position
// message per change until cancelPositions.
func handleReqPositions(c *client, f *wire.Fields) error {
	if err := c.codec.ReqPositions(f); err != nil {
		return err
	}
	c.srv.engine.Positions(c.origin())
	return nil
}

// handleCancelPositions: cancelPositions (64): [1]version.
func handleCancelPositions(c *client, f *wire.Fields) error {
	if err := c.codec.CancelPositions(f); err != nil {
		return err
	}
	c.srv.engine.CancelPositions(c.origin())
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
func handleReqExecutions(c *client, f *wire.Fields) error {
	reqID, flt, err := c.codec.ReqExecutions(f)
	if err != nil {
		return err
	}
	c.srv.engine.Executions(c.origin(), reqID, flt)
	return nil
}

// handleReqAccountUpdates: reqAccountUpdates (6): [1]version [2]subscribe
// [3]acctCode. Subscribing sends every account value, portfolioValue per
// position, accountUpdateTime and accountDownloadEnd.
func handleReqAccountUpdates(c *client, f *wire.Fields) error {
	sub, err := c.codec.ReqAccountUpdates(f)
	if err != nil {
		return err
	}
	c.srv.engine.AccountUpdates(c.origin(), sub)
	return nil
}

// handleReqAccountSummary: reqAccountSummary (62): [1]version [2]reqId
// [3]group [4]tags. At most Config.Limits.MaxAccountSummary subscriptions
// per connection at once; one more gets 322.
func handleReqAccountSummary(c *client, f *wire.Fields) error {
	reqID, tags, err := c.codec.ReqAccountSummary(f)
	if err != nil {
		return err
	}
	c.srv.engine.AccountSummary(c.origin(), reqID, tags)
	return nil
}

// handleCancelAccountSummary: cancelAccountSummary (63): [1]version
// [2]reqId.
func handleCancelAccountSummary(c *client, f *wire.Fields) error {
	reqID, err := c.codec.CancelAccountSummary(f)
	if err != nil {
		return err
	}
	c.srv.engine.CancelAccountSummary(c.origin(), reqID)
	return nil
}

// handleReqPnL: reqPnL (92): [1]reqId [2]account [3]modelCode.
func handleReqPnL(c *client, f *wire.Fields) error {
	reqID, err := c.codec.ReqPnL(f)
	if err != nil {
		return err
	}
	c.srv.engine.PnL(c.origin(), reqID)
	return nil
}

// handleCancelPnL: cancelPnL (93): [1]reqId.
func handleCancelPnL(c *client, f *wire.Fields) error {
	reqID, err := c.codec.CancelPnL(f)
	if err != nil {
		return err
	}
	c.srv.engine.CancelPnL(c.origin(), reqID)
	return nil
}

// handleReqPnLSingle: reqPnLSingle (94): [1]reqId [2]account [3]modelCode
// [4]conId; answers pnlSingle at once and on every change of a cent.
func handleReqPnLSingle(c *client, f *wire.Fields) error {
	reqID, conID, err := c.codec.ReqPnLSingle(f)
	if err != nil {
		return err
	}
	c.srv.engine.PnLSingle(c.origin(), reqID, conID)
	return nil
}

// handleCancelPnLSingle: cancelPnLSingle (95): [1]reqId.
func handleCancelPnLSingle(c *client, f *wire.Fields) error {
	reqID, err := c.codec.CancelPnLSingle(f)
	if err != nil {
		return err
	}
	c.srv.engine.CancelPnLSingle(c.origin(), reqID)
	return nil
}
