package conn

import (
	"time"

	"github.com/scmhub/ibapi"
)

// Handler receives one connection's messages from the decoder goroutine,
// converted to the wire records of this package. Every method must return
// at once (appends under short locks, non-blocking sends): the reader
// never waits for a caller. The connection's own bootstrap (the first
// nextValidId, managedAccounts, the first round trip, the teardown
// barrier) and the refusal of the client id (326) never reach it.
type Handler interface {
	// NextValidID is a later nextValidId (after the bootstrap's).
	NextValidID(id int64)
	// CurrentTime is a currentTime answer other than the first round
	// trip's.
	CurrentTime(t int64)
	// Error is an error or notice; errTime is zero when the Gateway did
	// not say.
	Error(reqID int64, errTime time.Time, code int64, msg, advanced string)

	ContractDetails(reqID int64, d ContractDetails)
	ContractDetailsEnd(reqID int64)
	SecDefOptParams(reqID int64, exchange string, underlyingConID int64, tradingClass, multiplier string, expirations []string, strikes []float64)
	SecDefOptParamsEnd(reqID int64)
	MarketRule(id int64, incs []PriceIncrement)

	TickPrice(reqID, tickType int64, price float64)
	// TickSize: size is a decimal string; sent is false for the wire's
	// unset size.
	TickSize(reqID, tickType int64, size string, sent bool)
	TickGeneric(reqID, tickType int64, value float64)
	TickOptionComputation(reqID, tickType int64, iv, delta, optPrice, pvDividend, gamma, vega, theta, undPrice float64)
	TickSnapshotEnd(reqID int64)
	MarketDataType(reqID, t int64)

	HistoricalData(reqID int64, b Bar)
	HistoricalDataEnd(reqID int64)
	// HistoricalDataUpdate is the current bar of a keepUpToDate request
	// (the same bar again while it is still forming).
	HistoricalDataUpdate(reqID int64, b Bar)

	OpenOrder(orderID int64, c Contract, o Order, st OrderState)
	OpenOrderEnd()
	// OrderStatus: filled and remaining are decimal strings.
	OrderStatus(orderID int64, status, filled, remaining string, avgFillPrice float64, permID, parentID int64, lastFillPrice float64, whyHeld string)
	ExecDetails(reqID int64, c Contract, e Execution)
	ExecDetailsEnd(reqID int64)
	CommissionReport(r CommissionReport)
	CompletedOrder(c Contract, o Order, st OrderState)
	CompletedOrdersEnd()

	// Position: pos is a decimal string.
	Position(account string, c Contract, pos string, avgCost float64)
	PositionEnd()
	AccountSummary(reqID int64, account, tag, value, currency string)
	AccountSummaryEnd(reqID int64)

	// PnL: the wire's unset marker (math.MaxFloat64) is kept.
	PnL(reqID int64, daily, unrealized, realized float64)
	// PnLSingle: pos is a decimal string.
	PnLSingle(reqID int64, pos string, daily, unrealized, realized, value float64)
	// UpdateAccountValue, UpdatePortfolio, UpdateAccountTime and
	// AccountDownloadEnd answer reqAccountUpdates. UpdatePortfolio's pos is
	// a decimal string.
	UpdateAccountValue(tag, value, currency, account string)
	UpdatePortfolio(c Contract, pos string, marketPrice, marketValue, avgCost, unrealized, realized float64, account string)
	UpdateAccountTime(stamp string)
	AccountDownloadEnd(account string)
}

// wrapper is the decoder's EWrapper: the connection's bootstrap here, the
// rest converted and handed to the Handler.
type wrapper struct {
	QuietWrapper
	c *Conn
	h Handler
}

// encoderWrapper receives the encoder's few callbacks: client-side errors
// raised inside a request call (routed like the Gateway's), and its end.
type encoderWrapper struct {
	QuietWrapper
	w *wrapper
}

func (e *encoderWrapper) ConnectionClosed() {
	e.w.c.encClosedOnce.Do(func() { close(e.w.c.encClosed) })
}

func (e *encoderWrapper) Error(reqID, errTime, code int64, msg, advanced string) {
	e.w.Error(reqID, errTime, code, msg, advanced)
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
	w.h.NextValidID(id)
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
	select {
	case <-w.c.probed:
	default:
		w.c.probeOnce.Do(func() { close(w.c.probed) })
		return
	}
	w.h.CurrentTime(t)
}

func (w *wrapper) Error(reqID, errTime, code int64, msg, advanced string) {
	var at time.Time
	if errTime > 0 {
		at = time.UnixMilli(errTime)
	}
	if code == 326 {
		w.c.mu.Lock()
		w.c.refusal = &RefusedError{ReqID: reqID, Code: code, Time: at, Msg: msg, Advanced: advanced}
		w.c.mu.Unlock()
		w.c.refusedOnce.Do(func() { close(w.c.refused) })
		return
	}
	w.h.Error(reqID, at, code, msg, advanced)
}

func (w *wrapper) ContractDetails(reqID int64, d *ibapi.ContractDetails) {
	w.h.ContractDetails(reqID, detailsFromIB(d))
}

func (w *wrapper) ContractDetailsEnd(reqID int64) { w.h.ContractDetailsEnd(reqID) }

func (w *wrapper) SecurityDefinitionOptionParameter(reqID int64, exchange string, underlyingConID int64, tradingClass, multiplier string, expirations []string, strikes []float64) {
	w.h.SecDefOptParams(reqID, exchange, underlyingConID, tradingClass, multiplier, expirations, strikes)
}

func (w *wrapper) SecurityDefinitionOptionParameterEnd(reqID int64) { w.h.SecDefOptParamsEnd(reqID) }

func (w *wrapper) MarketRule(id int64, incs []ibapi.PriceIncrement) {
	out := make([]PriceIncrement, len(incs))
	for i, x := range incs {
		out[i] = PriceIncrement{LowEdge: x.LowEdge, Increment: x.Increment}
	}
	w.h.MarketRule(id, out)
}

func (w *wrapper) TickPrice(reqID int64, tickType ibapi.TickType, price float64, _ ibapi.TickAttrib) {
	w.h.TickPrice(reqID, int64(tickType), price)
}

func (w *wrapper) TickSize(reqID int64, tickType ibapi.TickType, size ibapi.Decimal) {
	s, ok := sizeFromIB(size)
	w.h.TickSize(reqID, int64(tickType), s, ok)
}

func (w *wrapper) TickGeneric(reqID int64, tickType ibapi.TickType, value float64) {
	w.h.TickGeneric(reqID, int64(tickType), value)
}

func (w *wrapper) TickOptionComputation(reqID int64, tickType ibapi.TickType, _ int64, iv, delta, optPrice, pvDiv, gamma, vega, theta, undPrice float64) {
	w.h.TickOptionComputation(reqID, int64(tickType), iv, delta, optPrice, pvDiv, gamma, vega, theta, undPrice)
}

func (w *wrapper) TickSnapshotEnd(reqID int64) { w.h.TickSnapshotEnd(reqID) }

func (w *wrapper) MarketDataType(reqID int64, t int64) { w.h.MarketDataType(reqID, t) }

func (w *wrapper) HistoricalData(reqID int64, b *ibapi.Bar) { w.h.HistoricalData(reqID, barFromIB(b)) }

func (w *wrapper) HistoricalDataEnd(reqID int64, _, _ string) { w.h.HistoricalDataEnd(reqID) }

func (w *wrapper) OpenOrder(orderID int64, c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	w.h.OpenOrder(orderID, contractFromIB(c), orderFromIB(o), stateFromIB(st))
}

func (w *wrapper) OpenOrderEnd() { w.h.OpenOrderEnd() }

func (w *wrapper) OrderStatus(orderID int64, status string, filled, remaining ibapi.Decimal, avgFillPrice float64, permID, parentID int64, lastFillPrice float64, _ int64, whyHeld string, _ float64) {
	w.h.OrderStatus(orderID, status, ibapi.DecimalToString(filled), ibapi.DecimalToString(remaining), avgFillPrice, permID, parentID, lastFillPrice, whyHeld)
}

func (w *wrapper) ExecDetails(reqID int64, c *ibapi.Contract, e *ibapi.Execution) {
	w.h.ExecDetails(reqID, contractFromIB(c), executionFromIB(e))
}

func (w *wrapper) ExecDetailsEnd(reqID int64) { w.h.ExecDetailsEnd(reqID) }

func (w *wrapper) CommissionAndFeesReport(r ibapi.CommissionAndFeesReport) {
	w.h.CommissionReport(CommissionReport{ExecID: r.ExecID, CommissionAndFees: r.CommissionAndFees, RealizedPNL: r.RealizedPNL, Currency: r.Currency})
}

func (w *wrapper) CompletedOrder(c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	w.h.CompletedOrder(contractFromIB(c), orderFromIB(o), stateFromIB(st))
}

func (w *wrapper) CompletedOrdersEnd() { w.h.CompletedOrdersEnd() }

func (w *wrapper) Position(account string, c *ibapi.Contract, pos ibapi.Decimal, avgCost float64) {
	w.h.Position(account, contractFromIB(c), ibapi.DecimalToString(pos), avgCost)
}

func (w *wrapper) PositionEnd() { w.h.PositionEnd() }

func (w *wrapper) AccountSummary(reqID int64, account, tag, value, currency string) {
	w.h.AccountSummary(reqID, account, tag, value, currency)
}

func (w *wrapper) AccountSummaryEnd(reqID int64) { w.h.AccountSummaryEnd(reqID) }

func (w *wrapper) HistoricalDataUpdate(reqID int64, b *ibapi.Bar) {
	w.h.HistoricalDataUpdate(reqID, barFromIB(b))
}

func (w *wrapper) Pnl(reqID int64, daily, unrealized, realized float64) {
	w.h.PnL(reqID, daily, unrealized, realized)
}

func (w *wrapper) PnlSingle(reqID int64, pos ibapi.Decimal, daily, unrealized, realized, value float64) {
	w.h.PnLSingle(reqID, ibapi.DecimalToString(pos), daily, unrealized, realized, value)
}

func (w *wrapper) UpdateAccountValue(tag, value, currency, account string) {
	w.h.UpdateAccountValue(tag, value, currency, account)
}

func (w *wrapper) UpdatePortfolio(c *ibapi.Contract, pos ibapi.Decimal, marketPrice, marketValue, avgCost, unrealized, realized float64, account string) {
	w.h.UpdatePortfolio(contractFromIB(c), ibapi.DecimalToString(pos), marketPrice, marketValue, avgCost, unrealized, realized, account)
}

func (w *wrapper) UpdateAccountTime(stamp string) { w.h.UpdateAccountTime(stamp) }

func (w *wrapper) AccountDownloadEnd(account string) { w.h.AccountDownloadEnd(account) }
