package ibsim

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// mdFamily are the requests with a request id of the protobuf market data
// family (version 206).
var mdFamily = []string{"ReqMktData", "CancelMktData", "ReqMktDepth", "CancelMktDepth"}

// TestMarketDataReqIDsProtobuf: every request of the family is answered on
// its request id at the protobuf gate and at 212, as reqids_test.go checks
// every request at the text versions (the other families' requests are
// left out: they go protobuf at their own gates).
func TestMarketDataReqIDsProtobuf(t *testing.T) {
	calls := reqIDCalls()
	for _, v := range []int{wire.VerProtoMarketData, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v})
			c, r, p := dialProto(t, s, 1)
			for i, name := range mdFamily {
				call := calls[name]
				id := int64(2000 + i)
				from := len(r.all())
				call.call(c, id)
				if call.kind != "" {
					e, _ := r.wait(t, from, fmt.Sprintf("%s on %d", name, id), func(e ev) bool { return e.ReqID == id })
					if e.Kind != call.kind || (call.kind == "Error" && e.Code != call.code) {
						t.Errorf("%s: first answer on %d = %s %d %q, want %s %d", name, id, e.Kind, e.Code, e.Msg, call.kind, call.code)
					}
				}
				roundTrip(t, c, r)
				for _, e := range r.all()[from:] {
					if e.Kind == "Error" && (e.Code == 320 || e.ReqID == -1) {
						t.Errorf("%s: %v", name, e)
					}
					if call.kind == "" && e.ReqID == id {
						t.Errorf("%s: answered %v, want nothing", name, e)
					}
				}
			}
			if p.n.Load() == 0 {
				t.Error("no protobuf market data message decoded")
			}
		})
	}
}

// mdScript runs the same market data requests at version v and returns
// what the client decoded, errors by code only (their times differ).
func mdScript(t *testing.T, v int, delayed bool) ([]ev, int64) {
	t.Helper()
	clk := NewVirtualClock(mdAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v, Delayed: delayed, SnapshotEndDelay: time.Millisecond})
	c, r, p := dialProto(t, s, 1)
	if delayed {
		c.ReqMarketDataType(3)
	}
	opt := option("SPY", "20260320", 600, "C", "SMART")
	c.ReqMktData(1, spyContract(), "100,101,106,236,411", false, false, nil)
	c.ReqMktData(2, opt, "", false, false, nil)
	c.ReqMktData(3, spyContract(), "", true, false, nil)
	r.waitKind(t, "TickSnapshotEnd", 3)
	c.ReqMktData(1, spyContract(), "", false, false, nil) // duplicate: 322
	c.ReqMktData(4, spyContract(), "104", false, false, nil)
	roundTrip(t, c, r)
	for range 5 {
		clk.Advance(5 * time.Second)
		s.Tick()
	}
	roundTrip(t, c, r)
	c.CancelMktData(2)
	c.CancelMktData(99) // 300
	roundTrip(t, c, r)
	clk.Advance(5 * time.Second)
	s.Tick()
	roundTrip(t, c, r)
	var out []ev
	for _, e := range r.all() {
		switch e.Kind {
		case "CurrentTime", "NextValidID", "ManagedAccounts":
			continue
		case "Error":
			e.Data, e.Msg = nil, ""
		}
		out = append(out, e)
	}
	return out, p.n.Load()
}

// TestMktDataProtobufConformance: at 206 and 212 the raw scmhub client
// decodes, callback by callback, what it decodes from the text layouts of
// version 200: streaming ticks with generic ticks, option computations,
// a snapshot and its end, the errors on the request ids, and cancels.
func TestMktDataProtobufConformance(t *testing.T) {
	for _, delayed := range []bool{false, true} {
		want, n := mdScript(t, 200, delayed)
		if n != 0 {
			t.Fatalf("text version decoded %d protobuf messages", n)
		}
		kinds := map[string]bool{}
		for _, e := range want {
			kinds[e.Kind] = true
		}
		for _, k := range []string{"MarketDataType", "TickReqParams", "TickPrice", "TickSize", "TickString", "TickGeneric", "TickOptionComputation", "TickSnapshotEnd", "Error"} {
			if !kinds[k] {
				t.Errorf("delayed=%v: the script produced no %s", delayed, k)
			}
		}
		for _, v := range []int{wire.VerProtoMarketData, 212} {
			got, n := mdScript(t, v, delayed)
			if n == 0 {
				t.Errorf("v%d: no protobuf message decoded", v)
			}
			// The market step serves subscriptions in no fixed order: the
			// callbacks are compared request id by request id.
			g, w := byReqID(got), byReqID(want)
			for id := range w {
				if !reflect.DeepEqual(g[id], w[id]) {
					t.Errorf("v%d delayed=%v req %d: %d callbacks differ from version 200's %d", v, delayed, id, len(g[id]), len(w[id]))
					for i := range min(len(g[id]), len(w[id])) {
						if !reflect.DeepEqual(g[id][i], w[id][i]) {
							t.Errorf("first difference at %d: %v, want %v", i, g[id][i], w[id][i])
							break
						}
					}
				}
			}
			if len(g) != len(w) {
				t.Errorf("v%d: callbacks on %d ids, want %d", v, len(g), len(w))
			}
		}
	}
}

// TestMktDataProtoMarketDataType: reqMarketDataType as protobuf sets the
// type, and an invalid one is refused on -1 (10092), as in text.
func TestMktDataProtoMarketDataType(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt), TickInterval: time.Hour, MaxServerVersion: wire.VerProtoMarketData})
	c, r := dial(t, s, 1)
	c.ReqMarketDataType(7)
	r.waitError(t, -1, 10092)
	c.ReqMarketDataType(2)
	c.ReqMktData(1, spyContract(), "", false, false, nil)
	if got := r.waitKind(t, "MarketDataType", 1).Data.(int64); got != 1 {
		t.Errorf("open market under type 2: served %d, want 1 (frozen only while closed)", got)
	}
	if tp := r.waitKind(t, "TickReqParams", 1).Data.(reqParams); tp.MinTick != 0.01 || tp.BBO != "9c0001" || tp.Permissions != 3 {
		t.Errorf("tickReqParams = %+v", tp)
	}
}

func byReqID(es []ev) map[int64][]ev {
	m := map[int64][]ev{}
	for _, e := range es {
		if e.Kind == "Proto" {
			continue // a marker that a message came as protobuf, not a callback of the text twin
		}
		m[e.ReqID] = append(m[e.ReqID], e)
	}
	return m
}
