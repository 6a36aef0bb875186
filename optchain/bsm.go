package optchain

import (
	"errors"
	"math"
)

// BSMInputs are the inputs of the Black-Scholes-Merton model of a European
// option on an underlying with a continuous dividend yield.
type BSMInputs struct {
	Spot   float64 // underlying price, > 0
	Strike float64 // > 0
	Years  float64 // time to expiry in years (365-day), > 0
	Rate   float64 // risk-free rate, continuously compounded (0.05 = 5%)
	Yield  float64 // dividend yield, continuously compounded
	Vol    float64 // volatility (0.20 = 20%), > 0
	Call   bool
}

// BSMResult is the model's price and greeks. Vega is per 1 percentage
// point of volatility and Theta per calendar day, as IB reports them.
type BSMResult struct {
	Price, Delta, Gamma, Vega, Theta float64
}

// errModelInputs: the inputs are outside the model's domain.
var errModelInputs = errors.New("optchain: model inputs out of range (spot, strike, time and volatility must be positive)")

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

func normPDF(x float64) float64 { return math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi) }

// BSM prices an option and its greeks.
func BSM(in BSMInputs) (BSMResult, error) {
	if !(in.Spot > 0) || !(in.Strike > 0) || !(in.Years > 0) || !(in.Vol > 0) ||
		math.IsInf(in.Spot, 0) || math.IsInf(in.Strike, 0) || math.IsInf(in.Vol, 0) || math.IsNaN(in.Rate) || math.IsNaN(in.Yield) {
		return BSMResult{}, errModelInputs
	}
	s, k, t, r, q, v := in.Spot, in.Strike, in.Years, in.Rate, in.Yield, in.Vol
	sq := math.Sqrt(t)
	d1 := (math.Log(s/k) + (r-q+0.5*v*v)*t) / (v * sq)
	d2 := d1 - v*sq
	dq, dr := math.Exp(-q*t), math.Exp(-r*t)
	var res BSMResult
	res.Gamma = dq * normPDF(d1) / (s * v * sq)
	res.Vega = s * dq * normPDF(d1) * sq / 100
	if in.Call {
		res.Price = s*dq*normCDF(d1) - k*dr*normCDF(d2)
		res.Delta = dq * normCDF(d1)
		res.Theta = (-s*dq*normPDF(d1)*v/(2*sq) - r*k*dr*normCDF(d2) + q*s*dq*normCDF(d1)) / 365
	} else {
		res.Price = k*dr*normCDF(-d2) - s*dq*normCDF(-d1)
		res.Delta = -dq * normCDF(-d1)
		res.Theta = (-s*dq*normPDF(d1)*v/(2*sq) + r*k*dr*normCDF(-d2) - q*s*dq*normCDF(-d1)) / 365
	}
	return res, nil
}

// errNoImpliedVol: no volatility reproduces the price (it is below the
// option's intrinsic value or above its upper bound).
var errNoImpliedVol = errors.New("optchain: no implied volatility reproduces the price")

// ImpliedVol solves the volatility that makes the model price equal price
// (in.Vol is ignored), to within 1e-10 of volatility, by bisection kept
// fast with Newton steps. Volatilities are searched in (0.0001, 10].
func ImpliedVol(price float64, in BSMInputs) (float64, error) {
	if !(price > 0) || math.IsInf(price, 0) {
		return 0, errNoImpliedVol
	}
	lo, hi := 1e-4, 10.0
	f := func(v float64) (float64, float64, error) {
		in.Vol = v
		r, err := BSM(in)
		return r.Price - price, r.Vega * 100, err
	}
	flo, _, err := f(lo)
	if err != nil {
		return 0, err
	}
	fhi, _, _ := f(hi)
	if flo > 0 || fhi < 0 {
		return 0, errNoImpliedVol
	}
	v := 0.3
	for range 200 {
		fv, vega, _ := f(v)
		if math.Abs(fv) < 1e-12 {
			return v, nil
		}
		if fv > 0 {
			hi = v
		} else {
			lo = v
		}
		next := v - fv/vega
		if vega <= 0 || next <= lo || next >= hi || math.IsNaN(next) {
			next = (lo + hi) / 2
		}
		if math.Abs(next-v) < 1e-12 || hi-lo < 1e-12 {
			return next, nil
		}
		v = next
	}
	return v, nil
}
