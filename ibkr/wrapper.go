package ibkr

import (
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
)

// wrapper receives one connection's messages from its decoder goroutine
// (as a conn.Handler) and routes them. Every method returns at once:
// deliveries are appends under short locks and non-blocking channel sends.
type wrapper struct {
	s   *Session
	gen uint64 // the connection's generation
}

var _ conn.Handler = (*wrapper)(nil)

func (w *wrapper) NextValidID(id int64) { w.s.ids.seed(id) }

func (w *wrapper) CurrentTime(t int64) { w.s.times.Deliver(t) }

func (w *wrapper) Error(reqID int64, at time.Time, code int64, msg, advanced string) {
	s := w.s
	e := &APIError{ReqID: reqID, Code: code, Msg: msg, AdvancedOrderRejectJSON: advanced, Time: at}
	switch code {
	case 1100:
		s.connectivityLost(w.gen, e)
		return
	case 1101:
		s.connectivityRestored(e, true)
		return
	case 1102:
		s.connectivityRestored(e, false)
		return
	}
	info := LookupCode(code)
	// An id the order book knows is an order's, whatever its range (a
	// client id's order ids can reach the request id range); then a
	// pending request's.
	if reqID >= 0 && s.orders.knows(reqID) {
		s.routeOrderError(reqID, e, info)
		return
	}
	if reqID >= 0 {
		if t := s.router.Get(reqID); t != nil {
			s.routeRequestError(t, e, info)
			return
		}
	}
	if !info.Warning {
		s.log.Warn("ibkr: gateway error", "code", code, "reqId", reqID, "msg", msg)
	}
	if reqID < 0 {
		s.failRuleOnError(e)
	}
	s.warn(e)
}

// routeRequestError delivers an error or warning for a request id.
func (s *Session) routeRequestError(t target, e *APIError, info CodeInfo) {
	if e.Code == 10197 {
		// A competing live session: a snapshot waits in vain, so it fails;
		// a stream keeps its subscription and resumes when it ends.
		if r, ok := t.(*snapshotReq); ok {
			r.fail(e)
		}
		s.warn(e)
		return
	}
	if info.Warning || !info.EndsRequest {
		s.warn(e)
		return
	}
	t.fail(e)
}

// routeOrderError delivers an error or warning for an order id: to a cancel
// waiter, a what-if, or the order's Trade, as the code table says.
func (s *Session) routeOrderError(id int64, e *APIError, info CodeInfo) {
	s.orders.mu.Lock()
	wi := s.orders.whatIf[id]
	_, cancelling := s.orders.cancels[id]
	t := s.orders.trades[id]
	s.orders.mu.Unlock()
	if e.Code == 202 {
		// Cancelled: a confirmation, not a failure.
		s.orders.cancelDone(id, nil)
		if t != nil {
			t.cancelled()
		}
		s.warn(e)
		return
	}
	if !info.Warning && e.Code != 202 && s.orders.modified(id, e, nil) {
		// A modification was refused; the order works as before.
		return
	}
	if cancelling && !info.Warning && !info.EndsOrder {
		// The cancel was refused (10147, 10148, 135, 161, ...); the order
		// itself is untouched.
		s.orders.cancelDone(id, e)
		return
	}
	if wi != nil {
		if info.Warning {
			s.warn(e)
			return
		}
		wi.fail(e)
		return
	}
	if t == nil {
		s.log.Debug("ibkr: error for an unknown id", "id", id, "code", e.Code, "msg", e.Msg)
		s.warn(e)
		return
	}
	switch {
	case info.Warning:
		s.warn(e)
	case info.EndsOrder:
		t.finish(e)
		s.orders.cancelDone(id, e)
	case !known(e.Code):
		// A code the table does not know: ask the Gateway whether the
		// order still works, and end it with the error if not.
		s.warn(e)
		s.verifyLater(t, e)
	default:
		// A listed error that leaves the order working (a modification
		// refused, ...).
		s.warn(e)
	}
}

func (w *wrapper) ContractDetails(reqID int64, d conn.ContractDetails) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[ContractDetails]); ok {
		o.Add(detailsFromWire(d))
	}
}

func (w *wrapper) ContractDetailsEnd(reqID int64) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[ContractDetails]); ok {
		o.Finish()
	}
}

func (w *wrapper) SecDefOptParams(reqID int64, exchange string, underlyingConID int64, tradingClass, multiplier string, expirations []string, strikes []float64) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[OptionChain]); ok {
		o.Add(chainFromWire(exchange, underlyingConID, tradingClass, multiplier, expirations, strikes))
	}
}

func (w *wrapper) SecDefOptParamsEnd(reqID int64) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[OptionChain]); ok {
		o.Finish()
	}
}

func (w *wrapper) MarketRule(id int64, incs []conn.PriceIncrement) {
	w.s.deliverRule(id, incs)
}

// Market data.

func (w *wrapper) sink(reqID int64) quoteSink {
	q, _ := w.s.router.Get(reqID).(quoteSink)
	return q
}

func (w *wrapper) TickPrice(reqID, tickType int64, price float64) {
	if q := w.sink(reqID); q != nil {
		q.state().price(tickType, price, w.s.cfg.MarketClock())
		q.changed()
	}
}

func (w *wrapper) TickSize(reqID, tickType int64, size string, sent bool) {
	if q := w.sink(reqID); q != nil {
		v, ok := sizeValue(size, sent)
		q.state().size(tickType, v, ok, w.s.cfg.MarketClock())
		q.changed()
	}
}

func (w *wrapper) TickGeneric(reqID, tickType int64, value float64) {
	if q := w.sink(reqID); q != nil {
		q.state().generic(tickType, value, w.s.cfg.MarketClock())
		q.changed()
	}
}

func (w *wrapper) TickOptionComputation(reqID, tickType int64, iv, delta, optPrice, pvDiv, gamma, vega, theta, undPrice float64) {
	if q := w.sink(reqID); q != nil {
		g := Greeks{ImpliedVol: iv, Delta: delta, OptPrice: optPrice, PVDividend: pvDiv, Gamma: gamma, Vega: vega, Theta: theta, UndPrice: undPrice}
		q.state().option(tickType, g, w.s.cfg.MarketClock())
		q.changed()
	}
}

func (w *wrapper) TickSnapshotEnd(reqID int64) {
	if q := w.sink(reqID); q != nil {
		q.snapshotEnd()
	}
}

func (w *wrapper) MarketDataType(reqID int64, t int64) {
	if q := w.sink(reqID); q != nil {
		q.state().dataType(t)
	}
}

// History.

func (w *wrapper) HistoricalData(reqID int64, b conn.Bar) {
	t := w.s.router.Get(reqID)
	if bs, ok := t.(*barsSub); ok {
		bs.bar(b)
		return
	}
	o, ok := t.(*oneShot[Bar])
	if !ok {
		return
	}
	bar, err := barFromWire(b)
	if err != nil {
		o.Fail(err)
		return
	}
	o.Add(bar)
}

func (w *wrapper) HistoricalDataEnd(reqID int64) {
	switch t := w.s.router.Get(reqID).(type) {
	case *oneShot[Bar]:
		t.Finish()
	case *barsSub:
		t.answered()
	}
}

// Orders.

func (w *wrapper) OpenOrder(orderID int64, c conn.Contract, o conn.Order, st conn.OrderState) {
	s := w.s
	if o.WhatIf {
		s.orders.mu.Lock()
		wi := s.orders.whatIf[orderID]
		s.orders.mu.Unlock()
		if wi != nil {
			wi.Add(previewFromWire(st))
			wi.Finish()
		}
		return
	}
	info := OrderInfo{OrderID: orderID, PermID: o.PermID, ClientID: o.ClientID, Contract: contractFromWire(c), Order: orderFromWire(o), Status: st.Status}
	s.openOrdersFlight.Add(info)
	if o.ClientID == s.cfg.ClientID || o.ClientID == 0 {
		s.orders.mu.Lock()
		t := s.orders.trades[orderID]
		if t == nil && orderID > 0 && !terminalStatus(st.Status) {
			// Adopt an order of this client id placed before this Session
			// (the Gateway re-sends them on connect).
			t = adoptedTrade(s, orderID, info.Contract, info.Order, w.gen)
			s.orders.trades[orderID] = t
			s.ids.seed(orderID + 1)
		}
		s.orders.mu.Unlock()
		if t != nil {
			t.seen(o.PermID)
			s.orders.modified(orderID, nil, &info.Order)
		}
	}
}

func (w *wrapper) OpenOrderEnd() {
	w.s.openOrdersFlight.Finish()
}

func (w *wrapper) OrderStatus(orderID int64, status, filled, remaining string, avgFillPrice float64, permID, parentID int64, lastFillPrice float64, whyHeld string) {
	st := OrderStatus{
		OrderID: orderID, Status: status, Filled: sizeDecimal(filled), Remaining: sizeDecimal(remaining),
		AvgFillPrice: priceDecimal(avgFillPrice), LastFillPrice: priceDecimal(lastFillPrice),
		PermID: permID, ParentID: parentID, WhyHeld: whyHeld, At: w.s.cfg.MarketClock(),
	}
	if t := w.s.orders.trade(orderID); t != nil {
		t.setStatus(st)
	}
	if status == "Cancelled" || status == "ApiCancelled" {
		w.s.orders.cancelDone(orderID, nil)
	}
}

func (w *wrapper) ExecDetails(reqID int64, c conn.Contract, e conn.Execution) {
	s := w.s
	f := Fill{
		ExecID: e.ExecID, Time: e.Time, Side: e.Side, Shares: sizeDecimal(e.Shares), Price: priceDecimal(e.Price),
		CumQty: sizeDecimal(e.CumQty), AvgPrice: priceDecimal(e.AvgPrice), Exchange: e.Exchange,
	}
	if reqID >= 0 {
		if o, ok := s.router.Get(reqID).(*oneShot[Execution]); ok {
			o.Add(Execution{OrderID: e.OrderID, Contract: contractFromWire(c), Fill: f})
		}
	}
	s.orders.mu.Lock()
	t := s.orders.trades[e.OrderID]
	if t != nil {
		s.orders.byExec[e.ExecID] = e.OrderID
	}
	comm, hasComm := s.orders.comms[e.ExecID]
	s.orders.mu.Unlock()
	if t == nil {
		return
	}
	if hasComm {
		f.Commission, f.RealizedPNL, f.Currency = comm.Commission, comm.RealizedPNL, comm.Currency
	}
	// Live (reqId -1) or the answer to an executions request (fills made
	// while the session was away): either way the trade's.
	t.addFill(f)
}

func (w *wrapper) ExecDetailsEnd(reqID int64) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[Execution]); ok {
		o.Finish()
	}
}

// maxCommissions bounds the commission reports kept for executions
// requests.
const maxCommissions = 10000

func (w *wrapper) CommissionReport(r conn.CommissionReport) {
	s := w.s
	f := Fill{Commission: priceDecimal(r.CommissionAndFees), RealizedPNL: priceDecimal(r.RealizedPNL), Currency: r.Currency}
	if r.RealizedPNL < 0 && r.RealizedPNL != -1 {
		f.RealizedPNL = decimalFromSigned(r.RealizedPNL)
	}
	s.orders.mu.Lock()
	if len(s.orders.comms) >= maxCommissions {
		for k := range s.orders.comms {
			delete(s.orders.comms, k)
			break
		}
	}
	s.orders.comms[r.ExecID] = f
	t := s.orders.trades[s.orders.byExec[r.ExecID]]
	s.orders.mu.Unlock()
	if t == nil {
		return
	}
	t.mu.Lock()
	for i := range t.fills {
		if t.fills[i].ExecID == r.ExecID {
			t.fills[i].Commission, t.fills[i].RealizedPNL, t.fills[i].Currency = f.Commission, f.RealizedPNL, f.Currency
			t.emit(TradeEvent{Kind: TradeCommission, Fill: t.fills[i]})
		}
	}
	last := t.finished && !t.commissionsDue()
	t.mu.Unlock()
	if last {
		t.endStreams()
	}
}

func (w *wrapper) CompletedOrder(c conn.Contract, o conn.Order, st conn.OrderState) {
	w.s.completedFlight.Add(OrderInfo{OrderID: o.OrderID, PermID: o.PermID, ClientID: o.ClientID, Contract: contractFromWire(c), Order: orderFromWire(o), Status: st.Status})
}

func (w *wrapper) CompletedOrdersEnd() {
	w.s.completedFlight.Finish()
}

// Account.

func (w *wrapper) Position(account string, c conn.Contract, pos string, avgCost float64) {
	u := w.s.posSub()
	if !w.s.positionsFlight.Active() && u == nil {
		return
	}
	p := Position{Account: account, Contract: contractFromWire(c), Quantity: decimalFromSigned(pos), AvgCost: priceDecimal(avgCost)}
	if w.s.positionsFlight.Active() {
		w.s.positionsFlight.Add(p)
	}
	if u != nil {
		u.st.push(PositionUpdate{Position: p})
	}
}

func (w *wrapper) PositionEnd() {
	s := w.s
	s.positionsFlight.Finish()
	if u := s.posSub(); u != nil {
		// The subscription is the stream's: keep it.
		u.st.push(PositionUpdate{SnapshotEnd: true})
		return
	}
	s.sendAsync(w.gen, pace.LaneOrder, conn.CancelPositions{})
}

func (w *wrapper) AccountSummary(reqID int64, account, tag, value, currency string) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[AccountValue]); ok {
		o.Add(AccountValue{Account: account, Tag: tag, Value: value, Currency: currency})
	}
}

func (w *wrapper) AccountSummaryEnd(reqID int64) {
	if o, ok := w.s.router.Get(reqID).(*oneShot[AccountValue]); ok {
		o.Finish()
	}
}
