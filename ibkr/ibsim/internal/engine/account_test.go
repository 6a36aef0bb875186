package engine

import (
	"math"
	"testing"
	"time"
)

func TestEngineAccount(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, h *harness)
	}{
		{"positions: the list, then a message per change", func(t *testing.T, h *harness) {
			h.e.Positions(client1)
			if got := h.since(0); len(got) != 1 || describe(got[0].ev) != "engine.PositionEnd" || got[0].to != (Dest{Conn: 11, ClientID: 1}) {
				t.Fatalf("empty account: %+v", got)
			}
			q := h.quote("SPY")
			h.e.Place(client1, order(1, "SPY", "BUY", "MKT", 100, 0, 0))
			ps := events[PositionData](h)
			if len(ps) != 1 || ps[0].Qty != 100 || ps[0].In.Symbol != "SPY" || ps[0].Account != "DU1234567" {
				t.Fatalf("positions after the fill: %+v", ps)
			}
			// IB's average cost: the price plus the commission per share.
			if want := q.Ask + 1.0/100; math.Abs(ps[0].AvgCost-want) > 1e-6 {
				t.Errorf("average cost %v, want %v", ps[0].AvgCost, want)
			}
			h.e.CancelPositions(client1)
			h.e.Place(client1, order(2, "SPY", "SELL", "MKT", 100, 0, 0))
			if n := len(events[PositionData](h)); n != 1 {
				t.Errorf("%d position messages after cancelPositions", n)
			}
		}},
		{"a connection that is gone loses its subscriptions", func(t *testing.T, h *harness) {
			h.e.Positions(client1)
			h.e.Positions(client2)
			h.sink.gone[client1.Conn] = true
			h.e.Place(client2, order(1, "SPY", "BUY", "MKT", 10, 0, 0))
			for _, s := range h.sink.evs {
				if _, ok := s.ev.(PositionData); ok && s.to.Conn != client2.Conn {
					t.Errorf("position sent to %+v", s.to)
				}
			}
			if n := len(events[PositionData](h)); n != 1 {
				t.Errorf("%d position messages, want 1 (client 2)", n)
			}
		}},
		{"account updates: every value, the portfolio, the time, the end", func(t *testing.T, h *harness) {
			h.e.Place(client1, order(1, "SPY", "BUY", "MKT", 100, 0, 0))
			n := h.mark()
			h.e.AccountUpdates(client1, true)
			vals := map[string]string{}
			var kinds []string
			for _, s := range h.since(n) {
				switch ev := s.ev.(type) {
				case AccountValue:
					if ev.Currency == "USD" || ev.Currency == "" {
						vals[ev.Key] = ev.Value
					}
				case PortfolioValue:
					if ev.Qty != 100 || ev.In.Symbol != "SPY" {
						t.Errorf("portfolio %+v", ev)
					}
					kinds = append(kinds, "portfolio")
				case AccountUpdateTime:
					kinds = append(kinds, "time "+ev.Time)
				case AccountDownloadEnd:
					kinds = append(kinds, "end "+ev.Account)
				}
			}
			if join(kinds) != join([]string{"portfolio", "time 10:00", "time 10:00", "end DU1234567"}) {
				t.Errorf("account update messages %q", kinds)
			}
			if vals["AccountCode"] != "DU1234567" || vals["NetLiquidation"] == "" || vals["StockMarketValue"] == "0.00" {
				t.Errorf("account values %v", vals)
			}
			// Unsubscribed: nothing more, even after a fill.
			h.e.AccountUpdates(client1, false)
			n = h.mark()
			h.e.Place(client1, order(2, "SPY", "BUY", "MKT", 100, 0, 0))
			for _, s := range h.since(n) {
				if _, ok := s.ev.(AccountValue); ok {
					t.Fatalf("account value after unsubscribing")
				}
			}
		}},
		{"account summary: all tags, the end, then changes; 322 past the limit", func(t *testing.T, h *harness) {
			h.e.AccountSummary(client1, 1, "NetLiquidation,TotalCashValue")
			rows := events[AccountSummary](h)
			if len(rows) != 2 || rows[0].Tag != "NetLiquidation" || rows[0].Value != "1000000.00" || rows[0].Currency != "USD" || rows[1].Tag != "TotalCashValue" {
				t.Fatalf("summary rows %+v", rows)
			}
			if ends := events[AccountSummaryEnd](h); len(ends) != 1 || ends[0].ReqID != 1 {
				t.Fatalf("summary ends %+v", ends)
			}
			h.e.AccountSummary(client1, 2, "All")
			h.e.AccountSummary(client1, 3, "All")
			if e, ok := h.errorOn(3, 322); !ok || e.Text != "Maximum number of account summary requests exceeded; desubscribe to previous request first" {
				t.Errorf("third summary: %+v", e)
			}
			// A fill changes the cash; the summaries push it at the next
			// 3-minute mark of market time.
			h.e.CancelAccountSummary(client1, 2)
			h.e.Place(client1, order(1, "SPY", "BUY", "MKT", 100, 0, 0))
			n := h.mark()
			h.advance(3 * time.Minute)
			var tags []string
			for _, s := range h.since(n) {
				if r, ok := s.ev.(AccountSummary); ok {
					tags = append(tags, r.Tag)
				}
			}
			if join(tags) != "NetLiquidation TotalCashValue" {
				t.Errorf("pushed tags %q, want both changed", tags)
			}
		}},
		{"PnL: at once, then on a change of a cent", func(t *testing.T, h *harness) {
			h.e.PnL(client1, 5)
			if ps := events[PnL](h); len(ps) != 1 || ps[0].ReqID != 5 || ps[0].Daily != 0 {
				t.Fatalf("first pnl %+v", ps)
			}
			h.advance(time.Minute)
			if n := len(events[PnL](h)); n != 1 {
				t.Errorf("pnl sent without a change")
			}
			h.e.Place(client1, order(1, "SPY", "BUY", "MKT", 100, 0, 0))
			ps := events[PnL](h)
			if len(ps) != 2 || ps[1].Realized != 0 || ps[1].Unrealized >= 0 {
				t.Errorf("pnl after a buy at the ask %+v: unrealized must be negative (spread and commission)", ps)
			}
			h.e.CancelPnL(client1, 5)
			h.advance(time.Hour)
			if n := len(events[PnL](h)); n != 2 {
				t.Errorf("pnl after cancelPnL")
			}
		}},
		{"executions: today's fills, filtered, then the end", func(t *testing.T, h *harness) {
			h.e.Place(client1, order(1, "SPY", "BUY", "MKT", 10, 0, 0))
			h.e.Place(client2, order(1, "AAPL", "BUY", "MKT", 10, 0, 0))
			n := h.mark()
			h.e.Executions(client1, 7, ExecFilter{LastNDays: UnsetInt, Symbol: "aapl"})
			got := h.since(n)
			if len(got) != 3 {
				t.Fatalf("executions %+v", got)
			}
			x, ok := got[0].ev.(ExecDetails)
			if !ok || x.ReqID != 7 || x.Exec.ClientID != 2 || x.Exec.Ref.Symbol != "AAPL" {
				t.Errorf("execution %+v", got[0].ev)
			}
			if cr, ok := got[1].ev.(CommissionReport); !ok || cr.ExecID != x.Exec.ExecID {
				t.Errorf("commission %+v", got[1].ev)
			}
			if end, ok := got[2].ev.(ExecDetailsEnd); !ok || end.ReqID != 7 {
				t.Errorf("end %+v", got[2].ev)
			}
			// Yesterday's fills are not today's.
			h.clk.t = h.clk.t.AddDate(0, 0, 1)
			n = h.mark()
			h.e.Executions(client1, 8, ExecFilter{LastNDays: UnsetInt})
			if got := h.since(n); len(got) != 1 {
				t.Errorf("next day: %+v", got)
			}
		}},
		{"order ids: per client id, past every id used, and a restart's floor", func(t *testing.T, h *harness) {
			if id := h.e.NextOrderID(1); id != 1 {
				t.Errorf("first id %d", id)
			}
			q := h.quote("SPY")
			h.e.Place(client1, order(10, "SPY", "BUY", "LMT", 1, cents(q.Bid-2), 0))
			if a, b := h.e.NextOrderID(1), h.e.NextOrderID(2); a != 11 || b != 1 {
				t.Errorf("next ids %d %d, want 11 1", a, b)
			}
			h.e.BumpOrderIDs()
			next := h.e.NextOrderID(2)
			if next <= 11 {
				t.Fatalf("after a restart client 2's next id is %d", next)
			}
			h.e.Place(client2, order(5, "SPY", "BUY", "LMT", 1, cents(q.Bid-2), 0))
			if _, ok := h.errorOn(5, 103); !ok {
				t.Errorf("an id below the restart's floor was accepted")
			}
			// The open order 10 still can be modified: its id names it.
			h.e.Place(client1, order(10, "SPY", "BUY", "LMT", 2, cents(q.Bid-3), 0))
			if oo := events[OpenOrder](h); oo[len(oo)-1].View.OrderID != 10 || oo[len(oo)-1].View.TotalQty != 2 {
				t.Errorf("modification of an open order after the restart: %+v", oo[len(oo)-1].View)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newHarness(t))
		})
	}
}
