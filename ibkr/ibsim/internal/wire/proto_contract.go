package wire

import (
	"strconv"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// The protobuf contract details family (version 205 and later): a client
// sends reqContractDetails as ContractDataRequest and reads ContractData
// and ContractDataEnd; from version 215 it may send CancelContractData.

// VerCancelContractData is the first version whose clients send
// CancelContractData (MIN_SERVER_VER_CANCEL_CONTRACT_DATA).
const VerCancelContractData = 215

// reqContractDetailsProto reads a ContractDataRequest: the request id and
// the contract as a query. A missing request id reads as -1, which is
// what the client's text layout sends below version 40.
func reqContractDetailsProto(f *Fields) (int64, market.ContractQuery, error) {
	var r protobuf.ContractDataRequest
	if err := f.unmarshalReq("ContractDataRequest", &r); err != nil {
		return -1, market.ContractQuery{}, err
	}
	reqID := int64(-1)
	if r.ReqId != nil {
		reqID = int64(r.GetReqId())
	}
	f.ReqID = reqID
	return reqID, queryFromProto(r.GetContract()), nil
}

// CancelContractData reads cancelContractData (106), which clients send
// only as protobuf (CancelContractData, version 215 and later): the
// request id, -1 when absent.
func (c Codec) CancelContractData(f *Fields) (reqID int64, err error) {
	if !f.IsProto {
		reqID = f.Int("reqId")
		return reqID, f.Err
	}
	var r protobuf.CancelContractData
	if err := f.unmarshalReq("CancelContractData", &r); err != nil {
		return -1, err
	}
	reqID = -1
	if r.ReqId != nil {
		reqID = int64(r.GetReqId())
	}
	f.ReqID = reqID
	return reqID, nil
}

// protoContractData builds ContractData (10) with what the text layout of
// version 204 carries: the contract (with the last trade date and the
// primary exchange) and its details (market name, min tick, order types,
// valid exchanges, price magnifier, underlying, names, session hours, the
// ISIN, aggregation group, market rules, real expiration, stock type and
// size rules). Empty strings are left out, as a client reads an absent
// text field as "".
func protoContractData(reqID int64, in *market.Instrument, u *market.Underlying, tradingHours, liquidHours string) []byte {
	ct := &protobuf.Contract{
		ConId:                        pI32(in.ConID),
		Symbol:                       pStrNE(in.Symbol),
		SecType:                      pStrNE(in.SecType),
		LastTradeDateOrContractMonth: pStrNE(in.Expiry),
		LastTradeDate:                pStrNE(in.Expiry),
		Strike:                       pF64(in.Strike), // 0 for stocks, as in text
		Right:                        pStrNE(in.Right),
		Exchange:                     pStrNE(in.Exchange),
		PrimaryExch:                  pStrNE(in.PrimaryExch),
		Currency:                     pStrNE(in.Currency),
		LocalSymbol:                  pStrNE(in.LocalSymbol),
		TradingClass:                 pStrNE(in.TradingClass),
	}
	if m, err := strconv.ParseFloat(in.Multiplier, 64); err == nil && m != 0 {
		ct.Multiplier = &m
	}
	minSize, incr, suggested := "1", "1", "1"
	if in.SecType == "STK" {
		minSize, incr, suggested = "0.0001", "0.0001", "100"
	}
	aggGroup := int64(1)
	contractMonth := ""
	if in.IsOption() {
		aggGroup = 2
		if len(in.Expiry) >= 6 {
			contractMonth = in.Expiry[:6]
		}
	}
	d := &protobuf.ContractDetails{
		MarketName:             pStrNE(in.TradingClass),
		MinTick:                pStr(strconv.FormatFloat(in.MinTick, 'f', -1, 64)),
		OrderTypes:             pStrNE(in.OrderTypes),
		ValidExchanges:         pStrNE(in.ValidExch),
		PriceMagnifier:         pI32(1),
		UnderConId:             pI32(in.UnderConID),
		LongName:               pStrNE(in.LongName),
		ContractMonth:          pStrNE(contractMonth),
		Industry:               pStrNE(in.Industry),
		Category:               pStrNE(in.Category),
		Subcategory:            pStrNE(in.Subcategory),
		TimeZoneId:             pStrNE(in.TimeZoneID),
		TradingHours:           pStrNE(tradingHours),
		LiquidHours:            pStrNE(liquidHours),
		AggGroup:               pI32(aggGroup),
		UnderSymbol:            pStrNE(in.UnderSymbol),
		UnderSecType:           pStrNE(in.UnderSecTyp),
		MarketRuleIds:          pStrNE(in.MarketRules),
		RealExpirationDate:     pStrNE(in.Expiry),
		StockType:              pStrNE(in.StockType),
		MinSize:                pStr(minSize),
		SizeIncrement:          pStr(incr),
		SuggestedSizeIncrement: pStr(suggested),
	}
	if !in.IsOption() && u != nil && u.ISIN != "" {
		d.SecIdList = map[string]string{"ISIN": *pStr(u.ISIN)}
	}
	return protoFrame(ibapi.CONTRACT_DATA, &protobuf.ContractData{
		ReqId:           pI32(reqID),
		Contract:        ct,
		ContractDetails: d,
	})
}

// protoContractDataEnd builds ContractDataEnd (52).
func protoContractDataEnd(reqID int64) []byte {
	return protoFrame(ibapi.CONTRACT_DATA_END, &protobuf.ContractDataEnd{ReqId: pI32(reqID)})
}
