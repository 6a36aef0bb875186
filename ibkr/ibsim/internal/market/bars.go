package market

import (
	"math"
	"time"
)

// BarKind is the unit of a bar size.
type BarKind int

const (
	BarIntraday BarKind = iota
	BarDay
	BarWeek
	BarMonth
)

// HistSpec is a validated historical request.
type HistSpec struct {
	Sec     int // intraday bar length
	Kind    BarKind
	DurN    int
	DurUnit byte // S, D, W, M or Y
	What    string
	RTH     bool
	Format  int // 1 text, 2 epoch seconds
}

// SpanSeconds is the span of a duration in calendar seconds, for the
// length limits.
func (s HistSpec) SpanSeconds() int64 {
	n := int64(s.DurN)
	switch s.DurUnit {
	case 'S':
		return n
	case 'D':
		return n * 86400
	case 'W':
		return n * 7 * 86400
	case 'M':
		return n * 31 * 86400
	}
	return n * 366 * 86400
}

// histSource is the market of one instrument on one trading day, and the
// hours its bars cover.
type histSource struct {
	src  secondSource
	dp   *dayPath
	a, b int // window offsets: regular session or extended hours
}

// HistInstrument prepares bar building for an instrument.
type HistInstrument struct {
	p      *PriceModel
	In     *Instrument
	ss     *symSeries
	Option bool
	Index  bool
	expiry time.Time
	first  int // first trading day with data
	last   int // last trading day with data (an option's expiry)
}

// HistInstrument prepares the bars of an instrument.
func (p *PriceModel) HistInstrument(in *Instrument) *HistInstrument {
	tc := SimCalendar()
	hi := &HistInstrument{p: p, In: in, Option: in.IsOption(), last: len(tc.Days) - 1}
	if hi.Option {
		hi.ss = p.seriesFor(in.UnderSymbol)
		exp, ok := p.expiryClose(in.Expiry)
		if !ok {
			hi.first, hi.last = 1, 0
			return hi
		}
		hi.expiry = exp
		hi.last = tc.rthDayAt(exp.Add(-time.Second))
		hi.first = max(hi.ss.first, tc.dayOnOrAfter(exp.AddDate(-2, 0, 0)))
	} else {
		hi.ss = p.seriesFor(in.Symbol)
		hi.Index = hi.ss.sp.index || in.SecType == "IND"
		hi.first = hi.ss.first
	}
	return hi
}

// RegularOnly reports whether the instrument only has regular-session data.
func (hi *HistInstrument) RegularOnly() bool { return hi.Option || hi.Index }

// source returns day d's market and window.
func (hi *HistInstrument) source(d int, rth bool) histSource {
	dp := hi.p.day(hi.ss, d)
	hs := histSource{dp: dp, a: 0, b: dp.n}
	if rth || hi.RegularOnly() {
		hs.a, hs.b = dp.openOff, dp.closeOff
	}
	hs.src = dp
	if hi.Option {
		hs.src = hi.p.newOptModel(hi.In, hi.ss, d, hi.expiry)
		if d == hi.last {
			hs.b = min(hs.b, dp.offset(hi.expiry.Add(-time.Second))+1)
		}
	}
	return hs
}

// daySpans returns the parts of trading days a request covers, in order,
// each cut at end (exclusive); for an N S duration also cut at its start
// (moved back to the start of its bar).
func (hi *HistInstrument) daySpans(sp HistSpec, end time.Time) []span {
	tc := SimCalendar()
	rth := sp.RTH || hi.RegularOnly()
	window := func(d int) (time.Time, time.Time) {
		s := tc.Sess[d]
		if rth {
			return s.Open, s.Close
		}
		return s.PreOpen, s.PostClose
	}
	last := tc.OnOrBefore(end)
	if last >= 0 {
		if ws, _ := window(last); !end.After(ws) {
			last--
		}
	}
	last = min(last, hi.last)
	var first int
	var from time.Time
	switch sp.DurUnit {
	case 'S':
		from = end.Add(-time.Duration(sp.DurN) * time.Second)
		if sp.Kind == BarIntraday {
			from = alignDown(from, sp.Sec)
		}
		first = max(tc.OnOrBefore(from), 0)
	case 'D':
		first = last - sp.DurN + 1
	case 'W':
		first = tc.OnOrBefore(end.AddDate(0, 0, -7*sp.DurN)) + 1
	case 'M':
		first = tc.OnOrBefore(end.AddDate(0, -sp.DurN, 0)) + 1
	default:
		first = tc.OnOrBefore(end.AddDate(-sp.DurN, 0, 0)) + 1
	}
	first = max(first, hi.first)
	var out []span
	for d := first; d <= last; d++ {
		ws, we := window(d)
		if !from.IsZero() && from.After(ws) {
			ws = from
		}
		if end.Before(we) {
			we = end
		}
		if !we.After(ws) {
			continue
		}
		pre := tc.Sess[d].PreOpen
		a := int(ws.Sub(pre) / time.Second)
		b := int((we.Sub(pre) + time.Second - 1) / time.Second)
		out = append(out, span{day: d, a: a, b: b})
	}
	return out
}

// alignDown moves t back to a multiple of sec seconds since its New York
// midnight.
func alignDown(t time.Time, sec int) time.Time {
	ny := t.In(NewYork)
	mid := time.Date(ny.Year(), ny.Month(), ny.Day(), 0, 0, 0, 0, NewYork)
	el := int64(t.Sub(mid) / time.Second)
	return mid.Add(time.Duration(el-el%int64(sec)) * time.Second)
}

// Bars builds the bars of a request ending at end.
func (hi *HistInstrument) Bars(sp HistSpec, end time.Time) []Bar {
	what := sp.What
	switch what {
	case "ADJUSTED_LAST", "HISTORICAL_VOLATILITY", "OPTION_IMPLIED_VOLATILITY":
		what = "TRADES"
	}
	if hi.Index {
		what = "TRADES"
	}
	spans := hi.daySpans(sp, end)
	inv := hi.ss.inv
	var out []Bar
	if sp.Kind == BarIntraday {
		for _, s := range spans {
			hs := hi.source(s.day, sp.RTH)
			a, b := max(s.a, hs.a), min(s.b, hs.b)
			pre := hs.dp.sess.PreOpen
			sod := pre.Sub(time.Date(pre.Year(), pre.Month(), pre.Day(), 0, 0, 0, 0, pre.Location())) / time.Second
			var cur agg
			curBucket, label := -1, 0
			flush := func() {
				if cur.n == 0 {
					return
				}
				if br, ok := cur.bar(what, inv); ok {
					br.Start = pre.Add(time.Duration(label) * time.Second)
					br.day = s.day
					out = append(out, br)
				}
				cur = agg{}
			}
			for i := a; i < b; i++ {
				bk := (int(sod) + i) / sp.Sec
				if bk != curBucket {
					flush()
					curBucket = bk
					label = max(bk*sp.Sec-int(sod), a)
				}
				cur.add(hs.src.second(i))
			}
			flush()
		}
	} else {
		if len(spans) > 8 && !hi.Option {
			days := make([]int, len(spans))
			for i, s := range spans {
				days[i] = s.day
			}
			hi.p.prefetchSummaries(hi.ss, days)
		}
		var group agg
		groupKey, lastDay := -1, -1
		flush := func() {
			if group.n == 0 {
				return
			}
			if br, ok := group.bar(what, inv); ok {
				br.day = lastDay
				br.Start = SimCalendar().Days[lastDay]
				out = append(out, br)
			}
			group = agg{}
		}
		for _, s := range spans {
			day := hi.dayAgg(s, sp.RTH)
			k := periodKey(s.day, sp.Kind)
			if k != groupKey {
				flush()
				groupKey = k
			}
			group.merge(&day)
			lastDay = s.day
		}
		flush()
	}
	if sp.What == "HISTORICAL_VOLATILITY" || sp.What == "OPTION_IMPLIED_VOLATILITY" {
		for i := range out {
			v := hi.ss.histVol(out[i].day)
			if sp.What == "OPTION_IMPLIED_VOLATILITY" {
				v = hi.p.atmVol(hi.ss, out[i].day, 30.0/365)
			}
			v = math.Round(v*1e6) / 1e6
			out[i].Open, out[i].High, out[i].Low, out[i].Close = v, v, v, v
			out[i].Volume, out[i].WAP, out[i].Count = -1, -1, -1
		}
	}
	return out
}

// dayAgg aggregates one span of a day; a whole stock session comes from
// the day summary cache.
func (hi *HistInstrument) dayAgg(s span, rth bool) agg {
	tc := SimCalendar()
	if !hi.Option {
		sess := tc.Sess[s.day]
		full := int(sess.PostClose.Sub(sess.PreOpen) / time.Second)
		a0, b0 := 0, full
		if rth || hi.RegularOnly() {
			a0 = int(sess.Open.Sub(sess.PreOpen) / time.Second)
			b0 = int(sess.Close.Sub(sess.PreOpen) / time.Second)
		}
		if s.a <= a0 && s.b >= b0 {
			return hi.p.daySummary(hi.ss, s.day, rth || hi.RegularOnly())
		}
	}
	hs := hi.source(s.day, rth)
	var g agg
	for i := max(s.a, hs.a); i < min(s.b, hs.b); i++ {
		g.add(hs.src.second(i))
	}
	return g
}

// periodKey groups trading days into weeks (Monday-based) or months.
func periodKey(d int, kind BarKind) int {
	day := SimCalendar().Days[d]
	switch kind {
	case BarWeek:
		y, w := day.ISOWeek()
		return y*100 + w
	case BarMonth:
		return day.Year()*100 + int(day.Month())
	}
	return d
}

// HeadDay returns the first trading day with data for an instrument.
func (hi *HistInstrument) HeadDay() (int, bool) {
	if hi.first > hi.last || hi.first >= len(SimCalendar().Days) {
		return 0, false
	}
	return hi.first, true
}

// QueryStart is the start of a request's period, as written in its end
// marker: the end less the duration.
func QueryStart(sp HistSpec, end time.Time) time.Time {
	switch sp.DurUnit {
	case 'S':
		return end.Add(-time.Duration(sp.DurN) * time.Second)
	case 'D':
		return end.AddDate(0, 0, -sp.DurN)
	case 'W':
		return end.AddDate(0, 0, -7*sp.DurN)
	case 'M':
		return end.AddDate(0, -sp.DurN, 0)
	}
	return end.AddDate(-sp.DurN, 0, 0)
}
