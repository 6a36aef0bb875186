package bot

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
)

// t0 is the first bar's start: Monday 2025-06-02 09:30 New York.
var t0 = time.Date(2025, 6, 2, 13, 30, 0, 0, time.UTC)

func dec(f float64) decimal.Decimal { return decimal.NewFromFloat(f) }

// bar is one bar starting at t: high and low half a dollar around the close.
func bar(t time.Time, close, volume float64) ibkr.Bar {
	return ibkr.Bar{Time: t, Open: dec(close), High: dec(close + 0.5), Low: dec(close - 0.5), Close: dec(close), Volume: dec(volume)}
}

// series is bars from closes and volumes, step apart from t0.
func series(step time.Duration, closes, volumes []float64) []ibkr.Bar {
	out := make([]ibkr.Bar, len(closes))
	for i, c := range closes {
		out[i] = bar(t0.Add(time.Duration(i)*step), c, volumes[i])
	}
	return out
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestIndicators(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"SMA 1..4", SMA([]float64{1, 2, 3, 4}), 2.5},
		{"SMA one", SMA([]float64{7}), 7},
		// EMA-3 of 1..5: seed SMA(1,2,3) = 2, k = 0.5: 4 -> 3, 5 -> 4.
		{"EMA 3 of 1..5", EMA([]float64{1, 2, 3, 4, 5}, 3), 4},
		// EMA-4 of 10,10,10,10,20: seed 10, k = 0.4: 20*0.4 + 10*0.6 = 14.
		{"EMA 4", EMA([]float64{10, 10, 10, 10, 20}, 4), 14},
		{"EMA n values is the SMA", EMA([]float64{1, 2, 3}, 3), 2},
		// RSI-2 of 1,2,3,2,3: seed gain 1 loss 0; -1: gain 0.5 loss 0.5;
		// +1: gain 0.75 loss 0.25; RS 3, RSI 75.
		{"RSI 2 Wilder", RSI([]float64{1, 2, 3, 2, 3}, 2), 75},
		// RSI-3 of 10,11,10,11: gains 2/3, losses 1/3: RS 2, RSI 66.67.
		{"RSI 3 seed only", RSI([]float64{10, 11, 10, 11}, 3), 100 - 100.0/3},
		{"RSI only rises", RSI([]float64{1, 2, 3, 4}, 3), 100},
		{"RSI only falls", RSI([]float64{4, 3, 2, 1}, 3), 0},
		{"RSI flat", RSI([]float64{5, 5, 5, 5}, 3), 50},
		// VWAP: typical prices 10 (x100) and 20 (x300): 7000 / 400.
		{"VWAP", VWAP([]ibkr.Bar{
			{High: dec(12), Low: dec(8), Close: dec(10), Volume: dec(100)},
			{High: dec(22), Low: dec(18), Close: dec(20), Volume: dec(300)},
		}), 17.5},
		// Typical price (h + l + c) / 3, not the close: (13 + 7 + 7) / 3.
		{"VWAP typical price", VWAP([]ibkr.Bar{{High: dec(13), Low: dec(7), Close: dec(7), Volume: dec(5)}}), 9},
	} {
		if !near(tc.got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	for name, v := range map[string]float64{
		"SMA empty":           SMA(nil),
		"EMA too few":         EMA([]float64{1, 2}, 3),
		"EMA period 0":        EMA([]float64{1, 2}, 0),
		"RSI too few":         RSI([]float64{1, 2, 3}, 3),
		"VWAP without volume": VWAP([]ibkr.Bar{{High: dec(1), Low: dec(1), Close: dec(1)}}),
	} {
		if !math.IsNaN(v) {
			t.Errorf("%s: %v, want NaN", name, v)
		}
	}
}

func TestStrategyByName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		minBars int
		barSize string
	}{{"daily_volume_rules", 11, ""}, {"scalp_rules", 30, ""}, {"whale_rules", 61, "1 hour"}} {
		s, err := StrategyByName(tc.name)
		if err != nil || s.Name != tc.name || s.MinBars != tc.minBars || s.BarSize != tc.barSize || s.Decide == nil {
			t.Errorf("%s: %+v %v", tc.name, s, err)
		}
	}
	if _, err := StrategyByName("macd"); err == nil || !strings.Contains(err.Error(), "macd") {
		t.Errorf("unknown strategy: %v", err)
	}
}

// dvBars is 10 bars at close 100 on volume 1000 and a last bar.
func dvBars(lastClose, lastVolume float64) []ibkr.Bar {
	return series(time.Minute, append(repeat(100, 10), lastClose), append(repeat(1000, 10), lastVolume))
}

func TestDailyVolumeRules(t *testing.T) {
	s, _ := StrategyByName("daily_volume_rules")
	for _, tc := range []struct {
		name   string
		bars   []ibkr.Bar
		want   Action
		conf   float64
		reason string
	}{
		{"0.2% above on 1x volume", dvBars(100.2, 1000), BuyCall, 0.6, "above"},
		{"0.2% below on 1x volume", dvBars(99.8, 1000), BuyPut, 0.6, "below"},
		{"within 0.1%", dvBars(100.05, 1000), Hold, 0, "within 0.1%"},
		{"within 0.1% below", dvBars(99.95, 5000), Hold, 0, "within 0.1%"},
		{"volume 0.8x is enough", dvBars(100.2, 800), BuyCall, 0.58, "above"},
		{"volume under 0.8x", dvBars(100.2, 799), Hold, 0, "need 0.8x"},
		{"confidence capped at 1", dvBars(99, 6000), BuyPut, 1, "below"},
		{"confidence 0.5 + 0.1 x 3", dvBars(101, 3000), BuyCall, 0.8, "above"},
		{"10 bars", dvBars(100.2, 1000)[1:], Hold, 0, "need 11"},
		{"no bars", nil, Hold, 0, "need 11"},
		{"no volume before", series(time.Minute, append(repeat(100, 10), 101), append(repeat(0, 10), 1000)), Hold, 0, "no volume"},
		// Only the 10 bars before the last count: an older bar at 1000
		// changes nothing.
		{"older bars ignored", append([]ibkr.Bar{bar(t0.Add(-time.Minute), 1000, 1e9)}, dvBars(100.2, 1000)...), BuyCall, 0.6, "above"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig := s.Decide(tc.bars, time.Time{}, time.Time{})
			if sig.Action != tc.want || !near(sig.Confidence, tc.conf) || !strings.Contains(sig.Reason, tc.reason) {
				t.Errorf("%+v, want %s confidence %v reason with %q", sig, tc.want, tc.conf, tc.reason)
			}
		})
	}
}

// zigzag is n closes from start, alternating +up and -down.
func zigzag(start, up, down float64, n int) []float64 {
	out := make([]float64, n)
	out[0] = start
	for i := 1; i < n; i++ {
		if i%2 == 1 {
			out[i] = out[i-1] + up
		} else {
			out[i] = out[i-1] - down
		}
	}
	return out
}

func TestScalpRules(t *testing.T) {
	s, _ := StrategyByName("scalp_rules")
	// Up 1, down 0.6: a steady climb with RSI near 62.5.
	up := zigzag(100, 1, 0.6, 40)
	// Straight up: RSI 100, over 70.
	steep := make([]float64, 40)
	for i := range steep {
		steep[i] = 100 + float64(i)
	}
	down := zigzag(100, 0.6, 1, 40)
	vol := repeat(1000, 40)
	for _, tc := range []struct {
		name   string
		closes []float64
		want   Action
		reason string
	}{
		{"trend up, RSI 45..70, over VWAP", up, BuyCall, "trend up"},
		{"trend down", down, BuyPut, "trend down"},
		{"trend up but RSI over 70", steep, Hold, "no setup"},
		{"29 bars", up[:29], Hold, "need 30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bars := series(time.Minute, tc.closes, vol[:len(tc.closes)])
			sig := s.Decide(bars, time.Time{}, time.Time{})
			if sig.Action != tc.want || !strings.Contains(sig.Reason, tc.reason) {
				t.Errorf("%+v, want %s (%q)", sig, tc.want, tc.reason)
			}
		})
	}
	// The numbers behind the up case, so the case tests what it says.
	c := up
	fast, slow, rsi, vwap := EMA(c, 8), EMA(c, 21), RSI(c, 14), VWAP(series(time.Minute, up, vol))
	if !(fast > slow && c[len(c)-1] > vwap && rsi >= 45 && rsi <= 70) {
		t.Errorf("up case: EMA8 %v EMA21 %v RSI %v VWAP %v close %v", fast, slow, rsi, vwap, c[len(c)-1])
	}
	if r := RSI(steep, 14); r <= 70 {
		t.Errorf("steep RSI %v", r)
	}
	// RSI under 40 alone sells, even while EMA-8 is still over EMA-21: a
	// long rise, then two sharp drops.
	mixed := append(append([]float64{}, steep[:30]...), 117, 105)
	fast, slow, rsi = EMA(mixed, 8), EMA(mixed, 21), RSI(mixed, 14)
	if !(fast > slow && rsi < 40) {
		t.Fatalf("mixed case: EMA8 %v EMA21 %v RSI %v: want EMA8 > EMA21 and RSI < 40", fast, slow, rsi)
	}
	if sig := s.Decide(series(time.Minute, mixed, vol[:len(mixed)]), time.Time{}, time.Time{}); sig.Action != BuyPut {
		t.Errorf("RSI %v < 40 with EMA8 %v > EMA21 %v: %+v, want BUY_PUT", rsi, fast, slow, sig)
	}
}

// whaleBars is 60 hourly bars at close 100 (high 100.5, low 99.5) on
// volume 1000, then the given bars.
func whaleBars(last ...ibkr.Bar) []ibkr.Bar {
	bars := series(time.Hour, repeat(100, 60), repeat(1000, 60))
	for i, b := range last {
		b.Time = t0.Add(time.Duration(60+i) * time.Hour)
		bars = append(bars, b)
	}
	return bars
}

// ohlcv is a bar with its own high and low.
func ohlcv(high, low, close, volume float64) ibkr.Bar {
	return ibkr.Bar{Open: dec(close), High: dec(high), Low: dec(low), Close: dec(close), Volume: dec(volume)}
}

// endOf is the instant bar i of bars has completed.
func endOf(bars []ibkr.Bar, i int) time.Time { return bars[i].Time.Add(time.Hour) }

func TestWhaleRules(t *testing.T) {
	s, _ := StrategyByName("whale_rules")
	for _, tc := range []struct {
		name   string
		bars   []ibkr.Bar
		last   time.Duration // since the previous signal; 0: none
		want   Action
		reason string
	}{
		// The breakout bar's own high (102.5) is above its close: the old
		// bot compared the close with a high that included this bar, so
		// this never fired.
		{"breakout up", whaleBars(ohlcv(102.5, 100, 102, 1300)), 0, BuyCall, "broke the 60-bar high 100.50"},
		{"breakout down", whaleBars(ohlcv(100, 97.5, 98, 1300)), 0, BuyPut, "broke the 60-bar low 99.50"},
		{"inside the range", whaleBars(ohlcv(101, 99.8, 100.4, 5000)), 0, Hold, "inside the 60-bar range 99.50..100.50"},
		{"volume 1.2x is not a spike", whaleBars(ohlcv(102.5, 100, 102, 1200)), 0, Hold, "need above 1.2x"},
		{"debounced 2 days after a signal", whaleBars(ohlcv(102.5, 100, 102, 1300)), 48 * time.Hour, Hold, "debounced"},
		{"3 days after a signal", whaleBars(ohlcv(102.5, 100, 102, 1300)), 72 * time.Hour, BuyCall, "broke"},
		{"60 bars", whaleBars()[:60], 0, Hold, "need 61"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := endOf(tc.bars, len(tc.bars)-1)
			var last time.Time
			if tc.last > 0 {
				last = now.Add(-tc.last)
			}
			sig := s.Decide(tc.bars, now, last)
			if sig.Action != tc.want || !strings.Contains(sig.Reason, tc.reason) {
				t.Errorf("%+v, want %s (%q)", sig, tc.want, tc.reason)
			}
		})
	}
}

// TestWhaleNoLookAhead: the decision at bar i depends on bars 0..i only.
// Every prefix is decided once, then again with wild bars appended after
// it: no past decision changes. The breakout is found at the bar it
// happens, not later or earlier.
func TestWhaleNoLookAhead(t *testing.T) {
	s, _ := StrategyByName("whale_rules")
	bars := whaleBars(
		ohlcv(100.4, 99.6, 100, 1000), // 60: inside
		ohlcv(101, 100, 100.9, 1500),  // 61: breakout up
		ohlcv(101, 100, 100.5, 900),   // 62: no spike
		ohlcv(100, 98.8, 99, 2000),    // 63: breakout down
		ohlcv(100.2, 99.6, 100, 1000), // 64: inside
	)
	want := map[int]Action{60: Hold, 61: BuyCall, 62: Hold, 63: BuyPut, 64: Hold}
	future := []ibkr.Bar{ohlcv(200, 1, 150, 1e7), ohlcv(300, 0.5, 1, 1e8)}
	for i := 60; i < len(bars); i++ {
		now := endOf(bars, i)
		past := s.Decide(bars[:i+1], now, time.Time{})
		if past.Action != want[i] {
			t.Errorf("bar %d: %+v, want %s", i, past, want[i])
		}
		// The same decision with every later bar known...
		withLater := append(append([]ibkr.Bar{}, bars[:i+1]...), bars[i+1:]...)
		for j, f := range future {
			f.Time = bars[len(bars)-1].Time.Add(time.Duration(j+1) * time.Hour)
			withLater = append(withLater, f)
		}
		// ... decided as of bar i: the later bars are not there yet, and
		// the prefix given must not have been changed by appending.
		if again := s.Decide(withLater[:i+1], now, time.Time{}); again != past {
			t.Errorf("bar %d: %+v after appending future bars, was %+v", i, again, past)
		}
	}
	// A bar still forming is not decided on: at 30 minutes into bar 61 its
	// volume and high are not final, so the decision is bar 60's.
	forming := s.Decide(bars[:62], bars[61].Time.Add(30*time.Minute), time.Time{})
	if forming.Action != Hold {
		t.Errorf("bar 61 still forming: %+v, want HOLD (bar 60's decision)", forming)
	}
	if done := s.Decide(bars[:62], endOf(bars, 61), time.Time{}); done.Action != BuyCall {
		t.Errorf("bar 61 complete: %+v, want BUY_CALL", done)
	}
	// With exactly 61 bars and the last still forming, 60 completed bars
	// are too few.
	if sig := s.Decide(bars[:61], bars[60].Time.Add(time.Minute), time.Time{}); sig.Action != Hold || !strings.Contains(sig.Reason, "need 61") {
		t.Errorf("61 bars, last forming: %+v", sig)
	}
}

func TestExitSignal(t *testing.T) {
	// 19 hourly closes at 100 and a last close: EMA-20 of 20 values is
	// their SMA, (19 x 100 + last) / 20.
	hourly := func(last float64) []ibkr.Bar {
		return series(time.Hour, append(repeat(100, 19), last), repeat(1000, 20))
	}
	for _, tc := range []struct {
		name   string
		bars   []ibkr.Bar
		right  string
		exit   bool
		ok     bool
		reason string
	}{
		{"call, close below EMA-20", hourly(99), "C", true, true, "fell below EMA-20 99.95"},
		{"call, close above EMA-20", hourly(101), "C", false, true, "hold"},
		{"put, close above EMA-20", hourly(101), "P", true, true, "rose above EMA-20 100.05"},
		{"put, close below EMA-20", hourly(99), "P", false, true, "hold"},
		{"close on EMA-20", hourly(100), "C", false, true, "hold"},
		{"close on EMA-20, put", hourly(100), "P", false, true, "hold"},
		{"19 bars", hourly(99)[1:], "C", false, false, "need 20"},
		{"no right", hourly(99), "", false, true, "hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exit, reason, ok := ExitSignal(tc.bars, tc.right)
			if exit != tc.exit || ok != tc.ok || !strings.Contains(reason, tc.reason) {
				t.Errorf("exit %v ok %v %q, want %v %v %q", exit, ok, reason, tc.exit, tc.ok, tc.reason)
			}
		})
	}
	// EMA-20 over more than 20 bars: 20 at 100 then 110, 90: seed 100,
	// k = 2/21; 110 -> 100.952..., 90 -> 99.909...; 90 is below it.
	bars := series(time.Hour, append(repeat(100, 20), 110, 90), repeat(1000, 22))
	k := 2.0 / 21
	ema := 110*k + 100*(1-k)
	ema = 90*k + ema*(1-k)
	if got := EMA(closes(bars), 20); !near(got, ema) {
		t.Errorf("EMA-20 %v, want %v", got, ema)
	}
	if exit, _, _ := ExitSignal(bars, "C"); !exit {
		t.Error("call: close 90 below EMA-20 99.9: no exit")
	}
}

func TestActionRight(t *testing.T) {
	if BuyCall.Right() != "C" || BuyPut.Right() != "P" || Hold.Right() != "" {
		t.Errorf("rights %q %q %q", BuyCall.Right(), BuyPut.Right(), Hold.Right())
	}
}
