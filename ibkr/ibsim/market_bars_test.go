package ibsim

import (
	"math"
	"testing"
	"time"
)

func TestBarsAggregateExactly(t *testing.T) {
	p := newPriceModel(3)
	end := time.Date(2026, 3, 11, 20, 0, 0, 0, newYork)
	for _, in := range []*instrument{testSPY, testAAPL, testOption("C", 600, "20260417"), testOption("P", 560, "20260417")} {
		hi := p.histInstrument(in)
		for _, what := range []string{"TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK"} {
			for _, rth := range []bool{true, false} {
				one := hi.bars(histSpec{sec: 60, durN: 1, durUnit: 'D', what: what, rth: rth}, end)
				five := hi.bars(histSpec{sec: 300, durN: 1, durUnit: 'D', what: what, rth: rth}, end)
				if len(one) == 0 || len(five) == 0 {
					t.Fatalf("%s %s: no bars", in.symbol, what)
				}
				for _, b := range append(one, five...) {
					if b.high < math.Max(b.open, b.close)-1e-9 || b.low > math.Min(b.open, b.close)+1e-9 {
						if what != "BID_ASK" || b.high < b.low {
							t.Fatalf("%s %s: bar %+v is not consistent", in.symbol, what, b)
						}
					}
				}
				if what == "BID_ASK" {
					continue // time averages do not chain
				}
				k := 0
				for _, f := range five {
					var sub []histBar
					for k < len(one) && one[k].start.Before(f.start.Add(5*time.Minute)) {
						sub = append(sub, one[k])
						k++
					}
					if len(sub) == 0 {
						t.Fatalf("%s %s: no minute bars in %v", in.symbol, what, f.start)
					}
					hi, lo, vol := math.Inf(-1), math.Inf(1), 0.0
					for _, m := range sub {
						hi, lo, vol = math.Max(hi, m.high), math.Min(lo, m.low), vol+m.volume
					}
					if f.open != sub[0].open || f.close != sub[len(sub)-1].close || f.high != hi || f.low != lo {
						t.Fatalf("%s %s rth=%v %v: 5-min %+v from minutes %v..%v %v/%v", in.symbol, what, rth, f.start, f, lo, hi, sub[0].open, sub[len(sub)-1].close)
					}
					if what == "TRADES" && f.volume != vol {
						t.Fatalf("%s: 5-min volume %v, minutes %v", in.symbol, f.volume, vol)
					}
				}
				if k != len(one) {
					t.Fatalf("%s %s: %d minute bars outside the 5-minute bars", in.symbol, what, len(one)-k)
				}
			}
		}
	}
}

func TestBarsAreDeterministicAndOrderFree(t *testing.T) {
	a, b := newPriceModel(5), newPriceModel(5)
	end := time.Date(2026, 2, 20, 16, 0, 0, 0, newYork)
	sp := histSpec{sec: 1, durN: 2000, durUnit: 'S', what: "TRADES", rth: true}
	x := a.histInstrument(testSPY).bars(sp, end)
	b.quote(testSPY, end.AddDate(0, -3, 0))
	b.histInstrument(testSPY).bars(histSpec{kind: barDay, durN: 1, durUnit: 'M', what: "TRADES", rth: true}, end)
	y := b.histInstrument(testSPY).bars(sp, end)
	if len(x) != 2000 || len(x) != len(y) {
		t.Fatalf("%d and %d bars", len(x), len(y))
	}
	for i := range x {
		if x[i] != y[i] {
			t.Fatalf("bar %d differs: %+v %+v", i, x[i], y[i])
		}
	}
}

func TestVolatilityBars(t *testing.T) {
	p := newPriceModel(1)
	hi := p.histInstrument(testSPY)
	end := time.Date(2026, 3, 6, 20, 0, 0, 0, newYork)
	hv := hi.bars(histSpec{kind: barDay, durN: 1, durUnit: 'M', what: "HISTORICAL_VOLATILITY", rth: true}, end)
	iv := hi.bars(histSpec{kind: barDay, durN: 1, durUnit: 'M', what: "OPTION_IMPLIED_VOLATILITY", rth: true}, end)
	if len(hv) < 15 || len(hv) != len(iv) {
		t.Fatalf("%d and %d bars", len(hv), len(iv))
	}
	for i := range hv {
		if hv[i].close <= 0.03 || hv[i].close > 1 || iv[i].close <= 0.03 || iv[i].close > 1 || hv[i].volume != -1 {
			t.Errorf("volatility bars %+v %+v", hv[i], iv[i])
		}
	}
}
