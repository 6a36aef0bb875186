package ibsim

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// Callbacks of the last protobuf families (versions 212 and 213) and the
// configuration requests (219, 221).

func (r *recorder) SoftDollarTiers(reqID int64, tiers []ibapi.SoftDollarTier) {
	r.add(ev{Kind: "SoftDollarTiers", ReqID: reqID, Data: tiers})
}
func (r *recorder) FamilyCodes(codes []ibapi.FamilyCode) {
	r.add(ev{Kind: "FamilyCodes", Data: codes})
}
func (r *recorder) UserInfo(reqID int64, whiteBrandingID string) {
	r.add(ev{Kind: "UserInfo", ReqID: reqID, Msg: whiteBrandingID})
}
func (r *recorder) ConfigResponseProtoBuf(p *protobuf.ConfigResponse) {
	r.add(ev{Kind: "ConfigResponse", ReqID: int64(p.GetReqId()), Data: p})
}
func (r *recorder) UpdateConfigResponseProtoBuf(p *protobuf.UpdateConfigResponse) {
	r.add(ev{Kind: "UpdateConfigResponse", ReqID: int64(p.GetReqId()), Msg: p.GetStatus(), Data: p})
}

// protoSeen counts the protobuf forms of the session replies a client
// decoded (the decoder calls XxxProtoBuf only for a protobuf message).
var protoSeen struct{ nextValidID, currentTime, currentTimeMillis atomic.Int64 }

func (r *recorder) NextValidIdProtoBuf(*protobuf.NextValidId) { protoSeen.nextValidID.Add(1) }
func (r *recorder) CurrentTimeProtoBuf(*protobuf.CurrentTime) { protoSeen.currentTime.Add(1) }
func (r *recorder) CurrentTimeInMillisProtoBuf(*protobuf.CurrentTimeInMillis) {
	protoSeen.currentTimeMillis.Add(1)
}

// restAnswers is what one connection answered to the contract-free
// requests, for comparing layouts by content.
type restAnswers struct {
	nextID      int64
	now, nowMS  int64
	secDef      []secDefParam
	tiers       int
	family      []ibapi.FamilyCode
	symbols     []string
	smart       []ibapi.SmartComponent
	rule        ruleAnswer
	whiteBrand  string
	userInfoReq int64
}

// askRest connects one client at version v and sends every request of
// the 212/213 families, waiting for each answer on its id.
func askRest(t *testing.T, v int) restAnswers {
	t.Helper()
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v, Limits: Limits{MaxMsgRate: 1000}})
	c, r := dial(t, s, 7)
	if got := s.Stats().Conns[0].Version; got != v {
		t.Fatalf("negotiated version %d, want %d", got, v)
	}
	var a restAnswers
	from := len(r.all())
	c.ReqIDs(1)
	e, _ := r.wait(t, from, "nextValidId", func(e ev) bool { return e.Kind == "NextValidID" })
	a.nextID = e.Data.(int64)
	from = len(r.all())
	c.ReqCurrentTime()
	e, _ = r.wait(t, from, "currentTime", func(e ev) bool { return e.Kind == "CurrentTime" })
	a.now = e.Data.(int64)
	if v >= 197 {
		from = len(r.all())
		c.ReqCurrentTimeInMillis()
		e, _ = r.wait(t, from, "currentTimeInMillis", func(e ev) bool { return e.Kind == "CurrentTimeInMillis" })
		a.nowMS = e.Data.(int64)
	}
	from = len(r.all())
	c.ReqSecDefOptParams(11, "SPY", "", "STK", spyConID)
	_, end := r.wait(t, from, "secDefOptParamEnd", func(e ev) bool { return e.Kind == "SecDefOptParamEnd" && e.ReqID == 11 })
	for _, e := range r.all()[from:end] {
		if e.Kind == "SecDefOptParam" && e.ReqID == 11 {
			a.secDef = append(a.secDef, e.Data.(secDefParam))
		}
	}
	c.ReqSoftDollarTiers(12)
	a.tiers = len(r.waitKind(t, "SoftDollarTiers", 12).Data.([]ibapi.SoftDollarTier))
	from = len(r.all())
	c.ReqFamilyCodes()
	e, _ = r.wait(t, from, "familyCodes", func(e ev) bool { return e.Kind == "FamilyCodes" })
	a.family = e.Data.([]ibapi.FamilyCode)
	c.ReqMatchingSymbols(13, "SP")
	for _, cd := range r.waitKind(t, "SymbolSamples", 13).Data.([]ibapi.ContractDescription) {
		k := cd.Contract
		a.symbols = append(a.symbols, fmt.Sprintf("%d %s %s %s %s %q %v", k.ConID, k.Symbol, k.SecType, k.PrimaryExchange, k.Currency, k.Description, cd.DerivativeSecTypes))
	}
	c.ReqSmartComponents(14, "9c0001")
	a.smart = r.waitKind(t, "SmartComponents", 14).Data.([]ibapi.SmartComponent)
	c.ReqMarketRule(26)
	a.rule = r.waitKind(t, "MarketRule", 26).Data.(ruleAnswer)
	c.ReqUserInfo(15)
	e = r.waitKind(t, "UserInfo", 15)
	a.whiteBrand, a.userInfoReq = e.Msg, e.ReqID
	for _, e := range r.all() {
		if e.Kind == "Error" && (e.Code == 320 || e.Code == 321) {
			t.Errorf("v%d: %s", v, e)
		}
	}
	return a
}

// TestRestProtoMatchesText asks the contract-free and session requests in
// text (176, 200) and as protobuf (212, 213, 225) and compares the
// answers by content: the same reference data whatever the encoding, and
// the session replies in protobuf from 213.
func TestRestProtoMatchesText(t *testing.T) {
	want := askRest(t, 200)
	if want.tiers != 0 || len(want.family) != 1 || want.family[0].AccountID != DefaultAccount || want.family[0].FamilyCodeStr != DefaultAccount+"A" {
		t.Fatalf("v200: soft dollar tiers %d, family codes %+v", want.tiers, want.family)
	}
	if len(want.secDef) == 0 || len(want.symbols) == 0 || len(want.smart) == 0 || len(want.rule.incs) == 0 || want.userInfoReq != 15 || want.whiteBrand != "" {
		t.Fatalf("v200: answers %+v", want)
	}
	if want.now != ordAt.Unix() || want.nowMS != ordAt.UnixMilli() {
		t.Fatalf("v200: current time %d / %d, want the market clock's %d", want.now, want.nowMS, ordAt.Unix())
	}
	for _, v := range []int{176, 212, 213, 225} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			n0, t0, m0 := protoSeen.nextValidID.Load(), protoSeen.currentTime.Load(), protoSeen.currentTimeMillis.Load()
			got := askRest(t, v)
			w := want
			if v < 197 {
				w.nowMS = 0
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("v%d answers\n got %+v\nwant %+v", v, got, w)
			}
			proto := v >= 213
			if n := protoSeen.nextValidID.Load() - n0; (n > 0) != proto {
				t.Errorf("v%d: %d protobuf nextValidId, want protobuf %v", v, n, proto)
			}
			if n := protoSeen.currentTime.Load() - t0; (n > 0) != proto {
				t.Errorf("v%d: %d protobuf currentTime, want protobuf %v", v, n, proto)
			}
			if n := protoSeen.currentTimeMillis.Load() - m0; (n > 0) != proto {
				t.Errorf("v%d: %d protobuf currentTimeInMillis, want protobuf %v", v, n, proto)
			}
		})
	}
}
