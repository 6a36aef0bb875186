package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi/protobuf"
)

// Option calculations and FA requests: from version 211
// (MIN_SERVER_VER_PROTOBUF_REST_MESSAGES_1) the client sends requestFA,
// replaceFA, exerciseOptions, calculateImpliedVolatility,
// calculateOptionPrice and their cancels as protobuf.

// OptCalcReq is a calculateImpliedVolatility (Value: the option price) or
// a calculateOptionPrice (Value: the volatility).
type OptCalcReq struct {
	ReqID      int64
	Contract   market.ContractQuery
	Value      float64
	UnderPrice float64
}

// ReqCalcImpliedVolat reads calculateImpliedVolatility (54): [1]version
// [2]reqId [3..14]contract (conId .. tradingClass) [15]optionPrice
// [16]underPrice [17]options; protobuf CalculateImpliedVolatilityRequest
// from 211.
func (c Codec) ReqCalcImpliedVolat(f *Fields) (OptCalcReq, error) {
	if f.IsProto {
		var r protobuf.CalculateImpliedVolatilityRequest
		err := f.unmarshal("CalculateImpliedVolatilityRequest", &r)
		f.ReqID = int64(r.GetReqId())
		return OptCalcReq{ReqID: int64(r.GetReqId()), Contract: queryFromProto(r.GetContract()), Value: r.GetOptionPrice(), UnderPrice: r.GetUnderPrice()}, err
	}
	return readOptCalc(f, "optionPrice")
}

// ReqCalcOptionPrice reads calculateOptionPrice (55): [1]version [2]reqId
// [3..14]contract [15]volatility [16]underPrice [17]options; protobuf
// CalculateOptionPriceRequest from 211.
func (c Codec) ReqCalcOptionPrice(f *Fields) (OptCalcReq, error) {
	if f.IsProto {
		var r protobuf.CalculateOptionPriceRequest
		err := f.unmarshal("CalculateOptionPriceRequest", &r)
		f.ReqID = int64(r.GetReqId())
		return OptCalcReq{ReqID: int64(r.GetReqId()), Contract: queryFromProto(r.GetContract()), Value: r.GetVolatility(), UnderPrice: r.GetUnderPrice()}, err
	}
	return readOptCalc(f, "volatility")
}

func readOptCalc(f *Fields, value string) (OptCalcReq, error) {
	var r OptCalcReq
	f.Int("version")
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.Contract = f.ReadContract()
	r.Value = f.Float(value)
	r.UnderPrice = f.Float("underPrice")
	f.OptStr()
	return r, f.Err
}

// CancelCalcImpliedVolat reads cancelCalculateImpliedVolatility (56):
// [1]version [2]reqId; protobuf CancelCalculateImpliedVolatility from 211.
func (c Codec) CancelCalcImpliedVolat(f *Fields) (int64, error) {
	if f.IsProto {
		var r protobuf.CancelCalculateImpliedVolatility
		err := f.unmarshalReq("CancelCalculateImpliedVolatility", &r)
		return int64(r.GetReqId()), err
	}
	f.Int("version")
	id := f.Int("reqId")
	return id, f.Err
}

// CancelCalcOptionPrice reads cancelCalculateOptionPrice (57): [1]version
// [2]reqId; protobuf CancelCalculateOptionPrice from 211.
func (c Codec) CancelCalcOptionPrice(f *Fields) (int64, error) {
	if f.IsProto {
		var r protobuf.CancelCalculateOptionPrice
		err := f.unmarshalReq("CancelCalculateOptionPrice", &r)
		return int64(r.GetReqId()), err
	}
	f.Int("version")
	id := f.Int("reqId")
	return id, f.Err
}

// ReqFA reads requestFA (18): [1]version [2]faDataType; protobuf FARequest
// from 211.
func (c Codec) ReqFA(f *Fields) (faDataType int64, err error) {
	if f.IsProto {
		var r protobuf.FARequest
		err := f.unmarshal("FARequest", &r)
		return int64(r.GetFaDataType()), err
	}
	f.Int("version")
	t := f.Int("faDataType")
	return t, f.Err
}
