package ibsim

import "github.com/scmhub/ibapi"

// encodeAccountValue builds updateAccountValue (6), version 2.
func encodeAccountValue(v accountValue) *msg {
	return newMsg(ibapi.ACCT_VALUE).int(2).str(v.key).str(v.value).str(v.currency).str(v.account)
}

// encodePortfolio builds updatePortfolio (7), version 8.
func encodePortfolio(v portfolioValue) *msg {
	in := v.in
	m := newMsg(ibapi.PORTFOLIO_VALUE).int(8)
	m.int(in.conID).str(in.symbol).str(in.secType).str(in.expiry).float(in.strike).str(in.right).
		str(in.multiplier).str(in.primaryExch).str(in.currency).str(in.localSymbol).str(in.tradingClass)
	m.decimal(v.qty)
	m.float(v.mark).float(v.value).float(v.avgCost).float(v.unreal).float(v.realized).str(v.account)
	return m
}

// encodeAccountUpdateTime builds updateAccountTime (8).
func encodeAccountUpdateTime(v accountUpdateTime) *msg {
	return newMsg(ibapi.ACCT_UPDATE_TIME).int(1).str(v.time)
}

// encodeAccountDownloadEnd builds accountDownloadEnd (54).
func encodeAccountDownloadEnd(v accountDownloadEnd) *msg {
	return newMsg(ibapi.ACCT_DOWNLOAD_END).int(1).str(v.account)
}

// encodePosition builds position (61), version 3. An option's exchange
// is sent empty.
func encodePosition(v positionData) *msg {
	in := v.in
	m := newMsg(ibapi.POSITION_DATA).int(3).str(v.account)
	exch := in.primaryExch
	if in.isOption() {
		exch = ""
	}
	m.int(in.conID).str(in.symbol).str(in.secType).str(in.expiry).float(in.strike).str(in.right).
		str(in.multiplier).str(exch).str(in.currency).str(in.localSymbol).str(in.tradingClass)
	m.decimal(v.qty).float(v.avgCost)
	return m
}

// encodePositionEnd builds positionEnd (62).
func encodePositionEnd() *msg { return newMsg(ibapi.POSITION_END).int(1) }

// encodeAccountSummary builds accountSummary (63).
func encodeAccountSummary(v accountSummary) *msg {
	return newMsg(ibapi.ACCOUNT_SUMMARY).int(1).int(v.reqID).str(v.account).str(v.tag).str(v.value).str(v.currency)
}

// encodeAccountSummaryEnd builds accountSummaryEnd (64).
func encodeAccountSummaryEnd(v accountSummaryEnd) *msg {
	return newMsg(ibapi.ACCOUNT_SUMMARY_END).int(1).int(v.reqID)
}

// encodePnL builds pnl (94): reqId, dailyPnL, and unrealizedPnL (version
// >= 129) and realizedPnL (version >= 135).
func encodePnL(version int, v pnl) *msg {
	m := newMsg(ibapi.PNL).int(v.reqID).float(v.daily)
	if version >= 129 {
		m.float(v.unrealized)
	}
	if version >= 135 {
		m.float(v.realized)
	}
	return m
}
