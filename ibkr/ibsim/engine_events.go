package ibsim

// The events the engine reports to its sink, one type per TWS API message
// they become. Each is a value the sink owns: the engine keeps nothing
// of it after send returns.

// event is one thing the engine reports.
type event interface{ isEvent() }

// openOrder reports an order (openOrder, 5); a what-if preview carries
// its margins and commission in view.preview.
type openOrder struct{ view *orderView }

// openOrderEnd ends a list of open orders (openOrderEnd, 53).
type openOrderEnd struct{}

// completedOrder reports an order that ended (completedOrder, 101).
type completedOrder struct{ view *orderView }

// completedOrdersEnd ends the completed orders (completedOrdersEnd, 102).
type completedOrdersEnd struct{}

// execDetails reports one execution (execDetails, 11); reqID is -1 for a
// fill as it happens.
type execDetails struct {
	reqID int64
	exec  execution
}

// execDetailsEnd ends the executions of a request (execDetailsEnd, 55).
type execDetailsEnd struct{ reqID int64 }

// errMsg is an error or a notice on an order or request id (errMsg, 4).
type errMsg struct {
	id   int64
	code int
	text string
}

// accountValue is one account value (updateAccountValue, 6).
type accountValue struct {
	key, value, currency, account string
}

// portfolioValue is one position with its valuation (updatePortfolio, 7).
// The figures are rounded as they are reported.
type portfolioValue struct {
	in       *instrument
	qty      float64
	mark     float64 // market price, 8 decimals
	value    float64 // market value, cents
	avgCost  float64 // 8 decimals
	unreal   float64 // cents
	realized float64 // cents
	account  string
}

// accountUpdateTime is the time of an account update (updateAccountTime,
// 8): "15:04" New York time.
type accountUpdateTime struct{ time string }

// accountDownloadEnd ends the first account update (accountDownloadEnd, 54).
type accountDownloadEnd struct{ account string }

// positionData is one position (position, 61).
type positionData struct {
	account string
	in      *instrument
	qty     float64
	avgCost float64 // 8 decimals
}

// positionEnd ends the positions (positionEnd, 62).
type positionEnd struct{}

// accountSummary is one account summary row (accountSummary, 63).
type accountSummary struct {
	reqID                         int64
	account, tag, value, currency string
}

// accountSummaryEnd ends a summary's first answer (accountSummaryEnd, 64).
type accountSummaryEnd struct{ reqID int64 }

// pnl is the daily, unrealized and realized PnL of the account (pnl, 94).
type pnl struct {
	reqID                       int64
	daily, unrealized, realized float64
}

func (orderStatus) isEvent()        {}
func (openOrder) isEvent()          {}
func (openOrderEnd) isEvent()       {}
func (completedOrder) isEvent()     {}
func (completedOrdersEnd) isEvent() {}
func (execDetails) isEvent()        {}
func (execDetailsEnd) isEvent()     {}
func (commissionReport) isEvent()   {}
func (errMsg) isEvent()             {}
func (accountValue) isEvent()       {}
func (portfolioValue) isEvent()     {}
func (accountUpdateTime) isEvent()  {}
func (accountDownloadEnd) isEvent() {}
func (positionData) isEvent()       {}
func (positionEnd) isEvent()        {}
func (accountSummary) isEvent()     {}
func (accountSummaryEnd) isEvent()  {}
func (pnl) isEvent()                {}
