package ibsim

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// Bracket tests: a parent and its take-profit and stop-loss children as
// IB's bracket sample places them (parent and take-profit held, the stop
// transmitting the group), through the real client, message by message,
// with the positions and executions afterwards. The market moves only with
// the virtual clock and srv.Tick.

const parentGone = "Order rejected - reason:Parent order is being cancelled."

// bkPlace places a bracket with ids id, id+1, id+2.
func bkPlace(c *ibapi.EClient, id int64, con *ibapi.Contract, parent, tp, sl *ibapi.Order) {
	parent.Transmit = false
	tp.ParentID, tp.Transmit = id, false
	sl.ParentID, sl.Transmit = id, true
	c.PlaceOrder(id, con, parent)
	c.PlaceOrder(id+1, con, tp)
	c.PlaceOrder(id+2, con, sl)
}

// bkSeq returns the order messages of the given ids in arrival order, as
// "id Kind:Status" (errors "id Error:code").
func bkSeq(r *recorder, ids ...int64) []string {
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []string
	for _, e := range r.all() {
		var id int64
		var s string
		switch e.Kind {
		case "OpenOrder", "OrderStatus":
			id, s = e.ReqID, e.Kind+":"+e.Msg
		case "ExecDetails", "Commission":
			id, s = e.Code, e.Kind
		case "Error":
			id, s = e.ReqID, fmt.Sprintf("Error:%d", e.Code)
		default:
			continue
		}
		if want[id] {
			out = append(out, fmt.Sprintf("%d %s", id, s))
		}
	}
	return out
}

func bkWantSeq(t *testing.T, r *recorder, ids []int64, want ...string) {
	t.Helper()
	if got := bkSeq(r, ids...); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages of %v:\n  %s\nwant\n  %s", ids, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// bkPositions asks for the positions and returns them by conId.
func bkPositions(t *testing.T, c *ibapi.EClient, r *recorder) map[int64]float64 {
	t.Helper()
	from := len(r.all())
	c.ReqPositions()
	_, end := r.wait(t, from, "positionEnd", func(e ev) bool { return e.Kind == "PositionEnd" })
	c.CancelPositions()
	out := map[int64]float64{}
	for _, e := range r.all()[from:end] {
		if e.Kind == "Position" {
			out[e.ReqID] = e.Data.(posRow).pos
		}
	}
	return out
}

// bkExecs asks for today's executions and returns the shares filled per
// order id.
func bkExecs(t *testing.T, c *ibapi.EClient, r *recorder, req int64) map[int64]float64 {
	t.Helper()
	c.ReqExecutions(req, &ibapi.ExecutionFilter{})
	r.waitKind(t, "ExecDetailsEnd", req)
	out := map[int64]float64{}
	for _, e := range r.all() {
		if e.Kind == "ExecDetails" && e.ReqID == req {
			x := e.Data.(ordExec).x
			out[x.OrderID] += x.Shares.Float()
		}
	}
	return out
}

// bkErrorText returns the text of error code on id.
func bkErrorText(t *testing.T, r *recorder, id, code int64) string {
	t.Helper()
	return r.waitError(t, id, code).Msg
}

// bkStep moves the market n minutes, one step each.
func bkStep(s *Server, clk *VirtualClock, n int) {
	for range n {
		clk.Advance(time.Minute)
		s.Tick()
	}
}

// A parent refused with any error takes its children with it: each child
// gets 201 "Parent order is being cancelled." and nothing is kept, so a
// stop-loss above the market (which would be elected at once) never sells.
// The first case is the issue's: an option bracket with reject 201 armed.
func TestBracketParentRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		arm    func(s *Server)
		parent func(q market.Quote) *ibapi.Order
		code   int64
	}{
		{"fault 201", func(s *Server) { s.RejectNextOrders(1, 201, "Order rejected - reason:Simulated") },
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 2, q.Ask, 0) }, 201},
		{"fault 202", func(s *Server) { s.RejectNextOrders(1, 202, "Order Canceled - reason:Simulated") },
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 2, q.Ask, 0) }, 202},
		{"funds 201", func(*Server) {},
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 100000, q.Ask, 0) }, 201},
		{"tick 110", func(*Server) {},
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 2, math.Floor(q.Ask)+0.53, 0) }, 110},
		{"validation 321", func(*Server) {},
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "FOO", 2, q.Ask, 0) }, 321},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := ordSim(t, ordAt)
			c, r := dial(t, s, 1)
			call, _ := nearMoney(t, s, ordInst(t, s, "AAPL"), ordAt)
			q := s.prices.Quote(call, ordAt)
			if q.Ask < 3 {
				t.Fatalf("option ask %v: want one quoted in nickels", q.Ask)
			}
			con := &ibapi.Contract{ConID: call.ConID, Exchange: "SMART"}
			tc.arm(s)
			// The stop is above the bid: an orphaned stop would sell at once.
			// Children's prices on the option's nickel.
			nickel := func(p float64) float64 { return math.Round(p*20) / 20 }
			bkPlace(c, 10, con, tc.parent(q),
				ordNew("SELL", "LMT", 2, nickel(q.Ask+1), 0), ordNew("SELL", "STP", 2, 0, nickel(q.Bid+1)))
			ordSync(t, c, r)
			bkWantSeq(t, r, []int64{10, 11, 12},
				fmt.Sprintf("10 Error:%d", tc.code), "11 Error:201", "12 Error:201")
			if txt := bkErrorText(t, r, 11, 201); txt != parentGone {
				t.Errorf("child 201 text %q", txt)
			}
			if txt := bkErrorText(t, r, 12, 201); txt != parentGone {
				t.Errorf("child 201 text %q", txt)
			}
			bkStep(s, clk, 10)
			ordSync(t, c, r)
			if ex := bkExecs(t, c, r, 900); len(ex) != 0 {
				t.Errorf("executions %v", ex)
			}
			if pos := bkPositions(t, c, r); len(pos) != 0 {
				t.Errorf("positions %v, want none", pos)
			}
			c.ReqAllOpenOrders()
			r.waitKind(t, "OpenOrderEnd", anyReq)
			c.ReqCompletedOrders(false)
			r.waitKind(t, "CompletedOrdersEnd", anyReq)
			for _, e := range r.all() {
				if e.Kind == "CompletedOrder" {
					t.Errorf("a refused order was kept: %v", e)
				}
			}
			bkWantSeq(t, r, []int64{10, 11, 12},
				fmt.Sprintf("10 Error:%d", tc.code), "11 Error:201", "12 Error:201")
			if st := s.Stats(); st.OrderRejects != 3 || st.OrdersAccepted != 0 {
				t.Errorf("stats: %d rejects, %d accepted", st.OrderRejects, st.OrdersAccepted)
			}
		})
	}
}

// Children of a parent that ends without a fill end as Cancelled, with the
// sequence of whatever ended the parent, right after the parent's.
func TestBracketParentEndsUnfilled(t *testing.T) {
	at := time.Date(2026, 3, 10, 15, 50, 0, 0, market.NewYork)
	for _, tc := range []struct {
		name string
		// parent builds the parent order from the quote; end ends it.
		parent func(q market.Quote) *ibapi.Order
		end    func(t *testing.T, s *Server, clk *VirtualClock, c *ibapi.EClient, r *recorder)
		want   []string
	}{
		{"client cancel",
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 100, q.Bid-5, 0) },
			func(t *testing.T, s *Server, clk *VirtualClock, c *ibapi.EClient, r *recorder) {
				c.CancelOrder(10, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
			},
			[]string{"10 OrderStatus:PendingCancel", "10 OrderStatus:Cancelled", "10 Error:202",
				"11 OrderStatus:PendingCancel", "11 OrderStatus:Cancelled", "11 Error:202",
				"12 OrderStatus:PendingCancel", "12 OrderStatus:Cancelled", "12 Error:202"}},
		{"global cancel",
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 100, q.Bid-5, 0) },
			func(t *testing.T, s *Server, clk *VirtualClock, c *ibapi.EClient, r *recorder) {
				c.ReqGlobalCancel(ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
			},
			[]string{"10 OrderStatus:PendingCancel", "10 OrderStatus:Cancelled", "10 Error:202",
				"11 OrderStatus:PendingCancel", "11 OrderStatus:Cancelled", "11 Error:202",
				"12 OrderStatus:PendingCancel", "12 OrderStatus:Cancelled", "12 Error:202"}},
		{"OCA group",
			func(q market.Quote) *ibapi.Order {
				o := ordNew("BUY", "LMT", 100, q.Bid-5, 0)
				o.OCAGroup, o.OCAType = "entry", 1
				return o
			},
			func(t *testing.T, s *Server, clk *VirtualClock, c *ibapi.EClient, r *recorder) {
				o := ordNew("BUY", "MKT", 1, 0, 0)
				o.OCAGroup, o.OCAType = "entry", 1
				c.PlaceOrder(20, ordStock("SPY"), o)
				ordWaitStatus(t, r, 20, "Filled", 1)
			},
			[]string{"10 OrderStatus:Cancelled", "11 OrderStatus:Cancelled", "12 OrderStatus:Cancelled"}},
		{"DAY expiry",
			func(q market.Quote) *ibapi.Order { return ordNew("BUY", "LMT", 100, q.Bid-5, 0) },
			func(t *testing.T, s *Server, clk *VirtualClock, c *ibapi.EClient, r *recorder) {
				clk.Set(time.Date(2026, 3, 10, 16, 0, 0, 0, market.NewYork))
				s.Tick()
			},
			[]string{"10 OrderStatus:Cancelled", "11 OrderStatus:Cancelled", "12 OrderStatus:Cancelled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := ordSim(t, at)
			c, r := dial(t, s, 1)
			q := s.prices.Quote(ordInst(t, s, "SPY"), at)
			// GTC children: they end because their parent did, not by
			// their own time in force.
			tp := ordNew("SELL", "LMT", 100, math.Round((q.Ask+5)*100)/100, 0)
			sl := ordNew("SELL", "STP", 100, 0, math.Round((q.Bid-5)*100)/100)
			tp.TIF, sl.TIF = "GTC", "GTC"
			p := tc.parent(q)
			p.LmtPrice = math.Round(p.LmtPrice*100) / 100
			bkPlace(c, 10, ordStock("SPY"), p, tp, sl)
			ordWaitStatus(t, r, 12, "PreSubmitted", 1)
			ordSync(t, c, r)
			placed := []string{"10 OpenOrder:PreSubmitted", "10 OrderStatus:PreSubmitted",
				"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
				"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted",
				"10 OpenOrder:Submitted", "10 OrderStatus:Submitted"}
			bkWantSeq(t, r, []int64{10, 11, 12}, placed...)
			tc.end(t, s, clk, c, r)
			ordWaitStatus(t, r, 12, "Cancelled", 1)
			ordSync(t, c, r)
			bkWantSeq(t, r, []int64{10, 11, 12}, append(placed, tc.want...)...)
			bkStep(s, clk, 5)
			ordSync(t, c, r)
			bkWantSeq(t, r, []int64{10, 11, 12}, append(placed, tc.want...)...)
			ex := bkExecs(t, c, r, 900)
			pos := bkPositions(t, c, r)
			spy := ordInst(t, s, "SPY").ConID
			if ex[10]+ex[11]+ex[12] != 0 || pos[spy] != ex[20] {
				t.Errorf("executions %v, SPY position %v", ex, pos[spy])
			}
			// The completed orders list the three as cancelled.
			perm := map[int64]bool{}
			for _, id := range []int64{10, 11, 12} {
				perm[ordEvents(r, "OrderStatus", id)[0].Data.(ordStatus).permID] = true
			}
			c.ReqCompletedOrders(false)
			r.waitKind(t, "CompletedOrdersEnd", anyReq)
			n := 0
			for _, e := range r.all() {
				if e.Kind == "CompletedOrder" && e.Msg == "Cancelled" && perm[e.ReqID] {
					n++
				}
			}
			if n != 3 {
				t.Errorf("%d of the bracket's orders completed as Cancelled, want 3", n)
			}
		})
	}
}

// An IOC parent that cannot fill and a FOK parent that cannot fill in full
// end at once, and their children with them.
func TestBracketParentIOCAndFOK(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	amd := ordInst(t, s, "AMD")
	q := s.prices.Quote(amd, ordAt)
	ioc := ordNew("BUY", "LMT", 10, math.Round((q.Bid-1)*100)/100, 0)
	ioc.TIF = "IOC"
	bkPlace(c, 10, ordStock("AMD"), ioc,
		ordNew("SELL", "LMT", 10, math.Round((q.Ask+2)*100)/100, 0), ordNew("SELL", "STP", 10, 0, math.Round((q.Bid+1)*100)/100))
	ordWaitStatus(t, r, 12, "Cancelled", 1)
	ordSync(t, c, r)
	bkWantSeq(t, r, []int64{10, 11, 12},
		"10 OpenOrder:PreSubmitted", "10 OrderStatus:PreSubmitted",
		"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
		"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted",
		"10 OrderStatus:PendingCancel", "10 OrderStatus:Cancelled",
		"11 OrderStatus:Cancelled", "12 OrderStatus:Cancelled")

	fok := ordNew("BUY", "MKT", q.AskSize+50, 0, 0)
	fok.TIF = "FOK"
	bkPlace(c, 20, ordStock("AMD"), fok,
		ordNew("SELL", "LMT", q.AskSize+50, math.Round((q.Ask+2)*100)/100, 0), ordNew("SELL", "STP", q.AskSize+50, 0, math.Round((q.Bid+1)*100)/100))
	ordWaitStatus(t, r, 22, "Cancelled", 1)
	ordSync(t, c, r)
	bkWantSeq(t, r, []int64{20, 21, 22},
		"20 OpenOrder:PreSubmitted", "20 OrderStatus:PreSubmitted",
		"21 OpenOrder:PreSubmitted", "21 OrderStatus:PreSubmitted",
		"22 OpenOrder:PreSubmitted", "22 OrderStatus:PreSubmitted",
		"20 OpenOrder:Inactive", "20 OrderStatus:Inactive",
		"21 OrderStatus:Cancelled", "22 OrderStatus:Cancelled")
	bkStep(s, clk, 10)
	ordSync(t, c, r)
	if ex := bkExecs(t, c, r, 900); len(ex) != 0 {
		t.Errorf("executions %v", ex)
	}
	if pos := bkPositions(t, c, r); len(pos) != 0 {
		t.Errorf("positions %v", pos)
	}
}

// A child placed against a parent that is gone is refused: 201 when the
// parent was cancelled or refused, 135 when it filled and ended or never
// existed. Nothing is kept.
func TestBracketChildOfAParentThatIsGone(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	rest := math.Round((q.Bid-5)*100) / 100
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 10, rest, 0))
	ordWaitStatus(t, r, 1, "Submitted", 1)
	c.CancelOrder(1, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	r.waitError(t, 1, 202)
	c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "MKT", 10, 0, 0))
	ordWaitStatus(t, r, 2, "Filled", 1)
	s.RejectNextOrders(1, 201, "Order rejected - reason:Simulated")
	c.PlaceOrder(3, ordStock("SPY"), ordNew("BUY", "LMT", 10, rest, 0))
	r.waitError(t, 3, 201)

	child := func(id, parent int64) {
		o := ordNew("SELL", "STP", 10, 0, math.Round((q.Bid+1)*100)/100) // would sell at once
		o.ParentID = parent
		c.PlaceOrder(id, ordStock("SPY"), o)
	}
	child(11, 1)   // cancelled parent
	child(12, 2)   // filled parent
	child(13, 3)   // refused parent
	child(14, 999) // no such order
	child(15, 13)  // a refused child
	ordSync(t, c, r)
	bkWantSeq(t, r, []int64{11, 12, 13, 14, 15}, "11 Error:201", "12 Error:135", "13 Error:201", "14 Error:135", "15 Error:201")
	for id, want := range map[int64]string{11: parentGone, 13: parentGone, 15: parentGone} {
		if got := bkErrorText(t, r, id, 201); got != want {
			t.Errorf("order %d: %q", id, got)
		}
	}
	if got := bkErrorText(t, r, 12, 135); got != "Can't find order with id = 2" {
		t.Errorf("order 12: %q", got)
	}
	if got := bkErrorText(t, r, 14, 135); got != "Can't find order with id = 999" {
		t.Errorf("order 14: %q", got)
	}
	bkStep(s, clk, 5)
	ordSync(t, c, r)
	ex := bkExecs(t, c, r, 900)
	if len(ex) != 1 || ex[2] != 10 {
		t.Errorf("executions %v, want only order 2's 10", ex)
	}
	if pos := bkPositions(t, c, r); pos[ordInst(t, s, "SPY").ConID] != 10 {
		t.Errorf("positions %v", pos)
	}
	// A parent refused by the fault panel may be placed again with its id
	// (the fault does not use the id); a child then attaches to it.
	s.RejectNextOrders(1, 201, "Order rejected - reason:Simulated")
	c.PlaceOrder(20, ordStock("SPY"), ordNew("BUY", "LMT", 10, rest, 0))
	r.waitError(t, 20, 201)
	c.PlaceOrder(20, ordStock("SPY"), ordNew("BUY", "LMT", 10, rest, 0))
	ordWaitStatus(t, r, 20, "Submitted", 1)
	tp := ordNew("SELL", "LMT", 10, math.Round((q.Ask+5)*100)/100, 0)
	tp.ParentID = 20
	c.PlaceOrder(21, ordStock("SPY"), tp)
	ordWaitStatus(t, r, 21, "PreSubmitted", 1)
	if st := ordEvents(r, "OrderStatus", 21)[0].Data.(ordStatus); st.parentID != 20 {
		t.Errorf("child parentId %d", st.parentID)
	}
}

// A child never triggers or fills before its parent has filled, also after
// a restart of the simulator: a take-profit below the market and a stop
// above it (both would execute at once) stay PreSubmitted while the parent
// rests; when the parent fills they act, and the bracket ends flat.
func TestBracketChildrenWaitForTheParent(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)
	parent := ordNew("BUY", "LMT", 100, math.Round((q.Bid-20)*100)/100, 0)
	parent.TIF = "GTC"
	tp := ordNew("SELL", "LMT", 100, math.Round((q.Bid-10)*100)/100, 0)
	sl := ordNew("SELL", "STP", 100, 0, math.Round((q.Ask+10)*100)/100)
	tp.TIF, sl.TIF = "GTC", "GTC"
	bkPlace(c, 10, ordStock("SPY"), parent, tp, sl)
	ordWaitStatus(t, r, 10, "Submitted", 1)
	bkStep(s, clk, 20)
	ordSync(t, c, r)
	waiting := []string{"10 OpenOrder:PreSubmitted", "10 OrderStatus:PreSubmitted",
		"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
		"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted",
		"10 OpenOrder:Submitted", "10 OrderStatus:Submitted"}
	bkWantSeq(t, r, []int64{10, 11, 12}, waiting...)

	if err := s.Restart(0); err != nil {
		t.Fatal(err)
	}
	r.waitKind(t, "ConnectionClosed", anyReq)
	ordWaitGone(t, s, 1)
	c2, r2 := dial(t, s, 1)
	// The bracket is sent again after the bootstrap, children waiting.
	bkWantSeq(t, r2, []int64{10, 11, 12},
		"10 OpenOrder:Submitted", "10 OrderStatus:Submitted",
		"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
		"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted")
	bkStep(s, clk, 20)
	ordSync(t, c2, r2)
	if ex := bkExecs(t, c2, r2, 900); len(ex) != 0 {
		t.Fatalf("executions before the parent filled: %v", ex)
	}
	if pos := bkPositions(t, c2, r2); pos[spy.ConID] != 0 {
		t.Fatalf("position before the parent filled: %v", pos)
	}

	// The parent fills (modified to marketable): the take-profit below the
	// market sells at once, which cancels the stop.
	now := clk.Now()
	q = s.prices.Quote(spy, now)
	parent.LmtPrice = math.Round((q.Ask+1)*100) / 100
	parent.Transmit = true
	c2.PlaceOrder(10, ordStock("SPY"), parent)
	ordWaitStatus(t, r2, 12, "Cancelled", 1)
	ordSync(t, c2, r2)
	bkWantSeq(t, r2, []int64{10, 11, 12},
		"10 OpenOrder:Submitted", "10 OrderStatus:Submitted",
		"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
		"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted",
		"10 OpenOrder:Submitted", "10 OrderStatus:Submitted",
		"10 ExecDetails", "10 OpenOrder:Filled", "10 OrderStatus:Filled", "10 Commission",
		"11 ExecDetails", "11 OpenOrder:Filled", "11 OrderStatus:Filled", "11 Commission",
		"12 OrderStatus:Cancelled")
	ex := bkExecs(t, c2, r2, 901)
	if ex[10] != 100 || ex[11] != 100 || ex[12] != 0 {
		t.Errorf("executions %v", ex)
	}
	if pos := bkPositions(t, c2, r2); pos[spy.ConID] != 0 {
		t.Errorf("position %v, want flat", pos[spy.ConID])
	}
}

// ptQty is a quantity that takes three market steps to fill (the quoted
// sizes of three minutes, less a little).
func ptQty(s *Server, in *market.Instrument, at time.Time) float64 {
	qty := -13.0
	for i := range 3 {
		qty += s.prices.Quote(in, at.Add(time.Duration(i)*time.Minute)).AskSize
	}
	return qty
}

// A partially filled parent activates its children for the position it
// has opened; cancelling the rest of the parent cuts the children to that
// position, and they keep protecting it.
func TestBracketPartialParentCancelled(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	amd := ordInst(t, s, "AMD")
	qty := ptQty(s, amd, ordAt)
	q := s.prices.Quote(amd, ordAt)
	f1 := q.AskSize
	tp := ordNew("SELL", "LMT", qty, math.Round((q.Ask+20)*100)/100, 0)
	sl := ordNew("SELL", "STP", qty, 0, math.Round((q.Bid-20)*100)/100)
	tp.TIF, sl.TIF = "GTC", "GTC"
	bkPlace(c, 10, ordStock("AMD"), ordNew("BUY", "MKT", qty, 0, 0), tp, sl)
	ordWaitStatus(t, r, 11, "Submitted", 1)
	ordSync(t, c, r)
	bkWantSeq(t, r, []int64{10, 11, 12},
		"10 OpenOrder:PreSubmitted", "10 OrderStatus:PreSubmitted",
		"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
		"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted",
		"10 ExecDetails", "10 OpenOrder:Submitted", "10 OrderStatus:Submitted", "10 Commission",
		"11 OpenOrder:Submitted", "11 OrderStatus:Submitted")
	if st := ordEvents(r, "OrderStatus", 10)[1].Data.(ordStatus); st.filled != f1 || st.remaining != qty-f1 {
		t.Fatalf("parent after its first fill %+v, want %v filled", st, f1)
	}

	// Cancel the rest of the parent: both children are cut to f1.
	c.CancelOrder(10, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	r.waitError(t, 10, 202)
	ordSync(t, c, r)
	got := bkSeq(r, 10, 11, 12)[12:]
	want := []string{"10 OrderStatus:PendingCancel", "10 OrderStatus:Cancelled", "10 Error:202",
		"11 OpenOrder:Submitted", "11 OrderStatus:Submitted",
		"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after cancelling the rest:\n %v\nwant\n %v", got, want)
	}
	for _, id := range []int64{11, 12} {
		oo := ordEvents(r, "OpenOrder", id)
		st := ordEvents(r, "OrderStatus", id)
		if n := oo[len(oo)-1].Data.(ordOpen).o.TotalQuantity.Float(); n != f1 {
			t.Errorf("child %d quantity %v, want the %v filled", id, n, f1)
		}
		if rem := st[len(st)-1].Data.(ordStatus).remaining; rem != f1 {
			t.Errorf("child %d remaining %v, want %v", id, rem, f1)
		}
	}
	if pos := bkPositions(t, c, r); pos[amd.ConID] != f1 {
		t.Fatalf("position %v, want %v", pos[amd.ConID], f1)
	}
	// The market moves on; nothing more is bought.
	bkStep(s, clk, 5)
	ordSync(t, c, r)
	if ex := bkExecs(t, c, r, 900); ex[10] != f1 || ex[11]+ex[12] != 0 {
		t.Fatalf("executions %v", ex)
	}
	// The stop still protects the f1 shares: moved above the market, it
	// sells exactly them, which cancels the take-profit; the account ends
	// flat, never short.
	now := clk.Now()
	q = s.prices.Quote(amd, now)
	sl.TotalQuantity = ibapi.StringToDecimal(fmt.Sprint(f1))
	sl.AuxPrice = math.Round((q.Bid+1)*100) / 100
	c.PlaceOrder(12, ordStock("AMD"), sl)
	for i := 0; ; i++ {
		ordSync(t, c, r)
		sold := 0.0
		for _, e := range ordEvents(r, "ExecDetails", 12) {
			sold += e.Data.(ordExec).x.Shares.Float()
		}
		if sold >= f1 {
			break
		}
		if i > 10 {
			t.Fatalf("the stop sold %v of %v", sold, f1)
		}
		bkStep(s, clk, 1)
	}
	ordWaitStatus(t, r, 11, "Cancelled", 1)
	ex := bkExecs(t, c, r, 901)
	if ex[12] != f1 || ex[11] != 0 {
		t.Errorf("executions %v, want the stop selling %v", ex, f1)
	}
	if pos := bkPositions(t, c, r); pos[amd.ConID] != 0 {
		t.Errorf("position %v, want flat", pos[amd.ConID])
	}
}

// While the parent is still filling, an exit child sells at most what the
// parent has bought so far: a stop elected after the first partial fill
// sells that, and more only as the parent buys more; the position is never
// short at any step.
func TestBracketPartialParentChildFillsWithinThePosition(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	amd := ordInst(t, s, "AMD")
	qty := ptQty(s, amd, ordAt)
	q := s.prices.Quote(amd, ordAt)
	tp := ordNew("SELL", "LMT", qty, math.Round((q.Ask+20)*100)/100, 0)
	sl := ordNew("SELL", "STP", qty, 0, math.Round((q.Bid+1)*100)/100) // elected once active
	tp.TIF, sl.TIF = "GTC", "GTC"
	bkPlace(c, 10, ordStock("AMD"), ordNew("BUY", "MKT", qty, 0, 0), tp, sl)
	ordWaitKind(t, r, "Commission", 12)
	// At each step the parent buys the ask size first, then the stop sells
	// the bid size, at most what the bracket holds.
	var bought, sold float64
	for step := 0; sold < qty-engine.QtyEps; step++ {
		if step > 8 {
			t.Fatalf("after %d steps: bought %v, sold %v of %v", step, bought, sold, qty)
		}
		if step > 0 {
			bkStep(s, clk, 1)
		}
		ordSync(t, c, r)
		q := s.prices.Quote(amd, clk.Now())
		bought += math.Min(q.AskSize, qty-bought)
		sold += math.Min(q.BidSize, bought-sold)
		ex := bkExecs(t, c, r, int64(900+step))
		if ex[10] != bought || ex[12] != sold {
			t.Fatalf("step %d: parent bought %v, stop sold %v; want %v and %v", step, ex[10], ex[12], bought, sold)
		}
		if pos := bkPositions(t, c, r); pos[amd.ConID] != bought-sold || bought-sold < 0 {
			t.Fatalf("step %d: position %v, want %v", step, pos[amd.ConID], bought-sold)
		}
		if step == 0 {
			// The take-profit is reduced by the stop's fill, as a sibling.
			oo := ordEvents(r, "OpenOrder", 11)
			if n := oo[len(oo)-1].Data.(ordOpen).o.TotalQuantity.Float(); n != qty-sold {
				t.Errorf("take-profit quantity %v after the stop sold %v, want %v", n, sold, qty-sold)
			}
		}
	}
	ordWaitStatus(t, r, 12, "Filled", 1)
	ordWaitStatus(t, r, 11, "Cancelled", 1)
	if pos := bkPositions(t, c, r); pos[amd.ConID] != 0 {
		t.Errorf("position %v at the end, want flat", pos[amd.ConID])
	}
}

// A partially filled DAY parent that reaches the close leaves its GTC
// children cut to the position; they work the next day.
func TestBracketPartialParentExpires(t *testing.T) {
	at := time.Date(2026, 3, 10, 15, 58, 0, 0, market.NewYork)
	s, clk := ordSim(t, at)
	c, r := dial(t, s, 1)
	amd := ordInst(t, s, "AMD")
	qty := ptQty(s, amd, at) + 500
	q := s.prices.Quote(amd, at)
	tp := ordNew("SELL", "LMT", qty, math.Round((q.Ask+20)*100)/100, 0)
	sl := ordNew("SELL", "STP", qty, 0, math.Round((q.Bid-20)*100)/100)
	tp.TIF, sl.TIF = "GTC", "GTC"
	bkPlace(c, 10, ordStock("AMD"), ordNew("BUY", "MKT", qty, 0, 0), tp, sl)
	ordWaitStatus(t, r, 11, "Submitted", 1)
	bkStep(s, clk, 1) // 15:59
	clk.Set(time.Date(2026, 3, 10, 16, 0, 0, 0, market.NewYork))
	s.Tick()
	ordWaitStatus(t, r, 10, "Cancelled", 1)
	ordSync(t, c, r)
	ex := bkExecs(t, c, r, 900)
	f := ex[10]
	if f <= 0 || f >= qty {
		t.Fatalf("parent filled %v of %v", f, qty)
	}
	for _, id := range []int64{11, 12} {
		oo := ordEvents(r, "OpenOrder", id)
		if n := oo[len(oo)-1].Data.(ordOpen).o.TotalQuantity.Float(); n != f {
			t.Errorf("child %d quantity %v after the parent expired, want %v", id, n, f)
		}
		if st := ordEvents(r, "OrderStatus", id); st[len(st)-1].Msg == "Cancelled" {
			t.Errorf("child %d cancelled", id)
		}
	}
	// Next morning the take-profit, made marketable, sells the position.
	clk.Set(time.Date(2026, 3, 11, 10, 0, 0, 0, market.NewYork))
	q = s.prices.Quote(amd, clk.Now())
	tp.TotalQuantity = ibapi.StringToDecimal(fmt.Sprint(f))
	tp.LmtPrice = math.Round((q.Bid-1)*100) / 100
	c.PlaceOrder(11, ordStock("AMD"), tp)
	for sold, i := 0.0, 0; sold < f; i++ {
		if i > 10 {
			t.Fatalf("the take-profit sold %v of %v", sold, f)
		}
		s.Tick()
		ordSync(t, c, r)
		sold = 0
		for _, e := range ordEvents(r, "ExecDetails", 11) {
			sold += e.Data.(ordExec).x.Shares.Float()
		}
		if sold < f {
			clk.Advance(time.Minute)
		}
	}
	ordWaitStatus(t, r, 12, "Cancelled", 1)
	if pos := bkPositions(t, c, r); pos[amd.ConID] != 0 {
		t.Errorf("position %v, want flat", pos[amd.ConID])
	}
}
