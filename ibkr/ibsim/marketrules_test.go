package ibsim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// Market rule tests: reqMarketRule through the real client, the
// marketRuleIds of every instrument, the tick check at the rungs' edges,
// and the quotes of the market model on the same rules.

type ruleAnswer struct {
	id   int64
	incs []ibapi.PriceIncrement
}

func (r *recorder) MarketRule(id int64, incs []ibapi.PriceIncrement) {
	r.add(ev{Kind: "MarketRule", ReqID: id, Data: ruleAnswer{id, incs}})
}

// wantRules are the ladders the simulator serves, written out (not read
// from the table under test).
var wantRules = map[int64][]ibapi.PriceIncrement{
	26:   {{LowEdge: 0, Increment: 0.0001}, {LowEdge: 1, Increment: 0.01}},
	32:   {{LowEdge: 0, Increment: 0.01}, {LowEdge: 3, Increment: 0.05}},
	109:  {{LowEdge: 0, Increment: 0.01}, {LowEdge: 3, Increment: 0.05}},
	9001: {{LowEdge: 0, Increment: 0.01}},
	9002: {{LowEdge: 0, Increment: 0.05}, {LowEdge: 3, Increment: 0.10}},
}

func TestMarketRuleRequests(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt)})
	c, r := dial(t, s, 1)
	if got := fmt.Sprint(market.MarketRuleIDs()); got != "[26 32 109 9001 9002]" {
		t.Fatalf("table ids %s", got)
	}
	unknown := []int64{0, -7, 27, 110, 2147483647}
	from := len(r.all())
	for _, id := range []int64{26, 32, 109, 9001, 9002} {
		c.ReqMarketRule(id)
	}
	for _, id := range unknown {
		c.ReqMarketRule(id)
	}
	ordSync(t, c, r)

	// Message by message: one marketRule per known id, in request order,
	// then one error 321 on request id -1 per unknown id.
	var got []string
	for _, e := range r.all()[from:] {
		switch e.Kind {
		case "MarketRule":
			a := e.Data.(ruleAnswer)
			got = append(got, fmt.Sprintf("rule %d %v", a.id, a.incs))
		case "Error":
			got = append(got, fmt.Sprintf("error %d/%d %s", e.ReqID, e.Code, e.Msg))
		}
	}
	var want []string
	for _, id := range []int64{26, 32, 109, 9001, 9002} {
		want = append(want, fmt.Sprintf("rule %d %v", id, wantRules[id]))
	}
	for _, id := range unknown {
		if id == math.MaxInt32 && HighestServerVersion >= wire.VerProtoRest2 {
			// scmhub's protobuf request leaves out its unset marker: the
			// Gateway reads no id, which is 0.
			id = 0
		}
		want = append(want, fmt.Sprintf("error -1/321 Error validating request: no market rule is available for id %d.", id))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("answers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The connection is still served.
	c.ReqMarketRule(26)
	if e, _ := r.waitNth(t, "MarketRule", 6); e.ReqID != 26 {
		t.Errorf("after the errors: %v", e)
	}
}

// A reqMarketRule whose id is missing or not a number gets 320 and the
// connection stays open.
func TestMarketRuleMalformed(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt)})
	nc, br, _ := rawHandshake(t, s.Addr(), "v100..200")
	var b []byte
	b = append(b, frameText("71", "2", "5", "")...)
	b = append(b, frameText("91", "abc")...)
	b = append(b, frameText("91")...)
	b = append(b, frameText("91", "109")...)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	var errs []string
	for {
		p, err := wire.ReadFrame(br)
		if err != nil {
			t.Fatalf("read: %v (errors so far %v)", err, errs)
		}
		f := wire.SplitFields(p)
		// errMsg at version 200: id, reqId, code, text, advanced reject, time.
		if f[0] == "4" && len(f) >= 4 && f[2] == "320" {
			errs = append(errs, f[3])
		}
		if f[0] == "93" {
			if strings.Join(f, ",") != "93,109,2,0,0.01,3,0.05" {
				t.Errorf("marketRule fields %q", f)
			}
			break
		}
	}
	if len(errs) != 2 || !strings.Contains(errs[0], `field 1 (marketRuleId) = "abc"`) || !strings.Contains(errs[1], "marketRuleId") {
		t.Errorf("320 texts %q", errs)
	}
}

// Every instrument's marketRuleIds align with its validExchanges, name IB's
// rules where they are known (26 for US stocks, 32 on SMART and the penny
// venues and 109 elsewhere for penny-program options), and resolve through
// reqMarketRule; minTick is the rule's smallest increment (0.01 for
// stocks, as IB reports it).
func TestEveryInstrumentRuleResolves(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt)})
	c, r := dial(t, s, 1)
	seen := map[string]bool{}
	req := int64(100)
	check := func(cd *ibapi.ContractDetails, want func(exchange string) string, minTick float64) {
		t.Helper()
		ids := strings.Split(cd.MarketRuleIDs, ",")
		exs := strings.Split(cd.ValidExchanges, ",")
		if len(ids) != len(exs) || len(exs) < 1 {
			t.Fatalf("%s on %s: %d rule ids for %d valid exchanges", cd.Contract.LocalSymbol, cd.Contract.Exchange, len(ids), len(exs))
		}
		for i, ex := range exs {
			if ids[i] != want(ex) {
				t.Errorf("%s (%s): rule %s on %s, want %s", cd.Contract.LocalSymbol, cd.Contract.Exchange, ids[i], ex, want(ex))
			}
			seen[ids[i]] = true
		}
		if cd.MinTick != minTick {
			t.Errorf("%s: minTick %v, want %v", cd.Contract.LocalSymbol, cd.MinTick, minTick)
		}
	}
	for _, u := range market.UnderlyingTable {
		req++
		ct := stock(u.Symbol, "", "USD")
		if u.SecType == "IND" {
			ct.SecType = "IND"
		}
		listings := details(t, c, r, req, ct)
		if len(listings) == 0 {
			t.Fatalf("%s: no listings", u.Symbol)
		}
		for _, cd := range listings {
			if u.SecType == "IND" {
				check(cd, func(string) string { return "9001" }, 0.01)
			} else {
				check(cd, func(string) string { return "26" }, 0.01)
			}
		}
		if u.Idx < 0 {
			continue
		}
		exp := "20260320"
		k := atm(t, s.ref, u.Symbol, exp, ordAt)
		req++
		opts := details(t, c, r, req, option(u.Symbol, exp, k, "P", ""))
		if len(opts) != len(market.OptionExchanges) {
			t.Fatalf("%s option: %d listings, want %d", u.Symbol, len(opts), len(market.OptionExchanges))
		}
		for _, cd := range opts {
			if u.IndexETF {
				check(cd, func(string) string { return "9001" }, 0.01)
				continue
			}
			check(cd, func(ex string) string {
				switch ex {
				case "SMART", "NASDAQOM", "NASDAQBX", "IBUSOPT":
					return "32"
				}
				return "109"
			}, 0.01)
		}
	}
	// The single-stock option layout is the one IB reports (captured for
	// an NVDA option on these 19 exchanges).
	req++
	nv := details(t, c, r, req, option("NVDA", "20260320", atm(t, s.ref, "NVDA", "20260320", ordAt), "C", "SMART"))
	if got := nv[0].MarketRuleIDs; got != "32,109,109,109,109,109,109,109,32,109,32,109,109,109,109,109,109,109,32" {
		t.Errorf("NVDA option marketRuleIds %s", got)
	}
	// Every id seen resolves.
	from := len(r.all())
	n := 0
	for id := range seen {
		v, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			t.Fatalf("rule id %q", id)
		}
		c.ReqMarketRule(v)
		n++
	}
	ordSync(t, c, r)
	answered := 0
	for _, e := range r.all()[from:] {
		if e.Kind == "Error" && e.Code == 321 {
			t.Errorf("a listed rule id did not resolve: %v", e)
		}
		if e.Kind == "MarketRule" {
			answered++
			if !seen[strconv.FormatInt(e.ReqID, 10)] || len(e.Data.(ruleAnswer).incs) == 0 {
				t.Errorf("unexpected answer %v", e)
			}
		}
	}
	if answered != n || n != 4 {
		t.Errorf("%d answers for %d distinct ids (want 4: 26, 32, 109, 9001)", answered, n)
	}
}

// The order engine's tick check at the rungs' edges, through the wire: an
// accepted order gets openOrder + orderStatus, a refused one error 110 with
// IB's text and nothing else (a real Gateway sends no order status for
// it); a modification off the tick gets 110 and the order is unchanged.
func TestTickCheckEdges(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	c, r := dial(t, s, 1)
	aapl := ordInst(t, s, "AAPL")
	aplOpt, _ := nearMoney(t, s, aapl, ordAt)
	spyOpt, _ := nearMoney(t, s, ordInst(t, s, "SPY"), ordAt)
	aplSmart := &ibapi.Contract{ConID: aplOpt.ConID, Exchange: "SMART"}
	aplCBOE := &ibapi.Contract{ConID: aplOpt.ConID, Exchange: "CBOE"}
	spySmart := &ibapi.Contract{ConID: spyOpt.ConID, Exchange: "SMART"}

	type probe struct {
		con      *ibapi.Contract
		typ      string
		lmt, aux float64
		ok       bool
	}
	probes := []probe{
		{aplSmart, "LMT", 2.99, 0, true},
		{aplSmart, "LMT", 3.00, 0, true},
		{aplSmart, "LMT", 3.01, 0, false},
		{aplSmart, "LMT", 3.05, 0, true},
		{aplSmart, "LMT", 2.995, 0, false},
		{aplSmart, "LMT", 0.01, 0, true},
		{aplCBOE, "LMT", 3.01, 0, false},
		{aplCBOE, "LMT", 3.10, 0, true},
		{spySmart, "LMT", 3.01, 0, true},
		{spySmart, "LMT", 2.99, 0, true},
		{spySmart, "LMT", 3.015, 0, false},
		{ordStock("AAPL"), "LMT", 0.9999, 0, true},
		{ordStock("AAPL"), "LMT", 1.00, 0, true},
		{ordStock("AAPL"), "LMT", 1.0001, 0, false},
		{ordStock("AAPL"), "LMT", 0.99995, 0, false},
		{ordStock("AAPL"), "LMT", 100.01, 0, true},
		{ordStock("AAPL"), "LMT", 100.015, 0, false},
		{ordStock("AAPL"), "STP", 0, 1.0001, false},
		{ordStock("AAPL"), "STP LMT", 0.9999, 0.99991, false},
		{ordStock("AAPL"), "STP LMT", 0.9999, 0.9998, true},
	}
	for i, p := range probes {
		o := ordNew("BUY", p.typ, 1, p.lmt, p.aux)
		if p.typ == "STP" {
			o.Action = "SELL" // a sell stop far below the market rests
		}
		c.PlaceOrder(int64(i+1), p.con, o)
	}
	ordSync(t, c, r)
	for i, p := range probes {
		id := int64(i + 1)
		seq := ordSeq(r, id)
		if p.ok {
			if len(seq) < 2 || seq[0] != "OpenOrder:PreSubmitted" || seq[1] != "OrderStatus:PreSubmitted" {
				t.Errorf("%v %s %v/%v: %v, want accepted", p.con.Exchange, p.typ, p.lmt, p.aux, seq)
			}
			continue
		}
		if strings.Join(seq, " ") != "Error:110" {
			t.Errorf("%v %s %v/%v: %v, want only error 110", p.con.Exchange, p.typ, p.lmt, p.aux, seq)
			continue
		}
		if e := ordEvents(r, "Error", id)[0]; e.Msg != "The price does not conform to the minimum price variation for this contract." {
			t.Errorf("110 text %q", e.Msg)
		}
	}

	// A modification off the tick: 110, the order keeps its price. Order 4
	// is the accepted buy at 3.05, resting below the option's ask.
	if q := s.prices.Quote(aplOpt, ordAt); q.Ask <= 3.05 || len(ordEvents(r, "ExecDetails", 4)) != 0 {
		t.Fatalf("order 4 did not rest (ask %v)", q.Ask)
	}
	c.PlaceOrder(4, aplSmart, ordNew("BUY", "LMT", 1, 3.02, 0))
	ordSync(t, c, r)
	if seq := ordSeq(r, 4); seq[len(seq)-1] != "Error:110" {
		t.Fatalf("modification to 3.02: %v", seq)
	}
	c.ReqOpenOrders()
	r.waitKind(t, "OpenOrderEnd", anyReq)
	oo := ordEvents(r, "OpenOrder", 4)
	if last := oo[len(oo)-1].Data.(ordOpen).o; last.LmtPrice != 3.05 {
		t.Errorf("order 4 after the refused modification: limit %v, want 3.05", last.LmtPrice)
	}
	if st := s.Stats(); st.Errors(110) != 10 {
		t.Errorf("110 sent %d times, want 10", st.Errors(110))
	}
}

// Option quotes, trades and prices keep to their market rule: penny
// program options in nickels from $3, the index ETFs' options in pennies.
func TestOptionQuotesKeepToTheirRule(t *testing.T) {
	s, _ := ordSim(t, ordAt)
	nickels, pennies := 0, 0
	for _, sym := range []string{"AAPL", "MSFT", "SPY", "IWM"} {
		opts := s.ref.Resolve(market.ContractQuery{Symbol: sym, SecType: "OPT", Expiry: "20260417", Exchange: "SMART"}, ordAt)
		if len(opts) < 20 {
			t.Fatalf("%s: %d options", sym, len(opts))
		}
		for i, in := range opts {
			if i%5 != 0 {
				continue
			}
			rule := market.RuleOf(in)
			for _, at := range []time.Time{ordAt, ordAt.Add(95 * time.Minute), ordAt.Add(-30 * time.Minute), ordAt.Add(24 * time.Hour)} {
				q := s.prices.Quote(in, at)
				for name, p := range map[string]float64{"bid": q.Bid, "ask": q.Ask, "last": q.Last, "close": q.Close, "open": q.Open, "high": q.High, "low": q.Low} {
					if p <= 0 {
						continue
					}
					if !rule.OnTick(p) {
						t.Fatalf("%s %s at %s: %s %v is off rule %d", sym, in.LocalSymbol, at.Format("15:04"), name, p, rule.ID)
					}
					if p >= 3 && sym != "SPY" && sym != "IWM" {
						nickels++
					} else {
						pennies++
					}
				}
			}
		}
	}
	if nickels < 50 || pennies < 50 {
		t.Errorf("prices checked: %d on nickels, %d on pennies; want many of both", nickels, pennies)
	}
}

// A client below version 126 cannot ask for market rules; contract details
// at such a version carry no marketRuleIds, and those from 126 on do.
func TestMarketRuleIDsByVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    bool
	}{{"v100..125", false}, {"v100..126", true}} {
		s := startSim(t, Config{Clock: NewVirtualClock(ordAt)})
		nc, br, hs := rawHandshake(t, s.Addr(), tc.version)
		v, _ := strconv.Atoi(hs[0])
		var b []byte
		b = append(b, frameText("71", "2", "3", "")...)
		fields := []string{"9", "8", "7", "0", "IBM", "STK", "", "0", "", "", "SMART", "", "USD", "", "", "0", "", ""}
		b = append(b, frameText(fields...)...)
		if _, err := nc.Write(b); err != nil {
			t.Fatal(err)
		}
		found := false
		for !found {
			p, err := wire.ReadFrame(br)
			if err != nil {
				t.Fatalf("version %d: %v", v, err)
			}
			f := wire.SplitFields(p)
			if f[0] == "10" {
				found = true
				has := strings.Contains(strings.Join(f, "|"), "|26,26,26,26,")
				if has != tc.want {
					t.Errorf("version %d: marketRuleIds present %v, want %v", v, has, tc.want)
				}
			}
		}
	}
}
