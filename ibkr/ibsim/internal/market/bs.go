package market

import "math"

// Black-Scholes-Merton pricing of European options on a dividend-paying
// underlying (continuous yield q), with the greeks in IB's units: delta per
// 1.00 of the underlying, gamma per 1.00, vega per 1 volatility point (a
// 0.01 change of sigma), theta per calendar day. US equity options are
// American; for the short-dated, low-yield options the simulator lists the
// early exercise premium is small and IB's own model greeks for them are
// close to these.

// bsInput is one option valuation.
type bsInput struct {
	call  bool
	s, k  float64 // underlying price, strike
	t     float64 // years to expiry
	r, q  float64 // risk-free rate and dividend yield, continuous
	sigma float64 // annual volatility
}

// bsResult is the value and greeks of one option.
type bsResult struct {
	price, delta, gamma, vega, theta float64
}

// normCDF is the standard normal distribution function.
func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// normPDF is the standard normal density.
func normPDF(x float64) float64 { return math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi) }

// bsMinT is the smallest time to expiry the formulas use (about 30
// seconds); at or below it an option is worth its intrinsic value.
const bsMinT = 1e-6

// bsIntrinsic is the value at expiry.
func bsIntrinsic(call bool, s, k float64) float64 {
	if call {
		return math.Max(s-k, 0)
	}
	return math.Max(k-s, 0)
}

// bsPrice is the option's value.
func bsPrice(in bsInput) float64 {
	if in.t <= bsMinT || in.sigma <= 0 || in.s <= 0 || in.k <= 0 {
		return bsIntrinsic(in.call, in.s, in.k)
	}
	sq := in.sigma * math.Sqrt(in.t)
	d1 := (math.Log(in.s/in.k) + (in.r-in.q+0.5*in.sigma*in.sigma)*in.t) / sq
	d2 := d1 - sq
	dq, dr := math.Exp(-in.q*in.t), math.Exp(-in.r*in.t)
	if in.call {
		return in.s*dq*normCDF(d1) - in.k*dr*normCDF(d2)
	}
	return in.k*dr*normCDF(-d2) - in.s*dq*normCDF(-d1)
}

// bsValue is the option's value and greeks.
func bsValue(in bsInput) bsResult {
	if in.t <= bsMinT || in.sigma <= 0 || in.s <= 0 || in.k <= 0 {
		r := bsResult{price: bsIntrinsic(in.call, in.s, in.k)}
		switch {
		case in.call && in.s > in.k:
			r.delta = 1
		case !in.call && in.s < in.k:
			r.delta = -1
		}
		return r
	}
	sqt := math.Sqrt(in.t)
	sq := in.sigma * sqt
	d1 := (math.Log(in.s/in.k) + (in.r-in.q+0.5*in.sigma*in.sigma)*in.t) / sq
	d2 := d1 - sq
	dq, dr := math.Exp(-in.q*in.t), math.Exp(-in.r*in.t)
	pdf := normPDF(d1)
	var res bsResult
	res.gamma = dq * pdf / (in.s * sq)
	res.vega = in.s * dq * pdf * sqt / 100
	common := -in.s * dq * pdf * in.sigma / (2 * sqt)
	if in.call {
		nd1, nd2 := normCDF(d1), normCDF(d2)
		res.price = in.s*dq*nd1 - in.k*dr*nd2
		res.delta = dq * nd1
		res.theta = (common - in.r*in.k*dr*nd2 + in.q*in.s*dq*nd1) / 365
	} else {
		nd1, nd2 := normCDF(-d1), normCDF(-d2)
		res.price = in.k*dr*nd2 - in.s*dq*nd1
		res.delta = -dq * nd1
		res.theta = (common + in.r*in.k*dr*nd2 - in.q*in.s*dq*nd1) / 365
	}
	return res
}

// bsImpliedVol solves for the volatility that prices the option at price.
// ok is false when no volatility in [0.001, 10] does (a price at or below
// the discounted intrinsic value, or above the no-arbitrage bound).
func bsImpliedVol(in bsInput, price float64) (sigma float64, ok bool) {
	if in.t <= bsMinT || in.s <= 0 || in.k <= 0 || price <= 0 {
		return 0, false
	}
	const lo0, hi0 = 0.001, 10.0
	f := func(v float64) float64 {
		x := in
		x.sigma = v
		return bsPrice(x) - price
	}
	lo, hi := lo0, hi0
	flo, fhi := f(lo), f(hi)
	if flo > 0 || fhi < 0 {
		return 0, false
	}
	// Newton from a Brenner-Subrahmanyam start, kept inside the bracket;
	// bisection when a step leaves it.
	v := math.Sqrt(2*math.Pi/in.t) * price / in.s
	if v <= lo || v >= hi || math.IsNaN(v) {
		v = 0.3
	}
	for range 100 {
		x := in
		x.sigma = v
		r := bsValue(x)
		diff := r.price - price
		if math.Abs(diff) < 1e-10*math.Max(1, price) {
			return v, true
		}
		if diff > 0 {
			hi = v
		} else {
			lo = v
		}
		next := v - diff/(r.vega*100)
		if r.vega <= 1e-12 || math.IsNaN(next) || next <= lo || next >= hi {
			next = 0.5 * (lo + hi)
		}
		if hi-lo < 1e-12 {
			return next, true
		}
		v = next
	}
	return v, true
}

// bsPVDividend is the present value of the dividends paid before expiry
// under a continuous yield: S (1 - e^{-qT}).
func bsPVDividend(s, q, t float64) float64 {
	if t <= 0 || q <= 0 {
		return 0
	}
	return s * (1 - math.Exp(-q*t))
}

// optionGreeks builds a tickOptionComputation from a valuation at vol
// sigma, reporting optPrice as the given price (a quote or the model
// value).
func optionGreeks(in bsInput, sigma, price float64) Greeks {
	x := in
	x.sigma = sigma
	r := bsValue(x)
	return Greeks{
		IV:         sigma,
		Delta:      r.delta,
		OptPrice:   price,
		PVDividend: bsPVDividend(in.s, in.q, in.t),
		Gamma:      r.gamma,
		Vega:       r.vega,
		Theta:      r.theta,
		UndPrice:   in.s,
	}
}

// impliedGreeks solves the volatility of a quoted or traded price and
// returns the greeks at it. When the price implies no volatility the
// values are IB's "not computed" markers, with the price and the
// underlying kept.
func impliedGreeks(in bsInput, price float64) Greeks {
	if price <= 0 {
		return Greeks{IV: -1, Delta: -2, OptPrice: -1, PVDividend: -1, Gamma: -2, Vega: -2, Theta: -2, UndPrice: in.s}
	}
	sigma, ok := bsImpliedVol(in, price)
	if !ok {
		return Greeks{IV: -1, Delta: -2, OptPrice: price, PVDividend: bsPVDividend(in.s, in.q, in.t), Gamma: -2, Vega: -2, Theta: -2, UndPrice: in.s}
	}
	return optionGreeks(in, sigma, price)
}
