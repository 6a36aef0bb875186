package wire

import (
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// Codec is the wire format of one negotiated server version: every
// message the server sends is built by one of its methods, and every
// request the server reads is parsed by one, in the layout of Version.
// The server never lays out a message itself.
//
// Each method picks the layout its message has at Version, as the TWS
// API client's decoder (or encoder, for a request) expects it there.
// Versions 100 to 200 are the text protocol: a big-endian length, then
// NUL-terminated fields, the message id first. A protocol whose layout
// changes from some version on (the protobuf messages of versions 201
// and later) is added in the methods of the messages it changes, keyed
// by Version as the text layouts already are; the server does not change.
//
// A method returns the complete frame, length prefix included, or nil
// when the message does not exist at Version (nothing is sent).
type Codec struct {
	// Version is the negotiated server version.
	Version int
}

// Event builds the message of one engine event. order reports an order
// message (openOrder, orderStatus, execDetails, commissionReport,
// completedOrder), which the server counts per connection.
func (c Codec) Event(ev engine.Event) (frame []byte, order bool) {
	if b, ok := accountEvent(c.Version, ev); ok {
		return b, false
	}
	if b := protoPnLEvent(c.Version, ev); b != nil {
		return b, false
	}
	if b, order := protoEvent(c.Version, ev); b != nil {
		return b, order
	}
	m, order := encodeEvent(c.Version, ev)
	if m == nil {
		return nil, false
	}
	return finish(c.Version, m), order
}

// encodeEvent builds the message of one engine event at version.
func encodeEvent(version int, ev engine.Event) (m *Msg, order bool) {
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
		return encodeError(version, ev.ID, ev.Code, ev.Text, time.Now()), false
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
	case engine.PnLSingle:
		return encodePnLSingle(version, ev), false
	}
	return nil, false
}

// Error builds an error or warning message (errMsg, 4) on reqID; at is
// the error time, sent from version 194.
func (c Codec) Error(reqID int64, code int, text string, at time.Time) []byte {
	if c.Version >= VerProtoOrders {
		return protoError(reqID, code, text, at)
	}
	return finish(c.Version, encodeError(c.Version, reqID, code, text, at))
}

// encodeError builds errMsg at version.
func encodeError(version int, reqID int64, code int, text string, at time.Time) *Msg {
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
