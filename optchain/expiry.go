package optchain

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// ExpiryKind is the kind of an ExpiryRule.
type ExpiryKind int

// Kinds of expiry rules.
const (
	// ExpiryFirst: the first N listed expiries that have not expired.
	ExpiryFirst ExpiryKind = iota
	// ExpiryWeekly: the next listed Friday expiry (the Thursday when the
	// Friday is a holiday); on the expiry day itself, the following one.
	ExpiryWeekly
	// ExpiryMonthly: the next listed monthly expiry (the third Friday, or
	// the trading day before it when that Friday is a holiday); on the
	// expiry day itself, the following one.
	ExpiryMonthly
	// ExpiryDTE: every listed expiry whose days to expiry lie in
	// [MinDTE, MaxDTE].
	ExpiryDTE
)

// MaxExpiries bounds ExpiryFirst's N; MaxDTE bounds a DTE window.
const (
	MaxExpiries = 50
	MaxDTE      = 3650
)

// ExpiryRule selects expiries from the listed ones.
type ExpiryRule struct {
	Kind ExpiryKind
	// N is ExpiryFirst's count.
	N int
	// MinDTE and MaxDTE bound ExpiryDTE's window, in New York calendar
	// days.
	MinDTE, MaxDTE int
}

// First returns the rule "the first n listed expiries".
func First(n int) ExpiryRule { return ExpiryRule{Kind: ExpiryFirst, N: n} }

// Weekly returns the rule "the next Friday expiry".
func Weekly() ExpiryRule { return ExpiryRule{Kind: ExpiryWeekly} }

// Monthly returns the rule "the next monthly expiry".
func Monthly() ExpiryRule { return ExpiryRule{Kind: ExpiryMonthly} }

// DTE returns the rule "every expiry min to max days out".
func DTE(min, max int) ExpiryRule { return ExpiryRule{Kind: ExpiryDTE, MinDTE: min, MaxDTE: max} }

// String is the rule in ParseExpiryRule's syntax.
func (r ExpiryRule) String() string {
	switch r.Kind {
	case ExpiryWeekly:
		return "weekly"
	case ExpiryMonthly:
		return "monthly"
	case ExpiryDTE:
		return fmt.Sprintf("dte:%d-%d", r.MinDTE, r.MaxDTE)
	}
	return fmt.Sprintf("first:%d", r.N)
}

// ParseExpiryRule parses "weekly", "monthly", "dte:MIN-MAX" (days, e.g.
// dte:7-45) or "first:N" (also a bare N).
func ParseExpiryRule(s string) (ExpiryRule, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch {
	case v == "weekly":
		return Weekly(), nil
	case v == "monthly":
		return Monthly(), nil
	case strings.HasPrefix(v, "dte:"):
		min, max, err := ParseRange(strings.TrimPrefix(v, "dte:"), 0, MaxDTE)
		if err != nil {
			return ExpiryRule{}, fmt.Errorf("optchain: expiry rule %q: %w", s, err)
		}
		return DTE(min, max), nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v, "first:"))
	if err != nil {
		return ExpiryRule{}, fmt.Errorf("optchain: expiry rule %q: want weekly, monthly, dte:MIN-MAX or first:N", s)
	}
	r := First(n)
	return r, r.validate()
}

// ParseRange parses "MIN-MAX" with lo <= MIN <= MAX <= hi.
func ParseRange(s string, lo, hi int) (int, int, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, fmt.Errorf("range %q: want MIN-MAX, e.g. 7-45", s)
	}
	min, err1 := strconv.Atoi(strings.TrimSpace(a))
	max, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("range %q: want two whole numbers MIN-MAX, e.g. 7-45", s)
	}
	if min < lo || max > hi || min > max {
		return 0, 0, fmt.Errorf("range %q: want %d <= MIN <= MAX <= %d", s, lo, hi)
	}
	return min, max, nil
}

func (r ExpiryRule) validate() error {
	switch r.Kind {
	case ExpiryFirst:
		if r.N < 1 || r.N > MaxExpiries {
			return fmt.Errorf("optchain: expiry count %d: want 1..%d", r.N, MaxExpiries)
		}
	case ExpiryDTE:
		if r.MinDTE < 0 || r.MaxDTE > MaxDTE || r.MinDTE > r.MaxDTE {
			return fmt.Errorf("optchain: DTE window %d-%d: want 0 <= MIN <= MAX <= %d", r.MinDTE, r.MaxDTE, MaxDTE)
		}
	case ExpiryWeekly, ExpiryMonthly:
	default:
		return fmt.Errorf("optchain: expiry rule kind %d: want ExpiryFirst, ExpiryWeekly, ExpiryMonthly or ExpiryDTE", int(r.Kind))
	}
	return nil
}

// ListedExpiry is one expiration as IB lists it.
type ListedExpiry struct {
	// Code is IB's YYYYMMDD.
	Code string
	// Date is midnight New York of the expiration date.
	Date time.Time
}

// ParseExpiries parses IB's expirations (YYYYMMDD) into New York dates,
// sorted, skipping codes that are not dates (monthly YYYYMM codes of
// futures options included).
func ParseExpiries(codes []string, loc *time.Location) []ListedExpiry {
	out := make([]ListedExpiry, 0, len(codes))
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if len(c) != 8 {
			continue
		}
		d, err := time.ParseInLocation("20060102", c, loc)
		if err != nil {
			continue
		}
		out = append(out, ListedExpiry{Code: c, Date: d})
	}
	sortExpiries(out)
	return out
}

func sortExpiries(v []ListedExpiry) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Date.Before(v[j-1].Date); j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

// DaysToExpiry counts New York calendar days from now's date to the
// expiry date (0 on the expiry day).
func DaysToExpiry(now, expiry time.Time, loc *time.Location) int {
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	e := expiry.In(loc)
	ed := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, loc)
	// Count by dates, not hours: DST days are 23 or 25 hours long.
	return int(ed.Sub(today).Round(24*time.Hour) / (24 * time.Hour))
}

// expiryClose is the instant an expiry stops trading: its session's close
// (16:00 New York, 13:00 on early-close days).
func expiryClose(cal *sched.Calendar, e ListedExpiry) time.Time {
	if s, ok := cal.Session(e.Date); ok {
		return s.Close
	}
	return e.Date.Add(16 * time.Hour)
}

// weekExpiry is the Friday of d's week, or the last trading day before it
// when the Friday is a holiday.
func weekExpiry(cal *sched.Calendar, d time.Time) time.Time {
	loc := cal.Location()
	offset := (int(time.Friday) - int(d.Weekday()) + 7) % 7
	if d.Weekday() == time.Saturday {
		offset = -1 // the week's Friday is yesterday
	}
	f := time.Date(d.Year(), d.Month(), d.Day()+offset, 0, 0, 0, 0, loc)
	for !cal.IsTradingDay(f) {
		f = time.Date(f.Year(), f.Month(), f.Day()-1, 0, 0, 0, 0, loc)
	}
	return f
}

// monthExpiry is the third Friday of d's month, or the last trading day
// before it when that Friday is a holiday.
func monthExpiry(cal *sched.Calendar, year int, month time.Month) time.Time {
	loc := cal.Location()
	first := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	offset := (int(time.Friday) - int(first.Weekday()) + 7) % 7
	f := first.AddDate(0, 0, offset+14)
	for !cal.IsTradingDay(f) {
		f = f.AddDate(0, 0, -1)
	}
	return f
}

// selectExpiries applies r to the listed expiries at now.
func selectExpiries(r ExpiryRule, listed []ListedExpiry, now time.Time, cal *sched.Calendar) ([]ListedExpiry, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	loc := cal.Location()
	var live []ListedExpiry
	for _, e := range listed {
		if expiryClose(cal, e).After(now) {
			live = append(live, e)
		}
	}
	n := now.In(loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	switch r.Kind {
	case ExpiryFirst:
		if len(live) > r.N {
			live = live[:r.N]
		}
		return live, nil
	case ExpiryDTE:
		var out []ListedExpiry
		for _, e := range live {
			if d := DaysToExpiry(now, e.Date, loc); d >= r.MinDTE && d <= r.MaxDTE {
				out = append(out, e)
			}
		}
		return out, nil
	case ExpiryWeekly:
		// This week's expiry, unless today is it (or it is past): then
		// the following week's.
		target := weekExpiry(cal, today)
		if !target.After(today) {
			target = weekExpiry(cal, today.AddDate(0, 0, 7-int(today.Weekday())+1))
		}
		for _, e := range live {
			if !e.Date.Before(target) && e.Date.Equal(weekExpiry(cal, e.Date)) {
				return []ListedExpiry{e}, nil
			}
		}
		return nil, nil
	case ExpiryMonthly:
		y, m, _ := today.Date()
		target := monthExpiry(cal, y, m)
		if !target.After(today) {
			target = monthExpiry(cal, y, m+1)
		}
		for _, e := range live {
			ey, em, _ := e.Date.Date()
			if !e.Date.Before(target) && e.Date.Equal(monthExpiry(cal, ey, em)) {
				return []ListedExpiry{e}, nil
			}
		}
		return nil, nil
	}
	return nil, nil
}
