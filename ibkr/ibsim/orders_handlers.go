package ibsim

import (
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// handlePlaceOrder: placeOrder (3), parsed at the negotiated version.
func handlePlaceOrder(c *client, f *wire.Fields) error {
	r, err := wire.ParsePlaceOrder(f, c.version)
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
	if c.version < wire.SvCMETaggingFields {
		f.Int("version")
	}
	id := f.Int("orderId")
	f.ReqID = id
	if f.Err != nil {
		return f.Err
	}
	// The optional trailing fields carry nothing the engine uses.
	c.srv.engine.Cancel(c.origin(), id)
	return nil
}

// handleReqGlobalCancel: reqGlobalCancel (58): below version 192
// [1]version, else extOperator and manualOrderIndicator.
func handleReqGlobalCancel(c *client, f *wire.Fields) error {
	if c.version < wire.SvCMETaggingFields {
		f.Int("version")
	}
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.GlobalCancel()
	return nil
}

// handleReqOpenOrders: reqOpenOrders (5): [1]version. This client's open
// orders as openOrder + orderStatus each, then openOrderEnd.
func handleReqOpenOrders(c *client, f *wire.Fields) error {
	f.Int("version")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.OpenOrders(c.origin(), false, true)
	return nil
}

// handleReqAllOpenOrders: reqAllOpenOrders (16): [1]version. Every
// client's open orders, then openOrderEnd.
func handleReqAllOpenOrders(c *client, f *wire.Fields) error {
	f.Int("version")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.OpenOrders(c.origin(), true, true)
	return nil
}

// handleReqAutoOpenOrders: reqAutoOpenOrders (15): [1]version
// [2]autoBind. It binds orders placed in the TWS window to client 0; the
// simulator has no such window, so there is nothing to bind and nothing is
// answered (client 0 or not).
func handleReqAutoOpenOrders(c *client, f *wire.Fields) error {
	f.Int("version")
	f.Bool("autoBind")
	return f.Err
}

// handleReqCompletedOrders: reqCompletedOrders (99): [1]apiOnly. Every
// completed (filled, cancelled or inactive) order of the account as
// completedOrder, then completedOrdersEnd.
func handleReqCompletedOrders(c *client, f *wire.Fields) error {
	f.Bool("apiOnly")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.CompletedOrders(c.origin())
	return nil
}

// handleReqPositions: reqPositions (61): [1]version. One position per
// holding (closed today: quantity 0), positionEnd, then a position
// message per change until cancelPositions.
func handleReqPositions(c *client, f *wire.Fields) error {
	f.Int("version")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.Positions(c.origin())
	return nil
}

// handleCancelPositions: cancelPositions (64): [1]version.
func handleCancelPositions(c *client, f *wire.Fields) error {
	f.Int("version")
	if f.Err != nil {
		return f.Err
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
	f.Int("version")
	reqID := f.Int("reqId")
	f.ReqID = reqID
	var flt engine.ExecFilter
	flt.ClientID = f.Int("clientId")
	flt.Acct = f.Str("acctCode")
	tm := f.Str("time")
	flt.Symbol = f.Str("symbol")
	flt.SecType = f.Str("secType")
	flt.Exchange = f.Str("exchange")
	flt.Side = strings.ToUpper(strings.TrimSpace(f.Str("side")))
	flt.LastNDays = engine.UnsetInt
	if c.version >= 200 {
		flt.LastNDays = f.MaxInt("lastNDays")
		n := f.Int("specificDatesCount")
		if n < 0 || n > 1000 {
			return &wire.FieldError{Index: f.Pos - 1, Name: "specificDatesCount", Value: strconv.FormatInt(n, 10), Want: "0..1000"}
		}
		for range n {
			flt.Dates = append(flt.Dates, f.Int("specificDate"))
		}
	}
	if f.Err != nil {
		return f.Err
	}
	flt.Since = parseFilterTime(tm)
	c.srv.engine.Executions(c.origin(), reqID, flt)
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
	loc := market.NewYork
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
func handleReqAccountUpdates(c *client, f *wire.Fields) error {
	f.Int("version")
	sub := f.Bool("subscribe")
	f.OptStr()
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.AccountUpdates(c.origin(), sub)
	return nil
}

// handleReqAccountSummary: reqAccountSummary (62): [1]version [2]reqId
// [3]group [4]tags. At most Config.Limits.MaxAccountSummary subscriptions
// per connection at once; one more gets 322.
func handleReqAccountSummary(c *client, f *wire.Fields) error {
	f.Int("version")
	reqID := f.Int("reqId")
	f.ReqID = reqID
	f.Str("group")
	tags := f.Str("tags")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.AccountSummary(c.origin(), reqID, tags)
	return nil
}

// handleCancelAccountSummary: cancelAccountSummary (63): [1]version
// [2]reqId.
func handleCancelAccountSummary(c *client, f *wire.Fields) error {
	f.Int("version")
	reqID := f.Int("reqId")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.CancelAccountSummary(c.origin(), reqID)
	return nil
}

// handleReqPnL: reqPnL (92): [1]reqId [2]account [3]modelCode.
func handleReqPnL(c *client, f *wire.Fields) error {
	reqID := f.Int("reqId")
	f.ReqID = reqID
	f.Str("account")
	f.OptStr()
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.PnL(c.origin(), reqID)
	return nil
}

// handleCancelPnL: cancelPnL (93): [1]reqId.
func handleCancelPnL(c *client, f *wire.Fields) error {
	reqID := f.Int("reqId")
	if f.Err != nil {
		return f.Err
	}
	c.srv.engine.CancelPnL(c.origin(), reqID)
	return nil
}
