package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// ContractDataMsg builds contractData (10) for one instrument in the layout
// the client's decoder expects at version v.
func ContractDataMsg(v int, reqID int64, in *market.Instrument, u *market.Underlying, tradingHours, liquidHours string) *Msg {
	m := NewMsg(ibapi.CONTRACT_DATA)
	if v < verSizeRules {
		m.Int(contractDataVersion)
	}
	m.Int(reqID)
	m.Str(in.Symbol).Str(in.SecType)
	m.Str(in.Expiry) // lastTradeDateOrContractMonth
	if v >= verLastTradeDate {
		m.Str(in.Expiry) // lastTradeDate
	}
	m.Float(in.Strike) // 0 for stocks, as the Gateway sends it
	m.Str(in.Right)
	m.Str(in.Exchange).Str(in.Currency).Str(in.LocalSymbol)
	m.Str(in.TradingClass) // marketName
	m.Str(in.TradingClass)
	m.Int(in.ConID)
	m.Float(in.MinTick)
	if v >= verMDSizeMultiplier && v < verSizeRules {
		if in.SecType == "STK" {
			m.Int(100)
		} else {
			m.Int(1)
		}
	}
	m.Str(in.Multiplier)
	m.Str(in.OrderTypes).Str(in.ValidExch)
	m.Int(1) // priceMagnifier
	m.Int(in.UnderConID)
	m.Str(in.LongName)
	m.Str(in.PrimaryExch)
	if in.IsOption() && len(in.Expiry) >= 6 {
		m.Str(in.Expiry[:6]) // contractMonth
	} else {
		m.Str("")
	}
	m.Str(in.Industry).Str(in.Category).Str(in.Subcategory)
	m.Str(in.TimeZoneID)
	m.Str(tradingHours).Str(liquidHours)
	m.Str("").Str("") // evRule, evMultiplier (empty, as the Gateway sends them)
	if !in.IsOption() && u != nil && u.ISIN != "" {
		m.Int(1).Str("ISIN").Str(u.ISIN)
	} else {
		m.Int(0)
	}
	if v >= verAggGroup {
		if in.IsOption() {
			m.Int(2)
		} else {
			m.Int(1)
		}
	}
	if v >= verUnderlyingInfo {
		m.Str(in.UnderSymbol).Str(in.UnderSecTyp)
	}
	if v >= verMarketRules {
		m.Str(in.MarketRules)
	}
	if v >= verRealExpiration {
		m.Str(in.Expiry)
	}
	if v >= verStockType {
		m.Str(in.StockType)
	}
	minSize, incr, suggested := 1.0, 1.0, 1.0
	if in.SecType == "STK" {
		minSize, incr, suggested = 0.0001, 0.0001, 100
	}
	if v >= verFractionalSize && v < verSizeRules {
		m.Decimal(incr) // sizeMinTick
	}
	if v >= verSizeRules {
		m.Decimal(minSize).Decimal(incr).Decimal(suggested)
	}
	if v >= verIneligibility {
		m.Int(0)
	}
	return m
}
