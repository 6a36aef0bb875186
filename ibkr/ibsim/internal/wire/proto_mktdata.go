package wire

import (
	"math"
	"strconv"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// The protobuf market data family (version 206,
// MIN_SERVER_VER_PROTOBUF_MARKET_DATA, and later): reqMktData,
// cancelMktData, reqMarketDataType, reqMktDepth and cancelMktDepth arrive
// as MarketDataRequest, CancelMarketData, MarketDataTypeRequest,
// MarketDepthRequest and CancelMarketDepth, and every tick and depth row
// goes out as IB's protobuf message of the same id (TickPrice, TickSize,
// TickString, TickGeneric, TickOptionComputation, TickSnapshotEnd,
// MarketDataType, TickReqParams, MarketDepth, MarketDepthL2). The messages
// carry the same values as the text layouts of version 200, and in the same
// order: a tickPrice with a size is still followed by its own tickSize, as
// in text (the client's decoder makes a size callback from the tickPrice's
// size in both encodings, and the Gateway sends the tickSize as well).
//
// reqMktDepthExchanges goes protobuf later, with the "REST messages 3"
// gate (213): MarketDepthExchangesRequest, answered by MarketDepthExchanges.

// Market data versions above 204 (the TWS API's MIN_SERVER_VER_* values).
const (
	// VerProtoMktDepthExchanges is MIN_SERVER_VER_PROTOBUF_REST_MESSAGES_3:
	// reqMktDepthExchanges and its answer go protobuf.
	VerProtoMktDepthExchanges = 213
	// MinVerVolumesInShares is MIN_SERVER_VER_MARKET_DATA_VOLUMES_IN_SHARES:
	// the day volume of US stocks (ticks 8 and 74) in shares instead of
	// round lots of 100.
	MinVerVolumesInShares = 220
	// MinVerFractionalLastSize is MIN_SERVER_VER_FRACTIONAL_LAST_SIZE: the
	// last size may carry a fraction of a share. The simulator's trades
	// are whole shares, so nothing it sends changes.
	MinVerFractionalLastSize = 222
	// MinVerOddLotQuotes is MIN_SERVER_VER_ODD_LOT_BID_ASK_QUOTES: the odd
	// lot quote tick types (ODD_LOT_BID ... ODD_LOT_ASK_EXCH) exist. The
	// simulator does not quote odd lots and sends none.
	MinVerOddLotQuotes = 225
)

// Version thresholds of the text depth layouts.
const (
	verServiceDataType      = 120 // mktDepthExchanges: listingExch, serviceDataType, aggGroup
	verSmartDepth           = 146 // isSmartDepth in reqMktDepth, cancelMktDepth and marketDepthL2
	verMktDepthPrimExchange = 149 // primaryExchange in reqMktDepth
)

// protoMD reports whether market data replies go out as protobuf.
func (c Codec) protoMD() bool { return c.Version >= VerProtoMarketData }

func protoMarketDataType(reqID, typ int64) []byte {
	return protoFrame(ibapi.MARKET_DATA_TYPE, &protobuf.MarketDataType{ReqId: pI32(reqID), MarketDataType: pI32(typ)})
}

func protoTickReqParams(reqID int64, minTick float64, bboExchange string, snapshotPermissions int64) []byte {
	return protoFrame(ibapi.TICK_REQ_PARAMS, &protobuf.TickReqParams{
		ReqId:               pI32(reqID),
		MinTick:             pStr(strconv.FormatFloat(minTick, 'f', -1, 64)),
		BboExchange:         pStr(bboExchange),
		SnapshotPermissions: pI32(snapshotPermissions),
	})
}

func protoTickPrice(reqID, tick int64, price, size float64, attrib int64) []byte {
	return protoFrame(ibapi.TICK_PRICE, &protobuf.TickPrice{
		ReqId:    pI32(reqID),
		TickType: pI32(tick),
		Price:    pF64(finite(price)),
		Size:     pQty(size),
		AttrMask: pI32(attrib),
	})
}

func protoTickSize(reqID, tick int64, size float64) []byte {
	return protoFrame(ibapi.TICK_SIZE, &protobuf.TickSize{ReqId: pI32(reqID), TickType: pI32(tick), Size: pQty(size)})
}

func protoTickString(reqID, tick int64, value string) []byte {
	return protoFrame(ibapi.TICK_STRING, &protobuf.TickString{ReqId: pI32(reqID), TickType: pI32(tick), Value: pStr(value)})
}

func protoTickGeneric(reqID, tick int64, value float64) []byte {
	return protoFrame(ibapi.TICK_GENERIC, &protobuf.TickGeneric{ReqId: pI32(reqID), TickType: pI32(tick), Value: pF64(finite(value))})
}

// protoTickOptionComputation sends every value, the "not computed" markers
// (-1, -2) included, as text does: the client turns the markers into unset
// values, and reads an absent field as 0.
func protoTickOptionComputation(reqID, tick, attrib int64, g market.Greeks) []byte {
	return protoFrame(ibapi.TICK_OPTION_COMPUTATION, &protobuf.TickOptionComputation{
		ReqId:      pI32(reqID),
		TickType:   pI32(tick),
		TickAttrib: pI32(attrib),
		ImpliedVol: pF64(finite(g.IV)),
		Delta:      pF64(finite(g.Delta)),
		OptPrice:   pF64(finite(g.OptPrice)),
		PvDividend: pF64(finite(g.PVDividend)),
		Gamma:      pF64(finite(g.Gamma)),
		Vega:       pF64(finite(g.Vega)),
		Theta:      pF64(finite(g.Theta)),
		UndPrice:   pF64(finite(g.UndPrice)),
	})
}

func protoTickSnapshotEnd(reqID int64) []byte {
	return protoFrame(ibapi.TICK_SNAPSHOT_END, &protobuf.TickSnapshotEnd{ReqId: pI32(reqID)})
}

// finite replaces a value protobuf would carry but no client expects
// (NaN, infinities) with the unset double, as the text layout does.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return engine.UnsetFloat
	}
	return v
}

// DepthRow is one market depth row: its position on its side (0 the best),
// the operation (0 insert, 1 update, 2 delete), the side (0 ask, 1 bid),
// the price and size, and for L2 rows the market maker (for SMART depth,
// the exchange holding the quote).
type DepthRow struct {
	Position    int64
	Operation   int64
	Side        int64
	Price       float64
	Size        float64
	MarketMaker string
}

// MarketDepth builds updateMktDepth (12), version 1: [1]version [2]reqId
// [3]position [4]operation [5]side [6]price [7]size.
func (c Codec) MarketDepth(reqID int64, r DepthRow) []byte {
	if c.protoMD() {
		return protoFrame(ibapi.MARKET_DEPTH, &protobuf.MarketDepth{
			ReqId:           pI32(reqID),
			MarketDepthData: depthDataProto(r, nil),
		})
	}
	return finish(c.Version, NewMsg(ibapi.MARKET_DEPTH).Int(1).Int(reqID).Int(r.Position).
		Int(r.Operation).Int(r.Side).Float(r.Price).Decimal(r.Size))
}

// MarketDepthL2 builds updateMktDepthL2 (13), version 1: [1]version
// [2]reqId [3]position [4]marketMaker [5]operation [6]side [7]price
// [8]size [9]isSmartDepth (>= 146).
func (c Codec) MarketDepthL2(reqID int64, r DepthRow, smart bool) []byte {
	if c.protoMD() {
		return protoFrame(ibapi.MARKET_DEPTH_L2, &protobuf.MarketDepthL2{
			ReqId:           pI32(reqID),
			MarketDepthData: depthDataProto(r, &smart),
		})
	}
	m := NewMsg(ibapi.MARKET_DEPTH_L2).Int(1).Int(reqID).Int(r.Position).Str(r.MarketMaker).
		Int(r.Operation).Int(r.Side).Float(r.Price).Decimal(r.Size)
	if c.Version >= verSmartDepth {
		m.bool(smart)
	}
	return finish(c.Version, m)
}

func depthDataProto(r DepthRow, smart *bool) *protobuf.MarketDepthData {
	d := &protobuf.MarketDepthData{
		Position:  pI32(r.Position),
		Operation: pI32(r.Operation),
		Side:      pI32(r.Side),
		Price:     pF64(finite(r.Price)),
		Size:      pQty(r.Size),
	}
	if smart != nil {
		d.MarketMaker = pStr(r.MarketMaker)
		d.IsSmartDepth = pBool(*smart)
	}
	return d
}

// DepthExchange is one row of mktDepthExchanges.
type DepthExchange struct {
	Exchange, SecType, ListingExch, ServiceDataType string
	AggGroup                                        int64
}

// MktDepthExchanges builds mktDepthExchanges (80): [1]count, then per row
// exchange, secType and, from version 120, listingExch, serviceDataType
// and aggGroup (before: isL2, 1 for a "Deep2" book); MarketDepthExchanges
// from version 213.
func (c Codec) MktDepthExchanges(rows []DepthExchange) []byte {
	if c.Version >= VerProtoMktDepthExchanges {
		p := &protobuf.MarketDepthExchanges{}
		for _, r := range rows {
			p.DepthMarketDataDescriptions = append(p.DepthMarketDataDescriptions, &protobuf.DepthMarketDataDescription{
				Exchange:        pStr(r.Exchange),
				SecType:         pStr(r.SecType),
				ListingExch:     pStr(r.ListingExch),
				ServiceDataType: pStr(r.ServiceDataType),
				AggGroup:        pI32(r.AggGroup),
			})
		}
		return protoFrame(ibapi.MKT_DEPTH_EXCHANGES, p)
	}
	m := NewMsg(ibapi.MKT_DEPTH_EXCHANGES).Int(int64(len(rows)))
	for _, r := range rows {
		m.Str(r.Exchange).Str(r.SecType)
		if c.Version >= verServiceDataType {
			m.Str(r.ListingExch).Str(r.ServiceDataType).Int(r.AggGroup)
		} else {
			m.bool(r.ServiceDataType == "Deep2")
		}
	}
	return finish(c.Version, m)
}

// Protobuf request decoders of the family.

// partialReqID is the request id a request that does not unmarshal got
// to before the bad bytes (0 when none), so that the 320 goes on it.
func partialReqID(p *int32) int64 {
	if p == nil {
		return 0
	}
	return int64(*p)
}

func mktDataFromProto(f *Fields) (MktDataRequest, error) {
	var p protobuf.MarketDataRequest
	if err := f.unmarshal("MarketDataRequest", &p); err != nil {
		f.ReqID = partialReqID(p.ReqId)
		return MktDataRequest{}, err
	}
	r := MktDataRequest{ReqID: int64(p.GetReqId())}
	f.ReqID = r.ReqID
	r.Contract = queryFromProto(p.GetContract())
	for _, l := range p.GetContract().GetComboLegs() {
		r.Legs = append(r.Legs, MktDataLeg{ConID: int64(l.GetConId()), Ratio: int64(l.GetRatio()), Action: l.GetAction()})
	}
	r.GenericTicks = p.GetGenericTickList()
	r.Snapshot = p.GetSnapshot() || p.GetRegulatorySnapshot()
	return r, nil
}

func cancelMktDataFromProto(f *Fields) (int64, error) {
	var p protobuf.CancelMarketData
	if err := f.unmarshal("CancelMarketData", &p); err != nil {
		f.ReqID = partialReqID(p.ReqId)
		return 0, err
	}
	f.ReqID = int64(p.GetReqId())
	return f.ReqID, nil
}

// An absent market data type reads as 0, which the handler refuses.
func mktDataTypeFromProto(f *Fields) (int64, error) {
	var p protobuf.MarketDataTypeRequest
	if err := f.unmarshal("MarketDataTypeRequest", &p); err != nil {
		return 0, err
	}
	return int64(p.GetMarketDataType()), nil
}

// MktDepthRequest is a reqMktDepth.
type MktDepthRequest struct {
	ReqID        int64
	Contract     market.ContractQuery
	NumRows      int64
	IsSmartDepth bool
}

// ReqMktDepth reads reqMktDepth (10): [1]version(5) [2]reqId [3]conId
// [4]symbol [5]secType [6]lastTradeDateOrContractMonth [7]strike [8]right
// [9]multiplier [10]exchange, primaryExchange (>= 149), currency,
// localSymbol, tradingClass, numRows, isSmartDepth (>= 146),
// mktDepthOptions; MarketDepthRequest from version 206. An absent numRows
// reads as 0.
func (c Codec) ReqMktDepth(f *Fields) (MktDepthRequest, error) {
	var r MktDepthRequest
	if f.IsProto {
		var p protobuf.MarketDepthRequest
		if err := f.unmarshal("MarketDepthRequest", &p); err != nil {
			f.ReqID = partialReqID(p.ReqId)
			return r, err
		}
		r.ReqID = int64(p.GetReqId())
		f.ReqID = r.ReqID
		r.Contract = queryFromProto(p.GetContract())
		r.NumRows = int64(p.GetNumRows())
		r.IsSmartDepth = p.GetIsSmartDepth()
		return r, nil
	}
	f.Int("version")
	r.ReqID = f.ReadReqID()
	q := &r.Contract
	q.ConID = f.Int("conId")
	q.Symbol = f.Str("symbol")
	q.SecType = f.Str("secType")
	q.Expiry = f.Str("lastTradeDateOrContractMonth")
	q.Strike = f.MaxFloat("strike")
	q.Right = f.Str("right")
	q.Multiplier = f.Str("multiplier")
	q.Exchange = f.Str("exchange")
	if c.Version >= verMktDepthPrimExchange {
		q.PrimaryExch = f.Str("primaryExchange")
	}
	q.Currency = f.Str("currency")
	q.LocalSymbol = f.Str("localSymbol")
	q.TradingClass = f.Str("tradingClass")
	r.NumRows = f.Int("numRows")
	if c.Version >= verSmartDepth {
		r.IsSmartDepth = f.Bool("isSmartDepth")
	}
	if c.Version >= MinVerLinking {
		f.Str("mktDepthOptions")
	}
	return r, f.Err
}

// CancelMktDepth reads cancelMktDepth (11): [1]version [2]reqId
// [3]isSmartDepth (>= 146); CancelMarketDepth from version 206.
func (c Codec) CancelMktDepth(f *Fields) (reqID int64, smart bool, err error) {
	if f.IsProto {
		var p protobuf.CancelMarketDepth
		if err := f.unmarshal("CancelMarketDepth", &p); err != nil {
			f.ReqID = partialReqID(p.ReqId)
			return 0, false, err
		}
		f.ReqID = int64(p.GetReqId())
		return f.ReqID, p.GetIsSmartDepth(), nil
	}
	f.Int("version")
	reqID = f.ReadReqID()
	if c.Version >= verSmartDepth && f.Remaining() > 0 {
		smart = f.Bool("isSmartDepth")
	}
	return reqID, smart, f.Err
}

// ReqMktDepthExchanges reads reqMktDepthExchanges (82): no fields;
// MarketDepthExchangesRequest (empty) from version 213.
func (c Codec) ReqMktDepthExchanges(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("MarketDepthExchangesRequest", &protobuf.MarketDepthExchangesRequest{})
	}
	return f.Err
}
