package ibkr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/shopspring/decimal"
)

// Contract describes an instrument. A zero field matches anything where the
// Gateway allows it; ConID alone identifies a contract.
type Contract struct {
	ConID           int64
	Symbol          string
	SecType         string // STK, OPT, IND, FUT, ...
	Expiry          string // YYYYMMDD or YYYYMM (lastTradeDateOrContractMonth)
	Strike          decimal.Decimal
	Right           string // C or P
	Multiplier      string
	Exchange        string // SMART for routed stocks and options
	PrimaryExchange string
	Currency        string
	LocalSymbol     string
	TradingClass    string
	IncludeExpired  bool
}

// Stock returns a SMART-routed US stock or ETF in USD.
func Stock(symbol string) Contract {
	return Contract{Symbol: symbol, SecType: "STK", Exchange: "SMART", Currency: "USD"}
}

// Option returns a SMART-routed US equity option in USD.
func Option(symbol, expiry string, strike decimal.Decimal, right string) Contract {
	return Contract{Symbol: symbol, SecType: "OPT", Expiry: expiry, Strike: strike, Right: right,
		Multiplier: "100", Exchange: "SMART", Currency: "USD"}
}

// String is a short human-readable form.
func (c Contract) String() string {
	var b strings.Builder
	b.WriteString(c.Symbol)
	if c.SecType != "" {
		b.WriteString(" " + c.SecType)
	}
	if c.Expiry != "" {
		b.WriteString(" " + c.Expiry)
	}
	if !c.Strike.IsZero() {
		b.WriteString(" " + c.Strike.String())
	}
	if c.Right != "" {
		b.WriteString(" " + c.Right)
	}
	if c.Exchange != "" {
		b.WriteString(" @" + c.Exchange)
	}
	if c.ConID != 0 {
		fmt.Fprintf(&b, " #%d", c.ConID)
	}
	return b.String()
}

func (c Contract) toWire() conn.Contract {
	var ic conn.Contract
	ic.ConID = c.ConID
	ic.Symbol = c.Symbol
	ic.SecType = c.SecType
	ic.LastTradeDateOrContractMonth = c.Expiry
	if !c.Strike.IsZero() {
		ic.Strike = c.Strike.InexactFloat64()
	}
	ic.Right = c.Right
	ic.Multiplier = c.Multiplier
	ic.Exchange = c.Exchange
	ic.PrimaryExchange = c.PrimaryExchange
	ic.Currency = c.Currency
	ic.LocalSymbol = c.LocalSymbol
	ic.TradingClass = c.TradingClass
	ic.IncludeExpired = c.IncludeExpired
	return ic
}

func contractFromWire(ic conn.Contract) Contract {
	c := Contract{
		ConID:           ic.ConID,
		Symbol:          ic.Symbol,
		SecType:         ic.SecType,
		Expiry:          ic.LastTradeDateOrContractMonth,
		Right:           ic.Right,
		Multiplier:      ic.Multiplier,
		Exchange:        ic.Exchange,
		PrimaryExchange: ic.PrimaryExchange,
		Currency:        ic.Currency,
		LocalSymbol:     ic.LocalSymbol,
		TradingClass:    ic.TradingClass,
	}
	if ic.Strike != 0 && ic.Strike != math.MaxFloat64 {
		c.Strike = priceDecimal(ic.Strike)
	}
	return c
}

// key is a stable identity for pacing and de-duplication.
func (c Contract) key() string {
	if c.ConID != 0 {
		return fmt.Sprintf("#%d@%s", c.ConID, c.Exchange)
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s", c.Symbol, c.SecType, c.Expiry, c.Strike, c.Right, c.Multiplier, c.Exchange, c.Currency, c.LocalSymbol)
}

// ContractDetails is the Gateway's description of one contract.
type ContractDetails struct {
	Contract       Contract
	MarketName     string
	MinTick        decimal.Decimal
	OrderTypes     string
	ValidExchanges string
	UnderConID     int64
	UnderSymbol    string
	LongName       string
	Industry       string
	Category       string
	Subcategory    string
	TimeZoneID     string
	TradingHours   string
	LiquidHours    string
	StockType      string
	MarketRuleIDs  string
	// RealExpirationDate is set for derivatives.
	RealExpirationDate string
}

func detailsFromWire(d conn.ContractDetails) ContractDetails {
	return ContractDetails{
		Contract:           contractFromWire(d.Contract),
		MarketName:         d.MarketName,
		MinTick:            priceDecimal(d.MinTick),
		OrderTypes:         d.OrderTypes,
		ValidExchanges:     d.ValidExchanges,
		UnderConID:         d.UnderConID,
		UnderSymbol:        d.UnderSymbol,
		LongName:           d.LongName,
		Industry:           d.Industry,
		Category:           d.Category,
		Subcategory:        d.Subcategory,
		TimeZoneID:         d.TimeZoneID,
		TradingHours:       d.TradingHours,
		LiquidHours:        d.LiquidHours,
		StockType:          d.StockType,
		MarketRuleIDs:      d.MarketRuleIDs,
		RealExpirationDate: d.RealExpirationDate,
	}
}

// OptionChain is one reqSecDefOptParams answer: the expirations and
// strikes listed for an underlying on one exchange. Not every strike exists
// in every expiration.
type OptionChain struct {
	Exchange        string
	UnderlyingConID int64
	TradingClass    string
	Multiplier      string
	Expirations     []string
	Strikes         []decimal.Decimal
}

// MarketDataType is what the Gateway served: live, frozen, delayed or
// delayed-frozen.
type MarketDataType int

// Market data types.
const (
	MarketDataLive          MarketDataType = 1
	MarketDataFrozen        MarketDataType = 2
	MarketDataDelayed       MarketDataType = 3
	MarketDataDelayedFrozen MarketDataType = 4
)

func (t MarketDataType) String() string {
	switch t {
	case MarketDataLive:
		return "live"
	case MarketDataFrozen:
		return "frozen"
	case MarketDataDelayed:
		return "delayed"
	case MarketDataDelayedFrozen:
		return "delayed-frozen"
	}
	return fmt.Sprintf("MarketDataType(%d)", int(t))
}

// Greeks is one option computation, as IB sends it. IB marks a value it
// did not compute (an implied volatility below 0, a delta of -2, a price
// of -1, ...); Has tells which values are real.
type Greeks struct {
	ImpliedVol float64
	Delta      float64
	Gamma      float64
	Vega       float64
	Theta      float64
	OptPrice   float64
	UndPrice   float64
	PVDividend float64
}

// GreekField names one value of Greeks.
type GreekField uint8

// Greek fields.
const (
	GreekImpliedVol GreekField = 1 << iota
	GreekDelta
	GreekGamma
	GreekVega
	GreekTheta
	GreekOptPrice
	GreekUndPrice
	GreekPVDividend
)

// Has reports whether IB computed the value f (its "not computed" markers
// and unset doubles are not).
func (g Greeks) Has(f GreekField) bool {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v != math.MaxFloat64 }
	switch f {
	case GreekImpliedVol:
		return ok(g.ImpliedVol) && g.ImpliedVol >= 0
	case GreekDelta:
		return ok(g.Delta) && g.Delta >= -1 && g.Delta <= 1
	case GreekGamma:
		return ok(g.Gamma) && g.Gamma != -2
	case GreekVega:
		return ok(g.Vega) && g.Vega != -2
	case GreekTheta:
		return ok(g.Theta) && g.Theta != -2
	case GreekOptPrice:
		return ok(g.OptPrice) && g.OptPrice >= 0
	case GreekUndPrice:
		return ok(g.UndPrice) && g.UndPrice >= 0
	case GreekPVDividend:
		return ok(g.PVDividend) && g.PVDividend >= 0
	}
	return false
}

// QuoteField names one value of a Quote, for Quote.Has.
type QuoteField uint16

// Quote fields.
const (
	QuoteBid QuoteField = 1 << iota
	QuoteAsk
	QuoteLast
	QuoteClose
	QuoteOpen
	QuoteHigh
	QuoteLow
	QuoteBidSize
	QuoteAskSize
	QuoteLastSize
	QuoteVolume
	QuoteOpenInterest
)

// Quote is the market of one contract. A value the Gateway did not send,
// or sent as "not available" (-1 and the unset markers), is zero and Has
// reports it missing, so a real 0 (an option bid of 0) is told apart from
// no bid at all.
type Quote struct {
	Contract  Contract
	Bid, Ask  decimal.Decimal
	Last      decimal.Decimal
	Close     decimal.Decimal // previous session's close
	Open      decimal.Decimal
	High, Low decimal.Decimal
	BidSize   decimal.Decimal
	AskSize   decimal.Decimal
	LastSize  decimal.Decimal
	Volume    decimal.Decimal
	// OpenInterest is the option's (call or put) open interest, when
	// requested with generic tick 101.
	OpenInterest decimal.Decimal
	// Fields says which of the values above the Gateway sent (see Has).
	Fields QuoteField
	// Model, BidGreeks, AskGreeks, LastGreeks are option computations
	// (ticks 13, 10, 11, 12, or their delayed forms); nil when none came.
	Model      *Greeks
	BidGreeks  *Greeks
	AskGreeks  *Greeks
	LastGreeks *Greeks
	// Generic holds tickGeneric values by tick type (e.g. 23 historical
	// vol, 24 implied vol, 27/28 option open interest).
	Generic map[int]float64
	// Type is the market data type the Gateway served.
	Type MarketDataType
	// ReceivedAt is when the last tick arrived, on Config.MarketClock.
	ReceivedAt time.Time
	// OutsideRTH: the quote was received outside the regular trading
	// session of its market (NYSE hours and holidays for US stocks, ETFs,
	// options and indexes; false for other markets, which the Session does
	// not judge). Bid and ask are then often missing or stale.
	OutsideRTH bool
}

// Has reports whether the Gateway sent the value f.
func (q Quote) Has(f QuoteField) bool { return q.Fields&f != 0 }

// Mid returns the midpoint of bid and ask, or zero when either is missing
// or the market is crossed (ask below bid).
func (q Quote) Mid() decimal.Decimal {
	if !q.Has(QuoteBid) || !q.Has(QuoteAsk) || q.Ask.Sign() <= 0 || q.Ask.LessThan(q.Bid) {
		return decimal.Zero
	}
	return q.Bid.Add(q.Ask).Div(decimal.NewFromInt(2))
}

// Bar is one historical bar.
type Bar struct {
	Time   time.Time
	Open   decimal.Decimal
	High   decimal.Decimal
	Low    decimal.Decimal
	Close  decimal.Decimal
	Volume decimal.Decimal // -1 (IB's "none") is reported as zero
	WAP    decimal.Decimal
	Count  int64
}

// priceDecimal converts a wire double to a decimal, treating IB's unset
// markers and negatives ("not available") as zero.
func priceDecimal(v float64) decimal.Decimal {
	if v == math.MaxFloat64 || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return decimal.Zero
	}
	return floatDecimal(v)
}

// floatDecimal converts a wire double exactly as written: prices, strikes
// and sizes almost always have at most four decimals, which an integer
// path converts about ten times faster than the shortest-representation
// search; anything else takes that search.
func floatDecimal(v float64) decimal.Decimal {
	s := v * 10000
	r := math.Round(s)
	if math.Abs(s-r) < 1e-7 && math.Abs(r) < 1e15 {
		return decimal.New(int64(r), -4)
	}
	return decimal.NewFromFloat(v)
}

// sizeValue converts a wire size (a decimal string; sent is false for the
// wire's unset size) and reports whether one was sent.
func sizeValue(s string, sent bool) (decimal.Decimal, bool) {
	if !sent {
		return decimal.Zero, false
	}
	if s == "" || s == "NaN" {
		return decimal.Zero, false
	}
	v, err := decimal.NewFromString(s)
	if err != nil || v.Sign() < 0 {
		return decimal.Zero, false
	}
	return v, true
}

// priceValue converts a wire price and reports whether one was sent.
func priceValue(v float64) (decimal.Decimal, bool) {
	if v == math.MaxFloat64 || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return decimal.Zero, false
	}
	return floatDecimal(v), true
}

// sizeDecimal converts a wire size (a decimal string).
func sizeDecimal(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	v, err := decimal.NewFromString(s)
	if err != nil || v.Sign() < 0 {
		return decimal.Zero
	}
	return v
}
