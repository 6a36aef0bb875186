package market

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// NewYork is the exchange time zone.
var NewYork = mustLoadLocation("America/New_York")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The tz database is embedded below via time/tzdata, so this only
		// happens if that import is removed.
		panic(fmt.Sprintf("ibsim: load %s: %v", name, err))
	}
	return loc
}

// TradingCalendar lists every trading day the model covers.
type TradingCalendar struct {
	Days   []time.Time     // midnight New York of each trading day
	Sess   []sched.Session // its hours
	anchor int             // index of the anchor day
}

// SimCalendar returns the trading days the model covers, built once.
var SimCalendar = sync.OnceValue(func() *TradingCalendar {
	cal := sched.NYSE()
	loc := cal.Location()
	days := cal.TradingDays(time.Date(pathFirstYear, 1, 1, 12, 0, 0, 0, loc), time.Date(pathLastYear, 12, 31, 12, 0, 0, 0, loc))
	tc := &TradingCalendar{Days: days, Sess: make([]sched.Session, len(days))}
	for i, d := range days {
		s, _ := cal.Session(d.Add(12 * time.Hour))
		tc.Sess[i] = s
	}
	anchor := time.Date(pathAnchorYear, pathAnchorMonth, pathAnchorDay, 0, 0, 0, 0, loc)
	tc.anchor = max(tc.OnOrBefore(anchor), 0)
	return tc
})

// OnOrBefore returns the index of the last trading day whose New York date
// is on or before t's, or -1.
func (tc *TradingCalendar) OnOrBefore(t time.Time) int {
	return sort.Search(len(tc.Days), func(i int) bool { return tc.Days[i].After(t) }) - 1
}

// extDayAt returns the trading day whose extended session (04:00 to the
// next trading day's 04:00) holds t: the day a stock quote at t belongs
// to. -1 before the calendar.
func (tc *TradingCalendar) extDayAt(t time.Time) int {
	i := tc.OnOrBefore(t)
	if i >= 0 && t.Before(tc.Sess[i].PreOpen) {
		i--
	}
	return i
}

// rthDayAt returns the last trading day whose regular session opened at
// or before t. -1 before the calendar.
func (tc *TradingCalendar) rthDayAt(t time.Time) int {
	i := tc.OnOrBefore(t)
	if i >= 0 && t.Before(tc.Sess[i].Open) {
		i--
	}
	return i
}

// dayOnOrAfter returns the index of the first trading day at or after
// date (a New York midnight); len(days) past the end.
func (tc *TradingCalendar) dayOnOrAfter(date time.Time) int {
	return sort.Search(len(tc.Days), func(i int) bool { return !tc.Days[i].Before(date) })
}

// InRTH reports whether t is in a regular session.
func InRTH(t time.Time) bool {
	tc := SimCalendar()
	d := tc.rthDayAt(t)
	return d >= 0 && d < len(tc.Sess) && t.Before(tc.Sess[d].Close)
}

// ExpiryClose is the close of an option's last trading day (13:00 on an
// early-close day).
func ExpiryClose(expiry string) time.Time {
	d, err := time.ParseInLocation("20060102", expiry, NewYork)
	if err != nil {
		return time.Time{}
	}
	if s, ok := sched.NYSE().Session(d); ok {
		return s.Close.Add(-time.Second)
	}
	return d.Add(16 * time.Hour)
}
