package ibsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// reviewPlace sends a raw protobuf placeOrder of a resting SPY limit
// order, changed by set, and returns the first openOrder's order or the
// error code on the order id.
func reviewPlace(t *testing.T, v int, set func(*protobuf.PlaceOrderRequest)) (*protobuf.Order, int32) {
	t.Helper()
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v})
	nc, br := reviewRawSession(t, s, v, 1)
	req := &protobuf.PlaceOrderRequest{
		OrderId:  proto.Int32(7),
		Contract: reviewSPYProto("SMART"),
		Order: &protobuf.Order{
			Action: proto.String("BUY"), TotalQuantity: proto.String("10"), OrderType: proto.String("LMT"),
			LmtPrice: proto.Float64(500), Tif: proto.String("DAY"), Transmit: proto.Bool(true),
		},
	}
	set(req)
	reviewWrite(t, nc, rawProtoFrame(t, ibapi.PLACE_ORDER, req))
	for {
		_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
		id, body := readRawFrame(t, br)
		switch id {
		case ibapi.OPEN_ORDER + 200:
			var oo protobuf.OpenOrder
			if err := proto.Unmarshal(body, &oo); err != nil {
				t.Fatal(err)
			}
			return oo.GetOrder(), 0
		case ibapi.ERR_MSG + 200:
			var em protobuf.ErrorMessage
			if err := proto.Unmarshal(body, &em); err != nil {
				t.Fatal(err)
			}
			if em.GetId() == 7 {
				return nil, em.GetErrorCode()
			}
			t.Fatalf("error %v", &em)
		}
	}
}

// TestReviewOrderParamGates: each field of 216..223 is read only from its
// version (docs/simulator.md, "Versions and protobuf"): one version below
// its gate a field the simulator refuses is not read (the order rests) and
// a field it echoes is not echoed; at its gate the refused ones get 321 and
// the echoed ones are echoed.
func TestReviewOrderParamGates(t *testing.T) {
	type tc struct {
		name   string
		gate   int
		set    func(*protobuf.PlaceOrderRequest)
		refuse bool
		echoed func(*protobuf.Order) bool
	}
	cases := []tc{
		{"deactivate", 216, func(r *protobuf.PlaceOrderRequest) { r.Order.Deactivate = proto.Bool(true) }, true, nil},
		{"postOnly", 216, func(r *protobuf.PlaceOrderRequest) { r.Order.PostOnly = proto.Bool(true) }, true, nil},
		{"allowPreOpen", 216, func(r *protobuf.PlaceOrderRequest) { r.Order.AllowPreOpen = proto.Bool(true) }, false,
			func(o *protobuf.Order) bool { return o.GetAllowPreOpen() }},
		{"ignoreOpenAuction", 216, func(r *protobuf.PlaceOrderRequest) { r.Order.IgnoreOpenAuction = proto.Bool(true) }, false,
			func(o *protobuf.Order) bool { return o.GetIgnoreOpenAuction() }},
		{"routeMarketableToBbo", 217, func(r *protobuf.PlaceOrderRequest) { r.Order.RouteMarketableToBbo = proto.Int32(1) }, false,
			func(o *protobuf.Order) bool { return o.RouteMarketableToBbo != nil }},
		{"seekPriceImprovement", 217, func(r *protobuf.PlaceOrderRequest) { r.Order.SeekPriceImprovement = proto.Int32(0) }, false,
			func(o *protobuf.Order) bool { return o.SeekPriceImprovement != nil }},
		{"whatIfType without whatIf", 217, func(r *protobuf.PlaceOrderRequest) { r.Order.WhatIfType = proto.Int32(1) }, true, nil},
		{"attachedOrders", 218, func(r *protobuf.PlaceOrderRequest) {
			r.AttachedOrders = &protobuf.AttachedOrders{SlOrderId: proto.Int32(8), SlOrderType: proto.String("STP")}
		}, true, nil},
		{"hedgeMaxSize without a hedge", 223, func(r *protobuf.PlaceOrderRequest) { r.Order.HedgeMaxSize = proto.Int32(100) }, true, nil},
	}
	for _, c := range cases {
		for _, v := range []int{c.gate - 1, c.gate} {
			t.Run(fmt.Sprintf("%s/v%d", c.name, v), func(t *testing.T) {
				o, code := reviewPlace(t, v, c.set)
				switch {
				case v < c.gate && code != 0:
					t.Errorf("below its gate: error %d, want the field ignored and the order placed", code)
				case v < c.gate && c.echoed != nil && c.echoed(o):
					t.Errorf("below its gate: echoed in openOrder")
				case v >= c.gate && c.refuse && code != 321:
					t.Errorf("at its gate: error %d (order %v), want 321", code, o != nil)
				case v >= c.gate && !c.refuse && (code != 0 || !c.echoed(o)):
					t.Errorf("at its gate: error %d, echoed %v", code, o != nil && c.echoed(o))
				}
			})
		}
	}
}
