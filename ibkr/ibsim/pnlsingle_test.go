package ibsim

import (
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// pnlSingle is one pnlSingle callback: position, daily, unrealized,
// realized, value.
type pnlSingle [5]float64

func (r *recorder) PnlSingle(reqID int64, pos ibapi.Decimal, daily, unreal, realized, value float64) {
	r.add(ev{Kind: "PnLSingle", ReqID: reqID, Data: pnlSingle{pos.Float(), daily, unreal, realized, value}})
}

func TestAccountPnLSingle(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	nth := func(id int64, n int) pnlSingle {
		t.Helper()
		return ordWaitN(t, r, "pnlSingle", n, func(e ev) bool { return e.Kind == "PnLSingle" && e.ReqID == id }).Data.(pnlSingle)
	}
	c.ReqPnLSingle(7, s.cfg.Account, "", spy.ConID)
	if v := nth(7, 1); v != (pnlSingle{}) {
		t.Errorf("pnlSingle before any position = %v, want zeros", v)
	}
	q0 := s.prices.Quote(spy, ordAt)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	v := nth(7, 2)
	cost := 100*q0.Ask + 1 // commission in the average cost
	mark := (q0.Bid + q0.Ask) / 2
	unreal := engine.Round2(100*mark - cost)
	if v != (pnlSingle{100, unreal, unreal, 0, engine.Round2(100 * mark)}) {
		t.Errorf("pnlSingle after the fill = %v, want pos 100, daily = unrealized = %v, value %v", v, unreal, engine.Round2(100*mark))
	}

	// The next market step moves the mark: a new pnlSingle.
	clk.Advance(time.Minute)
	q := s.prices.Quote(spy, clk.Now())
	s.Tick()
	v = nth(7, 3)
	mark = (q.Bid + q.Ask) / 2
	if want := engine.Round2(100*mark - cost); v[2] != want || v[1] != want || v[4] != engine.Round2(100*mark) {
		t.Errorf("pnlSingle a minute later = %v, want unrealized %v", v, want)
	}

	// Selling half realizes PnL on this position.
	c.PlaceOrder(2, ordStock("SPY"), ordNew("SELL", "MKT", 50, 0, 0))
	v = nth(7, 4)
	wantReal := engine.Round2((q.Bid*100 - cost) / 2 * 1) // 50 of 100 at the bid, minus the sale's commission
	if v[0] != 50 || v[3] > wantReal || v[3] < wantReal-1.01 {
		t.Errorf("pnlSingle after selling 50 = %v, want pos 50 and realized about %v", v, wantReal)
	}

	// Another conId the account does not hold reads zeros.
	qqq := ordInst(t, s, "QQQ")
	c.ReqPnLSingle(8, s.cfg.Account, "", qqq.ConID)
	if v := nth(8, 1); v != (pnlSingle{}) {
		t.Errorf("pnlSingle of a conId not held = %v", v)
	}

	// After cancelPnLSingle nothing more arrives on the id.
	c.CancelPnLSingle(7)
	ordSync(t, c, r)
	n := len(ordEvents(r, "PnLSingle", 7))
	clk.Advance(time.Minute)
	s.Tick()
	ordSync(t, c, r)
	if m := len(ordEvents(r, "PnLSingle", 7)); m != n {
		t.Errorf("%d pnlSingle messages after cancelPnLSingle", m-n)
	}
}
