package ibsim

import (
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The small account-level requests a paper Gateway answers (soft dollar
// tiers, family codes, user info, the server log level) and the Gateway's
// API configuration (reqConfig and updateConfig, protobuf only, versions
// 219 and 221).

// handleReqSoftDollarTiers: reqSoftDollarTiers (79): [1]reqId; answers
// softDollarTiers (77) with no tiers, as a paper account without soft
// dollar arrangements gets.
func handleReqSoftDollarTiers(c *client, f *wire.Fields) error {
	reqID, err := c.codec.ReqSoftDollarTiers(f)
	if err != nil {
		return err
	}
	c.send(c.codec.SoftDollarTiers(reqID, nil))
	return nil
}

// handleReqFamilyCodes: reqFamilyCodes (80): no fields; answers
// familyCodes (78) with the account's code. An account that is not part of
// a family has its account id with "A" appended as its family code.
func handleReqFamilyCodes(c *client, f *wire.Fields) error {
	if err := c.codec.ReqFamilyCodes(f); err != nil {
		return err
	}
	acct := c.srv.cfg.Account
	c.send(c.codec.FamilyCodes([]wire.FamilyCode{{AccountID: acct, Code: acct + "A"}}))
	return nil
}

// handleReqUserInfo: reqUserInfo (104): [1]reqId; answers userInfo (107)
// with an empty white branding id (an IB-branded login).
func handleReqUserInfo(c *client, f *wire.Fields) error {
	reqID, err := c.codec.ReqUserInfo(f)
	if err != nil {
		return err
	}
	c.send(c.codec.UserInfo(reqID, ""))
	return nil
}

// handleSetServerLogLevel: setServerLogLevel (14): [1]version
// [2]logLevel (1 system .. 5 detail). The Gateway changes its own log and
// answers nothing.
func handleSetServerLogLevel(c *client, f *wire.Fields) error {
	level, err := c.codec.SetServerLogLevel(f)
	if err != nil {
		return err
	}
	c.log.Debug("ibsim setServerLogLevel", "level", level)
	return nil
}

// apiConfig is the Gateway's API configuration as reqConfig reports it and
// updateConfig changes it: one per server, shared by its clients.
type apiConfig struct {
	mu  sync.Mutex
	cfg *protobuf.ConfigResponse // without reqId; nil until first used
}

// current returns a copy of the configuration, built on first use.
func (a *apiConfig) current(s *Server) *protobuf.ConfigResponse {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfg == nil {
		a.cfg = defaultAPIConfig(s)
	}
	return proto.Clone(a.cfg).(*protobuf.ConfigResponse)
}

// defaultAPIConfig is a small configuration of a paper Gateway: API
// settings that match the simulator (read-write, open orders downloaded
// on connection, localhost only, its socket port), the auto-logoff and
// smart routing defaults, and no message confirmations.
func defaultAPIConfig(s *Server) *protobuf.ConfigResponse {
	port := int64(0)
	if _, p, err := net.SplitHostPort(s.Addr()); err == nil {
		port, _ = strconv.ParseInt(p, 10, 32)
	}
	b := func(v bool) *bool { return &v }
	str := func(v string) *string { return &v }
	i32 := func(v int64) *int32 { x := int32(v); return &x }
	return &protobuf.ConfigResponse{
		LockAndExit: &protobuf.LockAndExitConfig{
			AutoLogoffTime:   str("11:45 PM"),
			AutoLogoffPeriod: str("AM"),
			AutoLogoffType:   str("Auto-logoff"),
		},
		Api: &protobuf.ApiConfig{
			Precautions: &protobuf.ApiPrecautionsConfig{
				BypassOrderPrecautions:            b(false),
				BypassBondWarning:                 b(false),
				BypassNegativeYieldConfirmation:   b(false),
				BypassCalledBondWarning:           b(false),
				BypassSameActionPairTradeWarning:  b(false),
				BypassFlaggedAccountsWarning:      b(false),
				BypassPriceBasedVolatilityWarning: b(false),
				BypassRedirectOrderWarning:        b(false),
				BypassNoOverfillProtection:        b(false),
				BypassRouteMarketableToBBO:        b(false),
			},
			Settings: &protobuf.ApiSettingsConfig{
				ReadOnlyApi:                          b(false),
				DownloadOpenOrdersOnConnection:       b(true),
				IncludeVirtualFxPositions:            b(false),
				PrepareDailyPnL:                      b(true),
				EncodeApiMessages:                    str("UTF-8"),
				SocketPort:                           i32(port),
				UseNegativeAutoRange:                 b(false),
				CreateApiMessageLogFile:              b(false),
				ExposeTradingScheduleToApi:           b(false),
				LoggingLevel:                         str("Error"),
				MasterClientId:                       i32(-1),
				BulkDataTimeout:                      i32(60),
				RejectMessagesAboveMaxRate:           b(true),
				MaintainConnectionOnIncorrectFields:  b(true),
				MaintainAndResubmitOrdersOnReconnect: b(true),
				AllowLocalhostOnly:                   b(true),
			},
		},
		Orders: &protobuf.OrdersConfig{
			SmartRouting: &protobuf.OrdersSmartRoutingConfig{
				SeekPriceImprovement:  b(false),
				PreOpenReroute:        b(false),
				DoNotRouteToDarkPools: b(false),
				DefaultAlgorithm:      str(""),
			},
		},
	}
}

// handleReqConfig: reqConfig (108, a ConfigRequest, version 219 and
// later); answers configResponse (110) on its request id.
func handleReqConfig(c *client, f *wire.Fields) error {
	if c.version < wire.VerConfig {
		return notAtVersion(c, ibapi.REQ_CONFIG)
	}
	reqID, err := c.codec.ReqConfig(f)
	if err != nil {
		return err
	}
	r := c.srv.apiCfg.current(c.srv)
	r.ReqId = protoI32(reqID)
	c.send(c.codec.ConfigResponse(r))
	return nil
}

// handleUpdateConfig: updateConfig (109, an UpdateConfigRequest, version
// 221 and later); answers updateConfigResponse (111) on its request id:
// status SUCCESS and the fields that changed, or FAILED and the errors
// for a setting the simulator cannot honour (the socket port and trusted
// IPs of a running server, a read-only API, resetting the API order id
// sequence), in which case nothing changes. The other settings are kept
// and reported by reqConfig but do not change what the simulator does.
func handleUpdateConfig(c *client, f *wire.Fields) error {
	if c.version < wire.VerUpdConfig {
		return notAtVersion(c, ibapi.UPDATE_CONFIG)
	}
	req, err := c.codec.ReqUpdateConfig(f)
	if err != nil {
		return err
	}
	resp := &protobuf.UpdateConfigResponse{ReqId: protoI32(f.ReqID)}
	var errs []string
	if st := req.GetApi().GetSettings(); st != nil {
		if st.SocketPort != nil {
			errs = append(errs, "api.settings.socketPort: the socket port of a running Gateway cannot be changed through the API")
		}
		if st.GetReadOnlyApi() {
			errs = append(errs, "api.settings.readOnlyApi: the simulator's API cannot be made read-only")
		}
		if len(st.TrustedIPs) > 0 {
			errs = append(errs, "api.settings.trustedIPs: trusted IPs cannot be changed through the API")
		}
	}
	if req.GetResetAPIOrderSequence() {
		errs = append(errs, "resetAPIOrderSequence: the order id sequence cannot be reset while clients are connected")
	}
	if len(errs) > 0 {
		resp.Status = protoStr("FAILED")
		resp.Message = protoStr("Configuration not updated.")
		resp.Errors = errs
		c.send(c.codec.UpdateConfigResponse(resp))
		return nil
	}
	a := &c.srv.apiCfg
	a.mu.Lock()
	if a.cfg == nil {
		a.cfg = defaultAPIConfig(c.srv)
	}
	var changed []string
	for _, part := range []struct {
		name     string
		dst, src proto.Message
	}{
		{"lockAndExit", a.cfg.LockAndExit, req.LockAndExit},
		{"api.precautions", a.cfg.Api.Precautions, req.GetApi().GetPrecautions()},
		{"api.settings", a.cfg.Api.Settings, req.GetApi().GetSettings()},
		{"orders.smartRouting", a.cfg.Orders.SmartRouting, req.GetOrders().GetSmartRouting()},
	} {
		if part.src == nil || !part.src.ProtoReflect().IsValid() {
			continue
		}
		changed = append(changed, changedFields(part.name, part.dst, part.src)...)
		proto.Merge(part.dst, part.src)
	}
	for _, m := range req.Messages {
		if m.Id == nil {
			continue
		}
		found := false
		for _, have := range a.cfg.Messages {
			if have.GetId() == m.GetId() {
				proto.Merge(have, m)
				found = true
			}
		}
		if !found {
			a.cfg.Messages = append(a.cfg.Messages, proto.Clone(m).(*protobuf.MessageConfig))
		}
		changed = append(changed, "messages."+strconv.Itoa(int(m.GetId())))
	}
	a.mu.Unlock()
	resp.Status = protoStr("SUCCESS")
	resp.Message = protoStr("Configuration updated.")
	resp.ChangedFields = changed
	c.send(c.codec.UpdateConfigResponse(resp))
	return nil
}

// changedFields names the fields set in src whose value differs from
// dst's, as prefix.field.
func changedFields(prefix string, dst, src proto.Message) []string {
	var out []string
	d := dst.ProtoReflect()
	src.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if !d.Has(fd) || !d.Get(fd).Equal(v) {
			out = append(out, prefix+"."+string(fd.Name()))
		}
		return true
	})
	return out
}

// notAtVersion answers a request that does not exist at the negotiated
// version as an unknown message: error 320 on -1.
func notAtVersion(c *client, id int64) error {
	c.sendError(-1, 320, fmt.Sprintf("Error reading request. Message id %d is not supported at server version %d.", id, c.version))
	return nil
}

func protoI32(v int64) *int32   { x := int32(v); return &x }
func protoStr(s string) *string { return &s }
