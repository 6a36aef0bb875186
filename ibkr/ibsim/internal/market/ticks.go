package market

import (
	"math"
	"time"
)

// TickSec is the market of one second of the price path, as tick-by-tick
// data and historical ticks report it: the quote at the end of the second
// and the second's trade, if any.
type TickSec struct {
	Time             time.Time
	Bid, Ask         float64
	BidSize, AskSize float64
	Mid              float64
	Traded           bool
	Last, LastSize   float64
}

// Window is the data window of trading day d: the regular session with
// rth (or for an instrument with regular hours only), else the extended
// hours.
func (hi *HistInstrument) Window(d int, rth bool) (from, to time.Time) {
	s := SimCalendar().Sess[d]
	if rth || hi.RegularOnly() {
		return s.Open, s.Close
	}
	return s.PreOpen, s.PostClose
}

// inData reports whether day d has data for the instrument.
func (hi *HistInstrument) inData(d int) bool {
	return d >= 0 && d >= hi.first && d <= hi.last && d < len(SimCalendar().Days)
}

// tickDay is one day's market for tick reads.
type tickDay struct {
	hs   histSource
	size *dayPath
}

func (hi *HistInstrument) tickDay(d int, rth bool) tickDay {
	hs := hi.source(d, rth)
	return tickDay{hs: hs, size: hs.dp}
}

// at is the market at offset i of the day.
func (hi *HistInstrument) at(td tickDay, i int) TickSec {
	s := td.hs.src.second(i)
	inv := hi.ss.inv
	t := TickSec{
		Time: td.hs.dp.sess.PreOpen.Add(time.Duration(i) * time.Second),
		Bid:  float64(s.bid) / inv, Ask: float64(s.ask) / inv,
		Traded: s.traded,
	}
	t.Mid = math.Round(float64(s.bid+s.ask)/2/inv*1e4) / 1e4
	bs, as, ls := td.size.sizes(i)
	switch {
	case hi.Option:
		// Option quotes are a few contracts deep; a trade is its volume.
		t.BidSize, t.AskSize = math.Max(1, math.Round(bs/100)), math.Max(1, math.Round(as/100))
		ls = float64(s.vol)
	case hi.Index:
		t.BidSize, t.AskSize, ls = 0, 0, 0
	default:
		t.BidSize, t.AskSize = bs, as
	}
	if s.traded {
		t.Last = float64(s.trd) / inv
		t.LastSize = ls
	}
	return t
}

// SecondAt is the market in the second holding t, and false outside the
// data window (or before or after the instrument's data).
func (hi *HistInstrument) SecondAt(t time.Time, rth bool) (TickSec, bool) {
	tc := SimCalendar()
	d := tc.OnOrBefore(t)
	if !hi.inData(d) {
		return TickSec{}, false
	}
	from, to := hi.Window(d, rth)
	if t.Before(from) || !t.Before(to) {
		return TickSec{}, false
	}
	td := hi.tickDay(d, rth)
	i := int(t.Sub(td.hs.dp.sess.PreOpen) / time.Second)
	if i < td.hs.a || i >= td.hs.b {
		return TickSec{}, false
	}
	return hi.at(td, i), true
}

// maxTickDays bounds how many trading days a tick scan looks through for
// data, so that a request far outside the data ends.
const maxTickDays = 10

// TicksForward returns up to n seconds with data from the second holding
// from on, before limit, in order; keep picks the seconds wanted.
func (hi *HistInstrument) TicksForward(from, limit time.Time, n int, rth bool, keep func(prev *TickSec, t TickSec) bool) []TickSec {
	tc := SimCalendar()
	var out []TickSec
	var prev *TickSec
	d := max(tc.OnOrBefore(from), hi.first)
	for scanned := 0; len(out) < n && scanned < maxTickDays && d < len(tc.Days) && hi.inData(d); d, scanned = d+1, scanned+1 {
		td := hi.tickDay(d, rth)
		pre := td.hs.dp.sess.PreOpen
		a := td.hs.a
		if from.After(pre) {
			a = max(a, int(from.Sub(pre)/time.Second))
		}
		for i := a; i < td.hs.b && len(out) < n; i++ {
			t := hi.at(td, i)
			if !t.Time.Before(limit) {
				return out
			}
			if keep(prev, t) {
				out = append(out, t)
				prev = &out[len(out)-1]
			}
		}
	}
	return out
}

// TicksBackward returns up to n seconds with data before end, in time
// order (the last n before end); keep picks the seconds wanted, seeing
// them in time order within each day.
func (hi *HistInstrument) TicksBackward(end time.Time, n int, rth bool, keep func(prev *TickSec, t TickSec) bool) []TickSec {
	tc := SimCalendar()
	var days [][]TickSec
	total := 0
	d := min(tc.OnOrBefore(end), hi.last)
	for scanned := 0; total < n && scanned < maxTickDays && d >= 0 && hi.inData(d); d, scanned = d-1, scanned+1 {
		td := hi.tickDay(d, rth)
		pre := td.hs.dp.sess.PreOpen
		b := td.hs.b
		if end.Before(pre.Add(time.Duration(b) * time.Second)) {
			b = min(b, int((end.Sub(pre)+time.Second-1)/time.Second))
		}
		var day []TickSec
		var prev *TickSec
		for i := td.hs.a; i < b; i++ {
			t := hi.at(td, i)
			if !t.Time.Before(end) {
				break
			}
			if keep(prev, t) {
				day = append(day, t)
				prev = &day[len(day)-1]
			}
		}
		if len(day) > n-total {
			day = day[len(day)-(n-total):]
		}
		total += len(day)
		days = append(days, day)
	}
	var out []TickSec
	for i := len(days) - 1; i >= 0; i-- {
		out = append(out, days[i]...)
	}
	return out
}

// SessionDays are the trading days with data that a request of spec
// ending at end covers, in order.
func (hi *HistInstrument) SessionDays(sp HistSpec, end time.Time) []int {
	var out []int
	for _, s := range hi.daySpans(sp, end) {
		out = append(out, s.day)
	}
	return out
}

// TradeVolumes returns the volume traded at each trade price over the
// trading days given, in the data window and before end: the histogram of
// reqHistogramData. An index counts its prints.
//
// abort is called before each day: true stops the scan (nil is returned).
func (hi *HistInstrument) TradeVolumes(days []int, end time.Time, rth bool, abort func() bool) map[float64]float64 {
	out := make(map[float64]float64)
	inv := hi.ss.inv
	for _, d := range days {
		if abort() {
			return nil
		}
		if !hi.inData(d) {
			continue
		}
		td := hi.tickDay(d, rth)
		b := td.hs.b
		pre := td.hs.dp.sess.PreOpen
		if end.Before(pre.Add(time.Duration(b) * time.Second)) {
			b = max(min(b, int(end.Sub(pre)/time.Second)), td.hs.a)
		}
		for i := td.hs.a; i < b; i++ {
			s := td.hs.src.second(i)
			if s.traded {
				v := float64(s.vol)
				if hi.Index {
					v = 1
				}
				out[float64(s.trd)/inv] += v
			}
		}
	}
	return out
}
