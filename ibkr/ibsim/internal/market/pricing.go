package market

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The market model: quotes of stocks, ETFs, the VIX index and equity
// options at any instant, all derived from the deterministic price path
// (pathgen.go) and, for options, Black-Scholes (blackscholes.go) with a
// volatility smile.
//
// Quote semantics (what priceModel.quote returns):
//
//   - Prices are in dollars on the instrument's market rule
//     (marketrules.go: 0.01, or 0.05 from $3 for single-stock options);
//     sizes and volumes are in shares for stocks and ETFs (the caller
//     converts to lots for old protocol versions) and in contracts for
//     options.
//   - A value of 0 means "not available": open before the 09:30 print,
//     an index's bid, ask and sizes, a far option's zero bid.
//   - trading is true while the instrument trades: stocks and ETFs from
//     04:00 to 20:00 (17:00 on early-close days), options and the index
//     in the regular session (09:30-16:00, 13:00 early). Outside it the
//     quote is frozen at the last second of the latest session (stocks at
//     20:00, options and the index at the close), with trading false; the
//     caller shows it frozen (market data types 2/4) or replaces bid and
//     ask by -1 as IB does for live data of a closed market.
//   - A stock's day runs from 04:00 to the next trading day's 04:00: close
//     is the previous session's official close, open the day's 09:30
//     print, high and low the range of the day's trades since 04:00, and
//     volume the shares traded since 04:00. Options: close is the model
//     value at the previous close, high and low the regular session's.
//   - Before the calendar the model covers (1990), quote returns bid and
//     ask -1 and nothing else.

// riskFreeRate is the continuous interest rate of option values.
const riskFreeRate = 0.04

// yearDuration is the length of a year in option time to expiry.
const yearDuration = 365 * 24 * time.Hour

// PriceModel is the market of one seed: the quote of any instrument at
// any instant. It is safe for concurrent use.
type PriceModel struct {
	seed  int64
	paths pathCache

	mu     sync.Mutex
	series map[string]*seriesEntry

	sumMu sync.Mutex
	sums  map[pathKey]*[2]agg // whole-day aggregates: [0] extended, [1] regular

	expMu   sync.Mutex
	expires map[string]time.Time // option expiry date -> its closing instant
}

type seriesEntry struct {
	once sync.Once
	ss   *symSeries
}

// NewPriceModel returns the price model of a seed.
func NewPriceModel(seed int64) *PriceModel {
	return &PriceModel{
		seed:    seed,
		paths:   pathCache{cap: pathCacheDays},
		series:  make(map[string]*seriesEntry),
		sums:    make(map[pathKey]*[2]agg),
		expires: make(map[string]time.Time),
	}
}

// seriesFor returns a symbol's daily series, building it on first use.
func (p *PriceModel) seriesFor(symbol string) *symSeries {
	symbol = strings.ToUpper(strings.TrimSpace(symbol))
	p.mu.Lock()
	e, ok := p.series[symbol]
	if !ok {
		e = &seriesEntry{}
		p.series[symbol] = e
	}
	p.mu.Unlock()
	e.once.Do(func() { e.ss = newSymSeries(p.seed, symbol, p.paramsOf(symbol)) })
	return e.ss
}

// paramsOf returns the parameters of a symbol, its price taken from the
// reference data.
func (p *PriceModel) paramsOf(symbol string) symParams {
	sp := paramsFor(symbol)
	if rp := refPrice(symbol); rp > 0 {
		sp.price = rp
	}
	return sp
}

// day returns one symbol's day path.
func (p *PriceModel) day(ss *symSeries, d int) *dayPath {
	dp := p.paths.get(ss, d)
	p.keepSummary(dp)
	return dp
}

// keepSummary records a generated day's aggregates for daily bars.
func (p *PriceModel) keepSummary(dp *dayPath) {
	k := pathKey{dp.ss.sym, dp.day}
	p.sumMu.Lock()
	defer p.sumMu.Unlock()
	if _, ok := p.sums[k]; ok {
		return
	}
	if len(p.sums) >= daySummaryMax {
		clear(p.sums)
	}
	p.sums[k] = &[2]agg{dp.sumExt, dp.sumRTH}
}

// daySummary returns day d's whole-session aggregate (regular session or
// extended hours), generating the day when needed.
func (p *PriceModel) daySummary(ss *symSeries, d int, rth bool) agg {
	k := pathKey{ss.sym, d}
	p.sumMu.Lock()
	s, ok := p.sums[k]
	p.sumMu.Unlock()
	if !ok {
		// Only the summary is wanted: generate the day outside the path
		// cache, which keeps the days quotes are asked for.
		dp := genDayPath(ss, d)
		p.keepSummary(dp)
		s = &[2]agg{dp.sumExt, dp.sumRTH}
	}
	if rth {
		return s[1]
	}
	return s[0]
}

// prefetchSummaries generates the summaries of many days in parallel, so
// a long request of daily bars takes a fraction of the time.
func (p *PriceModel) prefetchSummaries(ss *symSeries, days []int) {
	var missing []int
	p.sumMu.Lock()
	for _, d := range days {
		if _, ok := p.sums[pathKey{ss.sym, d}]; !ok {
			missing = append(missing, d)
		}
	}
	p.sumMu.Unlock()
	workers := min(runtime.GOMAXPROCS(0), len(missing))
	if workers < 2 {
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= len(missing) {
					return
				}
				p.keepSummary(genDayPath(ss, missing[k]))
			}
		}()
	}
	wg.Wait()
}

// Quote returns the market of in at instant t.
func (p *PriceModel) Quote(in *Instrument, t time.Time) Quote {
	if in == nil {
		return Quote{at: t, Bid: -1, Ask: -1}
	}
	if in.IsOption() {
		return p.optionQuote(in, t)
	}
	return p.underlyingQuote(in, t)
}

// underlyingQuote is the quote of a stock, an ETF or an index.
func (p *PriceModel) underlyingQuote(in *Instrument, t time.Time) Quote {
	q := Quote{at: t, Bid: -1, Ask: -1}
	ss := p.seriesFor(in.Symbol)
	tc := SimCalendar()
	index := ss.sp.index || in.SecType == "IND"
	var d int
	if index {
		d = tc.rthDayAt(t)
	} else {
		d = tc.extDayAt(t)
	}
	if d < ss.first || d >= len(tc.Days) {
		return q
	}
	dp := p.day(ss, d)
	sess := dp.sess
	i := dp.offset(t)
	if index {
		q.Trading = !t.Before(sess.Open) && t.Before(sess.Close)
		i = min(i, dp.closeOff-1)
	} else {
		q.Trading = !t.Before(sess.PreOpen) && t.Before(sess.PostClose)
	}
	s := dp.second(i)
	q.Last = ss.toPrice(s.trd)
	q.Close = ss.closePrint(prevDay(d))
	if i >= dp.openOff {
		q.Open = ss.toPrice(dp.second(dp.openOff).trd)
	}
	hi, lo := dp.rangeThrough(index, i)
	q.High, q.Low = ss.toPrice(hi), ss.toPrice(lo)
	q.HistVol = ss.histVol(prevDay(d))
	q.ImpliedVol = p.atmVol(ss, d, 30.0/365)
	if index {
		q.Bid, q.Ask = 0, 0
	} else {
		q.Bid, q.Ask = ss.toPrice(s.bid), ss.toPrice(s.ask)
		q.BidSize, q.AskSize, q.LastSize = dp.sizes(i)
		q.Volume = float64(dp.volumeThrough(i))
	}
	// Option activity on the underlying: open interest is fixed for the
	// day, volume accumulates with the session's volume profile.
	oi := ss.sp.optOI * math.Exp(0.1*gauss(hash3(ss.key, uint64(d), tagOI)))
	q.CallOI, q.PutOI = math.Round(0.55*oi), math.Round(0.45*oi)
	frac := dp.rthVolFraction(i)
	ov := ss.sp.optVolume * math.Exp(0.25*gauss(hash3(ss.key, uint64(d), tagOptVol))) * frac
	q.CallVolume, q.PutVolume = math.Round(0.55*ov), math.Round(0.45*ov)
	return q
}

// atmVol is the at-the-money implied volatility of an underlying's options
// with t years to expiry on day d: a term structure rising from 90% to
// 105% of the underlying's volatility, scaled by a daily level.
func (p *PriceModel) atmVol(ss *symSeries, d int, t float64) float64 {
	base := ss.sp.vol * math.Exp(0.12*gauss(hash3(ss.key, uint64(d), tagIV)))
	short, long := 0.9*base, 1.05*base
	return long + (short-long)*math.Exp(-t/0.25)
}

// smileVol is the implied volatility of strike k with t years to expiry
// when the underlying is at s: the ATM volatility bent by a skew and a
// curvature in standardized log-moneyness ln(K/F)/sqrt(T).
func (p *PriceModel) smileVol(ss *symSeries, d int, s, k, t float64) float64 {
	atm := p.atmVol(ss, d, t)
	te := math.Max(t, 2.0/365)
	f := s * math.Exp((riskFreeRate-ss.sp.divYield)*te)
	m := math.Log(k/f) / math.Sqrt(te)
	v := atm * (1 - ss.sp.skew*m + ss.sp.curv*m*m)
	return math.Min(math.Max(v, 0.5*atm), math.Min(3*atm, 4))
}

// expiryClose is the instant an option stops trading: the close of its
// expiry date (16:00, or 13:00 on an early-close day).
func (p *PriceModel) expiryClose(expiry string) (time.Time, bool) {
	p.expMu.Lock()
	defer p.expMu.Unlock()
	if t, ok := p.expires[expiry]; ok {
		return t, !t.IsZero()
	}
	var out time.Time
	if len(expiry) >= 8 {
		if d, err := time.ParseInLocation("20060102", expiry[:8], NewYork); err == nil {
			out = time.Date(d.Year(), d.Month(), d.Day(), 16, 0, 0, 0, NewYork)
			tc := SimCalendar()
			if i := tc.OnOrBefore(d.Add(12 * time.Hour)); i >= 0 && tc.Days[i].Equal(d) {
				out = tc.Sess[i].Close
			}
		}
	}
	p.expires[expiry] = out
	return out, !out.IsZero()
}

// IsPut reports whether an option is a put.
func IsPut(in *Instrument) bool {
	r := strings.ToUpper(in.Right)
	return r == "P" || r == "PUT"
}

// optModel values options of one contract on one trading day.
type optModel struct {
	p      *PriceModel
	in     *Instrument
	ss     *symSeries
	dp     *dayPath
	call   bool
	expiry time.Time
	liq    float64 // liquidity: 1 at the money near expiry, less away
	kC     uint64  // key of the contract's per-second draws on the day
}

func (p *PriceModel) newOptModel(in *Instrument, ss *symSeries, d int, expiry time.Time) *optModel {
	dp := p.day(ss, d)
	om := &optModel{p: p, in: in, ss: ss, dp: dp, call: !IsPut(in), expiry: expiry}
	om.kC = hash3(ss.key^uint64(in.ConID)*0x9e3779b97f4a7c15, uint64(d), tagOption^Mix64(math.Float64bits(in.Strike)))
	// Liquidity from moneyness at the previous close and time to expiry.
	s := ss.closeAt(prevDay(d))
	t := math.Max(expiry.Sub(dp.sess.Open).Hours()/24/365, 1.0/365)
	atm := p.atmVol(ss, d, t)
	x := math.Log(in.Strike/s) / (atm * math.Sqrt(t))
	om.liq = math.Exp(-0.5*x*x/0.8) / (1 + 6*t)
	return om
}

// input is the valuation at offset i of the day path.
func (om *optModel) input(i int) bsInput {
	at := om.dp.sess.PreOpen.Add(time.Duration(i) * time.Second)
	t := float64(om.expiry.Sub(at)) / float64(yearDuration)
	s := om.dp.midAt(i)
	return bsInput{call: om.call, s: s, k: om.in.Strike, t: math.Max(t, 0), r: riskFreeRate, q: om.ss.sp.divYield}
}

// value is the model value and volatility at offset i.
func (om *optModel) value(i int) (bsInput, float64, float64) {
	in := om.input(i)
	sigma := om.p.smileVol(om.ss, om.dp.day, in.s, in.k, math.Max(in.t, bsMinT))
	in.sigma = sigma
	return in, bsPrice(in), sigma
}

// quoteTicks puts a bid and an ask around a model value: the spread grows
// with the price, for options far from the money, and for single stocks;
// the bid moves down and the ask up onto the contract's market rule
// (marketrules.go: pennies for the index ETFs, pennies below $3 and
// nickels from $3 for the penny program) and the bid is never below zero.
// Prices are in cents.
func (om *optModel) quoteTicks(in bsInput, v float64) (bid, ask int64) {
	bid, ask = om.pennyTicks(in, v)
	r := RuleOf(om.in)
	return r.downCents(bid), r.upCents(ask)
}

// onRule puts a model price in cents (a last, open, close, high or low)
// onto the nearest tick of the contract's market rule; with positive, at
// least one tick.
func (om *optModel) onRule(c int64, positive bool) int64 {
	r := RuleOf(om.in)
	c = r.nearCents(c)
	if positive && c <= 0 {
		c = r.upCents(1)
	}
	return c
}

func (om *optModel) pennyTicks(in bsInput, v float64) (bid, ask int64) {
	base := 0.01 + 0.004*v
	if om.ss.sp.spread > 1 {
		base = 0.02 + 0.008*v
	}
	if in.t > 0 && in.sigma > 0 {
		x := math.Abs(math.Log(in.k/in.s)) / (in.sigma * math.Sqrt(math.Max(in.t, 1.0/365)))
		base *= 1 + math.Min(0.5*x, 2)
	}
	k := max(int64(math.Ceil(base*100-1e-9)), 1)
	bid = int64(math.Floor((v - float64(k)/200) * 100))
	if bid < 0 {
		bid = 0
	}
	return bid, bid + k
}

// second is the option's market at offset i: quotes in the regular
// session, and sparse trades near the mid.
func (om *optModel) second(i int) sec {
	in, v, _ := om.value(i)
	var s sec
	s.bid, s.ask = om.quoteTicks(in, v)
	h := mixAt(om.kC, i)
	if u01(h) < 0.02+0.25*om.liq {
		s.traded = true
		s.trd = (s.bid + s.ask + int64(h>>63)) / 2
		s.trd = RuleOf(om.in).downCents(s.trd)
		if s.trd <= 0 {
			s.trd = RuleOf(om.in).upCents(1)
		}
		s.vol = 1 + int64(Mix64(h)%uint64(1+9*om.liq))
		s.cnt = 1
	}
	return s
}

// dayVolume is the contracts traded in the whole session.
func (om *optModel) dayVolume() float64 {
	return math.Round(om.ss.sp.optVolume * 0.002 * om.liq * math.Exp(0.5*gauss(hash3(om.kC, 0, tagOptVol))))
}

// optionQuote is the quote of an equity option.
func (p *PriceModel) optionQuote(in *Instrument, t time.Time) Quote {
	q := Quote{at: t, Bid: -1, Ask: -1}
	ss := p.seriesFor(in.UnderSymbol)
	exp, ok := p.expiryClose(in.Expiry)
	if !ok || in.Strike <= 0 {
		return q
	}
	eff := t
	if !eff.Before(exp) {
		eff = exp.Add(-time.Second)
	}
	tc := SimCalendar()
	d := tc.rthDayAt(eff)
	if d < ss.first || d >= len(tc.Days) {
		return q
	}
	sess := tc.Sess[d]
	q.Trading = !t.Before(sess.Open) && t.Before(sess.Close) && t.Before(exp)
	om := p.newOptModel(in, ss, d, exp)
	i := min(om.dp.offset(eff), om.dp.closeOff-1)
	bin, v, sigma := om.value(i)
	bid, ask := om.quoteTicks(bin, v)
	q.Bid, q.Ask = ss.toPrice(bid), ss.toPrice(ask)
	h := mixAt(om.kC^tagSize, i)
	if bid > 0 {
		q.BidSize = float64(1 + Mix64(h)%uint64(1+200*om.liq))
	}
	q.AskSize = float64(1 + Mix64(h^1)%uint64(1+200*om.liq))
	q.Greeks = optionGreeks(bin, sigma, v)
	q.BidGreeks = impliedGreeks(bin, q.Bid)
	q.AskGreeks = impliedGreeks(bin, q.Ask)

	// Previous close: the model at the previous session's last second.
	if pd := prevDay(d); pd >= ss.first {
		pdp := p.day(ss, pd)
		pom := &optModel{p: p, in: in, ss: ss, dp: pdp, call: om.call, expiry: exp}
		_, cv, _ := pom.value(pdp.closeOff - 1)
		q.Close = ss.toPrice(om.onRule(ss.round(cv), false))
	}

	// The session so far: the last trade is the model at the start of the
	// current minute, the range follows the underlying's.
	dv := om.dayVolume()
	if i >= om.dp.openOff {
		_, ov, _ := om.value(om.dp.openOff)
		q.Open = ss.toPrice(om.onRule(ss.round(ov), true))
		q.Volume = math.Round(dv * om.dp.rthVolFraction(i))
		if q.Volume < 1 {
			q.Volume = 1
		}
		lm := max(i-i%60, om.dp.openOff)
		_, lv, _ := om.value(lm)
		q.Last = ss.toPrice(om.onRule(ss.round(lv), true))
		q.LastSize = float64(1 + Mix64(h^2)%10)
		hi, lo := om.dp.rangeThrough(true, i)
		at := bin
		at.sigma = sigma
		at.s = ss.toPrice(hi)
		vh := bsPrice(at)
		at.s = ss.toPrice(lo)
		vl := bsPrice(at)
		if !om.call {
			vh, vl = vl, vh
		}
		q.High = math.Max(math.Max(ss.toPrice(om.onRule(ss.round(vh), false)), q.Open), q.Last)
		q.Low = math.Min(math.Min(ss.toPrice(om.onRule(ss.round(vl), true)), q.Open), q.Last)
		q.LastGreeks = impliedGreeks(bin, q.Last)
	} else {
		q.Last = q.Close
		q.LastGreeks = impliedGreeks(bin, q.Last)
	}
	oi := ss.sp.optOI * 0.002 * om.liq * math.Exp(0.3*gauss(hash3(om.kC, 1, tagOI)))
	q.OpenInterest = math.Round(oi)
	return q
}
