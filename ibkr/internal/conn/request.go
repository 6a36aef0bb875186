package conn

import "github.com/scmhub/ibapi"

// Request is one message the Session writes. Each request type below is one
// EClient call; Conn.Send performs it. The set is closed: only this package
// defines requests, so only this package calls the EClient.
type Request interface {
	send(ec *ibapi.EClient)
}

// CurrentTime is reqCurrentTime.
type CurrentTime struct{}

// OpenOrders is reqOpenOrders.
type OpenOrders struct{}

// CompletedOrders is reqCompletedOrders.
type CompletedOrders struct{ APIOnly bool }

// Positions is reqPositions.
type Positions struct{}

// CancelPositions is cancelPositions.
type CancelPositions struct{}

// AccountSummary is reqAccountSummary.
type AccountSummary struct {
	ReqID       int64
	Group, Tags string
}

// CancelAccountSummary is cancelAccountSummary.
type CancelAccountSummary struct{ ReqID int64 }

// Executions is reqExecutions.
type Executions struct {
	ReqID  int64
	Filter ExecutionFilter
}

// ContractDetailsReq is reqContractDetails.
type ContractDetailsReq struct {
	ReqID    int64
	Contract Contract
}

// SecDefOptParams is reqSecDefOptParams.
type SecDefOptParams struct {
	ReqID                           int64
	Symbol, FutFopExchange, SecType string
	UnderlyingConID                 int64
}

// MarketDataType is reqMarketDataType.
type MarketDataType struct{ Type int64 }

// MktData is reqMktData (no regulatory snapshot, no options).
type MktData struct {
	ReqID        int64
	Contract     Contract
	GenericTicks string
	Snapshot     bool
}

// CancelMktData is cancelMktData.
type CancelMktData struct{ ReqID int64 }

// HistoricalData is reqHistoricalData with formatDate 2 (epoch seconds for
// intraday bars). With KeepUpToDate (End must be empty) the Gateway goes
// on with historicalDataUpdate after the bars.
type HistoricalData struct {
	ReqID                              int64
	Contract                           Contract
	End, Duration, BarSize, WhatToShow string
	UseRTH                             bool
	KeepUpToDate                       bool
}

// CancelHistoricalData is cancelHistoricalData.
type CancelHistoricalData struct{ ReqID int64 }

// PlaceOrder is placeOrder; the order's id is Order.OrderID.
type PlaceOrder struct {
	Contract Contract
	Order    Order
}

// CancelOrder is cancelOrder.
type CancelOrder struct{ OrderID int64 }

// GlobalCancel is reqGlobalCancel.
type GlobalCancel struct{}

// PnL is reqPnL.
type PnL struct {
	ReqID              int64
	Account, ModelCode string
}

// CancelPnL is cancelPnL.
type CancelPnL struct{ ReqID int64 }

// PnLSingle is reqPnLSingle.
type PnLSingle struct {
	ReqID              int64
	Account, ModelCode string
	ConID              int64
}

// CancelPnLSingle is cancelPnLSingle.
type CancelPnLSingle struct{ ReqID int64 }

// AccountUpdates is reqAccountUpdates; Subscribe false ends the
// subscription.
type AccountUpdates struct {
	Subscribe bool
	Account   string
}

// MarketRule is reqMarketRule.
type MarketRule struct{ ID int64 }

func (CurrentTime) send(ec *ibapi.EClient)       { ec.ReqCurrentTime() }
func (OpenOrders) send(ec *ibapi.EClient)        { ec.ReqOpenOrders() }
func (r CompletedOrders) send(ec *ibapi.EClient) { ec.ReqCompletedOrders(r.APIOnly) }
func (Positions) send(ec *ibapi.EClient)         { ec.ReqPositions() }
func (CancelPositions) send(ec *ibapi.EClient)   { ec.CancelPositions() }
func (r AccountSummary) send(ec *ibapi.EClient)  { ec.ReqAccountSummary(r.ReqID, r.Group, r.Tags) }
func (r CancelAccountSummary) send(ec *ibapi.EClient) {
	ec.CancelAccountSummary(r.ReqID)
}
func (r Executions) send(ec *ibapi.EClient) {
	f := ibapi.NewExecutionFilter()
	f.ClientID, f.AcctCode, f.Symbol, f.SecType, f.Exchange, f.Side, f.Time = r.Filter.ClientID, r.Filter.AcctCode, r.Filter.Symbol, r.Filter.SecType, r.Filter.Exchange, r.Filter.Side, r.Filter.Time
	ec.ReqExecutions(r.ReqID, f)
}
func (r ContractDetailsReq) send(ec *ibapi.EClient) {
	ec.ReqContractDetails(r.ReqID, r.Contract.toIB())
}
func (r SecDefOptParams) send(ec *ibapi.EClient) {
	ec.ReqSecDefOptParams(r.ReqID, r.Symbol, r.FutFopExchange, r.SecType, r.UnderlyingConID)
}
func (r MarketDataType) send(ec *ibapi.EClient) { ec.ReqMarketDataType(r.Type) }
func (r MktData) send(ec *ibapi.EClient) {
	ec.ReqMktData(r.ReqID, r.Contract.toIB(), r.GenericTicks, r.Snapshot, false, nil)
}
func (r CancelMktData) send(ec *ibapi.EClient) { ec.CancelMktData(r.ReqID) }
func (r HistoricalData) send(ec *ibapi.EClient) {
	ec.ReqHistoricalData(r.ReqID, r.Contract.toIB(), r.End, r.Duration, r.BarSize, r.WhatToShow, r.UseRTH, 2, r.KeepUpToDate, nil)
}
func (r CancelHistoricalData) send(ec *ibapi.EClient) { ec.CancelHistoricalData(r.ReqID) }
func (r PlaceOrder) send(ec *ibapi.EClient) {
	ec.PlaceOrder(r.Order.OrderID, r.Contract.toIB(), r.Order.toIB())
}
func (r CancelOrder) send(ec *ibapi.EClient)     { ec.CancelOrder(r.OrderID, ibapi.NewOrderCancel()) }
func (r MarketRule) send(ec *ibapi.EClient)      { ec.ReqMarketRule(r.ID) }
func (GlobalCancel) send(ec *ibapi.EClient)      { ec.ReqGlobalCancel(ibapi.NewOrderCancel()) }
func (r PnL) send(ec *ibapi.EClient)             { ec.ReqPnL(r.ReqID, r.Account, r.ModelCode) }
func (r CancelPnL) send(ec *ibapi.EClient)       { ec.CancelPnL(r.ReqID) }
func (r CancelPnLSingle) send(ec *ibapi.EClient) { ec.CancelPnLSingle(r.ReqID) }
func (r PnLSingle) send(ec *ibapi.EClient) {
	ec.ReqPnLSingle(r.ReqID, r.Account, r.ModelCode, r.ConID)
}
func (r AccountUpdates) send(ec *ibapi.EClient) { ec.ReqAccountUpdates(r.Subscribe, r.Account) }
