package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// encodeOrderStatus builds orderStatus (3) at version.
func encodeOrderStatus(version int, st engine.OrderStatus) *Msg {
	m := NewMsg(ibapi.ORDER_STATUS)
	if version < svMarketCapPrice {
		m.Int(orderStatusMsgVersion)
	}
	m.Int(st.OrderID).Str(st.Status)
	putQuantity(m, st.Filled)
	putQuantity(m, st.Remaining)
	m.Float(st.AvgFillPrice).Int(st.PermID).Int(st.ParentID).Float(st.LastFillPrice).
		Int(st.ClientID).Str(st.WhyHeld)
	if version >= svMarketCapPrice {
		m.Float(st.MktCapPrice)
	}
	return m
}

// encodeExecDetails builds execDetails (11) at version; reqID is -1 for an
// unsolicited fill.
func encodeExecDetails(version int, reqID int64, e engine.Execution) *Msg {
	m := NewMsg(ibapi.EXECUTION_DATA)
	if version < svLastLiquidity {
		m.Int(execDetailsMsgVersion)
	}
	m.Int(reqID).Int(e.OrderID)
	c := e.Ref
	m.Int(c.ConID).Str(c.Symbol).Str(c.SecType).Str(c.Expiry).Float(c.Strike).
		Str(c.Right).Str(c.Multiplier).Str(c.Exchange).Str(c.Currency).
		Str(c.LocalSymbol).Str(c.TradingClass)
	m.Str(e.ExecID).Str(e.Time).Str(e.Account).Str(e.Exchange).Str(e.Side)
	putQuantity(m, e.Shares)
	m.Float(e.Price).Int(e.PermID).Int(e.ClientID).Int(e.Liquidation)
	putQuantity(m, e.CumQty)
	m.Float(e.AvgPrice).Str(e.OrderRef).Str(e.EvRule)
	if e.EvMultiplier == 0 {
		m.Str("")
	} else {
		m.Float(e.EvMultiplier)
	}
	if version >= svModelsSupport {
		m.Str(e.ModelCode)
	}
	if version >= svLastLiquidity {
		m.Int(e.LastLiquidity)
	}
	if version >= svPendingPriceRevision {
		m.bool(e.PendingPriceRevision)
	}
	if version >= svSubmitter {
		m.Str(e.Submitter)
	}
	return m
}

// encodeExecDetailsEnd builds execDetailsEnd (55).
func encodeExecDetailsEnd(reqID int64) *Msg {
	return NewMsg(ibapi.EXECUTION_DATA_END).Int(1).Int(reqID)
}

// encodeCommissionReport builds commissionReport (59). Its layout does not
// depend on the version.
func encodeCommissionReport(version int, c engine.CommissionReport) *Msg {
	_ = version
	m := NewMsg(ibapi.COMMISSION_AND_FEES_REPORT).Int(1).Str(c.ExecID)
	putMaxText(m, c.Commission)
	m.Str(c.Currency)
	putMaxText(m, c.RealizedPNL)
	putMaxText(m, c.Yield)
	m.Int(c.YieldRedemptionDate)
	return m
}
