package ibsim

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// reqIDCall is one EClient call that carries a request id and what it must
// be answered with on that id.
type reqIDCall struct {
	call func(c *ibapi.EClient, id int64)
	// kind is the callback expected on the id ("Error" with code); ""
	// means the request is answered by nothing (a cancel of nothing),
	// which the test checks after a round trip.
	kind string
	code int64
	// tick: the answer comes with the next market step (5 s later).
	tick bool
}

func reqIDCalls() map[string]reqIDCall {
	spy := spyContract
	errOn := func(code int64, call func(c *ibapi.EClient, id int64)) reqIDCall {
		return reqIDCall{call: call, kind: "Error", code: code}
	}
	silent := func(call func(c *ibapi.EClient, id int64)) reqIDCall { return reqIDCall{call: call} }
	on := func(kind string, call func(c *ibapi.EClient, id int64)) reqIDCall {
		return reqIDCall{call: call, kind: kind}
	}
	return map[string]reqIDCall{
		// Served requests.
		"ReqMktData":         on("MarketDataType", func(c *ibapi.EClient, id int64) { c.ReqMktData(id, spy(), "", false, false, nil) }),
		"CancelMktData":      errOn(300, func(c *ibapi.EClient, id int64) { c.CancelMktData(id) }),
		"ReqMktDepth":        on("MktDepth", func(c *ibapi.EClient, id int64) { c.ReqMktDepth(id, spy(), 5, true, nil) }),
		"CancelMktDepth":     silent(func(c *ibapi.EClient, id int64) { c.CancelMktDepth(id, false) }),
		"ReqContractDetails": on("ContractDetails", func(c *ibapi.EClient, id int64) { c.ReqContractDetails(id, spy()) }),
		"ReqSecDefOptParams": on("SecDefOptParam", func(c *ibapi.EClient, id int64) { c.ReqSecDefOptParams(id, "SPY", "", "STK", spyConID) }),
		"ReqHistoricalData": on("HistoricalData", func(c *ibapi.EClient, id int64) {
			c.ReqHistoricalData(id, spy(), "", "1 D", "1 hour", "TRADES", true, 1, false, nil)
		}),
		"CancelHistoricalData": errOn(366, func(c *ibapi.EClient, id int64) { c.CancelHistoricalData(id) }),
		"ReqHeadTimeStamp":     on("HeadTimestamp", func(c *ibapi.EClient, id int64) { c.ReqHeadTimeStamp(id, spy(), "TRADES", true, 1) }),
		"CancelHeadTimeStamp":  silent(func(c *ibapi.EClient, id int64) { c.CancelHeadTimeStamp(id) }),
		"ReqExecutions":        on("ExecDetailsEnd", func(c *ibapi.EClient, id int64) { c.ReqExecutions(id, ibapi.NewExecutionFilter()) }),
		"ReqAccountSummary":    on("AccountSummary", func(c *ibapi.EClient, id int64) { c.ReqAccountSummary(id, "All", "NetLiquidation") }),
		"CancelAccountSummary": silent(func(c *ibapi.EClient, id int64) { c.CancelAccountSummary(id) }),
		"ReqPnL":               on("PnL", func(c *ibapi.EClient, id int64) { c.ReqPnL(id, DefaultAccount, "") }),
		"CancelPnL":            silent(func(c *ibapi.EClient, id int64) { c.CancelPnL(id) }),

		// Refused requests: an error on the id.
		"ReqSmartComponents":   on("SmartComponents", func(c *ibapi.EClient, id int64) { c.ReqSmartComponents(id, "9c0001") }),
		"ReqTickByTickData":    {call: func(c *ibapi.EClient, id int64) { c.ReqTickByTickData(id, spy(), "Last", 0, false) }, kind: "TickByTick", tick: true},
		"CancelTickByTickData": silent(func(c *ibapi.EClient, id int64) { c.CancelTickByTickData(id) }),
		"CalculateImpliedVolatility": on("TickOptionComputation", func(c *ibapi.EClient, id int64) {
			c.CalculateImpliedVolatility(id, option("SPY", "20260320", 600, "C", "SMART"), 5, 600, nil)
		}),
		"CancelCalculateImpliedVolatility": silent(func(c *ibapi.EClient, id int64) { c.CancelCalculateImpliedVolatility(id) }),
		"CalculateOptionPrice": on("TickOptionComputation", func(c *ibapi.EClient, id int64) {
			c.CalculateOptionPrice(id, option("SPY", "20260320", 600, "C", "SMART"), 0.2, 600, nil)
		}),
		"CancelCalculateOptionPrice": silent(func(c *ibapi.EClient, id int64) { c.CancelCalculateOptionPrice(id) }),
		"ExerciseOptions": errOn(321, func(c *ibapi.EClient, id int64) {
			c.ExerciseOptions(id, option("SPY", "20260320", 600, "C", "SMART"), 1, 1, DefaultAccount, 0, "", "", false)
		}),
		"ReqPositionsMulti":         on("PositionMultiEnd", func(c *ibapi.EClient, id int64) { c.ReqPositionsMulti(id, DefaultAccount, "") }),
		"CancelPositionsMulti":      silent(func(c *ibapi.EClient, id int64) { c.CancelPositionsMulti(id) }),
		"ReqAccountUpdatesMulti":    on("AccountUpdateMulti", func(c *ibapi.EClient, id int64) { c.ReqAccountUpdatesMulti(id, DefaultAccount, "", true) }),
		"CancelAccountUpdatesMulti": silent(func(c *ibapi.EClient, id int64) { c.CancelAccountUpdatesMulti(id) }),
		"ReqPnLSingle":              on("PnLSingle", func(c *ibapi.EClient, id int64) { c.ReqPnLSingle(id, DefaultAccount, "", spyConID) }),
		"CancelPnLSingle":           silent(func(c *ibapi.EClient, id int64) { c.CancelPnLSingle(id) }),
		"ReplaceFA":                 errOn(321, func(c *ibapi.EClient, id int64) { c.ReplaceFA(id, ibapi.GROUPS, "<ListOfGroups/>") }),
		"ReqHistogramData":          on("HistogramData", func(c *ibapi.EClient, id int64) { c.ReqHistogramData(id, spy(), true, "1 week") }),
		"CancelHistogramData":       silent(func(c *ibapi.EClient, id int64) { c.CancelHistogramData(id) }),
		"ReqHistoricalTicks": on("HistoricalTicksLast", func(c *ibapi.EClient, id int64) {
			c.ReqHistoricalTicks(id, spy(), "20260310 09:30:00 US/Eastern", "", 100, "TRADES", true, false, nil)
		}),
		"ReqScannerSubscription": on("ScannerData", func(c *ibapi.EClient, id int64) {
			sub := ibapi.NewScannerSubscription()
			sub.Instrument, sub.LocationCode, sub.ScanCode = "STK", "STK.US.MAJOR", "TOP_PERC_GAIN"
			c.ReqScannerSubscription(id, sub, nil, nil)
		}),
		"CancelScannerSubscription": silent(func(c *ibapi.EClient, id int64) { c.CancelScannerSubscription(id) }),
		"ReqRealTimeBars":           {call: func(c *ibapi.EClient, id int64) { c.ReqRealTimeBars(id, spy(), 5, "TRADES", true, nil) }, kind: "RealtimeBar", tick: true},
		"CancelRealTimeBars":        silent(func(c *ibapi.EClient, id int64) { c.CancelRealTimeBars(id) }),
		"ReqNewsArticle":            errOn(10172, func(c *ibapi.EClient, id int64) { c.ReqNewsArticle(id, "BRFG", "BRFG$1", nil) }),
		"ReqHistoricalNews": on("HistoricalNews", func(c *ibapi.EClient, id int64) {
			c.ReqHistoricalNews(id, spyConID, "BRFG", "", "", 10, nil)
		}),
		"QueryDisplayGroups":         errOn(321, func(c *ibapi.EClient, id int64) { c.QueryDisplayGroups(id) }),
		"SubscribeToGroupEvents":     errOn(321, func(c *ibapi.EClient, id int64) { c.SubscribeToGroupEvents(id, 1) }),
		"UpdateDisplayGroup":         errOn(321, func(c *ibapi.EClient, id int64) { c.UpdateDisplayGroup(id, "8314@SMART") }),
		"UnsubscribeFromGroupEvents": silent(func(c *ibapi.EClient, id int64) { c.UnsubscribeFromGroupEvents(id) }),
		"ReqSoftDollarTiers":         on("SoftDollarTiers", func(c *ibapi.EClient, id int64) { c.ReqSoftDollarTiers(id) }),
		"ReqMatchingSymbols":         on("SymbolSamples", func(c *ibapi.EClient, id int64) { c.ReqMatchingSymbols(id, "SP") }),
		"ReqWshMetaData":             errOn(10276, func(c *ibapi.EClient, id int64) { c.ReqWshMetaData(id) }),
		"CancelWshMetaData":          silent(func(c *ibapi.EClient, id int64) { c.CancelWshMetaData(id) }),
		"ReqWshEventData": errOn(10276, func(c *ibapi.EClient, id int64) {
			w := ibapi.NewWshEventData()
			w.ConID = spyConID
			c.ReqWshEventData(id, w)
		}),
		"CancelWshEventData": silent(func(c *ibapi.EClient, id int64) { c.CancelWshEventData(id) }),
		"ReqUserInfo":        on("UserInfo", func(c *ibapi.EClient, id int64) { c.ReqUserInfo(id) }),
		// Protobuf-only cancels from version 215: the client refuses them
		// itself (503) below that, on the id.
		"CancelContractData":    errOn(503, func(c *ibapi.EClient, id int64) { c.CancelContractData(id) }),
		"CancelHistoricalTicks": errOn(503, func(c *ibapi.EClient, id int64) { c.CancelHistoricalTicks(id) }),
	}
}

// reqIDVersions are the versions TestEveryReqIDAnsweredOnItsID runs at:
// older clients', the last text version, and every protobuf gate.
var reqIDVersions = []int{176, 200, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 215, HighestServerVersion}

// notReqID are the EClient methods whose first int64 is not a request id.
var notReqID = map[string]string{
	"ReqIDs":            "numIds",
	"ReqMarketDataType": "marketDataType",
	"ReqMarketRule":     "marketRuleId, answered by marketRule or on -1",
	"SetServerLogLevel": "logLevel",
	"RequestFA":         "faDataType",
	"PlaceOrder":        "order id, tested by the order tests",
	"CancelOrder":       "order id, tested by the order tests",
}

// TestReqIDTableCoversEClient makes sure reqIDCalls has a row for every
// EClient method that takes a request id.
func TestReqIDTableCoversEClient(t *testing.T) {
	calls := reqIDCalls()
	typ := reflect.TypeOf(&ibapi.EClient{})
	var missing []string
	methods := map[string]bool{}
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		methods[m.Name] = true
		if m.Type.NumIn() < 2 || m.Type.In(1).Kind() != reflect.Int64 {
			continue
		}
		if _, ok := notReqID[m.Name]; ok {
			continue
		}
		if _, ok := calls[m.Name]; !ok {
			missing = append(missing, m.Name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("EClient methods with a request id missing from reqIDCalls: %s", strings.Join(missing, ", "))
	}
	for name := range calls {
		if !methods[name] {
			t.Errorf("reqIDCalls row %s is not an EClient method", name)
		}
	}
	for name := range notReqID {
		if !methods[name] {
			t.Errorf("notReqID row %s is not an EClient method", name)
		}
	}
}

// TestEveryReqIDAnsweredOnItsID calls every EClient request that carries a
// request id and checks the answer arrives on that id, and that nothing is
// answered on -1 or with error 320.
func TestEveryReqIDAnsweredOnItsID(t *testing.T) {
	calls := reqIDCalls()
	names := make([]string, 0, len(calls))
	for n := range calls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, v := range reqIDVersions {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) { checkReqIDs(t, v, calls, names) })
	}
}

// checkReqIDs makes the calls names of calls at version v, each on its
// own request id, and checks the first answer arrives on that id and
// nothing is answered on -1 or with error 320.
func checkReqIDs(t *testing.T, v int, calls map[string]reqIDCall, names []string) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v, Limits: Limits{MaxMsgRate: 1000}})
	c, r := dial(t, s, 1)
	for i, name := range names {
		call := calls[name]
		if v >= wire.VerCancelContractData && (name == "CancelContractData" || name == "CancelHistoricalTicks") {
			call.kind = "" // sent from 215 (as protobuf), and answered by nothing
		}
		id := int64(1000 + i)
		from := len(r.all())
		call.call(c, id)
		if call.tick {
			ordSync(t, c, r)
			clk.Advance(5 * time.Second)
			s.Tick()
		}
		if call.kind != "" {
			e, _ := r.wait(t, from, fmt.Sprintf("%s on %d", name, id), func(e ev) bool { return e.ReqID == id && e.Kind != "Proto" })
			if e.Kind != call.kind || (call.kind == "Error" && e.Code != call.code) {
				t.Errorf("%s: first answer on %d = %s %d %q, want %s %d", name, id, e.Kind, e.Code, e.Msg, call.kind, call.code)
			}
		}
		// A round trip: everything the request caused has arrived.
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
}
