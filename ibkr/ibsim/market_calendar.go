package ibsim

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// newYork is the exchange time zone.
var newYork = mustLoadLocation("America/New_York")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The tz database is embedded below via time/tzdata, so this only
		// happens if that import is removed.
		panic(fmt.Sprintf("ibsim: load %s: %v", name, err))
	}
	return loc
}

// tradingCalendar lists every trading day the model covers.
type tradingCalendar struct {
	days   []time.Time     // midnight New York of each trading day
	sess   []sched.Session // its hours
	anchor int             // index of the anchor day
}

var simCalendar = sync.OnceValue(func() *tradingCalendar {
	cal := sched.NYSE()
	loc := cal.Location()
	days := cal.TradingDays(time.Date(pathFirstYear, 1, 1, 12, 0, 0, 0, loc), time.Date(pathLastYear, 12, 31, 12, 0, 0, 0, loc))
	tc := &tradingCalendar{days: days, sess: make([]sched.Session, len(days))}
	for i, d := range days {
		s, _ := cal.Session(d.Add(12 * time.Hour))
		tc.sess[i] = s
	}
	anchor := time.Date(pathAnchorYear, pathAnchorMonth, pathAnchorDay, 0, 0, 0, 0, loc)
	tc.anchor = max(tc.onOrBefore(anchor), 0)
	return tc
})

// onOrBefore returns the index of the last trading day whose New York date
// is on or before t's, or -1.
func (tc *tradingCalendar) onOrBefore(t time.Time) int {
	return sort.Search(len(tc.days), func(i int) bool { return tc.days[i].After(t) }) - 1
}

// extDayAt returns the trading day whose extended session (04:00 to the
// next trading day's 04:00) holds t: the day a stock quote at t belongs
// to. -1 before the calendar.
func (tc *tradingCalendar) extDayAt(t time.Time) int {
	i := tc.onOrBefore(t)
	if i >= 0 && t.Before(tc.sess[i].PreOpen) {
		i--
	}
	return i
}

// rthDayAt returns the last trading day whose regular session opened at
// or before t. -1 before the calendar.
func (tc *tradingCalendar) rthDayAt(t time.Time) int {
	i := tc.onOrBefore(t)
	if i >= 0 && t.Before(tc.sess[i].Open) {
		i--
	}
	return i
}

// dayOnOrAfter returns the index of the first trading day at or after
// date (a New York midnight); len(days) past the end.
func (tc *tradingCalendar) dayOnOrAfter(date time.Time) int {
	return sort.Search(len(tc.days), func(i int) bool { return !tc.days[i].Before(date) })
}

// inRTH reports whether t is in a regular session.
func inRTH(t time.Time) bool {
	tc := simCalendar()
	d := tc.rthDayAt(t)
	return d >= 0 && d < len(tc.sess) && t.Before(tc.sess[d].Close)
}

// expiryClose is the close of an option's last trading day (13:00 on an
// early-close day).
func expiryClose(expiry string) time.Time {
	d, err := time.ParseInLocation("20060102", expiry, newYork)
	if err != nil {
		return time.Time{}
	}
	if s, ok := sched.NYSE().Session(d); ok {
		return s.Close.Add(-time.Second)
	}
	return d.Add(16 * time.Hour)
}
