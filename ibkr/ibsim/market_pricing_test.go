package ibsim

import (
	"math"
	"testing"
	"time"
)

func pxTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, newYork)
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
	if g.iv != -1 || g.delta != -2 || g.gamma != -2 || g.optPrice != 50 || g.undPrice != 600 {
		t.Errorf("not computed greeks = %+v", g)
	}
}

var (
	testSPY  = &instrument{conID: 756733, symbol: "SPY", secType: "STK", exchange: "SMART", currency: "USD", localSymbol: "SPY", minTick: 0.01}
	testAAPL = &instrument{conID: 265598, symbol: "AAPL", secType: "STK", exchange: "SMART", currency: "USD", localSymbol: "AAPL", minTick: 0.01}
	testVIX  = &instrument{conID: 13455763, symbol: "VIX", secType: "IND", exchange: "CBOE", currency: "USD", localSymbol: "VIX", minTick: 0.01}
)

func testOption(right string, strike float64, expiry string) *instrument {
	return &instrument{conID: 900000 + int64(strike), symbol: "SPY", secType: "OPT", exchange: "SMART", currency: "USD",
		multiplier: "100", minTick: 0.01, expiry: expiry, strike: strike, right: right, underSymbol: "SPY", underSecTyp: "STK"}
}

func TestPathIsDeterministic(t *testing.T) {
	times := []time.Time{
		pxTime(t, "2026-04-02 10:15:07"), pxTime(t, "2025-11-28 12:59:59"), pxTime(t, "2026-04-02 04:00:00"),
		pxTime(t, "2024-07-03 16:30:00"), pxTime(t, "2026-04-04 11:00:00"), pxTime(t, "2019-05-06 09:30:00"),
	}
	a, b := newPriceModel(7), newPriceModel(7)
	a.paths.cap = 4 // so that the test can evict every day cheaply
	var first []quote
	for _, at := range times {
		first = append(first, a.quote(testAAPL, at))
	}
	// The other model is asked in reverse order and after unrelated days.
	b.quote(testAAPL, pxTime(t, "2030-01-15 11:00:00"))
	for i := len(times) - 1; i >= 0; i-- {
		if got := b.quote(testAAPL, times[i]); got != first[i] {
			t.Errorf("%v: quote differs between models of one seed:\n%+v\n%+v", times[i], got, first[i])
		}
	}
	// Evicting every cached day changes nothing.
	for d := range 2 * a.paths.cap {
		a.quote(testAAPL, simCalendar().days[1000+d].Add(11*time.Hour))
	}
	for i, at := range times {
		if got := a.quote(testAAPL, at); got != first[i] {
			t.Errorf("%v: quote changed after cache eviction", at)
		}
	}
	c := newPriceModel(8)
	same := 0
	for i, at := range times {
		if c.quote(testAAPL, at).last == first[i].last {
			same++
		}
	}
	if same == len(times) {
		t.Error("a different seed gave the same prices")
	}
}

func TestReferencePriceNearAnchor(t *testing.T) {
	p := newPriceModel(1)
	for sym, sp := range symbolTable {
		ss := p.seriesFor(sym)
		got := ss.closeAt(simCalendar().anchor)
		if !pxNear(got, sp.price, 1e-9*sp.price) {
			t.Errorf("%s: anchor close %v, want the reference %v", sym, got, sp.price)
		}
	}
}

func TestStockQuoteSemantics(t *testing.T) {
	p := newPriceModel(1)
	at := pxTime(t, "2026-04-02 11:00:00")
	q := p.quote(testSPY, at)
	if !q.trading || q.bid <= 0 || !pxNear(q.ask-q.bid, 0.01, 1e-9) {
		t.Fatalf("SPY in the regular session: %+v, want a one-tick market", q)
	}
	if q.last < q.low || q.last > q.high || q.open < q.low || q.open > q.high {
		t.Errorf("last %v / open %v outside the day's range %v..%v", q.last, q.open, q.low, q.high)
	}
	if q.bidSize < 100 || q.askSize < 100 || q.lastSize <= 0 || q.volume < 1e6 {
		t.Errorf("sizes %v/%v last %v volume %v", q.bidSize, q.askSize, q.lastSize, q.volume)
	}
	if q.histVol <= 0 || q.impliedVol <= 0 || q.callOI <= 0 || q.putOI <= 0 || q.callVolume <= 0 {
		t.Errorf("underlying option statistics missing: %+v", q)
	}
	// Prices are on the tick.
	for _, v := range []float64{q.bid, q.ask, q.last, q.open, q.high, q.low, q.close} {
		if !pxNear(v*100, math.Round(v*100), 1e-6) {
			t.Errorf("price %v is not on the 0.01 tick", v)
		}
	}
	// close is the previous session's official close: the last regular
	// second's trade of April 1.
	prev := p.quote(testSPY, pxTime(t, "2026-04-01 15:59:59"))
	if q.close != prev.last {
		t.Errorf("close %v, want April 1's closing print %v", q.close, prev.last)
	}
	// Wider market before the open; open not printed yet.
	pre := p.quote(testSPY, pxTime(t, "2026-04-02 08:00:00"))
	if !pre.trading || pre.ask-pre.bid < 0.025 || pre.open != 0 {
		t.Errorf("pre-market %+v: want trading, a wider spread and no open", pre)
	}
	// After 20:00 and over the weekend: frozen at Thursday 19:59:59 (April 3
	// 2026 is Good Friday).
	last := p.quote(testSPY, pxTime(t, "2026-04-02 19:59:59"))
	for _, ts := range []string{"2026-04-02 20:00:00", "2026-04-03 12:00:00", "2026-04-05 23:00:00", "2026-04-06 03:59:59"} {
		c := p.quote(testSPY, pxTime(t, ts))
		tr := c.trading
		c.at, c.trading = last.at, last.trading
		if tr || c != last {
			t.Errorf("%s: %+v, want the frozen %+v", ts, c, last)
		}
	}
	mon := p.quote(testSPY, pxTime(t, "2026-04-06 04:00:00"))
	if !mon.trading || mon.close != p.quote(testSPY, pxTime(t, "2026-04-02 15:59:59")).last {
		t.Errorf("Monday pre-market: %+v, want trading with Thursday's close", mon)
	}
	// Early close: 13:00 close print, post-market until 17:00.
	ec := p.quote(testSPY, pxTime(t, "2025-11-28 16:59:59"))
	if !ec.trading || p.quote(testSPY, pxTime(t, "2025-11-28 17:00:00")).trading {
		t.Error("the day after Thanksgiving trades until 17:00")
	}
	// Before the data: nothing.
	if old := p.quote(testSPY, pxTime(t, "1980-01-02 11:00:00")); old.bid != -1 || old.last != 0 {
		t.Errorf("before the calendar: %+v", old)
	}
}

func TestIndexQuote(t *testing.T) {
	p := newPriceModel(1)
	q := p.quote(testVIX, pxTime(t, "2026-04-02 11:00:00"))
	if !q.trading || q.last <= 0 || q.bid != 0 || q.ask != 0 || q.bidSize != 0 || q.volume != 0 || q.close <= 0 {
		t.Errorf("VIX: %+v, want values only", q)
	}
	if p.quote(testVIX, pxTime(t, "2026-04-02 08:00:00")).trading {
		t.Error("the index trades before the regular session")
	}
	if v := p.quote(testVIX, pxTime(t, "2026-04-02 17:00:00")).last; v != p.quote(testVIX, pxTime(t, "2026-04-02 15:59:59")).last {
		t.Errorf("the index moved after the close: %v", v)
	}
}

func TestOptionQuote(t *testing.T) {
	p := newPriceModel(1)
	at := pxTime(t, "2026-04-02 11:00:00")
	und := p.quote(testSPY, at)
	k := math.Round(und.last)
	call, put := testOption("C", k, "20260515"), testOption("P", k, "20260515")
	cq, pq := p.quote(call, at), p.quote(put, at)
	for _, q := range []quote{cq, pq} {
		if !q.trading || q.bid <= 0 || q.ask <= q.bid || q.greeks.optPrice < q.bid || q.greeks.optPrice > q.ask {
			t.Errorf("ATM option: %+v, want bid <= model <= ask", q)
		}
		if q.openInterest <= 0 || q.volume <= 0 || q.lastSize <= 0 || q.close <= 0 {
			t.Errorf("ATM option statistics missing: %+v", q)
		}
		if q.greeks.gamma <= 0 || q.greeks.vega <= 0 || q.greeks.theta >= 0 || q.greeks.iv < 0.05 || q.greeks.iv > 0.5 {
			t.Errorf("model greeks %+v", q.greeks)
		}
		if q.bidGreeks.iv <= 0 || q.askGreeks.iv <= q.bidGreeks.iv || q.bidGreeks.optPrice != q.bid {
			t.Errorf("quote greeks: bid %+v ask %+v", q.bidGreeks, q.askGreeks)
		}
		if !pxNear(q.greeks.undPrice, und.bid/2+und.ask/2, 0.011) {
			t.Errorf("undPrice %v, underlying %v/%v", q.greeks.undPrice, und.bid, und.ask)
		}
	}
	if cq.greeks.delta <= 0.3 || cq.greeks.delta >= 0.7 || pq.greeks.delta >= -0.3 || pq.greeks.delta <= -0.7 {
		t.Errorf("ATM deltas %v %v", cq.greeks.delta, pq.greeks.delta)
	}
	// Put-call parity of the model values (European model, same vol).
	g := cq.greeks
	exp, _ := p.expiryClose("20260515")
	T := float64(exp.Sub(at)) / float64(yearDuration)
	want := g.undPrice - g.pvDividend - k*math.Exp(-riskFreeRate*T)
	if got := cq.greeks.optPrice - pq.greeks.optPrice; !pxNear(got, want, 1e-6) {
		t.Errorf("C-P = %v, want %v", got, want)
	}
	// The skew: an out-of-the-money put has a higher volatility than the
	// call as far out of the money.
	lo, hi := p.quote(testOption("P", k*0.92, "20260515"), at), p.quote(testOption("C", k*1.08, "20260515"), at)
	if lo.greeks.iv <= hi.greeks.iv {
		t.Errorf("put wing iv %v <= call wing iv %v", lo.greeks.iv, hi.greeks.iv)
	}
	// Far out of the money: a zero bid, the bid greeks not computed.
	far := p.quote(testOption("C", k*1.6, "20260417"), at)
	if far.bid != 0 || far.ask <= 0 || far.bidSize != 0 || far.bidGreeks.iv != -1 {
		t.Errorf("far option %+v", far)
	}
	// After the close the option is frozen and not trading; after expiry it
	// is worth its intrinsic value.
	if p.quote(call, pxTime(t, "2026-04-02 16:30:00")).trading {
		t.Error("option trading after the close")
	}
	ex := p.quote(testOption("C", 1, "20260417"), pxTime(t, "2026-04-20 11:00:00"))
	if ex.trading || ex.greeks.optPrice <= 0 {
		t.Errorf("expired option %+v", ex)
	}
}

func TestOptionQuoteTimeToExpiry(t *testing.T) {
	p := newPriceModel(1)
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
	p := newPriceModel(1)
	at := pxTime(b, "2026-04-02 11:00:00")
	p.quote(testSPY, at)
	b.ResetTimer()
	for i := range b.N {
		p.quote(testSPY, at.Add(time.Duration(i%3600)*time.Second))
	}
}

func BenchmarkOptionQuote(b *testing.B) {
	p := newPriceModel(1)
	at := pxTime(b, "2026-04-02 11:00:00")
	opt := testOption("C", 600, "20260515")
	p.quote(opt, at)
	b.ResetTimer()
	for i := range b.N {
		p.quote(opt, at.Add(time.Duration(i%3600)*time.Second))
	}
}

func BenchmarkDayPath(b *testing.B) {
	ss := newSymSeries(1, "SPY", paramsFor("SPY"))
	tc := simCalendar()
	for i := range b.N {
		genDayPath(ss, tc.anchor-i%500)
	}
}
