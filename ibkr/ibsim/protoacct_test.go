package ibsim

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
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

// binHello is the handshake at version v (201 or more) and a text
// startApi with its 4-byte message id.
func binHello(v int) []byte {
	vr := fmt.Sprintf("v%d", v)
	b := append([]byte("API\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(vr)))...)
	b = append(b, vr...)
	return append(b, binFrame(ibapi.START_API, []byte("2\x000\x00\x00"))...)
}

// binFrame frames a message of version 201 or more: length, 4-byte id,
// body.
func binFrame(id int64, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
	b = binary.BigEndian.AppendUint32(b, uint32(id))
	return append(b, body...)
}

// FuzzProtoAccountServer feeds one arbitrary protobuf body, under each
// message id of the contract details and accounts families, to a server
// connection at version 207 that completed the handshake and startApi.
// The server must neither panic nor hang.
func FuzzProtoAccountServer(f *testing.F) {
	ids := []int64{ibapi.REQ_CONTRACT_DATA, ibapi.CANCEL_CONTRACT_DATA, ibapi.REQ_ACCT_DATA, ibapi.REQ_MANAGED_ACCTS,
		ibapi.REQ_POSITIONS, ibapi.CANCEL_POSITIONS, ibapi.REQ_ACCOUNT_SUMMARY, ibapi.CANCEL_ACCOUNT_SUMMARY,
		ibapi.REQ_POSITIONS_MULTI, ibapi.CANCEL_POSITIONS_MULTI, ibapi.REQ_ACCOUNT_UPDATES_MULTI, ibapi.CANCEL_ACCOUNT_UPDATES_MULTI}
	seed := func(which int, pm proto.Message) {
		b, err := proto.Marshal(pm)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(which), b)
	}
	id := proto.Int32(4)
	seed(0, &protobuf.ContractDataRequest{ReqId: id, Contract: &protobuf.Contract{Symbol: proto.String("SPY"), SecType: proto.String("OPT"), Exchange: proto.String("SMART")}})
	seed(0, &protobuf.ContractDataRequest{ReqId: id, Contract: &protobuf.Contract{ConId: proto.Int32(spyConID)}})
	seed(1, &protobuf.CancelContractData{ReqId: id})
	seed(2, &protobuf.AccountDataRequest{Subscribe: proto.Bool(true)})
	seed(3, &protobuf.ManagedAccountsRequest{})
	seed(4, &protobuf.PositionsRequest{})
	seed(6, &protobuf.AccountSummaryRequest{ReqId: id, Group: proto.String("All"), Tags: proto.String("$LEDGER")})
	seed(8, &protobuf.PositionsMultiRequest{ReqId: id, Account: proto.String(DefaultAccount)})
	seed(10, &protobuf.AccountUpdatesMultiRequest{ReqId: id, Account: proto.String("U1"), LedgerAndNLV: proto.Bool(true)})
	seed(11, &protobuf.CancelAccountUpdatesMulti{ReqId: id})
	f.Add(uint8(0), []byte{0xff, 0x08})
	s, err := Start(Config{Clock: NewVirtualClock(ordAt), MaxServerVersion: wire.VerProtoAccounts})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var conn int64
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if len(body) > wire.MaxFrameLen-8 {
			return
		}
		conn++
		data := binHello(wire.VerProtoAccounts)
		data = append(data, binFrame(ids[int(which)%len(ids)]+200, body)...)
		data = append(data, binFrame(ibapi.REQ_CURRENT_TIME, []byte("1\x00"))...)
		serveBytes(s, 2_000_000+conn, data)
	})
}
