package ibsim

import (
	"testing"
	"time"
)

// TestReviewEdgeCounts at 225: depth numRows 0, 1, 10, 11 give 1, 1, 10,
// 10 rows a side (at most ten levels, less than 1 reads as 1); historical
// ticks numberOfTicks 1000 and 1001 give at most 1000 ticks with done set,
// 0 is refused on its id; tick-by-tick numberOfTicks 1001 is refused.
func TestReviewEdgeCounts(t *testing.T) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 100000, MaxDepthRequests: 10}})
	c, r := dial(t, s, 1)
	isl := spyContract()
	isl.Exchange = "ISLAND"
	for id, rows := range map[int64]int{1: 0, 2: 1, 3: 10, 4: 11} {
		c.ReqMktDepth(id, isl, rows, false, nil)
	}
	c.ReqHistoricalTicks(5, spyContract(), "20260309 10:00:00 US/Eastern", "", 1000, "TRADES", true, false, nil)
	c.ReqHistoricalTicks(6, spyContract(), "20260309 10:00:00 US/Eastern", "", 1001, "BID_ASK", true, false, nil)
	c.ReqHistoricalTicks(7, spyContract(), "20260309 10:00:00 US/Eastern", "", 0, "MIDPOINT", true, false, nil)
	c.ReqTickByTickData(8, spyContract(), "Last", 1001, false)
	c.ReqTickByTickData(9, spyContract(), "Last", 1000, false)
	ordSync(t, c, r)
	want := map[int64]int{1: 1, 2: 1, 3: 10, 4: 10}
	got := map[int64]map[int64]int{}
	for _, e := range r.all() {
		if e.Kind == "MktDepth" {
			d := e.Data.(depthRow)
			if got[e.ReqID] == nil {
				got[e.ReqID] = map[int64]int{}
			}
			if d.Operation == 0 {
				got[e.ReqID][d.Side]++
			}
		}
	}
	for id, n := range want {
		if got[id][0] != n || got[id][1] != n {
			t.Errorf("depth %d: rows a side %v, want %d", id, got[id], n)
		}
	}
	for _, id := range []int64{5, 6} {
		var kind string
		if id == 5 {
			kind = "HistoricalTicksLast"
		} else {
			kind = "HistoricalTicksBidAsk"
		}
		e := r.waitKind(t, kind, id)
		tk := e.Data.(ticksEv)
		if len(tk.ticks) == 0 || len(tk.ticks) > 1000 || !tk.done {
			t.Errorf("historical ticks %d: %d ticks, done %v", id, len(tk.ticks), tk.done)
		}
	}
	r.waitError(t, 7, 321)
	r.waitError(t, 8, 321)
	r.waitKind(t, "TickByTick", 9)
}
