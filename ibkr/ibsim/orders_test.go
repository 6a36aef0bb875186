package ibsim

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// Order engine tests: every lifecycle checked message by message against
// the sequences of a real paper Gateway (docs tws-protocol.md section 5),
// through the real scmhub/ibapi client, on a virtual market clock. The
// servers run with a one-hour TickInterval so that only srv.Tick() moves
// the market: every sequence below is exact.

// ordAt is 10:00 New York on a Tuesday, a regular trading day.
var ordAt = time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)

// ---- recorder callbacks of the order and account messages ----

type ordOpen struct {
	c  *ibapi.Contract
	o  *ibapi.Order
	st *ibapi.OrderState
}

type ordStatus struct {
	filled, remaining, avg float64
	permID, parentID       int64
	last                   float64
	clientID               int64
	whyHeld                string
}

type ordExec struct {
	c *ibapi.Contract
	x *ibapi.Execution
}

type acctRow struct {
	value, currency, account string
}

type portRow struct {
	c                                     *ibapi.Contract
	pos, price, value, avg, unreal, realz float64
	account                               string
}

type posRow struct {
	account string
	c       *ibapi.Contract
	pos     float64
	avg     float64
}

func (r *recorder) OpenOrder(id int64, c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	r.add(ev{Kind: "OpenOrder", ReqID: id, Msg: st.Status, Data: ordOpen{c, o, st}})
}

func (r *recorder) OrderStatus(id int64, status string, filled, remaining ibapi.Decimal, avg float64, permID, parentID int64, last float64, clientID int64, whyHeld string, mktCap float64) {
	r.add(ev{Kind: "OrderStatus", ReqID: id, Msg: status, Data: ordStatus{filled.Float(), remaining.Float(), avg, permID, parentID, last, clientID, whyHeld}})
}

func (r *recorder) OpenOrderEnd() { r.add(ev{Kind: "OpenOrderEnd"}) }

func (r *recorder) ExecDetails(reqID int64, c *ibapi.Contract, x *ibapi.Execution) {
	r.add(ev{Kind: "ExecDetails", ReqID: reqID, Code: x.OrderID, Msg: x.ExecID, Data: ordExec{c, x}})
}

func (r *recorder) ExecDetailsEnd(reqID int64) { r.add(ev{Kind: "ExecDetailsEnd", ReqID: reqID}) }

// CommissionAndFeesReport records the report with the order id of its
// execution (which always came before it) in Code.
func (r *recorder) CommissionAndFeesReport(cr ibapi.CommissionAndFeesReport) {
	var id int64 = -1
	evs := r.all()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == "ExecDetails" && evs[i].Msg == cr.ExecID {
			id = evs[i].Code
			break
		}
	}
	r.add(ev{Kind: "Commission", Code: id, Msg: cr.ExecID, Data: cr})
}

func (r *recorder) CompletedOrder(c *ibapi.Contract, o *ibapi.Order, st *ibapi.OrderState) {
	r.add(ev{Kind: "CompletedOrder", ReqID: o.PermID, Msg: st.Status, Data: ordOpen{c, o, st}})
}

func (r *recorder) CompletedOrdersEnd() { r.add(ev{Kind: "CompletedOrdersEnd"}) }

func (r *recorder) Position(account string, c *ibapi.Contract, pos ibapi.Decimal, avg float64) {
	r.add(ev{Kind: "Position", ReqID: c.ConID, Data: posRow{account, c, pos.Float(), avg}})
}

func (r *recorder) PositionEnd() { r.add(ev{Kind: "PositionEnd"}) }

func (r *recorder) AccountSummary(reqID int64, account, tag, value, currency string) {
	r.add(ev{Kind: "AccountSummary", ReqID: reqID, Msg: tag, Data: acctRow{value, currency, account}})
}

func (r *recorder) AccountSummaryEnd(reqID int64) { r.add(ev{Kind: "AccountSummaryEnd", ReqID: reqID}) }

func (r *recorder) UpdateAccountValue(tag, val, currency, account string) {
	r.add(ev{Kind: "AccountValue", Msg: tag, Data: acctRow{val, currency, account}})
}

func (r *recorder) UpdatePortfolio(c *ibapi.Contract, pos ibapi.Decimal, price, value, avg, unreal, realized float64, account string) {
	r.add(ev{Kind: "Portfolio", ReqID: c.ConID, Data: portRow{c, pos.Float(), price, value, avg, unreal, realized, account}})
}

func (r *recorder) UpdateAccountTime(ts string) { r.add(ev{Kind: "AccountTime", Msg: ts}) }

func (r *recorder) AccountDownloadEnd(account string) {
	r.add(ev{Kind: "AccountDownloadEnd", Msg: account})
}

func (r *recorder) Pnl(reqID int64, daily, unreal, realized float64) {
	r.add(ev{Kind: "PnL", ReqID: reqID, Data: [3]float64{daily, unreal, realized}})
}

// ---- helpers ----

// ordSim starts a server whose market moves only with the returned clock
// and srv.Tick().
func ordSim(t *testing.T, at time.Time) (*Server, *VirtualClock) {
	t.Helper()
	clk := NewVirtualClock(at)
	return startSim(t, Config{Clock: clk, TickInterval: time.Hour}), clk
}

// ordStock is a SMART-routed US stock.
func ordStock(symbol string) *ibapi.Contract {
	return &ibapi.Contract{Symbol: symbol, SecType: "STK", Exchange: "SMART", Currency: "USD"}
}

func ordNew(action, typ string, qty, lmt, aux float64) *ibapi.Order {
	o := ibapi.NewOrder()
	o.Action = action
	o.OrderType = typ
	o.TotalQuantity = ibapi.StringToDecimal(fmt.Sprint(qty))
	if lmt != 0 {
		o.LmtPrice = lmt
	}
	if aux != 0 {
		o.AuxPrice = aux
	}
	o.TIF = "DAY"
	return o
}

// ordInst returns the instrument of a stock symbol.
func ordInst(t *testing.T, s *Server, symbol string) *market.Instrument {
	t.Helper()
	for _, u := range market.UnderlyingTable {
		if u.Symbol == symbol {
			return s.ref.ByConID(u.ConID, ordAt)
		}
	}
	t.Fatalf("no %s", symbol)
	return nil
}

// ordSync makes a round trip: every message the server sent before it
// has been recorded when it returns.
func ordSync(t *testing.T, c *ibapi.EClient, r *recorder) {
	t.Helper()
	n := 0
	for _, e := range r.all() {
		if e.Kind == "CurrentTime" {
			n++
		}
	}
	c.ReqCurrentTime()
	r.waitNth(t, "CurrentTime", n+1)
}

// ordSeq returns the order messages of order id as "Kind:Status" strings
// (errors as "Error:code").
func ordSeq(r *recorder, id int64) []string {
	var out []string
	for _, e := range r.all() {
		switch e.Kind {
		case "OpenOrder", "OrderStatus":
			if e.ReqID == id {
				out = append(out, e.Kind+":"+e.Msg)
			}
		case "ExecDetails", "Commission":
			if e.Code == id {
				out = append(out, e.Kind)
			}
		case "Error":
			if e.ReqID == id {
				out = append(out, fmt.Sprintf("Error:%d", e.Code))
			}
		}
	}
	return out
}

func ordWantSeq(t *testing.T, r *recorder, id int64, want ...string) {
	t.Helper()
	got := ordSeq(r, id)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("order %d messages:\n got  %v\n want %v", id, got, want)
	}
}

// ordWaitN waits for the n-th event (1-based) that matches.
func ordWaitN(t *testing.T, r *recorder, what string, n int, match func(ev) bool) ev {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		count := 0
		for _, e := range r.events {
			if match(e) {
				count++
				if count == n {
					r.mu.Unlock()
					return e
				}
			}
		}
		ch := r.cond
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s #%d; last events: %v", what, n, tail(r.all(), 20))
			return ev{}
		}
	}
}

// ordWaitStatus waits for the n-th orderStatus of id with status.
func ordWaitStatus(t *testing.T, r *recorder, id int64, status string, n int) ev {
	t.Helper()
	return ordWaitN(t, r, fmt.Sprintf("orderStatus %s of %d", status, id), n, func(e ev) bool {
		return e.Kind == "OrderStatus" && e.ReqID == id && e.Msg == status
	})
}

// ordWaitKind waits for the first event of kind about order id.
func ordWaitKind(t *testing.T, r *recorder, kind string, id int64) ev {
	t.Helper()
	e, _ := r.wait(t, 0, kind, func(e ev) bool {
		if e.Kind != kind {
			return false
		}
		if kind == "ExecDetails" || kind == "Commission" {
			return e.Code == id
		}
		return e.ReqID == id
	})
	return e
}

// ordEvents returns the events of kind about order id.
func ordEvents(r *recorder, kind string, id int64) []ev {
	var out []ev
	for _, e := range r.all() {
		if e.Kind != kind {
			continue
		}
		if (kind == "ExecDetails" || kind == "Commission") && e.Code == id || kind != "ExecDetails" && kind != "Commission" && e.ReqID == id {
			out = append(out, e)
		}
	}
	return out
}

// ordWaitGone waits until the server has released a dropped connection's
// client id (its cleanup runs after the socket closed), so that a
// reconnect with that id is not refused with 326.
func ordWaitGone(t *testing.T, s *Server, clientID int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		s.mu.Lock()
		_, held := s.byID[clientID]
		s.mu.Unlock()
		if !held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("client id %d still registered", clientID)
		}
		time.Sleep(time.Millisecond)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

var execIDRE = regexp.MustCompile(`^0000[0-9a-f]{4}\.[0-9a-f]{8}\.[0-9a-f]{2}\.01$`)

// ---- lifecycles ----

func TestOrderLimitRestsThenModifyFills(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)

	o := ordNew("BUY", "LMT", 100, math.Round((q.Bid-5)*100)/100, 0)
	o.OrderRef = "rest-1"
	c.PlaceOrder(1, ordStock("SPY"), o)
	ordWaitStatus(t, r, 1, "Submitted", 1)
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted")

	oo := ordWaitKind(t, r, "OpenOrder", 1).Data.(ordOpen)
	if oo.o.OrderRef != "rest-1" || oo.o.Account != s.cfg.Account || oo.o.ClientID != 1 || oo.o.PermID == 0 {
		t.Errorf("openOrder: ref %q account %q client %d perm %d", oo.o.OrderRef, oo.o.Account, oo.o.ClientID, oo.o.PermID)
	}
	if oo.c.ConID != spy.ConID || oo.c.Exchange != "SMART" || oo.o.LmtPrice != o.LmtPrice || oo.o.TotalQuantity.Float() != 100 {
		t.Errorf("openOrder contract/order: conId %d exch %s lmt %v qty %v", oo.c.ConID, oo.c.Exchange, oo.o.LmtPrice, oo.o.TotalQuantity)
	}
	st := ordWaitKind(t, r, "OrderStatus", 1).Data.(ordStatus)
	if st.remaining != 100 || st.filled != 0 || st.permID != oo.o.PermID || st.clientID != 1 {
		t.Errorf("orderStatus: %+v", st)
	}

	// The market moves; the order does not fill.
	clk.Advance(time.Minute)
	s.Tick()
	ordSync(t, c, r)
	if n := len(ordSeq(r, 1)); n != 4 {
		t.Fatalf("resting order got more messages: %v", ordSeq(r, 1))
	}

	// Modify: the same id with a marketable price fills at the ask.
	now := clk.Now()
	q = s.prices.Quote(spy, now)
	o.LmtPrice = math.Round((q.Ask+1)*100) / 100
	c.PlaceOrder(1, ordStock("SPY"), o)
	ordWaitStatus(t, r, 1, "Filled", 1)
	ordWaitKind(t, r, "Commission", 1)
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"OpenOrder:Submitted", "OrderStatus:Submitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
	x := ordWaitKind(t, r, "ExecDetails", 1).Data.(ordExec).x
	if x.Price != q.Ask || x.Shares.Float() != 100 || x.OrderRef != "rest-1" {
		t.Errorf("exec price %v shares %v ref %q, want ask %v", x.Price, x.Shares, x.OrderRef, q.Ask)
	}
	if x.LastLiquidity != 2 {
		t.Errorf("lastLiquidity %d, want 2 (removed)", x.LastLiquidity)
	}
}

func TestOrderMarketFillSequence(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 3)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)

	o := ordNew("BUY", "MKT", 100, 0, 0)
	o.OrderRef = "mkt-a"
	c.PlaceOrder(5, ordStock("SPY"), o)
	ordWaitKind(t, r, "Commission", 5)
	ordWantSeq(t, r, 5, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")

	xe := ordWaitKind(t, r, "ExecDetails", 5)
	if xe.ReqID != -1 {
		t.Errorf("unsolicited execDetails reqId %d, want -1", xe.ReqID)
	}
	ex := xe.Data.(ordExec)
	x := ex.x
	if x.Price != q.Ask || x.Side != "BOT" || x.Shares.Float() != 100 || x.CumQty.Float() != 100 || x.AvgPrice != q.Ask {
		t.Errorf("exec: price %v side %s shares %v cum %v avg %v; ask %v", x.Price, x.Side, x.Shares, x.CumQty, x.AvgPrice, q.Ask)
	}
	if x.Time != "20260310 10:00:00 US/Eastern" {
		t.Errorf("exec time %q", x.Time)
	}
	if !execIDRE.MatchString(x.ExecID) {
		t.Errorf("exec id %q does not look like IB's", x.ExecID)
	}
	if x.AcctNumber != s.cfg.Account || x.ClientID != 3 || x.OrderID != 5 || x.OrderRef != "mkt-a" || x.Exchange != "ARCA" || ex.c.Exchange != "ARCA" {
		t.Errorf("exec: acct %s client %d order %d ref %q exch %s/%s", x.AcctNumber, x.ClientID, x.OrderID, x.OrderRef, x.Exchange, ex.c.Exchange)
	}
	if ex.c.ConID != spy.ConID || ex.c.Symbol != "SPY" || ex.c.SecType != "STK" {
		t.Errorf("exec contract %+v", ex.c)
	}
	cr := ordWaitKind(t, r, "Commission", 5).Data.(ibapi.CommissionAndFeesReport)
	if cr.CommissionAndFees != 1.0 || cr.Currency != "USD" || cr.RealizedPNL != math.MaxFloat64 {
		t.Errorf("commission %+v; want 1.00 USD (min), realized unset", cr)
	}
	st := ordWaitStatus(t, r, 5, "Filled", 1).Data.(ordStatus)
	if st.filled != 100 || st.remaining != 0 || st.avg != q.Ask || st.last != q.Ask || st.permID != x.PermID {
		t.Errorf("filled status %+v", st)
	}
	oo := ordEvents(r, "OpenOrder", 5)[1].Data.(ordOpen)
	if oo.st.Status != "Filled" || oo.o.OrderRef != "mkt-a" {
		t.Errorf("filled openOrder %s ref %q", oo.st.Status, oo.o.OrderRef)
	}
	if st := s.Stats(); st.OrdersReceived != 1 || st.OrdersAccepted != 1 || st.OrderFills != 1 || st.OrderRejects != 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestOrderPartialFillsOverTicks(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	amd := ordInst(t, s, "AMD")
	// Three quotes' worth, less a little: three fills on three steps.
	qty := -13.0
	for i := range 3 {
		qty += s.prices.Quote(amd, ordAt.Add(time.Duration(i)*time.Minute)).AskSize
	}
	c.PlaceOrder(1, ordStock("AMD"), ordNew("BUY", "MKT", qty, 0, 0))

	var filled, value, commission float64
	step := 0
	for filled < qty-engine.QtyEps {
		now := clk.Now()
		q := s.prices.Quote(amd, now)
		want := math.Min(qty-filled, q.AskSize)
		step++
		e := ordWaitNthExec(t, r, 1, step)
		x := e.Data.(ordExec).x
		if x.Shares.Float() != want || x.Price != q.Ask {
			t.Fatalf("fill %d at %s: %v @ %v, want %v @ %v", step, now.Format("15:04"), x.Shares, x.Price, want, q.Ask)
		}
		filled += want
		value += want * q.Ask
		if x.CumQty.Float() != filled || !near(x.AvgPrice, value/filled) {
			t.Fatalf("fill %d: cum %v avg %v, want %v %v", step, x.CumQty, x.AvgPrice, filled, value/filled)
		}
		// Commission: this order's total so far minus what was charged.
		total := math.Min(math.Max(0.005*filled, 1), 0.01*value)
		cr := ordWaitNth(t, r, "Commission", 1, step).Data.(ibapi.CommissionAndFeesReport)
		if !near(cr.CommissionAndFees, total-commission) {
			t.Fatalf("fill %d commission %v, want %v", step, cr.CommissionAndFees, total-commission)
		}
		commission = total
		if filled < qty-engine.QtyEps {
			st := ordWaitStatus(t, r, 1, "Submitted", step).Data.(ordStatus)
			if st.filled != filled || st.remaining != qty-filled {
				t.Fatalf("partial status %+v, want filled %v remaining %v", st, filled, qty-filled)
			}
			clk.Advance(time.Minute)
			s.Tick()
		}
	}
	if step < 3 {
		t.Fatalf("only %d fills for %v shares", step, qty)
	}
	ordWaitStatus(t, r, 1, "Filled", 1)
	ordWaitNth(t, r, "Commission", 1, step)
	want := []string{"OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted"}
	for i := 0; i < step; i++ {
		st := "Submitted"
		if i == step-1 {
			st = "Filled"
		}
		want = append(want, "ExecDetails", "OpenOrder:"+st, "OrderStatus:"+st, "Commission")
	}
	ordWantSeq(t, r, 1, want...)
}

func ordWaitNthExec(t *testing.T, r *recorder, id int64, n int) ev {
	return ordWaitNth(t, r, "ExecDetails", id, n)
}

func ordWaitNth(t *testing.T, r *recorder, kind string, id int64, n int) ev {
	t.Helper()
	return ordWaitN(t, r, fmt.Sprintf("%s of order %d", kind, id), n, func(e ev) bool {
		return e.Kind == kind && e.Code == id
	})
}

// ordScan returns the first minute after at (within n minutes) where ok
// holds for the quote, and that quote.
func ordScan(s *Server, in *market.Instrument, at time.Time, n int, ok func(market.Quote) bool) (time.Time, market.Quote, bool) {
	for i := 1; i <= n; i++ {
		t := at.Add(time.Duration(i) * time.Minute)
		if q := s.prices.Quote(in, t); ok(q) {
			return t, q, true
		}
	}
	return time.Time{}, market.Quote{}, false
}

func TestOrderStopTriggersThenMarket(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q0 := s.prices.Quote(spy, ordAt)
	// A sell stop below the market that the path reaches within two hours.
	lo := q0.Last
	for i := 1; i <= 120; i++ {
		lo = math.Min(lo, s.prices.Quote(spy, ordAt.Add(time.Duration(i)*time.Minute)).Last)
	}
	if lo >= q0.Last-0.02 {
		t.Skip("price path does not fall in the first two hours")
	}
	stop := math.Round((q0.Last+lo)/2*100) / 100
	c.PlaceOrder(1, ordStock("SPY"), ordNew("SELL", "STP", 100, 0, stop))
	ordWaitStatus(t, r, 1, "PreSubmitted", 1)
	at, qt, ok := ordScan(s, spy, ordAt, 120, func(q market.Quote) bool { return q.Last <= stop })
	if !ok {
		t.Fatal("no trigger minute")
	}
	for clk.Now().Before(at) {
		clk.Advance(time.Minute)
		s.Tick()
	}
	ordWaitStatus(t, r, 1, "Filled", 1)
	ordWaitKind(t, r, "Commission", 1)
	// The stop stays PreSubmitted until elected, then fills as a market order.
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
	x := ordWaitKind(t, r, "ExecDetails", 1).Data.(ordExec).x
	if x.Price != qt.Bid || x.Side != "SLD" || x.Time != at.Format("20060102 15:04:05")+" US/Eastern" {
		t.Errorf("stop fill %v %s at %s, want bid %v at %s", x.Price, x.Side, x.Time, qt.Bid, at.Format("15:04"))
	}
}

func TestOrderStopLimitBecomesLimit(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q0 := s.prices.Quote(spy, ordAt)
	// Elected at once (a buy stop below the last), then a limit below the
	// ask that a later quote reaches.
	minAsk := math.Inf(1)
	for i := 1; i <= 60; i++ {
		minAsk = math.Min(minAsk, s.prices.Quote(spy, ordAt.Add(time.Duration(i)*time.Minute)).Ask)
	}
	if minAsk >= q0.Ask {
		t.Skip("ask does not fall in the first hour")
	}
	lmt := minAsk
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "STP LMT", 10, lmt, q0.Last-1))
	ordWaitStatus(t, r, 1, "Submitted", 1)
	at, qt, _ := ordScan(s, spy, ordAt, 60, func(q market.Quote) bool { return q.Ask <= lmt })
	for clk.Now().Before(at) {
		clk.Advance(time.Minute)
		s.Tick()
	}
	ordWaitStatus(t, r, 1, "Filled", 1)
	ordWaitKind(t, r, "Commission", 1)
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
	x := ordWaitKind(t, r, "ExecDetails", 1).Data.(ordExec).x
	if x.Price != qt.Ask || x.Price > lmt || x.LastLiquidity != 1 {
		t.Errorf("stop-limit fill %v (liq %d), want ask %v <= %v (added liquidity)", x.Price, x.LastLiquidity, qt.Ask, lmt)
	}
}

func TestOrderIOCAndFOK(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	amd := ordInst(t, s, "AMD")
	q := s.prices.Quote(amd, ordAt)

	// IOC limit that cannot fill: PendingCancel, Cancelled.
	o := ordNew("BUY", "LMT", 10, math.Round((q.Bid-1)*100)/100, 0)
	o.TIF = "IOC"
	c.PlaceOrder(1, ordStock("AMD"), o)
	ordWaitStatus(t, r, 1, "Cancelled", 1)
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OrderStatus:PendingCancel", "OrderStatus:Cancelled")

	// IOC market larger than the quote: fills the quoted size, the rest is
	// cancelled.
	o = ordNew("BUY", "MKT", q.AskSize+50, 0, 0)
	o.TIF = "IOC"
	c.PlaceOrder(2, ordStock("AMD"), o)
	st := ordWaitStatus(t, r, 2, "Cancelled", 1).Data.(ordStatus)
	ordWantSeq(t, r, 2, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "ExecDetails", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"Commission", "OrderStatus:PendingCancel", "OrderStatus:Cancelled")
	if st.filled != q.AskSize || st.remaining != 50 {
		t.Errorf("IOC cancelled with %+v, want filled %v remaining 50", st, q.AskSize)
	}

	// FOK larger than the quote: Inactive, nothing filled.
	o = ordNew("BUY", "MKT", q.AskSize+50, 0, 0)
	o.TIF = "FOK"
	c.PlaceOrder(3, ordStock("AMD"), o)
	ordWaitStatus(t, r, 3, "Inactive", 1)
	ordWantSeq(t, r, 3, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Inactive", "OrderStatus:Inactive")

	// FOK within the quote: fills in full.
	o = ordNew("BUY", "MKT", q.AskSize, 0, 0)
	o.TIF = "FOK"
	c.PlaceOrder(4, ordStock("AMD"), o)
	ordWaitKind(t, r, "Commission", 4)
	ordWantSeq(t, r, 4, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
}

func TestOrderCancelSequence(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 10, math.Round((q.Bid-3)*100)/100, 0))
	ordWaitStatus(t, r, 1, "Submitted", 1)
	c.CancelOrder(1, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	e := r.waitError(t, 1, 202)
	if e.Msg != "Order Canceled - reason:" {
		t.Errorf("202 text %q", e.Msg)
	}
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"OrderStatus:PendingCancel", "OrderStatus:Cancelled", "Error:202")

	// Cancelling again: the order is done.
	c.CancelOrder(1, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	e = r.waitError(t, 1, 10148)
	if e.Msg != "OrderId 1 that needs to be cancelled cannot be cancelled, state: Cancelled." {
		t.Errorf("10148 text %q", e.Msg)
	}
	c.CancelOrder(77, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	e = r.waitError(t, 77, 10147)
	if e.Msg != "OrderId 77 that needs to be cancelled is not found." {
		t.Errorf("10147 text %q", e.Msg)
	}
	// Another client cannot cancel client 1's order.
	c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "LMT", 10, math.Round((q.Bid-3)*100)/100, 0))
	ordWaitStatus(t, r, 2, "Submitted", 1)
	c2, r2 := dial(t, s, 2)
	c2.CancelOrder(2, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	r2.waitError(t, 2, 10147)
}

func TestOrderBracketHeldThenOCA(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)

	parent := ordNew("BUY", "LMT", 100, math.Round((q.Bid-2)*100)/100, 0)
	parent.Transmit = false
	parent.OrderRef = "br"
	tp := ordNew("SELL", "LMT", 100, math.Round((q.Ask+20)*100)/100, 0)
	tp.ParentID, tp.Transmit = 10, false
	sl := ordNew("SELL", "STP", 100, 0, math.Round((q.Bid-30)*100)/100)
	sl.ParentID, sl.Transmit = 10, true

	c.PlaceOrder(10, ordStock("SPY"), parent)
	c.PlaceOrder(11, ordStock("SPY"), tp)
	ordSync(t, c, r)
	if got := append(ordSeq(r, 10), ordSeq(r, 11)...); len(got) != 0 {
		t.Fatalf("untransmitted orders were reported: %v", got)
	}
	c.PlaceOrder(12, ordStock("SPY"), sl)
	ordWaitStatus(t, r, 12, "PreSubmitted", 1)
	ordWaitStatus(t, r, 10, "Submitted", 1)
	ordSync(t, c, r)
	ordWantSeq(t, r, 10, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted")
	// The children wait for the parent's fill.
	ordWantSeq(t, r, 11, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted")
	ordWantSeq(t, r, 12, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted")
	if st := ordWaitKind(t, r, "OrderStatus", 11).Data.(ordStatus); st.parentID != 10 {
		t.Errorf("child parentId %d", st.parentID)
	}
	var order []int64
	for _, e := range r.all() {
		if e.Kind == "OpenOrder" {
			order = append(order, e.ReqID)
		}
	}
	if fmt.Sprint(order[:3]) != "[10 11 12]" {
		t.Errorf("group released in order %v, want parent first", order)
	}

	// The parent fills (modified to marketable): the take-profit works,
	// the stop stays held by the simulated-stop rule.
	clk.Advance(time.Minute)
	q = s.prices.Quote(spy, clk.Now())
	parent.LmtPrice = math.Round((q.Ask+1)*100) / 100
	parent.Transmit = true
	c.PlaceOrder(10, ordStock("SPY"), parent)
	ordWaitStatus(t, r, 11, "Submitted", 1)
	ordSync(t, c, r)
	ordWantSeq(t, r, 10, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"OpenOrder:Submitted", "OrderStatus:Submitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
	ordWantSeq(t, r, 11, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted")
	ordWantSeq(t, r, 12, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted")

	// The take-profit fills: the stop is cancelled (one-cancels-all).
	clk.Advance(time.Minute)
	q = s.prices.Quote(spy, clk.Now())
	tp.LmtPrice = math.Round((q.Bid-1)*100) / 100
	tp.Transmit = true
	c.PlaceOrder(11, ordStock("SPY"), tp)
	ordWaitStatus(t, r, 12, "Cancelled", 1)
	ordWaitKind(t, r, "Commission", 11)
	ordWantSeq(t, r, 11, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"OpenOrder:Submitted", "OrderStatus:Submitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
	ordWantSeq(t, r, 12, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OrderStatus:Cancelled")
	if x := ordWaitKind(t, r, "ExecDetails", 11).Data.(ordExec).x; x.Price != q.Bid || x.Side != "SLD" {
		t.Errorf("take-profit fill %v %s, want bid %v", x.Price, x.Side, q.Bid)
	}
	c.ReqOpenOrders()
	r.waitKind(t, "OpenOrderEnd", anyReq)
	if n := len(ordEvents(r, "OpenOrder", 12)); n != 1 {
		t.Errorf("stop still open after the OCA cancel")
	}
}

func TestOrderExplicitOCAGroup(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)
	a := ordNew("BUY", "LMT", 10, math.Round((q.Bid-2)*100)/100, 0)
	a.OCAGroup, a.OCAType = "g1", 1
	c.PlaceOrder(1, ordStock("SPY"), a)
	ordWaitStatus(t, r, 1, "Submitted", 1)
	b := ordNew("BUY", "MKT", 10, 0, 0)
	b.OCAGroup, b.OCAType = "g1", 1
	c.PlaceOrder(2, ordStock("SPY"), b)
	ordWaitStatus(t, r, 1, "Cancelled", 1)
	ordWantSeq(t, r, 2, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "ExecDetails", "OpenOrder:Filled", "OrderStatus:Filled", "Commission")
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted", "OrderStatus:Cancelled")

	// ocaType 2 reduces the others by the filled quantity.
	a = ordNew("BUY", "LMT", 100, math.Round((q.Bid-2)*100)/100, 0)
	a.OCAGroup, a.OCAType = "g2", 2
	c.PlaceOrder(3, ordStock("SPY"), a)
	ordWaitStatus(t, r, 3, "Submitted", 1)
	b = ordNew("BUY", "MKT", 10, 0, 0)
	b.OCAGroup, b.OCAType = "g2", 2
	c.PlaceOrder(4, ordStock("SPY"), b)
	ordWaitKind(t, r, "Commission", 4)
	ordSync(t, c, r)
	ordWantSeq(t, r, 3, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted", "OpenOrder:Submitted", "OrderStatus:Submitted")
	oo := ordEvents(r, "OpenOrder", 3)
	st := ordEvents(r, "OrderStatus", 3)
	if q := oo[2].Data.(ordOpen).o.TotalQuantity.Float(); q != 90 || st[2].Data.(ordStatus).remaining != 90 {
		t.Errorf("reduced to %v (remaining %v), want 90", q, st[2].Data.(ordStatus).remaining)
	}
}

func TestOrderWhatIf(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)
	o := ordNew("BUY", "MKT", 100, 0, 0)
	o.WhatIf = true
	c.PlaceOrder(1, ordStock("SPY"), o)
	e := ordWaitKind(t, r, "OpenOrder", 1)
	ordSync(t, c, r)
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted")
	st := e.Data.(ordOpen).st
	mid := (q.Bid + q.Ask) / 2
	wantInit := engine.Round2(0.5 * 100 * mid)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if st.InitMarginBefore != "0" || st.InitMarginChange != f(wantInit) || st.InitMarginAfter != f(wantInit) {
		t.Errorf("init margin %s/%s/%s, want 0/%v/%v", st.InitMarginBefore, st.InitMarginChange, st.InitMarginAfter, wantInit, wantInit)
	}
	if st.EquityWithLoanBefore != "1000000" || st.MaintMarginAfter != f(engine.Round2(0.25*100*mid)) {
		t.Errorf("ewl before %s maint after %s", st.EquityWithLoanBefore, st.MaintMarginAfter)
	}
	if st.CommissionAndFees != 1 || st.CommissionAndFeesCurrency != "USD" || st.MarginCurrency != "USD" || st.WarningText != "" {
		t.Errorf("preview commission %v %s margin cur %s warning %q", st.CommissionAndFees, st.CommissionAndFeesCurrency, st.MarginCurrency, st.WarningText)
	}
	if !e.Data.(ordOpen).o.WhatIf {
		t.Error("whatIf flag not echoed")
	}
	// Nothing is kept.
	c.ReqOpenOrders()
	r.waitKind(t, "OpenOrderEnd", anyReq)
	if n := len(ordEvents(r, "OpenOrder", 1)); n != 1 {
		t.Errorf("what-if order listed as open")
	}
	// A what-if too large for the account carries IB's reject text.
	o = ordNew("BUY", "MKT", 10000, 0, 0)
	o.WhatIf = true
	c.PlaceOrder(2, ordStock("SPY"), o)
	st = ordWaitKind(t, r, "OpenOrder", 2).Data.(ordOpen).st
	if !strings.HasPrefix(st.WarningText, "YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [1000000.00 USD] MUST EXCEED THE INITIAL MARGIN [") {
		t.Errorf("warning %q", st.WarningText)
	}
}

func TestOrderIDRules(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)
	lmt := math.Round((q.Bid-2)*100) / 100
	c.PlaceOrder(10, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	ordWaitStatus(t, r, 10, "Submitted", 1)
	// A lower id than the highest used.
	c.PlaceOrder(5, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	if e := r.waitError(t, 5, 103); e.Msg != "Duplicate order id" {
		t.Errorf("103 text %q", e.Msg)
	}
	// A used id that is no longer open.
	c.PlaceOrder(11, ordStock("SPY"), ordNew("BUY", "MKT", 1, 0, 0))
	ordWaitStatus(t, r, 11, "Filled", 1)
	c.PlaceOrder(11, ordStock("SPY"), ordNew("BUY", "MKT", 1, 0, 0))
	r.waitError(t, 11, 103)
	// Re-sending the open id 10 modifies it.
	c.PlaceOrder(10, ordStock("SPY"), ordNew("BUY", "LMT", 20, lmt-1, 0))
	ordWaitStatus(t, r, 10, "Submitted", 2)
	if oo := ordEvents(r, "OpenOrder", 10); oo[len(oo)-1].Data.(ordOpen).o.TotalQuantity.Float() != 20 {
		t.Errorf("modified quantity not reported")
	}
	// Ids are per client id: client 2 may use 5.
	c2, r2 := dial(t, s, 2)
	c2.PlaceOrder(5, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	ordWaitStatus(t, r2, 5, "Submitted", 1)
	// nextValidId moves past the used ids.
	c.ReqIDs(1)
	if e, _ := r.waitNth(t, "NextValidID", 2); e.Data.(int64) != 12 {
		t.Errorf("nextValidId %v, want 12", e.Data)
	}
}

func TestOrderValidationErrors(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "FOO", 10, 1, 0))
	if e := r.waitError(t, 1, 321); e.Msg != "Error validating request.-'bF' : cause - Invalid order type was entered" {
		t.Errorf("321 text %q", e.Msg)
	}
	c.PlaceOrder(2, &ibapi.Contract{Symbol: "NOPE", SecType: "STK", Exchange: "SMART", Currency: "USD"}, ordNew("BUY", "MKT", 10, 0, 0))
	if e := r.waitError(t, 2, 200); e.Msg != "No security definition has been found for the request" {
		t.Errorf("200 text %q", e.Msg)
	}
	c.PlaceOrder(3, &ibapi.Contract{Symbol: "SPY", SecType: "STK", Currency: "USD"}, ordNew("BUY", "MKT", 10, 0, 0))
	if e := r.waitError(t, 3, 321); !strings.HasSuffix(e.Msg, "Missing order exchange") {
		t.Errorf("missing exchange text %q", e.Msg)
	}
	// Insufficient funds: 10,000 SPY needs more initial margin than the
	// account's $1,000,000 of equity with loan value.
	c.PlaceOrder(4, ordStock("SPY"), ordNew("BUY", "MKT", 10000, 0, 0))
	e := r.waitError(t, 4, 201)
	re := regexp.MustCompile(`^Order rejected - reason:YOUR ORDER IS NOT ACCEPTED\. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE \[1000000\.00 USD\] MUST EXCEED THE INITIAL MARGIN \[[0-9]+\.[0-9]{2} USD\]$`)
	if !re.MatchString(e.Msg) {
		t.Errorf("201 text %q", e.Msg)
	}
	// The fault panel's rejection: its code and text, nothing kept, the id
	// not consumed.
	s.RejectNextOrders(1, 201, "Order rejected - reason:Simulated")
	c.PlaceOrder(5, ordStock("SPY"), ordNew("BUY", "MKT", 1, 0, 0))
	if e := r.waitError(t, 5, 201); e.Msg != "Order rejected - reason:Simulated" {
		t.Errorf("injected text %q", e.Msg)
	}
	c.PlaceOrder(5, ordStock("SPY"), ordNew("BUY", "MKT", 1, 0, 0))
	ordWaitStatus(t, r, 5, "Filled", 1)
	c.ReqOpenOrders()
	r.waitKind(t, "OpenOrderEnd", anyReq)
	for _, id := range []int64{1, 2, 3, 4} {
		if n := len(ordEvents(r, "OpenOrder", id)); n != 0 {
			t.Errorf("rejected order %d was reported", id)
		}
	}
	if st := s.Stats(); st.OrderRejects != 5 || st.OrdersReceived != 6 {
		t.Errorf("stats rejects %d received %d", st.OrderRejects, st.OrdersReceived)
	}
}

func TestOrderGlobalCancel(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c1, r1 := dial(t, s, 1)
	c2, r2 := dial(t, s, 2)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	lmt := math.Round((q.Bid-2)*100) / 100
	c1.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	c2.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	c2.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	ordWaitStatus(t, r1, 1, "Submitted", 1)
	ordWaitStatus(t, r2, 2, "Submitted", 1)
	c1.ReqGlobalCancel(ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	r1.waitError(t, 1, 202)
	r2.waitError(t, 1, 202)
	r2.waitError(t, 2, 202)
	ordWantSeq(t, r2, 2, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted",
		"OrderStatus:PendingCancel", "OrderStatus:Cancelled", "Error:202")
	c1.ReqAllOpenOrders()
	r1.waitKind(t, "OpenOrderEnd", anyReq)
	if n := len(ordEvents(r1, "OpenOrder", 1)); n != 2 {
		t.Errorf("orders still open after global cancel")
	}
}

func TestOrderOpenOrderLists(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c1, r1 := dial(t, s, 1)
	c2, r2 := dial(t, s, 2)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	lmt := math.Round((q.Bid-2)*100) / 100
	c1.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	c2.PlaceOrder(7, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	ordWaitStatus(t, r1, 1, "Submitted", 1)
	ordWaitStatus(t, r2, 7, "Submitted", 1)
	// reqOpenOrders: this client's only.
	c1.ReqOpenOrders()
	e, i := r1.wait(t, 0, "OpenOrderEnd", func(e ev) bool { return e.Kind == "OpenOrderEnd" })
	_ = e
	evs := r1.all()[:i]
	if len(ordEvents(&recorder{events: evs}, "OpenOrder", 7)) != 0 || len(ordEvents(&recorder{events: evs}, "OpenOrder", 1)) != 3 {
		t.Errorf("reqOpenOrders listed %v", ordSeq(&recorder{events: evs}, 7))
	}
	// reqAllOpenOrders: every client's, each with its client id.
	c1.ReqAllOpenOrders()
	r1.waitNth(t, "OpenOrderEnd", 2)
	o7 := ordEvents(r1, "OpenOrder", 7)
	if len(o7) != 1 || o7[0].Data.(ordOpen).o.ClientID != 2 {
		t.Errorf("reqAllOpenOrders: %v", o7)
	}
	if st := ordEvents(r1, "OrderStatus", 7); len(st) != 1 || st[0].Msg != "Submitted" {
		t.Errorf("reqAllOpenOrders status: %v", st)
	}
	// reqAutoOpenOrders is accepted silently.
	c1.ReqAutoOpenOrders(true)
	ordSync(t, c1, r1)
	if len(r1.errorsWith(320)) != 0 {
		t.Error("reqAutoOpenOrders answered with 320")
	}
}

func TestOrderResentOnReconnect(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 7)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	lmt := math.Round((q.Bid-2)*100) / 100
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "MKT", 10, 0, 0))
	ordWaitStatus(t, r, 1, "Submitted", 1)
	ordWaitStatus(t, r, 2, "Filled", 1)
	s.KillClient(7, 0)
	r.waitKind(t, "ConnectionClosed", anyReq)
	ordWaitGone(t, s, 7)

	c2, r2 := dial(t, s, 7)
	_ = c2
	// The open order follows the bootstrap, as openOrder + orderStatus.
	ordWantSeq(t, r2, 1, "OpenOrder:Submitted", "OrderStatus:Submitted")
	ordWantSeq(t, r2, 2)
	kinds := []string{}
	for _, e := range r2.all() {
		kinds = append(kinds, e.Kind)
	}
	got := strings.Join(kinds, " ")
	if !strings.Contains(got, "NextValidID Error Error Error OpenOrder OrderStatus") {
		t.Errorf("reconnect messages: %s", got)
	}
	// Another client id does not get them.
	_, r3 := dial(t, s, 8)
	if n := len(ordEvents(r3, "OpenOrder", 1)); n != 0 {
		t.Errorf("client 8 got client 7's order")
	}
}

func TestOrderRestartFloor(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	lmt := math.Round((q.Bid-2)*100) / 100
	c.PlaceOrder(3, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	ordWaitStatus(t, r, 3, "Submitted", 1)
	if err := s.Restart(0); err != nil {
		t.Fatal(err)
	}
	r.waitKind(t, "ConnectionClosed", anyReq)
	ordWaitGone(t, s, 1)
	c2, r2 := dial(t, s, 1)
	next := r2.waitKind(t, "NextValidID", anyReq).Data.(int64)
	if next < 1000 {
		t.Fatalf("nextValidId after restart %d", next)
	}
	// The order survived the restart and is sent again.
	ordWaitStatus(t, r2, 3, "Submitted", 1)
	// Ids below the new floor are refused, even unused ones.
	c2.PlaceOrder(4, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	r2.waitError(t, 4, 103)
	c2.PlaceOrder(next-1, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	r2.waitError(t, next-1, 103)
	c2.PlaceOrder(next, ordStock("SPY"), ordNew("BUY", "LMT", 10, lmt, 0))
	ordWaitStatus(t, r2, next, "Submitted", 1)
	// The pre-restart order can still be cancelled.
	c2.CancelOrder(3, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	r2.waitError(t, 3, 202)
}

func TestOrderOutsideRegularHours(t *testing.T) {
	pre := time.Date(2026, 3, 10, 8, 0, 0, 0, market.NewYork)
	s, clk := ordSim(t, pre)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	// A market order before the open waits PreSubmitted.
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 10, 0, 0))
	// An outsideRth marketable limit fills in the pre-market.
	qp := s.prices.Quote(spy, pre)
	o := ordNew("BUY", "LMT", 10, math.Round((qp.Ask+1)*100)/100, 0)
	o.OutsideRTH = true
	c.PlaceOrder(2, ordStock("SPY"), o)
	ordWaitKind(t, r, "Commission", 2)
	if x := ordWaitKind(t, r, "ExecDetails", 2).Data.(ordExec).x; x.Price != qp.Ask {
		t.Errorf("pre-market fill %v, want ask %v", x.Price, qp.Ask)
	}
	// A limit without outsideRth waits too.
	o = ordNew("BUY", "LMT", 10, math.Round((qp.Ask+20)*100)/100, 0)
	c.PlaceOrder(3, ordStock("SPY"), o)
	ordSync(t, c, r)
	ordWantSeq(t, r, 1, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted")
	ordWantSeq(t, r, 3, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted")

	// At the open both fill at the 09:30 ask.
	open := time.Date(2026, 3, 10, 9, 30, 0, 0, market.NewYork)
	clk.Set(open)
	s.Tick()
	ordWaitStatus(t, r, 1, "Filled", 1)
	ordWaitStatus(t, r, 3, "Filled", 1)
	qo := s.prices.Quote(spy, open)
	if x := ordWaitKind(t, r, "ExecDetails", 1).Data.(ordExec).x; x.Price != qo.Ask || x.Time != "20260310 09:30:00 US/Eastern" {
		t.Errorf("open fill %v at %s, want %v", x.Price, x.Time, qo.Ask)
	}

	// A DAY limit resting at the close ends at 16:00.
	clk.Set(time.Date(2026, 3, 10, 15, 59, 0, 0, market.NewYork))
	q := s.prices.Quote(spy, clk.Now())
	c.PlaceOrder(4, ordStock("SPY"), ordNew("BUY", "LMT", 10, math.Round((q.Bid-2)*100)/100, 0))
	ordWaitStatus(t, r, 4, "Submitted", 1)
	gtc := ordNew("BUY", "LMT", 10, math.Round((q.Bid-2)*100)/100, 0)
	gtc.TIF = "GTC"
	c.PlaceOrder(5, ordStock("SPY"), gtc)
	ordWaitStatus(t, r, 5, "Submitted", 1)
	clk.Set(time.Date(2026, 3, 10, 16, 0, 0, 0, market.NewYork))
	s.Tick()
	ordWaitStatus(t, r, 4, "Cancelled", 1)
	ordSync(t, c, r)
	ordWantSeq(t, r, 5, "OpenOrder:PreSubmitted", "OrderStatus:PreSubmitted", "OpenOrder:Submitted", "OrderStatus:Submitted")
}

func TestOrderOptionFill(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	call, _ := nearMoney(t, s, spy, ordAt)
	q := s.prices.Quote(call, ordAt)
	con := &ibapi.Contract{ConID: call.ConID, Exchange: "SMART"}
	c.PlaceOrder(1, con, ordNew("BUY", "MKT", 2, 0, 0))
	ordWaitKind(t, r, "Commission", 1)
	ex := ordWaitKind(t, r, "ExecDetails", 1).Data.(ordExec)
	if ex.x.Price != q.Ask || ex.c.SecType != "OPT" || ex.c.Multiplier != "100" || ex.x.Exchange != "CBOE" {
		t.Errorf("option fill %v %s mult %s exch %s; ask %v", ex.x.Price, ex.c.SecType, ex.c.Multiplier, ex.x.Exchange, q.Ask)
	}
	cr := ordWaitKind(t, r, "Commission", 1).Data.(ibapi.CommissionAndFeesReport)
	if cr.CommissionAndFees != 1.3 {
		t.Errorf("option commission %v, want 2 x 0.65", cr.CommissionAndFees)
	}
	c.ReqPositions()
	r.waitKind(t, "PositionEnd", anyReq)
	p := r.waitKind(t, "Position", call.ConID).Data.(posRow)
	if p.pos != 2 || !near(p.avg, q.Ask*100+0.65) {
		t.Errorf("option position %v @ %v, want 2 @ %v (multiplier and commission in)", p.pos, p.avg, q.Ask*100+0.65)
	}
}

func TestOrderCompletedOrders(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	o := ordNew("BUY", "MKT", 10, 0, 0)
	o.OrderRef = "done-1"
	c.PlaceOrder(1, ordStock("SPY"), o)
	ordWaitStatus(t, r, 1, "Filled", 1)
	c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "LMT", 10, math.Round((q.Bid-2)*100)/100, 0))
	ordWaitStatus(t, r, 2, "Submitted", 1)
	c.CancelOrder(2, ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	r.waitError(t, 2, 202)
	c.ReqCompletedOrders(true)
	r.waitKind(t, "CompletedOrdersEnd", anyReq)
	var got []string
	for _, e := range r.all() {
		if e.Kind == "CompletedOrder" {
			d := e.Data.(ordOpen)
			got = append(got, fmt.Sprintf("%s/%s/%s/%v", d.st.Status, d.st.CompletedStatus, d.o.OrderRef, d.o.FilledQuantity.Float()))
			if !strings.HasPrefix(d.st.CompletedTime, "20260310 10:00:00") {
				t.Errorf("completed time %q", d.st.CompletedTime)
			}
		}
	}
	if strings.Join(got, " ") != "Filled/Filled Size: 10/done-1/10 Cancelled/Cancelled by Trader//0" {
		t.Errorf("completed orders: %v", got)
	}
}

// TestOrderGlobalCancelHeld: reqGlobalCancel ends a held (not transmitted)
// order with orderStatus Cancelled too.
func TestOrderGlobalCancelHeld(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	q := s.prices.Quote(ordInst(t, s, "SPY"), ordAt)
	held := ordNew("BUY", "LMT", 10, math.Round((q.Bid-2)*100)/100, 0)
	held.Transmit = false
	c.PlaceOrder(5, ordStock("SPY"), held)
	ordSync(t, c, r)
	c.ReqGlobalCancel(ibapi.OrderCancel{ManualOrderIndicator: ibapi.UNSET_INT})
	ordWaitStatus(t, r, 5, "Cancelled", 1)
	c.ReqAllOpenOrders()
	r.waitKind(t, "OpenOrderEnd", anyReq)
	if n := len(ordEvents(r, "OpenOrder", 5)); n != 0 {
		t.Errorf("held order 5 listed %d times after global cancel", n)
	}
}
