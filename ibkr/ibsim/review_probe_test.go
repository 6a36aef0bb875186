package ibsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
)

// reviewProbe runs odd-but-legal requests at version v and returns the
// first answer on each id.
func reviewProbe(t *testing.T, v int) map[int64]string {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v, Limits: Limits{MaxMsgRate: 100000}})
	c, r := dial(t, s, 1)
	lower := func() *ibapi.Contract { x := spyContract(); x.Symbol, x.ConID = "spy", 0; return x }
	byConID := func() *ibapi.Contract { x := ibapi.NewContract(); x.ConID, x.Exchange = spyConID, "SMART"; return x }
	calls := map[int64]func(id int64){
		1:  func(id int64) { c.ReqPositionsMulti(id, "", "") },
		2:  func(id int64) { c.ReqAccountUpdatesMulti(id, "", "", false) },
		3:  func(id int64) { c.ReqPnL(id, "", "") },
		4:  func(id int64) { c.ReqPnLSingle(id, DefaultAccount, "", 0) },
		5:  func(id int64) { c.ReqContractDetails(id, lower()) },
		6:  func(id int64) { c.ReqContractDetails(id, byConID()) },
		7:  func(id int64) { c.ReqMktData(id, byConID(), "", true, false, nil) },
		8:  func(id int64) { c.ReqHistoricalData(id, byConID(), "", "1 D", "1 day", "TRADES", true, 1, false, nil) },
		9:  func(id int64) { c.ReqHeadTimeStamp(id, byConID(), "MIDPOINT", false, 2) },
		10: func(id int64) { c.ReqAccountSummary(id, "All", "") },
		11: func(id int64) { c.ReqHistoricalNews(id, spyConID, "BRFG+DJNL", "", "", 1, nil) },
		12: func(id int64) { c.ReqMatchingSymbols(id, "") },
		13: func(id int64) { c.ReqSecDefOptParams(id, "SPY", "", "STK", 0) },
		14: func(id int64) { c.ReqTickByTickData(id, byConID(), "MidPoint", 0, true) },
		15: func(id int64) { c.ReqRealTimeBars(id, byConID(), 5, "BID", false, nil) },
		16: func(id int64) { c.ReqHistogramData(id, byConID(), false, "3 days") },
		17: func(id int64) { c.CalculateOptionPrice(id, option("SPY", "20260320", 600, "P", "SMART"), 10, 600, nil) },
		18: func(id int64) { c.ReqMktDepth(id, byConID(), 5, true, nil) },
		19: func(id int64) {
			c.ReqHistoricalTicks(id, byConID(), "", "20260309 16:00:00 US/Eastern", 3, "TRADES", false, true, nil)
		},
		20: func(id int64) { c.ReqAccountSummary(id, "All", "$LEDGER:ALL") },
	}
	// Historical bars and histograms are computed off the read loop, so a
	// round trip does not order them.
	offReadLoop := map[int64]bool{8: true, 16: true}
	out := map[int64]string{}
	for id := int64(1); id <= int64(len(calls)); id++ {
		from := len(r.all())
		calls[id](id)
		if offReadLoop[id] {
			// Answered off the read loop: wait for the answer itself.
			r.wait(t, from, fmt.Sprintf("request %d", id), func(e ev) bool { return e.ReqID == id && e.Kind != "Proto" })
		}
		ordSync(t, c, r)
		for _, e := range r.all()[from:] {
			if e.ReqID == id && e.Kind != "Proto" {
				out[id] = fmt.Sprintf("%s %d %s", e.Kind, e.Code, e.Msg)
				break
			}
		}
		if out[id] == "" {
			out[id] = "nothing"
		}
	}
	return out
}

// TestReviewOddRequestsSameAt200And225: odd but legal requests get the
// same first answer at 200 and 225.
func TestReviewOddRequestsSameAt200And225(t *testing.T) {
	a, b := reviewProbe(t, 200), reviewProbe(t, 225)
	for id := int64(1); id <= int64(len(a)); id++ {
		t.Logf("%d: %s", id, a[id])
		if a[id] != b[id] {
			t.Errorf("request %d: v200 %q, v225 %q", id, a[id], b[id])
		}
	}
}
