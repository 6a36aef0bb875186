package wire

import (
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// Histogram data, historical ticks, tick-by-tick data and the trading
// schedule: their requests and replies in text and, from
// VerProtoHistorical, in protobuf.

// Tick-by-tick tick types as the tickByTick message numbers them.
const (
	TickByTickLast    = 1
	TickByTickAllLast = 2
	TickByTickBidAsk  = 3
	TickByTickMid     = 4
)

// HistogramRequest is a decoded reqHistogramData.
type HistogramRequest struct {
	ReqID    int64
	Contract market.ContractQuery
	UseRTH   bool
	Period   string
}

// HistogramRow is one price level of a histogram.
type HistogramRow struct {
	Price, Size float64
}

// HistoricalTicksRequest is a decoded reqHistoricalTicks; WhatToShow is
// upper case.
type HistoricalTicksRequest struct {
	ReqID         int64
	Contract      market.ContractQuery
	Start, End    string
	NumberOfTicks int64
	WhatToShow    string
	UseRTH        bool
	IgnoreSize    bool
}

// TickByTickRequest is a decoded reqTickByTickData.
type TickByTickRequest struct {
	ReqID         int64
	Contract      market.ContractQuery
	TickType      string
	NumberOfTicks int64
	IgnoreSize    bool
}

// TickRow is one tick as sent: Time in epoch seconds; Price and Size for
// a trade or a midpoint, Bid, Ask and their sizes for a quote.
type TickRow struct {
	Time                  int64
	Price, Size           float64
	Bid, Ask              float64
	BidSize, AskSize      float64
	BidPastLow            bool
	AskPastHigh           bool
	PastLimit, Unreported bool
	Exchange              string
	SpecialConditions     string
}

// SessionRow is one session of a schedule.
type SessionRow struct {
	Start, End, RefDate string
}

// Schedule is a historicalSchedule: its bounds, zone and sessions.
type Schedule struct {
	Start, End, TimeZone string
	Sessions             []SessionRow
}

// ReqHistogramData reads reqHistogramData (88): [1]reqId [2..13] contract
// [14]includeExpired [15]useRTH [16]timePeriod.
func (c Codec) ReqHistogramData(f *Fields) (HistogramRequest, error) {
	if f.IsProto {
		return protoReqHistogramData(f)
	}
	var r HistogramRequest
	r.ReqID = f.ReadReqID()
	r.Contract = f.ReadContract()
	r.Contract.IncludeExpired = f.Bool("includeExpired")
	r.UseRTH = f.Bool("useRTH")
	r.Period = f.Str("timePeriod")
	return r, f.Err
}

// reqIDOnly reads a request whose only field is its request id.
func reqIDOnly(f *Fields, name string, pm protoCancelMsg) (int64, error) {
	if f.IsProto {
		return protoCancel(f, name, pm)
	}
	id := f.ReadReqID()
	return id, f.Err
}

// CancelHistogramData reads cancelHistogramData (89): [1]reqId.
func (c Codec) CancelHistogramData(f *Fields) (int64, error) {
	return reqIDOnly(f, "CancelHistogramData", &protobuf.CancelHistogramData{})
}

// CancelHeadTimestamp reads cancelHeadTimestamp (90): [1]reqId.
func (c Codec) CancelHeadTimestamp(f *Fields) (int64, error) {
	return reqIDOnly(f, "CancelHeadTimestamp", &protobuf.CancelHeadTimestamp{})
}

// CancelTickByTickData reads cancelTickByTickData (98): [1]reqId.
func (c Codec) CancelTickByTickData(f *Fields) (int64, error) {
	return reqIDOnly(f, "CancelTickByTick", &protobuf.CancelTickByTick{})
}

// ReqHistoricalTicks reads reqHistoricalTicks (96): [1]reqId [2..13]
// contract [14]includeExpired [15]startDateTime [16]endDateTime
// [17]numberOfTicks [18]whatToShow [19]useRTH [20]ignoreSize
// [21]miscOptions.
func (c Codec) ReqHistoricalTicks(f *Fields) (HistoricalTicksRequest, error) {
	if f.IsProto {
		return protoReqHistoricalTicks(f)
	}
	var r HistoricalTicksRequest
	r.ReqID = f.ReadReqID()
	r.Contract = f.ReadContract()
	r.Contract.IncludeExpired = f.Bool("includeExpired")
	r.Start = f.Str("startDateTime")
	r.End = f.Str("endDateTime")
	r.NumberOfTicks = f.Int("numberOfTicks")
	r.WhatToShow = strings.ToUpper(strings.TrimSpace(f.Str("whatToShow")))
	r.UseRTH = f.Bool("useRTH")
	r.IgnoreSize = f.Bool("ignoreSize")
	f.OptStr() // miscOptions
	return r, f.Err
}

// ReqTickByTickData reads reqTickByTickData (97): [1]reqId [2..13]
// contract (no includeExpired) [14]tickType, and from version 140
// [15]numberOfTicks [16]ignoreSize.
func (c Codec) ReqTickByTickData(f *Fields) (TickByTickRequest, error) {
	if f.IsProto {
		return protoReqTickByTick(f)
	}
	var r TickByTickRequest
	r.ReqID = f.ReadReqID()
	r.Contract = f.ReadContract()
	r.TickType = strings.TrimSpace(f.Str("tickType"))
	if f.Remaining() > 0 {
		r.NumberOfTicks = f.Int("numberOfTicks")
		r.IgnoreSize = f.Bool("ignoreSize")
	}
	return r, f.Err
}

// HistogramData builds histogramData (89): price and size rows.
func (c Codec) HistogramData(reqID int64, rows []HistogramRow) []byte {
	if c.protoHist() {
		return protoHistogramData(reqID, rows)
	}
	m := NewMsg(ibapi.HISTOGRAM_DATA).Int(reqID).Int(int64(len(rows)))
	for _, r := range rows {
		m.Float(r.Price).Decimal(r.Size)
	}
	return finish(c.Version, m)
}

// HistoricalTicks builds the answer to reqHistoricalTicks: historicalTicks
// (96, MIDPOINT), historicalTicksBidAsk (97) or historicalTicksLast (98,
// TRADES), with the done flag.
func (c Codec) HistoricalTicks(reqID int64, what string, ticks []TickRow, done bool) []byte {
	if c.protoHist() {
		return protoHistoricalTicks(reqID, what, ticks, done)
	}
	var m *Msg
	switch what {
	case "BID_ASK":
		m = NewMsg(ibapi.HISTORICAL_TICKS_BID_ASK).Int(reqID).Int(int64(len(ticks)))
		for _, t := range ticks {
			mask := int64(0)
			if t.AskPastHigh {
				mask |= 1
			}
			if t.BidPastLow {
				mask |= 2
			}
			m.Int(t.Time).Int(mask).Float(t.Bid).Float(t.Ask).Decimal(t.BidSize).Decimal(t.AskSize)
		}
	case "TRADES":
		m = NewMsg(ibapi.HISTORICAL_TICKS_LAST).Int(reqID).Int(int64(len(ticks)))
		for _, t := range ticks {
			m.Int(t.Time).Int(lastMask(t)).Float(t.Price).Decimal(t.Size).Str(t.Exchange).Str(t.SpecialConditions)
		}
	default:
		m = NewMsg(ibapi.HISTORICAL_TICKS).Int(reqID).Int(int64(len(ticks)))
		for _, t := range ticks {
			m.Int(t.Time).Str("").Float(t.Price).Decimal(t.Size)
		}
	}
	m.bool(done)
	return finish(c.Version, m)
}

func lastMask(t TickRow) int64 {
	mask := int64(0)
	if t.PastLimit {
		mask |= 1
	}
	if t.Unreported {
		mask |= 2
	}
	return mask
}

// TickByTick builds tickByTick (99) of one tick type.
func (c Codec) TickByTick(reqID int64, tickType int, t TickRow) []byte {
	if c.protoHist() {
		return protoTickByTick(reqID, tickType, t)
	}
	m := NewMsg(ibapi.TICK_BY_TICK).Int(reqID).Int(int64(tickType)).Int(t.Time)
	switch tickType {
	case TickByTickLast, TickByTickAllLast:
		m.Float(t.Price).Decimal(t.Size).Int(lastMask(t)).Str(t.Exchange).Str(t.SpecialConditions)
	case TickByTickBidAsk:
		mask := int64(0)
		if t.BidPastLow {
			mask |= 1
		}
		if t.AskPastHigh {
			mask |= 2
		}
		m.Float(t.Bid).Float(t.Ask).Decimal(t.BidSize).Decimal(t.AskSize).Int(mask)
	default:
		m.Float(t.Price)
	}
	return finish(c.Version, m)
}

// HistoricalSchedule builds historicalSchedule (106).
func (c Codec) HistoricalSchedule(reqID int64, s Schedule) []byte {
	if c.protoHist() {
		return protoHistoricalSchedule(reqID, s)
	}
	m := NewMsg(ibapi.HISTORICAL_SCHEDULE).Int(reqID).Str(s.Start).Str(s.End).Str(s.TimeZone).Int(int64(len(s.Sessions)))
	for _, x := range s.Sessions {
		m.Str(x.Start).Str(x.End).Str(x.RefDate)
	}
	return finish(c.Version, m)
}
