package optchain

import (
	"testing"
	"time"

	"github.com/ibbot/ibbot/sched"
)

var ny = sched.NYSE().Location()

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }

// dailyListing lists an expiry on every trading day from..to, as IB does
// for SPY.
func dailyListing(cal *sched.Calendar, from, to time.Time) []ListedExpiry {
	var codes []string
	for _, d := range cal.TradingDays(from, to) {
		codes = append(codes, d.Format("20060102"))
	}
	return ParseExpiries(codes, cal.Location())
}

func TestExpiryRules(t *testing.T) {
	cal := sched.NYSE()
	listed := dailyListing(cal, at(2026, 3, 1, 0, 0), at(2026, 6, 30, 0, 0))
	for _, tc := range []struct {
		name string
		now  time.Time
		rule ExpiryRule
		want []string
	}{
		{"weekly on a Thursday: tomorrow", at(2026, 3, 12, 10, 0), Weekly(), []string{"20260313"}},
		{"weekly on a Friday: the following one", at(2026, 3, 13, 10, 0), Weekly(), []string{"20260320"}},
		{"weekly on a Saturday", at(2026, 3, 14, 10, 0), Weekly(), []string{"20260320"}},
		{"weekly on a Sunday", at(2026, 3, 15, 10, 0), Weekly(), []string{"20260320"}},
		{"weekly before Good Friday: the Thursday", at(2026, 3, 30, 10, 0), Weekly(), []string{"20260402"}},
		{"weekly on that Thursday: the following one", at(2026, 4, 2, 10, 0), Weekly(), []string{"20260410"}},
		{"monthly in March", at(2026, 3, 2, 10, 0), Monthly(), []string{"20260320"}},
		{"monthly on its day: the next month's", at(2026, 3, 20, 10, 0), Monthly(), []string{"20260417"}},
		{"first 3 on a Thursday morning: today's 0DTE included", at(2026, 3, 12, 10, 0), First(3), []string{"20260312", "20260313", "20260316"}},
		{"first 2 after today's close", at(2026, 3, 12, 16, 30), First(2), []string{"20260313", "20260316"}},
		{"dte 6-8", at(2026, 3, 12, 10, 0), DTE(6, 8), []string{"20260318", "20260319", "20260320"}},
		{"dte 0-0", at(2026, 3, 12, 10, 0), DTE(0, 0), []string{"20260312"}},
		{"dte over a weekend", at(2026, 3, 13, 10, 0), DTE(1, 3), []string{"20260316"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := selectExpiries(tc.rule, listed, tc.now, cal)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, e := range got {
				codes = append(codes, e.Code)
			}
			if len(codes) != len(tc.want) {
				t.Fatalf("%s at %v: %v, want %v", tc.rule, tc.now, codes, tc.want)
			}
			for i := range codes {
				if codes[i] != tc.want[i] {
					t.Fatalf("%s at %v: %v, want %v", tc.rule, tc.now, codes, tc.want)
				}
			}
		})
	}
}

// A weekly rule against a chain that lists monthlies only picks the next
// listed Friday expiry that is a monthly.
func TestWeeklyWithMonthliesOnly(t *testing.T) {
	cal := sched.NYSE()
	listed := ParseExpiries([]string{"20260417", "20260320", "bad", "202606", "20260515"}, ny)
	if len(listed) != 3 || listed[0].Code != "20260320" {
		t.Fatalf("parsed %+v", listed)
	}
	got, _ := selectExpiries(Weekly(), listed, at(2026, 3, 23, 10, 0), cal)
	if len(got) != 1 || got[0].Code != "20260417" {
		t.Errorf("weekly over monthlies: %+v", got)
	}
}

func TestDaysToExpiryCountsCalendarDaysAcrossDST(t *testing.T) {
	// DST starts on 2026-03-08 in New York: a 23-hour day.
	if d := DaysToExpiry(at(2026, 3, 7, 23, 59), at(2026, 3, 9, 0, 0), ny); d != 2 {
		t.Errorf("across the DST change: %d days, want 2", d)
	}
	if d := DaysToExpiry(at(2026, 3, 12, 15, 59), at(2026, 3, 12, 0, 0), ny); d != 0 {
		t.Errorf("on the expiry day: %d, want 0", d)
	}
	// The instant's New York date counts, whatever zone it is given in.
	if d := DaysToExpiry(time.Date(2026, 3, 13, 2, 0, 0, 0, time.UTC), at(2026, 3, 13, 0, 0), ny); d != 1 {
		t.Errorf("02:00 UTC is the evening before in New York: %d, want 1", d)
	}
}

func TestParseExpiryRule(t *testing.T) {
	for in, want := range map[string]ExpiryRule{
		"weekly": Weekly(), "MONTHLY": Monthly(), "dte:7-45": DTE(7, 45), "dte:0-0": DTE(0, 0),
		"first:3": First(3), "5": First(5), " weekly ": Weekly(), "dte:0-3650": DTE(0, 3650), "first:50": First(50),
	} {
		got, err := ParseExpiryRule(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "daily", "dte:", "dte:7", "dte:45-7", "dte:-1-3", "dte:0-3651", "first:0", "first:51", "0", "dte:a-b", "3x"} {
		if r, err := ParseExpiryRule(in); err == nil {
			t.Errorf("%q accepted as %v", in, r)
		}
	}
}
