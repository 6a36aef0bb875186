// Package sched holds the time side of a trading bot: the exchange
// calendar today, the interval scheduler and bounded fan-out to come.
//
// It knows nothing of Interactive Brokers: it imports only the standard
// library, so strategies, backtests and the simulator can all share it.
//
// # Calendar
//
// [NYSE] returns the New York Stock Exchange calendar, which US equity
// options follow. Holidays and early closes are computed from the
// exchange's rules for any year from 1990 to 2100; there is no table to
// refresh each year. Every method takes the instant to ask about, so tests
// pass fixed instants and never read the wall clock:
//
//	cal := sched.NYSE()
//	s, ok := cal.Session(now)      // today's hours, false on a holiday
//	next := cal.NextOpen(now)      // when to wake up
//	days := cal.TradingDays(from, to)
//
// Dates are New York dates: an instant is first converted to
// America/New_York, so 2026-01-02T03:00Z (22:00 on New Year's Day in New
// York) is on a holiday. Day values returned by the calendar are midnight
// New York.
//
// # Limits
//
// Only rules are modelled. Unscheduled closures (national days of
// mourning such as 2025-01-09, 2001-09-11..14, two days for a hurricane in
// October 2012) are not known to the calendar, and neither are past
// changes to early-close practice.
package sched
