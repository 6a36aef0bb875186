package ibsim

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"
)

// Option chains. Every chain is a pure function of the seed, the
// underlying, and the New York date of the market clock, so a client sees
// the same chain from every connection and across restarts.
//
// Expirations listed on date D (D itself included when it is a trading
// day):
//   - SPY and QQQ: every trading day for 42 days, the weekly expiry (the
//     Friday, or the trading day before it when the Friday is a holiday)
//     for 91 days, the monthly expiry (third Friday, or the trading day
//     before it) for 366 days, the quarterly monthlies (March, June,
//     September, December) for 731 days, and the January LEAPS.
//   - IWM and the single stocks: weeklies for 49 days, monthlies for 275
//     days, and the January LEAPS.
//   - January LEAPS: the January monthly of the next two years, and of the
//     third year from September on.
//   - VIX options are out of scope: the index has no chain.
//
// Strikes follow the underlying's price path (the same seeded daily closes
// the price model quotes). An expiry lists, on date D, every strike of two
// grids around the closes up to the day before D (up to its expiry once
// expired): a coarse one, far out, around the closes since the day before
// it was listed, and a fine one near the money around the closes of its
// last 50 days (60 for single stocks), so long-dated expiries have coarse
// strikes and the fine ones fill in as the expiry approaches. Strikes are
// added as the underlying moves and never removed while the expiry is
// listed, and every client sees the same set on the same date. Index ETFs
// use 1 and 5 points (0.5 and 2.5 below $50); single stocks 0.5/1 below
// $25, 1/2.5 below $100, 2.5/5 below $400, 5/10 below $1000, else 10/20,
// by the price when the expiry was listed. The width grows with the kind of expiry
// (daily < weekly < monthly < quarterly and January LEAPS), with a seeded
// jitter of +-10% per expiry. reqSecDefOptParams returns the union over
// the listed expiries, so some of its strikes do not exist in every
// expiry, as on the real Gateway.
//
// Option conIds depend only on (symbol, expiry, strike, right): a
// bijective affine scramble of those fields, offset into
// 400,000,000..2,147,451,903. They fit a 32-bit int (Java clients hold
// conIds in an int), cannot collide with the stock conIds (all below
// 400,000,000), and decode back without a table, so byConID finds any
// option it ever handed out. The code covers expiries from 1997-01-01 to
// 2045-09-01 and strikes below 2048; no option outside that range exists.

// expiryKind is the kind of an expiration date for one underlying.
type expiryKind int

const (
	kindNone      expiryKind = iota // not an expiration date
	kindDaily                       // any trading day (SPY, QQQ)
	kindWeekly                      // the week's Friday or the trading day before it
	kindMonthly                     // third Friday or the trading day before it
	kindQuarterly                   // a March/June/September/December monthly of an index ETF
	kindJanuary                     // a January monthly (LEAPS)
)

// expiryState is whether an option expiry exists at an instant.
type expiryState int

const (
	expiryNone    expiryState = iota // never listed, or not yet, or expired too long ago
	expiryListed                     // trading: today or later
	expiryExpired                    // expired, found with includeExpired
)

// Listing horizons in days from today's New York date.
const (
	dailyDays        = 42
	etfWeeklyDays    = 91
	etfMonthlyDays   = 366
	etfQuarterlyDays = 731
	stkWeeklyDays    = 49
	stkMonthlyDays   = 275
	// expiredDays is how far back expired options are kept for
	// includeExpired.
	expiredDays = 730
)

// optKey names one option.
type optKey struct {
	idx    int
	symbol string
	expiry string // YYYYMMDD
	strike float64
	right  string // "C" or "P"
}

// chainKey names a chain as listed on one New York date.
type chainKey struct {
	symbol string
	date   string
}

// chainState is a chain as listed on one date.
type chainState struct {
	expirations []string
	strikes     []float64 // union over expirations
}

// maxChainCache bounds the cached chains; the clock moves slowly, so a
// handful of dates per symbol is all a run needs.
const maxChainCache = 256

// nyDay returns midnight New York time of t's New York date.
func nyDay(t time.Time) time.Time {
	y, m, d := t.In(newYork).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, newYork)
}

// addDays moves a New York midnight by n calendar days.
func addDays(d time.Time, n int) time.Time {
	y, m, dd := d.Date()
	return time.Date(y, m, dd+n, 0, 0, 0, 0, newYork)
}

// daysBetween returns the calendar days from a to b (New York dates).
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ua := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	ub := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// parseExpiry parses YYYYMMDD as a New York date.
func parseExpiry(s string) (time.Time, bool) {
	if len(s) != 8 {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("20060102", s, newYork)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func fmtDay(t time.Time) string { return t.Format("20060102") }

// monthlyExpiry returns the monthly expiration of a month: the third
// Friday, or the trading day before it when it is a holiday.
func (r *refData) monthlyExpiry(y int, m time.Month) time.Time {
	d := time.Date(y, m, 1, 0, 0, 0, 0, newYork)
	d = addDays(d, (int(time.Friday)-int(d.Weekday())+7)%7+14)
	if !r.cal.IsTradingDay(d) {
		d = r.cal.PrevTradingDay(d)
	}
	return d
}

// weeklyExpiry returns the weekly expiration of d's week (Monday to
// Friday): the Friday, or the trading day before it when it is a holiday.
func (r *refData) weeklyExpiry(d time.Time) time.Time {
	f := addDays(d, int(time.Friday)-int(d.Weekday()))
	if !r.cal.IsTradingDay(f) {
		f = r.cal.PrevTradingDay(f)
	}
	return f
}

// kindOf classifies a New York date as an expiration of u's options.
func (r *refData) kindOf(u *underlying, d time.Time) expiryKind {
	if u.idx < 0 || !r.cal.IsTradingDay(d) {
		return kindNone
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return kindNone
	}
	if d.Equal(r.monthlyExpiry(d.Year(), d.Month())) {
		switch {
		case d.Month() == time.January:
			return kindJanuary
		case u.indexETF && d.Month()%3 == 0:
			return kindQuarterly
		}
		return kindMonthly
	}
	if d.Equal(r.weeklyExpiry(d)) {
		return kindWeekly
	}
	if u.dailies {
		return kindDaily
	}
	return kindNone
}

// listedAt reports whether an expiration of kind k on date e (not before
// today) is listed on date today.
func listedAt(u *underlying, k expiryKind, today, e time.Time) bool {
	days := daysBetween(today, e)
	if days < 0 {
		return false
	}
	if k == kindJanuary {
		// January LEAPS: the next two Januaries, the third from September.
		switch dy := e.Year() - today.Year(); {
		case dy <= 2:
			return true
		case dy == 3:
			return today.Month() >= time.September
		}
		return false
	}
	if u.dailies {
		switch k {
		case kindDaily:
			return days <= dailyDays
		case kindWeekly:
			return days <= etfWeeklyDays
		case kindMonthly:
			return days <= etfMonthlyDays
		case kindQuarterly:
			return days <= etfQuarterlyDays
		}
		return false
	}
	switch k {
	case kindWeekly:
		return days <= stkWeeklyDays
	case kindMonthly, kindQuarterly:
		return days <= stkMonthlyDays
	}
	return false
}

// optionState tells whether u has options expiring on expiry at now.
func (r *refData) optionState(u *underlying, expiry string, now time.Time) expiryState {
	e, ok := parseExpiry(expiry)
	if !ok {
		return expiryNone
	}
	k := r.kindOf(u, e)
	if k == kindNone {
		return expiryNone
	}
	today := nyDay(now)
	if e.Before(today) {
		if daysBetween(e, today) <= expiredDays {
			return expiryExpired
		}
		return expiryNone
	}
	if listedAt(u, k, today, e) {
		return expiryListed
	}
	return expiryNone
}

// listedExpiries returns the expirations of u listed on today's date, in
// order.
func (r *refData) listedExpiries(u *underlying, today time.Time) []string {
	if u.idx < 0 {
		return nil
	}
	last := time.Date(today.Year()+3, time.February, 1, 0, 0, 0, 0, newYork)
	var out []string
	for d := today; d.Before(last); d = addDays(d, 1) {
		if k := r.kindOf(u, d); k != kindNone && listedAt(u, k, today, d) {
			out = append(out, fmtDay(d))
		}
	}
	return out
}

// expiredExpiries returns the expirations of u that expired within
// expiredDays before today, in order.
func (r *refData) expiredExpiries(u *underlying, today time.Time) []string {
	if u.idx < 0 {
		return nil
	}
	var out []string
	for d := addDays(today, -expiredDays); d.Before(today); d = addDays(d, 1) {
		if r.kindOf(u, d) != kindNone {
			out = append(out, fmtDay(d))
		}
	}
	return out
}

// strikeSteps returns the near-the-money and far strike spacing of u at a
// price level.
func strikeSteps(u *underlying, level float64) (near, far float64) {
	if u.indexETF {
		if level < 50 {
			return 0.5, 2.5
		}
		return 1, 5
	}
	switch {
	case level < 25:
		return 0.5, 1
	case level < 100:
		return 1, 2.5
	case level < 400:
		return 2.5, 5
	case level < 1000:
		return 5, 10
	}
	return 10, 20
}

// strikeWidths returns the half widths, as fractions of the price, of the
// near and far strike grids of an expiry kind.
func strikeWidths(u *underlying, k expiryKind) (near, far float64) {
	if u.indexETF {
		switch k {
		case kindDaily:
			return 0.04, 0.08
		case kindWeekly:
			return 0.05, 0.15
		case kindMonthly:
			return 0.06, 0.30
		}
		return 0.06, 0.50 // quarterly, January
	}
	switch k {
	case kindWeekly:
		return 0.08, 0.20
	case kindMonthly, kindQuarterly:
		return 0.10, 0.35
	}
	return 0.10, 0.60 // January
}

// Fine strikes are listed only this many days before an expiry: long-dated
// expiries carry the coarse grid alone, and the fine grid fills in as the
// expiry approaches.
const (
	etfNearLeadDays = 50
	stkNearLeadDays = 60
)

// listingDate returns the first date on which an expiry of kind k on date
// e is listed (see listedAt).
func listingDate(u *underlying, k expiryKind, e time.Time) time.Time {
	if k == kindJanuary {
		return time.Date(e.Year()-3, time.September, 1, 0, 0, 0, 0, newYork)
	}
	days := stkMonthlyDays
	switch {
	case u.dailies && k == kindDaily:
		days = dailyDays
	case u.dailies && k == kindWeekly:
		days = etfWeeklyDays
	case u.dailies && k == kindMonthly:
		days = etfMonthlyDays
	case u.dailies && k == kindQuarterly:
		days = etfQuarterlyDays
	case k == kindWeekly:
		days = stkWeeklyDays
	}
	return addDays(e, -days)
}

// unit returns a deterministic number in [0, 1) from the seed and parts.
func (r *refData) unit(parts ...string) float64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(r.seed >> (8 * i))
	}
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	x := h.Sum64()
	// splitmix64 finalizer for a well-mixed result
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / float64(1<<53)
}

// series returns the daily closes of an underlying, shared with the price
// model's rules (same seed, same path).
func (r *refData) series(symbol string) *symSeries { return r.prices.seriesFor(symbol) }

// closeRange returns the underlying's close on the trading day before from
// (the price an expiry is listed at) and the lowest and highest closes of
// the trading days before from through the one before to. ok is false
// outside the price path's calendar.
func (r *refData) closeRange(symbol string, from, to time.Time) (first, lo, hi float64, ok bool) {
	tc := simCalendar()
	if len(tc.days) == 0 {
		return 0, 0, 0, false
	}
	i0 := tc.dayOnOrAfter(from) - 1
	i1 := tc.dayOnOrAfter(to) - 1
	last := len(tc.days) - 1
	i0 = min(max(i0, 0), last)
	i1 = min(max(i1, i0), last)
	ss := r.series(symbol)
	first = ss.closeAt(i0)
	lo, hi = first, first
	for i := i0 + 1; i <= i1; i++ {
		c := ss.closeAt(i)
		lo = min(lo, c)
		hi = max(hi, c)
	}
	return first, lo, hi, first > 0 && !math.IsInf(hi, 0)
}

// strikesOf returns the strikes of u's options expiring on expiry as listed
// on asOf's date (capped at the expiry: an expired option keeps its last
// strikes); nil when expiry is not an expiration date of u or asOf is
// before its listing. The result is a fresh slice.
func (r *refData) strikesOf(u *underlying, expiry string, asOf time.Time) []float64 {
	e, ok := parseExpiry(expiry)
	if !ok {
		return nil
	}
	k := r.kindOf(u, e)
	if k == kindNone {
		return nil
	}
	day := nyDay(asOf)
	if day.After(e) {
		day = e
	}
	listed := listingDate(u, k, e)
	if day.Before(listed) {
		return nil
	}
	level, lo, hi, ok := r.closeRange(u.symbol, listed, day)
	if !ok {
		level = refPrice(u.symbol)
		lo, hi = level, level
	}
	nearStep, farStep := strikeSteps(u, level)
	nearW, farW := strikeWidths(u, k)
	nearW *= 0.9 + 0.2*r.unit(u.symbol, expiry, "near")
	farW *= 0.9 + 0.2*r.unit(u.symbol, expiry, "far")
	set := map[int64]struct{}{}
	grid := func(lo, hi, w, step float64) {
		k0 := int64(math.Ceil(lo * (1 - w) / step))
		k1 := int64(math.Floor(hi * (1 + w) / step))
		for k := max(k0, 1); k <= k1; k++ {
			h := int64(math.Round(float64(k) * step * 2))
			if h < optStrikeHalves {
				set[h] = struct{}{}
			}
		}
	}
	grid(lo, hi, farW, farStep)
	lead := stkNearLeadDays
	if u.indexETF {
		lead = etfNearLeadDays
	}
	nearFrom := addDays(e, -lead)
	if nearFrom.Before(listed) {
		nearFrom = listed
	}
	if !day.Before(nearFrom) {
		if _, nlo, nhi, ok := r.closeRange(u.symbol, nearFrom, day); ok {
			grid(nlo, nhi, nearW, nearStep)
		} else {
			grid(lo, hi, nearW, nearStep)
		}
	}
	return fromHalves(set)
}

// fromHalves returns a set of strikes kept in halves, ascending.
func fromHalves(set map[int64]struct{}) []float64 {
	halves := make([]int64, 0, len(set))
	for h := range set {
		halves = append(halves, h)
	}
	slices.Sort(halves)
	out := make([]float64, len(halves))
	for i, h := range halves {
		out[i] = float64(h) / 2
	}
	return out
}

// containsStrike reports whether strikes holds strike.
func containsStrike(strikes []float64, strike float64) bool {
	for _, s := range strikes {
		if math.Abs(s-strike) < 1e-9 {
			return true
		}
	}
	return false
}

// chainOf returns u's chain as listed on now's New York date, cached.
func (r *refData) chainOf(u *underlying, now time.Time) *chainState {
	today := nyDay(now)
	key := chainKey{u.symbol, fmtDay(today)}
	r.mu.Lock()
	cs := r.chains[key]
	r.mu.Unlock()
	if cs != nil {
		return cs
	}
	cs = &chainState{expirations: r.listedExpiries(u, today)}
	set := map[int64]struct{}{}
	for _, e := range cs.expirations {
		for _, s := range r.strikesOf(u, e, today) {
			set[int64(math.Round(s*2))] = struct{}{}
		}
	}
	cs.strikes = fromHalves(set)
	r.mu.Lock()
	if len(r.chains) >= maxChainCache {
		clear(r.chains)
	}
	r.chains[key] = cs
	r.mu.Unlock()
	return cs
}

// chain returns the option chain of an underlying symbol as listed at now:
// the expirations (YYYYMMDD, ascending) and the union of their strikes
// (ascending). Both are nil for a symbol without options. The slices are
// the caller's.
func (r *refData) chain(symbol string, now time.Time) (expirations []string, strikes []float64) {
	u := r.bySymbol[strings.ToUpper(symbol)]
	if u == nil || u.idx < 0 {
		return nil, nil
	}
	cs := r.chainOf(u, now)
	return slices.Clone(cs.expirations), slices.Clone(cs.strikes)
}

// strikesFor returns the strikes of symbol's options expiring on expiry
// (YYYYMMDD) as listed at now, ascending: for an expiry listed at now, and
// also for one that expired within the last two years (its strikes on its
// last day; the options includeExpired finds). nil when no such expiry
// exists. Strikes are only ever added while an expiry is listed.
func (r *refData) strikesFor(symbol, expiry string, now time.Time) []float64 {
	u := r.bySymbol[strings.ToUpper(symbol)]
	if u == nil || u.idx < 0 || r.optionState(u, expiry, now) == expiryNone {
		return nil
	}
	return r.strikesOf(u, expiry, now)
}

// optionExchanges is where every option is listed: SMART first, then the
// exchanges of validExchanges.
var optionExchanges = strings.Split(optValidExchanges, ",")

// secDefExchanges is the order of the exchanges in a reqSecDefOptParams
// answer; the Gateway sends them in no particular order, SMART among them.
var secDefExchanges = []string{
	"NASDAQOM", "PSE", "BATS", "AMEX", "PEARL", "NASDAQBX", "ISE", "MIAX", "SMART",
	"CBOE", "MERCURY", "EDGX", "GEMINI", "BOX", "CBOE2", "PHLX", "EMERALD", "MEMX", "IBUSOPT",
}

// newOption builds the listing of one option on exchange exch.
func (r *refData) newOption(u *underlying, expiry string, strike float64, right, exch string) *instrument {
	id, ok := optionConID(u.idx, expiry, strike, right)
	if !ok {
		return nil
	}
	class := optionClassOf(u)
	rule := marketRules[optionRuleOn(class, exch)]
	return &instrument{
		conID:        id,
		symbol:       u.symbol,
		secType:      "OPT",
		exchange:     exch,
		currency:     "USD",
		localSymbol:  occSymbol(u.symbol, expiry, strike, right),
		tradingClass: u.symbol,
		multiplier:   optMultiplier,
		minTick:      rule.minIncrement(),
		longName:     u.longName,
		industry:     u.industry,
		category:     u.category,
		subcategory:  u.subcategory,
		timeZoneID:   usEastern,
		orderTypes:   optOrderTypes,
		validExch:    optValidExchanges,
		marketRules:  optionRuleIDs[class],
		rule:         rule,
		expiry:       expiry,
		strike:       strike,
		right:        right,
		underConID:   u.conID,
		underSymbol:  u.symbol,
		underSecTyp:  u.secType,
	}
}

// matchOptions returns the listings of u's options that match n. key, when
// not nil, fixes expiry, strike and right (from a conId or an OCC
// localSymbol).
func (r *refData) matchOptions(u *underlying, n normQuery, now time.Time, key *optKey, limit int) ([]*instrument, bool) {
	if n.symbol != "" && n.symbol != u.symbol {
		return nil, false
	}
	if n.secType != "" && n.secType != "OPT" {
		return nil, false
	}
	if n.currency != "" && n.currency != "USD" {
		return nil, false
	}
	if n.tradingClass != "" && n.tradingClass != u.symbol {
		return nil, false
	}
	if n.multiplier != "" && !sameMultiplier(n.multiplier, optMultiplier) {
		return nil, false
	}
	if n.secIDType != "" || n.secID != "" {
		return nil, false
	}
	if n.exchange != "" && !slices.Contains(optionExchanges, n.exchange) {
		return nil, false
	}
	strike, right := n.strike, n.right
	var expiries []string
	if key != nil {
		if n.expiry != "" && !strings.HasPrefix(key.expiry, n.expiry) {
			return nil, false
		}
		if (strike != 0 && math.Abs(strike-key.strike) > 1e-9) || (right != "" && right != key.right) {
			return nil, false
		}
		expiries = []string{key.expiry}
		strike, right = key.strike, key.right
	} else {
		switch len(n.expiry) {
		case 8:
			expiries = []string{n.expiry}
		case 0, 6:
			today := nyDay(now)
			var all []string
			if n.includeExpired {
				all = r.expiredExpiries(u, today)
			}
			all = append(all, r.chainOf(u, now).expirations...)
			for _, e := range all {
				if strings.HasPrefix(e, n.expiry) {
					expiries = append(expiries, e)
				}
			}
		default:
			return nil, false
		}
	}
	rights := []string{"C", "P"}
	if right != "" {
		rights = []string{right}
	}
	var out []*instrument
	for _, e := range expiries {
		switch r.optionState(u, e, now) {
		case expiryNone:
			continue
		case expiryExpired:
			if !n.includeExpired {
				continue
			}
		}
		strikes := r.strikesOf(u, e, now)
		if strike != 0 {
			if !containsStrike(strikes, strike) {
				continue
			}
			strikes = []float64{strike}
		}
		for _, k := range strikes {
			for _, rt := range rights {
				ls := occSymbol(u.symbol, e, k, rt)
				if n.localSymbol != "" && n.localSymbol != ls {
					continue
				}
				for _, ex := range optionExchanges {
					if n.exchange != "" && n.exchange != ex {
						continue
					}
					in := r.newOption(u, e, k, rt, ex)
					if in == nil {
						continue
					}
					if limit > 0 && len(out) >= limit {
						return nil, true
					}
					out = append(out, in)
				}
			}
		}
	}
	return out, false
}
