package market

import (
	"errors"
	"math"
	"time"
)

// Custom option computations (calculateImpliedVolatility and
// calculateOptionPrice): the same Black-Scholes model as the quotes, at a
// volatility or an option price and an underlying price the client gives.

// Errors of a custom option computation.
var (
	ErrNotOption    = errors.New("the contract is not an option")
	ErrExpired      = errors.New("the option has expired")
	ErrUnderPrice   = errors.New("the underlying price must be positive")
	ErrVolatility   = errors.New("the volatility must be between 0.0001 and 10")
	ErrOptionPrice  = errors.New("the option price must be positive")
	ErrNoImpliedVol = errors.New("no volatility prices the option at the given price")
)

// calcInput is the valuation of option in at t with underlying price s.
func (p *PriceModel) calcInput(in *Instrument, t time.Time, s float64) (bsInput, error) {
	if in == nil || !in.IsOption() || in.Strike <= 0 {
		return bsInput{}, ErrNotOption
	}
	if !(s > 0) || math.IsInf(s, 0) || s >= 1e12 {
		return bsInput{}, ErrUnderPrice
	}
	exp, ok := p.expiryClose(in.Expiry)
	if !ok || !t.Before(exp) {
		return bsInput{}, ErrExpired
	}
	ss := p.seriesFor(in.UnderSymbol)
	years := float64(exp.Sub(t)) / float64(yearDuration)
	return bsInput{call: !IsPut(in), s: s, k: in.Strike, t: years, r: riskFreeRate, q: ss.sp.divYield}, nil
}

// CustomOptionPrice is the value and greeks of option in at t at
// volatility vol (annual, 0.25 for 25%) and underlying price und.
func (p *PriceModel) CustomOptionPrice(in *Instrument, t time.Time, vol, und float64) (Greeks, error) {
	bin, err := p.calcInput(in, t, und)
	if err != nil {
		return Greeks{}, err
	}
	if !(vol >= 0.0001 && vol <= 10) {
		return Greeks{}, ErrVolatility
	}
	bin.sigma = vol
	return optionGreeks(bin, vol, bsPrice(bin)), nil
}

// CustomImpliedVol is the implied volatility and greeks of option in at t
// priced at price with underlying price und.
func (p *PriceModel) CustomImpliedVol(in *Instrument, t time.Time, price, und float64) (Greeks, error) {
	bin, err := p.calcInput(in, t, und)
	if err != nil {
		return Greeks{}, err
	}
	if !(price > 0) || math.IsInf(price, 0) || price >= 1e12 {
		return Greeks{}, ErrOptionPrice
	}
	sigma, ok := bsImpliedVol(bin, price)
	if !ok {
		return Greeks{}, ErrNoImpliedVol
	}
	return optionGreeks(bin, sigma, price), nil
}
