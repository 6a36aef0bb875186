package market

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the market instant most reference data tests use: a Tuesday.
var testNow = time.Date(2026, 3, 10, 10, 0, 0, 0, NewYork)

func stkQuery(symbol, exchange, currency string) ContractQuery {
	return ContractQuery{Symbol: symbol, SecType: "STK", Exchange: exchange, Currency: currency}
}

func TestResolveStockListings(t *testing.T) {
	r := NewRefData(1)
	nListings := len(strings.Split(stockValidExchanges, ","))
	all := r.Resolve(stkQuery("AAPL", "", ""), testNow)
	if len(all) != nListings {
		t.Fatalf("AAPL STK without exchange: %d results, want one per valid exchange (%d)", len(all), nListings)
	}
	seen := map[string]bool{}
	for _, in := range all {
		if in.ConID != 265598 || in.PrimaryExch != "NASDAQ" || in.Currency != "USD" {
			t.Errorf("listing %+v: want conId 265598 on NASDAQ in USD", in)
		}
		if seen[in.Exchange] {
			t.Errorf("exchange %s listed twice", in.Exchange)
		}
		seen[in.Exchange] = true
	}
	if all[0].Exchange != "SMART" || !seen["ISLAND"] || !seen["ARCA"] {
		t.Errorf("listings %v: want SMART first, ISLAND and ARCA among them", seen)
	}
	for _, tc := range []struct {
		name string
		q    ContractQuery
		want int
	}{
		{"SMART USD", stkQuery("AAPL", "SMART", "USD"), 1},
		{"lower case", stkQuery("aapl", "smart", "usd"), 1},
		{"primary ISLAND alias", ContractQuery{Symbol: "AAPL", SecType: "STK", Exchange: "SMART", PrimaryExch: "ISLAND"}, 1},
		{"wrong primary", ContractQuery{Symbol: "AAPL", SecType: "STK", Exchange: "SMART", PrimaryExch: "NYSE"}, 0},
		{"v70 exchange:primary", ContractQuery{Symbol: "AAPL", SecType: "STK", Exchange: "SMART:NASDAQ"}, 1},
		{"wrong currency", stkQuery("AAPL", "SMART", "EUR"), 0},
		{"unknown exchange", stkQuery("AAPL", "XETRA", ""), 0},
		{"direct ISLAND", stkQuery("AAPL", "ISLAND", "USD"), 1},
		{"unknown symbol", stkQuery("ZZZZ", "SMART", "USD"), 0},
		{"empty secType", ContractQuery{Symbol: "AAPL", Exchange: "SMART", Currency: "USD"}, 0},
		{"wrong secType", ContractQuery{Symbol: "AAPL", SecType: "FUT", Exchange: "SMART"}, 0},
		{"strike on a stock", ContractQuery{Symbol: "AAPL", SecType: "STK", Exchange: "SMART", Strike: 100}, 0},
		{"unset strike", ContractQuery{Symbol: "AAPL", SecType: "STK", Exchange: "SMART", Strike: unsetFloat}, 1},
		{"conId only", ContractQuery{ConID: 265598}, nListings},
		{"conId SMART", ContractQuery{ConID: 265598, Exchange: "SMART"}, 1},
		{"conId wrong exchange", ContractQuery{ConID: 265598, Exchange: "IBIS"}, 0},
		{"conId wrong symbol", ContractQuery{ConID: 265598, Symbol: "MSFT"}, 0},
		{"unknown conId", ContractQuery{ConID: 12345}, 0},
		{"ISIN", ContractQuery{SecType: "STK", SecIDType: "ISIN", SecID: "US0378331005", Exchange: "SMART"}, 1},
		{"trading class", ContractQuery{Symbol: "SPY", SecType: "STK", TradingClass: "SPY", Exchange: "SMART"}, 1},
		{"wrong trading class", ContractQuery{Symbol: "AAPL", SecType: "STK", TradingClass: "AAPL", Exchange: "SMART"}, 0},
		{"VIX index", ContractQuery{Symbol: "VIX", SecType: "IND"}, 1},
		{"VIX index CBOE", ContractQuery{Symbol: "VIX", SecType: "IND", Exchange: "CBOE", Currency: "USD"}, 1},
		{"VIX as a stock", stkQuery("VIX", "", ""), 0},
	} {
		got := r.Resolve(tc.q, testNow)
		if len(got) != tc.want {
			t.Errorf("%s: %d results, want %d", tc.name, len(got), tc.want)
		}
	}
	if in := r.ByConID(13455763, testNow); in == nil || in.SecType != "IND" || in.Exchange != "CBOE" {
		t.Errorf("byConID(VIX) = %+v", in)
	}
	for sym, id := range map[string]int64{"SPY": 756733, "QQQ": 320227571, "IWM": 9579970, "AAPL": 265598, "MSFT": 272093,
		"NVDA": 4815747, "TSLA": 76792991, "AMD": 4391, "META": 107113386, "GOOG": 208813720, "IBM": 8314} {
		in := r.ByConID(id, testNow)
		if in == nil || in.Symbol != sym || in.Exchange != "SMART" || in.MinTick != 0.01 || refPrice(sym) <= 0 {
			t.Errorf("byConID(%d) = %+v, want %s on SMART", id, in, sym)
		}
	}
}

// TestISINCheckDigits guards the ISINs against typos.
func TestISINCheckDigits(t *testing.T) {
	for _, u := range UnderlyingTable {
		if u.ISIN == "" {
			continue
		}
		var digits []int
		for _, ch := range u.ISIN[:11] {
			switch {
			case ch >= '0' && ch <= '9':
				digits = append(digits, int(ch-'0'))
			default:
				v := int(ch-'A') + 10
				digits = append(digits, v/10, v%10)
			}
		}
		sum := 0
		for i := range digits {
			d := digits[len(digits)-1-i]
			if i%2 == 0 {
				d *= 2
				if d > 9 {
					d -= 9
				}
			}
			sum += d
		}
		if want := byte('0' + (10-sum%10)%10); u.ISIN[11] != want {
			t.Errorf("%s ISIN %s: check digit %c, want %c", u.Symbol, u.ISIN, u.ISIN[11], want)
		}
	}
}

func TestExpirationRules(t *testing.T) {
	r := NewRefData(1)
	spy, _ := r.Chain("SPY", testNow)
	iwm, _ := r.Chain("IWM", testNow)
	aapl, _ := r.Chain("AAPL", testNow)
	if !slices.IsSorted(spy) || !slices.IsSorted(iwm) || !slices.IsSorted(aapl) {
		t.Fatal("expirations not sorted")
	}
	has := func(name string, list []string, want bool, days ...string) {
		t.Helper()
		for _, d := range days {
			if slices.Contains(list, d) != want {
				t.Errorf("%s %s listed = %v, want %v", name, d, !want, want)
			}
		}
	}
	// SPY: today and every trading day for six weeks; Good Friday
	// (2026-04-03) is a holiday.
	has("SPY", spy, true, "20260310", "20260311", "20260312", "20260402", "20260406", "20260420")
	has("SPY", spy, false, "20260309", "20260403", "20260314", "20260428")
	// SPY weeklies to three months, monthlies to a year, quarterlies to
	// two years, January LEAPS.
	has("SPY", spy, true, "20260501", "20260605", "20260320", "20260417", "20270219", "20270319", "20271217", "20270115", "20280121")
	has("SPY", spy, false, "20260612", "20270416", "20290119")
	// IWM and stocks: weeklies for seven weeks, the holiday week's weekly on
	// the Thursday; no dailies.
	has("IWM", iwm, true, "20260313", "20260320", "20260327", "20260402", "20260410", "20260424")
	has("IWM", iwm, false, "20260311", "20260403", "20260501", "20260508")
	has("IWM", iwm, true, "20260515", "20260618", "20261120", "20270115", "20280121")
	has("AAPL", aapl, false, "20261218", "20270219")
	has("AAPL", aapl, true, "20261120", "20270115", "20280121")
	// From September the third LEAPS year is listed.
	sep := time.Date(2026, 9, 14, 12, 0, 0, 0, NewYork)
	later, _ := r.Chain("AAPL", sep)
	has("AAPL in September", later, true, "20290119")
	if e, s := r.Chain("VIX", testNow); e != nil || s != nil {
		t.Errorf("VIX chain = %v %v, want none (out of scope)", e, s)
	}
	// June 2026: Juneteenth is Friday 19 June, the third Friday; the
	// monthly moves to Thursday 18 June.
	has("SPY", spy, true, "20260618")
	has("SPY", spy, false, "20260619")
}

// lastClose is the underlying's close on the trading day before now.
func lastClose(t *testing.T, r *RefData, symbol string, now time.Time) float64 {
	t.Helper()
	c, _, _, ok := r.CloseRange(symbol, now, now)
	if !ok || c <= 0 {
		t.Fatalf("no close for %s at %v", symbol, now)
	}
	return c
}

// atm returns the strike of an expiry nearest the underlying's last close.
func atm(t *testing.T, r *RefData, symbol, expiry string, now time.Time) float64 {
	t.Helper()
	ks := r.StrikesFor(symbol, expiry, now)
	if len(ks) == 0 {
		t.Fatalf("%s %s: no strikes", symbol, expiry)
	}
	c := lastClose(t, r, symbol, now)
	best := ks[0]
	for _, k := range ks {
		if math.Abs(k-c) < math.Abs(best-c) {
			best = k
		}
	}
	return best
}

func TestStrikes(t *testing.T) {
	r := NewRefData(1)
	_, union := r.Chain("SPY", testNow)
	daily := r.StrikesFor("SPY", "20260311", testNow)
	monthly := r.StrikesFor("SPY", "20260417", testNow)
	leaps := r.StrikesFor("SPY", "20280121", testNow)
	if len(daily) == 0 || len(monthly) == 0 || len(leaps) == 0 {
		t.Fatalf("strike counts daily %d, monthly %d, LEAPS %d", len(daily), len(monthly), len(leaps))
	}
	// Strikes surround the price: 1 point apart near the money.
	k := atm(t, r, "SPY", "20260311", testNow)
	if c := lastClose(t, r, "SPY", testNow); math.Abs(k-c) > 0.5 {
		t.Errorf("SPY daily: nearest strike %v to close %v", k, c)
	}
	for _, s := range []float64{k - 1, k, k + 1} {
		if !ContainsStrike(daily, s) || !ContainsStrike(monthly, s) {
			t.Errorf("SPY lacks %v near the money", s)
		}
	}
	// Far from the money: 5 points; long-dated: coarse only; the monthly
	// reaches farther than the daily.
	for _, set := range [][]float64{daily, monthly, leaps} {
		for _, s := range set {
			if math.Abs(s-k) > 0.25*k && math.Mod(s, 5) != 0 {
				t.Errorf("far strike %v not on the 5-point grid", s)
			}
		}
	}
	for _, s := range leaps {
		if math.Mod(s, 5) != 0 {
			t.Errorf("LEAPS strike %v: want the 5-point grid only", s)
		}
	}
	if monthly[0] >= daily[0] || monthly[len(monthly)-1] <= daily[len(daily)-1] {
		t.Errorf("monthly %v..%v not wider than daily %v..%v", monthly[0], monthly[len(monthly)-1], daily[0], daily[len(daily)-1])
	}
	for _, s := range append(append(daily, monthly...), leaps...) {
		if !ContainsStrike(union, s) {
			t.Fatalf("union lacks %v", s)
		}
	}
	// Single stocks: 2.5 near the money below $400, 5 above.
	for _, sym := range []string{"AAPL", "MSFT", "NVDA", "META"} {
		ks := r.StrikesFor(sym, "20260320", testNow)
		a := atm(t, r, sym, "20260320", testNow)
		near, _ := strikeSteps(r.BySymbol[sym], lastClose(t, r, sym, testNow))
		if !ContainsStrike(ks, a+near) || !ContainsStrike(ks, a-near) || ContainsStrike(ks, a+near/2) {
			t.Errorf("%s strikes around %v: want spacing %v: %v", sym, a, near, ks)
		}
	}
	if r.StrikesFor("SPY", "20260403", testNow) != nil || r.StrikesFor("AAPL", "20260311", testNow) != nil {
		t.Error("strikes for a non-expiry")
	}
	// Deterministic in the seed.
	if again := NewRefData(1).StrikesFor("SPY", "20260417", testNow); !slices.Equal(again, monthly) {
		t.Error("strikes differ between two refData with the same seed")
	}
	differs := false
	for _, e := range []string{"20260417", "20260515", "20260618", "20260320", "20260918"} {
		if !slices.Equal(NewRefData(2).StrikesFor("SPY", e, testNow), r.StrikesFor("SPY", e, testNow)) {
			differs = true
		}
	}
	if !differs {
		t.Error("seed 2 gives the same strikes as seed 1 for five expiries")
	}
	// Strikes are only added as the clock moves, never removed; an
	// expired expiry keeps its last strikes.
	prev := r.StrikesFor("SPY", "20260417", testNow)
	for d := testNow; d.Before(time.Date(2026, 4, 25, 0, 0, 0, 0, NewYork)); d = d.AddDate(0, 0, 1) {
		cur := r.StrikesFor("SPY", "20260417", d)
		for _, s := range prev {
			if !ContainsStrike(cur, s) {
				t.Fatalf("strike %v of 20260417 gone on %s", s, d.Format("20060102"))
			}
		}
		prev = cur
	}
	if r.StrikesFor("SPY", "20260417", time.Date(2026, 5, 1, 12, 0, 0, 0, NewYork)) == nil {
		t.Error("expired expiry lost its strikes")
	}
}

func TestOptionConIDs(t *testing.T) {
	r := NewRefData(1)
	seen := map[int64]string{}
	for _, u := range r.unders {
		if u.Idx < 0 {
			continue
		}
		exps, _ := r.Chain(u.Symbol, testNow)
		exps = append(exps, r.expiredExpiries(u, nyDay(testNow))[:5]...)
		for _, e := range exps {
			for _, k := range r.strikesOf(u, e, testNow) {
				for _, rt := range []string{"C", "P"} {
					id, ok := OptionConID(u.Idx, e, k, rt)
					if !ok {
						t.Fatalf("%s %s %v %s: no conId", u.Symbol, e, k, rt)
					}
					if id < optConIDBase || id > math.MaxInt32 || r.ByCon[id] != nil {
						t.Fatalf("conId %d out of the 32-bit option range", id)
					}
					key := OCCSymbol(u.Symbol, e, k, rt)
					if prev, dup := seen[id]; dup {
						t.Fatalf("conId %d for %q and %q", id, prev, key)
					}
					seen[id] = key
					o, ok := decodeOptionConID(id)
					if !ok || o.idx != u.Idx || o.expiry != e || o.strike != k || o.right != rt {
						t.Fatalf("decode(%d) = %+v, want %s", id, o, key)
					}
				}
			}
		}
	}
	if len(seen) < 10000 {
		t.Errorf("only %d option conIds checked", len(seen))
	}
	// Independent of the seed, and byConID finds them.
	k := atm(t, r, "SPY", "20260320", testNow)
	id, _ := OptionConID(0, "20260320", k, "C")
	if other, _ := OptionConID(0, "20260320", k, "C"); other != id {
		t.Fatal("conId not deterministic")
	}
	in := r.ByConID(id, testNow)
	if in == nil || in.LocalSymbol != OCCSymbol("SPY", "20260320", k, "C") || in.Exchange != "SMART" || in.UnderConID != 756733 || in.ConID != id {
		t.Fatalf("byConID(%d) = %+v", id, in)
	}
	if bad, _ := OptionConID(0, "20260311", 100, "C"); r.ByConID(bad, testNow) != nil {
		t.Error("byConID found a strike the expiry does not have")
	}
	// The code's corners round-trip.
	for _, c := range []struct {
		idx    int
		exp    string
		strike float64
		right  string
	}{{0, "19970101", 0.5, "C"}, {optSlots - 1, "20450901", 2047.5, "P"}, {5, "20300118", 1234.5, "P"}} {
		id, ok := OptionConID(c.idx, c.exp, c.strike, c.right)
		o, ok2 := decodeOptionConID(id)
		if !ok || !ok2 || id > math.MaxInt32 || id < optConIDBase || o.idx != c.idx || o.expiry != c.exp || o.strike != c.strike || o.right != c.right {
			t.Errorf("corner %+v: id %d %v, decoded %+v %v", c, id, ok, o, ok2)
		}
	}
	if _, ok := OptionConID(0, "19961231", 100, "C"); ok {
		t.Error("an expiry before the code's epoch got a conId")
	}
	if _, ok := OptionConID(0, "20300118", 2048, "C"); ok {
		t.Error("a strike of 2048 got a conId")
	}
	if _, ok := decodeOptionConID(756733); ok {
		t.Error("a stock conId decoded as an option")
	}
}

func TestOCCSymbol(t *testing.T) {
	for _, tc := range []struct {
		sym, exp string
		strike   float64
		right    string
		want     string
	}{
		{"SPY", "20261218", 600, "C", "SPY   261218C00600000"},
		{"AAPL", "20260320", 232.5, "P", "AAPL  260320P00232500"},
		{"GOOG", "20280121", 85, "C", "GOOG  280121C00085000"},
	} {
		got := OCCSymbol(tc.sym, tc.exp, tc.strike, tc.right)
		if got != tc.want {
			t.Errorf("occSymbol = %q, want %q", got, tc.want)
		}
		k, ok := parseOCC(got)
		if !ok || k.symbol != tc.sym || k.expiry != tc.exp || k.strike != tc.strike || k.right != tc.right {
			t.Errorf("parseOCC(%q) = %+v %v", got, k, ok)
		}
	}
	for _, bad := range []string{"SPY261218C00600000", "SPY   261218X00600000", "SPY   261318C00600000", "      261218C00600000"} {
		if _, ok := parseOCC(bad); ok {
			t.Errorf("parseOCC(%q) accepted", bad)
		}
	}
}

func TestResolveOptions(t *testing.T) {
	r := NewRefData(1)
	k := atm(t, r, "SPY", "20260320", testNow)
	kd := atm(t, r, "SPY", "20260311", testNow)
	opt := func(exp string, strike float64, right, exch string) ContractQuery {
		return ContractQuery{Symbol: "SPY", SecType: "OPT", Expiry: exp, Strike: strike, Right: right, Exchange: exch, Currency: "USD"}
	}
	got := r.Resolve(opt("20260320", k, "C", "SMART"), testNow)
	if len(got) != 1 || got[0].LocalSymbol != OCCSymbol("SPY", "20260320", k, "C") || got[0].Multiplier != "100" || got[0].TradingClass != "SPY" {
		t.Fatalf("SPY 20260320 600 C SMART = %+v", got)
	}
	want := got[0].ConID
	for _, tc := range []struct {
		name string
		q    ContractQuery
		n    int
	}{
		{"CALL spelled out", opt("20260320", k, "CALL", "SMART"), 1},
		{"every exchange", opt("20260320", k, "C", ""), len(OptionExchanges)},
		{"CBOE", opt("20260320", k, "C", "CBOE"), 1},
		{"both rights", opt("20260320", k, "", "SMART"), 2},
		{"month", opt("202603", kd, "C", "SMART"), -1},
		{"missing strike", opt("20260311", 100, "C", "SMART"), 0},
		{"holiday", opt("20260403", k, "C", "SMART"), 0},
		{"bad right", opt("20260320", k, "X", "SMART"), 0},
		{"multiplier", ContractQuery{Symbol: "SPY", SecType: "OPT", Expiry: "20260320", Strike: k, Right: "C", Exchange: "SMART", Multiplier: "100.0"}, 1},
		{"wrong multiplier", ContractQuery{Symbol: "SPY", SecType: "OPT", Expiry: "20260320", Strike: k, Right: "C", Exchange: "SMART", Multiplier: "10"}, 0},
		{"local symbol", ContractQuery{SecType: "OPT", LocalSymbol: OCCSymbol("SPY", "20260320", k, "C"), Exchange: "SMART"}, 1},
		{"conId", ContractQuery{ConID: want}, len(OptionExchanges)},
		{"conId SMART", ContractQuery{ConID: want, Exchange: "SMART"}, 1},
		{"conId with other right", ContractQuery{ConID: want, Right: "P"}, 0},
		{"expired", opt("20260306", kd, "C", "SMART"), 0},
		{"VIX options", ContractQuery{Symbol: "VIX", SecType: "OPT", Expiry: "20260318", Strike: 16, Right: "C", Exchange: "SMART"}, 0},
	} {
		res := r.Resolve(tc.q, testNow)
		if tc.n >= 0 && len(res) != tc.n {
			t.Errorf("%s: %d results, want %d", tc.name, len(res), tc.n)
		}
		if tc.n < 0 && len(res) < 10 {
			t.Errorf("%s: %d results, want every March expiry", tc.name, len(res))
		}
	}
	q := opt("20260306", kd, "C", "SMART")
	q.IncludeExpired = true
	if got := r.Resolve(q, testNow); len(got) != 1 || got[0].Expiry != "20260306" {
		t.Errorf("expired with includeExpired = %+v", got)
	}
	old := opt("20231215", k, "C", "SMART")
	old.IncludeExpired = true
	if got := r.Resolve(old, testNow); len(got) != 0 {
		t.Errorf("an option expired for more than two years resolved: %+v", got)
	}
	// A whole chain on SMART is served; on every exchange it is too many.
	whole, tooMany := r.Lookup(ContractQuery{Symbol: "SPY", SecType: "OPT", Exchange: "SMART"}, testNow, MaxResolve)
	if tooMany || len(whole) < 5000 {
		t.Errorf("SPY chain on SMART: %d contracts, tooMany %v", len(whole), tooMany)
	}
	if _, tooMany := r.Lookup(ContractQuery{Symbol: "SPY", SecType: "OPT"}, testNow, MaxResolve); !tooMany {
		t.Error("SPY chain on every exchange: want too many")
	}
}

func TestTradingHoursStrings(t *testing.T) {
	r := NewRefData(1)
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, NewYork)
	th, lh := r.TradingHours(hoursStock, at)
	wantT := "20261124:0400-20261124:2000;20261125:0400-20261125:2000;20261126:CLOSED;20261127:0400-20261127:1700;20261128:CLOSED;20261129:CLOSED;20261130:0400-20261130:2000"
	wantL := "20261124:0930-20261124:1600;20261125:0930-20261125:1600;20261126:CLOSED;20261127:0930-20261127:1300;20261128:CLOSED;20261129:CLOSED;20261130:0930-20261130:1600"
	if th != wantT || lh != wantL {
		t.Errorf("stock hours\n got %s\n     %s\nwant %s\n     %s", th, lh, wantT, wantL)
	}
	ot, ol := r.TradingHours(hoursOption, at)
	if ot != ol || !strings.Contains(ot, "20261127:0930-20261127:1300") || !strings.HasPrefix(ot, "20261124:0930-20261124:1600;") {
		t.Errorf("option hours %s / %s", ot, ol)
	}
	it, il := r.TradingHours(hoursIndex, at)
	if !strings.HasPrefix(it, "20261124:0315-20261124:1615;") || !strings.HasPrefix(il, "20261124:0930-20261124:1615;") {
		t.Errorf("index hours %s / %s", it, il)
	}
	// A Saturday, across the DST change.
	th, _ = r.TradingHours(hoursStock, time.Date(2026, 10, 31, 12, 0, 0, 0, NewYork))
	if !strings.HasPrefix(th, "20261031:CLOSED;20261101:CLOSED;20261102:0400-20261102:2000;") {
		t.Errorf("weekend hours %s", th)
	}
}

func TestPriceIncrement(t *testing.T) {
	r := NewRefData(1)
	spy := r.Resolve(ContractQuery{Symbol: "SPY", SecType: "OPT", Expiry: "20260320", Strike: atm(t, r, "SPY", "20260320", testNow), Right: "C", Exchange: "SMART"}, testNow)[0]
	aapl := r.Resolve(ContractQuery{Symbol: "AAPL", SecType: "OPT", Expiry: "20260320", Strike: atm(t, r, "AAPL", "20260320", testNow), Right: "C", Exchange: "SMART"}, testNow)[0]
	stk := r.ByConID(265598, testNow)
	for _, tc := range []struct {
		in    *Instrument
		price float64
		want  float64
	}{{spy, 10, 0.01}, {aapl, 2.5, 0.01}, {aapl, 3, 0.05}, {stk, 230, 0.01}, {stk, 0.5, 0.0001}} {
		if got := priceIncrement(tc.in, tc.price); got != tc.want {
			t.Errorf("priceIncrement(%s, %v) = %v, want %v", tc.in.LocalSymbol, tc.price, got, tc.want)
		}
	}
}

// FuzzResolve: no contract description makes the reference data panic,
// and every match is consistent with its conId.
func FuzzResolve(f *testing.F) {
	f.Add(int64(0), "SPY", "OPT", "20260320", 540.0, "C", "100", "SMART", "", "USD", "", "", false)
	f.Add(int64(0), "", "OPT", "", 0.0, "", "", "", "", "", "SPY   260320C00540000", "", true)
	f.Add(int64(265598), "", "", "", 0.0, "", "", "SMART", "ISLAND", "", "", "", false)
	f.Add(int64(1234567890), "", "", "", 0.0, "", "", "", "", "", "", "", true)
	f.Add(int64(0), "AAPL", "STK", "", 0.0, "", "", "SMART:NASDAQ", "", "usd", "", "NMS", false)
	r := NewRefData(1)
	f.Fuzz(func(t *testing.T, conID int64, sym, secType, exp string, strike float64, right, mult, exch, prim, cur, ls, tc string, inc bool) {
		q := ContractQuery{ConID: conID, Symbol: sym, SecType: secType, Expiry: exp, Strike: strike, Right: right, Multiplier: mult,
			Exchange: exch, PrimaryExch: prim, Currency: cur, LocalSymbol: ls, TradingClass: tc, IncludeExpired: inc}
		out, _ := r.Lookup(q, testNow, 2000)
		for _, in := range out {
			if got := r.ByConID(in.ConID, testNow); got == nil || got.ConID != in.ConID || got.LocalSymbol != in.LocalSymbol {
				t.Fatalf("match %+v: byConID gives %+v", in, got)
			}
		}
		r.ByConID(conID, testNow)
	})
}
