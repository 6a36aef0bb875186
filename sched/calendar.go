package sched

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // the calendar must work on hosts without a zoneinfo database
)

// Calendar is an exchange's trading calendar: which New York dates are
// trading days and the hours of each. It is immutable and safe for
// concurrent use. Obtain one with [NYSE].
type Calendar struct {
	loc *time.Location

	// Clock times of day, as hour and minute in loc.
	preOpen, regOpen, regClose, earlyClose, postClose, earlyPostClose clock
}

// clock is a time of day.
type clock struct{ h, m int }

// Session is the trading hours of one trading date. All instants are in the
// calendar's location.
type Session struct {
	// Date is midnight, New York time, of the trading date.
	Date time.Time
	// Open and Close bound the regular session, [Open, Close). Close is
	// 13:00 on early-close days, else 16:00.
	Open, Close time.Time
	// PreOpen is the start of extended hours, 04:00.
	PreOpen time.Time
	// PostClose is the end of extended hours, 20:00, or 17:00 on
	// early-close days.
	PostClose time.Time
	// EarlyClose reports a 13:00 close (the day after Thanksgiving,
	// Christmas Eve, July 3).
	EarlyClose bool
}

var newYork = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		// Unreachable: time/tzdata is embedded.
		panic(fmt.Sprintf("sched: load America/New_York: %v", err))
	}
	return loc
})

// NYSE returns the New York Stock Exchange calendar: America/New_York,
// regular hours 09:30-16:00 (13:00 on early-close days), extended hours
// 04:00-20:00 (17:00 on early-close days), and the exchange's holiday
// rules, computed for any year (see the package documentation for what is
// not modelled).
func NYSE() *Calendar {
	return &Calendar{
		loc:            newYork(),
		preOpen:        clock{4, 0},
		regOpen:        clock{9, 30},
		regClose:       clock{16, 0},
		earlyClose:     clock{13, 0},
		postClose:      clock{20, 0},
		earlyPostClose: clock{17, 0},
	}
}

// Location returns the calendar's time zone, America/New_York.
func (c *Calendar) Location() *time.Location { return c.loc }

// at returns the instant of clock time k on date d in the calendar's zone.
func (c *Calendar) at(d date, k clock) time.Time {
	return time.Date(d.y, d.m, d.d, k.h, k.m, 0, 0, c.loc)
}

// dateIn returns t's date in the calendar's zone.
func (c *Calendar) dateIn(t time.Time) date { return dateOf(t.In(c.loc)) }

// tradingDate reports whether d is a trading date: a weekday that is not a
// closure.
func tradingDate(d date) bool {
	switch d.weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, hol := holidayOn(d)
	return !hol
}

// IsTradingDay reports whether t's New York date is a trading day: a
// weekday that is not an exchange holiday. The time of day does not matter.
func (c *Calendar) IsTradingDay(t time.Time) bool { return tradingDate(c.dateIn(t)) }

// Holiday returns the name of the holiday on which the exchange is closed
// on t's New York date: the observed date, so Friday 2026-07-03 reports
// Independence Day and Saturday 2026-07-04 reports nothing. ok is false on
// trading days and on ordinary weekends.
func (c *Calendar) Holiday(t time.Time) (name string, ok bool) {
	return holidayOn(c.dateIn(t))
}

// Session returns the session of t's New York date, whatever the time of
// day. ok is false on weekends and holidays.
func (c *Calendar) Session(t time.Time) (Session, bool) {
	d := c.dateIn(t)
	if !tradingDate(d) {
		return Session{}, false
	}
	return c.session(d), true
}

// session builds the session of trading date d.
func (c *Calendar) session(d date) Session {
	s := Session{
		Date:       c.at(d, clock{}),
		Open:       c.at(d, c.regOpen),
		Close:      c.at(d, c.regClose),
		PreOpen:    c.at(d, c.preOpen),
		PostClose:  c.at(d, c.postClose),
		EarlyClose: earlyClose(d),
	}
	if s.EarlyClose {
		s.Close = c.at(d, c.earlyClose)
		s.PostClose = c.at(d, c.earlyPostClose)
	}
	return s
}

// IsOpen reports whether t is within regular hours, [Open, Close) of its
// New York date's session.
func (c *Calendar) IsOpen(t time.Time) bool {
	s, ok := c.Session(t)
	return ok && !t.Before(s.Open) && t.Before(s.Close)
}

// IsExtendedOpen reports whether t is within extended hours,
// [PreOpen, PostClose) of its New York date's session. Regular hours are
// included.
func (c *Calendar) IsExtendedOpen(t time.Time) bool {
	s, ok := c.Session(t)
	return ok && !t.Before(s.PreOpen) && t.Before(s.PostClose)
}

// NextOpen returns the regular open of the session that is current or
// next at t. While the market is open that is the open already past (at or
// before t); before the open of a trading day it is that day's open; from
// the close on, and on weekends and holidays, it is the open of the next
// trading day. So NextOpen(t) > t exactly when IsOpen(t) is false.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	d := c.dateIn(t)
	if tradingDate(d) {
		if s := c.session(d); t.Before(s.Close) {
			return s.Open
		}
	}
	return c.at(c.nextTradingDate(d), c.regOpen)
}

// NextTradingDay returns midnight, New York time, of the first trading date
// after t's New York date.
func (c *Calendar) NextTradingDay(t time.Time) time.Time {
	return c.at(c.nextTradingDate(c.dateIn(t)), clock{})
}

// PrevTradingDay returns midnight, New York time, of the last trading date
// before t's New York date.
func (c *Calendar) PrevTradingDay(t time.Time) time.Time {
	d := c.dateIn(t).addDays(-1)
	for !tradingDate(d) {
		d = d.addDays(-1)
	}
	return c.at(d, clock{})
}

// nextTradingDate returns the first trading date after d. The longest run
// of closed days is four (a Friday holiday, the weekend, a Monday
// holiday), so the loop is short.
func (c *Calendar) nextTradingDate(d date) date {
	d = d.addDays(1)
	for !tradingDate(d) {
		d = d.addDays(1)
	}
	return d
}

// TradingDays returns midnight, New York time, of every trading date from
// from's New York date to to's, both included, in order. It returns nil
// when to's date is before from's.
func (c *Calendar) TradingDays(from, to time.Time) []time.Time {
	first, last := c.dateIn(from), c.dateIn(to)
	lastT := c.at(last, clock{})
	var days []time.Time
	for d := first; !c.at(d, clock{}).After(lastT); d = d.addDays(1) {
		if tradingDate(d) {
			days = append(days, c.at(d, clock{}))
		}
	}
	return days
}
