package optchain

import (
	"testing"
	"time"
)

// The CLI's rule, range, moneyness and rights flags, and IB's expiration
// codes, are input from outside: none of the parsers panics, and what they
// accept is within the bounds they document and prints back to itself.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"weekly", "monthly", "dte:7-45", "dte:0-0", "dte:-1-5", "dte:5-", "first:3", "3", "first:0", "first:99999999999999999999",
		"7-45", " 7 - 45 ", "45-7", "--", "atm", "itm2", "otm20", "itmp1", "otm21", "C", "P", "both", "CP", "20261204", "202612", "2026-12-04", "99999999"} {
		f.Add(s)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseExpiryRule(s); err == nil {
			if verr := r.validate(); verr != nil {
				t.Fatalf("ParseExpiryRule(%q) = %+v, which is invalid: %v", s, r, verr)
			}
			back, err := ParseExpiryRule(r.String())
			if err != nil || back != r {
				t.Fatalf("ParseExpiryRule(%q) = %+v prints as %q, which parses to %+v, %v", s, r, r.String(), back, err)
			}
		}
		if lo, hi, err := ParseRange(s, 0, MaxDTE); err == nil && (lo < 0 || hi > MaxDTE || lo > hi) {
			t.Fatalf("ParseRange(%q) = %d, %d: outside 0..%d or reversed", s, lo, hi, MaxDTE)
		}
		if m, err := ParseMoneyness(s); err == nil && (m.Steps < -MaxMoneynessSteps || m.Steps > MaxMoneynessSteps) {
			t.Fatalf("ParseMoneyness(%q) = %+v: more than %d steps", s, m, MaxMoneynessSteps)
		}
		_, _ = ParseRights(s)
		got := ParseExpiries([]string{s, "20261204"}, ny)
		for i := 1; i < len(got); i++ {
			if got[i].Date.Before(got[i-1].Date) {
				t.Fatalf("ParseExpiries not sorted: %v", got)
			}
		}
	})
}
