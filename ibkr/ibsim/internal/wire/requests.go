package wire

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi/protobuf"
)

// The request decoders: each reads one request's fields after the message
// id, in the order and under the version conditions the TWS API client
// writes them at the negotiated version. A missing or malformed field is
// returned as a *FieldError (also left in f.Err), after f.ReqID was set
// to the request id if it had been read, so that the error can be
// reported on it.

// BadIDError is a message whose id is not a number. Its text is what
// error 320 reports after "Error reading request. ".
type BadIDError struct {
	ID     string
	binary bool // a binary id (version 201 and later) shorter than 4 bytes
}

// Error is the text of error 320 after "Error reading request. ".
func (e *BadIDError) Error() string {
	if e.binary {
		return fmt.Sprintf("Unable to parse message id: %d bytes (%s), want a 4-byte id.", len(strings.Fields(e.ID)), truncate(e.ID, 32))
	}
	return fmt.Sprintf("Unable to parse message id %q.", truncate(e.ID, 32))
}

// Request splits one client message into its message id and the cursor
// over the fields after it. An id that is not a number is a *BadIDError.
//
// From version 201 the id is a 4-byte binary integer; an id of 200 or more
// is a protobuf request, returned as its text twin's id with f.IsProto set
// and f.Proto holding the message.
func (c Codec) Request(payload []byte) (id int64, f *Fields, err error) {
	if c.Version >= VerProtobuf {
		if len(payload) < 4 {
			return 0, NewFields(nil), &BadIDError{ID: fmt.Sprintf("% x", payload), binary: true}
		}
		id = int64(binary.BigEndian.Uint32(payload))
		body := payload[4:]
		if id >= protobufIDOffset {
			return id - protobufIDOffset, &Fields{IsProto: true, Proto: body, ReqID: -1}, nil
		}
		return id, NewFields(SplitFields(body)), nil
	}
	f = NewFields(SplitFields(payload))
	s := f.Str("message id")
	id, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return 0, f, &BadIDError{ID: s}
	}
	return id, f, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// versionOnly reads a request that carries nothing but its version field.
func versionOnly(f *Fields) error {
	f.Int("version")
	return f.Err
}

// StartAPI reads startApi (71): [1]version [2]clientId
// [3]optionalCapabilities (version >= 72).
func (c Codec) StartAPI(f *Fields) (clientID int64, err error) {
	if f.IsProto {
		return startAPIProto(f)
	}
	f.Int("version")
	id := f.Int("clientId")
	if c.Version >= 72 {
		f.OptStr()
	}
	return id, f.Err
}

// ReqIDs reads reqIds (8): [1]version [2]numIds.
func (c Codec) ReqIDs(f *Fields) error {
	if f.IsProto {
		return idsProto(f)
	}
	f.Int("version")
	f.Int("numIds")
	return f.Err
}

// ReqCurrentTime reads reqCurrentTime (49): [1]version.
func (c Codec) ReqCurrentTime(f *Fields) error {
	if f.IsProto {
		var r protobuf.CurrentTimeRequest
		return f.unmarshal("CurrentTimeRequest", &r)
	}
	return versionOnly(f)
}

// ReqCurrentTimeInMillis reads reqCurrentTimeInMillis (105): no fields.
func (c Codec) ReqCurrentTimeInMillis(f *Fields) error {
	if f.IsProto {
		var r protobuf.CurrentTimeInMillisRequest
		return f.unmarshal("CurrentTimeInMillisRequest", &r)
	}
	return f.Err
}

// ReqMarketDataType reads reqMarketDataType (59): [1]version [2]type.
func (c Codec) ReqMarketDataType(f *Fields) (typ int64, err error) {
	if f.IsProto {
		return mktDataTypeFromProto(f)
	}
	f.Int("version")
	t := f.Int("marketDataType")
	return t, f.Err
}

// ReqManagedAccts reads reqManagedAccts (17): [1]version; from version
// 207 ManagedAccountsRequest (no fields).
func (c Codec) ReqManagedAccts(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("ManagedAccountsRequest", &protobuf.ManagedAccountsRequest{})
	}
	return versionOnly(f)
}

// ReqContractDetails reads reqContractDetails (9): [1]version 8, [2]reqId
// (>= 40, else -1), conId, symbol, secType, lastTradeDateOrContractMonth,
// strike, right, multiplier, exchange and primaryExchange (>= 75; at
// 70..74 "SMART:NASDAQ" in exchange), currency, localSymbol, tradingClass
// (>= 68), includeExpired, secIdType and secId (>= 45), issuerId (>= 176).
// An unset strike reads as 0. From version 205 the request is protobuf
// (ContractDataRequest): the same contract, the request id -1 when absent.
func (c Codec) ReqContractDetails(f *Fields) (reqID int64, q market.ContractQuery, err error) {
	if f.IsProto {
		return reqContractDetailsProto(f)
	}
	v := c.Version
	f.Int("version")
	reqID = -1
	if v >= VerContractDataChain {
		reqID = f.Int("reqId")
		f.ReqID = reqID
	}
	q.ConID = f.Int("conId")
	q.Symbol = f.Str("symbol")
	q.SecType = f.Str("secType")
	q.Expiry = f.Str("lastTradeDateOrContractMonth")
	q.Strike = f.MaxFloat("strike")
	q.Right = f.Str("right")
	q.Multiplier = f.Str("multiplier")
	switch {
	case v >= VerPrimaryExch:
		q.Exchange = f.Str("exchange")
		q.PrimaryExch = f.Str("primaryExchange")
	case v >= VerLinking:
		q.Exchange = f.Str("exchange")
	}
	q.Currency = f.Str("currency")
	q.LocalSymbol = f.Str("localSymbol")
	if v >= VerTradingClass {
		q.TradingClass = f.Str("tradingClass")
	}
	q.IncludeExpired = f.Bool("includeExpired")
	if v >= VerSecIDType {
		q.SecIDType = f.Str("secIdType")
		q.SecID = f.Str("secId")
	}
	if v >= VerBondIssuerID {
		f.OptStr() // issuerId: bonds only
	}
	if f.Err != nil {
		return reqID, q, f.Err
	}
	if q.Strike == engine.UnsetFloat {
		q.Strike = 0
	}
	return reqID, q, nil
}

// SecDefOptParamsRequest is a reqSecDefOptParams, its names upper case.
type SecDefOptParamsRequest struct {
	ReqID          int64
	Symbol         string
	FutFopExchange string
	SecType        string
	ConID          int64
}

// ReqSecDefOptParams reads reqSecDefOptParams (78): [1]reqId
// [2]underlyingSymbol [3]futFopExchange [4]underlyingSecType
// [5]underlyingConId.
func (c Codec) ReqSecDefOptParams(f *Fields) (SecDefOptParamsRequest, error) {
	if f.IsProto {
		return secDefOptParamsProto(f)
	}
	var r SecDefOptParamsRequest
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.Symbol = strings.ToUpper(strings.TrimSpace(f.Str("underlyingSymbol")))
	r.FutFopExchange = strings.ToUpper(strings.TrimSpace(f.Str("futFopExchange")))
	r.SecType = strings.ToUpper(strings.TrimSpace(f.Str("underlyingSecType")))
	r.ConID = f.Int("underlyingConId")
	return r, f.Err
}

// ReqMatchingSymbols reads reqMatchingSymbols (81): [1]reqId [2]pattern.
func (c Codec) ReqMatchingSymbols(f *Fields) (reqID int64, pattern string, err error) {
	if f.IsProto {
		return matchingSymbolsProto(f)
	}
	reqID = f.Int("reqId")
	f.ReqID = reqID
	pattern = f.Str("pattern")
	return reqID, pattern, f.Err
}

// ReqSmartComponents reads reqSmartComponents (83): [1]reqId
// [2]bboExchange.
func (c Codec) ReqSmartComponents(f *Fields) (reqID int64, bbo string, err error) {
	if f.IsProto {
		return smartComponentsProto(f)
	}
	reqID = f.Int("reqId")
	f.ReqID = reqID
	bbo = f.Str("bboExchange")
	return reqID, bbo, f.Err
}

// ReqMarketRule reads reqMarketRule (91): [1]marketRuleId (no version
// field; clients send it from version 126).
func (c Codec) ReqMarketRule(f *Fields) (id int64, err error) {
	if f.IsProto {
		return marketRuleProto(f)
	}
	id = f.Int("marketRuleId")
	return id, f.Err
}

// MktDataLeg is one leg of a BAG market data request.
type MktDataLeg struct {
	ConID  int64
	Ratio  int64
	Action string // BUY or SELL
}

// MktDataRequest is a reqMktData.
type MktDataRequest struct {
	ReqID        int64
	Contract     market.ContractQuery
	Legs         []MktDataLeg // BAG only
	GenericTicks string
	// Snapshot is true for a snapshot, and for a regulatory snapshot,
	// which is answered like one.
	Snapshot bool
}

// ReqMktData reads reqMktData (1): [1]version(11) [2]reqId [3]conId
// [4..14] contract (tradingClass at >= 68), BAG legs (at most 64),
// delta-neutral contract, genericTickList, snapshot, regulatorySnapshot
// (>= 114), mktDataOptions (>= 70).
func (c Codec) ReqMktData(f *Fields) (MktDataRequest, error) {
	if f.IsProto {
		return mktDataFromProto(f)
	}
	var r MktDataRequest
	f.Int("version")
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.Contract = f.ReadContract()
	if r.Contract.SecType == "BAG" {
		n := f.Int("comboLegsCount")
		if f.Err == nil && (n < 0 || n > 64) {
			return r, &FieldError{Index: f.Pos - 1, Name: "comboLegsCount", Value: strconv.FormatInt(n, 10), Want: "0..64"}
		}
		for range n {
			var l MktDataLeg
			l.ConID = f.Int("comboLeg.conId")
			l.Ratio = f.Int("comboLeg.ratio")
			l.Action = f.Str("comboLeg.action")
			f.Str("comboLeg.exchange")
			r.Legs = append(r.Legs, l)
		}
	}
	if f.Bool("deltaNeutralContract") {
		f.Int("deltaNeutralContract.conId")
		f.Float("deltaNeutralContract.delta")
		f.Float("deltaNeutralContract.price")
	}
	r.GenericTicks = f.Str("genericTickList")
	r.Snapshot = f.Bool("snapshot")
	if c.Version >= MinVerTickReqParams && f.Bool("regulatorySnapshot") {
		r.Snapshot = true
	}
	if c.Version >= MinVerLinking {
		f.Str("mktDataOptions")
	}
	return r, f.Err
}

// CancelMktData reads cancelMktData (2): [1]version [2]reqId.
func (c Codec) CancelMktData(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return cancelMktDataFromProto(f)
	}
	f.Int("version")
	reqID = f.Int("reqId")
	f.ReqID = reqID
	return reqID, f.Err
}

// HistoricalRequest is a reqHistoricalData; WhatToShow is upper case.
type HistoricalRequest struct {
	ReqID        int64
	Contract     market.ContractQuery
	EndDateTime  string
	BarSize      string
	Duration     string
	UseRTH       bool
	WhatToShow   string
	FormatDate   int
	KeepUpToDate bool
}

// ReqHistoricalData reads reqHistoricalData (20): [1]version (below 124;
// scmhub/ibapi sends it at 124 too, which the field count tells apart)
// [2]reqId, the contract, includeExpired, endDateTime, barSizeSetting,
// durationStr, useRTH, whatToShow, formatDate, the BAG legs (skipped),
// keepUpToDate (>= 124) and chartOptions.
func (c Codec) ReqHistoricalData(f *Fields) (HistoricalRequest, error) {
	if f.IsProto {
		return protoReqHistoricalData(f)
	}
	var r HistoricalRequest
	v := c.Version
	if v < MinVerSyntRealtimeBars || (v == MinVerSyntRealtimeBars && f.Remaining() >= 23) {
		f.Int("version")
	}
	r.ReqID = f.ReadReqID()
	r.Contract = f.ReadContract()
	r.Contract.IncludeExpired = f.Bool("includeExpired")
	r.EndDateTime = f.Str("endDateTime")
	r.BarSize = f.Str("barSizeSetting")
	r.Duration = f.Str("durationStr")
	r.UseRTH = f.Bool("useRTH")
	r.WhatToShow = strings.ToUpper(strings.TrimSpace(f.Str("whatToShow")))
	r.FormatDate = int(f.Int("formatDate"))
	if strings.EqualFold(r.Contract.SecType, "BAG") {
		n := f.Int("comboLegsCount")
		if n < 0 || n > 64 {
			n = 0
		}
		f.Skip(int(4*n), "comboLeg")
	}
	if v >= MinVerSyntRealtimeBars {
		switch strings.TrimSpace(f.OptStr()) {
		case "", "0", "false", "False":
		default:
			r.KeepUpToDate = true
		}
	}
	f.OptStr() // chartOptions
	return r, f.Err
}

// CancelHistoricalData reads cancelHistoricalData (25): [1]version
// [2]reqId.
func (c Codec) CancelHistoricalData(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return protoCancelHistoricalData(f)
	}
	f.Int("version")
	reqID = f.Int("reqId")
	return reqID, f.Err
}

// HeadTimestampRequest is a reqHeadTimestamp; WhatToShow is upper case.
type HeadTimestampRequest struct {
	ReqID      int64
	Contract   market.ContractQuery
	UseRTH     bool
	WhatToShow string
	FormatDate int64
}

// ReqHeadTimestamp reads reqHeadTimestamp (87): [1]reqId [2..13] contract
// [14]includeExpired [15]useRTH [16]whatToShow [17]formatDate.
func (c Codec) ReqHeadTimestamp(f *Fields) (HeadTimestampRequest, error) {
	if f.IsProto {
		return protoReqHeadTimestamp(f)
	}
	var r HeadTimestampRequest
	r.ReqID = f.ReadReqID()
	r.Contract = f.ReadContract()
	r.Contract.IncludeExpired = f.Bool("includeExpired")
	r.UseRTH = f.Bool("useRTH")
	r.WhatToShow = strings.ToUpper(strings.TrimSpace(f.Str("whatToShow")))
	r.FormatDate = f.Int("formatDate")
	return r, f.Err
}
