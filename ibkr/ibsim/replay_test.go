package ibsim

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// A full simulated trading day on a virtual clock: 09:30 to 16:00 in
// one-minute steps, a client placing and cancelling orders on a fixed
// schedule. The same seed must give the same day message for message (the
// order ids, statuses, fills, prices, commissions and the final account);
// another seed another market.

// replayResult is what one simulated day produced.
type replayResult struct {
	log    []string  // every order and account message, in order
	prices []float64 // fill prices, in order
	final  string    // the closing account summary and positions
	fills  int
}

func replayDay(t *testing.T, seed int64) replayResult {
	t.Helper()
	open := time.Date(2026, 3, 10, 9, 30, 0, 0, market.NewYork)
	clk := NewVirtualClock(open)
	s := startSim(t, Config{Clock: clk, Seed: seed, TickInterval: time.Hour})
	c, r := dial(t, s, 1)
	next := r.waitKind(t, "NextValidID", anyReq).Data.(int64)
	symbols := []string{"SPY", "AAPL", "AMD", "MSFT", "QQQ"}
	insts := map[string]*market.Instrument{}
	for _, sym := range symbols {
		insts[sym] = ordInst(t, s, sym)
	}
	cents := func(v float64) float64 { return math.Round(v*100) / 100 }

	// ack waits for the first answer about a new order id.
	ack := func(id int64) {
		t.Helper()
		r.wait(t, 0, fmt.Sprintf("ack of order %d", id), func(e ev) bool {
			return (e.Kind == "OpenOrder" || e.Kind == "Error") && e.ReqID == id
		})
	}
	errCount := func(id int64) int {
		n := 0
		for _, e := range r.all() {
			if e.Kind == "Error" && e.ReqID == id {
				n++
			}
		}
		return n
	}
	place := func(sym string, o *ibapi.Order) int64 {
		id := next
		next++
		c.PlaceOrder(id, ordStock(sym), o)
		if o.Transmit {
			ack(id)
		}
		return id
	}
	var resting []int64

	for m := 0; m <= 390; m++ {
		now := clk.Now()
		sym := symbols[(m/10)%len(symbols)]
		q := s.prices.Quote(insts[sym], now)
		switch {
		case m%30 == 0:
			place(sym, ordNew("BUY", "MKT", 100, 0, 0))
		case m%30 == 10:
			o := ordNew("SELL", "LMT", 50, cents(q.Ask+0.05), 0)
			o.OrderRef = fmt.Sprintf("rest-%d", m)
			resting = append(resting, place(sym, o))
		case m%30 == 20 && len(resting) > 0:
			id := resting[0]
			resting = resting[1:]
			n := errCount(id)
			c.CancelOrder(id, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
			ordWaitN(t, r, fmt.Sprintf("cancel answer of %d", id), n+1, func(e ev) bool { return e.Kind == "Error" && e.ReqID == id })
		case m%60 == 45:
			parent := ordNew("BUY", "LMT", 20, cents(q.Ask), 0)
			parent.Transmit = false
			pid := place(sym, parent)
			tp := ordNew("SELL", "LMT", 20, cents(q.Ask+0.3), 0)
			tp.ParentID, tp.Transmit = pid, false
			place(sym, tp)
			sl := ordNew("SELL", "STP", 20, 0, cents(q.Bid-0.3))
			sl.ParentID = pid
			place(sym, sl)
		case m%90 == 5:
			o := ordNew("BUY", "STP", 30, 0, cents(q.Last+0.1))
			o.TIF = "GTC"
			place(sym, o)
		case m%45 == 7:
			o := ordNew("SELL", "MKT", 2*q.BidSize, 0, 0)
			o.TIF = "IOC"
			place(sym, o)
		}
		if m < 390 {
			clk.Advance(time.Minute)
			s.Tick()
		}
	}
	ordSync(t, c, r)
	rows := acctSummary(t, c, r, 1, "All,$LEDGER")
	c.ReqPositions()
	r.waitKind(t, "PositionEnd", anyReq)

	var res replayResult
	for _, e := range r.all() {
		var line string
		switch e.Kind {
		case "OpenOrder":
			d := e.Data.(ordOpen)
			line = fmt.Sprintf("open %d %s %s %s %v %s %v %v %s perm=%d parent=%d", e.ReqID, d.st.Status, d.c.Symbol, d.o.Action,
				d.o.TotalQuantity, d.o.OrderType, d.o.LmtPrice, d.o.AuxPrice, d.o.OrderRef, d.o.PermID, d.o.ParentID)
		case "OrderStatus":
			d := e.Data.(ordStatus)
			line = fmt.Sprintf("status %d %s %v/%v avg=%v last=%v", e.ReqID, e.Msg, d.filled, d.remaining, d.avg, d.last)
		case "ExecDetails":
			d := e.Data.(ordExec)
			line = fmt.Sprintf("exec %d %d %s %s %v@%v %s %s", e.ReqID, d.x.OrderID, d.c.Symbol, d.x.Side, d.x.Shares, d.x.Price, d.x.Time, d.x.ExecID)
			res.prices = append(res.prices, d.x.Price)
			res.fills++
		case "Commission":
			d := e.Data.(ibapi.CommissionAndFeesReport)
			line = fmt.Sprintf("commission %s %v %v", d.ExecID, d.CommissionAndFees, d.RealizedPNL)
		case "Error":
			line = fmt.Sprintf("error %d %d %s", e.ReqID, e.Code, e.Msg)
		case "Position":
			d := e.Data.(posRow)
			line = fmt.Sprintf("position %s %v %v", d.c.Symbol, d.pos, d.avg)
		default:
			continue
		}
		res.log = append(res.log, line)
	}
	var b strings.Builder
	for _, tag := range []string{"NetLiquidation", "TotalCashValue", "GrossPositionValue", "InitMarginReq", "AvailableFunds", "UnrealizedPnL", "RealizedPnL"} {
		fmt.Fprintf(&b, "%s=%s ", tag, rows[tag].value)
	}
	res.final = b.String()
	return res
}

func TestReplayTradingDayIsDeterministic(t *testing.T) {
	start := time.Now()
	a := replayDay(t, 7)
	b := replayDay(t, 7)
	elapsed := time.Since(start)
	if a.fills < 20 {
		t.Fatalf("only %d fills in the day", a.fills)
	}
	if len(a.log) != len(b.log) {
		t.Fatalf("runs differ in length: %d and %d messages", len(a.log), len(b.log))
	}
	for i := range a.log {
		if a.log[i] != b.log[i] {
			t.Fatalf("runs differ at message %d:\n %s\n %s", i, a.log[i], b.log[i])
		}
	}
	if a.final != b.final {
		t.Fatalf("final accounts differ:\n %s\n %s", a.final, b.final)
	}
	// The day exercised the lifecycles.
	joined := strings.Join(a.log, "\n")
	for _, want := range []string{" Filled ", " Cancelled ", " Submitted ", "error", "PendingCancel", " 202 "} {
		if !strings.Contains(joined, want) {
			t.Errorf("the day has no %q", strings.TrimSpace(want))
		}
	}
	c := replayDay(t, 8)
	if fmt.Sprint(c.prices) == fmt.Sprint(a.prices) || c.final == a.final {
		t.Errorf("another seed gave the same day")
	}
	t.Logf("%d messages, %d fills; final %s; three days in %v", len(a.log), a.fills, a.final, elapsed+time.Since(start))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("three simulated days took %v", d)
	}
}
