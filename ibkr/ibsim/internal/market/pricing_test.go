package market

import (
	"math"
	"testing"
	"time"
)

func pxTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, NewYork)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func pxNear(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestBlackScholesKnownValues(t *testing.T) {
	// Hull's textbook case: S=K=100, T=1, r=5%, sigma=20%, no dividend.
	in := bsInput{call: true, s: 100, k: 100, t: 1, r: 0.05, sigma: 0.2}
	if got := bsPrice(in); !pxNear(got, 10.450584, 1e-5) {
		t.Errorf("call = %.6f, want 10.450584", got)
	}
	in.call = false
	if got := bsPrice(in); !pxNear(got, 5.573526, 1e-5) {
		t.Errorf("put = %.6f, want 5.573526", got)
	}
	// S=42, K=40, T=0.5, r=10%, sigma=20% (Hull example 15.6).
	in = bsInput{call: true, s: 42, k: 40, t: 0.5, r: 0.1, sigma: 0.2}
	if got := bsPrice(in); !pxNear(got, 4.759422, 1e-5) {
		t.Errorf("call = %.6f, want 4.759422", got)
	}
	in.call = false
	if got := bsPrice(in); !pxNear(got, 0.808599, 1e-5) {
		t.Errorf("put = %.6f, want 0.808599", got)
	}
	// Expired: intrinsic value.
	if got := bsPrice(bsInput{call: true, s: 105, k: 100}); got != 5 {
		t.Errorf("expired call = %v, want 5", got)
	}
}

func TestBlackScholesPutCallParity(t *testing.T) {
	for _, c := range []bsInput{
		{s: 600, k: 600, t: 30.0 / 365, r: 0.04, q: 0.013, sigma: 0.15},
		{s: 230, k: 200, t: 0.5, r: 0.04, q: 0.0045, sigma: 0.3},
		{s: 140, k: 190, t: 2, r: 0.04, q: 0.0003, sigma: 0.55},
		{s: 16, k: 20, t: 0.05, r: 0.04, q: 0, sigma: 0.9},
	} {
		c.call = true
		call := bsPrice(c)
		c.call = false
		put := bsPrice(c)
		want := c.s*math.Exp(-c.q*c.t) - c.k*math.Exp(-c.r*c.t)
		if !pxNear(call-put, want, 1e-9*c.s) {
			t.Errorf("%+v: C-P = %.10f, want %.10f", c, call-put, want)
		}
	}
}

func TestBlackScholesGreeksMatchFiniteDifferences(t *testing.T) {
	for _, c := range []bsInput{
		{call: true, s: 600, k: 610, t: 45.0 / 365, r: 0.04, q: 0.013, sigma: 0.16},
		{call: false, s: 600, k: 570, t: 45.0 / 365, r: 0.04, q: 0.013, sigma: 0.2},
		{call: true, s: 230, k: 200, t: 1.5, r: 0.04, q: 0.0045, sigma: 0.28},
		{call: false, s: 250, k: 300, t: 0.2, r: 0.04, q: 0, sigma: 0.6},
	} {
		g := bsValue(c)
		if !pxNear(g.price, bsPrice(c), 1e-12*c.s) {
			t.Errorf("%+v: value %v != price %v", c, g.price, bsPrice(c))
		}
		at := func(f func(x *bsInput)) float64 {
			x := c
			f(&x)
			return bsPrice(x)
		}
		h := c.s * 1e-4
		delta := (at(func(x *bsInput) { x.s += h }) - at(func(x *bsInput) { x.s -= h })) / (2 * h)
		gamma := (at(func(x *bsInput) { x.s += h }) - 2*g.price + at(func(x *bsInput) { x.s -= h })) / (h * h)
		dv := 1e-4
		vega := (at(func(x *bsInput) { x.sigma += dv }) - at(func(x *bsInput) { x.sigma -= dv })) / (2 * dv) / 100
		dt := 1e-5
		theta := -(at(func(x *bsInput) { x.t += dt }) - at(func(x *bsInput) { x.t -= dt })) / (2 * dt) / 365
		for _, chk := range []struct {
			name      string
			got, want float64
		}{
			{"delta", g.delta, delta}, {"gamma", g.gamma, gamma}, {"vega", g.vega, vega}, {"theta", g.theta, theta},
		} {
			if !pxNear(chk.got, chk.want, 1e-4*math.Max(1, math.Abs(chk.want))) {
				t.Errorf("%+v: %s = %.8f, finite difference %.8f", c, chk.name, chk.got, chk.want)
			}
		}
		if c.call && (g.delta <= 0 || g.delta >= 1) || !c.call && (g.delta >= 0 || g.delta <= -1) {
			t.Errorf("%+v: delta %v out of range", c, g.delta)
		}
		if g.theta >= 0 && c.call {
			t.Errorf("%+v: call theta %v, want negative", c, g.theta)
		}
	}
}

func TestImpliedVolRoundTrip(t *testing.T) {
	for _, sigma := range []float64{0.05, 0.16, 0.4, 1.2, 3} {
		for _, k := range []float64{450, 600, 700} {
			for _, call := range []bool{true, false} {
				in := bsInput{call: call, s: 600, k: k, t: 60.0 / 365, r: 0.04, q: 0.013, sigma: sigma}
				price := bsPrice(in)
				if price < 1e-6 || bsValue(in).vega < 1e-4 {
					continue // the price does not pin the volatility down
				}
				got, ok := bsImpliedVol(in, price)
				if !ok || !pxNear(got, sigma, 1e-6) {
					t.Errorf("call=%v k=%v sigma=%v: implied %v ok=%v", call, k, sigma, got, ok)
				}
			}
		}
	}
	// Below intrinsic: no volatility.
	in := bsInput{call: true, s: 600, k: 500, t: 0.1, r: 0.04}
	if _, ok := bsImpliedVol(in, 50); ok {
		t.Error("a price below intrinsic value implied a volatility")
	}
	g := impliedGreeks(in, 50)
	if g.IV != -1 || g.Delta != -2 || g.Gamma != -2 || g.OptPrice != 50 || g.UndPrice != 600 {
		t.Errorf("not computed greeks = %+v", g)
	}
}

var (
	testSPY  = &Instrument{ConID: 756733, Symbol: "SPY", SecType: "STK", Exchange: "SMART", Currency: "USD", LocalSymbol: "SPY", MinTick: 0.01}
	testAAPL = &Instrument{ConID: 265598, Symbol: "AAPL", SecType: "STK", Exchange: "SMART", Currency: "USD", LocalSymbol: "AAPL", MinTick: 0.01}
	testVIX  = &Instrument{ConID: 13455763, Symbol: "VIX", SecType: "IND", Exchange: "CBOE", Currency: "USD", LocalSymbol: "VIX", MinTick: 0.01}
)

func testOption(right string, strike float64, expiry string) *Instrument {
	return &Instrument{ConID: 900000 + int64(strike), Symbol: "SPY", SecType: "OPT", Exchange: "SMART", Currency: "USD",
		Multiplier: "100", MinTick: 0.01, Expiry: expiry, Strike: strike, Right: right, UnderSymbol: "SPY", UnderSecTyp: "STK"}
}

func TestPathIsDeterministic(t *testing.T) {
	times := []time.Time{
		pxTime(t, "2026-04-02 10:15:07"), pxTime(t, "2025-11-28 12:59:59"), pxTime(t, "2026-04-02 04:00:00"),
		pxTime(t, "2024-07-03 16:30:00"), pxTime(t, "2026-04-04 11:00:00"), pxTime(t, "2019-05-06 09:30:00"),
	}
	a, b := NewPriceModel(7), NewPriceModel(7)
	a.paths.cap = 4 // so that the test can evict every day cheaply
	var first []Quote
	for _, at := range times {
		first = append(first, a.Quote(testAAPL, at))
	}
	// The other model is asked in reverse order and after unrelated days.
	b.Quote(testAAPL, pxTime(t, "2030-01-15 11:00:00"))
	for i := len(times) - 1; i >= 0; i-- {
		if got := b.Quote(testAAPL, times[i]); got != first[i] {
			t.Errorf("%v: quote differs between models of one seed:\n%+v\n%+v", times[i], got, first[i])
		}
	}
	// Evicting every cached day changes nothing.
	for d := range 2 * a.paths.cap {
		a.Quote(testAAPL, SimCalendar().Days[1000+d].Add(11*time.Hour))
	}
	for i, at := range times {
		if got := a.Quote(testAAPL, at); got != first[i] {
			t.Errorf("%v: quote changed after cache eviction", at)
		}
	}
	c := NewPriceModel(8)
	same := 0
	for i, at := range times {
		if c.Quote(testAAPL, at).Last == first[i].Last {
			same++
		}
	}
	if same == len(times) {
		t.Error("a different seed gave the same prices")
	}
}

func TestReferencePriceNearAnchor(t *testing.T) {
	p := NewPriceModel(1)
	for sym, sp := range symbolTable {
		ss := p.seriesFor(sym)
		got := ss.closeAt(SimCalendar().anchor)
		if !pxNear(got, sp.price, 1e-9*sp.price) {
			t.Errorf("%s: anchor close %v, want the reference %v", sym, got, sp.price)
		}
	}
}

func TestStockQuoteSemantics(t *testing.T) {
	p := NewPriceModel(1)
	at := pxTime(t, "2026-04-02 11:00:00")
	q := p.Quote(testSPY, at)
	if !q.Trading || q.Bid <= 0 || !pxNear(q.Ask-q.Bid, 0.01, 1e-9) {
		t.Fatalf("SPY in the regular session: %+v, want a one-tick market", q)
	}
	if q.Last < q.Low || q.Last > q.High || q.Open < q.Low || q.Open > q.High {
		t.Errorf("last %v / open %v outside the day's range %v..%v", q.Last, q.Open, q.Low, q.High)
	}
	if q.BidSize < 100 || q.AskSize < 100 || q.LastSize <= 0 || q.Volume < 1e6 {
		t.Errorf("sizes %v/%v last %v volume %v", q.BidSize, q.AskSize, q.LastSize, q.Volume)
	}
	if q.HistVol <= 0 || q.ImpliedVol <= 0 || q.CallOI <= 0 || q.PutOI <= 0 || q.CallVolume <= 0 {
		t.Errorf("underlying option statistics missing: %+v", q)
	}
	// Prices are on the tick.
	for _, v := range []float64{q.Bid, q.Ask, q.Last, q.Open, q.High, q.Low, q.Close} {
		if !pxNear(v*100, math.Round(v*100), 1e-6) {
			t.Errorf("price %v is not on the 0.01 tick", v)
		}
	}
	// close is the previous session's official close: the last regular
	// second's trade of April 1.
	prev := p.Quote(testSPY, pxTime(t, "2026-04-01 15:59:59"))
	if q.Close != prev.Last {
		t.Errorf("close %v, want April 1's closing print %v", q.Close, prev.Last)
	}
	// Wider market before the open; open not printed yet.
	pre := p.Quote(testSPY, pxTime(t, "2026-04-02 08:00:00"))
	if !pre.Trading || pre.Ask-pre.Bid < 0.025 || pre.Open != 0 {
		t.Errorf("pre-market %+v: want trading, a wider spread and no open", pre)
	}
	// After 20:00 and over the weekend: frozen at Thursday 19:59:59 (April 3
	// 2026 is Good Friday).
	last := p.Quote(testSPY, pxTime(t, "2026-04-02 19:59:59"))
	for _, ts := range []string{"2026-04-02 20:00:00", "2026-04-03 12:00:00", "2026-04-05 23:00:00", "2026-04-06 03:59:59"} {
		c := p.Quote(testSPY, pxTime(t, ts))
		tr := c.Trading
		c.at, c.Trading = last.at, last.Trading
		if tr || c != last {
			t.Errorf("%s: %+v, want the frozen %+v", ts, c, last)
		}
	}
	mon := p.Quote(testSPY, pxTime(t, "2026-04-06 04:00:00"))
	if !mon.Trading || mon.Close != p.Quote(testSPY, pxTime(t, "2026-04-02 15:59:59")).Last {
		t.Errorf("Monday pre-market: %+v, want trading with Thursday's close", mon)
	}
	// Early close: 13:00 close print, post-market until 17:00.
	ec := p.Quote(testSPY, pxTime(t, "2025-11-28 16:59:59"))
	if !ec.Trading || p.Quote(testSPY, pxTime(t, "2025-11-28 17:00:00")).Trading {
		t.Error("the day after Thanksgiving trades until 17:00")
	}
	// Before the data: nothing.
	if old := p.Quote(testSPY, pxTime(t, "1980-01-02 11:00:00")); old.Bid != -1 || old.Last != 0 {
		t.Errorf("before the calendar: %+v", old)
	}
}

func TestIndexQuote(t *testing.T) {
	p := NewPriceModel(1)
	q := p.Quote(testVIX, pxTime(t, "2026-04-02 11:00:00"))
	if !q.Trading || q.Last <= 0 || q.Bid != 0 || q.Ask != 0 || q.BidSize != 0 || q.Volume != 0 || q.Close <= 0 {
		t.Errorf("VIX: %+v, want values only", q)
	}
	if p.Quote(testVIX, pxTime(t, "2026-04-02 08:00:00")).Trading {
		t.Error("the index trades before the regular session")
	}
	if v := p.Quote(testVIX, pxTime(t, "2026-04-02 17:00:00")).Last; v != p.Quote(testVIX, pxTime(t, "2026-04-02 15:59:59")).Last {
		t.Errorf("the index moved after the close: %v", v)
	}
}

func TestOptionQuote(t *testing.T) {
	p := NewPriceModel(1)
	at := pxTime(t, "2026-04-02 11:00:00")
	und := p.Quote(testSPY, at)
	k := math.Round(und.Last)
	call, put := testOption("C", k, "20260515"), testOption("P", k, "20260515")
	cq, pq := p.Quote(call, at), p.Quote(put, at)
	for _, q := range []Quote{cq, pq} {
		if !q.Trading || q.Bid <= 0 || q.Ask <= q.Bid || q.Greeks.OptPrice < q.Bid || q.Greeks.OptPrice > q.Ask {
			t.Errorf("ATM option: %+v, want bid <= model <= ask", q)
		}
		if q.OpenInterest <= 0 || q.Volume <= 0 || q.LastSize <= 0 || q.Close <= 0 {
			t.Errorf("ATM option statistics missing: %+v", q)
		}
		if q.Greeks.Gamma <= 0 || q.Greeks.Vega <= 0 || q.Greeks.Theta >= 0 || q.Greeks.IV < 0.05 || q.Greeks.IV > 0.5 {
			t.Errorf("model greeks %+v", q.Greeks)
		}
		if q.BidGreeks.IV <= 0 || q.AskGreeks.IV <= q.BidGreeks.IV || q.BidGreeks.OptPrice != q.Bid {
			t.Errorf("quote greeks: bid %+v ask %+v", q.BidGreeks, q.AskGreeks)
		}
		if !pxNear(q.Greeks.UndPrice, und.Bid/2+und.Ask/2, 0.011) {
			t.Errorf("undPrice %v, underlying %v/%v", q.Greeks.UndPrice, und.Bid, und.Ask)
		}
	}
	if cq.Greeks.Delta <= 0.3 || cq.Greeks.Delta >= 0.7 || pq.Greeks.Delta >= -0.3 || pq.Greeks.Delta <= -0.7 {
		t.Errorf("ATM deltas %v %v", cq.Greeks.Delta, pq.Greeks.Delta)
	}
	// Put-call parity of the model values (European model, same vol).
	g := cq.Greeks
	exp, _ := p.expiryClose("20260515")
	T := float64(exp.Sub(at)) / float64(yearDuration)
	want := g.UndPrice - g.PVDividend - k*math.Exp(-riskFreeRate*T)
	if got := cq.Greeks.OptPrice - pq.Greeks.OptPrice; !pxNear(got, want, 1e-6) {
		t.Errorf("C-P = %v, want %v", got, want)
	}
	// The skew: an out-of-the-money put has a higher volatility than the
	// call as far out of the money.
	lo, hi := p.Quote(testOption("P", k*0.92, "20260515"), at), p.Quote(testOption("C", k*1.08, "20260515"), at)
	if lo.Greeks.IV <= hi.Greeks.IV {
		t.Errorf("put wing iv %v <= call wing iv %v", lo.Greeks.IV, hi.Greeks.IV)
	}
	// Far out of the money: a zero bid, the bid greeks not computed.
	far := p.Quote(testOption("C", k*1.6, "20260417"), at)
	if far.Bid != 0 || far.Ask <= 0 || far.BidSize != 0 || far.BidGreeks.IV != -1 {
		t.Errorf("far option %+v", far)
	}
	// After the close the option is frozen and not trading; after expiry it
	// is worth its intrinsic value.
	if p.Quote(call, pxTime(t, "2026-04-02 16:30:00")).Trading {
		t.Error("option trading after the close")
	}
	ex := p.Quote(testOption("C", 1, "20260417"), pxTime(t, "2026-04-20 11:00:00"))
	if ex.Trading || ex.Greeks.OptPrice <= 0 {
		t.Errorf("expired option %+v", ex)
	}
}

func TestOptionQuoteTimeToExpiry(t *testing.T) {
	p := NewPriceModel(1)
	exp, ok := p.expiryClose("20260515")
	if !ok || !exp.Equal(pxTime(t, "2026-05-15 16:00:00")) {
		t.Errorf("expiry close %v", exp)
	}
	// Christmas Eve closes at 13:00.
	exp, _ = p.expiryClose("20261224")
	if !exp.Equal(pxTime(t, "2026-12-24 13:00:00")) {
		t.Errorf("early-close expiry %v", exp)
	}
}

func BenchmarkStockQuote(b *testing.B) {
	p := NewPriceModel(1)
	at := pxTime(b, "2026-04-02 11:00:00")
	p.Quote(testSPY, at)
	b.ResetTimer()
	for i := range b.N {
		p.Quote(testSPY, at.Add(time.Duration(i%3600)*time.Second))
	}
}

func BenchmarkOptionQuote(b *testing.B) {
	p := NewPriceModel(1)
	at := pxTime(b, "2026-04-02 11:00:00")
	opt := testOption("C", 600, "20260515")
	p.Quote(opt, at)
	b.ResetTimer()
	for i := range b.N {
		p.Quote(opt, at.Add(time.Duration(i%3600)*time.Second))
	}
}

func BenchmarkDayPath(b *testing.B) {
	ss := newSymSeries(1, "SPY", paramsFor("SPY"))
	tc := SimCalendar()
	for i := range b.N {
		genDayPath(ss, tc.anchor-i%500)
	}
}
