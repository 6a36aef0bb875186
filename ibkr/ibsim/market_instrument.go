package ibsim

import (
	"fmt"
	"time"
)

// instrument is one contract the simulator knows: a stock, an ETF, an index
// or an equity option. Reference data follows IB's contract details.
type instrument struct {
	conID        int64
	symbol       string
	secType      string // "STK", "IND" or "OPT"
	exchange     string // "SMART" for stocks, ETFs and options; "CBOE" for VIX
	primaryExch  string // "ARCA", "NASDAQ", "NYSE", "CBOE"
	currency     string // "USD"
	localSymbol  string // "SPY" or the OCC symbol "SPY   261218C00600000"
	tradingClass string
	multiplier   string // "" for stocks and indices, "100" for options
	minTick      float64
	longName     string
	industry     string
	category     string
	subcategory  string
	stockType    string // "ETF", "COMMON", "" for options and indices
	timeZoneID   string // "US/Eastern"
	orderTypes   string
	validExch    string
	marketRules  string      // marketRuleIds, one per valid exchange
	rule         *marketRule // the rule of this listing's exchange (nil: see ruleOf)
	// Options only.
	expiry      string  // YYYYMMDD, the last trading day
	strike      float64 // > 0
	right       string  // "C" or "P"
	underConID  int64
	underSymbol string
	underSecTyp string // "STK" or "IND"
}

// isOption reports whether the instrument is an option.
func (in *instrument) isOption() bool { return in.secType == "OPT" }

// contractQuery is the contract part of a request, as the client sent it.
// Empty strings and a zero strike or conId match anything.
type contractQuery struct {
	conID          int64
	symbol         string
	secType        string
	expiry         string // YYYYMMDD or YYYYMM
	strike         float64
	right          string // "C", "P", "CALL", "PUT" or ""
	multiplier     string
	exchange       string
	primaryExch    string
	currency       string
	localSymbol    string
	tradingClass   string
	includeExpired bool
	secIDType      string
	secID          string
}

// quote is the state of one instrument's market at an instant.
type quote struct {
	at                         time.Time
	bid, ask, last             float64
	bidSize, askSize, lastSize float64
	volume                     float64 // day volume so far
	open, high, low, close     float64 // close = previous session's close
	trading                    bool    // the instrument trades at this instant
	// Underlyings only.
	histVol    float64 // historical volatility: tick 58 (generic 411); IB refuses generic 104
	impliedVol float64 // tick 24 (generic 106)
	callOI     float64 // tick 27 (generic 101)
	putOI      float64 // tick 28 (generic 101)
	callVolume float64 // tick 29 (generic 100)
	putVolume  float64 // tick 30 (generic 100)
	// Options only.
	openInterest float64
	greeks       greeks // model greeks (tick 13)
	bidGreeks    greeks // tick 10
	askGreeks    greeks // tick 11
	lastGreeks   greeks // tick 12
}

// greeks is one tickOptionComputation.
type greeks struct {
	iv, delta, optPrice, pvDividend, gamma, vega, theta, undPrice float64
}

// multiplierOf is the contract multiplier (1 for stocks).
func multiplierOf(in *instrument) float64 {
	if in.multiplier == "" {
		return 1
	}
	var m float64
	if _, err := fmt.Sscan(in.multiplier, &m); err != nil || m <= 0 {
		return 1
	}
	return m
}
