package ibsim

import (
	"testing"
	"time"

	"github.com/scmhub/ibapi"
)

// TestReviewScannerLimitAt225: ten scanner subscriptions per connection;
// the eleventh gets 162 on its id, a cancel frees a slot, a request that
// reuses a live id does not take another, and a second connection has its
// own ten.
func TestReviewScannerLimitAt225(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 100000}})
	c, r := dial(t, s, 1)
	sub := ibapi.NewScannerSubscription()
	sub.Instrument, sub.LocationCode, sub.ScanCode = "STK", "STK.US.MAJOR", "MOST_ACTIVE"
	for id := int64(1); id <= 11; id++ {
		c.ReqScannerSubscription(id, sub, nil, nil)
	}
	ordSync(t, c, r)
	errs := func(min int64) []ev {
		var out []ev
		for _, e := range r.all() {
			if e.Kind == "Error" && e.ReqID >= min && e.Code != 165 {
				out = append(out, e)
			}
		}
		return out
	}
	if es := errs(1); len(es) != 1 || es[0].ReqID != 11 || es[0].Code != 162 {
		t.Fatalf("11 subscriptions: errors %v, want 162 on 11", es)
	}
	c.ReqScannerSubscription(5, sub, nil, nil) // reuses a live id
	c.CancelScannerSubscription(3)
	c.ReqScannerSubscription(12, sub, nil, nil)
	ordSync(t, c, r)
	if es := errs(5); len(es) != 1 {
		t.Errorf("after reusing 5, cancelling 3 and asking 12: errors %v, want only the first 162 on 11", es)
	}
	c.ReqScannerSubscription(13, sub, nil, nil)
	ordSync(t, c, r)
	if es := errs(13); len(es) != 1 || es[0].ReqID != 13 || es[0].Code != 162 {
		t.Errorf("one past the limit again: %v", es)
	}
	c2, r2 := dial(t, s, 2)
	c2.ReqScannerSubscription(1, sub, nil, nil)
	r2.waitKind(t, "ScannerDataEnd", 1)
}
