package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// encodeAccountValue builds updateAccountValue (6), version 2.
func encodeAccountValue(v engine.AccountValue) *Msg {
	return NewMsg(ibapi.ACCT_VALUE).Int(2).Str(v.Key).Str(v.Value).Str(v.Currency).Str(v.Account)
}

// encodePortfolio builds updatePortfolio (7), version 8.
func encodePortfolio(v engine.PortfolioValue) *Msg {
	in := v.In
	m := NewMsg(ibapi.PORTFOLIO_VALUE).Int(8)
	m.Int(in.ConID).Str(in.Symbol).Str(in.SecType).Str(in.Expiry).Float(in.Strike).Str(in.Right).
		Str(in.Multiplier).Str(in.PrimaryExch).Str(in.Currency).Str(in.LocalSymbol).Str(in.TradingClass)
	m.Decimal(v.Qty)
	m.Float(v.Mark).Float(v.Value).Float(v.AvgCost).Float(v.Unreal).Float(v.Realized).Str(v.Account)
	return m
}

// encodeAccountUpdateTime builds updateAccountTime (8).
func encodeAccountUpdateTime(v engine.AccountUpdateTime) *Msg {
	return NewMsg(ibapi.ACCT_UPDATE_TIME).Int(1).Str(v.Time)
}

// encodeAccountDownloadEnd builds accountDownloadEnd (54).
func encodeAccountDownloadEnd(v engine.AccountDownloadEnd) *Msg {
	return NewMsg(ibapi.ACCT_DOWNLOAD_END).Int(1).Str(v.Account)
}

// encodePosition builds position (61), version 3. An option's exchange
// is sent empty.
func encodePosition(v engine.PositionData) *Msg {
	in := v.In
	m := NewMsg(ibapi.POSITION_DATA).Int(3).Str(v.Account)
	exch := in.PrimaryExch
	if in.IsOption() {
		exch = ""
	}
	m.Int(in.ConID).Str(in.Symbol).Str(in.SecType).Str(in.Expiry).Float(in.Strike).Str(in.Right).
		Str(in.Multiplier).Str(exch).Str(in.Currency).Str(in.LocalSymbol).Str(in.TradingClass)
	m.Decimal(v.Qty).Float(v.AvgCost)
	return m
}

// encodePositionEnd builds positionEnd (62).
func encodePositionEnd() *Msg { return NewMsg(ibapi.POSITION_END).Int(1) }

// encodeAccountSummary builds accountSummary (63).
func encodeAccountSummary(v engine.AccountSummary) *Msg {
	return NewMsg(ibapi.ACCOUNT_SUMMARY).Int(1).Int(v.ReqID).Str(v.Account).Str(v.Tag).Str(v.Value).Str(v.Currency)
}

// encodeAccountSummaryEnd builds accountSummaryEnd (64).
func encodeAccountSummaryEnd(v engine.AccountSummaryEnd) *Msg {
	return NewMsg(ibapi.ACCOUNT_SUMMARY_END).Int(1).Int(v.ReqID)
}

// encodePnL builds pnl (94): reqId, dailyPnL, and unrealizedPnL (version
// >= 129) and realizedPnL (version >= 135).
func encodePnL(version int, v engine.PnL) *Msg {
	m := NewMsg(ibapi.PNL).Int(v.ReqID).Float(v.Daily)
	if version >= 129 {
		m.Float(v.Unrealized)
	}
	if version >= 135 {
		m.Float(v.Realized)
	}
	return m
}

// encodePnLSingle builds pnlSingle (95): reqId, pos, dailyPnL, and
// unrealizedPnL (version >= 129) and realizedPnL (version >= 135), value.
func encodePnLSingle(version int, v engine.PnLSingle) *Msg {
	m := NewMsg(ibapi.PNL_SINGLE).Int(v.ReqID).Decimal(v.Pos).Float(v.Daily)
	if version >= 129 {
		m.Float(v.Unrealized)
	}
	if version >= 135 {
		m.Float(v.Realized)
	}
	return m.Float(v.Value)
}
