package wire

import (
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// The historical data family in protobuf (version 208,
// MIN_SERVER_VER_PROTOBUF_HISTORICAL_DATA): from that version the client
// sends reqHistoricalData, cancelHistoricalData, reqRealTimeBars,
// cancelRealTimeBars, reqHeadTimestamp, cancelHeadTimestamp,
// reqHistogramData, cancelHistogramData, reqHistoricalTicks,
// reqTickByTickData and cancelTickByTickData as protobuf messages, and the
// Gateway answers with protobuf bars, updates, end markers, real-time bars,
// head timestamps, histograms, historical ticks, tick-by-tick data and
// schedules. An unset field of a request reads as the text layout's empty
// field: "" for a string, false for a bool, 0 for a number (a client leaves
// out a false bool and an empty string).

// VerUTCZSuffix is MIN_SERVER_VER_ADD_Z_SUFFIX_TO_UTC_DATE_TIME. A UTC
// date-time is written "yyyymmdd-hh:mm:ss" and from this version may carry
// a "Z" suffix; scmhub/ibapi passes such strings through unchanged. The
// family's replies carry none (bar, end and head times are local times
// with their zone, or epoch seconds; ticks are epoch seconds; schedule
// times are local to the schedule's zone), and its requests accept a UTC
// end or start with or without the suffix at every version.
const VerUTCZSuffix = 214

// protoHist reports whether the historical family's replies are protobuf.
func (c Codec) protoHist() bool { return c.Version >= VerProtoHistorical }

// setReqID records a decoded request id on f for later errors.
func (f *Fields) setReqID(p *int32) int64 {
	id := int64(p2i32(p))
	f.ReqID = id
	return id
}

func p2i32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func upperTrim(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func protoReqHistoricalData(f *Fields) (HistoricalRequest, error) {
	var pm protobuf.HistoricalDataRequest
	var r HistoricalRequest
	if err := f.unmarshalReq("HistoricalDataRequest", &pm); err != nil {
		return r, err
	}
	r.ReqID = f.setReqID(pm.ReqId)
	r.Contract = queryFromProto(pm.GetContract())
	r.EndDateTime = pm.GetEndDateTime()
	r.BarSize = pm.GetBarSizeSetting()
	r.Duration = pm.GetDuration()
	r.UseRTH = pm.GetUseRTH()
	r.WhatToShow = upperTrim(pm.GetWhatToShow())
	r.FormatDate = int(pm.GetFormatDate())
	r.KeepUpToDate = pm.GetKeepUpToDate()
	return r, nil
}

// protoCancelMsg is a cancel request: its reqId only.
type protoCancelMsg interface {
	proto.Message
	GetReqId() int32
}

func protoCancelHistoricalData(f *Fields) (int64, error) {
	return protoCancel(f, "CancelHistoricalData", &protobuf.CancelHistoricalData{})
}

func protoCancelRealTimeBars(f *Fields) (int64, error) {
	return protoCancel(f, "CancelRealTimeBars", &protobuf.CancelRealTimeBars{})
}

func protoReqRealTimeBars(f *Fields) (RealTimeBarsRequest, error) {
	var pm protobuf.RealTimeBarsRequest
	var r RealTimeBarsRequest
	if err := f.unmarshalReq("RealTimeBarsRequest", &pm); err != nil {
		return r, err
	}
	r.ReqID = f.setReqID(pm.ReqId)
	r.Contract = queryFromProto(pm.GetContract())
	r.BarSize = int64(pm.GetBarSize())
	r.WhatToShow = upperTrim(pm.GetWhatToShow())
	r.UseRTH = pm.GetUseRTH()
	return r, nil
}

func protoReqHeadTimestamp(f *Fields) (HeadTimestampRequest, error) {
	var pm protobuf.HeadTimestampRequest
	var r HeadTimestampRequest
	if err := f.unmarshalReq("HeadTimestampRequest", &pm); err != nil {
		return r, err
	}
	r.ReqID = f.setReqID(pm.ReqId)
	r.Contract = queryFromProto(pm.GetContract())
	r.UseRTH = pm.GetUseRTH()
	r.WhatToShow = upperTrim(pm.GetWhatToShow())
	r.FormatDate = int64(pm.GetFormatDate())
	return r, nil
}

func protoReqHistogramData(f *Fields) (HistogramRequest, error) {
	var pm protobuf.HistogramDataRequest
	var r HistogramRequest
	if err := f.unmarshalReq("HistogramDataRequest", &pm); err != nil {
		return r, err
	}
	r.ReqID = f.setReqID(pm.ReqId)
	r.Contract = queryFromProto(pm.GetContract())
	r.UseRTH = pm.GetUseRTH()
	r.Period = pm.GetTimePeriod()
	return r, nil
}

func protoReqHistoricalTicks(f *Fields) (HistoricalTicksRequest, error) {
	var pm protobuf.HistoricalTicksRequest
	var r HistoricalTicksRequest
	if err := f.unmarshalReq("HistoricalTicksRequest", &pm); err != nil {
		return r, err
	}
	r.ReqID = f.setReqID(pm.ReqId)
	r.Contract = queryFromProto(pm.GetContract())
	r.Start = pm.GetStartDateTime()
	r.End = pm.GetEndDateTime()
	r.NumberOfTicks = int64(pm.GetNumberOfTicks())
	r.WhatToShow = upperTrim(pm.GetWhatToShow())
	r.UseRTH = pm.GetUseRTH()
	r.IgnoreSize = pm.GetIgnoreSize()
	return r, nil
}

func protoReqTickByTick(f *Fields) (TickByTickRequest, error) {
	var pm protobuf.TickByTickRequest
	var r TickByTickRequest
	if err := f.unmarshalReq("TickByTickRequest", &pm); err != nil {
		return r, err
	}
	r.ReqID = f.setReqID(pm.ReqId)
	r.Contract = queryFromProto(pm.GetContract())
	r.TickType = strings.TrimSpace(pm.GetTickType())
	r.NumberOfTicks = int64(pm.GetNumberOfTicks())
	r.IgnoreSize = pm.GetIgnoreSize()
	return r, nil
}

// Replies.

// pSize is a size or volume as the decimal text protobuf carries; nil for
// the -1 of a bar kind without volume (the text layout's -1 reads as
// unset there too).
func pSize(v float64) *string {
	if v < 0 {
		return pStr("-1")
	}
	return pStr(strconv.FormatFloat(v, 'f', -1, 64))
}

func barProto(b BarRow) *protobuf.HistoricalDataBar {
	return &protobuf.HistoricalDataBar{
		Date: pStr(b.Date), Open: pF64(b.Open), High: pF64(b.High), Low: pF64(b.Low), Close: pF64(b.Close),
		Volume: pSize(b.Volume), WAP: pSize(b.WAP), BarCount: pI32(b.Count),
	}
}

func protoHistoricalData(reqID int64, bars []BarRow) []byte {
	pm := &protobuf.HistoricalData{ReqId: pI32(reqID)}
	for _, b := range bars {
		pm.HistoricalDataBars = append(pm.HistoricalDataBars, barProto(b))
	}
	return protoFrame(ibapi.HISTORICAL_DATA, pm)
}

func protoHistoricalDataEnd(reqID int64, start, end string) []byte {
	return protoFrame(ibapi.HISTORICAL_DATA_END, &protobuf.HistoricalDataEnd{ReqId: pI32(reqID), StartDateStr: pStr(start), EndDateStr: pStr(end)})
}

func protoHistoricalDataUpdate(reqID int64, b BarRow) []byte {
	return protoFrame(ibapi.HISTORICAL_DATA_UPDATE, &protobuf.HistoricalDataUpdate{ReqId: pI32(reqID), HistoricalDataBar: barProto(b)})
}

func protoHeadTimestamp(reqID int64, ts string) []byte {
	return protoFrame(ibapi.HEAD_TIMESTAMP, &protobuf.HeadTimestamp{ReqId: pI32(reqID), HeadTimestamp: pStr(ts)})
}

func protoRealTimeBar(reqID, start int64, b market.Bar) []byte {
	return protoFrame(ibapi.REAL_TIME_BARS, &protobuf.RealTimeBarTick{
		ReqId: pI32(reqID), Time: pI64(start),
		Open: pF64(b.Open), High: pF64(b.High), Low: pF64(b.Low), Close: pF64(b.Close),
		Volume: pSize(b.Volume), WAP: pSize(b.WAP), Count: pI32(b.Count),
	})
}

func protoHistogramData(reqID int64, rows []HistogramRow) []byte {
	pm := &protobuf.HistogramData{ReqId: pI32(reqID)}
	for _, r := range rows {
		pm.HistogramDataEntries = append(pm.HistogramDataEntries, &protobuf.HistogramDataEntry{Price: pF64(r.Price), Size: pSize(r.Size)})
	}
	return protoFrame(ibapi.HISTOGRAM_DATA, pm)
}

func midProto(t TickRow) *protobuf.HistoricalTick {
	return &protobuf.HistoricalTick{Time: pI64(t.Time), Price: pF64(t.Price), Size: pSize(t.Size)}
}

func bidAskProto(t TickRow) *protobuf.HistoricalTickBidAsk {
	return &protobuf.HistoricalTickBidAsk{
		Time:             pI64(t.Time),
		TickAttribBidAsk: &protobuf.TickAttribBidAsk{BidPastLow: pBool(t.BidPastLow), AskPastHigh: pBool(t.AskPastHigh)},
		PriceBid:         pF64(t.Bid), PriceAsk: pF64(t.Ask), SizeBid: pSize(t.BidSize), SizeAsk: pSize(t.AskSize),
	}
}

func lastProto(t TickRow) *protobuf.HistoricalTickLast {
	return &protobuf.HistoricalTickLast{
		Time:           pI64(t.Time),
		TickAttribLast: &protobuf.TickAttribLast{PastLimit: pBool(t.PastLimit), Unreported: pBool(t.Unreported)},
		Price:          pF64(t.Price), Size: pSize(t.Size), Exchange: pStr(t.Exchange), SpecialConditions: pStr(t.SpecialConditions),
	}
}

func protoHistoricalTicks(reqID int64, what string, ticks []TickRow, done bool) []byte {
	switch what {
	case "BID_ASK":
		pm := &protobuf.HistoricalTicksBidAsk{ReqId: pI32(reqID), IsDone: pBool(done)}
		for _, t := range ticks {
			pm.HistoricalTicksBidAsk = append(pm.HistoricalTicksBidAsk, bidAskProto(t))
		}
		return protoFrame(ibapi.HISTORICAL_TICKS_BID_ASK, pm)
	case "TRADES":
		pm := &protobuf.HistoricalTicksLast{ReqId: pI32(reqID), IsDone: pBool(done)}
		for _, t := range ticks {
			pm.HistoricalTicksLast = append(pm.HistoricalTicksLast, lastProto(t))
		}
		return protoFrame(ibapi.HISTORICAL_TICKS_LAST, pm)
	}
	pm := &protobuf.HistoricalTicks{ReqId: pI32(reqID), IsDone: pBool(done)}
	for _, t := range ticks {
		pm.HistoricalTicks = append(pm.HistoricalTicks, midProto(t))
	}
	return protoFrame(ibapi.HISTORICAL_TICKS, pm)
}

func protoTickByTick(reqID int64, tickType int, t TickRow) []byte {
	pm := &protobuf.TickByTickData{ReqId: pI32(reqID), TickType: pI32(int64(tickType))}
	switch tickType {
	case TickByTickLast, TickByTickAllLast:
		pm.Tick = &protobuf.TickByTickData_HistoricalTickLast{HistoricalTickLast: lastProto(t)}
	case TickByTickBidAsk:
		pm.Tick = &protobuf.TickByTickData_HistoricalTickBidAsk{HistoricalTickBidAsk: bidAskProto(t)}
	default:
		pm.Tick = &protobuf.TickByTickData_HistoricalTickMidPoint{HistoricalTickMidPoint: &protobuf.HistoricalTick{Time: pI64(t.Time), Price: pF64(t.Price)}}
	}
	return protoFrame(ibapi.TICK_BY_TICK, pm)
}

func protoHistoricalSchedule(reqID int64, s Schedule) []byte {
	pm := &protobuf.HistoricalSchedule{ReqId: pI32(reqID), StartDateTime: pStr(s.Start), EndDateTime: pStr(s.End), TimeZone: pStr(s.TimeZone)}
	for _, x := range s.Sessions {
		pm.HistoricalSessions = append(pm.HistoricalSessions, &protobuf.HistoricalSession{StartDateTime: pStr(x.Start), EndDateTime: pStr(x.End), RefDate: pStr(x.RefDate)})
	}
	return protoFrame(ibapi.HISTORICAL_SCHEDULE, pm)
}
