package sched

import (
	"slices"
	"testing"
	"time"
)

// ny returns an instant in New York.
func ny(t *testing.T, y int, m time.Month, d, hh, mm int) time.Time {
	t.Helper()
	return time.Date(y, m, d, hh, mm, 0, 0, NYSE().Location())
}

// day formats a date for comparisons and messages.
func day(t time.Time) string { return t.Format("2006-01-02") }

// holidaysIn lists "date name" for every holiday of year y, by walking
// every day through the public API.
func holidaysIn(c *Calendar, y int) []string {
	var got []string
	for d := time.Date(y, 1, 1, 12, 0, 0, 0, c.Location()); d.Year() == y; d = d.AddDate(0, 0, 1) {
		if name, ok := c.Holiday(d); ok {
			got = append(got, day(d)+" "+name)
		}
	}
	return got
}

// earlyClosesIn lists the early-close dates of year y.
func earlyClosesIn(c *Calendar, y int) []string {
	var got []string
	for d := time.Date(y, 1, 1, 12, 0, 0, 0, c.Location()); d.Year() == y; d = d.AddDate(0, 0, 1) {
		if s, ok := c.Session(d); ok && s.EarlyClose {
			got = append(got, day(d))
		}
	}
	return got
}

func TestHolidays(t *testing.T) {
	tests := []struct {
		year int
		want []string
	}{
		{2025, []string{
			"2025-01-01 " + NewYearsDay,
			"2025-01-20 " + MLKDay,
			"2025-02-17 " + PresidentsDay,
			"2025-04-18 " + GoodFriday,
			"2025-05-26 " + MemorialDay,
			"2025-06-19 " + Juneteenth,
			"2025-07-04 " + IndependenceDay,
			"2025-09-01 " + LaborDay,
			"2025-11-27 " + Thanksgiving,
			"2025-12-25 " + Christmas,
		}},
		{2026, []string{
			"2026-01-01 " + NewYearsDay,
			"2026-01-19 " + MLKDay,
			"2026-02-16 " + PresidentsDay,
			"2026-04-03 " + GoodFriday,
			"2026-05-25 " + MemorialDay,
			"2026-06-19 " + Juneteenth,
			"2026-07-03 " + IndependenceDay, // July 4 is a Saturday
			"2026-09-07 " + LaborDay,
			"2026-11-26 " + Thanksgiving,
			"2026-12-25 " + Christmas,
		}},
		{2027, []string{
			"2027-01-01 " + NewYearsDay,
			"2027-01-18 " + MLKDay,
			"2027-02-15 " + PresidentsDay,
			"2027-03-26 " + GoodFriday,
			"2027-05-31 " + MemorialDay,
			"2027-06-18 " + Juneteenth,      // June 19 is a Saturday
			"2027-07-05 " + IndependenceDay, // July 4 is a Sunday
			"2027-09-06 " + LaborDay,
			"2027-11-25 " + Thanksgiving,
			"2027-12-24 " + Christmas, // December 25 is a Saturday
		}},
		// New Year's Day on a Saturday: not observed; Juneteenth on a
		// Sunday: observed Monday.
		{2022, []string{
			"2022-01-17 " + MLKDay,
			"2022-02-21 " + PresidentsDay,
			"2022-04-15 " + GoodFriday,
			"2022-05-30 " + MemorialDay,
			"2022-06-20 " + Juneteenth,
			"2022-07-04 " + IndependenceDay,
			"2022-09-05 " + LaborDay,
			"2022-11-24 " + Thanksgiving,
			"2022-12-26 " + Christmas,
		}},
		// Before Juneteenth was an exchange holiday; New Year's Day on a
		// Sunday observed Monday.
		{2017, []string{
			"2017-01-02 " + NewYearsDay,
			"2017-01-16 " + MLKDay,
			"2017-02-20 " + PresidentsDay,
			"2017-04-14 " + GoodFriday,
			"2017-05-29 " + MemorialDay,
			"2017-07-04 " + IndependenceDay,
			"2017-09-04 " + LaborDay,
			"2017-11-23 " + Thanksgiving,
			"2017-12-25 " + Christmas,
		}},
		// Before the exchange closed for Martin Luther King Jr. Day.
		{1997, []string{
			"1997-01-01 " + NewYearsDay,
			"1997-02-17 " + PresidentsDay,
			"1997-03-28 " + GoodFriday,
			"1997-05-26 " + MemorialDay,
			"1997-07-04 " + IndependenceDay,
			"1997-09-01 " + LaborDay,
			"1997-11-27 " + Thanksgiving,
			"1997-12-25 " + Christmas,
		}},
	}
	c := NYSE()
	for _, tt := range tests {
		if got := holidaysIn(c, tt.year); !slices.Equal(got, tt.want) {
			t.Errorf("%d holidays:\n got %q\nwant %q", tt.year, got, tt.want)
		}
	}
}

func TestEarlyCloses(t *testing.T) {
	tests := []struct {
		year int
		want []string
	}{
		{2024, []string{"2024-07-03", "2024-11-29", "2024-12-24"}},
		{2025, []string{"2025-07-03", "2025-11-28", "2025-12-24"}},
		{2026, []string{"2026-11-27", "2026-12-24"}}, // July 3 is the holiday
		{2027, []string{"2027-11-26"}},               // July 3 a Saturday, Dec 24 the holiday
		{2028, []string{"2028-07-03", "2028-11-24"}}, // Dec 24 a Sunday
	}
	c := NYSE()
	for _, tt := range tests {
		if got := earlyClosesIn(c, tt.year); !slices.Equal(got, tt.want) {
			t.Errorf("%d early closes: got %q, want %q", tt.year, got, tt.want)
		}
	}
}

func TestIsTradingDay(t *testing.T) {
	c := NYSE()
	utc := func(y int, m time.Month, d, hh int) time.Time { return time.Date(y, m, d, hh, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"ordinary Monday", ny(t, 2026, 3, 9, 10, 0), true},
		{"Saturday", ny(t, 2026, 3, 7, 10, 0), false},
		{"Sunday", ny(t, 2026, 3, 8, 10, 0), false},
		{"Good Friday", ny(t, 2026, 4, 3, 10, 0), false},
		{"Dec 31 before a Saturday New Year", ny(t, 2021, 12, 31, 10, 0), true},
		{"Dec 31 2027 before a Saturday New Year", ny(t, 2027, 12, 31, 10, 0), true},
		{"early close day", ny(t, 2026, 11, 27, 10, 0), true},
		{"Juneteenth 2021, before it was observed", ny(t, 2021, 6, 18, 10, 0), true},
		// The New York date decides, not the UTC date.
		{"UTC Jan 2 03:00 is NY New Year's evening", utc(2026, 1, 2, 3), false},
		{"UTC Jan 1 04:00 is NY Dec 31 23:00", utc(2026, 1, 1, 4), true},
		{"UTC Jan 1 05:00 is NY Jan 1 00:00", utc(2026, 1, 1, 5), false},
	}
	for _, tt := range tests {
		if got := c.IsTradingDay(tt.t); got != tt.want {
			t.Errorf("%s: IsTradingDay(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}
}

func TestSessionAcrossDST(t *testing.T) {
	// 2026: DST starts Sunday March 8 and ends Sunday November 1. The New
	// York hours stay put; their UTC instants move by an hour.
	c := NYSE()
	tests := []struct {
		date                   time.Time
		open, close, pre, post string // UTC
		early                  bool
	}{
		{ny(t, 2026, 3, 6, 12, 0), "14:30", "21:00", "09:00", "01:00", false},
		{ny(t, 2026, 3, 9, 12, 0), "13:30", "20:00", "08:00", "00:00", false},
		{ny(t, 2026, 10, 30, 12, 0), "13:30", "20:00", "08:00", "00:00", false},
		{ny(t, 2026, 11, 2, 12, 0), "14:30", "21:00", "09:00", "01:00", false},
		{ny(t, 2026, 11, 27, 12, 0), "14:30", "18:00", "09:00", "22:00", true},
		{ny(t, 2025, 7, 3, 12, 0), "13:30", "17:00", "08:00", "21:00", true},
	}
	hm := func(t time.Time) string { return t.UTC().Format("15:04") }
	for _, tt := range tests {
		s, ok := c.Session(tt.date)
		if !ok {
			t.Fatalf("Session(%s): not a trading day", day(tt.date))
		}
		got := [4]string{hm(s.Open), hm(s.Close), hm(s.PreOpen), hm(s.PostClose)}
		want := [4]string{tt.open, tt.close, tt.pre, tt.post}
		if got != want || s.EarlyClose != tt.early {
			t.Errorf("Session(%s) UTC open/close/pre/post = %v early=%v, want %v early=%v",
				day(tt.date), got, s.EarlyClose, want, tt.early)
		}
		if !s.Date.Equal(ny(t, tt.date.Year(), tt.date.Month(), tt.date.Day(), 0, 0)) || s.Date.Location() != c.Location() {
			t.Errorf("Session(%s).Date = %v, want New York midnight", day(tt.date), s.Date)
		}
	}
	if _, ok := c.Session(ny(t, 2026, 3, 8, 12, 0)); ok {
		t.Error("Session on a Sunday: ok = true")
	}
}

func TestIsOpen(t *testing.T) {
	c := NYSE()
	tests := []struct {
		name           string
		t              time.Time
		open, extended bool
	}{
		{"before pre-market", ny(t, 2026, 3, 9, 3, 59), false, false},
		{"pre-market start", ny(t, 2026, 3, 9, 4, 0), false, true},
		{"one minute before open", ny(t, 2026, 3, 9, 9, 29), false, true},
		{"open", ny(t, 2026, 3, 9, 9, 30), true, true},
		{"last minute", ny(t, 2026, 3, 9, 15, 59), true, true},
		{"close", ny(t, 2026, 3, 9, 16, 0), false, true},
		{"post-market end", ny(t, 2026, 3, 9, 20, 0), false, false},
		{"early close 12:59", ny(t, 2026, 12, 24, 12, 59), true, true},
		{"early close 13:00", ny(t, 2026, 12, 24, 13, 0), false, true},
		{"early close 17:00", ny(t, 2026, 12, 24, 17, 0), false, false},
		{"holiday midday", ny(t, 2026, 12, 25, 11, 0), false, false},
		{"Saturday midday", ny(t, 2026, 3, 7, 11, 0), false, false},
	}
	for _, tt := range tests {
		if got := c.IsOpen(tt.t); got != tt.open {
			t.Errorf("%s: IsOpen(%v) = %v, want %v", tt.name, tt.t, got, tt.open)
		}
		if got := c.IsExtendedOpen(tt.t); got != tt.extended {
			t.Errorf("%s: IsExtendedOpen(%v) = %v, want %v", tt.name, tt.t, got, tt.extended)
		}
	}
}

func TestNextOpen(t *testing.T) {
	c := NYSE()
	tests := []struct {
		name string
		t    time.Time
		want time.Time
	}{
		{"before open: today", ny(t, 2026, 3, 9, 8, 0), ny(t, 2026, 3, 9, 9, 30)},
		{"at open: today", ny(t, 2026, 3, 9, 9, 30), ny(t, 2026, 3, 9, 9, 30)},
		{"while open: today's, in the past", ny(t, 2026, 3, 9, 11, 0), ny(t, 2026, 3, 9, 9, 30)},
		{"at close: tomorrow", ny(t, 2026, 3, 9, 16, 0), ny(t, 2026, 3, 10, 9, 30)},
		{"Friday evening: Monday", ny(t, 2026, 3, 6, 18, 0), ny(t, 2026, 3, 9, 9, 30)},
		{"Saturday: Monday", ny(t, 2026, 3, 7, 10, 0), ny(t, 2026, 3, 9, 9, 30)},
		{"early close afternoon: next day", ny(t, 2026, 11, 27, 13, 0), ny(t, 2026, 11, 30, 9, 30)},
		{"Thursday before Good Friday: Monday", ny(t, 2026, 4, 2, 16, 30), ny(t, 2026, 4, 6, 9, 30)},
		{"Christmas Eve 2027 (holiday): Monday", ny(t, 2027, 12, 23, 17, 0), ny(t, 2027, 12, 27, 9, 30)},
		{"UTC instant", time.Date(2026, 1, 1, 23, 0, 0, 0, time.UTC), ny(t, 2026, 1, 2, 9, 30)},
	}
	for _, tt := range tests {
		got := c.NextOpen(tt.t)
		if !got.Equal(tt.want) {
			t.Errorf("%s: NextOpen(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
		if got.After(tt.t) == c.IsOpen(tt.t) {
			t.Errorf("%s: NextOpen after t = %v while IsOpen = %v", tt.name, got.After(tt.t), c.IsOpen(tt.t))
		}
	}
}

func TestNextPrevTradingDay(t *testing.T) {
	c := NYSE()
	tests := []struct {
		t          time.Time
		next, prev string
	}{
		{ny(t, 2026, 3, 9, 12, 0), "2026-03-10", "2026-03-06"},
		{ny(t, 2026, 4, 2, 23, 59), "2026-04-06", "2026-04-01"},  // over Good Friday
		{ny(t, 2026, 4, 6, 0, 0), "2026-04-07", "2026-04-02"},    // back over Good Friday
		{ny(t, 2026, 12, 31, 12, 0), "2027-01-04", "2026-12-30"}, // over New Year
		{ny(t, 2026, 7, 4, 12, 0), "2026-07-06", "2026-07-02"},   // from a Saturday
		{ny(t, 2021, 12, 30, 12, 0), "2021-12-31", "2021-12-29"}, // Dec 31 2021 is open
	}
	for _, tt := range tests {
		next, prev := c.NextTradingDay(tt.t), c.PrevTradingDay(tt.t)
		if day(next) != tt.next || day(prev) != tt.prev {
			t.Errorf("from %v: next %s prev %s, want %s %s", tt.t, day(next), day(prev), tt.next, tt.prev)
		}
		for _, d := range []time.Time{next, prev} {
			if h, m, s := d.Clock(); h != 0 || m != 0 || s != 0 || d.Location() != c.Location() {
				t.Errorf("from %v: %v is not New York midnight", tt.t, d)
			}
		}
	}
}

func TestTradingDays(t *testing.T) {
	c := NYSE()
	tests := []struct {
		name     string
		from, to time.Time
		count    int
		first    string
		last     string
	}{
		{"2025", ny(t, 2025, 1, 1, 0, 0), ny(t, 2025, 12, 31, 23, 0), 251, "2025-01-02", "2025-12-31"},
		{"2026", ny(t, 2026, 1, 1, 0, 0), ny(t, 2026, 12, 31, 23, 0), 251, "2026-01-02", "2026-12-31"},
		{"2027", ny(t, 2027, 1, 1, 0, 0), ny(t, 2027, 12, 31, 23, 0), 251, "2027-01-04", "2027-12-31"},
		{"2022", ny(t, 2022, 1, 1, 0, 0), ny(t, 2022, 12, 31, 23, 0), 251, "2022-01-03", "2022-12-30"},
		{"one day, both ends included", ny(t, 2026, 3, 9, 15, 0), ny(t, 2026, 3, 9, 9, 0), 1, "2026-03-09", "2026-03-09"},
		{"Easter weekend", ny(t, 2026, 4, 3, 0, 0), ny(t, 2026, 4, 5, 0, 0), 0, "", ""},
		{"reversed", ny(t, 2026, 3, 10, 0, 0), ny(t, 2026, 3, 9, 0, 0), 0, "", ""},
		{"across spring DST", ny(t, 2026, 3, 6, 0, 0), ny(t, 2026, 3, 9, 0, 0), 2, "2026-03-06", "2026-03-09"},
	}
	for _, tt := range tests {
		got := c.TradingDays(tt.from, tt.to)
		if len(got) != tt.count {
			t.Errorf("%s: %d trading days, want %d", tt.name, len(got), tt.count)
			continue
		}
		if len(got) > 0 && (day(got[0]) != tt.first || day(got[len(got)-1]) != tt.last) {
			t.Errorf("%s: first %s last %s, want %s %s", tt.name, day(got[0]), day(got[len(got)-1]), tt.first, tt.last)
		}
	}
}

func TestEaster(t *testing.T) {
	known := map[int]string{
		1990: "1990-04-15", 2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24",
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2038: "2038-04-25", 2100: "2100-03-28",
	}
	for y, want := range known {
		e := easter(y)
		if got := time.Date(e.y, e.m, e.d, 0, 0, 0, 0, time.UTC).Format("2006-01-02"); got != want {
			t.Errorf("easter(%d) = %s, want %s", y, got, want)
		}
	}
}

// TestCalendarProperties checks invariants of every year from 1990 to 2100.
func TestCalendarProperties(t *testing.T) {
	c := NYSE()
	for y := 1990; y <= 2100; y++ {
		wantHolidays := 8
		if y >= mlkFirstYear {
			wantHolidays++
		}
		if y >= juneteenthFirstYear {
			wantHolidays++
		}
		if (date{y, time.January, 1}).weekday() == time.Saturday {
			wantHolidays--
		}
		hs := holidaysIn(c, y)
		if len(hs) != wantHolidays {
			t.Errorf("%d: %d holidays, want %d: %q", y, len(hs), wantHolidays, hs)
		}
		gf := easter(y).addDays(-2)
		if gf.weekday() != time.Friday || gf.m < time.March || gf.m > time.April {
			t.Errorf("%d: Good Friday %v", y, gf)
		}

		var prev time.Time
		trading, early := 0, 0
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, c.Location()); d.Year() == y; d = d.AddDate(0, 0, 1) {
			_, hol := c.Holiday(d)
			wd := d.Weekday()
			weekend := wd == time.Saturday || wd == time.Sunday
			if hol && weekend {
				t.Errorf("%s: holiday on a weekend", day(d))
			}
			s, ok := c.Session(d)
			if ok != (!hol && !weekend) || ok != c.IsTradingDay(d) {
				t.Errorf("%s: Session ok=%v, holiday=%v, weekend=%v, IsTradingDay=%v", day(d), ok, hol, weekend, c.IsTradingDay(d))
			}
			if !ok {
				continue
			}
			trading++
			length := s.Close.Sub(s.Open)
			if s.EarlyClose {
				early++
				if length != 3*time.Hour+30*time.Minute || s.PostClose.Sub(s.Close) != 4*time.Hour {
					t.Errorf("%s: early session %v..%v..%v", day(d), s.Open, s.Close, s.PostClose)
				}
				md := d.Format("01-02")
				if md != "07-03" && md != "12-24" && !(d.Month() == time.November && wd == time.Friday) {
					t.Errorf("%s: unexpected early close", day(d))
				}
			} else if length != 6*time.Hour+30*time.Minute || s.PostClose.Sub(s.Close) != 4*time.Hour {
				t.Errorf("%s: session %v..%v..%v", day(d), s.Open, s.Close, s.PostClose)
			}
			if s.Open.Sub(s.PreOpen) != 5*time.Hour+30*time.Minute || !s.Date.Equal(d) {
				t.Errorf("%s: PreOpen %v, Date %v", day(d), s.PreOpen, s.Date)
			}
			if !c.IsOpen(s.Open) || c.IsOpen(s.Close) || !c.NextOpen(s.Close).After(s.Close) {
				t.Errorf("%s: open/close boundaries wrong", day(d))
			}
			if !prev.IsZero() {
				if gap := d.Sub(prev); gap > 5*24*time.Hour {
					t.Errorf("%s: %v since the previous trading day", day(d), gap)
				}
				if !c.NextTradingDay(prev).Equal(d) || !c.PrevTradingDay(d).Equal(prev) {
					t.Errorf("%s: Next/PrevTradingDay disagree with the walk (prev %s)", day(d), day(prev))
				}
			}
			prev = d
		}
		if trading < 248 || trading > 254 {
			t.Errorf("%d: %d trading days", y, trading)
		}
		if early < 1 || early > 3 {
			t.Errorf("%d: %d early closes", y, early)
		}
		if n := len(c.TradingDays(time.Date(y, 1, 1, 0, 0, 0, 0, c.Location()), time.Date(y, 12, 31, 0, 0, 0, 0, c.Location()))); n != trading {
			t.Errorf("%d: TradingDays returned %d, walk found %d", y, n, trading)
		}
	}
}
