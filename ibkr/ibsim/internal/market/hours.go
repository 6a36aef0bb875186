package market

import (
	"fmt"
	"strings"
	"time"
)

// HoursKind selects the session hours a contract reports.
type HoursKind int

const (
	hoursStock  HoursKind = iota // extended 04:00-20:00, liquid 09:30-16:00
	hoursOption                  // 09:30-16:00 both
	hoursIndex                   // VIX: computed 03:15-16:15, liquid 09:30-16:15
)

// HoursKindOf returns the session hours an instrument reports.
func HoursKindOf(in *Instrument) HoursKind {
	switch in.SecType {
	case "OPT":
		return hoursOption
	case "IND":
		return hoursIndex
	}
	return hoursStock
}

// hoursDays is how many calendar days tradingHours and liquidHours cover,
// starting with now's New York date.
const hoursDays = 7

// TradingHours returns the tradingHours and liquidHours strings of a kind
// of contract for hoursDays days from now's New York date, in IB's format:
// "20261127:0400-20261127:1700;20261128:CLOSED;...". Weekends and holidays
// are CLOSED; early-close days end at 13:00 (extended hours at 17:00).
func (r *RefData) TradingHours(k HoursKind, now time.Time) (trading, liquid string) {
	var tb, lb strings.Builder
	day := nyDay(now)
	span := func(b *strings.Builder, from, to time.Time) {
		fmt.Fprintf(b, "%s-%s", from.Format("20060102:1504"), to.Format("20060102:1504"))
	}
	for i := range hoursDays {
		d := addDays(day, i)
		if i > 0 {
			tb.WriteByte(';')
			lb.WriteByte(';')
		}
		s, ok := r.cal.Session(d)
		if !ok {
			tb.WriteString(fmtDay(d) + ":CLOSED")
			lb.WriteString(fmtDay(d) + ":CLOSED")
			continue
		}
		switch k {
		case hoursStock:
			span(&tb, s.PreOpen, s.PostClose)
			span(&lb, s.Open, s.Close)
		case hoursOption:
			span(&tb, s.Open, s.Close)
			span(&lb, s.Open, s.Close)
		case hoursIndex:
			start := time.Date(d.Year(), d.Month(), d.Day(), 3, 15, 0, 0, NewYork)
			end := s.Close.Add(15 * time.Minute)
			span(&tb, start, end)
			span(&lb, s.Open, end)
		}
	}
	return tb.String(), lb.String()
}
