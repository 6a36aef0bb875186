package wire

import (
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// BarRow is one historical bar as sent: its time already formatted (see
// BarTime), the volume in the unit the version reports it in, -1 for a
// value the kind of bar has none of.
type BarRow struct {
	Date                   string
	Open, High, Low, Close float64
	Volume, WAP            float64
	Count                  int64
}

// BarTime formats an instant as bar times and query bounds are written:
// "yyyymmdd hh:mm:ss <zone>" New York time, the zone the instrument's
// (US/Eastern when it has none); before version 166 with two spaces and
// no zone.
func (c Codec) BarTime(in *market.Instrument, t time.Time) string {
	ny := t.In(market.NewYork)
	if c.Version < MinVerBarDateTimeZone {
		return ny.Format("20060102  15:04:05")
	}
	tz := "US/Eastern"
	if in != nil && in.TimeZoneID != "" {
		tz = in.TimeZoneID
	}
	return ny.Format("20060102 15:04:05") + " " + tz
}

// HistoricalData builds historicalData (17): the bars of a request. Before
// version 196 the message carries the query's start and end (from 196
// historicalDataEnd does); before 124 a version field (3) and a hasGaps
// field per bar.
func (c Codec) HistoricalData(reqID int64, start, end string, bars []BarRow) []byte {
	if c.protoHist() {
		return protoHistoricalData(reqID, bars)
	}
	m := NewMsg(ibapi.HISTORICAL_DATA)
	if c.Version < MinVerSyntRealtimeBars {
		m.Int(3)
	}
	m.Int(reqID)
	if c.Version < MinVerHistoricalEnd {
		m.Str(start).Str(end)
	}
	m.Int(int64(len(bars)))
	for _, b := range bars {
		m.Str(b.Date).Float(b.Open).Float(b.High).Float(b.Low).Float(b.Close)
		m.Decimal(b.Volume).Float(b.WAP)
		if c.Version < MinVerSyntRealtimeBars {
			m.Str("false") // hasGaps
		}
		m.Int(b.Count)
	}
	return finish(c.Version, m)
}

// HistoricalDataEnd builds historicalDataEnd (108), or nil before version
// 196, where historicalData carries the bounds instead.
func (c Codec) HistoricalDataEnd(reqID int64, start, end string) []byte {
	if c.protoHist() {
		return protoHistoricalDataEnd(reqID, start, end)
	}
	if c.Version < MinVerHistoricalEnd {
		return nil
	}
	return finish(c.Version, NewMsg(ibapi.HISTORICAL_DATA_END).Int(reqID).Str(start).Str(end))
}

// HistoricalDataUpdate builds historicalDataUpdate (90): the current bar
// of a keepUpToDate request.
func (c Codec) HistoricalDataUpdate(reqID int64, b BarRow) []byte {
	if c.protoHist() {
		return protoHistoricalDataUpdate(reqID, b)
	}
	m := NewMsg(ibapi.HISTORICAL_DATA_UPDATE).Int(reqID).Int(b.Count).Str(b.Date)
	m.Float(b.Open).Float(b.Close).Float(b.High).Float(b.Low)
	m.Float(b.WAP).Decimal(b.Volume)
	return finish(c.Version, m)
}

// HeadTimestamp builds headTimestamp (88).
func (c Codec) HeadTimestamp(reqID int64, ts string) []byte {
	if c.protoHist() {
		return protoHeadTimestamp(reqID, ts)
	}
	return finish(c.Version, NewMsg(ibapi.HEAD_TIMESTAMP).Int(reqID).Str(ts))
}

// RealTimeBarsRequest is a decoded reqRealTimeBars.
type RealTimeBarsRequest struct {
	ReqID      int64
	Contract   market.ContractQuery
	BarSize    int64
	WhatToShow string
	UseRTH     bool
}

// ReqRealTimeBars reads reqRealTimeBars (50): [1]version [2]reqId
// [3..14] contract (conId to tradingClass) [15]barSize [16]whatToShow
// [17]useRTH [18]realTimeBarsOptions.
func (c Codec) ReqRealTimeBars(f *Fields) (RealTimeBarsRequest, error) {
	if f.IsProto {
		return protoReqRealTimeBars(f)
	}
	var r RealTimeBarsRequest
	f.Int("version")
	r.ReqID = f.ReadReqID()
	r.Contract = f.ReadContract()
	r.BarSize = f.Int("barSize")
	r.WhatToShow = strings.ToUpper(strings.TrimSpace(f.Str("whatToShow")))
	r.UseRTH = f.Bool("useRTH")
	f.OptStr()
	return r, f.Err
}

// CancelRealTimeBars reads cancelRealTimeBars (51): [1]version [2]reqId.
func (c Codec) CancelRealTimeBars(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return protoCancelRealTimeBars(f)
	}
	f.Int("version")
	reqID = f.Int("reqId")
	return reqID, f.Err
}

// RealTimeBar builds realtimeBar (50), version 3: one 5-second bar that
// starts at the epoch second start.
func (c Codec) RealTimeBar(reqID, start int64, b market.Bar) []byte {
	if c.protoHist() {
		return protoRealTimeBar(reqID, start, b)
	}
	m := NewMsg(ibapi.REAL_TIME_BARS).Int(3).Int(reqID).Int(start)
	m.Float(b.Open).Float(b.High).Float(b.Low).Float(b.Close).Decimal(b.Volume).Decimal(b.WAP).Int(b.Count)
	return finish(c.Version, m)
}
