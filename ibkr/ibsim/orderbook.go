package ibsim

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Order ids and the list requests of the order engine (orders.go,
// account.go): open orders, completed orders, positions and executions.

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

// reqPositions answers with one position per holding and positionEnd,
// and subscribes the requester to position changes.
func (e *engine) reqPositions(from origin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct.rollover(e, e.now())
	for _, p := range e.acct.sorted() {
		e.emit(from.reply(), e.positionOf(p))
	}
	e.emit(from.reply(), positionEnd{})
	e.subs.positions[from.conn] = true
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

// cancelPositions ends the requester's position subscription.
func (e *engine) cancelPositions(from origin) {
	e.mu.Lock()
	delete(e.subs.positions, from.conn)
	e.mu.Unlock()
}

// execFilter is reqExecutions' filter.
type execFilter struct {
	clientID  int64
	acct      string
	since     time.Time // zero: none
	symbol    string
	secType   string
	exchange  string
	side      string // "BUY" or "SELL"
	lastNDays int64  // unsetInt or <= 0: none
	dates     []int64
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

// executions answers reqExecutions: execDetails and commissionReport for
// each fill that matches flt, then execDetailsEnd.
func (e *engine) executions(from origin, reqID int64, flt execFilter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for _, x := range e.execs {
		if !flt.match(x, now) {
			continue
		}
		e.emit(from.reply(), execDetails{reqID: reqID, exec: x.exec})
		e.emit(from.reply(), x.comm)
	}
	e.emit(from.reply(), execDetailsEnd{reqID: reqID})
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

func (flt *execFilter) match(x *execRecord, now time.Time) bool {
	v := &x.exec
	if flt.clientID != 0 && flt.clientID != v.clientID {
		return false
	}
	if flt.acct != "" && !strings.EqualFold(flt.acct, v.account) {
		return false
	}
	if !flt.since.IsZero() && x.at.Before(flt.since) {
		return false
	}
	if flt.symbol != "" && !strings.EqualFold(flt.symbol, v.ref.symbol) {
		return false
	}
	if flt.secType != "" && !strings.EqualFold(flt.secType, x.sec) {
		return false
	}
	if flt.exchange != "" && !strings.EqualFold(flt.exchange, v.exchange) {
		return false
	}
	switch flt.side {
	case "BUY", "BOT":
		if v.side != "BOT" {
			return false
		}
	case "SELL", "SLD":
		if v.side != "SLD" {
			return false
		}
	}
	day := dateNum(x.at)
	today := dateNum(now)
	byDays := flt.lastNDays != unsetInt && flt.lastNDays > 0
	if !byDays && len(flt.dates) == 0 {
		return day == today
	}
	for _, d := range flt.dates {
		if d == day {
			return true
		}
	}
	if byDays {
		ny := now.In(newYork)
		first := time.Date(ny.Year(), ny.Month(), ny.Day()-int(min(flt.lastNDays, math.MaxInt16))+1, 0, 0, 0, 0, newYork)
		return !x.at.Before(first)
	}
	return false
}

// dateNum is t's New York date as yyyymmdd.
func dateNum(t time.Time) int64 {
	ny := t.In(newYork)
	return int64(ny.Year()*10000 + int(ny.Month())*100 + ny.Day())
}
