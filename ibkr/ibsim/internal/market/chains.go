package market

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

// ChainState is a chain as listed on one date.
type ChainState struct {
	Expirations []string
	Strikes     []float64 // union over expirations
}

// maxChainCache bounds the cached chains; the clock moves slowly, so a
// handful of dates per symbol is all a run needs.
const maxChainCache = 256

// nyDay returns midnight New York time of t's New York date.
func nyDay(t time.Time) time.Time {
	y, m, d := t.In(NewYork).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, NewYork)
}

// addDays moves a New York midnight by n calendar days.
func addDays(d time.Time, n int) time.Time {
	y, m, dd := d.Date()
	return time.Date(y, m, dd+n, 0, 0, 0, 0, NewYork)
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
	t, err := time.ParseInLocation("20060102", s, NewYork)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func fmtDay(t time.Time) string { return t.Format("20060102") }

// monthlyExpiry returns the monthly expiration of a month: the third
// Friday, or the trading day before it when it is a holiday.
func (r *RefData) monthlyExpiry(y int, m time.Month) time.Time {
	d := time.Date(y, m, 1, 0, 0, 0, 0, NewYork)
	d = addDays(d, (int(time.Friday)-int(d.Weekday())+7)%7+14)
	if !r.cal.IsTradingDay(d) {
		d = r.cal.PrevTradingDay(d)
	}
	return d
}

// weeklyExpiry returns the weekly expiration of d's week (Monday to
// Friday): the Friday, or the trading day before it when it is a holiday.
func (r *RefData) weeklyExpiry(d time.Time) time.Time {
	f := addDays(d, int(time.Friday)-int(d.Weekday()))
	if !r.cal.IsTradingDay(f) {
		f = r.cal.PrevTradingDay(f)
	}
	return f
}

// kindOf classifies a New York date as an expiration of u's options.
func (r *RefData) kindOf(u *Underlying, d time.Time) expiryKind {
	if u.Idx < 0 || !r.cal.IsTradingDay(d) {
		return kindNone
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return kindNone
	}
	if d.Equal(r.monthlyExpiry(d.Year(), d.Month())) {
		switch {
		case d.Month() == time.January:
			return kindJanuary
		case u.IndexETF && d.Month()%3 == 0:
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
func listedAt(u *Underlying, k expiryKind, today, e time.Time) bool {
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
func (r *RefData) optionState(u *Underlying, expiry string, now time.Time) expiryState {
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
func (r *RefData) listedExpiries(u *Underlying, today time.Time) []string {
	if u.Idx < 0 {
		return nil
	}
	last := time.Date(today.Year()+3, time.February, 1, 0, 0, 0, 0, NewYork)
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
func (r *RefData) expiredExpiries(u *Underlying, today time.Time) []string {
	if u.Idx < 0 {
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
func strikeSteps(u *Underlying, level float64) (near, far float64) {
	if u.IndexETF {
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
func strikeWidths(u *Underlying, k expiryKind) (near, far float64) {
	if u.IndexETF {
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
func listingDate(u *Underlying, k expiryKind, e time.Time) time.Time {
	if k == kindJanuary {
		return time.Date(e.Year()-3, time.September, 1, 0, 0, 0, 0, NewYork)
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
func (r *RefData) unit(parts ...string) float64 {
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
func (r *RefData) series(symbol string) *symSeries { return r.prices.seriesFor(symbol) }

// CloseRange returns the underlying's close on the trading day before from
// (the price an expiry is listed at) and the lowest and highest closes of
// the trading days before from through the one before to. ok is false
// outside the price path's calendar.
func (r *RefData) CloseRange(symbol string, from, to time.Time) (first, lo, hi float64, ok bool) {
	tc := SimCalendar()
	if len(tc.Days) == 0 {
		return 0, 0, 0, false
	}
	i0 := tc.dayOnOrAfter(from) - 1
	i1 := tc.dayOnOrAfter(to) - 1
	last := len(tc.Days) - 1
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
func (r *RefData) strikesOf(u *Underlying, expiry string, asOf time.Time) []float64 {
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
	level, lo, hi, ok := r.CloseRange(u.Symbol, listed, day)
	if !ok {
		level = refPrice(u.Symbol)
		lo, hi = level, level
	}
	nearStep, farStep := strikeSteps(u, level)
	nearW, farW := strikeWidths(u, k)
	nearW *= 0.9 + 0.2*r.unit(u.Symbol, expiry, "near")
	farW *= 0.9 + 0.2*r.unit(u.Symbol, expiry, "far")
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
	if u.IndexETF {
		lead = etfNearLeadDays
	}
	nearFrom := addDays(e, -lead)
	if nearFrom.Before(listed) {
		nearFrom = listed
	}
	if !day.Before(nearFrom) {
		if _, nlo, nhi, ok := r.CloseRange(u.Symbol, nearFrom, day); ok {
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

// ContainsStrike reports whether strikes holds strike.
func ContainsStrike(strikes []float64, strike float64) bool {
	for _, s := range strikes {
		if math.Abs(s-strike) < 1e-9 {
			return true
		}
	}
	return false
}

// ChainOf returns u's chain as listed on now's New York date, cached.
func (r *RefData) ChainOf(u *Underlying, now time.Time) *ChainState {
	today := nyDay(now)
	key := chainKey{u.Symbol, fmtDay(today)}
	r.mu.Lock()
	cs := r.chains[key]
	r.mu.Unlock()
	if cs != nil {
		return cs
	}
	cs = &ChainState{Expirations: r.listedExpiries(u, today)}
	set := map[int64]struct{}{}
	for _, e := range cs.Expirations {
		for _, s := range r.strikesOf(u, e, today) {
			set[int64(math.Round(s*2))] = struct{}{}
		}
	}
	cs.Strikes = fromHalves(set)
	r.mu.Lock()
	if len(r.chains) >= maxChainCache {
		clear(r.chains)
	}
	r.chains[key] = cs
	r.mu.Unlock()
	return cs
}

// Chain returns the option chain of an underlying symbol as listed at now:
// the expirations (YYYYMMDD, ascending) and the union of their strikes
// (ascending). Both are nil for a symbol without options. The slices are
// the caller's.
func (r *RefData) Chain(symbol string, now time.Time) (expirations []string, strikes []float64) {
	u := r.BySymbol[strings.ToUpper(symbol)]
	if u == nil || u.Idx < 0 {
		return nil, nil
	}
	cs := r.ChainOf(u, now)
	return slices.Clone(cs.Expirations), slices.Clone(cs.Strikes)
}

// StrikesFor returns the strikes of symbol's options expiring on expiry
// (YYYYMMDD) as listed at now, ascending: for an expiry listed at now, and
// also for one that expired within the last two years (its strikes on its
// last day; the options includeExpired finds). nil when no such expiry
// exists. Strikes are only ever added while an expiry is listed.
func (r *RefData) StrikesFor(symbol, expiry string, now time.Time) []float64 {
	u := r.BySymbol[strings.ToUpper(symbol)]
	if u == nil || u.Idx < 0 || r.optionState(u, expiry, now) == expiryNone {
		return nil
	}
	return r.strikesOf(u, expiry, now)
}

// OptionExchanges is where every option is listed: SMART first, then the
// exchanges of validExchanges.
var OptionExchanges = strings.Split(optValidExchanges, ",")

// SecDefExchanges is the order of the exchanges in a reqSecDefOptParams
// answer; the Gateway sends them in no particular order, SMART among them.
var SecDefExchanges = []string{
	"NASDAQOM", "PSE", "BATS", "AMEX", "PEARL", "NASDAQBX", "ISE", "MIAX", "SMART",
	"CBOE", "MERCURY", "EDGX", "GEMINI", "BOX", "CBOE2", "PHLX", "EMERALD", "MEMX", "IBUSOPT",
}

// newOption builds the listing of one option on exchange exch.
func (r *RefData) newOption(u *Underlying, expiry string, strike float64, right, exch string) *Instrument {
	id, ok := OptionConID(u.Idx, expiry, strike, right)
	if !ok {
		return nil
	}
	class := optionClassOf(u)
	rule := MarketRules[optionRuleOn(class, exch)]
	return &Instrument{
		ConID:        id,
		Symbol:       u.Symbol,
		SecType:      "OPT",
		Exchange:     exch,
		Currency:     "USD",
		LocalSymbol:  OCCSymbol(u.Symbol, expiry, strike, right),
		TradingClass: u.Symbol,
		Multiplier:   OptMultiplier,
		MinTick:      rule.minIncrement(),
		LongName:     u.longName,
		Industry:     u.industry,
		Category:     u.category,
		Subcategory:  u.subcategory,
		TimeZoneID:   usEastern,
		OrderTypes:   optOrderTypes,
		ValidExch:    optValidExchanges,
		MarketRules:  optionRuleIDs[class],
		rule:         rule,
		Expiry:       expiry,
		Strike:       strike,
		Right:        right,
		UnderConID:   u.ConID,
		UnderSymbol:  u.Symbol,
		UnderSecTyp:  u.SecType,
	}
}

// matchOptions returns the listings of u's options that match n. key, when
// not nil, fixes expiry, strike and right (from a conId or an OCC
// localSymbol).
func (r *RefData) matchOptions(u *Underlying, n normQuery, now time.Time, key *optKey, limit int) ([]*Instrument, bool) {
	if n.Symbol != "" && n.Symbol != u.Symbol {
		return nil, false
	}
	if n.SecType != "" && n.SecType != "OPT" {
		return nil, false
	}
	if n.Currency != "" && n.Currency != "USD" {
		return nil, false
	}
	if n.TradingClass != "" && n.TradingClass != u.Symbol {
		return nil, false
	}
	if n.Multiplier != "" && !sameMultiplier(n.Multiplier, OptMultiplier) {
		return nil, false
	}
	if n.SecIDType != "" || n.SecID != "" {
		return nil, false
	}
	if n.Exchange != "" && !slices.Contains(OptionExchanges, n.Exchange) {
		return nil, false
	}
	strike, right := n.Strike, n.right
	var expiries []string
	if key != nil {
		if n.Expiry != "" && !strings.HasPrefix(key.expiry, n.Expiry) {
			return nil, false
		}
		if (strike != 0 && math.Abs(strike-key.strike) > 1e-9) || (right != "" && right != key.right) {
			return nil, false
		}
		expiries = []string{key.expiry}
		strike, right = key.strike, key.right
	} else {
		switch len(n.Expiry) {
		case 8:
			expiries = []string{n.Expiry}
		case 0, 6:
			today := nyDay(now)
			var all []string
			if n.IncludeExpired {
				all = r.expiredExpiries(u, today)
			}
			all = append(all, r.ChainOf(u, now).Expirations...)
			for _, e := range all {
				if strings.HasPrefix(e, n.Expiry) {
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
	var out []*Instrument
	for _, e := range expiries {
		switch r.optionState(u, e, now) {
		case expiryNone:
			continue
		case expiryExpired:
			if !n.IncludeExpired {
				continue
			}
		}
		strikes := r.strikesOf(u, e, now)
		if strike != 0 {
			if !ContainsStrike(strikes, strike) {
				continue
			}
			strikes = []float64{strike}
		}
		for _, k := range strikes {
			for _, rt := range rights {
				ls := OCCSymbol(u.Symbol, e, k, rt)
				if n.LocalSymbol != "" && n.LocalSymbol != ls {
					continue
				}
				for _, ex := range OptionExchanges {
					if n.Exchange != "" && n.Exchange != ex {
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
