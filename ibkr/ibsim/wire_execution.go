package ibsim

import "github.com/scmhub/ibapi"

// encodeOrderStatus builds orderStatus (3) at version.
func encodeOrderStatus(version int, st orderStatus) *msg {
	m := newMsg(ibapi.ORDER_STATUS)
	if version < svMarketCapPrice {
		m.int(orderStatusMsgVersion)
	}
	m.int(st.orderID).str(st.status)
	putQuantity(m, st.filled)
	putQuantity(m, st.remaining)
	m.float(st.avgFillPrice).int(st.permID).int(st.parentID).float(st.lastFillPrice).
		int(st.clientID).str(st.whyHeld)
	if version >= svMarketCapPrice {
		m.float(st.mktCapPrice)
	}
	return m
}

// encodeExecDetails builds execDetails (11) at version; reqID is -1 for an
// unsolicited fill.
func encodeExecDetails(version int, reqID int64, e execution) *msg {
	m := newMsg(ibapi.EXECUTION_DATA)
	if version < svLastLiquidity {
		m.int(execDetailsMsgVersion)
	}
	m.int(reqID).int(e.orderID)
	c := e.ref
	m.int(c.conID).str(c.symbol).str(c.secType).str(c.expiry).float(c.strike).
		str(c.right).str(c.multiplier).str(c.exchange).str(c.currency).
		str(c.localSymbol).str(c.tradingClass)
	m.str(e.execID).str(e.time).str(e.account).str(e.exchange).str(e.side)
	putQuantity(m, e.shares)
	m.float(e.price).int(e.permID).int(e.clientID).int(e.liquidation)
	putQuantity(m, e.cumQty)
	m.float(e.avgPrice).str(e.orderRef).str(e.evRule)
	if e.evMultiplier == 0 {
		m.str("")
	} else {
		m.float(e.evMultiplier)
	}
	if version >= svModelsSupport {
		m.str(e.modelCode)
	}
	if version >= svLastLiquidity {
		m.int(e.lastLiquidity)
	}
	if version >= svPendingPriceRevision {
		m.bool(e.pendingPriceRevision)
	}
	if version >= svSubmitter {
		m.str(e.submitter)
	}
	return m
}

// encodeExecDetailsEnd builds execDetailsEnd (55).
func encodeExecDetailsEnd(reqID int64) *msg {
	return newMsg(ibapi.EXECUTION_DATA_END).int(1).int(reqID)
}

// encodeCommissionReport builds commissionReport (59). Its layout does not
// depend on the version.
func encodeCommissionReport(version int, c commissionReport) *msg {
	_ = version
	m := newMsg(ibapi.COMMISSION_AND_FEES_REPORT).int(1).str(c.execID)
	putMaxText(m, c.commission)
	m.str(c.currency)
	putMaxText(m, c.realizedPNL)
	putMaxText(m, c.yield)
	m.int(c.yieldRedemptionDate)
	return m
}
