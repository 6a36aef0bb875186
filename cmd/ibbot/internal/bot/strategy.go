package bot

import (
	"fmt"
	"math"
	"time"

	"github.com/ibbot/ibbot/ibkr"
)

// Action is what a signal asks for.
type Action string

// Actions.
const (
	BuyCall Action = "BUY_CALL"
	BuyPut  Action = "BUY_PUT"
	Hold    Action = "HOLD"
)

// Right is the option right an action buys ("C", "P"; "" for Hold).
func (a Action) Right() string {
	switch a {
	case BuyCall:
		return "C"
	case BuyPut:
		return "P"
	}
	return ""
}

// Signal is a strategy's verdict on the latest bars.
type Signal struct {
	Action     Action
	Confidence float64
	// Reason says why, with the numbers that decided it.
	Reason string
}

// Strategy turns bars into a signal. It is a pure function of its inputs;
// state (a debounce) comes in and goes out through the memo.
type Strategy struct {
	Name string
	// MinBars is the fewest bars it decides on; fewer is a skip.
	MinBars int
	// BarSize and Duration override the configured historical request
	// when set (whale_rules reads 1-hour bars).
	BarSize, Duration string
	// Decide computes the signal. last is the time of the previous signal
	// of this strategy for the symbol (zero if none), for debouncing.
	Decide func(bars []ibkr.Bar, now, last time.Time) Signal
}

// StrategyByName returns the named strategy.
func StrategyByName(name string) (Strategy, error) {
	switch name {
	case "daily_volume_rules":
		return Strategy{Name: name, MinBars: 11, Decide: dailyVolumeRules}, nil
	case "scalp_rules":
		return Strategy{Name: name, MinBars: 30, Decide: scalpRules}, nil
	case "whale_rules":
		return Strategy{Name: name, MinBars: whaleLookback + 1, BarSize: "1 hour", Duration: "20 D", Decide: whaleRules}, nil
	}
	return Strategy{}, fmt.Errorf("strategy %q: want one of daily_volume_rules, scalp_rules, whale_rules", name)
}

func closes(bars []ibkr.Bar) []float64 {
	out := make([]float64, len(bars))
	for i, b := range bars {
		out[i] = b.Close.InexactFloat64()
	}
	return out
}

func volumes(bars []ibkr.Bar) []float64 {
	out := make([]float64, len(bars))
	for i, b := range bars {
		out[i] = b.Volume.InexactFloat64()
	}
	return out
}

// SMA is the simple mean of v.
func SMA(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// EMA is the exponential moving average of period n over v, seeded with
// the SMA of the first n values; NaN with fewer than n values.
func EMA(v []float64, n int) float64 {
	if n <= 0 || len(v) < n {
		return math.NaN()
	}
	k := 2 / float64(n+1)
	e := SMA(v[:n])
	for _, x := range v[n:] {
		e = x*k + e*(1-k)
	}
	return e
}

// RSI is Wilder's relative strength index of period n; NaN with fewer
// than n+1 values; 100 when nothing fell, 50 when nothing moved at all.
func RSI(v []float64, n int) float64 {
	if n <= 0 || len(v) < n+1 {
		return math.NaN()
	}
	var gain, loss float64
	for i := 1; i <= n; i++ {
		d := v[i] - v[i-1]
		if d > 0 {
			gain += d
		} else {
			loss -= d
		}
	}
	gain, loss = gain/float64(n), loss/float64(n)
	for i := n + 1; i < len(v); i++ {
		d := v[i] - v[i-1]
		g, l := 0.0, 0.0
		if d > 0 {
			g = d
		} else {
			l = -d
		}
		gain = (gain*float64(n-1) + g) / float64(n)
		loss = (loss*float64(n-1) + l) / float64(n)
	}
	if loss == 0 {
		if gain == 0 {
			return 50 // flat: neither overbought nor oversold
		}
		return 100
	}
	return 100 - 100/(1+gain/loss)
}

// VWAP is the volume-weighted average of the bars' typical prices
// ((high + low + close) / 3); NaN without volume.
func VWAP(bars []ibkr.Bar) float64 {
	var pv, vol float64
	for _, b := range bars {
		tp := (b.High.InexactFloat64() + b.Low.InexactFloat64() + b.Close.InexactFloat64()) / 3
		v := b.Volume.InexactFloat64()
		pv += tp * v
		vol += v
	}
	if vol == 0 {
		return math.NaN()
	}
	return pv / vol
}

// dailyVolumeRules: the SMA of the close and the mean volume over the 10
// bars before the last; when the last bar's volume is at least 0.8x the
// mean, a close more than 0.1% above the SMA buys a call, more than 0.1%
// below buys a put; confidence min(1, 0.5 + 0.1 x the volume ratio).
func dailyVolumeRules(bars []ibkr.Bar, _, _ time.Time) Signal {
	if len(bars) < 11 {
		return Signal{Action: Hold, Reason: fmt.Sprintf("%d bars, need 11", len(bars))}
	}
	prev := bars[len(bars)-11 : len(bars)-1]
	last := bars[len(bars)-1]
	sma := SMA(closes(prev))
	meanVol := SMA(volumes(prev))
	close := last.Close.InexactFloat64()
	if meanVol <= 0 || sma <= 0 {
		return Signal{Action: Hold, Reason: "no volume or price in the previous 10 bars"}
	}
	ratio := last.Volume.InexactFloat64() / meanVol
	conf := math.Min(1, 0.5+0.1*ratio)
	dev := (close - sma) / sma * 100
	switch {
	case ratio < 0.8:
		return Signal{Action: Hold, Reason: fmt.Sprintf("volume %.2fx the 10-bar mean, need 0.8x", ratio)}
	case dev > 0.1:
		return Signal{Action: BuyCall, Confidence: conf, Reason: fmt.Sprintf("close %.2f is %.3f%% above the 10-bar SMA %.2f on %.2fx volume", close, dev, sma, ratio)}
	case dev < -0.1:
		return Signal{Action: BuyPut, Confidence: conf, Reason: fmt.Sprintf("close %.2f is %.3f%% below the 10-bar SMA %.2f on %.2fx volume", close, -dev, sma, ratio)}
	}
	return Signal{Action: Hold, Reason: fmt.Sprintf("close %.2f within 0.1%% of the 10-bar SMA %.2f", close, sma)}
}

// scalpRules: EMA 8 over EMA 21 with the price above VWAP and 45 <= RSI-14
// <= 70 buys a call; EMA 8 below EMA 21 or RSI-14 below 40 buys a put.
func scalpRules(bars []ibkr.Bar, _, _ time.Time) Signal {
	if len(bars) < 30 {
		return Signal{Action: Hold, Reason: fmt.Sprintf("%d bars, need 30", len(bars))}
	}
	c := closes(bars)
	fast, slow, rsi, vwap := EMA(c, 8), EMA(c, 21), RSI(c, 14), VWAP(bars)
	price := c[len(c)-1]
	nums := fmt.Sprintf("EMA8 %.2f, EMA21 %.2f, RSI %.1f, VWAP %.2f, close %.2f", fast, slow, rsi, vwap, price)
	switch {
	case fast > slow && price > vwap && rsi >= 45 && rsi <= 70:
		return Signal{Action: BuyCall, Confidence: 0.6, Reason: "trend up: " + nums}
	case fast < slow || rsi < 40:
		return Signal{Action: BuyPut, Confidence: 0.6, Reason: "trend down: " + nums}
	}
	return Signal{Action: Hold, Reason: "no setup: " + nums}
}

// whaleLookback is whale_rules' breakout window, in bars.
const whaleLookback = 60

// whaleDebounce is how long whale_rules stays quiet after a signal.
const whaleDebounce = 3 * 24 * time.Hour

// whaleBar is whale_rules' bar size (Strategy.BarSize "1 hour").
const whaleBar = time.Hour

// completedBars drops the last bar while it is still forming at now (it
// started less than size ago): its volume is partial and its high and low
// not final. Bars without a time, or a zero now, are taken as complete.
func completedBars(bars []ibkr.Bar, size time.Duration, now time.Time) []ibkr.Bar {
	if n := len(bars); n > 0 && !now.IsZero() && !bars[n-1].Time.IsZero() && now.Before(bars[n-1].Time.Add(size)) {
		return bars[:n-1]
	}
	return bars
}

// whaleRules: a close above the highest high (below the lowest low) of the
// 60 bars BEFORE the last, on a volume above 1.2x their mean, buys a call
// (a put); at most one signal per symbol in 3 days. It decides on
// completed bars only: an hourly bar still forming at now is left out.
// (The old bot's window included the current bar, so its high could never
// be exceeded.)
func whaleRules(bars []ibkr.Bar, now, last time.Time) Signal {
	bars = completedBars(bars, whaleBar, now)
	if len(bars) < whaleLookback+1 {
		return Signal{Action: Hold, Reason: fmt.Sprintf("%d completed bars, need %d", len(bars), whaleLookback+1)}
	}
	if !last.IsZero() && now.Sub(last) < whaleDebounce {
		return Signal{Action: Hold, Reason: fmt.Sprintf("debounced: the last whale signal was %v ago, wait 3 days", now.Sub(last).Round(time.Minute))}
	}
	window := bars[len(bars)-1-whaleLookback : len(bars)-1]
	cur := bars[len(bars)-1]
	hi, lo := math.Inf(-1), math.Inf(1)
	for _, b := range window {
		hi = math.Max(hi, b.High.InexactFloat64())
		lo = math.Min(lo, b.Low.InexactFloat64())
	}
	meanVol := SMA(volumes(window))
	vol := cur.Volume.InexactFloat64()
	close := cur.Close.InexactFloat64()
	if meanVol <= 0 || vol <= 1.2*meanVol {
		return Signal{Action: Hold, Reason: fmt.Sprintf("volume %.0f, need above 1.2x the 60-bar mean %.0f", vol, meanVol)}
	}
	switch {
	case close > hi:
		return Signal{Action: BuyCall, Confidence: 0.7, Reason: fmt.Sprintf("close %.2f broke the 60-bar high %.2f on %.2fx volume", close, hi, vol/meanVol)}
	case close < lo:
		return Signal{Action: BuyPut, Confidence: 0.7, Reason: fmt.Sprintf("close %.2f broke the 60-bar low %.2f on %.2fx volume", close, lo, vol/meanVol)}
	}
	return Signal{Action: Hold, Reason: fmt.Sprintf("close %.2f inside the 60-bar range %.2f..%.2f", close, lo, hi)}
}

// ExitSignal is the EMA-20 rule on 1-hour bars for an open long option: a
// long call exits when the close falls below EMA-20, a long put when it
// rises above. ok is false with fewer than 20 bars.
func ExitSignal(bars []ibkr.Bar, right string) (exit bool, reason string, ok bool) {
	c := closes(bars)
	if len(c) < 20 {
		return false, fmt.Sprintf("%d hourly bars, need 20 for EMA-20", len(c)), false
	}
	ema := EMA(c, 20)
	close := c[len(c)-1]
	switch right {
	case "C":
		if close < ema {
			return true, fmt.Sprintf("close %.2f fell below EMA-20 %.2f", close, ema), true
		}
	case "P":
		if close > ema {
			return true, fmt.Sprintf("close %.2f rose above EMA-20 %.2f", close, ema), true
		}
	}
	return false, fmt.Sprintf("close %.2f, EMA-20 %.2f: hold", close, ema), true
}
