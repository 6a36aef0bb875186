package optchain

import (
	"math"
	"testing"
)

// Textbook Black-Scholes values (Hull): S=100, K=100, T=1, r=5%, sigma=20%,
// no dividends. Vega per 1 vol point, theta per calendar day.
func TestBSMTextbookValues(t *testing.T) {
	in := BSMInputs{Spot: 100, Strike: 100, Years: 1, Rate: 0.05, Vol: 0.20, Call: true}
	c, err := BSM(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Call = false
	p, err := BSM(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"call price", c.Price, 10.450583572185565},
		{"put price", p.Price, 5.573526022256971},
		{"call delta", c.Delta, 0.6368306511756191},
		{"put delta", p.Delta, -0.3631693488243809},
		{"gamma", c.Gamma, 0.018762017345846895},
		{"put gamma", p.Gamma, 0.018762017345846895},
		{"vega", c.Vega, 0.3752403469169379},
		{"call theta", c.Theta, -6.414027546438197 / 365},
		{"put theta", p.Theta, -1.657880423934626 / 365},
	} {
		if math.Abs(tc.got-tc.want) > 1e-6 {
			t.Errorf("%s = %.12f, want %.12f", tc.name, tc.got, tc.want)
		}
	}
	// Put-call parity with a dividend yield.
	q := BSMInputs{Spot: 431.7, Strike: 440, Years: 0.25, Rate: 0.043, Yield: 0.013, Vol: 0.18, Call: true}
	cq, _ := BSM(q)
	q.Call = false
	pq, _ := BSM(q)
	parity := q.Spot*math.Exp(-q.Yield*q.Years) - q.Strike*math.Exp(-q.Rate*q.Years)
	if d := cq.Price - pq.Price - parity; math.Abs(d) > 1e-9 {
		t.Errorf("put-call parity off by %g", d)
	}
}

func TestImpliedVolRoundTrips(t *testing.T) {
	for _, in := range []BSMInputs{
		{Spot: 100, Strike: 100, Years: 1, Rate: 0.05, Vol: 0.20, Call: true},
		{Spot: 100, Strike: 130, Years: 0.1, Rate: 0.05, Vol: 0.45, Call: true},
		{Spot: 100, Strike: 70, Years: 2, Rate: 0.01, Yield: 0.02, Vol: 0.9, Call: false},
		{Spot: 541.2, Strike: 541, Years: 1.0 / 365, Rate: 0.04, Vol: 0.12, Call: false},
		{Spot: 50, Strike: 50, Years: 0.5, Rate: 0, Vol: 0.01, Call: true},
	} {
		r, err := BSM(in)
		if err != nil {
			t.Fatal(err)
		}
		iv, err := ImpliedVol(r.Price, in)
		if err != nil {
			t.Errorf("%+v: %v", in, err)
			continue
		}
		if math.Abs(iv-in.Vol) > 1e-6 {
			t.Errorf("%+v: implied vol %.9f, want %.9f", in, iv, in.Vol)
		}
	}
}

func TestBSMRefusesOutOfDomain(t *testing.T) {
	for _, in := range []BSMInputs{
		{Spot: 0, Strike: 100, Years: 1, Vol: 0.2},
		{Spot: 100, Strike: -1, Years: 1, Vol: 0.2},
		{Spot: 100, Strike: 100, Years: 0, Vol: 0.2},
		{Spot: 100, Strike: 100, Years: 1, Vol: 0},
		{Spot: math.NaN(), Strike: 100, Years: 1, Vol: 0.2},
		{Spot: math.Inf(1), Strike: 100, Years: 1, Vol: 0.2},
	} {
		if _, err := BSM(in); err == nil {
			t.Errorf("%+v accepted", in)
		}
	}
	// A price below intrinsic value has no implied volatility.
	in := BSMInputs{Spot: 120, Strike: 100, Years: 0.5, Rate: 0.05, Call: true}
	if _, err := ImpliedVol(15, in); err == nil {
		t.Error("price below intrinsic value solved")
	}
	if _, err := ImpliedVol(0, in); err == nil {
		t.Error("zero price solved")
	}
}
