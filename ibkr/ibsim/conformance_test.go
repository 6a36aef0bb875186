package ibsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// conformanceVersions are the versions the conformance matrix runs at:
// older clients' versions, the last text version, and every protobuf gate
// the simulator speaks.
var conformanceVersions = []int{176, 193, 200, wire.VerProtobuf, 202, wire.VerProtoOrders, wire.VerProtoCompleted,
	208, 213, 216, 218, HighestServerVersion}

// TestConformanceOrdersMatrix drives the raw scmhub/ibapi EClient at each
// version through the order family (placeOrder, the fill's openOrder,
// orderStatus, execDetails and commission report, reqExecutions,
// reqOpenOrders, cancelOrder, reqCompletedOrders) and checks what the
// client decodes, value by value, so that the text and protobuf layouts
// give the client the same content.
func TestConformanceOrdersMatrix(t *testing.T) {
	for _, v := range conformanceVersions {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(ordAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 3)
			if got := s.Stats().Conns[0].Version; got != v {
				t.Fatalf("negotiated version %d, want %d", got, v)
			}

			// A market order fills at once.
			mkt := ibapi.NewOrder()
			mkt.Action, mkt.OrderType, mkt.TIF = "BUY", "MKT", "DAY"
			mkt.TotalQuantity = ibapi.StringToDecimal("100")
			mkt.OrderRef = "conf-mkt"
			c.PlaceOrder(1, spyContract(), mkt)
			s.Tick()
			x := r.waitKind(t, "ExecDetails", -1).Data.(ordExec)
			if x.x.OrderID != 1 || x.x.Shares.Float() != 100 || x.x.Side != "BOT" || x.x.Price <= 0 ||
				x.x.AcctNumber != DefaultAccount || x.x.OrderRef != "conf-mkt" || x.x.ClientID != 3 || x.x.PermID == 0 {
				t.Errorf("execDetails = %+v", x.x)
			}
			if x.c.ConID != spyConID || x.c.Symbol != "SPY" || x.c.SecType != "STK" || x.c.Currency != "USD" {
				t.Errorf("execDetails contract = %+v", x.c)
			}
			comm := r.waitKind(t, "Commission", anyReq).Data.(ibapi.CommissionAndFeesReport)
			if comm.ExecID != x.x.ExecID || comm.CommissionAndFees != 1 || comm.Currency != "USD" {
				t.Errorf("commission = %+v, want 1 USD for %s", comm, x.x.ExecID)
			}
			filled, _ := r.wait(t, 0, "orderStatus Filled", func(e ev) bool {
				return e.Kind == "OrderStatus" && e.ReqID == 1 && e.Msg == "Filled"
			})
			if st := filled.Data.(ordStatus); st.filled != 100 || st.remaining != 0 || st.avg != x.x.Price || st.clientID != 3 {
				t.Errorf("orderStatus Filled = %+v", st)
			}

			// A resting limit order, far below the market.
			lmt := ibapi.NewOrder()
			lmt.Action, lmt.OrderType, lmt.TIF = "BUY", "LMT", "GTC"
			lmt.TotalQuantity = ibapi.StringToDecimal("5")
			lmt.LmtPrice = 1.5
			c.PlaceOrder(2, spyContract(), lmt)
			open, _ := r.wait(t, 0, "openOrder 2", func(e ev) bool { return e.Kind == "OpenOrder" && e.ReqID == 2 })
			oo := open.Data.(ordOpen)
			if oo.o.LmtPrice != 1.5 || oo.o.TotalQuantity.Float() != 5 || oo.o.TIF != "GTC" || oo.o.OrderType != "LMT" ||
				oo.o.Action != "BUY" || oo.o.ClientID != 3 || oo.o.Account != DefaultAccount || oo.o.AuxPrice != ibapi.UNSET_FLOAT {
				t.Errorf("openOrder 2 order = %+v", oo.o)
			}
			if oo.c.ConID != spyConID || oo.c.Symbol != "SPY" {
				t.Errorf("openOrder 2 contract = %+v", oo.c)
			}

			// reqExecutions answers on its id.
			c.ReqExecutions(41, ibapi.NewExecutionFilter())
			if e := r.waitKind(t, "ExecDetails", 41).Data.(ordExec); e.x.ExecID != x.x.ExecID {
				t.Errorf("reqExecutions: exec %s, want %s", e.x.ExecID, x.x.ExecID)
			}
			r.waitKind(t, "ExecDetailsEnd", 41)

			// reqOpenOrders lists the resting order, then the end.
			from := len(r.all())
			c.ReqOpenOrders()
			_, end := r.wait(t, from, "openOrderEnd", func(e ev) bool { return e.Kind == "OpenOrderEnd" })
			listed := false
			for _, e := range r.all()[from:end] {
				listed = listed || (e.Kind == "OpenOrder" && e.ReqID == 2)
			}
			if !listed {
				t.Error("reqOpenOrders did not list order 2")
			}

			// cancelOrder: Cancelled, then 202 on the order id.
			c.CancelOrder(2, ibapi.NewOrderCancel())
			r.wait(t, 0, "orderStatus Cancelled", func(e ev) bool {
				return e.Kind == "OrderStatus" && e.ReqID == 2 && e.Msg == "Cancelled"
			})
			r.waitError(t, 2, 202)

			// reqCompletedOrders: both orders, with their final states.
			from = len(r.all())
			c.ReqCompletedOrders(false)
			_, end = r.wait(t, from, "completedOrdersEnd", func(e ev) bool { return e.Kind == "CompletedOrdersEnd" })
			states := map[string]bool{}
			for _, e := range r.all()[from:end] {
				if e.Kind != "CompletedOrder" {
					continue
				}
				co := e.Data.(ordOpen)
				states[co.o.OrderRef+"/"+co.st.Status] = true
				if co.o.OrderRef == "conf-mkt" && (co.o.FilledQuantity.Float() != 100 || co.st.CompletedTime == "") {
					t.Errorf("completed market order: filled %v, completed at %q", co.o.FilledQuantity, co.st.CompletedTime)
				}
			}
			if !states["conf-mkt/Filled"] || !states["/Cancelled"] {
				t.Errorf("completed orders = %v, want conf-mkt Filled and the limit order Cancelled", states)
			}
			for _, e := range r.errorsWith(320) {
				t.Errorf("error 320: %v", e)
			}
		})
	}
}
