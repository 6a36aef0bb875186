package market

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

// Underlying is one stock, ETF or index with its static reference data.
type Underlying struct {
	Idx          int // stable position in the option conId code; -1: no options
	ConID        int64
	Symbol       string
	SecType      string // "STK" or "IND"
	primary      string // primary exchange
	tradingClass string // also the market name
	longName     string
	industry     string
	category     string
	subcategory  string
	stockType    string // "COMMON", "ETF", "" for the index
	ISIN         string
	IndexETF     bool // 1-point strikes near the money
	dailies      bool // options expire every trading day (SPY, QQQ)

	listings []*Instrument // SMART (or the index's exchange) first
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
	OptMultiplier = "100"
	stkMinTick    = 0.01
	usEastern     = "US/Eastern"
)

// UnderlyingTable is the static reference data. idx fixes each symbol's
// place in the option conId code and must never change.
var UnderlyingTable = []Underlying{
	{Idx: 0, ConID: 756733, Symbol: "SPY", SecType: "STK", primary: "ARCA", tradingClass: "SPY",
		longName: "SPDR S&P 500 ETF TRUST", industry: "Funds", category: "Equity Fund", subcategory: "Blend-Large Cap",
		stockType: "ETF", ISIN: "US78462F1030", IndexETF: true, dailies: true},
	{Idx: 1, ConID: 320227571, Symbol: "QQQ", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "INVESCO QQQ TRUST SERIES 1", industry: "Funds", category: "Equity Fund", subcategory: "Growth-Large Cap",
		stockType: "ETF", ISIN: "US46090E1038", IndexETF: true, dailies: true},
	{Idx: 2, ConID: 9579970, Symbol: "IWM", SecType: "STK", primary: "ARCA", tradingClass: "IWM",
		longName: "ISHARES RUSSELL 2000 ETF", industry: "Funds", category: "Equity Fund", subcategory: "Blend-Small Cap",
		stockType: "ETF", ISIN: "US4642876555", IndexETF: true},
	{Idx: 3, ConID: 265598, Symbol: "AAPL", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "APPLE INC", industry: "Technology", category: "Computers", subcategory: "Computers",
		stockType: "COMMON", ISIN: "US0378331005"},
	{Idx: 4, ConID: 272093, Symbol: "MSFT", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "MICROSOFT CORP", industry: "Technology", category: "Software", subcategory: "Applications Software",
		stockType: "COMMON", ISIN: "US5949181045"},
	{Idx: 5, ConID: 4815747, Symbol: "NVDA", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "NVIDIA CORP", industry: "Technology", category: "Semiconductors", subcategory: "Electronic Compo-Semicon",
		stockType: "COMMON", ISIN: "US67066G1040"},
	{Idx: 6, ConID: 76792991, Symbol: "TSLA", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "TESLA INC", industry: "Consumer, Cyclical", category: "Auto Manufacturers", subcategory: "Auto-Cars/Light Trucks",
		stockType: "COMMON", ISIN: "US88160R1014"},
	{Idx: 7, ConID: 4391, Symbol: "AMD", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "ADVANCED MICRO DEVICES", industry: "Technology", category: "Semiconductors", subcategory: "Electronic Compo-Semicon",
		stockType: "COMMON", ISIN: "US0079031078"},
	{Idx: 8, ConID: 107113386, Symbol: "META", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "META PLATFORMS INC-CLASS A", industry: "Communications", category: "Internet", subcategory: "Internet Content-Entmnt",
		stockType: "COMMON", ISIN: "US30303M1027"},
	{Idx: 9, ConID: 208813720, Symbol: "GOOG", SecType: "STK", primary: "NASDAQ", tradingClass: "NMS",
		longName: "ALPHABET INC-CL C", industry: "Communications", category: "Internet", subcategory: "Web Portals/ISP",
		stockType: "COMMON", ISIN: "US02079K1079"},
	{Idx: 10, ConID: 8314, Symbol: "IBM", SecType: "STK", primary: "NYSE", tradingClass: "IBM",
		longName: "INTL BUSINESS MACHINES CORP", industry: "Technology", category: "Computers", subcategory: "Computer Services",
		stockType: "COMMON", ISIN: "US4592001014"},
	// VIX options are out of scope: the index has no chain here.
	{Idx: -1, ConID: 13455763, Symbol: "VIX", SecType: "IND", primary: "CBOE", tradingClass: "VIX",
		longName: "CBOE Volatility Index"},
}

// RefData holds every instrument the simulator knows. It is safe for
// concurrent use.
type RefData struct {
	seed int64
	cal  *sched.Calendar
	// prices gives the daily closes the option strikes follow. It is a
	// price model of the same seed, so its path is the server's; the
	// server may set its own model here to share the cache.
	prices *PriceModel

	unders   []*Underlying
	BySymbol map[string]*Underlying
	ByCon    map[int64]*Underlying
	byIdx    map[int]*Underlying

	mu     sync.Mutex
	chains map[chainKey]*ChainState // listed chains by symbol and New York date
}

// NewRefData returns the reference data of a seed (the seed fixes the
// option chains, whose strikes follow the price path).
func NewRefData(seed int64) *RefData {
	r := &RefData{
		seed:     seed,
		cal:      sched.NYSE(),
		prices:   NewPriceModel(seed),
		BySymbol: map[string]*Underlying{},
		ByCon:    map[int64]*Underlying{},
		byIdx:    map[int]*Underlying{},
		chains:   map[chainKey]*ChainState{},
	}
	for i := range UnderlyingTable {
		u := UnderlyingTable[i] // copy: the table stays pristine
		u.listings = buildListings(&u)
		r.unders = append(r.unders, &u)
		r.BySymbol[u.Symbol] = &u
		r.ByCon[u.ConID] = &u
		if u.Idx >= 0 {
			r.byIdx[u.Idx] = &u
		}
	}
	return r
}

// buildListings makes the instrument of each exchange a contract trades on.
func buildListings(u *Underlying) []*Instrument {
	base := Instrument{
		ConID:        u.ConID,
		Symbol:       u.Symbol,
		SecType:      u.SecType,
		PrimaryExch:  u.primary,
		Currency:     "USD",
		LocalSymbol:  u.Symbol,
		TradingClass: u.tradingClass,
		MinTick:      stkMinTick,
		LongName:     u.longName,
		Industry:     u.industry,
		Category:     u.category,
		Subcategory:  u.subcategory,
		StockType:    u.stockType,
		TimeZoneID:   usEastern,
	}
	var exchanges []string
	if u.SecType == "IND" {
		exchanges = []string{u.primary}
		base.OrderTypes = indexOrderTypes
		base.ValidExch = u.primary
		base.MarketRules = strconv.FormatInt(rulePenny, 10)
		base.rule = MarketRules[rulePenny]
	} else {
		exchanges = strings.Split(stockValidExchanges, ",")
		base.OrderTypes = stockOrderTypes
		base.ValidExch = stockValidExchanges
		base.MarketRules = repeatRule(strconv.FormatInt(ruleUSStock, 10), len(exchanges))
		base.rule = MarketRules[ruleUSStock]
	}
	out := make([]*Instrument, 0, len(exchanges))
	for _, ex := range exchanges {
		in := base
		in.Exchange = ex
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

// UnderlyingOf returns the underlying of an option or the contract itself.
func (r *RefData) UnderlyingOf(in *Instrument) *Underlying {
	if in.IsOption() {
		return r.BySymbol[in.UnderSymbol]
	}
	return r.ByCon[in.ConID]
}

// ByConID returns the instrument with this conId as listed on SMART (the
// index: on its exchange), or nil. Options are returned whether expired or
// not, as long as the option existed by the chain rules at now. Callers
// compare instruments by conID, not by pointer: option instruments are
// built on each call.
func (r *RefData) ByConID(id int64, now time.Time) *Instrument {
	if u := r.ByCon[id]; u != nil {
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
	if !ContainsStrike(r.strikesOf(u, o.expiry, now), o.strike) {
		return nil
	}
	return r.newOption(u, o.expiry, o.strike, o.right, "SMART")
}

// MaxResolve bounds the matches one request may produce; past it the
// request is answered as ambiguous (error 200). A whole SPY chain on SMART
// (about 10,000 contracts) fits; the same chain on every exchange does not.
const MaxResolve = 20000

// Resolve returns every instrument that matches q at instant now, one per
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
func (r *RefData) Resolve(q ContractQuery, now time.Time) []*Instrument {
	out, _ := r.Lookup(q, now, MaxResolve)
	return out
}

// normQuery is a contractQuery in canonical form.
type normQuery struct {
	ContractQuery
	right string // "C", "P" or ""
}

func normalize(q ContractQuery) normQuery {
	up := func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
	n := normQuery{ContractQuery: q}
	n.Symbol = up(q.Symbol)
	n.SecType = up(q.SecType)
	n.Exchange = up(q.Exchange)
	n.PrimaryExch = up(q.PrimaryExch)
	n.Currency = up(q.Currency)
	n.LocalSymbol = strings.ToUpper(q.LocalSymbol) // OCC symbols keep their spaces
	n.TradingClass = up(q.TradingClass)
	n.Expiry = strings.TrimSpace(q.Expiry)
	n.Multiplier = strings.TrimSpace(q.Multiplier)
	n.SecIDType = up(q.SecIDType)
	n.SecID = up(q.SecID)
	// Clients of API versions 70..74 send "SMART:NASDAQ" in exchange.
	if ex, prim, ok := strings.Cut(n.Exchange, ":"); ok {
		n.Exchange = ex
		if n.PrimaryExch == "" {
			n.PrimaryExch = prim
		}
	}
	if n.PrimaryExch == "ISLAND" {
		n.PrimaryExch = "NASDAQ"
	}
	// An unset strike (the protocol's Double.MAX_VALUE) matches anything.
	if n.Strike < 0 || n.Strike >= math.MaxFloat64 || math.IsNaN(n.Strike) || math.IsInf(n.Strike, 0) {
		n.Strike = 0
	}
	switch up(q.Right) {
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

// Lookup is resolve with a limit: it stops once more than limit instruments
// match and reports tooMany (limit <= 0: no limit).
func (r *RefData) Lookup(q ContractQuery, now time.Time, limit int) (out []*Instrument, tooMany bool) {
	n := normalize(q)
	if n.right == "invalid" {
		return nil, false
	}
	if n.ConID != 0 {
		if u := r.ByCon[n.ConID]; u != nil {
			return r.matchListings(u, n), false
		}
		o, ok := decodeOptionConID(n.ConID)
		if !ok {
			return nil, false
		}
		u := r.byIdx[o.idx]
		if u == nil {
			return nil, false
		}
		return r.matchOptions(u, n, now, &o, limit)
	}
	switch n.SecType {
	case "STK", "IND":
		for _, u := range r.findUnderlyings(n) {
			out = append(out, r.matchListings(u, n)...)
		}
		return out, false
	case "OPT":
		sym := n.Symbol
		var occ *optKey
		if n.LocalSymbol != "" {
			o, ok := parseOCC(n.LocalSymbol)
			if !ok {
				return nil, false
			}
			if sym != "" && sym != o.symbol {
				return nil, false
			}
			sym = o.symbol
			occ = &o
		}
		u := r.BySymbol[sym]
		if u == nil || u.Idx < 0 {
			return nil, false
		}
		return r.matchOptions(u, n, now, occ, limit)
	}
	return nil, false
}

// findUnderlyings returns the stocks, ETFs and indices a query without
// conId can mean.
func (r *RefData) findUnderlyings(n normQuery) []*Underlying {
	var out []*Underlying
	for _, u := range r.unders {
		if u.SecType != n.SecType {
			continue
		}
		switch {
		case n.Symbol != "":
			if u.Symbol != n.Symbol {
				continue
			}
		case n.LocalSymbol != "":
			if u.Symbol != n.LocalSymbol {
				continue
			}
		case n.SecIDType != "" && n.SecID != "":
			// checked below
		default:
			continue
		}
		out = append(out, u)
	}
	return out
}

// matchListings filters the listings of a stock, ETF or index.
func (r *RefData) matchListings(u *Underlying, n normQuery) []*Instrument {
	if n.Symbol != "" && n.Symbol != u.Symbol {
		return nil
	}
	if n.SecType != "" && n.SecType != u.SecType {
		return nil
	}
	if n.Expiry != "" || n.Strike != 0 || n.right != "" || n.Multiplier != "" {
		return nil
	}
	if n.Currency != "" && n.Currency != "USD" {
		return nil
	}
	if n.LocalSymbol != "" && n.LocalSymbol != u.Symbol {
		return nil
	}
	if n.TradingClass != "" && n.TradingClass != u.tradingClass {
		return nil
	}
	if n.PrimaryExch != "" && n.PrimaryExch != u.primary {
		return nil
	}
	if n.SecIDType != "" || n.SecID != "" {
		if n.SecIDType != "ISIN" || u.ISIN == "" || n.SecID != u.ISIN {
			return nil
		}
	}
	var out []*Instrument
	for _, in := range u.listings {
		if n.Exchange != "" && n.Exchange != in.Exchange {
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

// ResolveOne finds the one instrument a market data request or an order
// names. It returns nil and the text of error 200 when there is none or
// more than one.
func (r *RefData) ResolveOne(q ContractQuery, now time.Time) (*Instrument, string) {
	const notFound = "No security definition has been found for the request"
	if q.ConID > 0 {
		in := r.ByConID(q.ConID, now)
		if in == nil {
			return nil, notFound
		}
		if q.Symbol != "" && !strings.EqualFold(q.Symbol, in.Symbol) && !strings.EqualFold(q.Symbol, in.UnderSymbol) {
			return nil, notFound
		}
		if q.SecType != "" && !strings.EqualFold(q.SecType, in.SecType) {
			return nil, notFound
		}
		return in, ""
	}
	found := r.Resolve(q, now)
	switch len(found) {
	case 0:
		return nil, notFound
	case 1:
		return found[0], ""
	}
	return nil, fmt.Sprintf("The contract description specified for %s is ambiguous.", q.Symbol)
}

// SymbolSample is one reqMatchingSymbols result: an underlying, the
// security types of its derivatives and its description.
type SymbolSample struct {
	ConID                                  int64
	Symbol, SecType, PrimaryExch, Currency string
	DerivSecTypes                          []string
	Description                            string
}

// MaxSymbolSamples is the most results reqMatchingSymbols returns, as IB.
const MaxSymbolSamples = 16

// MatchingSymbols returns the underlyings matching pattern, as IB's symbol
// search: symbols starting with it first (an exact symbol first of all),
// then names containing it, case-insensitive, at most MaxSymbolSamples.
// An empty pattern matches nothing.
func (r *RefData) MatchingSymbols(pattern string) []SymbolSample {
	p := strings.ToUpper(strings.TrimSpace(pattern))
	if p == "" {
		return nil
	}
	var exact, prefix, name []*Underlying
	for _, u := range r.unders {
		switch {
		case u.Symbol == p:
			exact = append(exact, u)
		case strings.HasPrefix(u.Symbol, p):
			prefix = append(prefix, u)
		case strings.Contains(strings.ToUpper(u.longName), p):
			name = append(name, u)
		}
	}
	var out []SymbolSample
	for _, u := range append(append(exact, prefix...), name...) {
		if len(out) == MaxSymbolSamples {
			break
		}
		var deriv []string
		if u.Idx >= 0 {
			deriv = []string{"OPT"}
		}
		out = append(out, SymbolSample{ConID: u.ConID, Symbol: u.Symbol, SecType: u.SecType, PrimaryExch: u.primary,
			Currency: "USD", DerivSecTypes: deriv, Description: u.longName})
	}
	return out
}

// SmartComponent is one exchange of a SMART book: its bit number in the
// book's tick attributes, its name and its one-letter code.
type SmartComponent struct {
	Bit            int64
	Exchange       string
	ExchangeLetter string
}

// SmartComponents are the exchanges behind each BBO exchange code that
// tickReqParams names ("9c0001" is the US stock SMART book), a fixed
// subset of IB's, with the SIP participant letters.
var SmartComponents = map[string][]SmartComponent{
	"9c0001": {
		{0, "NYSE", "N"}, {1, "ARCA", "P"}, {2, "NASDAQ", "Q"}, {3, "AMEX", "A"}, {4, "BATS", "Z"},
		{5, "BYX", "Y"}, {6, "EDGEA", "J"}, {7, "EDGX", "K"}, {8, "IEX", "V"}, {9, "CHX", "M"},
		{10, "PSX", "X"}, {11, "BEX", "B"}, {12, "NYSENAT", "C"}, {13, "MEMX", "U"}, {14, "LTSE", "L"},
		{15, "PEARL", "H"},
	},
}
