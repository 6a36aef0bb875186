package ibsim

import (
	"bufio"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// secDefParam is one SecurityDefinitionOptionParameter callback.
type secDefParam struct {
	Exchange     string
	UnderConID   int64
	TradingClass string
	Multiplier   string
	Expirations  []string
	Strikes      []float64
}

func (r *recorder) ContractDetails(reqID int64, cd *ibapi.ContractDetails) {
	r.add(ev{Kind: "ContractDetails", ReqID: reqID, Data: cd})
}
func (r *recorder) ContractDetailsEnd(reqID int64) {
	r.add(ev{Kind: "ContractDetailsEnd", ReqID: reqID})
}
func (r *recorder) SecurityDefinitionOptionParameter(reqID int64, exchange string, underlyingConID int64, tradingClass string, multiplier string, expirations []string, strikes []float64) {
	r.add(ev{Kind: "SecDefOptParam", ReqID: reqID, Data: secDefParam{exchange, underlyingConID, tradingClass, multiplier, expirations, strikes}})
}
func (r *recorder) SecurityDefinitionOptionParameterEnd(reqID int64) {
	r.add(ev{Kind: "SecDefOptParamEnd", ReqID: reqID})
}

// details requests contract details and returns them once contractDataEnd
// arrived.
func details(t *testing.T, c *ibapi.EClient, r *recorder, reqID int64, ct *ibapi.Contract) []*ibapi.ContractDetails {
	t.Helper()
	c.ReqContractDetails(reqID, ct)
	r.waitKind(t, "ContractDetailsEnd", reqID)
	var out []*ibapi.ContractDetails
	for _, e := range r.all() {
		if e.Kind == "ContractDetails" && e.ReqID == reqID {
			out = append(out, e.Data.(*ibapi.ContractDetails))
		}
		if e.Kind == "Error" && e.ReqID == reqID {
			t.Fatalf("req %d: unexpected %v", reqID, e)
		}
	}
	return out
}

// notFound requests contract details and expects error 200 and no
// contractDataEnd.
func notFound(t *testing.T, c *ibapi.EClient, r *recorder, reqID int64, ct *ibapi.Contract) {
	t.Helper()
	c.ReqContractDetails(reqID, ct)
	e := r.waitError(t, reqID, 200)
	if e.Msg != "No security definition has been found for the request" {
		t.Errorf("req %d: error 200 text %q", reqID, e.Msg)
	}
	// Requests are answered in order: once currentTime is back, a
	// contractDataEnd for reqID would have arrived.
	n := len(r.all())
	c.ReqCurrentTime()
	r.wait(t, n, "currentTime", func(e ev) bool { return e.Kind == "CurrentTime" })
	for _, e := range r.all() {
		if (e.Kind == "ContractDetailsEnd" || e.Kind == "ContractDetails") && e.ReqID == reqID {
			t.Errorf("req %d: %s after error 200", reqID, e.Kind)
		}
	}
}

func stock(symbol, exchange, currency string) *ibapi.Contract {
	ct := ibapi.NewContract()
	ct.Symbol, ct.SecType, ct.Exchange, ct.Currency = symbol, "STK", exchange, currency
	return ct
}

func option(symbol, expiry string, strike float64, right, exchange string) *ibapi.Contract {
	ct := ibapi.NewContract()
	ct.Symbol, ct.SecType, ct.LastTradeDateOrContractMonth = symbol, "OPT", expiry
	ct.Strike, ct.Right, ct.Exchange, ct.Currency = strike, right, exchange, "USD"
	return ct
}

func TestContractDetailsStocks(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork))})
	c, r := dial(t, s, 1)

	// Symbol and secType only: one result per listing, all one conId.
	amb := details(t, c, r, 1, stock("AAPL", "", ""))
	if len(amb) < 5 {
		t.Fatalf("AAPL without exchange: %d results, want several (ambiguous)", len(amb))
	}
	exch := map[string]bool{}
	for _, cd := range amb {
		if cd.Contract.ConID != 265598 {
			t.Errorf("listing conId %d", cd.Contract.ConID)
		}
		exch[cd.Contract.Exchange] = true
	}
	if len(exch) != len(amb) || !exch["SMART"] || !exch["ISLAND"] || !exch["NYSE"] {
		t.Errorf("listing exchanges %v", exch)
	}

	one := details(t, c, r, 2, stock("AAPL", "SMART", "USD"))
	if len(one) != 1 {
		t.Fatalf("AAPL SMART USD: %d results, want 1", len(one))
	}
	cd := one[0]
	ct := cd.Contract
	if ct.ConID != 265598 || ct.Exchange != "SMART" || ct.PrimaryExchange != "NASDAQ" || ct.Currency != "USD" ||
		ct.LocalSymbol != "AAPL" || ct.TradingClass != "NMS" || ct.SecType != "STK" || ct.Multiplier != "" {
		t.Errorf("AAPL contract %+v", ct)
	}
	if cd.MinTick != 0.01 || cd.MarketName != "NMS" || cd.StockType != "COMMON" || cd.TimeZoneID != "US/Eastern" ||
		cd.AggGroup != 1 || cd.PriceMagnifier != 1 || cd.Industry != "Technology" {
		t.Errorf("AAPL details %+v", cd)
	}
	nEx := len(strings.Split(cd.ValidExchanges, ","))
	if rules := strings.Split(cd.MarketRuleIDs, ","); len(rules) != nEx || rules[0] != "26" {
		t.Errorf("marketRuleIds %q for %d valid exchanges", cd.MarketRuleIDs, nEx)
	}
	if cd.MinSize != ibapi.StringToDecimal("0.0001") || cd.SizeIncrement != ibapi.StringToDecimal("0.0001") ||
		cd.SuggestedSizeIncrement != ibapi.StringToDecimal("100") {
		t.Errorf("sizes %v %v %v", cd.MinSize, cd.SizeIncrement, cd.SuggestedSizeIncrement)
	}
	if len(cd.SecIDList) != 1 || cd.SecIDList[0].Tag != "ISIN" || cd.SecIDList[0].Value != "US0378331005" {
		t.Errorf("secIdList %+v", cd.SecIDList)
	}
	if !strings.HasPrefix(cd.TradingHours, "20260310:0400-20260310:2000;") || !strings.HasPrefix(cd.LiquidHours, "20260310:0930-20260310:1600;") ||
		!strings.Contains(cd.LiquidHours, "20260314:CLOSED") {
		t.Errorf("hours %q / %q", cd.TradingHours, cd.LiquidHours)
	}

	spy := details(t, c, r, 3, stock("SPY", "SMART", "USD"))
	if len(spy) != 1 || spy[0].Contract.ConID != 756733 || spy[0].Contract.PrimaryExchange != "ARCA" || spy[0].StockType != "ETF" {
		t.Errorf("SPY %+v", spy)
	}
	ibm := details(t, c, r, 4, stock("IBM", "SMART", "USD"))
	if len(ibm) != 1 || ibm[0].Contract.ConID != 8314 || ibm[0].Contract.PrimaryExchange != "NYSE" {
		t.Errorf("IBM %+v", ibm)
	}
	vix := ibapi.NewContract()
	vix.Symbol, vix.SecType, vix.Exchange, vix.Currency = "VIX", "IND", "CBOE", "USD"
	v := details(t, c, r, 5, vix)
	if len(v) != 1 || v[0].Contract.ConID != 13455763 || v[0].Contract.SecType != "IND" || v[0].Contract.Exchange != "CBOE" {
		t.Errorf("VIX %+v", v)
	}
	byID := ibapi.NewContract()
	byID.ConID, byID.Exchange = 4815747, "SMART"
	if nv := details(t, c, r, 6, byID); len(nv) != 1 || nv[0].Contract.Symbol != "NVDA" {
		t.Errorf("conId 4815747 %+v", nv)
	}
	// A primary exchange given the way IB's samples do it.
	p := stock("MSFT", "SMART", "USD")
	p.PrimaryExchange = "ISLAND"
	if ms := details(t, c, r, 7, p); len(ms) != 1 || ms[0].Contract.ConID != 272093 {
		t.Errorf("MSFT with primary ISLAND %+v", ms)
	}

	notFound(t, c, r, 10, stock("ZZZZ", "SMART", "USD"))
	noType := ibapi.NewContract()
	noType.Symbol, noType.Exchange, noType.Currency = "AAPL", "SMART", "USD"
	notFound(t, c, r, 11, noType)
	notFound(t, c, r, 12, stock("AAPL", "SMART", "EUR"))
}

func TestContractDetailsHolidayHours(t *testing.T) {
	clk := NewVirtualClock(time.Date(2026, 11, 24, 10, 0, 0, 0, market.NewYork))
	s := startSim(t, Config{Clock: clk})
	c, r := dial(t, s, 1)
	cd := details(t, c, r, 1, stock("AAPL", "SMART", "USD"))[0]
	for _, want := range []string{"20261124:0400-20261124:2000", "20261126:CLOSED", "20261127:0400-20261127:1700", "20261128:CLOSED"} {
		if !strings.Contains(cd.TradingHours, want) {
			t.Errorf("tradingHours %q lacks %s", cd.TradingHours, want)
		}
	}
	for _, want := range []string{"20261126:CLOSED", "20261127:0930-20261127:1300", "20261130:0930-20261130:1600"} {
		if !strings.Contains(cd.LiquidHours, want) {
			t.Errorf("liquidHours %q lacks %s", cd.LiquidHours, want)
		}
	}
	exps, _ := s.ref.Chain("SPY", clk.Now())
	od := details(t, c, r, 2, option("SPY", exps[2], atm(t, s.ref, "SPY", exps[2], clk.Now()), "P", "SMART"))
	if len(od) != 1 || !strings.Contains(od[0].TradingHours, "20261127:0930-20261127:1300") || od[0].TradingHours != od[0].LiquidHours {
		t.Errorf("option hours %+v", od)
	}
}

func TestContractDetailsOptions(t *testing.T) {
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s := startSim(t, Config{Clock: NewVirtualClock(now)})
	c, r := dial(t, s, 1)
	k := atm(t, s.ref, "SPY", "20260320", now)
	kd := atm(t, s.ref, "SPY", "20260311", now)
	ls := market.OCCSymbol("SPY", "20260320", k, "C")

	got := details(t, c, r, 1, option("SPY", "20260320", k, "C", "SMART"))
	if len(got) != 1 {
		t.Fatalf("SPY 20260320 %v C: %d results", k, len(got))
	}
	cd, ct := got[0], got[0].Contract
	wantID, _ := market.OptionConID(0, "20260320", k, "C")
	if ct.ConID != wantID || ct.LocalSymbol != ls || ls[:12] != "SPY   260320" || ct.Multiplier != "100" || ct.TradingClass != "SPY" ||
		ct.Exchange != "SMART" || ct.LastTradeDateOrContractMonth != "20260320" || ct.LastTradeDate != "20260320" ||
		ct.Strike != k || ct.Right != "C" || ct.SecType != "OPT" {
		t.Errorf("option contract %+v", ct)
	}
	if cd.UnderConID != 756733 || cd.UnderSymbol != "SPY" || cd.UnderSecType != "STK" || cd.MinTick != 0.01 ||
		cd.ContractMonth != "202603" || cd.RealExpirationDate != "20260320" || cd.MarketName != "SPY" ||
		!strings.HasPrefix(cd.TradingHours, "20260310:0930-20260310:1600;") {
		t.Errorf("option details %+v", cd)
	}
	if cd.MinSize != ibapi.StringToDecimal("1") {
		t.Errorf("option minSize %v", cd.MinSize)
	}
	// The same option on every exchange is ambiguous.
	if all := details(t, c, r, 2, option("SPY", "20260320", k, "C", "")); len(all) < 5 {
		t.Errorf("SPY option without exchange: %d results, want several", len(all))
	}
	// By conId alone.
	byID := ibapi.NewContract()
	byID.ConID, byID.Exchange = wantID, "SMART"
	if b := details(t, c, r, 3, byID); len(b) != 1 || b[0].Contract.LocalSymbol != ls {
		t.Errorf("by conId %+v", b)
	}
	// A daily expiry, tomorrow.
	if d := details(t, c, r, 4, option("SPY", "20260311", kd, "P", "SMART")); len(d) != 1 {
		t.Errorf("SPY daily 20260311: %d results", len(d))
	}
	// A strike of the secdef union that the daily expiry does not list.
	_, union := s.ref.Chain("SPY", now)
	daily := s.ref.StrikesFor("SPY", "20260311", now)
	missing := 0.0
	for _, k := range union {
		if !market.ContainsStrike(daily, k) {
			missing = k
			break
		}
	}
	if missing == 0 {
		t.Fatal("every union strike exists in the daily expiry")
	}
	notFound(t, c, r, 5, option("SPY", "20260311", missing, "C", "SMART"))
	// Expired: only with includeExpired.
	notFound(t, c, r, 6, option("SPY", "20260306", kd, "C", "SMART"))
	exp := option("SPY", "20260306", kd, "C", "SMART")
	exp.IncludeExpired = true
	if e := details(t, c, r, 7, exp); len(e) != 1 || e[0].Contract.LocalSymbol != market.OCCSymbol("SPY", "20260306", kd, "C") {
		t.Errorf("expired with includeExpired %+v", e)
	}
	// A Thursday weekly before Good Friday for a single stock.
	ka := atm(t, s.ref, "AAPL", "20260402", now)
	if w := details(t, c, r, 8, option("AAPL", "20260402", ka, "C", "SMART")); len(w) != 1 {
		t.Errorf("AAPL 20260402: %d results", len(w))
	}
	notFound(t, c, r, 9, option("AAPL", "20260403", ka, "C", "SMART"))
	// A whole month of one underlying on SMART, by contract details.
	month := option("AAPL", "202604", 0, "", "SMART")
	m := details(t, c, r, 10, month)
	expiries := map[string]bool{}
	for _, d := range m {
		expiries[d.Contract.LastTradeDateOrContractMonth] = true
		if !strings.HasPrefix(d.Contract.LastTradeDateOrContractMonth, "202604") || d.Contract.Exchange != "SMART" {
			t.Fatalf("month query returned %+v", d.Contract)
		}
	}
	if len(m) < 100 || !expiries["20260417"] || !expiries["20260402"] {
		t.Errorf("AAPL April 2026: %d contracts, expiries %v", len(m), expiries)
	}
	// An OCC local symbol alone.
	kq := atm(t, s.ref, "QQQ", "20260417", now)
	byLS := ibapi.NewContract()
	byLS.SecType, byLS.LocalSymbol, byLS.Exchange = "OPT", market.OCCSymbol("QQQ", "20260417", kq, "P"), "SMART"
	if q := details(t, c, r, 11, byLS); len(q) != 1 || q[0].Contract.Symbol != "QQQ" || q[0].Contract.Strike != kq {
		t.Errorf("by local symbol %+v", q)
	}
}

func TestSecDefOptParams(t *testing.T) {
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s := startSim(t, Config{Clock: NewVirtualClock(now)})
	c, r := dial(t, s, 1)

	c.ReqSecDefOptParams(1, "SPY", "", "STK", 756733)
	r.waitKind(t, "SecDefOptParamEnd", 1)
	var params []secDefParam
	for _, e := range r.all() {
		if e.Kind == "SecDefOptParam" && e.ReqID == 1 {
			params = append(params, e.Data.(secDefParam))
		}
	}
	if len(params) < 5 {
		t.Fatalf("%d exchanges, want several", len(params))
	}
	exch := map[string]bool{}
	for _, p := range params {
		exch[p.Exchange] = true
		if p.UnderConID != 756733 || p.TradingClass != "SPY" || p.Multiplier != "100" {
			t.Errorf("param %s: %+v", p.Exchange, p)
		}
		if !slices.Equal(p.Expirations, params[0].Expirations) || !slices.Equal(p.Strikes, params[0].Strikes) {
			t.Errorf("exchange %s has another chain", p.Exchange)
		}
	}
	if !exch["SMART"] || !exch["CBOE"] {
		t.Errorf("exchanges %v: want SMART and CBOE", exch)
	}
	p := params[0]
	for _, e := range []string{"20260310", "20260311", "20260312", "20260327", "20260501", "20260320", "20260417", "20261218", "20270115", "20280121"} {
		if !slices.Contains(p.Expirations, e) {
			t.Errorf("SPY expirations lack %s", e)
		}
	}
	if slices.Contains(p.Expirations, "20260403") || slices.Contains(p.Expirations, "20260309") {
		t.Error("SPY expirations list a holiday or a past day")
	}
	k := atm(t, s.ref, "SPY", "20260311", now)
	for _, k := range []float64{k - 1, k, k + 1, math.Round((k-50)/5) * 5, math.Round((k+50)/5) * 5} {
		if !slices.Contains(p.Strikes, k) {
			t.Errorf("SPY strikes lack %v", k)
		}
	}
	if !slices.IsSorted(p.Strikes) || !slices.IsSorted(p.Expirations) {
		t.Error("chain not sorted")
	}

	// futFopExchange keeps one exchange.
	c.ReqSecDefOptParams(2, "AAPL", "CBOE", "STK", 265598)
	r.waitKind(t, "SecDefOptParamEnd", 2)
	// Unknown underlying, wrong conId, VIX: only the end.
	c.ReqSecDefOptParams(3, "ZZZZ", "", "STK", 0)
	c.ReqSecDefOptParams(4, "SPY", "", "STK", 265598)
	c.ReqSecDefOptParams(5, "VIX", "", "IND", 13455763)
	for _, id := range []int64{3, 4, 5} {
		r.waitKind(t, "SecDefOptParamEnd", id)
	}
	counts := map[int64]int{}
	for _, e := range r.all() {
		if e.Kind == "SecDefOptParam" {
			counts[e.ReqID]++
		}
		if e.Kind == "Error" && e.ReqID > 0 {
			t.Errorf("unexpected %v", e)
		}
	}
	if counts[2] != 1 || counts[3] != 0 || counts[4] != 0 || counts[5] != 0 {
		t.Errorf("param counts %v: want 1 for CBOE only, none for unknown underlyings", counts)
	}
}

// --- Older protocol versions, spoken by hand ---

// cdRequest is a reqContractDetails as a test sends it.
type cdRequest struct {
	conID                                    int64
	symbol, secType, expiry, strike, right   string
	multiplier, exchange, primary, currency  string
	localSymbol, tradingClass, secIDType, id string
	includeExpired                           bool
}

// encodeReqContractDetails encodes the request the way a client at version
// v does (client.go ReqContractDetails).
func encodeReqContractDetails(v int, reqID int64, q cdRequest) []string {
	f := []string{"9", "8"}
	if v >= 40 {
		f = append(f, strconv.FormatInt(reqID, 10))
	}
	f = append(f, strconv.FormatInt(q.conID, 10), q.symbol, q.secType, q.expiry, q.strike, q.right, q.multiplier)
	switch {
	case v >= 75:
		f = append(f, q.exchange, q.primary)
	case v >= 70:
		if q.primary != "" && q.exchange == "SMART" {
			f = append(f, q.exchange+":"+q.primary)
		} else {
			f = append(f, q.exchange)
		}
	}
	f = append(f, q.currency, q.localSymbol)
	if v >= 68 {
		f = append(f, q.tradingClass)
	}
	inc := "0"
	if q.includeExpired {
		inc = "1"
	}
	f = append(f, inc)
	if v >= 45 {
		f = append(f, q.secIDType, q.id)
	}
	if v >= 176 {
		f = append(f, "") // issuerId
	}
	return f
}

// decodeContractData walks a contractData message the way the client's
// decoder does at version v (decoder.go processContractDataMsg) and
// returns the fields by name. It fails on a short or long message and on a
// non-numeric number.
func decodeContractData(t *testing.T, v int, f []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	i := 0
	next := func(name string) string {
		t.Helper()
		if i >= len(f) {
			t.Fatalf("v%d: message ends before %s: %q", v, name, f)
		}
		out[name] = f[i]
		i++
		return f[i-1]
	}
	num := func(name string) int {
		t.Helper()
		s := next(name)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("v%d: %s = %q, not an integer", v, name, s)
		}
		return n
	}
	flt := func(name string) {
		t.Helper()
		if s := next(name); s != "" {
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("v%d: %s = %q, not a number", v, name, s)
			}
		}
	}
	if id := next("msgId"); id != "10" {
		t.Fatalf("message id %s", id)
	}
	version := 8
	if v < 164 {
		version = num("version")
	}
	if version >= 3 {
		num("reqId")
	}
	next("symbol")
	next("secType")
	next("lastTradeDateOrContractMonth")
	if v >= 182 {
		next("lastTradeDate")
	}
	flt("strike")
	for _, n := range []string{"right", "exchange", "currency", "localSymbol", "marketName", "tradingClass"} {
		next(n)
	}
	num("conId")
	flt("minTick")
	if v >= 110 && v < 164 {
		num("mdSizeMultiplier")
	}
	for _, n := range []string{"multiplier", "orderTypes", "validExchanges"} {
		next(n)
	}
	num("priceMagnifier")
	if version >= 4 {
		num("underConId")
	}
	if version >= 5 {
		next("longName")
		next("primaryExchange")
	}
	if version >= 6 {
		for _, n := range []string{"contractMonth", "industry", "category", "subcategory", "timeZoneId", "tradingHours", "liquidHours"} {
			next(n)
		}
	}
	if version >= 8 {
		next("evRule")
		num("evMultiplier")
	}
	if version >= 7 {
		for k := num("secIdListCount"); k > 0; k-- {
			out["secId."+next("secIdTag")] = next("secIdValue")
		}
	}
	if v >= 121 {
		num("aggGroup")
	}
	if v >= 122 {
		next("underSymbol")
		next("underSecType")
	}
	if v >= 126 {
		next("marketRuleIds")
	}
	if v >= 134 {
		next("realExpirationDate")
	}
	if v >= 152 {
		next("stockType")
	}
	if v >= 163 && v < 164 {
		flt("sizeMinTick")
	}
	if v >= 164 {
		flt("minSize")
		flt("sizeIncrement")
		flt("suggestedSizeIncrement")
	}
	if v >= 179 && out["secType"] == "FUND" {
		t.Fatal("FUND fields not expected")
	}
	if v >= 186 {
		for k := num("ineligibilityCount"); k > 0; k-- {
			next("ineligibilityId")
			next("ineligibilityDescription")
		}
	}
	if i != len(f) {
		t.Fatalf("v%d: %d fields left after the decoder's layout: %q", v, len(f)-i, f[i:])
	}
	return out
}

// rawSession is a hand-made client at one version.
type rawSession struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
	v  int
}

func rawStart(t *testing.T, addr, versions string, clientID int) *rawSession {
	t.Helper()
	nc, br, hs := rawHandshake(t, addr, versions)
	v, err := strconv.Atoi(hs[0])
	if err != nil {
		t.Fatalf("handshake %q", hs)
	}
	s := &rawSession{t: t, nc: nc, br: br, v: v}
	s.send("71", "2", strconv.Itoa(clientID), "")
	s.until(func(f []string) bool { return f[0] == "9" }) // nextValidId
	return s
}

func (s *rawSession) send(fields ...string) {
	s.t.Helper()
	if _, err := s.nc.Write(wire.EncodeFrame(fields...)); err != nil {
		s.t.Fatal(err)
	}
}

// until reads messages until one matches and returns it.
func (s *rawSession) until(match func([]string) bool) []string {
	s.t.Helper()
	_ = s.nc.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		p, err := wire.ReadFrame(s.br)
		if err != nil {
			s.t.Fatalf("v%d: read: %v", s.v, err)
		}
		f := wire.SplitFields(p)
		if match(f) {
			return f
		}
	}
}

// errorOn reports whether f is error code on reqID at version v.
func errorOn(v int, f []string, reqID string, code string) bool {
	if f[0] != "4" {
		return false
	}
	if v < 194 {
		f = f[1:] // version field
	}
	return len(f) >= 3 && f[1] == reqID && f[2] == code
}

func TestContractDataAtOlderVersions(t *testing.T) {
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s := startSim(t, Config{Clock: NewVirtualClock(now)})
	k := atm(t, s.ref, "SPY", "20260320", now)
	aapl := cdRequest{symbol: "AAPL", secType: "STK", strike: "0.0", exchange: "SMART", primary: "ISLAND", currency: "USD"}
	spyOpt := cdRequest{symbol: "SPY", secType: "OPT", expiry: "20260320", strike: strconv.FormatFloat(k, 'f', 1, 64), right: "C", multiplier: "100", exchange: "SMART", currency: "USD"}
	for i, tc := range []struct {
		versions string
		want     int
	}{
		{"v100..100", 100},
		{"v100..121", 121},
		{"v100..134", 134},
		{"v100..151", 151},
		{"v100..152", 152},
		{"v157..178", 178},
		{"v100..163", 163},
		{"v100..176", 176},
		{"v100..186", 186},
		{"v100..200", 200},
	} {
		rs := rawStart(t, s.Addr(), tc.versions, 100+i)
		if rs.v != tc.want {
			t.Fatalf("%s negotiated %d, want %d", tc.versions, rs.v, tc.want)
		}
		v := rs.v
		// A stock.
		rs.send(encodeReqContractDetails(v, 1, aapl)...)
		f := rs.until(func(f []string) bool { return f[0] == "10" || errorOn(v, f, "1", "200") })
		if f[0] != "10" {
			t.Fatalf("v%d: AAPL: %q", v, f)
		}
		m := decodeContractData(t, v, f)
		if m["conId"] != "265598" || m["exchange"] != "SMART" || m["primaryExchange"] != "NASDAQ" || m["minTick"] != "0.01" ||
			m["reqId"] != "1" || m["secId.ISIN"] != "US0378331005" || m["tradingClass"] != "NMS" {
			t.Errorf("v%d: AAPL fields %v", v, m)
		}
		if _, ok := m["mdSizeMultiplier"]; ok != (v >= 110 && v < 164) || (ok && m["mdSizeMultiplier"] != "100") {
			t.Errorf("v%d: mdSizeMultiplier %q present %v", v, m["mdSizeMultiplier"], ok)
		}
		if _, ok := m["stockType"]; ok != (v >= 152) || (ok && m["stockType"] != "COMMON") {
			t.Errorf("v%d: stockType %q present %v", v, m["stockType"], ok)
		}
		if v >= 164 && (m["minSize"] != "0.0001" || m["suggestedSizeIncrement"] != "100") {
			t.Errorf("v%d: sizes %q %q", v, m["minSize"], m["suggestedSizeIncrement"])
		}
		end := rs.until(func(f []string) bool { return f[0] == "52" })
		if len(end) != 3 || end[1] != "1" || end[2] != "1" {
			t.Errorf("v%d: contractDataEnd %q", v, end)
		}
		// An option.
		rs.send(encodeReqContractDetails(v, 2, spyOpt)...)
		f = rs.until(func(f []string) bool { return f[0] == "10" || errorOn(v, f, "2", "200") })
		if f[0] != "10" {
			t.Fatalf("v%d: SPY option: %q", v, f)
		}
		m = decodeContractData(t, v, f)
		if m["localSymbol"] != market.OCCSymbol("SPY", "20260320", k, "C") || m["multiplier"] != "100" || m["underConId"] != "756733" ||
			m["lastTradeDateOrContractMonth"] != "20260320" || m["contractMonth"] != "202603" {
			t.Errorf("v%d: option fields %v", v, m)
		}
		if v >= 134 && m["realExpirationDate"] != "20260320" {
			t.Errorf("v%d: realExpirationDate %q", v, m["realExpirationDate"])
		}
		if v >= 182 && m["lastTradeDate"] != "20260320" {
			t.Errorf("v%d: lastTradeDate %q", v, m["lastTradeDate"])
		}
		rs.until(func(f []string) bool { return f[0] == "52" })
		// Nothing found: error 200 in the version's error layout.
		rs.send(encodeReqContractDetails(v, 3, cdRequest{symbol: "ZZZZ", secType: "STK", exchange: "SMART", currency: "USD"})...)
		rs.until(func(f []string) bool { return errorOn(v, f, "3", "200") })
		// Secdef at versions that have it.
		if v >= 104 {
			rs.send("78", "4", "IBM", "", "STK", "8314")
			p := rs.until(func(f []string) bool { return f[0] == "75" })
			if p[1] != "4" || p[3] != "8314" || p[4] != "IBM" || p[5] != "100" {
				t.Errorf("v%d: secdef %q", v, p[:6])
			}
			rs.until(func(f []string) bool { return f[0] == "76" && f[1] == "4" })
		}
		rs.nc.Close()
	}
}

// TestContractDetailsMalformed: a reqContractDetails cut short is answered with
// 320 on its reqId.
func TestContractDetailsMalformed(t *testing.T) {
	s := startSim(t, Config{})
	rs := rawStart(t, s.Addr(), "v100..200", 1)
	rs.send("9", "8", "7", "x")
	f := rs.until(func(f []string) bool { return f[0] == "4" && f[1] != "-1" })
	if f[1] != "7" || f[2] != "320" {
		t.Errorf("malformed request answered %q", f)
	}
	rs.send("78", "8", "SPY", "", "STK")
	f = rs.until(func(f []string) bool { return f[0] == "4" && f[1] != "-1" })
	if f[1] != "8" || f[2] != "320" {
		t.Errorf("short secdef answered %q", f)
	}
}

// TestContractDetailsWholeChain: the old way of reading a chain, every
// option of an underlying on SMART by contract details, flows at the
// client's pace and ends with contractDataEnd; on every exchange it is
// too many and answered as ambiguous.
func TestContractDetailsWholeChain(t *testing.T) {
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)
	s := startSim(t, Config{Clock: NewVirtualClock(now)})
	c, r := dial(t, s, 1)
	want, _ := s.ref.Lookup(market.ContractQuery{Symbol: "SPY", SecType: "OPT", Exchange: "SMART"}, now, 0)
	got := details(t, c, r, 1, option("SPY", "", 0, "", "SMART"))
	if len(got) != len(want) || len(got) < 5000 {
		t.Fatalf("whole SPY chain: %d contracts, want %d", len(got), len(want))
	}
	ids := map[int64]bool{}
	for _, cd := range got {
		ids[cd.Contract.ConID] = true
	}
	if len(ids) != len(got) {
		t.Errorf("%d distinct conIds among %d contracts", len(ids), len(got))
	}
	all := ibapi.NewContract()
	all.Symbol, all.SecType = "SPY", "OPT"
	c.ReqContractDetails(2, all)
	if e := r.waitError(t, 2, 200); e.Msg != "The contract description specified for SPY is ambiguous." {
		t.Errorf("too many: %q", e.Msg)
	}
}
