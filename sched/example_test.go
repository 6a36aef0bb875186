package sched_test

import (
	"fmt"
	"time"

	"github.com/ibbot/ibbot/sched"
)

func ExampleCalendar_Session() {
	cal := sched.NYSE()
	day := time.Date(2026, time.November, 27, 12, 0, 0, 0, cal.Location())
	s, ok := cal.Session(day)
	fmt.Println(ok, s.Open.Format("15:04"), s.Close.Format("15:04"), s.EarlyClose)
	// Output: true 09:30 13:00 true
}

func ExampleCalendar_Holiday() {
	cal := sched.NYSE()
	name, ok := cal.Holiday(time.Date(2026, time.July, 3, 12, 0, 0, 0, cal.Location()))
	fmt.Println(name, ok)
	// Output: Independence Day true
}

func ExampleCalendar_NextOpen() {
	cal := sched.NYSE()
	// Thursday evening before Good Friday: the next open is Monday.
	now := time.Date(2026, time.April, 2, 18, 0, 0, 0, cal.Location())
	fmt.Println(cal.NextOpen(now).Format("Mon 2006-01-02 15:04 MST"))
	// Output: Mon 2026-04-06 09:30 EDT
}

func ExampleCalendar_TradingDays() {
	cal := sched.NYSE()
	from := time.Date(2026, time.December, 23, 0, 0, 0, 0, cal.Location())
	to := time.Date(2026, time.December, 29, 0, 0, 0, 0, cal.Location())
	for _, d := range cal.TradingDays(from, to) {
		fmt.Println(d.Format("Mon Jan 2"))
	}
	// Output:
	// Wed Dec 23
	// Thu Dec 24
	// Mon Dec 28
	// Tue Dec 29
}
