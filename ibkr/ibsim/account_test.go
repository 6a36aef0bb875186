package ibsim

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// Account tests: the account's values, positions and PnL change exactly as
// the fills and the quotes imply, computed here independently from the
// quotes of the market model.

// acctSummary requests an account summary, waits for its end and returns
// the rows by tag (ledger rows as tag/currency), then cancels it.
func acctSummary(t *testing.T, c *ibapi.EClient, r *recorder, reqID int64, tags string) map[string]acctRow {
	t.Helper()
	c.ReqAccountSummary(reqID, "All", tags)
	r.waitKind(t, "AccountSummaryEnd", reqID)
	out := map[string]acctRow{}
	for _, e := range r.all() {
		if e.Kind == "AccountSummary" && e.ReqID == reqID {
			row := e.Data.(acctRow)
			key := e.Msg
			if _, dup := out[key]; dup {
				key += "/" + row.currency
			}
			out[key] = row
		}
		if e.Kind == "AccountSummaryEnd" && e.ReqID == reqID {
			break
		}
	}
	c.CancelAccountSummary(reqID)
	return out
}

// acctNum parses a money value.
func acctNum(t *testing.T, rows map[string]acctRow, tag string) float64 {
	t.Helper()
	row, ok := rows[tag]
	if !ok {
		t.Fatalf("tag %s missing", tag)
	}
	v, err := strconv.ParseFloat(row.value, 64)
	if err != nil {
		t.Fatalf("tag %s = %q: %v", tag, row.value, err)
	}
	return v
}

// acctWant checks money tags against expected values (to the cent).
func acctWant(t *testing.T, rows map[string]acctRow, want map[string]float64) {
	t.Helper()
	for tag, w := range want {
		if got := acctNum(t, rows, tag); math.Abs(got-w) > 0.0101 {
			t.Errorf("%s = %v, want %.2f", tag, got, w)
		}
		if rows[tag].currency != "USD" {
			t.Errorf("%s currency %q", tag, rows[tag].currency)
		}
	}
}

func TestAccountStartingValues(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	rows := acctSummary(t, c, r, 1, ibapi.GetAllTags())
	if len(rows) != 29 {
		t.Errorf("%d tags answered, want all 29", len(rows))
	}
	for tag, row := range rows {
		if row.account != s.cfg.Account {
			t.Errorf("%s for account %q", tag, row.account)
		}
	}
	want := map[string]string{
		"AccountType": "INDIVIDUAL", "NetLiquidation": "1000000.00", "TotalCashValue": "1000000.00",
		"EquityWithLoanValue": "1000000.00", "GrossPositionValue": "0.00", "InitMarginReq": "0.00",
		"MaintMarginReq": "0.00", "AvailableFunds": "1000000.00", "ExcessLiquidity": "1000000.00",
		"BuyingPower": "4000000.00", "Cushion": "1", "Leverage": "0",
	}
	for tag, w := range want {
		if rows[tag].value != w {
			t.Errorf("%s = %q, want %q", tag, rows[tag].value, w)
		}
	}
}

func TestAccountValuesFollowFills(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	q := s.prices.Quote(spy, ordAt)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	ordWaitKind(t, r, "Commission", 1)

	avg := (100*q.Ask + 1) / 100 // commission in the average cost
	c.ReqPositions()
	r.waitKind(t, "PositionEnd", anyReq)
	p := r.waitKind(t, "Position", spy.ConID).Data.(posRow)
	if p.pos != 100 || !near(p.avg, avg) || p.account != s.cfg.Account || p.c.Symbol != "SPY" {
		t.Fatalf("position %+v, want 100 @ %v", p, avg)
	}

	tags := "NetLiquidation,TotalCashValue,GrossPositionValue,EquityWithLoanValue,InitMarginReq,MaintMarginReq,AvailableFunds,ExcessLiquidity,BuyingPower,$LEDGER"
	mid := (q.Bid + q.Ask) / 2
	cash := engine.StartingCash - 100*q.Ask - 1
	stock := 100 * mid
	ewl := cash + stock
	rows := acctSummary(t, c, r, 2, tags)
	acctWant(t, rows, map[string]float64{
		"NetLiquidation": cash + stock, "TotalCashValue": cash, "GrossPositionValue": stock,
		"EquityWithLoanValue": ewl, "InitMarginReq": 0.5 * stock, "MaintMarginReq": 0.25 * stock,
		"AvailableFunds": ewl - 0.5*stock, "ExcessLiquidity": ewl - 0.25*stock, "BuyingPower": 4 * (ewl - 0.5*stock),
	})
	if got := acctNum(t, rows, "UnrealizedPnL"); math.Abs(got-(stock-100*avg)) > 0.0101 {
		t.Errorf("UnrealizedPnL %v, want %.2f", got, stock-100*avg)
	}
	if rows["StockMarketValue"].currency != "BASE" || acctNum(t, rows, "StockMarketValue") != engine.Round2(stock) {
		t.Errorf("ledger StockMarketValue %+v", rows["StockMarketValue"])
	}

	// Sell 40 a minute later: realized PnL at the bid, net of commission.
	clk.Advance(time.Minute)
	q2 := s.prices.Quote(spy, clk.Now())
	c.PlaceOrder(2, ordStock("SPY"), ordNew("SELL", "MKT", 40, 0, 0))
	cr := ordWaitKind(t, r, "Commission", 2).Data.(ibapi.CommissionAndFeesReport)
	realized := (q2.Bid-avg)*40 - 1
	if math.Abs(cr.RealizedPNL-realized) > 1e-6 {
		t.Errorf("realized %v, want %v", cr.RealizedPNL, realized)
	}
	if p := ordWaitNthPosition(t, r, spy.ConID, 2); p.pos != 60 || !near(p.avg, avg) {
		t.Errorf("after the sale %v @ %v, want 60 @ %v", p.pos, p.avg, avg)
	}
	mid2 := (q2.Bid + q2.Ask) / 2
	cash2 := cash + 40*q2.Bid - 1
	rows = acctSummary(t, c, r, 3, tags)
	acctWant(t, rows, map[string]float64{
		"TotalCashValue": cash2, "NetLiquidation": cash2 + 60*mid2, "GrossPositionValue": 60 * mid2,
		"InitMarginReq": 0.5 * 60 * mid2,
	})
	if got := acctNum(t, rows, "RealizedPnL"); math.Abs(got-realized) > 0.0101 {
		t.Errorf("RealizedPnL %v, want %.2f", got, realized)
	}
}

func ordWaitNthPosition(t *testing.T, r *recorder, conID int64, n int) posRow {
	t.Helper()
	return ordWaitN(t, r, "position", n, func(e ev) bool { return e.Kind == "Position" && e.ReqID == conID }).Data.(posRow)
}

func TestAccountSummaryUpdatesEveryThreeMinutes(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 1000, 0, 0))
	ordWaitKind(t, r, "Commission", 1)
	c.ReqAccountSummary(5, "All", "NetLiquidation")
	r.waitKind(t, "AccountSummaryEnd", 5)
	count := func() int {
		n := 0
		for _, e := range r.all() {
			if e.Kind == "AccountSummary" && e.ReqID == 5 {
				n++
			}
		}
		return n
	}
	for range 2 {
		clk.Advance(time.Minute)
		s.Tick()
	}
	ordSync(t, c, r)
	if n := count(); n != 1 {
		t.Fatalf("%d summary rows within 3 minutes, want only the first", n)
	}
	clk.Advance(time.Minute)
	s.Tick()
	e := ordWaitN(t, r, "summary update", 2, func(e ev) bool { return e.Kind == "AccountSummary" && e.ReqID == 5 })
	q := s.prices.Quote(spy, clk.Now())
	q0 := s.prices.Quote(spy, ordAt)
	want := engine.StartingCash - 1000*q0.Ask - 5 + 1000*(q.Bid+q.Ask)/2
	if v, _ := strconv.ParseFloat(e.Data.(acctRow).value, 64); math.Abs(v-want) > 0.0101 {
		t.Errorf("updated NetLiquidation %v, want %.2f", v, want)
	}
}

func TestAccountSummaryLimit(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	c.ReqAccountSummary(1, "All", "NetLiquidation")
	c.ReqAccountSummary(2, "All", "NetLiquidation")
	r.waitKind(t, "AccountSummaryEnd", 2)
	c.ReqAccountSummary(3, "All", "NetLiquidation")
	e := r.waitError(t, 3, 322)
	if e.Msg != "Maximum number of account summary requests exceeded; desubscribe to previous request first" {
		t.Errorf("322 text %q", e.Msg)
	}
	c.CancelAccountSummary(1)
	c.ReqAccountSummary(4, "All", "NetLiquidation")
	r.waitKind(t, "AccountSummaryEnd", 4)
	// The limit is per connection.
	c2, r2 := dial(t, s, 2)
	c2.ReqAccountSummary(1, "All", "TotalCashValue")
	r2.waitKind(t, "AccountSummaryEnd", 1)
}

func TestAccountUpdatesAndPortfolio(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	c.ReqAccountUpdates(true, s.cfg.Account)
	if e := r.waitKind(t, "AccountDownloadEnd", anyReq); e.Msg != s.cfg.Account {
		t.Errorf("download end for %q", e.Msg)
	}
	vals := map[string]acctRow{}
	for _, e := range r.all() {
		if e.Kind == "AccountValue" {
			vals[e.Msg+"/"+e.Data.(acctRow).currency] = e.Data.(acctRow)
		}
	}
	if vals["NetLiquidation/USD"].value != "1000000.00" || vals["AccountCode/"].value != s.cfg.Account || vals["CashBalance/BASE"].value != "1000000.00" {
		t.Errorf("account values: %v", vals)
	}
	if e := r.waitKind(t, "AccountTime", anyReq); e.Msg != "10:00" {
		t.Errorf("account time %q", e.Msg)
	}

	q := s.prices.Quote(spy, ordAt)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	pe := r.waitKind(t, "Portfolio", spy.ConID)
	p := pe.Data.(portRow)
	mid := (q.Bid + q.Ask) / 2
	avg := q.Ask + 0.01
	if p.pos != 100 || !near(p.price, mid) || !near(p.value, engine.Round2(100*mid)) || !near(p.avg, avg) ||
		!near(p.unreal, engine.Round2(100*mid-100*avg)) || p.realz != 0 || p.account != s.cfg.Account || p.c.PrimaryExchange != "ARCA" {
		t.Errorf("portfolio %+v, want 100 @ mark %v avg %v", p, mid, avg)
	}
	e := ordWaitN(t, r, "cash update", 1, func(e ev) bool {
		return e.Kind == "AccountValue" && e.Msg == "TotalCashValue" && e.Data.(acctRow).value != "1000000.00"
	})
	if v, _ := strconv.ParseFloat(e.Data.(acctRow).value, 64); math.Abs(v-(engine.StartingCash-100*q.Ask-1)) > 0.0101 {
		t.Errorf("cash after the fill %v", v)
	}
	// Unsubscribing stops the updates.
	c.ReqAccountUpdates(false, s.cfg.Account)
	ordSync(t, c, r)
	n := len(r.all())
	c.PlaceOrder(2, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	ordWaitKind(t, r, "Commission", 2)
	for _, e := range r.all()[n:] {
		if e.Kind == "Portfolio" || e.Kind == "AccountValue" {
			t.Fatalf("update after unsubscribing: %v", e)
		}
	}
}

func TestAccountPositionsLive(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	c.ReqPositions()
	r.waitKind(t, "PositionEnd", anyReq)
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	if p := ordWaitNthPosition(t, r, spy.ConID, 1); p.pos != 100 || p.c.Exchange != "ARCA" {
		t.Errorf("live position %+v", p)
	}
	c.PlaceOrder(2, ordStock("SPY"), ordNew("SELL", "MKT", 100, 0, 0))
	if p := ordWaitNthPosition(t, r, spy.ConID, 2); p.pos != 0 || p.avg != 0 {
		t.Errorf("closed position %+v, want 0", p)
	}
	c.CancelPositions()
	c.PlaceOrder(3, ordStock("SPY"), ordNew("BUY", "MKT", 5, 0, 0))
	ordWaitKind(t, r, "Commission", 3)
	ordSync(t, c, r)
	if n := len(ordEvents(r, "Position", spy.ConID)); n != 2 {
		t.Errorf("%d position messages after cancelPositions, want 2", n)
	}
	// A closed position stays listed (quantity 0) for the day; reopened here.
	c.ReqPositions()
	r.waitNth(t, "PositionEnd", 2)
	if p := ordWaitNthPosition(t, r, spy.ConID, 3); p.pos != 5 {
		t.Errorf("listed %v", p.pos)
	}
}

func TestAccountPnL(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	c.ReqPnL(9, s.cfg.Account, "")
	if v := r.waitKind(t, "PnL", 9).Data.([3]float64); v != [3]float64{} {
		t.Errorf("initial pnl %v", v)
	}
	q0 := s.prices.Quote(spy, ordAt)
	q := q0
	c.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	v := ordWaitN(t, r, "pnl", 2, func(e ev) bool { return e.Kind == "PnL" }).Data.([3]float64)
	unreal := engine.Round2(100*(q.Bid+q.Ask)/2 - (100*q.Ask + 1))
	if v != [3]float64{unreal, unreal, 0} {
		t.Errorf("pnl after the fill %v, want daily = unrealized = %v", v, unreal)
	}
	clk.Advance(time.Minute)
	q = s.prices.Quote(spy, clk.Now())
	s.Tick()
	v = ordWaitN(t, r, "pnl", 3, func(e ev) bool { return e.Kind == "PnL" }).Data.([3]float64)
	if want := engine.Round2(100*(q.Bid+q.Ask)/2 - (100*q0.Ask + 1)); v[1] != want {
		t.Errorf("pnl a minute later %v, want unrealized %v", v, want)
	}
	c.CancelPnL(9)
	ordSync(t, c, r)
	clk.Advance(time.Minute)
	s.Tick()
	ordSync(t, c, r)
	if n := len(ordEvents(r, "PnL", 9)); n != 3 {
		t.Errorf("%d pnl messages, want 3 (none after cancelPnL)", n)
	}
}

func TestAccountShortOptionMargin(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	call, _ := nearMoney(t, s, spy, ordAt)
	q := s.prices.Quote(call, ordAt)
	und := s.prices.Quote(spy, ordAt)
	c.PlaceOrder(1, &ibapi.Contract{ConID: call.ConID, Exchange: "SMART"}, ordNew("SELL", "MKT", 1, 0, 0))
	ordWaitKind(t, r, "Commission", 1)
	mark := (q.Bid + q.Ask) / 2
	sPx := (und.Bid + und.Ask) / 2
	otm := math.Max(call.Strike-sPx, 0)
	margin := (mark + math.Max(0.2*sPx-otm, 0.1*sPx)) * 100
	cash := engine.StartingCash + 100*q.Bid - 1
	rows := acctSummary(t, c, r, 1, "NetLiquidation,TotalCashValue,EquityWithLoanValue,InitMarginReq,MaintMarginReq,GrossPositionValue")
	acctWant(t, rows, map[string]float64{
		"TotalCashValue": cash, "EquityWithLoanValue": cash, "NetLiquidation": cash - 100*mark,
		"InitMarginReq": margin, "MaintMarginReq": margin, "GrossPositionValue": 100 * mark,
	})
	c.ReqPositions()
	r.waitKind(t, "PositionEnd", anyReq)
	if p := r.waitKind(t, "Position", call.ConID).Data.(posRow); p.pos != -1 || !near(p.avg, 100*q.Bid-1) {
		t.Errorf("short option %v @ %v, want -1 @ %v", p.pos, p.avg, 100*q.Bid-1)
	}
}

func TestAccountExecutionsFilter(t *testing.T) {
	s, clk := ordSim(t, ordAt)
	c1, r1 := dial(t, s, 1)
	c2, r2 := dial(t, s, 2)
	c1.PlaceOrder(1, ordStock("SPY"), ordNew("BUY", "MKT", 100, 0, 0))
	ordWaitKind(t, r1, "Commission", 1)
	clk.Advance(time.Minute)
	c2.PlaceOrder(1, ordStock("AAPL"), ordNew("SELL", "MKT", 50, 0, 0))
	ordWaitKind(t, r2, "Commission", 1)
	clk.Advance(time.Minute)
	o := ordNew("BUY", "MKT", 10, 0, 0)
	o.OrderRef = "amd"
	c1.PlaceOrder(2, ordStock("AMD"), o)
	ordWaitKind(t, r1, "Commission", 2)

	req := int64(100)
	run := func(name string, f *ibapi.ExecutionFilter, want string) {
		t.Helper()
		req++
		c1.ReqExecutions(req, f)
		r1.waitKind(t, "ExecDetailsEnd", req)
		var got []string
		execIDs := map[string]bool{}
		for _, e := range r1.all() {
			if e.Kind == "ExecDetails" && e.ReqID == req {
				d := e.Data.(ordExec)
				got = append(got, d.c.Symbol)
				execIDs[d.x.ExecID] = true
			}
		}
		// Each execDetails is followed by its commission report.
		n := 0
		for _, e := range r1.all() {
			if e.Kind == "Commission" && execIDs[e.Msg] {
				n++
			}
		}
		if strings.Join(got, ",") != want || n < len(got) {
			t.Errorf("%s: %v (%d commission reports), want %s", name, got, n, want)
		}
	}
	all := ibapi.NewExecutionFilter()
	run("no filter", all, "SPY,AAPL,AMD")
	f := ibapi.NewExecutionFilter()
	f.ClientID = 2
	run("clientId", f, "AAPL")
	f = ibapi.NewExecutionFilter()
	f.Symbol = "SPY"
	run("symbol", f, "SPY")
	f = ibapi.NewExecutionFilter()
	f.Side = "SELL"
	run("side", f, "AAPL")
	f = ibapi.NewExecutionFilter()
	f.Time = "20260310 10:01:00"
	run("time", f, "AAPL,AMD")
	f = ibapi.NewExecutionFilter()
	f.Time = "20260310-14:02:00" // UTC: 10:02 New York (daylight saving time)
	run("utc time", f, "AMD")
	f = ibapi.NewExecutionFilter()
	f.SecType = "OPT"
	run("secType", f, "")
	f = ibapi.NewExecutionFilter()
	f.Exchange = "ISLAND"
	run("exchange", f, "AAPL,AMD")
	f = ibapi.NewExecutionFilter()
	f.AcctCode = "DU999"
	run("account", f, "")
	f = ibapi.NewExecutionFilter()
	f.LastNDays = 1
	run("lastNDays", f, "SPY,AAPL,AMD")
	f = ibapi.NewExecutionFilter()
	f.SpecificDates = []int64{20260309}
	run("other date", f, "")

	// The next day, the default filter returns nothing; lastNDays 2 all.
	clk.Set(time.Date(2026, 3, 11, 10, 0, 0, 0, market.NewYork))
	run("next day", ibapi.NewExecutionFilter(), "")
	f = ibapi.NewExecutionFilter()
	f.LastNDays = 2
	run("two days", f, "SPY,AAPL,AMD")
	f = ibapi.NewExecutionFilter()
	f.SpecificDates = []int64{20260310}
	run("specific date", f, "SPY,AAPL,AMD")
	// The reqId execDetails carry the order's ref.
	for _, e := range r1.all() {
		if e.Kind == "ExecDetails" && e.ReqID > 100 && e.Data.(ordExec).c.Symbol == "AMD" && e.Data.(ordExec).x.OrderRef != "amd" {
			t.Errorf("orderRef not echoed: %q", e.Data.(ordExec).x.OrderRef)
		}
	}
}
