package ibsim

import (
	"math"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

func onTick(p, inc float64) bool {
	n := p / inc
	return math.Abs(n-math.Round(n)) < 1e-6
}

// Single-stock options trade in nickels from $3 (pennies below); the index
// ETFs' options in pennies at every price. Quotes keep to it, and orders
// off the tick get 110.
func TestOptionTicksInQuotesAndOrders(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s, _ := ordSim(t, at)
	aapl := ordInst(t, s, "AAPL")
	// A deep in-the-money call is worth well over $3.
	opts := s.ref.Resolve(market.ContractQuery{Symbol: "AAPL", SecType: "OPT", Exchange: "SMART", Currency: "USD", Right: "C"}, at)
	var deep *market.Instrument
	und := s.prices.Quote(aapl, at).Last
	for _, o := range opts {
		if o.Expiry > at.AddDate(0, 0, 20).Format("20060102") && o.Strike < und-20 && o.Strike > und-40 {
			deep = o
			break
		}
	}
	if deep == nil {
		t.Fatal("no deep in-the-money AAPL call found")
	}
	q := s.prices.Quote(deep, at)
	if q.Ask < 3 || !onTick(q.Bid, 0.05) || !onTick(q.Ask, 0.05) {
		t.Fatalf("AAPL %s %v call quote %v / %v: want nickels above $3", deep.Expiry, deep.Strike, q.Bid, q.Ask)
	}
	c, r := dial(t, s, 1)
	contract := &ibapi.Contract{ConID: deep.ConID, Exchange: "SMART"}
	off := math.Floor(q.Bid) + 0.52
	c.PlaceOrder(1, contract, ordNew("BUY", "LMT", 1, off, 0))
	e := r.waitError(t, 1, 110)
	if e.Msg != "The price does not conform to the minimum price variation for this contract." {
		t.Errorf("110 text %q", e.Msg)
	}
	c.PlaceOrder(2, contract, ordNew("BUY", "LMT", 1, math.Floor(q.Bid)+0.55, 0))
	ordWaitKind(t, r, "OrderStatus", 2)
	for _, e := range r.errorsWith(110) {
		if e.ReqID == 2 {
			t.Errorf("an order on the nickel got 110")
		}
	}
}
