package ibsim

import (
	"container/list"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/ibbot/ibbot/sched"
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
	u := u01(mix64(h.Sum64()))
	return symParams{
		price: math.Round(20+280*u) + 0.5, vol: 0.35, trend: 0.08, halfLife: 1000,
		dayVolume: 5e6, spread: 2, divYield: 0.01, tradeSize: 100, quoteSize: 300,
		head: "20000103", skew: 0.6, curv: 2.0, optVolume: 1e5, optOI: 1e6,
	}
}

// Hashing: every random number of the model comes from a 64-bit hash of
// its coordinates, so values never depend on the order of requests.

func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hash3(a, b, c uint64) uint64 { return mix64(mix64(mix64(a)^b) ^ c) }

// mixAt is the hash of a per-second draw: one mix of a per-day key.
func mixAt(key uint64, i int) uint64 { return mix64(key ^ uint64(i)*0xd1b54a32d192ed03) }

// u01 maps a hash to [0, 1).
func u01(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// gauss maps a hash to an approximately standard normal number (the sum of
// four uniforms, rescaled; tails end at +-3.46, which is fine for
// microstructure and cheap).
func gauss(h uint64) float64 {
	s := float64(h&0xffff) + float64((h>>16)&0xffff) + float64((h>>32)&0xffff) + float64(h>>48)
	return (s/65536 - 2) * 1.7320508075688772
}

// Tags of the per-day random draws.
const (
	tagOpen uint64 = iota + 1
	tagAfter
	tagDayVol
	tagIV
	tagOI
	tagOptVol
	tagSecond
	tagSize
	tagBridge
	tagOption
)

// tradingCalendar lists every trading day the model covers.
type tradingCalendar struct {
	days   []time.Time     // midnight New York of each trading day
	sess   []sched.Session // its hours
	anchor int             // index of the anchor day
}

var simCalendar = sync.OnceValue(func() *tradingCalendar {
	cal := sched.NYSE()
	loc := cal.Location()
	days := cal.TradingDays(time.Date(pathFirstYear, 1, 1, 12, 0, 0, 0, loc), time.Date(pathLastYear, 12, 31, 12, 0, 0, 0, loc))
	tc := &tradingCalendar{days: days, sess: make([]sched.Session, len(days))}
	for i, d := range days {
		s, _ := cal.Session(d.Add(12 * time.Hour))
		tc.sess[i] = s
	}
	anchor := time.Date(pathAnchorYear, pathAnchorMonth, pathAnchorDay, 0, 0, 0, 0, loc)
	tc.anchor = max(tc.onOrBefore(anchor), 0)
	return tc
})

// onOrBefore returns the index of the last trading day whose New York date
// is on or before t's, or -1.
func (tc *tradingCalendar) onOrBefore(t time.Time) int {
	return sort.Search(len(tc.days), func(i int) bool { return tc.days[i].After(t) }) - 1
}

// extDayAt returns the trading day whose extended session (04:00 to the
// next trading day's 04:00) holds t: the day a stock quote at t belongs
// to. -1 before the calendar.
func (tc *tradingCalendar) extDayAt(t time.Time) int {
	i := tc.onOrBefore(t)
	if i >= 0 && t.Before(tc.sess[i].PreOpen) {
		i--
	}
	return i
}

// rthDayAt returns the last trading day whose regular session opened at
// or before t. -1 before the calendar.
func (tc *tradingCalendar) rthDayAt(t time.Time) int {
	i := tc.onOrBefore(t)
	if i >= 0 && t.Before(tc.sess[i].Open) {
		i--
	}
	return i
}

// dayOnOrAfter returns the index of the first trading day at or after
// date (a New York midnight); len(days) past the end.
func (tc *tradingCalendar) dayOnOrAfter(date time.Time) int {
	return sort.Search(len(tc.days), func(i int) bool { return !tc.days[i].Before(date) })
}

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
	tc := simCalendar()
	h := fnv.New64a()
	_, _ = h.Write([]byte(sym))
	key := mix64(uint64(seed)*0x9e3779b97f4a7c15 ^ h.Sum64())
	ss := &symSeries{sym: sym, sp: sp, key: key, tick: 0.01, inv: 100}
	ss.dayS = sp.vol / math.Sqrt(252)
	ss.secS = sp.vol / math.Sqrt(tradingSecondsPerYear)
	n := len(tc.days)
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
	if hd, err := time.ParseInLocation("20060102", sp.head, newYork); err == nil {
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

// dayPath is one underlying's second-by-second path on one trading day.
// Offsets are seconds since the day's 04:00.
type dayPath struct {
	ss   *symSeries
	day  int
	sess sched.Session

	kBridge, kSec, kSize uint64 // per-day keys of the per-second draws

	n, openOff, closeOff int
	mid                  []float32 // per second

	spreadRTH, spreadExt int64
	volPre, volPost      float64 // mean shares per second
	volRTH               float64 // scale of the RTH volume profile
	prof                 *profileTable
	crossOpen            int64 // opening cross volume
	crossClose           int64 // closing cross volume

	// Per minute: trade price range (ticks) and volume; prefixes give a
	// quote's day high, low and volume in O(1) plus the current minute.
	minHi, minLo []int32
	cumVol       []int64 // cumVol[m]: volume before minute m
	extHi, extLo []int32 // running range from 04:00 through minute m
	rthHi, rthLo []int32 // running range from 09:30 through minute m (index m - openMin)

	// The whole day as one bar: extended hours and regular session.
	sumExt, sumRTH agg
}

// rthProfile is the relative volume intensity at fraction x of the regular
// session: heavy after the open, heavier into the close.
func rthProfile(x float64) float64 {
	return 0.55 + 1.8*math.Exp(-x/0.04) + 2.6*math.Exp(-(1-x)/0.03)
}

// profileTable is the volume profile of a regular session of one length.
type profileTable struct {
	w   []float32
	sum float64
}

var profileTables sync.Map // session length in seconds -> *profileTable

// rthProfileTable returns the volume profile of a session of n seconds.
func rthProfileTable(n int) *profileTable {
	if t, ok := profileTables.Load(n); ok {
		return t.(*profileTable)
	}
	t := &profileTable{w: make([]float32, n)}
	span := float64(max(n-1, 1))
	for i := range n {
		w := rthProfile(float64(i) / span)
		t.w[i] = float32(w)
		t.sum += float64(t.w[i])
	}
	v, _ := profileTables.LoadOrStore(n, t)
	return v.(*profileTable)
}

// rthVolShape is the relative volatility at fraction x of the session.
func rthVolShape(x float64) float64 {
	y := 2*x - 1
	return (0.75 + 1.5*y*y) / 1.25
}

// bridgeScratch reuses the large temporary arrays of day generation.
var bridgeScratch = sync.Pool{New: func() any { return new([2][]float64) }}

func genDayPath(ss *symSeries, d int) *dayPath {
	tc := simCalendar()
	sess := tc.sess[d]
	dp := &dayPath{ss: ss, day: d, sess: sess}
	dp.kBridge = hash3(ss.key, uint64(d), tagBridge)
	dp.kSec = hash3(ss.key, uint64(d), tagSecond)
	dp.kSize = hash3(ss.key, uint64(d), tagSize)
	dp.n = int(sess.PostClose.Sub(sess.PreOpen) / time.Second)
	dp.openOff = int(sess.Open.Sub(sess.PreOpen) / time.Second)
	dp.closeOff = int(sess.Close.Sub(sess.PreOpen) / time.Second)
	n, o, c := dp.n, dp.openOff, dp.closeOff

	sc := bridgeScratch.Get().(*[2][]float64)
	defer bridgeScratch.Put(sc)
	if cap(sc[0]) < n {
		sc[0], sc[1] = make([]float64, n), make([]float64, n)
	}
	L, V := sc[0][:n], sc[1][:n]

	lc := ss.logC[d]
	lo := ss.logOpen(d)
	if ss.sp.index {
		pc := ss.logC[prevDay(d)]
		for i := 0; i < o; i++ {
			L[i] = pc
		}
		L[o], L[c-1] = lo, lc
		dp.bridge(L, V, o, c-1)
		for i := c; i < n; i++ {
			L[i] = lc
		}
	} else {
		L[0], L[o], L[c-1], L[n-1] = ss.logAfter(prevDay(d)), lo, lc, ss.logAfter(d)
		if d == 0 {
			L[0] = ss.logC[0]
		}
		dp.bridge(L, V, 0, o)
		dp.bridge(L, V, o, c-1)
		dp.bridge(L, V, c-1, n-1)
	}
	// exp of the log path: exact every 512 seconds, a third-order series
	// of the tiny per-second step in between.
	dp.mid = make([]float32, n)
	var px float64
	for i, x := range L {
		if d := x - L[max(i-1, 0)]; i%512 == 0 || math.Abs(d) > 0.01 {
			px = math.Exp(x)
		} else {
			px *= 1 + d*(1+d*(0.5+d/6))
		}
		dp.mid[i] = float32(px)
	}

	// Volume model.
	dp.spreadRTH = max(ss.sp.spread, 1)
	dp.spreadExt = 2*dp.spreadRTH + 1
	if vol := ss.dayVolume(d); vol > 0 {
		rth := 0.86 * vol
		dp.volPre = 0.04 * vol / float64(o)
		dp.volPost = 0.03 * vol / float64(n-c)
		dp.crossOpen = int64(0.015 * vol)
		dp.crossClose = int64(0.055 * vol)
		dp.prof = rthProfileTable(c - o)
		dp.volRTH = rth / dp.prof.sum
	}

	// Minute summaries.
	mins := n / 60
	dp.minHi, dp.minLo = make([]int32, mins), make([]int32, mins)
	dp.cumVol = make([]int64, mins+1)
	dp.extHi, dp.extLo = make([]int32, mins), make([]int32, mins)
	om := o / 60
	dp.rthHi, dp.rthLo = make([]int32, mins-om), make([]int32, mins-om)
	for m := range mins {
		hi, lo := int32(math.MinInt32), int32(math.MaxInt32)
		var v int64
		for i := m * 60; i < m*60+60; i++ {
			s := dp.second(i)
			hi = max(hi, int32(s.trd))
			lo = min(lo, int32(s.trd))
			v += s.vol
			dp.sumExt.add(s)
			if dp.inRTH(i) {
				dp.sumRTH.add(s)
			}
		}
		dp.minHi[m], dp.minLo[m] = hi, lo
		dp.cumVol[m+1] = dp.cumVol[m] + v
		if m == 0 {
			dp.extHi[m], dp.extLo[m] = hi, lo
		} else {
			dp.extHi[m], dp.extLo[m] = max(dp.extHi[m-1], hi), min(dp.extLo[m-1], lo)
		}
		if m >= om {
			k := m - om
			if k == 0 {
				dp.rthHi[k], dp.rthLo[k] = hi, lo
			} else {
				dp.rthHi[k], dp.rthLo[k] = max(dp.rthHi[k-1], hi), min(dp.rthLo[k-1], lo)
			}
		}
	}
	return dp
}

// bridge fills L(p, q) as a Brownian bridge from L[p] to L[q] with the
// per-second volatility of the day's segments; V is scratch.
func (dp *dayPath) bridge(L, V []float64, p, q int) {
	if q <= p {
		return
	}
	a, b := L[p], L[q]
	span := float64(dp.closeOff - 1 - dp.openOff)
	var w, v float64
	for i := p + 1; i <= q; i++ {
		var s float64
		switch {
		case dp.ss.sp.index && (i <= dp.openOff || i >= dp.closeOff):
			s = 0
		case i > dp.openOff && i < dp.closeOff:
			s = dp.ss.secS * math.Sqrt(rthVolShape(float64(i-dp.openOff)/span))
		default:
			s = 0.3 * dp.ss.secS
		}
		w += s * gauss(mixAt(dp.kBridge, i))
		v += s * s
		L[i], V[i] = w, v
	}
	wq, vq := L[q], V[q]
	for i := p + 1; i < q; i++ {
		frac := 0.0
		if vq > 0 {
			frac = V[i] / vq
		} else {
			frac = float64(i-p) / float64(q-p)
		}
		L[i] = a + L[i] - frac*(wq-(b-a))
	}
	L[q] = b
}

// sec is one second of a market: bid, ask and trade price in ticks, and
// the volume and trade count of the second.
type sec struct {
	bid, ask, trd int64
	vol, cnt      int64
	traded        bool
}

// inRTH reports whether offset i is in the regular session.
func (dp *dayPath) inRTH(i int) bool { return i >= dp.openOff && i < dp.closeOff }

// midAt is the path's mid price at offset i.
func (dp *dayPath) midAt(i int) float64 { return float64(dp.mid[i]) }

// second returns the market at offset i.
func (dp *dayPath) second(i int) sec {
	ss := dp.ss
	m := float64(dp.mid[i]) * ss.inv
	if ss.sp.index {
		t := int64(math.Round(m))
		return sec{bid: t, ask: t, trd: t, traded: true}
	}
	k := dp.spreadExt
	if dp.inRTH(i) {
		k = dp.spreadRTH
	}
	var s sec
	s.bid = int64(math.Floor(m - float64(k)/2 + 0.5))
	s.ask = s.bid + k
	h := mixAt(dp.kSec, i)
	switch u := u01(h); {
	case i == dp.openOff || i == dp.closeOff-1:
		s.trd = int64(math.Round(m)) // the opening and closing crosses print at the mid
	case u < 0.45:
		s.trd = s.bid
	case u < 0.9:
		s.trd = s.ask
	default:
		s.trd = (s.bid + s.ask) / 2
	}
	var mean float64
	switch {
	case i < dp.openOff:
		mean = dp.volPre
	case i >= dp.closeOff:
		mean = dp.volPost
	default:
		mean = dp.volRTH * float64(dp.prof.w[i-dp.openOff])
	}
	h2 := mix64(h)
	s.vol = max(int64(mean*(0.4+1.2*u01(h2))+u01(mix64(h2))), 1)
	switch i {
	case dp.openOff:
		s.vol += dp.crossOpen
	case dp.closeOff - 1:
		s.vol += dp.crossClose
	}
	s.cnt = 1 + s.vol/int64(max(ss.sp.tradeSize, 1))
	s.traded = true
	return s
}

// sizes returns the bid and ask sizes (shares) and the size of the last
// trade at offset i.
func (dp *dayPath) sizes(i int) (bid, ask, last float64) {
	if dp.ss.sp.index {
		return 0, 0, 0
	}
	h := mixAt(dp.kSize, i)
	q := dp.ss.sp.quoteSize
	if !dp.inRTH(i) {
		q /= 4
	}
	bid = math.Max(100, math.Round(q*(0.3+1.4*u01(h))/100)*100)
	ask = math.Max(100, math.Round(q*(0.3+1.4*u01(mix64(h)))/100)*100)
	s := dp.second(i)
	last = math.Min(float64(s.vol), float64(100*(1+mix64(h^1)%4)))
	return bid, ask, last
}

// volumeThrough is the day's volume up to and including offset i.
func (dp *dayPath) volumeThrough(i int) int64 {
	m := i / 60
	v := dp.cumVol[m]
	for j := m * 60; j <= i; j++ {
		v += dp.second(j).vol
	}
	return v
}

// rangeThrough is the trade price range (ticks) from offset from (0 or
// the open) through offset i.
func (dp *dayPath) rangeThrough(fromOpen bool, i int) (hi, lo int64) {
	m := i / 60
	start := m * 60
	hi, lo = math.MinInt64, math.MaxInt64
	switch {
	case fromOpen && m > dp.openOff/60:
		k := m - 1 - dp.openOff/60
		hi, lo = int64(dp.rthHi[k]), int64(dp.rthLo[k])
	case !fromOpen && m > 0:
		hi, lo = int64(dp.extHi[m-1]), int64(dp.extLo[m-1])
	}
	if fromOpen {
		start = max(start, dp.openOff)
	}
	for j := start; j <= i; j++ {
		t := dp.second(j).trd
		hi, lo = max(hi, t), min(lo, t)
	}
	return hi, lo
}

// rthVolFraction is the share of the regular session's volume traded
// through offset i (0 before the open, 1 from the closing cross on).
func (dp *dayPath) rthVolFraction(i int) float64 {
	switch {
	case i < dp.openOff:
		return 0
	case i >= dp.closeOff-1:
		return 1
	}
	start := dp.cumVol[dp.openOff/60] // the session opens on a minute
	total := dp.cumVol[dp.closeOff/60] - start
	if total <= 0 {
		return float64(i-dp.openOff) / float64(dp.closeOff-dp.openOff)
	}
	return float64(dp.volumeThrough(i)-start) / float64(total)
}

// offset returns the offset of instant t in the day, clamped to the day.
func (dp *dayPath) offset(t time.Time) int {
	i := int(t.Sub(dp.sess.PreOpen) / time.Second)
	return min(max(i, 0), dp.n-1)
}

// pathKey names one symbol's day.
type pathKey struct {
	sym string
	day int
}

// pathCache is a small LRU of day paths, safe for concurrent use. A path
// being generated is shared by every caller waiting for it.
type pathCache struct {
	mu  sync.Mutex
	cap int
	m   map[pathKey]*list.Element
	ll  list.List
}

type pathEntry struct {
	key  pathKey
	once sync.Once
	dp   *dayPath
}

func (pc *pathCache) get(ss *symSeries, d int) *dayPath {
	k := pathKey{ss.sym, d}
	pc.mu.Lock()
	if pc.m == nil {
		pc.m = make(map[pathKey]*list.Element)
	}
	el, ok := pc.m[k]
	if ok {
		pc.ll.MoveToFront(el)
	} else {
		el = pc.ll.PushFront(&pathEntry{key: k})
		pc.m[k] = el
		for pc.ll.Len() > pc.cap {
			last := pc.ll.Back()
			pc.ll.Remove(last)
			delete(pc.m, last.Value.(*pathEntry).key)
		}
	}
	e := el.Value.(*pathEntry)
	pc.mu.Unlock()
	e.once.Do(func() { e.dp = genDayPath(ss, d) })
	return e.dp
}

// agg accumulates seconds of a market into one bar of every kind.
type agg struct {
	n              int64 // seconds
	trades         int64 // seconds with a trade
	tO, tH, tL, tC int64 // trades, ticks
	bO, bH, bL, bC int64 // bid
	aO, aH, aL, aC int64 // ask
	mO, mH, mL, mC int64 // bid+ask (twice the mid)
	sumB, sumA     int64
	vol, cnt       int64
	pv             float64 // sum of trade ticks times volume
}

func (a *agg) add(s sec) {
	mid := s.bid + s.ask
	if a.n == 0 {
		a.bO, a.bH, a.bL = s.bid, s.bid, s.bid
		a.aO, a.aH, a.aL = s.ask, s.ask, s.ask
		a.mO, a.mH, a.mL = mid, mid, mid
	}
	a.n++
	a.bH, a.bL, a.bC = max(a.bH, s.bid), min(a.bL, s.bid), s.bid
	a.aH, a.aL, a.aC = max(a.aH, s.ask), min(a.aL, s.ask), s.ask
	a.mH, a.mL, a.mC = max(a.mH, mid), min(a.mL, mid), mid
	a.sumB += s.bid
	a.sumA += s.ask
	if s.traded {
		if a.trades == 0 {
			a.tO, a.tH, a.tL = s.trd, s.trd, s.trd
		}
		a.trades++
		a.tH, a.tL, a.tC = max(a.tH, s.trd), min(a.tL, s.trd), s.trd
		a.vol += s.vol
		a.cnt += s.cnt
		a.pv += float64(s.trd) * float64(s.vol)
	}
}

// merge appends b (later in time) to a.
func (a *agg) merge(b *agg) {
	if b.n == 0 {
		return
	}
	if a.n == 0 {
		*a = *b
		return
	}
	a.n += b.n
	a.bH, a.bL, a.bC = max(a.bH, b.bH), min(a.bL, b.bL), b.bC
	a.aH, a.aL, a.aC = max(a.aH, b.aH), min(a.aL, b.aL), b.aC
	a.mH, a.mL, a.mC = max(a.mH, b.mH), min(a.mL, b.mL), b.mC
	a.sumB += b.sumB
	a.sumA += b.sumA
	if b.trades > 0 {
		if a.trades == 0 {
			a.tO, a.tH, a.tL = b.tO, b.tH, b.tL
		}
		a.trades += b.trades
		a.tH, a.tL, a.tC = max(a.tH, b.tH), min(a.tL, b.tL), b.tC
		a.vol += b.vol
		a.cnt += b.cnt
		a.pv += b.pv
	}
}

// histBar is one bar as sent: prices, and volume, WAP and count (-1 when
// the kind of bar has none).
type histBar struct {
	start                  time.Time // first second (intraday) or the day
	day                    int       // trading day (daily and longer bars: the last day)
	open, high, low, close float64
	volume, wap            float64
	count                  int64
}

// bar turns an aggregate into a bar of one kind; ok is false when it has
// no data of that kind (no trades).
func (a *agg) bar(what string, inv float64) (histBar, bool) {
	if a.n == 0 {
		return histBar{}, false
	}
	p := func(t int64) float64 { return float64(t) / inv }
	b := histBar{volume: -1, wap: -1, count: -1}
	switch what {
	case "TRADES":
		if a.trades == 0 {
			return histBar{}, false
		}
		b.open, b.high, b.low, b.close = p(a.tO), p(a.tH), p(a.tL), p(a.tC)
		b.volume = float64(a.vol)
		b.count = a.cnt
		if a.vol > 0 {
			b.wap = math.Round(a.pv/float64(a.vol)/inv*1e4) / 1e4
		} else {
			b.wap = b.close
		}
	case "MIDPOINT":
		b.open, b.high, b.low, b.close = p(a.mO)/2, p(a.mH)/2, p(a.mL)/2, p(a.mC)/2
	case "BID":
		b.open, b.high, b.low, b.close = p(a.bO), p(a.bH), p(a.bL), p(a.bC)
	case "ASK":
		b.open, b.high, b.low, b.close = p(a.aO), p(a.aH), p(a.aL), p(a.aC)
	case "BID_ASK":
		// IB: open the time-average bid, high the highest ask, low the
		// lowest bid, close the time-average ask.
		avg := func(sum int64) float64 { return math.Round(float64(sum)/float64(a.n)/inv*1e4) / 1e4 }
		b.open, b.high, b.low, b.close = avg(a.sumB), p(a.aH), p(a.bL), avg(a.sumA)
	default:
		return histBar{}, false
	}
	return b, true
}

// secondSource is a market second by second on one trading day.
type secondSource interface {
	second(i int) sec
}

// span is part of one trading day: offsets [a, b) of its day path.
type span struct {
	day  int
	a, b int
}
