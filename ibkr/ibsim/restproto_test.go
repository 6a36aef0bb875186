package ibsim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
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
	c.SetServerLogLevel(5) // answered by nothing (checked at the end: no 320)
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

// restReqIDCalls are the rows of reqIDCalls in the 212 and 213 families.
var restReqIDCalls = []string{
	"ReqSecDefOptParams", "ReqSoftDollarTiers", "ReqMatchingSymbols", "ReqSmartComponents", "ReqUserInfo",
	"QueryDisplayGroups", "SubscribeToGroupEvents", "UpdateDisplayGroup", "UnsubscribeFromGroupEvents",
}

// TestRestReqIDsAnsweredOnTheirIDs: every request of the 212 and 213
// families that carries a request id is answered on it when it is sent as
// protobuf, as in text (TestEveryReqIDAnsweredOnItsID), and nothing is
// answered with 320 or on -1.
func TestRestReqIDsAnsweredOnTheirIDs(t *testing.T) {
	calls := reqIDCalls()
	for _, v := range []int{212, 213, 225} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v, Limits: Limits{MaxMsgRate: 1000}})
			c, r := dial(t, s, 1)
			names := restReqIDCalls
			if v >= 215 {
				// From 215 the client sends these cancels (below, it refuses
				// them itself with 503): a cancel of an answered request is
				// answered by nothing.
				calls["CancelContractData"] = reqIDCall{call: func(c *ibapi.EClient, id int64) { c.CancelContractData(id) }}
				calls["CancelHistoricalTicks"] = reqIDCall{call: func(c *ibapi.EClient, id int64) { c.CancelHistoricalTicks(id) }}
				names = append(names[:len(names):len(names)], "CancelContractData", "CancelHistoricalTicks")
			}
			for i, name := range names {
				call, ok := calls[name]
				if !ok {
					t.Fatalf("no reqIDCalls row %s", name)
				}
				id := int64(2000 + i)
				from := len(r.all())
				call.call(c, id)
				if call.kind != "" {
					e, _ := r.wait(t, from, fmt.Sprintf("%s on %d", name, id), func(e ev) bool { return e.ReqID == id })
					if e.Kind != call.kind || (call.kind == "Error" && e.Code != call.code) {
						t.Errorf("%s: first answer on %d = %s %d %q, want %s %d", name, id, e.Kind, e.Code, e.Msg, call.kind, call.code)
					}
				}
				mark := len(r.all())
				c.ReqCurrentTime()
				r.wait(t, mark, "currentTime", func(e ev) bool { return e.Kind == "CurrentTime" })
				for _, e := range r.all()[from:] {
					if e.Kind == "Error" && (e.Code == 320 || e.ReqID == -1) {
						t.Errorf("%s: %v", name, e)
					}
					if call.kind == "" && e.ReqID == id {
						t.Errorf("%s: answered %v, want nothing", name, e)
					}
				}
			}
		})
	}
}

// TestConfigRequests: reqConfig (219) and updateConfig (221) are answered
// on their request ids with the Gateway's configuration, which an update
// changes; a setting the simulator cannot honour fails the whole update.
func TestConfigRequests(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225})
	c, r := dial(t, s, 1)
	_, port := hostPort(t, s)
	id := int32(31)
	c.ReqConfigProtoBuf(&protobuf.ConfigRequest{ReqId: &id})
	cfg := r.waitKind(t, "ConfigResponse", 31).Data.(*protobuf.ConfigResponse)
	st := cfg.GetApi().GetSettings()
	if int(st.GetSocketPort()) != port || st.GetReadOnlyApi() || !st.GetDownloadOpenOrdersOnConnection() || cfg.GetOrders().GetSmartRouting() == nil {
		t.Fatalf("configResponse %v", cfg)
	}

	id = 32
	yes := true
	c.UpdateConfigProtoBuf(&protobuf.UpdateConfigRequest{ReqId: &id, Orders: &protobuf.OrdersConfig{SmartRouting: &protobuf.OrdersSmartRoutingConfig{SeekPriceImprovement: &yes}}})
	e := r.waitKind(t, "UpdateConfigResponse", 32)
	up := e.Data.(*protobuf.UpdateConfigResponse)
	if e.Msg != "SUCCESS" || !reflect.DeepEqual(up.GetChangedFields(), []string{"orders.smartRouting.seekPriceImprovement"}) {
		t.Fatalf("updateConfig: %v", up)
	}
	id = 33
	c.UpdateConfigProtoBuf(&protobuf.UpdateConfigRequest{ReqId: &id, Api: &protobuf.ApiConfig{Settings: &protobuf.ApiSettingsConfig{ReadOnlyApi: &yes, CreateApiMessageLogFile: &yes}}})
	e = r.waitKind(t, "UpdateConfigResponse", 33)
	if up := e.Data.(*protobuf.UpdateConfigResponse); e.Msg != "FAILED" || len(up.GetErrors()) != 1 {
		t.Fatalf("read-only updateConfig: %v", up)
	}
	id = 34
	c.ReqConfigProtoBuf(&protobuf.ConfigRequest{ReqId: &id})
	cfg = r.waitKind(t, "ConfigResponse", 34).Data.(*protobuf.ConfigResponse)
	if !cfg.GetOrders().GetSmartRouting().GetSeekPriceImprovement() || cfg.GetApi().GetSettings().GetCreateApiMessageLogFile() {
		t.Fatalf("configResponse after the updates: %v", cfg)
	}
	for _, e := range r.all() {
		if e.Kind == "Error" && (e.Code == 320 || e.Code == 321) {
			t.Errorf("%v", e)
		}
	}
}

// rawProtoFrame frames a protobuf request as a client does from 201.
func rawProtoFrame(t *testing.T, id int64, pm proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(pm)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(4+len(b)))
	out = binary.BigEndian.AppendUint32(out, uint32(id+200))
	return append(out, b...)
}

// readRawFrame reads one server frame at 201 or later: its message id
// and the rest.
func readRawFrame(t *testing.T, br *bufio.Reader) (int64, []byte) {
	t.Helper()
	p, err := wire.ReadFrame(br)
	if err != nil || len(p) < 4 {
		t.Fatalf("read frame: %v (%d bytes)", err, len(p))
	}
	return int64(binary.BigEndian.Uint32(p)), p[4:]
}

// TestStartAPIProtobuf: a client asking for 225 of a server configured up
// to 225 connects at 225, and its startApi, a StartApiRequest, is read:
// one without a client id is refused with error 320 and binds nothing, a
// second with one gets the bootstrap (managedAccounts, a protobuf
// nextValidId, the farm notices) and registers that id.
func TestStartAPIProtobuf(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), MaxServerVersion: 225})
	nc, br, hello := rawHandshake(t, s.Addr(), "v100..225")
	if len(hello) != 2 || hello[0] != "225" {
		t.Fatalf("handshake reply %q, want version 225", hello)
	}
	write := func(b []byte) {
		if _, err := nc.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	write(rawProtoFrame(t, ibapi.START_API, &protobuf.StartApiRequest{OptionalCapabilities: proto.String("")}))
	id, body := readRawFrame(t, br)
	var em protobuf.ErrorMessage
	if id != ibapi.ERR_MSG+200 || proto.Unmarshal(body, &em) != nil || em.GetErrorCode() != 320 || em.GetId() != -1 {
		t.Fatalf("startApi without a client id: message %d %v, want protobuf error 320 on -1", id, &em)
	}
	if st := s.Stats(); st.Clients != 0 || st.Conns[0].ClientID != -1 {
		t.Fatalf("after a startApi without a client id: %d clients, client id %d", st.Clients, st.Conns[0].ClientID)
	}
	write(rawProtoFrame(t, ibapi.START_API, &protobuf.StartApiRequest{ClientId: proto.Int32(9), OptionalCapabilities: proto.String("")}))
	seen := map[int64]bool{}
	var next protobuf.NextValidId
	for len(seen) < 3 {
		id, body := readRawFrame(t, br)
		switch id {
		case ibapi.MANAGED_ACCTS, ibapi.MANAGED_ACCTS + 200:
			seen[ibapi.MANAGED_ACCTS] = true
		case ibapi.NEXT_VALID_ID + 200:
			if err := proto.Unmarshal(body, &next); err != nil || next.OrderId == nil {
				t.Fatalf("nextValidId %x: %v", body, err)
			}
			seen[ibapi.NEXT_VALID_ID] = true
		case ibapi.ERR_MSG + 200:
			var em protobuf.ErrorMessage
			if err := proto.Unmarshal(body, &em); err != nil || em.GetErrorCode() != 2104 && em.GetErrorCode() != 2106 && em.GetErrorCode() != 2158 {
				t.Fatalf("bootstrap error %v (%v)", &em, err)
			}
			if em.GetErrorCode() == 2158 {
				seen[ibapi.ERR_MSG] = true
			}
		default:
			t.Fatalf("bootstrap message %d", id)
		}
	}
	write(rawProtoFrame(t, ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{}))
	id, body = readRawFrame(t, br)
	var ct protobuf.CurrentTime
	if id != ibapi.CURRENT_TIME+200 || proto.Unmarshal(body, &ct) != nil || ct.GetCurrentTime() != ordAt.Unix() {
		t.Fatalf("currentTime: message %d %v", id, &ct)
	}
	if st := s.Stats(); st.Clients != 1 || st.Conns[0].ClientID != 9 || st.Conns[0].Version != 225 {
		t.Fatalf("stats %+v", st.Conns[0])
	}
}

// FuzzStartAPIProto sends an arbitrary StartApiRequest payload after a
// handshake at 225, then a protobuf reqCurrentTime. The server must
// neither panic nor hang, and binds a client id only when the payload is a
// StartApiRequest that carries one, and exactly that id. (Whether a valid
// one is bound depends on how far the server got before the pipe closed;
// TestStartAPIProtobuf checks that over a socket.)
func FuzzStartAPIProto(f *testing.F) {
	for _, pm := range []*protobuf.StartApiRequest{
		{ClientId: proto.Int32(0), OptionalCapabilities: proto.String("")},
		{ClientId: proto.Int32(-1)},
		{ClientId: proto.Int32(2147483647), OptionalCapabilities: proto.String("+PACEAPI")},
		{OptionalCapabilities: proto.String("x")},
		{},
	} {
		b, _ := proto.Marshal(pm)
		f.Add(b)
	}
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}) // a 64-bit varint
	f.Add([]byte{0x12, 0x02, 0xc3, 0x28})                                           // invalid UTF-8
	f.Add([]byte{0x08})                                                             // truncated
	s, err := Start(Config{Clock: NewVirtualClock(ordAt), MaxServerVersion: 225})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var conn int64
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > 1<<16 {
			return
		}
		conn++
		vr := "v100..225"
		var data []byte
		data = append(data, "API\x00"...)
		data = binary.BigEndian.AppendUint32(data, uint32(len(vr)))
		data = append(data, vr...)
		data = binary.BigEndian.AppendUint32(data, uint32(4+len(payload)))
		data = binary.BigEndian.AppendUint32(data, uint32(ibapi.START_API+200))
		data = append(data, payload...)
		data = append(data, rawProtoFrame(t, ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{})...)
		c := serveClient(s, 3_000_000+conn, data)
		var r protobuf.StartApiRequest
		valid := proto.Unmarshal(payload, &r) == nil && r.ClientId != nil
		if c.registered && (!valid || c.clientID != int64(r.GetClientId())) {
			t.Fatalf("payload %x registered client id %d (valid %v, sent %d)", payload, c.clientID, valid, r.GetClientId())
		}
	})
}

// serveClient is serveBytes returning the connection it served.
func serveClient(s *Server, connID int64, data []byte) *client {
	srvEnd, cliEnd := net.Pipe()
	c := newClient(s, srvEnd, connID)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(io.Discard, cliEnd)
	}()
	go func() {
		defer wg.Done()
		_, _ = cliEnd.Write(data)
		_ = cliEnd.Close()
	}()
	c.serve()
	_ = cliEnd.Close()
	wg.Wait()
	return c
}
