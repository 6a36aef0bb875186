package ibsim

import (
	"math"
	"testing"
	"time"

	"github.com/ibbot/ibbot/sched"
	"github.com/scmhub/ibapi"
)

// Options expire at the first market step of a later day: an in-the-money
// long call is exercised into 100 shares a contract at the strike, an
// out-of-the-money put expires worthless.
func TestExpiredOptionsSettle(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, newYork)
	s, clk := ordSim(t, at)
	aapl := ordInst(t, s, "AAPL")
	und := s.prices.quote(aapl, at).last
	var itmCall, otmPut *instrument
	for _, o := range s.ref.resolve(contractQuery{symbol: "AAPL", secType: "OPT", exchange: "SMART", currency: "USD"}, at) {
		if o.expiry <= at.Format("20060102") || o.expiry > at.AddDate(0, 0, 10).Format("20060102") {
			continue
		}
		if o.right == "C" && o.strike < und-15 && o.strike > und-30 && itmCall == nil {
			itmCall = o
		}
		if o.right == "P" && o.strike < und-15 && o.strike > und-30 && otmPut == nil {
			otmPut = o
		}
	}
	if itmCall == nil || otmPut == nil || itmCall.expiry != otmPut.expiry {
		t.Skip("no pair of options with one expiry in the test window")
	}
	c, r := dial(t, s, 1)
	for i, in := range []*instrument{itmCall, otmPut} {
		id := int64(i + 1)
		c.PlaceOrder(id, &ibapi.Contract{ConID: in.conID, Exchange: "SMART"}, ordNew("BUY", "MKT", 1, 0, 0))
		ordWaitStatus(t, r, id, "Filled", 1)
	}
	// The next trading day after expiry, at 10:00.
	exp, _ := time.ParseInLocation("20060102", itmCall.expiry, newYork)
	next := sched.NYSE().NextTradingDay(exp).Add(10 * time.Hour)
	clk.Set(next)
	s.Tick()
	from := len(r.all())
	c.ReqPositions()
	r.wait(t, from, "positionEnd", func(e ev) bool { return e.Kind == "PositionEnd" })
	got := map[int64]float64{}
	for _, e := range r.all()[from:] {
		if e.Kind == "Position" {
			got[e.ReqID] = e.Data.(posRow).pos
		}
	}
	if got[itmCall.conID] != 0 || got[otmPut.conID] != 0 {
		t.Errorf("option positions after expiry: call %v, put %v; want none", got[itmCall.conID], got[otmPut.conID])
	}
	if math.Abs(got[aapl.conID]-100) > 1e-9 {
		t.Errorf("AAPL shares after the call's exercise: %v, want 100", got[aapl.conID])
	}
}
