package market

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"
)

// The price path: every underlying has a deterministic price at every
// second, a pure function of (seed, symbol, instant). It is built in two
// layers.
//
// Daily: the regular-session close of every NYSE trading day from 1990 to
// 2045 is a seeded mean-reverting random walk in log price around a trend
// line through the symbol's reference price on the anchor date
// (2026-01-02), so prices near 2026 sit near the reference and history
// looks like history (SPY in 1993 is in the forties).
//
// Intraday: each trading day is one array of per-second mid prices from
// 04:00 to 20:00 New York time (17:00 on early-close days), a Brownian
// bridge pinned at four points: the previous day's 20:00 price, the 09:30
// opening print, the 16:00 (13:00) closing print, which is exactly the
// daily close, and the day's own 20:00 price. Volatility in the regular
// session follows the usual U shape; pre- and post-market moves are small.
// Outside 04:00-20:00 and on weekends and holidays the price stands still.
// An index (VIX) only moves in the regular session.
//
// Quotes, trades, sizes and volumes are derived from the mid path by
// stateless hashes of (symbol, day, second), so any second can be asked
// for in any order. Day paths are generated on demand (about a
// millisecond) and kept in a small LRU cache; the per-day summaries that
// daily bars need are kept separately and are tiny.

const (
	// pathAnchorYear/Month/Day: the trading day at which every symbol
	// sits on its trend line at its reference price.
	pathAnchorYear  = 2026
	pathAnchorMonth = time.January
	pathAnchorDay   = 2

	// The calendar the model covers; outside it there is no data.
	pathFirstYear = 1990
	pathLastYear  = 2045

	// tradingSecondsPerYear scales annual volatility to one second of the
	// regular session.
	tradingSecondsPerYear = 252 * 23400

	// pathCacheDays is how many day paths are kept (about 300 KB each).
	pathCacheDays = 48
	// daySummaryMax bounds the per-day summary cache (about 300 bytes
	// each); it is emptied when full.
	daySummaryMax = 50_000
)

// symParams are the market parameters of one underlying.
type symParams struct {
	price     float64 // reference price on the anchor date
	vol       float64 // annual volatility of returns
	trend     float64 // annual drift of the log price
	halfLife  float64 // mean reversion half-life, trading days
	dayVolume float64 // average shares per day (0: an index)
	spread    int64   // quoted spread in the regular session, ticks
	divYield  float64 // continuous dividend yield
	tradeSize float64 // average trade size, shares
	quoteSize float64 // typical bid or ask size, shares
	head      string  // first day with data, YYYYMMDD
	index     bool    // an index: values only, no quotes or volume
	skew      float64 // option smile: slope in log-moneyness per sqrt(year)
	curv      float64 // option smile: curvature
	optVolume float64 // option contracts traded per day, all series
	optOI     float64 // option open interest, all series
}

// symbolTable holds the parameters of the symbols the simulator lists. The
// prices repeat the reference data's refPrice, which wins when they
// differ.
var symbolTable = map[string]symParams{
	"SPY":  {price: 600, vol: 0.16, trend: 0.08, halfLife: 750, dayVolume: 70e6, spread: 1, divYield: 0.013, tradeSize: 120, quoteSize: 2000, head: "19930129", skew: 1.6, curv: 2.5, optVolume: 7e6, optOI: 18e6},
	"QQQ":  {price: 520, vol: 0.21, trend: 0.11, halfLife: 750, dayVolume: 45e6, spread: 1, divYield: 0.006, tradeSize: 100, quoteSize: 1500, head: "19990310", skew: 1.5, curv: 2.5, optVolume: 3e6, optOI: 8e6},
	"IWM":  {price: 220, vol: 0.22, trend: 0.06, halfLife: 750, dayVolume: 30e6, spread: 1, divYield: 0.012, tradeSize: 100, quoteSize: 2500, head: "20000526", skew: 1.3, curv: 2.3, optVolume: 1e6, optOI: 6e6},
	"AAPL": {price: 230, vol: 0.27, trend: 0.11, halfLife: 1000, dayVolume: 55e6, spread: 2, divYield: 0.0045, tradeSize: 90, quoteSize: 400, head: "19801212", skew: 0.7, curv: 2.0, optVolume: 1.5e6, optOI: 5e6},
	"MSFT": {price: 420, vol: 0.25, trend: 0.13, halfLife: 1000, dayVolume: 22e6, spread: 2, divYield: 0.0075, tradeSize: 70, quoteSize: 200, head: "19860313", skew: 0.7, curv: 2.0, optVolume: 4e5, optOI: 2e6},
	"NVDA": {price: 140, vol: 0.50, trend: 0.16, halfLife: 1000, dayVolume: 250e6, spread: 2, divYield: 0.0003, tradeSize: 150, quoteSize: 1500, head: "19990122", skew: 0.5, curv: 1.8, optVolume: 3e6, optOI: 18e6},
	"TSLA": {price: 250, vol: 0.60, trend: 0.25, halfLife: 1000, dayVolume: 100e6, spread: 3, divYield: 0, tradeSize: 80, quoteSize: 300, head: "20100629", skew: 0.3, curv: 1.8, optVolume: 3e6, optOI: 5e6},
	"AMD":  {price: 150, vol: 0.50, trend: 0.08, halfLife: 1000, dayVolume: 45e6, spread: 2, divYield: 0, tradeSize: 100, quoteSize: 500, head: "19800317", skew: 0.5, curv: 1.8, optVolume: 8e5, optOI: 4e6},
	"META": {price: 580, vol: 0.36, trend: 0.20, halfLife: 1000, dayVolume: 15e6, spread: 3, divYield: 0.0035, tradeSize: 60, quoteSize: 150, head: "20120518", skew: 0.6, curv: 2.0, optVolume: 5e5, optOI: 2.5e6},
	"GOOG": {price: 170, vol: 0.30, trend: 0.18, halfLife: 1000, dayVolume: 25e6, spread: 2, divYield: 0.005, tradeSize: 100, quoteSize: 400, head: "20140327", skew: 0.6, curv: 2.0, optVolume: 3e5, optOI: 2e6},
	"IBM":  {price: 220, vol: 0.22, trend: 0.03, halfLife: 1000, dayVolume: 4e6, spread: 3, divYield: 0.03, tradeSize: 50, quoteSize: 100, head: "19800317", skew: 0.6, curv: 2.0, optVolume: 6e4, optOI: 5e5},
	"VIX":  {price: 16, vol: 0.85, trend: 0, halfLife: 15, index: true, head: "19900102", skew: -0.8, curv: 1.5, optVolume: 6e5, optOI: 1e7},
}

// paramsFor returns a symbol's parameters; a symbol outside the table gets
// plausible ones derived from its name.
func paramsFor(symbol string) symParams {
	if p, ok := symbolTable[symbol]; ok {
		return p
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(symbol))
	u := u01(Mix64(h.Sum64()))
	return symParams{
		price: math.Round(20+280*u) + 0.5, vol: 0.35, trend: 0.08, halfLife: 1000,
		dayVolume: 5e6, spread: 2, divYield: 0.01, tradeSize: 100, quoteSize: 300,
		head: "20000103", skew: 0.6, curv: 2.0, optVolume: 1e5, optOI: 1e6,
	}
}

// Hashing: every random number of the model comes from a 64-bit hash of
// its coordinates, so values never depend on the order of requests.

// symSeries is one symbol's daily closes.
type symSeries struct {
	sym   string
	sp    symParams
	key   uint64
	logC  []float64 // log of the regular-session close, per calendar day
	dayS  float64   // daily volatility
	secS  float64   // per-second volatility in the regular session
	first int       // first calendar index with data
	tick  float64   // price increment of quotes and trades
	inv   float64   // 1/tick, an integer
}

func newSymSeries(seed int64, sym string, sp symParams) *symSeries {
	tc := SimCalendar()
	h := fnv.New64a()
	_, _ = h.Write([]byte(sym))
	key := Mix64(uint64(seed)*0x9e3779b97f4a7c15 ^ h.Sum64())
	ss := &symSeries{sym: sym, sp: sp, key: key, tick: 0.01, inv: 100}
	ss.dayS = sp.vol / math.Sqrt(252)
	ss.secS = sp.vol / math.Sqrt(tradingSecondsPerYear)
	n := len(tc.Days)
	ss.logC = make([]float64, n)
	phi := math.Pow(0.5, 1/sp.halfLife)
	x := make([]float64, n)
	fwd := rand.New(rand.NewPCG(key, 1))
	for i := tc.anchor + 1; i < n; i++ {
		x[i] = phi*x[i-1] + ss.dayS*fwd.NormFloat64()
	}
	back := rand.New(rand.NewPCG(key, 2))
	for i := tc.anchor - 1; i >= 0; i-- {
		x[i] = phi*x[i+1] + ss.dayS*back.NormFloat64()
	}
	lp := math.Log(sp.price)
	for i := range n {
		ss.logC[i] = lp + sp.trend*float64(i-tc.anchor)/252 + x[i]
	}
	if hd, err := time.ParseInLocation("20060102", sp.head, NewYork); err == nil {
		ss.first = tc.dayOnOrAfter(hd)
	}
	return ss
}

// closeAt is the regular-session close of day d (unrounded).
func (ss *symSeries) closeAt(d int) float64 { return math.Exp(ss.logC[d]) }

// closePrint is the official close of day d, on the tick.
func (ss *symSeries) closePrint(d int) float64 { return ss.toPrice(ss.round(ss.closeAt(d))) }

// prevDay returns the day before d (d itself for the first day).
func prevDay(d int) int { return max(d-1, 0) }

// logOpen is the log of the 09:30 opening print of day d: part of the
// day's move happens overnight.
func (ss *symSeries) logOpen(d int) float64 {
	p := ss.logC[prevDay(d)]
	return p + 0.35*(ss.logC[d]-p) + 0.25*ss.dayS*gauss(hash3(ss.key, uint64(d), tagOpen))
}

// logAfter is the log of day d's 20:00 price (the post-market's end).
func (ss *symSeries) logAfter(d int) float64 {
	if ss.sp.index {
		return ss.logC[d]
	}
	return ss.logC[d] + 0.15*ss.dayS*gauss(hash3(ss.key, uint64(d), tagAfter))
}

// dayVolume is the shares traded on day d, extended hours included.
func (ss *symSeries) dayVolume(d int) float64 {
	if ss.sp.index {
		return 0
	}
	move := math.Abs(ss.logC[d]-ss.logC[prevDay(d)]) / ss.dayS
	return ss.sp.dayVolume * math.Exp(0.3*gauss(hash3(ss.key, uint64(d), tagDayVol))-0.045) * (0.8 + 0.2*math.Min(move, 4))
}

// histVol is the annualized close-to-close volatility of the 30 days
// before day d (tick 23).
func (ss *symSeries) histVol(d int) float64 {
	const n = 30
	lo := max(d-n, 1)
	var s float64
	k := 0
	for i := lo; i <= d; i++ {
		r := ss.logC[i] - ss.logC[i-1]
		s += r * r
		k++
	}
	if k == 0 {
		return ss.sp.vol
	}
	return math.Sqrt(252 * s / float64(k))
}

// round converts a price to ticks (nearest).
func (ss *symSeries) round(p float64) int64 { return int64(math.Round(p * ss.inv)) }

// toPrice converts ticks to a price, exactly on the tick's decimal.
func (ss *symSeries) toPrice(t int64) float64 { return float64(t) / ss.inv }
