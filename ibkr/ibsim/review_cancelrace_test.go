package ibsim

import (
	"fmt"
	"testing"
	"time"
)

// TestReviewHistCancelRace at 225: historical requests cancelled right
// after they are sent. Each must end exactly one way: its bars and
// historicalDataEnd, then 366 for the late cancel (the request is no
// longer known), or 162 "query cancelled" and no bar after it. Never
// both an end and a 162, never nothing, and the open count must return to
// zero (HistMaxOpen 3 here, so a leak shows as 162 "Max number").
func TestReviewHistCancelRace(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225,
		Limits: Limits{MaxMsgRate: 100000, HistMaxOpen: 3, HistBurstCount: 10000, HistLongCount: 10000}})
	c, r := dial(t, s, 1)
	const n = 60
	for i := range n {
		id := int64(100 + i)
		c.ReqHistoricalData(id, spyContract(), "", fmt.Sprintf("%d D", i+1), "1 hour", "TRADES", true, 1, false, nil)
		c.CancelHistoricalData(id)
		ordSync(t, c, r)
	}
	time.Sleep(200 * time.Millisecond) // answers are sent from their own goroutines
	ordSync(t, c, r)
	for i := range n {
		id := int64(100 + i)
		var end, cancelled, unknown, bars, barsAfter int
		var other []ev
		for _, e := range r.all() {
			if e.ReqID != id {
				continue
			}
			switch {
			case e.Kind == "HistoricalDataEnd":
				end++
			case e.Kind == "HistoricalData":
				bars++
				if cancelled > 0 {
					barsAfter++
				}
			case e.Kind == "Error" && e.Code == 162:
				cancelled++
			case e.Kind == "Error" && e.Code == 366:
				unknown++
			case e.Kind == "Proto":
			default:
				other = append(other, e)
			}
		}
		ok := (end == 1 && cancelled == 0 && unknown == 1) || (end == 0 && cancelled == 1 && unknown == 0 && barsAfter == 0)
		if !ok || len(other) > 0 {
			t.Errorf("request %d: end %d, 162 %d, 366 %d, bars %d (%d after the 162), other %v", id, end, cancelled, unknown, bars, barsAfter, other)
		}
	}
}
