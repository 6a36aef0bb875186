package journal

import (
	"testing"
	"time"
)

// --since is input from a flag: it never panics, and a duration back from
// now never lands after now (an overflow would make it the future).
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"90m", "2h", "3d", "0d", "2026-12-01", "2026-12-01T10:00:00Z", "-5m", "9999999999999d",
		"106751d", "2562047h", "1e9h", "d", "", " 2h ", "2026-13-40", "+3d"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSince(s, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if _, perr := time.ParseDuration(s); perr == nil && got.After(now) {
			t.Fatalf("ParseSince(%q) = %v, after now %v", s, got, now)
		}
		if len(s) > 1 && s[len(s)-1] == 'd' && got.After(now) {
			t.Fatalf("ParseSince(%q) = %v, after now %v", s, got, now)
		}
	})
}
