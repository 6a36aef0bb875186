package ibkr

import (
	"time"

	"github.com/scmhub/ibapi"
)

// wrapper receives one connection's callbacks from the EClient's decoder
// goroutine and routes them. Every method returns at once: deliveries are
// appends under short locks and non-blocking channel sends.
type wrapper struct {
	quietWrapper
	s *Session
	c *conn
}

func (w *wrapper) ConnectionClosed() {
	w.c.closedOnce.Do(func() { close(w.c.closedCh) })
}

func (w *wrapper) NextValidID(id int64) {
	c := w.c
	c.mu.Lock()
	first := !c.gotID
	c.nextValidID = max(c.nextValidID, id)
	c.gotID = true
	c.mu.Unlock()
	if first {
		c.markReady()
		return
	}
	w.s.ids.seed(id)
}

func (w *wrapper) ManagedAccounts(accts []string) {
	c := w.c
	c.mu.Lock()
	c.accounts = append([]string(nil), accts...)
	c.gotAccounts = true
	c.mu.Unlock()
	c.markReady()
}

func (w *wrapper) CurrentTime(t int64) {
	if t == barrierTime {
		w.c.barrierOnce.Do(func() { close(w.c.barrier) })
		return
	}
	if !w.c.probe.finished() {
		w.c.probe.add(t)
		w.c.probe.finish()
		return
	}
	if o := w.s.router.popTimeWaiter(); o != nil {
		o.add(t)
		o.finish()
	}
}

func (w *wrapper) Error(reqID, errTime, code int64, msg, advanced string) {
	s := w.s
	e := &APIError{ReqID: reqID, Code: code, Msg: msg, AdvancedOrderRejectJSON: advanced}
	if errTime > 0 {
		e.Time = time.UnixMilli(errTime)
	}
	switch code {
	case 326:
		w.c.mu.Lock()
		w.c.refusal = e
		w.c.mu.Unlock()
		w.c.refusedOnce.Do(func() { close(w.c.refused) })
		return
	case 1100:
		s.connectivityLost(w.c, e)
		return
	case 1101:
		s.connectivityRestored(w.c, e, true)
		return
	case 1102:
		s.connectivityRestored(w.c, e, false)
		return
	case 202:
		// Order cancelled: a confirmation, not a failure.
		s.orders.cancelDone(reqID, nil)
		s.warn(e)
		return
	}
	if IsWarning(code) || code == 10090 || code == 10197 {
		s.warn(e)
		if code == 10197 {
			// A competing live session: a snapshot waits in vain, so it
			// fails; a stream keeps its subscription.
			if r, ok := s.router.get(reqID).(*snapshotReq); ok {
				r.fail(e)
			}
		}
		return
	}
	if reqID < 0 {
		s.log.Warn("ibkr: gateway error", "code", code, "msg", msg)
		s.warn(e)
		return
	}
	if t := s.router.get(reqID); t != nil {
		t.fail(e)
		return
	}
	// An order id.
	switch code {
	case 10147, 10148, 135, 161:
		s.orders.cancelDone(reqID, e)
		return
	}
	s.orders.mu.Lock()
	wi := s.orders.whatIf[reqID]
	s.orders.mu.Unlock()
	if wi != nil {
		wi.fail(e)
		return
	}
	if t := s.orders.trade(reqID); t != nil {
		if code == 399 || code == 404 || code == 434 {
			s.warn(e) // order warnings (e.g. held until the open)
			return
		}
		t.finish(e)
		return
	}
	s.log.Debug("ibkr: error for an unknown id", "id", reqID, "code", code, "msg", msg)
}

func (w *wrapper) ContractDetails(reqID int64, d *ibapi.ContractDetails) {
	if o, ok := w.s.router.get(reqID).(*oneShot[ContractDetails]); ok {
		o.add(detailsFromIB(d))
	}
}

func (w *wrapper) ContractDetailsEnd(reqID int64) {
	if o, ok := w.s.router.get(reqID).(*oneShot[ContractDetails]); ok {
		o.finish()
	}
}

func (w *wrapper) SecurityDefinitionOptionParameter(reqID int64, exchange string, underlyingConID int64, tradingClass, multiplier string, expirations []string, strikes []float64) {
	if o, ok := w.s.router.get(reqID).(*oneShot[OptionChain]); ok {
		o.add(chainFromIB(exchange, underlyingConID, tradingClass, multiplier, expirations, strikes))
	}
}

func (w *wrapper) SecurityDefinitionOptionParameterEnd(reqID int64) {
	if o, ok := w.s.router.get(reqID).(*oneShot[OptionChain]); ok {
		o.finish()
	}
}

// Market data.

func (w *wrapper) sink(reqID int64) quoteSink {
	q, _ := w.s.router.get(reqID).(quoteSink)
	return q
}

func (w *wrapper) TickPrice(reqID int64, tickType ibapi.TickType, price float64, _ ibapi.TickAttrib) {
	if q := w.sink(reqID); q != nil {
		q.state().price(int64(tickType), price, time.Now())
		q.changed()
	}
}

func (w *wrapper) TickSize(reqID int64, tickType ibapi.TickType, size ibapi.Decimal) {
	if q := w.sink(reqID); q != nil {
		q.state().size(int64(tickType), sizeDecimal(size), time.Now())
		q.changed()
	}
}

func (w *wrapper) TickGeneric(reqID int64, tickType ibapi.TickType, value float64) {
	if q := w.sink(reqID); q != nil {
		q.state().generic(int64(tickType), value, time.Now())
		q.changed()
	}
}

func (w *wrapper) TickOptionComputation(reqID int64, tickType ibapi.TickType, _ int64, iv, delta, optPrice, pvDiv, gamma, vega, theta, undPrice float64) {
	if q := w.sink(reqID); q != nil {
		g := Greeks{ImpliedVol: iv, Delta: delta, OptPrice: optPrice, PVDividend: pvDiv, Gamma: gamma, Vega: vega, Theta: theta, UndPrice: undPrice}
		q.state().option(int64(tickType), g, time.Now())
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

func (w *wrapper) HistoricalData(reqID int64, b *ibapi.Bar) {
	o, ok := w.s.router.get(reqID).(*oneShot[Bar])
	if !ok {
		return
	}
	bar, err := barFromIB(b)
	if err != nil {
		o.fail(err)
		return
	}
	o.add(bar)
}

func (w *wrapper) HistoricalDataEnd(reqID int64, _, _ string) {
	if o, ok := w.s.router.get(reqID).(*oneShot[Bar]); ok {
		o.finish()
	}
}

// Orders.

func (w *wrapper) OpenOrder(orderID int64, c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	s := w.s
	if o.WhatIf {
		s.orders.mu.Lock()
		wi := s.orders.whatIf[orderID]
		s.orders.mu.Unlock()
		if wi != nil {
			wi.add(previewFromIB(st))
			wi.finish()
		}
		return
	}
	info := OrderInfo{OrderID: orderID, PermID: o.PermID, ClientID: o.ClientID, Contract: contractFromIB(c), Order: orderFromIB(o), Status: st.Status}
	if f := s.openOrdersFlight.current(); f != nil {
		f.add(info)
	}
	if o.ClientID == s.cfg.ClientID || o.ClientID == 0 {
		s.orders.mu.Lock()
		t := s.orders.trades[orderID]
		if t == nil && orderID > 0 && !isTerminal(st.Status) {
			// Adopt an order of this client id placed before this Session
			// (the Gateway re-sends them on connect).
			t = newTrade(s, orderID, info.Contract, info.Order)
			s.orders.trades[orderID] = t
			s.ids.seed(orderID + 1)
		}
		s.orders.mu.Unlock()
		if t != nil {
			t.acked()
		}
	}
}

func isTerminal(status string) bool {
	return OrderStatus{Status: status}.Terminal()
}

func (w *wrapper) OpenOrderEnd() {
	if f := w.s.openOrdersFlight.current(); f != nil {
		f.finish()
	}
}

func (w *wrapper) OrderStatus(orderID int64, status string, filled, remaining ibapi.Decimal, avgFillPrice float64, permID, parentID int64, lastFillPrice float64, _ int64, whyHeld string, _ float64) {
	st := OrderStatus{
		OrderID: orderID, Status: status, Filled: sizeDecimal(filled), Remaining: sizeDecimal(remaining),
		AvgFillPrice: priceDecimal(avgFillPrice), LastFillPrice: priceDecimal(lastFillPrice),
		PermID: permID, ParentID: parentID, WhyHeld: whyHeld, At: time.Now(),
	}
	if t := w.s.orders.trade(orderID); t != nil {
		t.setStatus(st)
	}
	if status == "Cancelled" || status == "ApiCancelled" {
		w.s.orders.cancelDone(orderID, nil)
	}
}

func (w *wrapper) ExecDetails(reqID int64, c *ibapi.Contract, e *ibapi.Execution) {
	s := w.s
	f := Fill{
		ExecID: e.ExecID, Time: e.Time, Side: e.Side, Shares: sizeDecimal(e.Shares), Price: priceDecimal(e.Price),
		CumQty: sizeDecimal(e.CumQty), AvgPrice: priceDecimal(e.AvgPrice), Exchange: e.Exchange,
	}
	if reqID >= 0 {
		if o, ok := s.router.get(reqID).(*oneShot[Execution]); ok {
			o.add(Execution{OrderID: e.OrderID, Contract: contractFromIB(c), Fill: f})
		}
	}
	s.orders.mu.Lock()
	t := s.orders.trades[e.OrderID]
	if t != nil {
		s.orders.byExec[e.ExecID] = e.OrderID
	}
	comm, hasComm := s.orders.comms[e.ExecID]
	s.orders.mu.Unlock()
	if t == nil || reqID >= 0 {
		return
	}
	if hasComm {
		f.Commission, f.RealizedPNL, f.Currency = comm.Commission, comm.RealizedPNL, comm.Currency
	}
	t.mu.Lock()
	dup := false
	for _, x := range t.fills {
		if x.ExecID == f.ExecID {
			dup = true
		}
	}
	if !dup {
		t.fills = append(t.fills, f)
	}
	t.mu.Unlock()
}

func (w *wrapper) ExecDetailsEnd(reqID int64) {
	if o, ok := w.s.router.get(reqID).(*oneShot[Execution]); ok {
		o.finish()
	}
}

// maxCommissions bounds the commission reports kept for executions
// requests.
const maxCommissions = 10000

func (w *wrapper) CommissionAndFeesReport(r ibapi.CommissionAndFeesReport) {
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
		}
	}
	t.mu.Unlock()
}

func (w *wrapper) CompletedOrder(c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	if f := w.s.completedFlight.current(); f != nil {
		f.add(OrderInfo{OrderID: o.OrderID, PermID: o.PermID, ClientID: o.ClientID, Contract: contractFromIB(c), Order: orderFromIB(o), Status: st.Status})
	}
}

func (w *wrapper) CompletedOrdersEnd() {
	if f := w.s.completedFlight.current(); f != nil {
		f.finish()
	}
}

// Account.

func (w *wrapper) Position(account string, c *ibapi.Contract, pos ibapi.Decimal, avgCost float64) {
	if f := w.s.positionsFlight.current(); f != nil {
		q := decimalFromSigned(ibapi.DecimalToString(pos))
		f.add(Position{Account: account, Contract: contractFromIB(c), Quantity: q, AvgCost: priceDecimal(avgCost)})
	}
}

func (w *wrapper) PositionEnd() {
	s := w.s
	if f := s.positionsFlight.current(); f != nil {
		f.finish()
	}
	s.sendAsync(w.c.gen, laneOrder, func(ec *ibapi.EClient) { ec.CancelPositions() })
}

func (w *wrapper) AccountSummary(reqID int64, account, tag, value, currency string) {
	if o, ok := w.s.router.get(reqID).(*oneShot[AccountValue]); ok {
		o.add(AccountValue{Account: account, Tag: tag, Value: value, Currency: currency})
	}
}

func (w *wrapper) AccountSummaryEnd(reqID int64) {
	if o, ok := w.s.router.get(reqID).(*oneShot[AccountValue]); ok {
		o.finish()
	}
}
