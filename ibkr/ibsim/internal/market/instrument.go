package market

import (
	"fmt"
	"time"
)

// Instrument is one contract the simulator knows: a stock, an ETF, an index
// or an equity option. Reference data follows IB's contract details.
type Instrument struct {
	ConID        int64
	Symbol       string
	SecType      string // "STK", "IND" or "OPT"
	Exchange     string // "SMART" for stocks, ETFs and options; "CBOE" for VIX
	PrimaryExch  string // "ARCA", "NASDAQ", "NYSE", "CBOE"
	Currency     string // "USD"
	LocalSymbol  string // "SPY" or the OCC symbol "SPY   261218C00600000"
	TradingClass string
	Multiplier   string // "" for stocks and indices, "100" for options
	MinTick      float64
	LongName     string
	Industry     string
	Category     string
	Subcategory  string
	StockType    string // "ETF", "COMMON", "" for options and indices
	TimeZoneID   string // "US/Eastern"
	OrderTypes   string
	ValidExch    string
	MarketRules  string // marketRuleIds, one per valid exchange
	rule         *Rule  // the rule of this listing's exchange (nil: see ruleOf)
	// Options only.
	Expiry      string  // YYYYMMDD, the last trading day
	Strike      float64 // > 0
	Right       string  // "C" or "P"
	UnderConID  int64
	UnderSymbol string
	UnderSecTyp string // "STK" or "IND"
}

// IsOption reports whether the instrument is an option.
func (in *Instrument) IsOption() bool { return in.SecType == "OPT" }

// ContractQuery is the contract part of a request, as the client sent it.
// Empty strings and a zero strike or conId match anything.
type ContractQuery struct {
	ConID          int64
	Symbol         string
	SecType        string
	Expiry         string // YYYYMMDD or YYYYMM
	Strike         float64
	Right          string // "C", "P", "CALL", "PUT" or ""
	Multiplier     string
	Exchange       string
	PrimaryExch    string
	Currency       string
	LocalSymbol    string
	TradingClass   string
	IncludeExpired bool
	SecIDType      string
	SecID          string
}

// Quote is the state of one instrument's market at an instant.
type Quote struct {
	at                         time.Time
	Bid, Ask, Last             float64
	BidSize, AskSize, LastSize float64
	Volume                     float64 // day volume so far
	Open, High, Low, Close     float64 // close = previous session's close
	Trading                    bool    // the instrument trades at this instant
	// Underlyings only.
	HistVol    float64 // historical volatility: tick 58 (generic 411); IB refuses generic 104
	ImpliedVol float64 // tick 24 (generic 106)
	CallOI     float64 // tick 27 (generic 101)
	PutOI      float64 // tick 28 (generic 101)
	CallVolume float64 // tick 29 (generic 100)
	PutVolume  float64 // tick 30 (generic 100)
	// Options only.
	OpenInterest float64
	Greeks       Greeks // model greeks (tick 13)
	BidGreeks    Greeks // tick 10
	AskGreeks    Greeks // tick 11
	LastGreeks   Greeks // tick 12
}

// Greeks is one tickOptionComputation.
type Greeks struct {
	IV, Delta, OptPrice, PVDividend, Gamma, Vega, Theta, UndPrice float64
}

// MultiplierOf is the contract multiplier (1 for stocks).
func MultiplierOf(in *Instrument) float64 {
	if in.Multiplier == "" {
		return 1
	}
	var m float64
	if _, err := fmt.Sscan(in.Multiplier, &m); err != nil || m <= 0 {
		return 1
	}
	return m
}
