package sched

import "time"

// Holiday names, as Holiday reports them.
const (
	NewYearsDay     = "New Year's Day"
	MLKDay          = "Martin Luther King Jr. Day"
	PresidentsDay   = "Presidents' Day"
	GoodFriday      = "Good Friday"
	MemorialDay     = "Memorial Day"
	Juneteenth      = "Juneteenth"
	IndependenceDay = "Independence Day"
	LaborDay        = "Labor Day"
	Thanksgiving    = "Thanksgiving Day"
	Christmas       = "Christmas Day"
)

// First years in which the exchange closed for holidays introduced late.
const (
	mlkFirstYear        = 1998
	juneteenthFirstYear = 2022
)

// date is a calendar date without a time zone.
type date struct {
	y int
	m time.Month
	d int
}

// dateOf returns the date of t in t's own location.
func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// weekday returns the day of the week of d.
func (d date) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday()
}

// addDays returns d moved by n days.
func (d date) addDays(n int) date {
	return dateOf(time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC))
}

// holiday is one exchange closure in a year.
type holiday struct {
	on   date
	name string
}

// holidays returns the weekday closures of year y in date order. A fixed
// holiday on a Saturday is observed the Friday before and one on a Sunday
// the Monday after, except New Year's Day on a Saturday, which is not
// observed at all (the exchange stays open on December 31). So every
// closure of year y falls in year y.
func holidays(y int) []holiday {
	hs := make([]holiday, 0, 10)
	add := func(d date, name string) { hs = append(hs, holiday{d, name}) }

	if nyd := (date{y, time.January, 1}); nyd.weekday() != time.Saturday {
		add(observed(nyd), NewYearsDay)
	}
	if y >= mlkFirstYear {
		add(nthWeekday(y, time.January, time.Monday, 3), MLKDay)
	}
	add(nthWeekday(y, time.February, time.Monday, 3), PresidentsDay)
	add(easter(y).addDays(-2), GoodFriday)
	add(lastWeekday(y, time.May, time.Monday), MemorialDay)
	if y >= juneteenthFirstYear {
		add(observed(date{y, time.June, 19}), Juneteenth)
	}
	add(observed(date{y, time.July, 4}), IndependenceDay)
	add(nthWeekday(y, time.September, time.Monday, 1), LaborDay)
	add(nthWeekday(y, time.November, time.Thursday, 4), Thanksgiving)
	add(observed(date{y, time.December, 25}), Christmas)
	return hs
}

// holidayOn returns the name of the closure on d, if any.
func holidayOn(d date) (string, bool) {
	for _, h := range holidays(d.y) {
		if h.on == d {
			return h.name, true
		}
	}
	return "", false
}

// earlyClose reports whether d is a trading day that closes at 13:00: the
// day after Thanksgiving, Christmas Eve, and July 3, each only when it is a
// weekday that is not itself a closure. The caller has checked that d is a
// trading day.
func earlyClose(d date) bool {
	switch {
	case d == nthWeekday(d.y, time.November, time.Thursday, 4).addDays(1):
		return true
	case d.m == time.December && d.d == 24, d.m == time.July && d.d == 3:
		return true
	}
	return false
}

// observed moves a fixed-date holiday off the weekend: Saturday to the
// Friday before, Sunday to the Monday after.
func observed(d date) date {
	switch d.weekday() {
	case time.Saturday:
		return d.addDays(-1)
	case time.Sunday:
		return d.addDays(1)
	}
	return d
}

// nthWeekday returns the n-th (1-based) wd of month m in year y.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) date {
	first := date{y, m, 1}
	off := (int(wd) - int(first.weekday()) + 7) % 7
	return first.addDays(off + 7*(n-1))
}

// lastWeekday returns the last wd of month m in year y.
func lastWeekday(y int, m time.Month, wd time.Weekday) date {
	last := date{y, m + 1, 1}.addDays(-1)
	back := (int(last.weekday()) - int(wd) + 7) % 7
	return last.addDays(-back)
}

// easter returns Western (Gregorian) Easter Sunday of year y by the
// anonymous Gregorian computus (Meeus/Jones/Butcher).
func easter(y int) date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return date{y, time.Month(month), day}
}
