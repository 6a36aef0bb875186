package ibsim

import (
	"math"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
)

// TestAdditionalOrderParams places orders with the attributes of versions
// 216 to 223 at 225: what the simulator honours is echoed in openOrder and
// completedOrder, what it cannot honour is refused with 321 on the order
// id.
func TestAdditionalOrderParams(t *testing.T) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: 225})
	c, r := dial(t, s, 1)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	base := math.Round((q.Bid-5)*100) / 100 // rests

	o := ordNew("BUY", "LMT", 10, base, 0)
	o.AllowPreOpen = true
	o.IgnoreOpenAuction = true
	o.RouteMarketableToBbo = ibapi.STATE_YES
	o.SeekPriceImprovement = ibapi.STATE_NO
	c.PlaceOrder(1, ordStock("SPY"), o)
	got := ordWaitKind(t, r, "OpenOrder", 1).Data.(ordOpen).o
	if !got.AllowPreOpen || !got.IgnoreOpenAuction || got.RouteMarketableToBbo != ibapi.STATE_YES || got.SeekPriceImprovement != ibapi.STATE_NO || got.PostOnly || got.Deactivate {
		t.Errorf("openOrder: allowPreOpen %v ignoreOpenAuction %v routeMarketableToBbo %d seekPriceImprovement %d postOnly %v deactivate %v",
			got.AllowPreOpen, got.IgnoreOpenAuction, got.RouteMarketableToBbo, got.SeekPriceImprovement, got.PostOnly, got.Deactivate)
	}
	c.CancelOrder(1, ibapi.NewOrderCancel())
	ordWaitStatus(t, r, 1, "Cancelled", 1)
	c.ReqCompletedOrders(false)
	ordWaitKind(t, r, "CompletedOrdersEnd", 0)
	var done *ibapi.Order
	for _, e := range r.all() {
		if e.Kind == "CompletedOrder" {
			done = e.Data.(ordOpen).o
		}
	}
	if done == nil || !done.AllowPreOpen || !done.IgnoreOpenAuction || done.RouteMarketableToBbo != ibapi.STATE_YES || done.SeekPriceImprovement != ibapi.STATE_NO {
		t.Errorf("completedOrder %+v", done)
	}

	// A plain order echoes the defaults.
	c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "LMT", 10, base, 0))
	if got := ordWaitKind(t, r, "OpenOrder", 2).Data.(ordOpen).o; got.AllowPreOpen || got.RouteMarketableToBbo != ibapi.STATE_DEFAULT || got.SeekPriceImprovement != ibapi.STATE_DEFAULT {
		t.Errorf("plain openOrder: allowPreOpen %v routeMarketableToBbo %d seekPriceImprovement %d", got.AllowPreOpen, got.RouteMarketableToBbo, got.SeekPriceImprovement)
	}

	for i, set := range []func(o *ibapi.Order){
		func(o *ibapi.Order) { o.Deactivate = true },
		func(o *ibapi.Order) { o.PostOnly = true },
		func(o *ibapi.Order) { o.SLint64, o.SLOrderType = 50, "STP" },
		func(o *ibapi.Order) { o.HedgeMaxSize = 100 },
		func(o *ibapi.Order) { o.WhatIfType = 1 },
	} {
		id := int64(10 + i)
		o := ordNew("BUY", "LMT", 10, base, 0)
		set(o)
		c.PlaceOrder(id, ordStock("SPY"), o)
		if e := ordWaitKind(t, r, "Error", id); e.Code != 321 {
			t.Errorf("order %d: error %d %q, want 321", id, e.Code, e.Msg)
		}
	}
	if n := len(ordEvents(r, "OpenOrder", 10)) + len(ordEvents(r, "OpenOrder", 12)); n != 0 {
		t.Errorf("%d openOrders for refused orders", n)
	}
}
