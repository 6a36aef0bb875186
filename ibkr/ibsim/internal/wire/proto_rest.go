package wire

import (
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// The last protobuf families (MIN_SERVER_VER_PROTOBUF_REST_MESSAGES_2 and
// _3): from version 212 the contract-free reference requests (option
// parameters, soft dollar tiers, family codes, symbol search, SMART
// components, market rules, user info) and from 213 the session requests
// (startApi, reqIds, the current time, the server log level, API
// verification and display groups) are sent as protobuf only, and a
// Gateway answers them with protobuf.
const (
	VerProtoRest2 = 212 // REQ_SEC_DEF_OPT_PARAMS ... REQ_USER_INFO
	VerProtoRest3 = 213 // START_API, REQ_IDS, REQ_CURRENT_TIME(_IN_MILLIS), ...
	VerConfig     = 219 // reqConfig -> configResponse (protobuf only)
	VerUpdConfig  = 221 // updateConfig -> updateConfigResponse (protobuf only)
)

// protoFieldError is a protobuf request field the simulator cannot use,
// left in f.Err as a text request's bad field is.
func protoFieldError(f *Fields, name, value, want string) error {
	f.Err = &FieldError{Index: -1, Name: name, Value: value, Want: want}
	return f.Err
}

// startAPIProto reads a StartApiRequest: clientId (required: a Gateway
// cannot bind a connection without one) and optionalCapabilities.
func startAPIProto(f *Fields) (int64, error) {
	var r protobuf.StartApiRequest
	if err := f.unmarshal("StartApiRequest", &r); err != nil {
		return 0, err
	}
	if r.ClientId == nil {
		return 0, protoFieldError(f, "clientId", "unset", "a client id")
	}
	return int64(r.GetClientId()), nil
}

// idsProto reads an IdsRequest (numIds, which the Gateway ignores).
func idsProto(f *Fields) error {
	var r protobuf.IdsRequest
	return f.unmarshal("IdsRequest", &r)
}

// secDefOptParamsProto reads a SecDefOptParamsRequest.
func secDefOptParamsProto(f *Fields) (SecDefOptParamsRequest, error) {
	var r protobuf.SecDefOptParamsRequest
	if err := f.unmarshalReq("SecDefOptParamsRequest", &r); err != nil {
		return SecDefOptParamsRequest{}, err
	}
	f.ReqID = int64(r.GetReqId())
	return SecDefOptParamsRequest{
		ReqID:          f.ReqID,
		Symbol:         strings.ToUpper(strings.TrimSpace(r.GetUnderlyingSymbol())),
		FutFopExchange: strings.ToUpper(strings.TrimSpace(r.GetFutFopExchange())),
		SecType:        strings.ToUpper(strings.TrimSpace(r.GetUnderlyingSecType())),
		ConID:          int64(r.GetUnderlyingConId()),
	}, nil
}

// matchingSymbolsProto reads a MatchingSymbolsRequest.
func matchingSymbolsProto(f *Fields) (int64, string, error) {
	var r protobuf.MatchingSymbolsRequest
	if err := f.unmarshalReq("MatchingSymbolsRequest", &r); err != nil {
		return 0, "", err
	}
	f.ReqID = int64(r.GetReqId())
	return f.ReqID, r.GetPattern(), nil
}

// smartComponentsProto reads a SmartComponentsRequest.
func smartComponentsProto(f *Fields) (int64, string, error) {
	var r protobuf.SmartComponentsRequest
	if err := f.unmarshalReq("SmartComponentsRequest", &r); err != nil {
		return 0, "", err
	}
	f.ReqID = int64(r.GetReqId())
	return f.ReqID, r.GetBboExchange(), nil
}

// marketRuleProto reads a MarketRuleRequest.
func marketRuleProto(f *Fields) (int64, error) {
	var r protobuf.MarketRuleRequest
	if err := f.unmarshal("MarketRuleRequest", &r); err != nil {
		return 0, err
	}
	return int64(r.GetMarketRuleId()), nil
}

// ReqSoftDollarTiers reads reqSoftDollarTiers (79): [1]reqId; a
// SoftDollarTiersRequest from version 212.
func (c Codec) ReqSoftDollarTiers(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		var r protobuf.SoftDollarTiersRequest
		if err := f.unmarshalReq("SoftDollarTiersRequest", &r); err != nil {
			return 0, err
		}
		f.ReqID = int64(r.GetReqId())
		return f.ReqID, nil
	}
	reqID = f.Int("reqId")
	f.ReqID = reqID
	return reqID, f.Err
}

// ReqFamilyCodes reads reqFamilyCodes (80): no fields; a
// FamilyCodesRequest from version 212.
func (c Codec) ReqFamilyCodes(f *Fields) error {
	if f.IsProto {
		var r protobuf.FamilyCodesRequest
		return f.unmarshal("FamilyCodesRequest", &r)
	}
	return f.Err
}

// ReqUserInfo reads reqUserInfo (104): [1]reqId; a UserInfoRequest from
// version 212.
func (c Codec) ReqUserInfo(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		var r protobuf.UserInfoRequest
		if err := f.unmarshalReq("UserInfoRequest", &r); err != nil {
			return 0, err
		}
		f.ReqID = int64(r.GetReqId())
		return f.ReqID, nil
	}
	reqID = f.Int("reqId")
	f.ReqID = reqID
	return reqID, f.Err
}

// SetServerLogLevel reads setServerLogLevel (14): [1]version [2]logLevel;
// a SetServerLogLevelRequest from version 213.
func (c Codec) SetServerLogLevel(f *Fields) (level int64, err error) {
	if f.IsProto {
		var r protobuf.SetServerLogLevelRequest
		if err := f.unmarshal("SetServerLogLevelRequest", &r); err != nil {
			return 0, err
		}
		return int64(r.GetLogLevel()), nil
	}
	f.Int("version")
	level = f.Int("logLevel")
	return level, f.Err
}

// ReqConfig reads a ConfigRequest (108, protobuf only, version 219).
func (c Codec) ReqConfig(f *Fields) (reqID int64, err error) {
	if !f.IsProto {
		return 0, protoFieldError(f, "reqConfig", "text", "a ConfigRequest")
	}
	var r protobuf.ConfigRequest
	if err := f.unmarshalReq("ConfigRequest", &r); err != nil {
		return 0, err
	}
	f.ReqID = int64(r.GetReqId())
	return f.ReqID, nil
}

// ReqUpdateConfig reads an UpdateConfigRequest (109, protobuf only,
// version 221).
func (c Codec) ReqUpdateConfig(f *Fields) (*protobuf.UpdateConfigRequest, error) {
	if !f.IsProto {
		return nil, protoFieldError(f, "updateConfig", "text", "an UpdateConfigRequest")
	}
	var r protobuf.UpdateConfigRequest
	if err := f.unmarshalReq("UpdateConfigRequest", &r); err != nil {
		return nil, err
	}
	f.ReqID = int64(r.GetReqId())
	return &r, nil
}

// Replies.

func protoSecDefOptParam(reqID int64, exchange string, underConID int64, tradingClass, multiplier string, expirations []string, strikes []float64) []byte {
	p := &protobuf.SecDefOptParameter{
		ReqId:           pI32(reqID),
		Exchange:        pStr(exchange),
		UnderlyingConId: pI32(underConID),
		TradingClass:    pStr(tradingClass),
		Multiplier:      pStr(multiplier),
		Expirations:     append([]string(nil), expirations...),
		Strikes:         append([]float64(nil), strikes...),
	}
	return protoFrame(ibapi.SECURITY_DEFINITION_OPTION_PARAMETER, p)
}

func protoSymbolSamples(reqID int64, ss []market.SymbolSample) []byte {
	p := &protobuf.SymbolSamples{ReqId: pI32(reqID)}
	for _, s := range ss {
		p.ContractDescriptions = append(p.ContractDescriptions, &protobuf.ContractDescription{
			Contract: &protobuf.Contract{
				ConId:       pI32(s.ConID),
				Symbol:      pStr(s.Symbol),
				SecType:     pStr(s.SecType),
				Strike:      pF64(0), // as contractData: the client reads an absent strike as its unset marker
				PrimaryExch: pStrNE(s.PrimaryExch),
				Currency:    pStr(s.Currency),
				Description: pStrNE(s.Description),
			},
			DerivativeSecTypes: append([]string(nil), s.DerivSecTypes...),
		})
	}
	return protoFrame(ibapi.SYMBOL_SAMPLES, p)
}

func protoSmartComponents(reqID int64, cs []market.SmartComponent) []byte {
	p := &protobuf.SmartComponents{ReqId: pI32(reqID)}
	for _, x := range cs {
		p.SmartComponents = append(p.SmartComponents, &protobuf.SmartComponent{
			BitNumber:      pI32(x.Bit),
			Exchange:       pStr(x.Exchange),
			ExchangeLetter: pStr(x.ExchangeLetter),
		})
	}
	return protoFrame(ibapi.SMART_COMPONENTS, p)
}

func protoMarketRule(id int64, rungs []market.Rung) []byte {
	p := &protobuf.MarketRule{MarketRuleId: pI32(id)}
	for _, g := range rungs {
		p.PriceIncrements = append(p.PriceIncrements, &protobuf.PriceIncrement{LowEdge: pF64(g.LowEdge), Increment: pF64(g.Increment)})
	}
	return protoFrame(ibapi.MARKET_RULE, p)
}

// SoftDollarTier is one soft dollar tier of softDollarTiers.
type SoftDollarTier struct{ Name, Value, DisplayName string }

// SoftDollarTiers builds softDollarTiers (77): [1]reqId [2]count, then
// name, value and displayName of each; protobuf from version 212.
func (c Codec) SoftDollarTiers(reqID int64, tiers []SoftDollarTier) []byte {
	if c.Version >= VerProtoRest2 {
		p := &protobuf.SoftDollarTiers{ReqId: pI32(reqID)}
		for _, t := range tiers {
			p.SoftDollarTiers = append(p.SoftDollarTiers, &protobuf.SoftDollarTier{Name: pStr(t.Name), Value: pStr(t.Value), DisplayName: pStr(t.DisplayName)})
		}
		return protoFrame(ibapi.SOFT_DOLLAR_TIERS, p)
	}
	m := NewMsg(ibapi.SOFT_DOLLAR_TIERS).Int(reqID).Int(int64(len(tiers)))
	for _, t := range tiers {
		m.Str(t.Name).Str(t.Value).Str(t.DisplayName)
	}
	return finish(c.Version, m)
}

// FamilyCode is one account's family code.
type FamilyCode struct{ AccountID, Code string }

// FamilyCodes builds familyCodes (78): [1]count, then accountId and
// familyCode of each; protobuf from version 212.
func (c Codec) FamilyCodes(codes []FamilyCode) []byte {
	if c.Version >= VerProtoRest2 {
		p := &protobuf.FamilyCodes{}
		for _, x := range codes {
			p.FamilyCodes = append(p.FamilyCodes, &protobuf.FamilyCode{AccountId: pStr(x.AccountID), FamilyCode: pStr(x.Code)})
		}
		return protoFrame(ibapi.FAMILY_CODES, p)
	}
	m := NewMsg(ibapi.FAMILY_CODES).Int(int64(len(codes)))
	for _, x := range codes {
		m.Str(x.AccountID).Str(x.Code)
	}
	return finish(c.Version, m)
}

// UserInfo builds userInfo (107): [1]reqId [2]whiteBrandingId; protobuf
// from version 212.
func (c Codec) UserInfo(reqID int64, whiteBrandingID string) []byte {
	if c.Version >= VerProtoRest2 {
		return protoFrame(ibapi.USER_INFO, &protobuf.UserInfo{ReqId: pI32(reqID), WhiteBrandingId: pStr(whiteBrandingID)})
	}
	return finish(c.Version, NewMsg(ibapi.USER_INFO).Int(reqID).Str(whiteBrandingID))
}

// ConfigResponse builds configResponse (110, protobuf only).
func (c Codec) ConfigResponse(p *protobuf.ConfigResponse) []byte {
	return protoFrame(ibapi.CONFIG_RESPONSE, p)
}

// UpdateConfigResponse builds updateConfigResponse (111, protobuf only).
func (c Codec) UpdateConfigResponse(p *protobuf.UpdateConfigResponse) []byte {
	return protoFrame(ibapi.UPDATE_CONFIG_RESPONSE, p)
}
