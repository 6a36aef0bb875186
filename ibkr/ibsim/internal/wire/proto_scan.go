package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// The scanner family and PnL: from version 210
// (MIN_SERVER_VER_PROTOBUF_SCAN_DATA) the client sends reqScannerParameters,
// reqScannerSubscription, cancelScannerSubscription, reqPnL, cancelPnL,
// reqPnLSingle and cancelPnLSingle as protobuf, and the Gateway answers
// scannerParameters, scannerData, pnl and pnlSingle in protobuf.

// minVerScannerGenericOpts is the version from which reqScannerSubscription
// has no version field and carries its filter options
// (MIN_SERVER_VER_SCANNER_GENERIC_OPTS).
const minVerScannerGenericOpts = 143

// ReqScannerParameters reads reqScannerParameters (24): [1]version;
// protobuf ScannerParametersRequest from 210.
func (c Codec) ReqScannerParameters(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("ScannerParametersRequest", &protobuf.ScannerParametersRequest{})
	}
	return versionOnly(f)
}

// ScannerSub is a reqScannerSubscription: the fields the simulator's
// scanner reads. Unset numbers are engine.UnsetInt / engine.UnsetFloat.
type ScannerSub struct {
	ReqID        int64
	Rows         int64
	Instrument   string
	LocationCode string
	ScanCode     string
	AbovePrice   float64
	BelowPrice   float64
	AboveVolume  int64
}

// ReqScannerSubscription reads reqScannerSubscription (22): [1]version
// (below 143), reqId, numberOfRows, instrument, locationCode, scanCode,
// abovePrice, belowPrice, aboveVolume, marketCapAbove, marketCapBelow,
// moodyRatingAbove, moodyRatingBelow, spRatingAbove, spRatingBelow,
// maturityDateAbove, maturityDateBelow, couponRateAbove, couponRateBelow,
// excludeConvertible, averageOptionVolumeAbove, scannerSettingPairs,
// stockTypeFilter, the filter options (143 and later) and the
// subscription options (70 and later); protobuf ScannerSubscriptionRequest
// from 210.
func (c Codec) ReqScannerSubscription(f *Fields) (ScannerSub, error) {
	if f.IsProto {
		var r protobuf.ScannerSubscriptionRequest
		err := f.unmarshal("ScannerSubscriptionRequest", &r)
		f.ReqID = int64(r.GetReqId())
		s := r.GetScannerSubscription()
		if s == nil {
			s = &protobuf.ScannerSubscription{}
		}
		sub := ScannerSub{
			ReqID: int64(r.GetReqId()), Rows: getI32(s.NumberOfRows),
			Instrument: s.GetInstrument(), LocationCode: s.GetLocationCode(), ScanCode: s.GetScanCode(),
			AbovePrice: getF64(s.AbovePrice), BelowPrice: getF64(s.BelowPrice), AboveVolume: engine.UnsetInt,
		}
		if s.AboveVolume != nil && s.GetAboveVolume() != engine.UnsetInt && s.GetAboveVolume() != engine.UnsetLong {
			sub.AboveVolume = s.GetAboveVolume()
		}
		return sub, err
	}
	var s ScannerSub
	if c.Version < minVerScannerGenericOpts {
		f.Int("version")
	}
	s.ReqID = f.Int("reqId")
	f.ReqID = s.ReqID
	s.Rows = f.MaxInt("numberOfRows")
	s.Instrument = f.Str("instrument")
	s.LocationCode = f.Str("locationCode")
	s.ScanCode = f.Str("scanCode")
	s.AbovePrice = f.MaxFloat("abovePrice")
	s.BelowPrice = f.MaxFloat("belowPrice")
	s.AboveVolume = f.MaxInt("aboveVolume")
	f.MaxFloat("marketCapAbove")
	f.MaxFloat("marketCapBelow")
	f.Skip(6, "ratings and maturity dates")
	f.MaxFloat("couponRateAbove")
	f.MaxFloat("couponRateBelow")
	f.Bool("excludeConvertible")
	f.MaxInt("averageOptionVolumeAbove")
	f.Str("scannerSettingPairs")
	f.Str("stockTypeFilter")
	if c.Version >= minVerScannerGenericOpts {
		f.OptStr()
	}
	if c.Version >= MinVerLinking {
		f.OptStr()
	}
	return s, f.Err
}

// CancelScannerSubscription reads cancelScannerSubscription (23):
// [1]version [2]reqId; protobuf CancelScannerSubscription from 210.
func (c Codec) CancelScannerSubscription(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		var r protobuf.CancelScannerSubscription
		err := f.unmarshalReq("CancelScannerSubscription", &r)
		return int64(r.GetReqId()), err
	}
	f.Int("version")
	reqID = f.Int("reqId")
	return reqID, f.Err
}

// ScannerParameters builds scannerParameters (19): version 1, the XML
// (protobuf ScannerParameters from 210).
func (c Codec) ScannerParameters(xml string) []byte {
	if c.Version >= VerProtoScan {
		return protoFrame(ibapi.SCANNER_PARAMETERS, &protobuf.ScannerParameters{Xml: pStr(xml)})
	}
	return finish(c.Version, NewMsg(ibapi.SCANNER_PARAMETERS).Int(1).Str(xml))
}

// ScanRow is one row of scannerData.
type ScanRow struct {
	Rank int64
	Inst *market.Instrument
}

// ScannerData builds scannerData (20): version 3, reqId, the number of
// rows, then per row rank, conId, symbol, secType,
// lastTradeDateOrContractMonth, strike, right, exchange, currency,
// localSymbol, marketName, tradingClass, distance, benchmark, projection,
// legsStr (protobuf ScannerData from 210). The market name is the trading
// class, as the Gateway reports it.
func (c Codec) ScannerData(reqID int64, rows []ScanRow) []byte {
	if c.Version >= VerProtoScan {
		p := &protobuf.ScannerData{ReqId: pI32(reqID)}
		for _, r := range rows {
			in := r.Inst
			p.ScannerDataElement = append(p.ScannerDataElement, &protobuf.ScannerDataElement{
				Rank: pI32(r.Rank),
				Contract: &protobuf.Contract{
					ConId: pI32(in.ConID), Symbol: pStrNE(in.Symbol), SecType: pStrNE(in.SecType),
					LastTradeDateOrContractMonth: pStrNE(in.Expiry), Strike: pF64(in.Strike), Right: pStrNE(in.Right),
					Exchange: pStrNE(in.Exchange), Currency: pStrNE(in.Currency), LocalSymbol: pStrNE(in.LocalSymbol),
					TradingClass: pStrNE(in.TradingClass),
				},
				MarketName: pStrNE(in.TradingClass),
			})
		}
		return protoFrame(ibapi.SCANNER_DATA, p)
	}
	m := NewMsg(ibapi.SCANNER_DATA).Int(3).Int(reqID).Int(int64(len(rows)))
	for _, r := range rows {
		in := r.Inst
		m.Int(r.Rank).Int(in.ConID).Str(in.Symbol).Str(in.SecType).Str(in.Expiry).Float(in.Strike).Str(in.Right).
			Str(in.Exchange).Str(in.Currency).Str(in.LocalSymbol).Str(in.TradingClass).Str(in.TradingClass).
			Str("").Str("").Str("").Str("")
	}
	return finish(c.Version, m)
}

// protoPnLEvent builds pnl and pnlSingle as protobuf from version 210, or
// returns nil.
func protoPnLEvent(version int, ev engine.Event) []byte {
	if version < VerProtoScan {
		return nil
	}
	switch ev := ev.(type) {
	case engine.PnL:
		return protoFrame(ibapi.PNL, &protobuf.PnL{
			ReqId: pI32(ev.ReqID), DailyPnL: pF64(ev.Daily), UnrealizedPnL: pF64(ev.Unrealized), RealizedPnL: pF64(ev.Realized),
		})
	case engine.PnLSingle:
		return protoFrame(ibapi.PNL_SINGLE, &protobuf.PnLSingle{
			ReqId: pI32(ev.ReqID), Position: pQty(ev.Pos), DailyPnL: pF64(ev.Daily), UnrealizedPnL: pF64(ev.Unrealized),
			RealizedPnL: pF64(ev.Realized), Value: pF64(ev.Value),
		})
	}
	return nil
}

// pnlRequestProto reads a protobuf PnLRequest.
func pnlRequestProto(f *Fields) (int64, error) {
	var r protobuf.PnLRequest
	err := f.unmarshal("PnLRequest", &r)
	f.ReqID = int64(r.GetReqId())
	return int64(r.GetReqId()), err
}

// pnlSingleRequestProto reads a protobuf PnLSingleRequest.
func pnlSingleRequestProto(f *Fields) (reqID, conID int64, err error) {
	var r protobuf.PnLSingleRequest
	err = f.unmarshal("PnLSingleRequest", &r)
	f.ReqID = int64(r.GetReqId())
	return int64(r.GetReqId()), int64(r.GetConId()), err
}

// cancelPnLProto reads a protobuf CancelPnL.
func cancelPnLProto(f *Fields) (int64, error) {
	var r protobuf.CancelPnL
	err := f.unmarshalReq("CancelPnL", &r)
	return int64(r.GetReqId()), err
}

// cancelPnLSingleProto reads a protobuf CancelPnLSingle.
func cancelPnLSingleProto(f *Fields) (int64, error) {
	var r protobuf.CancelPnLSingle
	err := f.unmarshalReq("CancelPnLSingle", &r)
	return int64(r.GetReqId()), err
}
