package ibsim

// The order book's lists: open orders, completed orders, positions and
// executions.

import (
	"math"
	"strings"
	"time"
)

// openOrdersOf returns the live (transmitted) orders of a client id, or
// of every client id when all is true, in placement order.
func (e *engine) openOrdersOf(clientID int64, all bool) []*simOrder {
	var out []*simOrder
	for _, o := range e.live {
		if all || o.key.client == clientID {
			out = append(out, o)
		}
	}
	return out
}

// openOrders answers with openOrder + orderStatus for each open order of
// the requester's client id (every client id's with all) and, with end,
// openOrderEnd.
func (e *engine) openOrders(from origin, all, end bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.openOrdersOf(from.clientID, all) {
		e.sendState(from.reply(), o)
	}
	if end {
		e.emit(from.reply(), openOrderEnd{})
	}
}

// completedOrders answers with every completed order, then the end
// marker.
func (e *engine) completedOrders(from origin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.done {
		e.emit(from.reply(), completedOrder{e.view(o)})
	}
	e.emit(from.reply(), completedOrdersEnd{})
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
