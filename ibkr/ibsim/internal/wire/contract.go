package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// ContractData builds contractData (10) for one listing: the instrument,
// its underlying's static data (nil for none) and its session hours.
func (c Codec) ContractData(reqID int64, in *market.Instrument, u *market.Underlying, tradingHours, liquidHours string) []byte {
	if c.Version >= VerProtoContract {
		return protoContractData(reqID, in, u, tradingHours, liquidHours)
	}
	return finish(c.Version, encodeContractData(c.Version, reqID, in, u, tradingHours, liquidHours))
}

// ContractDataEnd builds contractDataEnd (52).
func (c Codec) ContractDataEnd(reqID int64) []byte {
	if c.Version >= VerProtoContract {
		return protoContractDataEnd(reqID)
	}
	return finish(c.Version, NewMsg(ibapi.CONTRACT_DATA_END).Int(1).Int(reqID))
}

// SecDefOptParam builds securityDefinitionOptionParameter (75): one
// exchange's expirations and strikes of an underlying's options.
func (c Codec) SecDefOptParam(reqID int64, exchange string, underConID int64, tradingClass, multiplier string, expirations []string, strikes []float64) []byte {
	if c.Version >= VerProtoRest2 {
		return protoSecDefOptParam(reqID, exchange, underConID, tradingClass, multiplier, expirations, strikes)
	}
	m := NewMsg(ibapi.SECURITY_DEFINITION_OPTION_PARAMETER).Int(reqID).Str(exchange).Int(underConID).Str(tradingClass).Str(multiplier)
	m.Int(int64(len(expirations)))
	for _, e := range expirations {
		m.Str(e)
	}
	m.Int(int64(len(strikes)))
	for _, s := range strikes {
		m.Float(s)
	}
	return finish(c.Version, m)
}

// SecDefOptParamEnd builds securityDefinitionOptionParameterEnd (76).
func (c Codec) SecDefOptParamEnd(reqID int64) []byte {
	if c.Version >= VerProtoRest2 {
		return protoFrame(ibapi.SECURITY_DEFINITION_OPTION_PARAMETER_END, &protobuf.SecDefOptParameterEnd{ReqId: pI32(reqID)})
	}
	return finish(c.Version, NewMsg(ibapi.SECURITY_DEFINITION_OPTION_PARAMETER_END).Int(reqID))
}

// MarketRule builds marketRule (93): the id, the number of rungs, then
// each rung's low edge and increment. It carries no request id.
func (c Codec) MarketRule(id int64, rungs []market.Rung) []byte {
	if c.Version >= VerProtoRest2 {
		return protoMarketRule(id, rungs)
	}
	m := NewMsg(ibapi.MARKET_RULE).Int(id).Int(int64(len(rungs)))
	for _, g := range rungs {
		m.Float(g.LowEdge).Float(g.Increment)
	}
	return finish(c.Version, m)
}

// encodeContractData builds contractData at version v.
func encodeContractData(v int, reqID int64, in *market.Instrument, u *market.Underlying, tradingHours, liquidHours string) *Msg {
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

// SymbolSamples builds symbolSamples (79): the matches of
// reqMatchingSymbols; description and issuerId from version 176.
func (c Codec) SymbolSamples(reqID int64, ss []market.SymbolSample) []byte {
	if c.Version >= VerProtoRest2 {
		return protoSymbolSamples(reqID, ss)
	}
	m := NewMsg(ibapi.SYMBOL_SAMPLES).Int(reqID).Int(int64(len(ss)))
	for _, s := range ss {
		m.Int(s.ConID).Str(s.Symbol).Str(s.SecType).Str(s.PrimaryExch).Str(s.Currency)
		m.Int(int64(len(s.DerivSecTypes)))
		for _, d := range s.DerivSecTypes {
			m.Str(d)
		}
		if c.Version >= 176 {
			m.Str(s.Description).Str("")
		}
	}
	return finish(c.Version, m)
}

// SmartComponents builds smartComponents (82).
func (c Codec) SmartComponents(reqID int64, cs []market.SmartComponent) []byte {
	if c.Version >= VerProtoRest2 {
		return protoSmartComponents(reqID, cs)
	}
	m := NewMsg(ibapi.SMART_COMPONENTS).Int(reqID).Int(int64(len(cs)))
	for _, x := range cs {
		m.Int(x.Bit).Str(x.Exchange).Str(x.ExchangeLetter)
	}
	return finish(c.Version, m)
}
