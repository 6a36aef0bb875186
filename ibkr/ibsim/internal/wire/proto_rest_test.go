package wire

import (
	"testing"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// decodeRest runs the request decoder of every protobuf request of the
// 212, 213, 219 and 221 families on one payload, and checks what startApi
// may bind: a client id only when the message carries one, and exactly
// that one.
func decodeRest(t *testing.T, c Codec, payload []byte) {
	id, f, err := c.Request(payload)
	if err != nil {
		return
	}
	switch id {
	case ibapi.START_API:
		clientID, err := c.StartAPI(f)
		if err != nil {
			return
		}
		var r protobuf.StartApiRequest
		if f.IsProto {
			if perr := proto.Unmarshal(f.Proto, &r); perr != nil || r.ClientId == nil || int64(r.GetClientId()) != clientID {
				t.Fatalf("StartAPI accepted client id %d from %x (%v)", clientID, f.Proto, perr)
			}
		}
	case ibapi.REQ_IDS:
		_ = c.ReqIDs(f)
	case ibapi.REQ_CURRENT_TIME:
		_ = c.ReqCurrentTime(f)
	case ibapi.REQ_CURRENT_TIME_IN_MILLIS:
		_ = c.ReqCurrentTimeInMillis(f)
	case ibapi.SET_SERVER_LOGLEVEL:
		_, _ = c.SetServerLogLevel(f)
	case ibapi.REQ_SEC_DEF_OPT_PARAMS:
		_, _ = c.ReqSecDefOptParams(f)
	case ibapi.REQ_SOFT_DOLLAR_TIERS:
		_, _ = c.ReqSoftDollarTiers(f)
	case ibapi.REQ_FAMILY_CODES:
		_ = c.ReqFamilyCodes(f)
	case ibapi.REQ_MATCHING_SYMBOLS:
		_, _, _ = c.ReqMatchingSymbols(f)
	case ibapi.REQ_SMART_COMPONENTS:
		_, _, _ = c.ReqSmartComponents(f)
	case ibapi.REQ_MARKET_RULE:
		_, _ = c.ReqMarketRule(f)
	case ibapi.REQ_USER_INFO:
		_, _ = c.ReqUserInfo(f)
	case ibapi.REQ_CONFIG:
		_, _ = c.ReqConfig(f)
	case ibapi.UPDATE_CONFIG:
		_, _ = c.ReqUpdateConfig(f)
	}
}

func restSeeds() [][]byte {
	yes := true
	return [][]byte{
		protoRequest(ibapi.START_API, &protobuf.StartApiRequest{ClientId: pI32(7), OptionalCapabilities: pStr("")}),
		protoRequest(ibapi.START_API, &protobuf.StartApiRequest{ClientId: pI32(-2147483648)}),
		protoRequest(ibapi.START_API, &protobuf.StartApiRequest{OptionalCapabilities: pStr("+PACEAPI")}),
		protoRequest(ibapi.START_API, &protobuf.StartApiRequest{}),
		append(protoRequest(ibapi.START_API, &protobuf.StartApiRequest{ClientId: pI32(1)}), 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		append(protoRequest(ibapi.START_API, &protobuf.StartApiRequest{}), 0x12, 0x02, 0xc3, 0x28), // invalid UTF-8 capabilities
		protoRequest(ibapi.REQ_IDS, &protobuf.IdsRequest{NumIds: pI32(1)}),
		protoRequest(ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{}),
		protoRequest(ibapi.REQ_CURRENT_TIME_IN_MILLIS, &protobuf.CurrentTimeInMillisRequest{}),
		protoRequest(ibapi.SET_SERVER_LOGLEVEL, &protobuf.SetServerLogLevelRequest{LogLevel: pI32(5)}),
		protoRequest(ibapi.REQ_SEC_DEF_OPT_PARAMS, &protobuf.SecDefOptParamsRequest{ReqId: pI32(3), UnderlyingSymbol: pStr("SPY"), UnderlyingSecType: pStr("STK"), UnderlyingConId: pI32(756733)}),
		protoRequest(ibapi.REQ_SOFT_DOLLAR_TIERS, &protobuf.SoftDollarTiersRequest{ReqId: pI32(4)}),
		protoRequest(ibapi.REQ_FAMILY_CODES, &protobuf.FamilyCodesRequest{}),
		protoRequest(ibapi.REQ_MATCHING_SYMBOLS, &protobuf.MatchingSymbolsRequest{ReqId: pI32(5), Pattern: pStr("SP")}),
		protoRequest(ibapi.REQ_SMART_COMPONENTS, &protobuf.SmartComponentsRequest{ReqId: pI32(6), BboExchange: pStr("9c0001")}),
		protoRequest(ibapi.REQ_MARKET_RULE, &protobuf.MarketRuleRequest{MarketRuleId: pI32(26)}),
		protoRequest(ibapi.REQ_USER_INFO, &protobuf.UserInfoRequest{ReqId: pI32(8)}),
		protoRequest(ibapi.QUERY_DISPLAY_GROUPS, &protobuf.QueryDisplayGroupsRequest{ReqId: pI32(9)}),
		protoRequest(ibapi.REQ_CONFIG, &protobuf.ConfigRequest{ReqId: pI32(10)}),
		protoRequest(ibapi.UPDATE_CONFIG, &protobuf.UpdateConfigRequest{ReqId: pI32(11), Api: &protobuf.ApiConfig{Settings: &protobuf.ApiSettingsConfig{ReadOnlyApi: &yes}}, ResetAPIOrderSequence: &yes}),
	}
}

// FuzzRestProtoRequest feeds arbitrary payloads to the protobuf request
// decoders of the 212..221 families at version 225: none may panic, and
// startApi binds only a client id the message carries.
func FuzzRestProtoRequest(f *testing.F) {
	for _, s := range restSeeds() {
		f.Add(s)
		f.Add(s[:len(s)-len(s)/3])
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeRest(t, Codec{Version: 225}, payload)
		decodeRest(t, Codec{Version: VerProtoRest3}, payload)
	})
}

// TestRestProtoRequests reads each seed request as scmhub/ibapi sends it.
func TestRestProtoRequests(t *testing.T) {
	c := Codec{Version: VerProtoRest3}
	s := restSeeds()
	_, f, _ := c.Request(s[0])
	if id, err := c.StartAPI(f); err != nil || id != 7 {
		t.Errorf("StartAPI = %d, %v; want 7", id, err)
	}
	for _, i := range []int{3, 5} {
		_, f, _ = c.Request(s[i])
		if id, err := c.StartAPI(f); err == nil {
			t.Errorf("StartAPI(seed %d) = %d, want an error (no client id or invalid)", i, id)
		}
	}
	_, f, _ = c.Request(s[10])
	if r, err := c.ReqSecDefOptParams(f); err != nil || r != (SecDefOptParamsRequest{ReqID: 3, Symbol: "SPY", SecType: "STK", ConID: 756733}) || f.ReqID != 3 {
		t.Errorf("ReqSecDefOptParams = %+v, %v", r, err)
	}
	_, f, _ = c.Request(s[13])
	if id, p, err := c.ReqMatchingSymbols(f); err != nil || id != 5 || p != "SP" {
		t.Errorf("ReqMatchingSymbols = %d %q %v", id, p, err)
	}
	_, f, _ = c.Request(s[14])
	if id, b, err := c.ReqSmartComponents(f); err != nil || id != 6 || b != "9c0001" {
		t.Errorf("ReqSmartComponents = %d %q %v", id, b, err)
	}
	_, f, _ = c.Request(s[15])
	if id, err := c.ReqMarketRule(f); err != nil || id != 26 {
		t.Errorf("ReqMarketRule = %d %v", id, err)
	}
	_, f, _ = c.Request(s[19])
	if r, err := c.ReqUpdateConfig(f); err != nil || !r.GetResetAPIOrderSequence() || f.ReqID != 11 {
		t.Errorf("ReqUpdateConfig = %v %v", r, err)
	}
	// Text requests stay text below the gates.
	if _, err := (Codec{Version: 200}).ReqSoftDollarTiers(NewFields([]string{"4"})); err != nil {
		t.Errorf("text reqSoftDollarTiers: %v", err)
	}
}
