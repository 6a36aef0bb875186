package ibsim

import (
	"math"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// Market helpers of the tests that run through a server; the market
// package's own tests have the same ones.

var testSPY = &market.Instrument{ConID: 756733, Symbol: "SPY", SecType: "STK", Exchange: "SMART", Currency: "USD", LocalSymbol: "SPY", MinTick: 0.01}

func pxNear(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func lastClose(t *testing.T, r *market.RefData, symbol string, now time.Time) float64 {
	t.Helper()
	c, _, _, ok := r.CloseRange(symbol, now, now)
	if !ok || c <= 0 {
		t.Fatalf("no close for %s at %v", symbol, now)
	}
	return c
}

// atm returns the strike of an expiry nearest the underlying's last close.
func atm(t *testing.T, r *market.RefData, symbol, expiry string, now time.Time) float64 {
	t.Helper()
	ks := r.StrikesFor(symbol, expiry, now)
	if len(ks) == 0 {
		t.Fatalf("%s %s: no strikes", symbol, expiry)
	}
	c := lastClose(t, r, symbol, now)
	best := ks[0]
	for _, k := range ks {
		if math.Abs(k-c) < math.Abs(best-c) {
			best = k
		}
	}
	return best
}
