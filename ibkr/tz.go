package ibkr

import (
	"time"
	_ "time/tzdata" // bar times and trading hours are New York time on any host

	"github.com/ibbot/ibbot/sched"
)

// nyse is the US exchange calendar regular hours are judged by.
var nyse = sched.NYSE()

// outsideRTH reports whether at lies outside the regular session of c's
// market, for the US markets the Session knows (stocks, ETFs, options and
// indexes in USD); false for others.
func outsideRTH(c Contract, at time.Time) bool {
	if at.IsZero() || (c.Currency != "" && c.Currency != "USD") {
		return false
	}
	switch c.SecType {
	case "", "STK", "OPT", "IND":
		return !nyse.IsOpen(at)
	}
	return false
}
