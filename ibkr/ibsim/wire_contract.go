package ibsim

import "github.com/scmhub/ibapi"

// contractDataMsg builds contractData (10) for one instrument in the layout
// the client's decoder expects at version v.
func contractDataMsg(v int, reqID int64, in *instrument, u *underlying, tradingHours, liquidHours string) *msg {
	m := newMsg(ibapi.CONTRACT_DATA)
	if v < verSizeRules {
		m.int(contractDataVersion)
	}
	m.int(reqID)
	m.str(in.symbol).str(in.secType)
	m.str(in.expiry) // lastTradeDateOrContractMonth
	if v >= verLastTradeDate {
		m.str(in.expiry) // lastTradeDate
	}
	m.float(in.strike) // 0 for stocks, as the Gateway sends it
	m.str(in.right)
	m.str(in.exchange).str(in.currency).str(in.localSymbol)
	m.str(in.tradingClass) // marketName
	m.str(in.tradingClass)
	m.int(in.conID)
	m.float(in.minTick)
	if v >= verMDSizeMultiplier && v < verSizeRules {
		if in.secType == "STK" {
			m.int(100)
		} else {
			m.int(1)
		}
	}
	m.str(in.multiplier)
	m.str(in.orderTypes).str(in.validExch)
	m.int(1) // priceMagnifier
	m.int(in.underConID)
	m.str(in.longName)
	m.str(in.primaryExch)
	if in.isOption() && len(in.expiry) >= 6 {
		m.str(in.expiry[:6]) // contractMonth
	} else {
		m.str("")
	}
	m.str(in.industry).str(in.category).str(in.subcategory)
	m.str(in.timeZoneID)
	m.str(tradingHours).str(liquidHours)
	m.str("").str("") // evRule, evMultiplier (empty, as the Gateway sends them)
	if !in.isOption() && u != nil && u.isin != "" {
		m.int(1).str("ISIN").str(u.isin)
	} else {
		m.int(0)
	}
	if v >= verAggGroup {
		if in.isOption() {
			m.int(2)
		} else {
			m.int(1)
		}
	}
	if v >= verUnderlyingInfo {
		m.str(in.underSymbol).str(in.underSecTyp)
	}
	if v >= verMarketRules {
		m.str(in.marketRules)
	}
	if v >= verRealExpiration {
		m.str(in.expiry)
	}
	if v >= verStockType {
		m.str(in.stockType)
	}
	minSize, incr, suggested := 1.0, 1.0, 1.0
	if in.secType == "STK" {
		minSize, incr, suggested = 0.0001, 0.0001, 100
	}
	if v >= verFractionalSize && v < verSizeRules {
		m.decimal(incr) // sizeMinTick
	}
	if v >= verSizeRules {
		m.decimal(minSize).decimal(incr).decimal(suggested)
	}
	if v >= verIneligibility {
		m.int(0)
	}
	return m
}
