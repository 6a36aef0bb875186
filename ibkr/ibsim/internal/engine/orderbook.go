package engine

import (
	"math"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// The order book's lists: open orders, completed orders, positions and
// executions.

// openOrdersOf returns the live (transmitted) orders of a client id, or
// of every client id when all is true, in placement order.
func (e *Engine) openOrdersOf(clientID int64, all bool) []*simOrder {
	var out []*simOrder
	for _, o := range e.live {
		if all || o.key.client == clientID {
			out = append(out, o)
		}
	}
	return out
}

// OpenOrders answers with openOrder + orderStatus for each open order of
// the requester's client id (every client id's with all) and, with end,
// openOrderEnd.
func (e *Engine) OpenOrders(from Origin, all, end bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.openOrdersOf(from.ClientID, all) {
		e.sendState(from.reply(), o)
	}
	if end {
		e.emit(from.reply(), OpenOrderEnd{})
	}
}

// CompletedOrders answers with every completed order, then the end
// marker.
func (e *Engine) CompletedOrders(from Origin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.done {
		e.emit(from.reply(), CompletedOrder{e.view(o)})
	}
	e.emit(from.reply(), CompletedOrdersEnd{})
}

// Positions answers with one position per holding and positionEnd,
// and subscribes the requester to position changes.
func (e *Engine) Positions(from Origin) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct.rollover(e, e.now())
	for _, p := range e.acct.sorted() {
		e.emit(from.reply(), e.positionOf(p))
	}
	e.emit(from.reply(), PositionEnd{})
	e.subs.positions[from.Conn] = true
}

// CancelPositions ends the requester's position subscription.
func (e *Engine) CancelPositions(from Origin) {
	e.mu.Lock()
	delete(e.subs.positions, from.Conn)
	e.mu.Unlock()
}

// ExecFilter is reqExecutions' filter.
type ExecFilter struct {
	ClientID  int64
	Acct      string
	Since     time.Time // zero: none
	Symbol    string
	SecType   string
	Exchange  string
	Side      string // "BUY" or "SELL"
	LastNDays int64  // unsetInt or <= 0: none
	Dates     []int64
}

// Executions answers reqExecutions: execDetails and commissionReport for
// each fill that matches flt, then execDetailsEnd.
func (e *Engine) Executions(from Origin, reqID int64, flt ExecFilter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for _, x := range e.execs {
		if !flt.match(x, now) {
			continue
		}
		e.emit(from.reply(), ExecDetails{ReqID: reqID, Exec: x.exec})
		e.emit(from.reply(), x.comm)
	}
	e.emit(from.reply(), ExecDetailsEnd{ReqID: reqID})
}

func (flt *ExecFilter) match(x *execRecord, now time.Time) bool {
	v := &x.exec
	if flt.ClientID != 0 && flt.ClientID != v.ClientID {
		return false
	}
	if flt.Acct != "" && !strings.EqualFold(flt.Acct, v.Account) {
		return false
	}
	if !flt.Since.IsZero() && x.at.Before(flt.Since) {
		return false
	}
	if flt.Symbol != "" && !strings.EqualFold(flt.Symbol, v.Ref.Symbol) {
		return false
	}
	if flt.SecType != "" && !strings.EqualFold(flt.SecType, x.sec) {
		return false
	}
	if flt.Exchange != "" && !strings.EqualFold(flt.Exchange, v.Exchange) {
		return false
	}
	switch flt.Side {
	case "BUY", "BOT":
		if v.Side != "BOT" {
			return false
		}
	case "SELL", "SLD":
		if v.Side != "SLD" {
			return false
		}
	}
	day := dateNum(x.at)
	today := dateNum(now)
	byDays := flt.LastNDays != UnsetInt && flt.LastNDays > 0
	if !byDays && len(flt.Dates) == 0 {
		return day == today
	}
	for _, d := range flt.Dates {
		if d == day {
			return true
		}
	}
	if byDays {
		ny := now.In(market.NewYork)
		first := time.Date(ny.Year(), ny.Month(), ny.Day()-int(min(flt.LastNDays, math.MaxInt16))+1, 0, 0, 0, 0, market.NewYork)
		return !x.at.Before(first)
	}
	return false
}

// dateNum is t's New York date as yyyymmdd.
func dateNum(t time.Time) int64 {
	ny := t.In(market.NewYork)
	return int64(ny.Year()*10000 + int(ny.Month())*100 + ny.Day())
}
