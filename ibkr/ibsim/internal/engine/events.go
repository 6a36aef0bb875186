package engine

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// The events the engine reports to its sink, one type per TWS API message
// they become. Each is a value the sink owns: the engine keeps nothing
// of it after send returns.

// Event is one thing the engine reports.
type Event interface{ isEvent() }

// OpenOrder reports an order (openOrder, 5); a what-if preview carries
// its margins and commission in view.preview.
type OpenOrder struct{ View *OrderView }

// OpenOrderEnd ends a list of open orders (openOrderEnd, 53).
type OpenOrderEnd struct{}

// CompletedOrder reports an order that ended (completedOrder, 101).
type CompletedOrder struct{ View *OrderView }

// CompletedOrdersEnd ends the completed orders (completedOrdersEnd, 102).
type CompletedOrdersEnd struct{}

// ExecDetails reports one execution (execDetails, 11); reqID is -1 for a
// fill as it happens.
type ExecDetails struct {
	ReqID int64
	Exec  Execution
}

// ExecDetailsEnd ends the executions of a request (execDetailsEnd, 55).
type ExecDetailsEnd struct{ ReqID int64 }

// ErrMsg is an error or a notice on an order or request id (errMsg, 4).
type ErrMsg struct {
	ID   int64
	Code int
	Text string
}

// AccountValue is one account value (updateAccountValue, 6).
type AccountValue struct {
	Key, Value, Currency, Account string
}

// PortfolioValue is one position with its valuation (updatePortfolio, 7).
// The figures are rounded as they are reported.
type PortfolioValue struct {
	In       *market.Instrument
	Qty      float64
	Mark     float64 // market price, 8 decimals
	Value    float64 // market value, cents
	AvgCost  float64 // 8 decimals
	Unreal   float64 // cents
	Realized float64 // cents
	Account  string
}

// AccountUpdateTime is the time of an account update (updateAccountTime,
// 8): "15:04" New York time.
type AccountUpdateTime struct{ Time string }

// AccountDownloadEnd ends the first account update (accountDownloadEnd, 54).
type AccountDownloadEnd struct{ Account string }

// PositionData is one position (position, 61).
type PositionData struct {
	Account string
	In      *market.Instrument
	Qty     float64
	AvgCost float64 // 8 decimals
}

// PositionEnd ends the positions (positionEnd, 62).
type PositionEnd struct{}

// AccountSummary is one account summary row (accountSummary, 63).
type AccountSummary struct {
	ReqID                         int64
	Account, Tag, Value, Currency string
}

// AccountSummaryEnd ends a summary's first answer (accountSummaryEnd, 64).
type AccountSummaryEnd struct{ ReqID int64 }

// PnL is the daily, unrealized and realized PnL of the account (pnl, 94).
type PnL struct {
	ReqID                       int64
	Daily, Unrealized, Realized float64
}

// PnLSingle is the PnL of one position (pnlSingle, 95).
type PnLSingle struct {
	ReqID                              int64
	Pos                                float64
	Daily, Unrealized, Realized, Value float64
}

func (PnLSingle) isEvent() {}

func (OrderStatus) isEvent()        {}
func (OpenOrder) isEvent()          {}
func (OpenOrderEnd) isEvent()       {}
func (CompletedOrder) isEvent()     {}
func (CompletedOrdersEnd) isEvent() {}
func (ExecDetails) isEvent()        {}
func (ExecDetailsEnd) isEvent()     {}
func (CommissionReport) isEvent()   {}
func (ErrMsg) isEvent()             {}
func (AccountValue) isEvent()       {}
func (PortfolioValue) isEvent()     {}
func (AccountUpdateTime) isEvent()  {}
func (AccountDownloadEnd) isEvent() {}
func (PositionData) isEvent()       {}
func (PositionEnd) isEvent()        {}
func (AccountSummary) isEvent()     {}
func (AccountSummaryEnd) isEvent()  {}
func (PnL) isEvent()                {}
