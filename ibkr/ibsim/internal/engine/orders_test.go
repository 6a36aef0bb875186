package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Message sequences of the order lifecycles, as the socket tests of the
// ibsim package check them through a real client, here straight against
// the engine.
var (
	placed     = []string{"OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted"}
	resting    = []string{"OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted"}
	filled     = []string{"ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission"}
	userCancel = []string{"OrderStatus:PendingCancel", "OrderStatus:Cancelled", "Error:202"}
)

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// seqOf returns the events about the given orders in arrival order, as
// "id Kind:Status".
func (h *harness) seqOf(ids ...int64) []string {
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []string
	for i, s := range h.sink.evs {
		if id, ok := h.orderOf(i); ok && want[id] {
			out = append(out, fmt.Sprintf("%d %s", id, describe(s.ev)))
		}
	}
	return out
}

// bracket places a parent (held), a take-profit (held) and a stop that
// transmits the group, with ids id, id+1, id+2.
func (h *harness) bracket(id int64, parent, tp, sl OrderRequest) {
	parent.OrderID, parent.Transmit = id, false
	tp.OrderID, tp.ParentID, tp.Transmit = id+1, id, false
	sl.OrderID, sl.ParentID, sl.Transmit = id+2, id, true
	h.e.Place(client1, parent)
	h.e.Place(client1, tp)
	h.e.Place(client1, sl)
}

func TestEngineOrders(t *testing.T) {
	for _, tc := range []struct {
		name string
		// run drives the engine and returns the sequence each order id
		// must have got.
		run func(t *testing.T, h *harness) map[int64][]string
	}{
		{"limit far from the market rests Submitted", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			o := order(1, "SPY", "BUY", "LMT", 100, cents(q.Bid-5), 0)
			o.OrderRef = "rest-1"
			h.e.Place(client1, o)
			h.advance(time.Minute) // the market moves; the order does not fill
			h.advance(time.Minute)
			v := events[OpenOrder](h)[0].View
			if v.OrderRef != "rest-1" || v.Account != "DU1234567" || v.ClientID != 1 || v.PermID == 0 || v.Ref.ConID != h.inst("SPY").ConID || v.Ref.Exchange != "SMART" {
				t.Errorf("openOrder: %+v", v)
			}
			if st := events[OrderStatus](h)[1]; st.Remaining != 100 || st.Filled != 0 || st.PermID != v.PermID || st.ClientID != 1 {
				t.Errorf("orderStatus: %+v", st)
			}
			if a, f, r := h.e.Counts(); a != 1 || f != 0 || r != 0 {
				t.Errorf("counts %d %d %d", a, f, r)
			}
			return map[int64][]string{1: resting}
		}},
		{"marketable limit fills with execution and commission", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "BUY", "LMT", 100, cents(q.Ask+1), 0))
			x := events[ExecDetails](h)[0]
			if x.ReqID != -1 || x.Exec.Price != q.Ask || x.Exec.Shares != 100 || x.Exec.Side != "BOT" || x.Exec.LastLiquidity != 2 ||
				x.Exec.Time != "20260310 10:00:00 US/Eastern" || x.Exec.Exchange != "ARCA" || x.Exec.CumQty != 100 || x.Exec.AvgPrice != q.Ask {
				t.Errorf("execution %+v; ask %v", x, q.Ask)
			}
			cr := events[CommissionReport](h)[0]
			if cr.ExecID != x.Exec.ExecID || cr.Commission != 1 || cr.Currency != "USD" || cr.RealizedPNL != UnsetFloat {
				t.Errorf("commission %+v: want the $1.00 minimum, nothing realized", cr)
			}
			sts := events[OrderStatus](h)
			if st := sts[len(sts)-1]; st.Filled != 100 || st.Remaining != 0 || st.AvgFillPrice != q.Ask || st.LastFillPrice != q.Ask {
				t.Errorf("filled status %+v", st)
			}
			// Acceptance answers the requesting connection; the fill goes
			// to whichever connection holds the client id.
			if to := h.sink.evs[0].to; to != (Dest{Conn: 11, ClientID: 1}) {
				t.Errorf("openOrder sent to %+v", to)
			}
			if to := h.sink.evs[2].to; to != (Dest{ClientID: 1}) {
				t.Errorf("execDetails sent to %+v", to)
			}
			if a, f, r := h.e.Counts(); a != 1 || f != 1 || r != 0 {
				t.Errorf("counts %d %d %d", a, f, r)
			}
			return map[int64][]string{1: cat(placed, filled)}
		}},
		{"market sell fills at the bid", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("AAPL")
			h.e.Place(client1, order(1, "AAPL", "SELL", "MKT", 50, 0, 0))
			if x := events[ExecDetails](h)[0].Exec; x.Price != q.Bid || x.Side != "SLD" || x.Exchange != "ISLAND" {
				t.Errorf("execution %+v; bid %v", x, q.Bid)
			}
			return map[int64][]string{1: cat(placed, filled)}
		}},
		{"a large order fills over market steps", func(t *testing.T, h *harness) map[int64][]string {
			amd := h.inst("AMD")
			var sizes []float64
			qty := -13.0
			for i := range 3 {
				s := h.prices.Quote(amd, testAt.Add(time.Duration(i)*time.Minute)).AskSize
				sizes = append(sizes, s)
				qty += s
			}
			h.e.Place(client1, order(1, "AMD", "BUY", "MKT", qty, 0, 0))
			h.advance(time.Minute)
			h.advance(time.Minute)
			h.advance(time.Minute)
			xs := events[ExecDetails](h)
			if len(xs) != 3 || xs[0].Exec.Shares != sizes[0] || xs[1].Exec.Shares != sizes[1] || xs[2].Exec.Shares != sizes[2]-13 {
				t.Errorf("fills %+v, want %v less 13 at the end", xs, sizes)
			}
			part := []string{"ExecDetails", "OpenOrder:Submitted", "OrderStatus:Submitted", "Commission"}
			return map[int64][]string{1: cat(placed, part, part, filled)}
		}},
		{"cancel, cancel again, unknown and foreign ids", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "BUY", "LMT", 10, cents(q.Bid-3), 0))
			h.e.Cancel(client1, 1)
			h.e.Cancel(client1, 1)
			if e, _ := h.errorOn(1, 10148); e.Text != "OrderId 1 that needs to be cancelled cannot be cancelled, state: Cancelled." {
				t.Errorf("10148 text %q", e.Text)
			}
			h.e.Cancel(client1, 77)
			if e, _ := h.errorOn(77, 10147); e.Text != "OrderId 77 that needs to be cancelled is not found." {
				t.Errorf("10147 text %q", e.Text)
			}
			// Another client id cannot cancel client 1's order.
			h.e.Place(client1, order(2, "SPY", "BUY", "LMT", 10, cents(q.Bid-3), 0))
			n := h.mark()
			h.e.Cancel(client2, 2)
			if got := h.since(n); len(got) != 1 || got[0].to != (Dest{Conn: 12, ClientID: 2}) {
				t.Errorf("foreign cancel: %+v", got)
			}
			return map[int64][]string{
				1:  cat(resting, userCancel, []string{"Error:10148"}),
				2:  cat(resting, []string{"Error:10147"}),
				77: {"Error:10147"},
			}
		}},
		{"IOC and FOK", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("AMD")
			ioc := func(o OrderRequest) OrderRequest { o.TIF = "IOC"; return o }
			fok := func(o OrderRequest) OrderRequest { o.TIF = "FOK"; return o }
			h.e.Place(client1, ioc(order(1, "AMD", "BUY", "LMT", 10, cents(q.Bid-1), 0)))
			h.e.Place(client1, ioc(order(2, "AMD", "BUY", "MKT", q.AskSize+50, 0, 0)))
			h.e.Place(client1, fok(order(3, "AMD", "BUY", "MKT", q.AskSize+50, 0, 0)))
			h.e.Place(client1, fok(order(4, "AMD", "BUY", "MKT", q.AskSize, 0, 0)))
			sts := events[OrderStatus](h)
			for _, st := range sts {
				if st.OrderID == 2 && st.Status == "Cancelled" && (st.Filled != q.AskSize || st.Remaining != 50) {
					t.Errorf("IOC cancelled with %+v, want filled %v remaining 50", st, q.AskSize)
				}
			}
			return map[int64][]string{
				1: cat(placed, []string{"OrderStatus:PendingCancel", "OrderStatus:Cancelled"}),
				2: cat(placed, []string{"ExecDetails", "OpenOrder:Submitted", "OrderStatus:Submitted", "Commission", "OrderStatus:PendingCancel", "OrderStatus:Cancelled"}),
				3: cat(placed, []string{"OpenOrder:Inactive", "OrderStatus:Inactive"}),
				4: cat(placed, filled),
			}
		}},
		{"a stop is held PreSubmitted until elected", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "SELL", "STP", 100, 0, cents(q.Bid*0.5)))
			h.advance(time.Minute)
			return map[int64][]string{1: placed}
		}},
		{"bracket: held until the stop transmits the group", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			parent := order(0, "SPY", "BUY", "LMT", 100, cents(q.Bid-2), 0)
			tp := order(0, "SPY", "SELL", "LMT", 100, cents(q.Ask+20), 0)
			sl := order(0, "SPY", "SELL", "STP", 100, 0, cents(q.Bid-30))
			parent.Transmit = false
			h.e.Place(client1, withID(parent, 10))
			tp.ParentID, tp.Transmit = 10, false
			h.e.Place(client1, withID(tp, 11))
			if n := h.mark(); n != 0 {
				t.Fatalf("untransmitted orders were reported: %v", h.seqOf(10, 11))
			}
			sl.ParentID = 10
			h.e.Place(client1, withID(sl, 12))
			if got, want := join(h.seqOf(10, 11, 12)), join([]string{
				"10 OpenOrder:PreSubmitted", "10 OrderStatus:PreSubmitted",
				"11 OpenOrder:PreSubmitted", "11 OrderStatus:PreSubmitted",
				"12 OpenOrder:PreSubmitted", "12 OrderStatus:PreSubmitted",
				"10 OpenOrder:Submitted", "10 OrderStatus:Submitted"}); got != want {
				t.Errorf("release:\n got  %s\n want %s", got, want)
			}
			if st := events[OrderStatus](h)[1]; st.OrderID != 11 || st.ParentID != 10 {
				t.Errorf("child status %+v", st)
			}
			h.advance(time.Minute) // the children wait for the parent's fill
			return map[int64][]string{10: resting, 11: placed, 12: placed}
		}},
		{"bracket: the parent fills, the take-profit's fill cancels the stop", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			parent := order(0, "SPY", "BUY", "LMT", 100, cents(q.Bid-2), 0)
			tp := order(0, "SPY", "SELL", "LMT", 100, cents(q.Ask+20), 0)
			h.bracket(10, parent, tp, order(0, "SPY", "SELL", "STP", 100, 0, cents(q.Bid-30)))
			// The parent is modified to marketable: it fills, the
			// take-profit works, the stop stays held.
			h.clk.t = h.clk.t.Add(time.Minute)
			q = h.quote("SPY")
			parent.OrderID, parent.LmtPrice = 10, cents(q.Ask+1)
			h.e.Place(client1, parent)
			// The take-profit is modified to marketable: it fills and the
			// stop is cancelled.
			h.clk.t = h.clk.t.Add(time.Minute)
			q = h.quote("SPY")
			tp.OrderID, tp.ParentID, tp.LmtPrice = 11, 10, cents(q.Bid-1)
			h.e.Place(client1, tp)
			if x := events[ExecDetails](h)[1].Exec; x.OrderID != 11 || x.Price != q.Bid || x.Side != "SLD" {
				t.Errorf("take-profit fill %+v, want bid %v", x, q.Bid)
			}
			h.e.OpenOrders(client1, false, true)
			if oo := events[OpenOrder](h); oo[len(oo)-1].View.OrderID == 12 {
				t.Errorf("the stop is still open")
			}
			modified := []string{"OpenOrder:Submitted", "OrderStatus:Submitted"}
			return map[int64][]string{
				10: cat(resting, modified, filled),
				11: cat(placed, modified, modified, filled),
				12: cat(placed, []string{"OrderStatus:Cancelled"}),
			}
		}},
		{"bracket: cancelling the unfilled parent cancels its children", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.bracket(10, order(0, "SPY", "BUY", "LMT", 100, cents(q.Bid-5), 0),
				order(0, "SPY", "SELL", "LMT", 100, cents(q.Ask+5), 0), order(0, "SPY", "SELL", "STP", 100, 0, cents(q.Bid-5)))
			h.e.Cancel(client1, 10)
			return map[int64][]string{10: cat(resting, userCancel), 11: cat(placed, userCancel), 12: cat(placed, userCancel)}
		}},
		{"bracket: a child of a refused or unknown parent", func(t *testing.T, h *harness) map[int64][]string {
			h.reject = []ErrMsg{{Code: 201, Text: "Order rejected - reason:Simulated"}}
			h.e.Place(client1, order(10, "SPY", "BUY", "MKT", 1, 0, 0))
			child := order(11, "SPY", "SELL", "MKT", 1, 0, 0)
			child.ParentID = 10
			h.e.Place(client1, child)
			if e, _ := h.errorOn(11, 201); e.Text != "Order rejected - reason:Parent order is being cancelled." {
				t.Errorf("child of a refused parent: %q", e.Text)
			}
			orphan := order(12, "SPY", "SELL", "MKT", 1, 0, 0)
			orphan.ParentID = 99
			h.e.Place(client1, orphan)
			if e, _ := h.errorOn(12, 135); e.Text != "Can't find order with id = 99" {
				t.Errorf("child of no parent: %q", e.Text)
			}
			if a, _, r := h.e.Counts(); a != 0 || r != 3 {
				t.Errorf("accepted %d rejected %d", a, r)
			}
			return map[int64][]string{10: {"Error:201"}, 11: {"Error:201"}, 12: {"Error:135"}}
		}},
		{"OCA group: a fill cancels the others (type 1) or reduces them (type 2)", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			oca := func(o OrderRequest, g string, typ int64) OrderRequest { o.OcaGroup, o.OcaType = g, typ; return o }
			h.e.Place(client1, oca(order(1, "SPY", "BUY", "LMT", 10, cents(q.Bid-2), 0), "g1", 1))
			h.e.Place(client1, oca(order(2, "SPY", "BUY", "MKT", 10, 0, 0), "g1", 1))
			h.e.Place(client1, oca(order(3, "SPY", "BUY", "LMT", 100, cents(q.Bid-2), 0), "g2", 2))
			h.e.Place(client1, oca(order(4, "SPY", "BUY", "MKT", 10, 0, 0), "g2", 2))
			oo := events[OpenOrder](h)
			if v := oo[len(oo)-1].View; v.OrderID != 3 || v.TotalQty != 90 {
				t.Errorf("reduced order %d to %v, want 3 to 90", v.OrderID, v.TotalQty)
			}
			return map[int64][]string{
				1: cat(resting, []string{"OrderStatus:Cancelled"}),
				2: cat(placed, filled),
				3: cat(resting, []string{"OpenOrder:Submitted", "OrderStatus:Submitted"}),
				4: cat(placed, filled),
			}
		}},
		{"validation and funds", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "BUY", "FOO", 10, 1, 0))
			unknown := order(2, "NOPE", "BUY", "MKT", 10, 0, 0)
			h.e.Place(client1, unknown)
			noExch := order(3, "SPY", "BUY", "MKT", 10, 0, 0)
			noExch.Contract.Exchange = ""
			h.e.Place(client1, noExch)
			h.e.Place(client1, order(4, "SPY", "BUY", "MKT", 10000, 0, 0)) // more than the account carries
			h.e.Place(client1, order(5, "SPY", "BUY", "LMT", 10, cents(q.Bid-2)+0.005, 0))
			h.e.Place(client1, order(3, "SPY", "BUY", "MKT", 1, 0, 0)) // an id already used
			for id, want := range map[int64]string{
				1: "Error validating request.-'bF' : cause - Invalid order type was entered",
				2: "No security definition has been found for the request",
				3: "Error validating request.-'bF' : cause - Missing order exchange",
				5: "The price does not conform to the minimum price variation for this contract.",
			} {
				es := events[ErrMsg](h)
				var got []string
				for _, e := range es {
					if e.ID == id {
						got = append(got, e.Text)
					}
				}
				if len(got) == 0 || got[0] != want {
					t.Errorf("order %d: %q, want %q", id, got, want)
				}
			}
			if e, _ := h.errorOn(4, 201); !strings.HasPrefix(e.Text, "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [1000000.00 USD] MUST EXCEED THE INITIAL MARGIN [") {
				t.Errorf("funds: %q", e.Text)
			}
			if e, _ := h.errorOn(3, 103); e.Text != "Duplicate order id" {
				t.Errorf("duplicate id: %q", e.Text)
			}
			n := h.mark()
			h.e.OpenOrders(client1, true, true)
			if got := h.since(n); len(got) != 1 {
				t.Errorf("refused orders are listed as open: %+v", got)
			}
			return map[int64][]string{
				1: {"Error:321"}, 2: {"Error:200"}, 3: {"Error:321", "Error:103"}, 4: {"Error:201"}, 5: {"Error:110"},
			}
		}},
		{"what-if: one openOrder with the preview, nothing kept", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			o := order(1, "SPY", "BUY", "MKT", 100, 0, 0)
			o.WhatIf = true
			h.e.Place(client1, o)
			v := events[OpenOrder](h)[0].View
			mid := (q.Bid + q.Ask) / 2
			if p := v.Preview; p == nil || !v.WhatIf || p.Margins.InitBefore != 0 || p.Margins.InitAfter != Round2(0.5*100*mid) ||
				p.Margins.EquityWithLoanBefore != 1_000_000 || p.Commission != 1 || v.WarningText != "" {
				t.Errorf("preview %+v %+v", v, v.Preview)
			}
			n := h.mark()
			h.e.OpenOrders(client1, false, true)
			if got := h.since(n); len(got) != 1 {
				t.Errorf("a what-if order is listed: %+v", got)
			}
			return map[int64][]string{1: {"OpenOrder:PreSubmitted"}}
		}},
		{"global cancel ends every client's orders", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "BUY", "LMT", 10, cents(q.Bid-2), 0))
			h.e.Place(client2, order(2, "SPY", "BUY", "LMT", 10, cents(q.Bid-2), 0))
			n := h.mark()
			h.e.GlobalCancel()
			for _, s := range h.since(n) {
				if id, _ := h.orderOf(n); s.to != (Dest{ClientID: id}) {
					t.Errorf("global cancel of order %d sent to %+v", id, s.to)
				}
				n++
			}
			return map[int64][]string{1: cat(resting, userCancel), 2: cat(resting, userCancel)}
		}},
		{"global cancel ends held orders with orderStatus Cancelled", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			parent := order(10, "SPY", "BUY", "LMT", 100, cents(q.Bid-2), 0)
			tp := order(11, "SPY", "SELL", "LMT", 100, cents(q.Ask+20), 0)
			parent.Transmit = false
			tp.ParentID, tp.Transmit = 10, false
			h.e.Place(client1, parent)
			h.e.Place(client1, tp)
			h.e.GlobalCancel()
			h.e.OpenOrders(client1, true, true)
			if n := len(events[OpenOrder](h)); n != 0 {
				t.Errorf("%d held orders still listed after global cancel", n)
			}
			h.e.CompletedOrders(client1)
			if co := events[CompletedOrder](h); len(co) != 2 || co[0].View.OrderID != 10 || co[1].View.OrderID != 11 {
				t.Errorf("completed orders %+v", co)
			}
			return map[int64][]string{10: {"OrderStatus:Cancelled"}, 11: {"OrderStatus:Cancelled"}}
		}},
		{"a DAY order ends at the close", func(t *testing.T, h *harness) map[int64][]string {
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "BUY", "LMT", 10, cents(q.Bid-2), 0))
			h.clk.t = time.Date(2026, 3, 10, 16, 0, 0, 0, testAt.Location())
			h.e.Step()
			h.e.CompletedOrders(client1)
			if co := events[CompletedOrder](h); len(co) != 1 || co[0].View.CompletedStatus != "Cancelled by Trader" {
				t.Errorf("completed orders %+v", co)
			}
			return map[int64][]string{1: cat(resting, []string{"OrderStatus:Cancelled"})}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			want := tc.run(t, h)
			for id, w := range want {
				if got := h.seq(id); join(got) != join(w) {
					t.Errorf("order %d:\n got  %v\n want %v", id, got, w)
				}
			}
		})
	}
}

func withID(o OrderRequest, id int64) OrderRequest {
	o.OrderID = id
	return o
}
