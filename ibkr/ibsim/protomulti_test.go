package ibsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// TestPositionsAndAccountUpdatesMulti drives reqPositionsMulti and
// reqAccountUpdatesMulti with the raw scmhub EClient in text (176, 200)
// and protobuf (207, 212): the first answer ends on the request id, a
// fill streams the changed position and values until the cancel, and
// another account gets 321 on its id.
func TestPositionsAndAccountUpdatesMulti(t *testing.T) {
	for _, v := range []int{176, 200, wire.VerProtoAccounts, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)
			acct := s.cfg.Account
			spy := ordInst(t, s, "SPY")

			c.ReqPositionsMulti(20, acct, "M1")
			r.waitKind(t, "PositionMultiEnd", 20)
			c.ReqAccountUpdatesMulti(21, acct, "", true)
			_, end := r.wait(t, 0, "accountUpdateMultiEnd", func(e ev) bool { return e.Kind == "AccountUpdateMultiEnd" && e.ReqID == 21 })
			first := map[string]multiValue{}
			for _, e := range r.all()[:end] {
				if e.Kind == "AccountUpdateMulti" && e.ReqID == 21 {
					a := e.Data.(multiValue)
					first[a.key+"/"+a.currency] = a
					if a.account != acct || a.model != "" {
						t.Errorf("accountUpdateMulti %+v", a)
					}
				}
			}
			// ledgerAndNLV: the ledger values per currency and
			// NetLiquidation, not the other account values.
			if first["CashBalance/USD"].value != "1000000.00" || first["NetLiquidation/USD"].value != "1000000.00" ||
				first["NetLiquidationByCurrency/BASE"].value != "1000000.00" {
				t.Errorf("ledger values %v", first)
			}
			for _, k := range []string{"BuyingPower/USD", "AccountCode/", "InitMarginReq/USD"} {
				if _, ok := first[k]; ok {
					t.Errorf("ledgerAndNLV sent %s", k)
				}
			}
			c.ReqAccountUpdatesMulti(22, "", "", false)
			_, end22 := r.wait(t, 0, "accountUpdateMultiEnd 22", func(e ev) bool { return e.Kind == "AccountUpdateMultiEnd" && e.ReqID == 22 })
			full := 0
			for _, e := range r.all()[:end22] {
				if e.Kind == "AccountUpdateMulti" && e.ReqID == 22 {
					full++
				}
			}
			if full <= len(first) {
				t.Errorf("a full subscription sent %d values, the ledger one %d", full, len(first))
			}

			// A fill streams the position and the changed values.
			from := len(r.all())
			c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
			pm, _ := r.wait(t, from, "positionMulti after the fill", func(e ev) bool { return e.Kind == "PositionMulti" && e.ReqID == 20 })
			if p := pm.Data.(multiRow); p.pos != 100 || p.c.ConID != spy.ConID || p.model != "M1" || p.account != acct || p.c.Exchange != "ARCA" {
				t.Errorf("positionMulti %+v %s", p, contractText(p.c))
			}
			r.wait(t, from, "cash update", func(e ev) bool {
				return e.Kind == "AccountUpdateMulti" && e.ReqID == 21 && e.Msg == "CashBalance" && e.Data.(multiValue).value != "1000000.00"
			})

			// Cancelled subscriptions stop; a cancel sends nothing.
			c.CancelPositionsMulti(20)
			c.CancelAccountUpdatesMulti(21)
			c.CancelAccountUpdatesMulti(22)
			c.CancelPositionsMulti(99)
			ordSync(t, c, r)
			from = len(r.all())
			c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "MKT", 5, 0, 0))
			ordWaitKind(t, r, "Commission", 2)
			ordSync(t, c, r)
			for _, e := range r.all()[from:] {
				if e.Kind == "PositionMulti" || e.Kind == "AccountUpdateMulti" || e.ReqID == 99 {
					t.Errorf("after the cancels: %v", e)
				}
			}

			// Another account: 321 on the id.
			c.ReqPositionsMulti(30, "U999", "")
			if e := r.waitError(t, 30, 321); e.Msg != "Error validating request.-'bN' : cause - Invalid account code 'U999'." {
				t.Errorf("321 text %q", e.Msg)
			}
			c.ReqAccountUpdatesMulti(31, "U999", "", false)
			r.waitError(t, 31, 321)
			ordSync(t, c, r)
			for _, e := range r.all() {
				if (e.Kind == "PositionMultiEnd" && e.ReqID == 30) || (e.Kind == "AccountUpdateMultiEnd" && e.ReqID == 31) ||
					(e.Kind == "Error" && (e.Code == 320 || e.ReqID == -1 && e.Code < 2100)) {
					t.Errorf("%v", e)
				}
			}
		})
	}
}

// TestReqIDsAnsweredProtoAccounts: the requests of the contract details
// and accounts families are answered on their ids when sent as protobuf
// (207, 212), as TestEveryReqIDAnsweredOnItsID checks them in text.
func TestReqIDsAnsweredProtoAccounts(t *testing.T) {
	calls := reqIDCalls()
	names := []string{"ReqContractDetails", "CancelContractData", "ReqAccountSummary", "CancelAccountSummary",
		"ReqPositionsMulti", "CancelPositionsMulti", "ReqAccountUpdatesMulti", "CancelAccountUpdatesMulti", "ReqExecutions"}
	for _, n := range names {
		if _, ok := calls[n]; !ok {
			t.Fatalf("no reqIDCalls row %s", n)
		}
	}
	for _, v := range []int{wire.VerProtoContract, wire.VerProtoAccounts, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) { checkReqIDs(t, v, calls, names) })
	}
}

// TestAccountUpdatesMultiEveryThreeMinutes: the values that move with the
// market are pushed every 3 minutes of market time, as the account
// updates are, in text and in protobuf.
func TestAccountUpdatesMultiEveryThreeMinutes(t *testing.T) {
	for _, v := range []int{200, wire.VerProtoAccounts} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(ordAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)
			c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 1000, 0, 0))
			ordWaitKind(t, r, "Commission", 1)
			c.ReqAccountUpdatesMulti(5, s.cfg.Account, "", false)
			_, end := r.wait(t, 0, "accountUpdateMultiEnd", func(e ev) bool { return e.Kind == "AccountUpdateMultiEnd" && e.ReqID == 5 })
			count := func(key string) int {
				n := 0
				for _, e := range r.all()[end:] {
					if e.Kind == "AccountUpdateMulti" && e.ReqID == 5 && (key == "" || e.Msg == key) {
						n++
					}
				}
				return n
			}
			for range 2 {
				clk.Advance(time.Minute)
				s.Tick()
			}
			ordSync(t, c, r)
			if n := count(""); n != 0 {
				t.Fatalf("%d updates within 3 minutes, want none", n)
			}
			clk.Advance(time.Minute)
			s.Tick()
			ordWaitN(t, r, "NetLiquidation update", 2, func(e ev) bool {
				return e.Kind == "AccountUpdateMulti" && e.ReqID == 5 && e.Msg == "NetLiquidation"
			})
			c.CancelAccountUpdatesMulti(5)
			ordSync(t, c, r)
			n := count("")
			clk.Advance(3 * time.Minute)
			s.Tick()
			ordSync(t, c, r)
			if m := count(""); m != n {
				t.Errorf("%d updates after the cancel", m-n)
			}
		})
	}
}
