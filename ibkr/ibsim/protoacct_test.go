package ibsim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// multiRow is one PositionMulti callback.
type multiRow struct {
	account, model string
	c              *ibapi.Contract
	pos, avg       float64
}

// multiValue is one AccountUpdateMulti callback.
type multiValue struct {
	account, model, key, value, currency string
}

func (r *recorder) PositionMulti(reqID int64, account, modelCode string, c *ibapi.Contract, pos ibapi.Decimal, avg float64) {
	r.add(ev{Kind: "PositionMulti", ReqID: reqID, Data: multiRow{account, modelCode, c, pos.Float(), avg}})
}
func (r *recorder) PositionMultiEnd(reqID int64) {
	r.add(ev{Kind: "PositionMultiEnd", ReqID: reqID})
}
func (r *recorder) AccountUpdateMulti(reqID int64, account, modelCode, key, value, currency string) {
	r.add(ev{Kind: "AccountUpdateMulti", ReqID: reqID, Msg: key, Data: multiValue{account, modelCode, key, value, currency}})
}
func (r *recorder) AccountUpdateMultiEnd(reqID int64) {
	r.add(ev{Kind: "AccountUpdateMultiEnd", ReqID: reqID})
}

// The protobuf callbacks of the family record that the message came as
// protobuf (Kind "Proto", the message name in Msg).
func (r *recorder) proto(name string) { r.add(ev{Kind: "Proto", Msg: name}) }

func (r *recorder) ContractDataProtoBuf(*protobuf.ContractData)       { r.proto("ContractData") }
func (r *recorder) ContractDataEndProtoBuf(*protobuf.ContractDataEnd) { r.proto("ContractDataEnd") }
func (r *recorder) UpdateAccountValueProtoBuf(*protobuf.AccountValue) { r.proto("AccountValue") }
func (r *recorder) UpdatePortfolioProtoBuf(*protobuf.PortfolioValue)  { r.proto("PortfolioValue") }
func (r *recorder) UpdateAccountTimeProtoBuf(*protobuf.AccountUpdateTime) {
	r.proto("AccountUpdateTime")
}
func (r *recorder) AccountDataEndProtoBuf(*protobuf.AccountDataEnd)   { r.proto("AccountDataEnd") }
func (r *recorder) ManagedAccountsProtoBuf(*protobuf.ManagedAccounts) { r.proto("ManagedAccounts") }
func (r *recorder) PositionProtoBuf(*protobuf.Position)               { r.proto("Position") }
func (r *recorder) PositionEndProtoBuf(*protobuf.PositionEnd)         { r.proto("PositionEnd") }
func (r *recorder) AccountSummaryProtoBuf(*protobuf.AccountSummary)   { r.proto("AccountSummary") }
func (r *recorder) AccountSummaryEndProtoBuf(*protobuf.AccountSummaryEnd) {
	r.proto("AccountSummaryEnd")
}
func (r *recorder) PositionMultiProtoBuf(*protobuf.PositionMulti)       { r.proto("PositionMulti") }
func (r *recorder) PositionMultiEndProtoBuf(*protobuf.PositionMultiEnd) { r.proto("PositionMultiEnd") }
func (r *recorder) AccountUpdateMultiProtoBuf(*protobuf.AccountUpdateMulti) {
	r.proto("AccountUpdateMulti")
}
func (r *recorder) AccountUpdateMultiEndProtoBuf(*protobuf.AccountUpdateMultiEnd) {
	r.proto("AccountUpdateMultiEnd")
}

// protoNames returns the names of the protobuf messages r received.
func protoNames(r *recorder) map[string]int {
	out := map[string]int{}
	for _, e := range r.all() {
		if e.Kind == "Proto" {
			out[e.Msg]++
		}
	}
	return out
}

// contractText is a contract's fields as a client decoded them.
func contractText(c *ibapi.Contract) string {
	return fmt.Sprintf("%d %s %s %s %v %s mult=%q exch=%s prim=%s %s %s %s", c.ConID, c.Symbol, c.SecType,
		c.LastTradeDateOrContractMonth, c.Strike, c.Right, c.Multiplier, c.Exchange, c.PrimaryExchange,
		c.Currency, c.LocalSymbol, c.TradingClass)
}

// between returns the events from index from up to the first event that
// matches end (waiting for it), as text, keeping those keep accepts.
func between(t *testing.T, r *recorder, from int, what string, end func(ev) bool, keep func(ev) (string, bool)) []string {
	t.Helper()
	_, last := r.wait(t, from, what, end)
	var out []string
	for _, e := range r.all()[from : last+1] {
		if s, ok := keep(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// accountSnapshot holds one stock and one option position and returns,
// as text, what the client decodes from managedAccounts, reqPositions,
// reqAccountUpdates, reqAccountSummary, reqPositionsMulti and
// reqAccountUpdatesMulti (full and ledgerAndNLV) at version v.
func accountSnapshot(t *testing.T, v int) []string {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
	c, r := dial(t, s, 1)
	if got := s.Stats().Conns[0].Version; got != v {
		t.Fatalf("negotiated version %d, want %d", got, v)
	}
	acct := s.cfg.Account
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	ordWaitKind(t, r, "Commission", 1)
	c.PlaceOrder(2, option("SPY", "20260320", 600, "C", "SMART"), ordNew("BUY", "MKT", 2, 0, 0))
	ordWaitKind(t, r, "Commission", 2)
	var out []string
	any := func(e ev) (string, bool) { return e.String(), e.Kind != "Proto" }

	from := len(r.all())
	c.ReqManagedAccts()
	out = append(out, between(t, r, from, "managedAccounts", func(e ev) bool { return e.Kind == "ManagedAccounts" }, func(e ev) (string, bool) {
		return "managed " + e.Msg, e.Kind == "ManagedAccounts"
	})...)

	from = len(r.all())
	c.ReqPositions()
	out = append(out, between(t, r, from, "positionEnd", func(e ev) bool { return e.Kind == "PositionEnd" }, func(e ev) (string, bool) {
		if e.Kind == "Position" {
			p := e.Data.(posRow)
			return fmt.Sprintf("position %s %s %v %v", p.account, contractText(p.c), p.pos, p.avg), true
		}
		return e.Kind, e.Kind == "PositionEnd"
	})...)
	c.CancelPositions()

	from = len(r.all())
	c.ReqAccountUpdates(true, acct)
	out = append(out, between(t, r, from, "accountDownloadEnd", func(e ev) bool { return e.Kind == "AccountDownloadEnd" }, func(e ev) (string, bool) {
		switch e.Kind {
		case "AccountValue":
			a := e.Data.(acctRow)
			return fmt.Sprintf("value %s=%s %s %s", e.Msg, a.value, a.currency, a.account), true
		case "Portfolio":
			p := e.Data.(portRow)
			return fmt.Sprintf("portfolio %s %v %v %v %v %v %v %s", contractText(p.c), p.pos, p.price, p.value, p.avg, p.unreal, p.realz, p.account), true
		case "AccountTime", "AccountDownloadEnd":
			return e.Kind + " " + e.Msg, true
		}
		return "", false
	})...)
	c.ReqAccountUpdates(false, acct)

	from = len(r.all())
	c.ReqAccountSummary(7, "All", "NetLiquidation,TotalCashValue,BuyingPower,AccountType,Cushion,$LEDGER:ALL")
	out = append(out, between(t, r, from, "accountSummaryEnd", func(e ev) bool { return e.Kind == "AccountSummaryEnd" && e.ReqID == 7 }, func(e ev) (string, bool) {
		return any(e)
	})...)
	c.CancelAccountSummary(7)

	from = len(r.all())
	c.ReqPositionsMulti(8, acct, "")
	out = append(out, between(t, r, from, "positionMultiEnd", func(e ev) bool { return e.Kind == "PositionMultiEnd" && e.ReqID == 8 }, func(e ev) (string, bool) {
		if e.Kind == "PositionMulti" {
			p := e.Data.(multiRow)
			return fmt.Sprintf("positionMulti %d %s %q %s %v %v", e.ReqID, p.account, p.model, contractText(p.c), p.pos, p.avg), true
		}
		return any(e)
	})...)
	c.CancelPositionsMulti(8)

	for _, ledger := range []bool{false, true} {
		from = len(r.all())
		id := int64(9)
		if ledger {
			id = 10
		}
		c.ReqAccountUpdatesMulti(id, acct, "", ledger)
		out = append(out, between(t, r, from, "accountUpdateMultiEnd", func(e ev) bool { return e.Kind == "AccountUpdateMultiEnd" && e.ReqID == id }, func(e ev) (string, bool) {
			if e.Kind == "AccountUpdateMulti" {
				a := e.Data.(multiValue)
				return fmt.Sprintf("updateMulti %d %s %q %s=%s %s", e.ReqID, a.account, a.model, a.key, a.value, a.currency), true
			}
			return any(e)
		})...)
		c.CancelAccountUpdatesMulti(id)
	}
	ordSync(t, c, r)
	for _, e := range r.all() {
		if e.Kind == "Error" && (e.Code == 320 || e.Code == 321) {
			t.Errorf("v%d: %v", v, e)
		}
	}
	got := protoNames(r)
	for _, name := range []string{"ManagedAccounts", "Position", "PositionEnd", "AccountValue", "PortfolioValue",
		"AccountUpdateTime", "AccountDataEnd", "AccountSummary", "AccountSummaryEnd", "PositionMulti",
		"PositionMultiEnd", "AccountUpdateMulti", "AccountUpdateMultiEnd"} {
		if proto := v >= wire.VerProtoAccounts; (got[name] > 0) != proto {
			t.Errorf("v%d: %d protobuf %s, want protobuf %v", v, got[name], name, proto)
		}
	}
	return out
}

// TestConformanceAccountsProto checks that the accounts and positions
// family gives the raw scmhub EClient the same content in protobuf (207,
// 212) as in text (176, 200, 204).
func TestConformanceAccountsProto(t *testing.T) {
	want := accountSnapshot(t, 200)
	for _, must := range []string{"managed " + DefaultAccount, "PositionEnd", "AccountDownloadEnd " + DefaultAccount} {
		if !slices.Contains(want, must) {
			t.Fatalf("text snapshot lacks %q:\n%s", must, strings.Join(want, "\n"))
		}
	}
	var kinds = map[string]int{}
	for _, l := range want {
		kinds[strings.Fields(l)[0]]++
	}
	if kinds["position"] != 2 || kinds["portfolio"] != 2 || kinds["positionMulti"] != 2 || kinds["updateMulti"] < 40 || kinds["value"] < 40 {
		t.Fatalf("text snapshot kinds %v:\n%s", kinds, strings.Join(want, "\n"))
	}
	for _, v := range []int{176, 204, wire.VerProtoAccounts, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			got := accountSnapshot(t, v)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				for i := range max(len(got), len(want)) {
					var g, w string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if g != w {
						t.Errorf("line %d:\n got %s\nwant %s", i, g, w)
					}
				}
			}
		})
	}
}
