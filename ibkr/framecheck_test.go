package ibkr

import (
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// The relay's count check (internal/conn/framecheck.go) must pass every
// real message: contract details (with their lists), option parameters and
// market rules at the versions older and current clients negotiate. A
// refused frame would drop the connection, so a reconnect fails the test.
func TestRealFramesPassTheCountCheck(t *testing.T) {
	for _, v := range []int{176, 193, 200, ibsim.HighestServerVersion} {
		s := fastSim(t, ibsim.Config{MaxServerVersion: v})
		sess := fastSession(t, s, Config{ClientID: 63})
		ctx := testCtx(t, 60*time.Second)
		spy, err := sess.Qualify(ctx, Stock("SPY"))
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		chains, err := sess.SecDefOptParams(ctx, "SPY", "STK", spy.Contract.ConID)
		if err != nil || len(chains) == 0 || len(chains[0].Expirations) == 0 || len(chains[0].Strikes) == 0 {
			t.Fatalf("v%d: option parameters %v, %v", v, chains, err)
		}
		opts, err := sess.ContractDetails(ctx, Option("SPY", chains[0].Expirations[0], chains[0].Strikes[len(chains[0].Strikes)/2], "C"))
		if err != nil || len(opts) == 0 {
			t.Fatalf("v%d: option details %v, %v", v, opts, err)
		}
		if _, err := sess.MarketRule(ctx, 26); err != nil {
			t.Fatalf("v%d: market rule: %v", v, err)
		}
		if err := exerciseSession(ctx, sess); err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		if st := sess.Stats(); st.Reconnects != 0 || st.DeadConnections != 0 {
			t.Fatalf("v%d: %d reconnects, %d dead connections: a real frame was refused", v, st.Reconnects, st.DeadConnections)
		}
	}
}
