package market

import (
	"math"
	"testing"
	"time"
)

func TestBarsAggregateExactly(t *testing.T) {
	p := NewPriceModel(3)
	end := time.Date(2026, 3, 11, 20, 0, 0, 0, NewYork)
	for _, in := range []*Instrument{testSPY, testAAPL, testOption("C", 600, "20260417"), testOption("P", 560, "20260417")} {
		hi := p.HistInstrument(in)
		for _, what := range []string{"TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK"} {
			for _, rth := range []bool{true, false} {
				one := hi.Bars(HistSpec{Sec: 60, DurN: 1, DurUnit: 'D', What: what, RTH: rth}, end)
				five := hi.Bars(HistSpec{Sec: 300, DurN: 1, DurUnit: 'D', What: what, RTH: rth}, end)
				if len(one) == 0 || len(five) == 0 {
					t.Fatalf("%s %s: no bars", in.Symbol, what)
				}
				for _, b := range append(one, five...) {
					if b.High < math.Max(b.Open, b.Close)-1e-9 || b.Low > math.Min(b.Open, b.Close)+1e-9 {
						if what != "BID_ASK" || b.High < b.Low {
							t.Fatalf("%s %s: bar %+v is not consistent", in.Symbol, what, b)
						}
					}
				}
				if what == "BID_ASK" {
					continue // time averages do not chain
				}
				k := 0
				for _, f := range five {
					var sub []Bar
					for k < len(one) && one[k].Start.Before(f.Start.Add(5*time.Minute)) {
						sub = append(sub, one[k])
						k++
					}
					if len(sub) == 0 {
						t.Fatalf("%s %s: no minute bars in %v", in.Symbol, what, f.Start)
					}
					hi, lo, vol := math.Inf(-1), math.Inf(1), 0.0
					for _, m := range sub {
						hi, lo, vol = math.Max(hi, m.High), math.Min(lo, m.Low), vol+m.Volume
					}
					if f.Open != sub[0].Open || f.Close != sub[len(sub)-1].Close || f.High != hi || f.Low != lo {
						t.Fatalf("%s %s rth=%v %v: 5-min %+v from minutes %v..%v %v/%v", in.Symbol, what, rth, f.Start, f, lo, hi, sub[0].Open, sub[len(sub)-1].Close)
					}
					if what == "TRADES" && f.Volume != vol {
						t.Fatalf("%s: 5-min volume %v, minutes %v", in.Symbol, f.Volume, vol)
					}
				}
				if k != len(one) {
					t.Fatalf("%s %s: %d minute bars outside the 5-minute bars", in.Symbol, what, len(one)-k)
				}
			}
		}
	}
}

func TestBarsAreDeterministicAndOrderFree(t *testing.T) {
	a, b := NewPriceModel(5), NewPriceModel(5)
	end := time.Date(2026, 2, 20, 16, 0, 0, 0, NewYork)
	sp := HistSpec{Sec: 1, DurN: 2000, DurUnit: 'S', What: "TRADES", RTH: true}
	x := a.HistInstrument(testSPY).Bars(sp, end)
	b.Quote(testSPY, end.AddDate(0, -3, 0))
	b.HistInstrument(testSPY).Bars(HistSpec{Kind: BarDay, DurN: 1, DurUnit: 'M', What: "TRADES", RTH: true}, end)
	y := b.HistInstrument(testSPY).Bars(sp, end)
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
	p := NewPriceModel(1)
	hi := p.HistInstrument(testSPY)
	end := time.Date(2026, 3, 6, 20, 0, 0, 0, NewYork)
	hv := hi.Bars(HistSpec{Kind: BarDay, DurN: 1, DurUnit: 'M', What: "HISTORICAL_VOLATILITY", RTH: true}, end)
	iv := hi.Bars(HistSpec{Kind: BarDay, DurN: 1, DurUnit: 'M', What: "OPTION_IMPLIED_VOLATILITY", RTH: true}, end)
	if len(hv) < 15 || len(hv) != len(iv) {
		t.Fatalf("%d and %d bars", len(hv), len(iv))
	}
	for i := range hv {
		if hv[i].Close <= 0.03 || hv[i].Close > 1 || iv[i].Close <= 0.03 || iv[i].Close > 1 || hv[i].Volume != -1 {
			t.Errorf("volatility bars %+v %+v", hv[i], iv[i])
		}
	}
}
