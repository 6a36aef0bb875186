package ibsim

import (
	"math"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/sched"
	"github.com/scmhub/ibapi"
)

// Options expire at the first market step of a later day: an in-the-money
// long call is exercised into 100 shares a contract at the strike, an
// out-of-the-money put expires worthless.
func TestExpiredOptionsSettle(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s, clk := ordSim(t, at)
	aapl := ordInst(t, s, "AAPL")
	und := s.prices.Quote(aapl, at).Last
	var itmCall, otmPut *market.Instrument
	for _, o := range s.ref.Resolve(market.ContractQuery{Symbol: "AAPL", SecType: "OPT", Exchange: "SMART", Currency: "USD"}, at) {
		if o.Expiry <= at.Format("20060102") || o.Expiry > at.AddDate(0, 0, 10).Format("20060102") {
			continue
		}
		if o.Right == "C" && o.Strike < und-15 && o.Strike > und-30 && itmCall == nil {
			itmCall = o
		}
		if o.Right == "P" && o.Strike < und-15 && o.Strike > und-30 && otmPut == nil {
			otmPut = o
		}
	}
	if itmCall == nil || otmPut == nil || itmCall.Expiry != otmPut.Expiry {
		t.Skip("no pair of options with one expiry in the test window")
	}
	c, r := dial(t, s, 1)
	for i, in := range []*market.Instrument{itmCall, otmPut} {
		id := int64(i + 1)
		c.PlaceOrder(id, &ibapi.Contract{ConID: in.ConID, Exchange: "SMART"}, ordNew("BUY", "MKT", 1, 0, 0))
		ordWaitStatus(t, r, id, "Filled", 1)
	}
	// The next trading day after expiry, at 10:00.
	exp, _ := time.ParseInLocation("20060102", itmCall.Expiry, market.NewYork)
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
	if got[itmCall.ConID] != 0 || got[otmPut.ConID] != 0 {
		t.Errorf("option positions after expiry: call %v, put %v; want none", got[itmCall.ConID], got[otmPut.ConID])
	}
	if math.Abs(got[aapl.ConID]-100) > 1e-9 {
		t.Errorf("AAPL shares after the call's exercise: %v, want 100", got[aapl.ConID])
	}
}
