package ibsim

import (
	"time"

	"github.com/scmhub/ibapi"
)

// encodeEvent builds the message of one engine event at version. order
// reports an order message (openOrder, orderStatus, execDetails,
// commissionReport, completedOrder).
func encodeEvent(version int, ev event) (m *msg, order bool) {
	switch ev := ev.(type) {
	case orderStatus:
		return encodeOrderStatus(version, ev), true
	case openOrder:
		return encodeOpenOrder(version, ev.view), true
	case openOrderEnd:
		return encodeOpenOrderEnd(), false
	case completedOrder:
		return encodeCompletedOrder(version, ev.view), true
	case completedOrdersEnd:
		return encodeCompletedOrdersEnd(), false
	case execDetails:
		return encodeExecDetails(version, ev.reqID, ev.exec), true
	case execDetailsEnd:
		return encodeExecDetailsEnd(ev.reqID), false
	case commissionReport:
		return encodeCommissionReport(version, ev), true
	case errMsg:
		return encodeError(version, ev.id, ev.code, ev.text, time.Now()), false
	case accountValue:
		return encodeAccountValue(ev), false
	case portfolioValue:
		return encodePortfolio(ev), false
	case accountUpdateTime:
		return encodeAccountUpdateTime(ev), false
	case accountDownloadEnd:
		return encodeAccountDownloadEnd(ev), false
	case positionData:
		return encodePosition(ev), false
	case positionEnd:
		return encodePositionEnd(), false
	case accountSummary:
		return encodeAccountSummary(ev), false
	case accountSummaryEnd:
		return encodeAccountSummaryEnd(ev), false
	case pnl:
		return encodePnL(version, ev), false
	}
	return nil, false
}

// encodeError builds an error or warning message (errMsg, 4) in the
// layout of version; at is the error time sent from version 194.
func encodeError(version int, reqID int64, code int, text string, at time.Time) *msg {
	m := newMsg(ibapi.ERR_MSG)
	if version < 194 {
		m.int(2)
	}
	m.int(reqID).int(int64(code)).str(text)
	if version >= 166 {
		m.str("")
	}
	if version >= 194 {
		m.int(at.UnixMilli())
	}
	return m
}
