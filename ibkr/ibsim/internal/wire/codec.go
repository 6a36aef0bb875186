package wire

import (
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// EncodeEvent builds the message of one engine event at version. order
// reports an order message (openOrder, orderStatus, execDetails,
// commissionReport, completedOrder).
func EncodeEvent(version int, ev engine.Event) (m *Msg, order bool) {
	switch ev := ev.(type) {
	case engine.OrderStatus:
		return encodeOrderStatus(version, ev), true
	case engine.OpenOrder:
		return encodeOpenOrder(version, ev.View), true
	case engine.OpenOrderEnd:
		return encodeOpenOrderEnd(), false
	case engine.CompletedOrder:
		return encodeCompletedOrder(version, ev.View), true
	case engine.CompletedOrdersEnd:
		return encodeCompletedOrdersEnd(), false
	case engine.ExecDetails:
		return encodeExecDetails(version, ev.ReqID, ev.Exec), true
	case engine.ExecDetailsEnd:
		return encodeExecDetailsEnd(ev.ReqID), false
	case engine.CommissionReport:
		return encodeCommissionReport(version, ev), true
	case engine.ErrMsg:
		return EncodeError(version, ev.ID, ev.Code, ev.Text, time.Now()), false
	case engine.AccountValue:
		return encodeAccountValue(ev), false
	case engine.PortfolioValue:
		return encodePortfolio(ev), false
	case engine.AccountUpdateTime:
		return encodeAccountUpdateTime(ev), false
	case engine.AccountDownloadEnd:
		return encodeAccountDownloadEnd(ev), false
	case engine.PositionData:
		return encodePosition(ev), false
	case engine.PositionEnd:
		return encodePositionEnd(), false
	case engine.AccountSummary:
		return encodeAccountSummary(ev), false
	case engine.AccountSummaryEnd:
		return encodeAccountSummaryEnd(ev), false
	case engine.PnL:
		return encodePnL(version, ev), false
	}
	return nil, false
}

// EncodeError builds an error or warning message (errMsg, 4) in the
// layout of version; at is the error time sent from version 194.
func EncodeError(version int, reqID int64, code int, text string, at time.Time) *Msg {
	m := NewMsg(ibapi.ERR_MSG)
	if version < 194 {
		m.Int(2)
	}
	m.Int(reqID).Int(int64(code)).Str(text)
	if version >= 166 {
		m.Str("")
	}
	if version >= 194 {
		m.Int(at.UnixMilli())
	}
	return m
}
