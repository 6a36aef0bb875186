package ibsim

import (
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// A modification that the account cannot carry is rejected with 201 and
// leaves the working order as it was.
func TestModifyBeyondFundsIsRejected(t *testing.T) {
	at := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s, _ := ordSim(t, at)
	c, r := dial(t, s, 1)
	// A resting bid a dollar under the market: 100 shares fit, 100,000
	// (about 54 million dollars) do not.
	px := s.prices.Quote(ordInst(t, s, "SPY"), at).Bid - 1
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 100, px, 0))
	ordWaitStatus(t, r, 1, "Submitted", 1)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 100_000, px, 0))
	e := r.waitError(t, 1, 201)
	if len(e.Msg) < 30 {
		t.Errorf("201 text %q", e.Msg)
	}
	// The original order still works: it can be cancelled.
	c.CancelOrder(1, ibapi.NewOrderCancel())
	ordWaitStatus(t, r, 1, "Cancelled", 1)
}
