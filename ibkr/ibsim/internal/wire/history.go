package wire

import (
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
	if c.Version < MinVerHistoricalEnd {
		return nil
	}
	return finish(c.Version, NewMsg(ibapi.HISTORICAL_DATA_END).Int(reqID).Str(start).Str(end))
}

// HistoricalDataUpdate builds historicalDataUpdate (90): the current bar
// of a keepUpToDate request.
func (c Codec) HistoricalDataUpdate(reqID int64, b BarRow) []byte {
	m := NewMsg(ibapi.HISTORICAL_DATA_UPDATE).Int(reqID).Int(b.Count).Str(b.Date)
	m.Float(b.Open).Float(b.Close).Float(b.High).Float(b.Low)
	m.Float(b.WAP).Decimal(b.Volume)
	return finish(c.Version, m)
}

// HeadTimestamp builds headTimestamp (88).
func (c Codec) HeadTimestamp(reqID int64, ts string) []byte {
	return finish(c.Version, NewMsg(ibapi.HEAD_TIMESTAMP).Int(reqID).Str(ts))
}
