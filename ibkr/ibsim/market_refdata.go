package ibsim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// Reference data: the stocks, ETFs and the index the simulator knows, with
// IB's real conIds, and the rules that match a request's contract against
// them. Options are generated from the chain rules in chains.go.
//
// Listings. IB answers a contract details request with one ContractDetails
// per exchange the contract can be routed to: SMART first, then every
// exchange of validExchanges, all with the same conId. A request naming no
// exchange therefore gets several results (a qualification tool reports the
// contract as ambiguous) and a request with exchange "SMART" and currency
// "USD" gets exactly one. resolve returns one *instrument per listing; the
// listings of one contract differ only in their exchange field.
//
// Sizes. US stocks and ETFs trade in fractional shares at IB: minSize and
// sizeIncrement 0.0001, suggestedSizeIncrement 100, as IB reports them.
// Options and the index use 1.

// refPrices is the reference price of each underlying: the level of the
// price model's path on its anchor date.
var refPrices = map[string]float64{
	"SPY":  600,
	"QQQ":  520,
	"IWM":  220,
	"AAPL": 230,
	"MSFT": 420,
	"NVDA": 140,
	"TSLA": 250,
	"AMD":  150,
	"META": 580,
	"GOOG": 170,
	"IBM":  220,
	"VIX":  16,
}

// refPrice returns the reference price of an underlying symbol, or 0 for a
// symbol the simulator does not know. The price model's path passes
// through it on its anchor date; option strikes follow that path.
func refPrice(symbol string) float64 { return refPrices[strings.ToUpper(symbol)] }

// underlying is one stock, ETF or index with its static reference data.
type underlying struct {
	idx          int // stable position in the option conId code; -1: no options
	conID        int64
	symbol       string
	secType      string // "STK" or "IND"
	primary      string // primary exchange
	tradingClass string // also the market name
	longName     string
	industry     string
	category     string
	subcategory  string
	stockType    string // "COMMON", "ETF", "" for the index
	isin         string
	indexETF     bool // 1-point strikes near the money
	dailies      bool // options expire every trading day (SPY, QQQ)

	listings []*instrument // SMART (or the index's exchange) first
}

// Exchanges and order types of each kind of contract, a subset of what IB
// reports, in IB's order.
const (
	stockValidExchanges = "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,ISLAND,DRCTEDGE,BEX,BATS,EDGEA,BYX,IEX,EDGX,FOXRIVER,PEARL,NYSENAT,LTSE,MEMX,IBEOS,PSX"
	stockOrderTypes     = "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,BENCHPX,CASHQTY,COND,CONDORDER,DARKONLY,DARKPOLL,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,DUR,GAT,GTC,GTD,GTT,HID,IBKRATS,ICE,IMB,IOC,LIT,LMT,LOC,MIDPX,MIT,MKT,MOC,MTL,NGCOMB,NODARK,NONALGO,OCA,OPG,OPGREROUT,PEGBENCH,PEGMID,POSTATS,POSTONLY,PREOPGRTH,PRICECHK,REL,REL2MID,RELPCTOFS,RPI,RTH,SCALE,SCALEODD,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,SWEEP,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
	optValidExchanges   = "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,NASDAQBX,MIAX,GEMINI,EDGX,MERCURY,PEARL,EMERALD,MEMX,IBUSOPT"
	optOrderTypes       = "ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,OPENCLOSE,PEGMIDVOL,PEGMKTVOL,PEGPRMVOL,PEGSRFVOL,POSTONLY,PRICECHK,REL,RELPCTOFS,RELSTK,SCALE,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,VOLAT,WHATIF"
	indexOrderTypes     = "ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,PEGBENCH,SCALE,SCALERST,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
)

// Option sizes and other constants of the contract layout.
const (
	optMultiplier = "100"
	stkMinTick    = 0.01
	usEastern     = "US/Eastern"
)

// underlyingTable is the static reference data. idx fixes each symbol's
// place in the option conId code and must never change.
var underlyingTable = []underlying{
	{idx: 0, conID: 756733, symbol: "SPY", secType: "STK", primary: "ARCA", tradingClass: "SPY",
		longName: "SPDR S&P 500 ETF TRUST", industry: "Funds", category: "Equity Fund", subcategory: "Blend-Large Cap",
		stockType: "ETF", isin: "US78462F1030", indexETF: true, dailies: true},
	{idx: 1, conID: 320227571, symbol: "QQQ", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "INVESCO QQQ TRUST SERIES 1", industry: "Funds", category: "Equity Fund", subcategory: "Growth-Large Cap",
		stockType: "ETF", isin: "US46090E1038", indexETF: true, dailies: true},
	{idx: 2, conID: 9579970, symbol: "IWM", secType: "STK", primary: "ARCA", tradingClass: "IWM",
		longName: "ISHARES RUSSELL 2000 ETF", industry: "Funds", category: "Equity Fund", subcategory: "Blend-Small Cap",
		stockType: "ETF", isin: "US4642876555", indexETF: true},
	{idx: 3, conID: 265598, symbol: "AAPL", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "APPLE INC", industry: "Technology", category: "Computers", subcategory: "Computers",
		stockType: "COMMON", isin: "US0378331005"},
	{idx: 4, conID: 272093, symbol: "MSFT", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "MICROSOFT CORP", industry: "Technology", category: "Software", subcategory: "Applications Software",
		stockType: "COMMON", isin: "US5949181045"},
	{idx: 5, conID: 4815747, symbol: "NVDA", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "NVIDIA CORP", industry: "Technology", category: "Semiconductors", subcategory: "Electronic Compo-Semicon",
		stockType: "COMMON", isin: "US67066G1040"},
	{idx: 6, conID: 76792991, symbol: "TSLA", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "TESLA INC", industry: "Consumer, Cyclical", category: "Auto Manufacturers", subcategory: "Auto-Cars/Light Trucks",
		stockType: "COMMON", isin: "US88160R1014"},
	{idx: 7, conID: 4391, symbol: "AMD", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "ADVANCED MICRO DEVICES", industry: "Technology", category: "Semiconductors", subcategory: "Electronic Compo-Semicon",
		stockType: "COMMON", isin: "US0079031078"},
	{idx: 8, conID: 107113386, symbol: "META", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "META PLATFORMS INC-CLASS A", industry: "Communications", category: "Internet", subcategory: "Internet Content-Entmnt",
		stockType: "COMMON", isin: "US30303M1027"},
	{idx: 9, conID: 208813720, symbol: "GOOG", secType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "ALPHABET INC-CL C", industry: "Communications", category: "Internet", subcategory: "Web Portals/ISP",
		stockType: "COMMON", isin: "US02079K1079"},
	{idx: 10, conID: 8314, symbol: "IBM", secType: "STK", primary: "NYSE", tradingClass: "IBM",
		longName: "INTL BUSINESS MACHINES CORP", industry: "Technology", category: "Computers", subcategory: "Computer Services",
		stockType: "COMMON", isin: "US4592001014"},
	// VIX options are out of scope: the index has no chain here.
	{idx: -1, conID: 13455763, symbol: "VIX", secType: "IND", primary: "CBOE", tradingClass: "VIX",
		longName: "CBOE Volatility Index"},
}

// refData holds every instrument the simulator knows. It is safe for
// concurrent use.
type refData struct {
	seed int64
	cal  *sched.Calendar
	// prices gives the daily closes the option strikes follow. It is a
	// price model of the same seed, so its path is the server's; the
	// server may set its own model here to share the cache.
	prices *priceModel

	unders   []*underlying
	bySymbol map[string]*underlying
	byCon    map[int64]*underlying
	byIdx    map[int]*underlying

	mu     sync.Mutex
	chains map[chainKey]*chainState // listed chains by symbol and New York date
}

func newRefData(seed int64) *refData {
	r := &refData{
		seed:     seed,
		cal:      sched.NYSE(),
		prices:   newPriceModel(seed),
		bySymbol: map[string]*underlying{},
		byCon:    map[int64]*underlying{},
		byIdx:    map[int]*underlying{},
		chains:   map[chainKey]*chainState{},
	}
	for i := range underlyingTable {
		u := underlyingTable[i] // copy: the table stays pristine
		u.listings = buildListings(&u)
		r.unders = append(r.unders, &u)
		r.bySymbol[u.symbol] = &u
		r.byCon[u.conID] = &u
		if u.idx >= 0 {
			r.byIdx[u.idx] = &u
		}
	}
	return r
}

// buildListings makes the instrument of each exchange a contract trades on.
func buildListings(u *underlying) []*instrument {
	base := instrument{
		conID:        u.conID,
		symbol:       u.symbol,
		secType:      u.secType,
		primaryExch:  u.primary,
		currency:     "USD",
		localSymbol:  u.symbol,
		tradingClass: u.tradingClass,
		minTick:      stkMinTick,
		longName:     u.longName,
		industry:     u.industry,
		category:     u.category,
		subcategory:  u.subcategory,
		stockType:    u.stockType,
		timeZoneID:   usEastern,
	}
	var exchanges []string
	if u.secType == "IND" {
		exchanges = []string{u.primary}
		base.orderTypes = indexOrderTypes
		base.validExch = u.primary
		base.marketRules = strconv.FormatInt(rulePenny, 10)
		base.rule = marketRules[rulePenny]
	} else {
		exchanges = strings.Split(stockValidExchanges, ",")
		base.orderTypes = stockOrderTypes
		base.validExch = stockValidExchanges
		base.marketRules = repeatRule(strconv.FormatInt(ruleUSStock, 10), len(exchanges))
		base.rule = marketRules[ruleUSStock]
	}
	out := make([]*instrument, 0, len(exchanges))
	for _, ex := range exchanges {
		in := base
		in.exchange = ex
		out = append(out, &in)
	}
	return out
}

// repeatRule returns "id,id,...": one market rule per valid exchange.
func repeatRule(id string, n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(id+",", n-1) + id
}

// underlyingOf returns the underlying of an option or the contract itself.
func (r *refData) underlyingOf(in *instrument) *underlying {
	if in.isOption() {
		return r.bySymbol[in.underSymbol]
	}
	return r.byCon[in.conID]
}

// byConID returns the instrument with this conId as listed on SMART (the
// index: on its exchange), or nil. Options are returned whether expired or
// not, as long as the option existed by the chain rules at now. Callers
// compare instruments by conID, not by pointer: option instruments are
// built on each call.
func (r *refData) byConID(id int64, now time.Time) *instrument {
	if u := r.byCon[id]; u != nil {
		return u.listings[0]
	}
	o, ok := decodeOptionConID(id)
	if !ok {
		return nil
	}
	u := r.byIdx[o.idx]
	if u == nil {
		return nil
	}
	if st := r.optionState(u, o.expiry, now); st == expiryNone {
		return nil
	}
	if !containsStrike(r.strikesOf(u, o.expiry, now), o.strike) {
		return nil
	}
	return r.newOption(u, o.expiry, o.strike, o.right, "SMART")
}

// maxResolve bounds the matches one request may produce; past it the
// request is answered as ambiguous (error 200). A whole SPY chain on SMART
// (about 10,000 contracts) fits; the same chain on every exchange does not.
const maxResolve = 20000

// resolve returns every instrument that matches q at instant now, one per
// listing exchange. An empty result means error 200.
//
// Matching rules, as the Gateway applies them:
//   - conId, when non-zero, names the contract; every other field that is
//     set must agree with it (a wrong exchange gives no match).
//   - Otherwise secType is required and symbol, or for options the OCC
//     localSymbol, names the underlying. IB rejects a description without
//     a security type; the simulator answers it with error 200, the
//     answer a client already handles.
//   - symbol, secType, exchange, primaryExchange (ISLAND and NASDAQ are the
//     same), currency, localSymbol, tradingClass, lastTradeDateOrContractMonth
//     (YYYYMMDD exactly or YYYYMM for the month), strike, right (C, CALL, P,
//     PUT) and multiplier each filter when set (non-empty, non-zero).
//   - secIdType ISIN with secId finds a stock or ETF by its ISIN.
//   - Expired options match only with includeExpired.
//
// Case does not matter. More than maxResolve matches gives nil; use lookup
// to tell that apart from no match.
func (r *refData) resolve(q contractQuery, now time.Time) []*instrument {
	out, _ := r.lookup(q, now, maxResolve)
	return out
}

// normQuery is a contractQuery in canonical form.
type normQuery struct {
	contractQuery
	right string // "C", "P" or ""
}

func normalize(q contractQuery) normQuery {
	up := func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
	n := normQuery{contractQuery: q}
	n.symbol = up(q.symbol)
	n.secType = up(q.secType)
	n.exchange = up(q.exchange)
	n.primaryExch = up(q.primaryExch)
	n.currency = up(q.currency)
	n.localSymbol = strings.ToUpper(q.localSymbol) // OCC symbols keep their spaces
	n.tradingClass = up(q.tradingClass)
	n.expiry = strings.TrimSpace(q.expiry)
	n.multiplier = strings.TrimSpace(q.multiplier)
	n.secIDType = up(q.secIDType)
	n.secID = up(q.secID)
	// Clients of API versions 70..74 send "SMART:NASDAQ" in exchange.
	if ex, prim, ok := strings.Cut(n.exchange, ":"); ok {
		n.exchange = ex
		if n.primaryExch == "" {
			n.primaryExch = prim
		}
	}
	if n.primaryExch == "ISLAND" {
		n.primaryExch = "NASDAQ"
	}
	// An unset strike (the protocol's Double.MAX_VALUE) matches anything.
	if n.strike < 0 || n.strike >= math.MaxFloat64 || math.IsNaN(n.strike) || math.IsInf(n.strike, 0) {
		n.strike = 0
	}
	switch up(q.right) {
	case "C", "CALL":
		n.right = "C"
	case "P", "PUT":
		n.right = "P"
	case "", "?", "0":
		n.right = ""
	default:
		n.right = "invalid"
	}
	return n
}

// lookup is resolve with a limit: it stops once more than limit instruments
// match and reports tooMany (limit <= 0: no limit).
func (r *refData) lookup(q contractQuery, now time.Time, limit int) (out []*instrument, tooMany bool) {
	n := normalize(q)
	if n.right == "invalid" {
		return nil, false
	}
	if n.conID != 0 {
		if u := r.byCon[n.conID]; u != nil {
			return r.matchListings(u, n), false
		}
		o, ok := decodeOptionConID(n.conID)
		if !ok {
			return nil, false
		}
		u := r.byIdx[o.idx]
		if u == nil {
			return nil, false
		}
		return r.matchOptions(u, n, now, &o, limit)
	}
	switch n.secType {
	case "STK", "IND":
		for _, u := range r.findUnderlyings(n) {
			out = append(out, r.matchListings(u, n)...)
		}
		return out, false
	case "OPT":
		sym := n.symbol
		var occ *optKey
		if n.localSymbol != "" {
			o, ok := parseOCC(n.localSymbol)
			if !ok {
				return nil, false
			}
			if sym != "" && sym != o.symbol {
				return nil, false
			}
			sym = o.symbol
			occ = &o
		}
		u := r.bySymbol[sym]
		if u == nil || u.idx < 0 {
			return nil, false
		}
		return r.matchOptions(u, n, now, occ, limit)
	}
	return nil, false
}

// findUnderlyings returns the stocks, ETFs and indices a query without
// conId can mean.
func (r *refData) findUnderlyings(n normQuery) []*underlying {
	var out []*underlying
	for _, u := range r.unders {
		if u.secType != n.secType {
			continue
		}
		switch {
		case n.symbol != "":
			if u.symbol != n.symbol {
				continue
			}
		case n.localSymbol != "":
			if u.symbol != n.localSymbol {
				continue
			}
		case n.secIDType != "" && n.secID != "":
			// checked below
		default:
			continue
		}
		out = append(out, u)
	}
	return out
}

// matchListings filters the listings of a stock, ETF or index.
func (r *refData) matchListings(u *underlying, n normQuery) []*instrument {
	if n.symbol != "" && n.symbol != u.symbol {
		return nil
	}
	if n.secType != "" && n.secType != u.secType {
		return nil
	}
	if n.expiry != "" || n.strike != 0 || n.right != "" || n.multiplier != "" {
		return nil
	}
	if n.currency != "" && n.currency != "USD" {
		return nil
	}
	if n.localSymbol != "" && n.localSymbol != u.symbol {
		return nil
	}
	if n.tradingClass != "" && n.tradingClass != u.tradingClass {
		return nil
	}
	if n.primaryExch != "" && n.primaryExch != u.primary {
		return nil
	}
	if n.secIDType != "" || n.secID != "" {
		if n.secIDType != "ISIN" || u.isin == "" || n.secID != u.isin {
			return nil
		}
	}
	var out []*instrument
	for _, in := range u.listings {
		if n.exchange != "" && n.exchange != in.exchange {
			continue
		}
		out = append(out, in)
	}
	return out
}

// sameMultiplier compares multipliers numerically ("100" and "100.0").
func sameMultiplier(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

// resolveOne finds the one instrument a market data request or an order
// names. It returns nil and the text of error 200 when there is none or
// more than one.
func (r *refData) resolveOne(q contractQuery, now time.Time) (*instrument, string) {
	const notFound = "No security definition has been found for the request"
	if q.conID > 0 {
		in := r.byConID(q.conID, now)
		if in == nil {
			return nil, notFound
		}
		if q.symbol != "" && !strings.EqualFold(q.symbol, in.symbol) && !strings.EqualFold(q.symbol, in.underSymbol) {
			return nil, notFound
		}
		if q.secType != "" && !strings.EqualFold(q.secType, in.secType) {
			return nil, notFound
		}
		return in, ""
	}
	found := r.resolve(q, now)
	switch len(found) {
	case 0:
		return nil, notFound
	case 1:
		return found[0], ""
	}
	return nil, fmt.Sprintf("The contract description specified for %s is ambiguous.", q.symbol)
}
