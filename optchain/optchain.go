package optchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/sched"
)

// Gateway is what optchain asks of an IB session; *ibkr.Session (and an
// *ibkr.Lease) implements it.
type Gateway interface {
	Qualify(ctx context.Context, c ibkr.Contract) (ibkr.ContractDetails, error)
	SecDefOptParams(ctx context.Context, symbol, secType string, underlyingConID int64) ([]ibkr.OptionChain, error)
	ContractDetails(ctx context.Context, c ibkr.Contract) ([]ibkr.ContractDetails, error)
	Snapshot(ctx context.Context, c ibkr.Contract) (ibkr.Quote, error)
}

// Defaults used when a Config or Request field is zero.
const (
	DefaultStrikes         = 10
	DefaultExpiries        = 3
	DefaultRiskFreeRate    = 0.04
	DefaultSnapshotTimeout = 15 * time.Second
	DefaultMaxParallel     = ibkr.DefaultMarketDataLines
	// MaxStrikes bounds Request.Strikes.
	MaxStrikes = 200
)

// ErrNoChain: the underlying has no option chain, or the rule selected no
// expiry.
var ErrNoChain = errors.New("optchain: no option chain")

// ErrNoUnderlyingPrice: the underlying's price is unknown or zero (IB sent
// no last, no bid and ask, no close): optchain never guesses which strike
// is at the money.
var ErrNoUnderlyingPrice = errors.New("optchain: no underlying price")

// Config configures a Client. Zero fields mean the default named in their
// comment.
type Config struct {
	// Clock is the time chains are judged at: days to expiry, expired
	// expiries, time value of computed greeks. Default time.Now.
	Clock func() time.Time
	// Calendar is the exchange calendar of expiry and holiday rules.
	// Default sched.NYSE().
	Calendar *sched.Calendar
	// RiskFreeRate and DividendYield (continuously compounded, 0.04 = 4%)
	// feed computed greeks. Defaults 0.04 and 0. Set NoRiskFreeRate for a
	// rate of exactly 0.
	RiskFreeRate   float64
	NoRiskFreeRate bool
	DividendYield  float64
	// SnapshotTimeout is each snapshot's own deadline; a snapshot that
	// misses it is a per-contract error, not a failed chain. Default 15s
	// (a Gateway ends a snapshot within about 11 s).
	SnapshotTimeout time.Duration
	// MaxParallel bounds the snapshots in flight. The session's market
	// data line budget bounds them too. Default 100.
	MaxParallel int
	// Logger receives one line per fetched chain. Default: discard.
	Logger *slog.Logger
}

// Client fetches option chains through a Gateway.
type Client struct {
	gw  Gateway
	cfg Config
}

// New returns a Client, or an error naming a bad Config field.
func New(gw Gateway, cfg Config) (*Client, error) {
	if gw == nil {
		return nil, errors.New("optchain: New: want a Gateway (an *ibkr.Session), got nil")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Calendar == nil {
		cfg.Calendar = sched.NYSE()
	}
	if cfg.RiskFreeRate == 0 && !cfg.NoRiskFreeRate {
		cfg.RiskFreeRate = DefaultRiskFreeRate
	}
	if math.IsNaN(cfg.RiskFreeRate) || cfg.RiskFreeRate < -0.1 || cfg.RiskFreeRate > 1 {
		return nil, fmt.Errorf("optchain: Config.RiskFreeRate %v: want -0.1..1 (0.04 is 4%%)", cfg.RiskFreeRate)
	}
	if math.IsNaN(cfg.DividendYield) || cfg.DividendYield < 0 || cfg.DividendYield > 1 {
		return nil, fmt.Errorf("optchain: Config.DividendYield %v: want 0..1 (0.015 is 1.5%%)", cfg.DividendYield)
	}
	if cfg.SnapshotTimeout < 0 {
		return nil, fmt.Errorf("optchain: Config.SnapshotTimeout %v: want a positive duration (0 means %v)", cfg.SnapshotTimeout, DefaultSnapshotTimeout)
	}
	if cfg.SnapshotTimeout == 0 {
		cfg.SnapshotTimeout = DefaultSnapshotTimeout
	}
	if cfg.MaxParallel < 0 || cfg.MaxParallel > 10000 {
		return nil, fmt.Errorf("optchain: Config.MaxParallel %d: want 1..10000 (0 means %d)", cfg.MaxParallel, DefaultMaxParallel)
	}
	if cfg.MaxParallel == 0 {
		cfg.MaxParallel = DefaultMaxParallel
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{gw: gw, cfg: cfg}, nil
}

// Rights are the option rights to fetch.
type Rights string

// Rights values.
const (
	Calls Rights = "C"
	Puts  Rights = "P"
	Both  Rights = "both"
)

// ParseRights parses C, P or both (also call/put, case-insensitive).
func ParseRights(s string) (Rights, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "c", "call", "calls":
		return Calls, nil
	case "p", "put", "puts":
		return Puts, nil
	case "both", "", "cp", "c,p":
		return Both, nil
	}
	return "", fmt.Errorf("optchain: rights %q: want C, P or both", s)
}

func (r Rights) has(right string) bool { return r == Both || string(r) == right }

// Request says which part of a chain to fetch.
type Request struct {
	// Symbol is the underlying, e.g. SPY.
	Symbol string
	// SecType is the underlying's security type. Default STK.
	SecType string
	// Expiries selects the expiries. Zero value: First(3).
	Expiries ExpiryRule
	// Strikes is how many strikes per expiry, the ones nearest the
	// underlying's price. Default 10; at most 200.
	Strikes int
	// Rights are the rights quoted. Default Both.
	Rights Rights
	// NoQuotes fetches the chain's contracts without quoting them (no
	// market data lines used).
	NoQuotes bool
	// Progress, if set, is called after each quote arrived (or failed),
	// with the count so far and the total; calls are serialized.
	Progress func(done, total int)
}

// PriceSource says where the underlying's price came from.
type PriceSource string

// Price sources, in the order they are tried.
const (
	SourceLast  PriceSource = "last"
	SourceMid   PriceSource = "mid"
	SourceClose PriceSource = "close"
)

// GreeksSource says where an option's greeks came from.
type GreeksSource string

// Greeks sources.
const (
	GreeksIB       GreeksSource = "ib"
	GreeksComputed GreeksSource = "computed"
	GreeksNone     GreeksSource = "none"
)

// Chain is an option chain: the underlying, and per expiry the strikes
// that exist with the quotes asked for.
type Chain struct {
	Symbol string
	// AsOf is when the chain was fetched, on Config.Clock.
	AsOf       time.Time
	Underlying Underlying
	// Exchange and TradingClass of the chain used; Note says why when it
	// is not the trading class named like the symbol on SMART.
	Exchange, TradingClass string
	Note                   string
	Expiries               []Expiry
	// Errors lists the contracts whose quote failed; their Option carries
	// the same error.
	Errors []ContractError
}

// Underlying is the chain's underlying and its price.
type Underlying struct {
	Contract    ibkr.Contract
	Price       decimal.Decimal
	PriceSource PriceSource
	DataType    ibkr.MarketDataType
	Quote       ibkr.Quote
}

// Expiry is one expiration of the chain.
type Expiry struct {
	// Date is midnight New York of the expiration date; Code IB's
	// YYYYMMDD.
	Date time.Time
	Code string
	// DTE counts New York calendar days from AsOf's date.
	DTE          int
	TradingClass string
	Multiplier   string
	// Strikes are the selected strikes that exist for this expiry, in
	// ascending order.
	Strikes []StrikeRow
}

// StrikeRow is one strike: its call and put, nil when not asked for (or
// not listed).
type StrikeRow struct {
	Strike    decimal.Decimal
	Call, Put *Option
}

// Option is one option contract and its quote.
type Option struct {
	Contract ibkr.Contract
	// Quote is the snapshot as the session returned it (zero when not
	// quoted or failed).
	Quote  ibkr.Quote
	Greeks Greeks
	// Err is why the quote failed; the rest is then empty.
	Err error
}

// Greeks are an option's implied volatility and greeks, with where they
// came from. Has tells which values are present.
type Greeks struct {
	IV, Delta, Gamma, Vega, Theta float64
	Source                        GreeksSource
	// Fields holds the values present.
	Fields ibkr.GreekField
}

// Has reports whether the value f is present.
func (g Greeks) Has(f ibkr.GreekField) bool { return g.Fields&f != 0 }

// ContractError is a per-contract failure of a chain.
type ContractError struct {
	Contract ibkr.Contract
	Err      error
}

// Fetch returns the chain req asks for, with the fewest requests IB
// allows: one contract details to qualify the underlying, one
// SecDefOptParams, one snapshot of the underlying, one ContractDetails per
// selected expiry (right and strike blank: the strikes that really exist
// and their conIds), and one snapshot per selected contract, in parallel
// within the line budget. A strike listed by SecDefOptParams but absent
// from an expiry is never requested. Snapshots that fail are reported per
// contract; the chain fails only when its structure cannot be had (no
// such symbol, no chain, no underlying price) or ctx ends.
func (c *Client) Fetch(ctx context.Context, req Request) (*Chain, error) {
	req, err := c.normalize(req)
	if err != nil {
		return nil, err
	}
	cal := c.cfg.Calendar
	now := c.cfg.Clock()
	und, err := c.gw.Qualify(ctx, ibkr.Contract{Symbol: req.Symbol, SecType: req.SecType, Exchange: "SMART", Currency: "USD"})
	if err != nil {
		if errors.Is(err, ibkr.ErrNoSecurityDefinition) {
			return nil, fmt.Errorf("optchain: no security definition for %q: %w", req.Symbol, err)
		}
		return nil, fmt.Errorf("optchain: %s: %w", req.Symbol, err)
	}
	// The underlying's quote is needed only to choose strikes: ask for it
	// while the chain's structure is fetched.
	type undQuote struct {
		q   ibkr.Quote
		err error
	}
	uqc := make(chan undQuote, 1)
	uctx, ucancel := context.WithCancel(ctx)
	defer ucancel()
	go func() {
		q, err := c.gw.Snapshot(uctx, und.Contract)
		uqc <- undQuote{q, err}
	}()
	fail := func(err error) (*Chain, error) {
		ucancel()
		<-uqc
		return nil, err
	}
	chains, err := c.gw.SecDefOptParams(ctx, req.Symbol, req.SecType, und.Contract.ConID)
	if err != nil {
		return fail(fmt.Errorf("optchain: option chain of %s: %w", req.Symbol, err))
	}
	chain, note, ok := pickChain(chains, req.Symbol)
	if !ok {
		return fail(fmt.Errorf("optchain: %s lists no option chain: %w", req.Symbol, ErrNoChain))
	}
	out := &Chain{Symbol: req.Symbol, AsOf: now, Exchange: chain.Exchange, TradingClass: chain.TradingClass, Note: note}
	listed := ParseExpiries(chain.Expirations, cal.Location())
	picked, err := selectExpiries(req.Expiries, listed, now, cal)
	if err != nil {
		return fail(err)
	}
	if len(picked) == 0 {
		return fail(fmt.Errorf("optchain: %s: no listed expiry matches %s (%d listed): %w", req.Symbol, req.Expiries, len(listed), ErrNoChain))
	}

	// One ContractDetails per expiry, in parallel (they are one message
	// each; the session paces them).
	details := make([][]ibkr.ContractDetails, len(picked))
	g, gctx := errgroup.WithContext(ctx)
	for i, e := range picked {
		g.Go(func() error {
			ds, err := c.gw.ContractDetails(gctx, ibkr.Contract{Symbol: req.Symbol, SecType: "OPT", Expiry: e.Code,
				Exchange: "SMART", Currency: "USD", TradingClass: chain.TradingClass, Multiplier: chain.Multiplier})
			if err != nil && !errors.Is(err, ibkr.ErrNoSecurityDefinition) {
				return fmt.Errorf("optchain: %s %s contracts: %w", req.Symbol, e.Code, err)
			}
			details[i] = ds
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fail(err)
	}
	u := <-uqc
	if u.err != nil {
		return nil, fmt.Errorf("optchain: %s: quote of the underlying: %w", req.Symbol, u.err)
	}
	uq := u.q
	price, src, ok := UnderlyingPrice(uq)
	if !ok {
		return nil, fmt.Errorf("optchain: %s: the gateway sent no last, bid/ask or close (%s data): %w", req.Symbol, uq.Type, ErrNoUnderlyingPrice)
	}
	out.Underlying = Underlying{Contract: und.Contract, Price: price, PriceSource: src, DataType: uq.Type, Quote: uq}

	var toQuote []*Option
	for i, e := range picked {
		ex := Expiry{Date: e.Date, Code: e.Code, DTE: DaysToExpiry(now, e.Date, cal.Location()), TradingClass: chain.TradingClass, Multiplier: chain.Multiplier}
		rows := strikeRows(details[i], req.Rights)
		for _, r := range nearestStrikes(rows, price, req.Strikes) {
			ex.Strikes = append(ex.Strikes, r)
			for _, o := range []*Option{r.Call, r.Put} {
				if o != nil {
					toQuote = append(toQuote, o)
				}
			}
		}
		if len(ex.Strikes) > 0 {
			if ex.Multiplier == "" && len(details[i]) > 0 {
				ex.Multiplier = details[i][0].Contract.Multiplier
			}
			out.Expiries = append(out.Expiries, ex)
		}
	}
	if len(out.Expiries) == 0 {
		return nil, fmt.Errorf("optchain: %s: none of %d selected expiries lists a contract: %w", req.Symbol, len(picked), ErrNoChain)
	}
	if !req.NoQuotes {
		if err := c.quote(ctx, out, toQuote, req.Progress); err != nil {
			return nil, err
		}
	}
	c.cfg.Logger.Info("optchain: chain fetched", "symbol", req.Symbol, "expiries", len(out.Expiries),
		"contracts", len(toQuote), "errors", len(out.Errors), "price", price.String(), "source", string(src))
	return out, nil
}

func (c *Client) normalize(req Request) (Request, error) {
	req.Symbol = strings.ToUpper(strings.TrimSpace(req.Symbol))
	if req.Symbol == "" || len(req.Symbol) > 12 || strings.ContainsAny(req.Symbol, " \t\n\x00,") {
		return req, fmt.Errorf("optchain: symbol %q: want a ticker such as SPY", req.Symbol)
	}
	if req.SecType == "" {
		req.SecType = "STK"
	}
	if req.Expiries == (ExpiryRule{}) {
		req.Expiries = First(DefaultExpiries)
	}
	if err := req.Expiries.validate(); err != nil {
		return req, err
	}
	if req.Strikes == 0 {
		req.Strikes = DefaultStrikes
	}
	if req.Strikes < 1 || req.Strikes > MaxStrikes {
		return req, fmt.Errorf("optchain: strikes %d: want 1..%d", req.Strikes, MaxStrikes)
	}
	if req.Rights == "" {
		req.Rights = Both
	}
	if _, err := ParseRights(string(req.Rights)); err != nil {
		return req, err
	}
	return req, nil
}

// pickChain returns the chain whose trading class is the symbol on SMART;
// else the first SMART chain, else the first listed, with a note saying
// so.
func pickChain(chains []ibkr.OptionChain, symbol string) (ibkr.OptionChain, string, bool) {
	if len(chains) == 0 {
		return ibkr.OptionChain{}, "", false
	}
	for _, ch := range chains {
		if ch.Exchange == "SMART" && strings.EqualFold(ch.TradingClass, symbol) {
			return ch, "", true
		}
	}
	for _, ch := range chains {
		if ch.Exchange == "SMART" {
			return ch, fmt.Sprintf("no SMART chain with trading class %s; used trading class %s", symbol, ch.TradingClass), true
		}
	}
	ch := chains[0]
	return ch, fmt.Sprintf("no SMART chain; used the first listed (%s on %s)", ch.TradingClass, ch.Exchange), true
}

// UnderlyingPrice picks the underlying's price from a quote: the last
// trade, else the midpoint, else the previous close. ok is false when none
// is a positive price.
func UnderlyingPrice(q ibkr.Quote) (decimal.Decimal, PriceSource, bool) {
	if q.Has(ibkr.QuoteLast) && q.Last.Sign() > 0 {
		return q.Last, SourceLast, true
	}
	if m := q.Mid(); m.Sign() > 0 {
		return m, SourceMid, true
	}
	if q.Has(ibkr.QuoteClose) && q.Close.Sign() > 0 {
		return q.Close, SourceClose, true
	}
	return decimal.Zero, "", false
}

// strikeRows groups an expiry's contracts by strike.
func strikeRows(ds []ibkr.ContractDetails, rights Rights) []StrikeRow {
	byStrike := map[string]*StrikeRow{}
	var keys []decimal.Decimal
	for _, d := range ds {
		k := d.Contract.Strike
		ks := k.String()
		r := byStrike[ks]
		if r == nil {
			r = &StrikeRow{Strike: k}
			byStrike[ks] = r
			keys = append(keys, k)
		}
		switch d.Contract.Right {
		case "C", "CALL":
			if rights.has("C") && r.Call == nil {
				r.Call = &Option{Contract: d.Contract}
			}
		case "P", "PUT":
			if rights.has("P") && r.Put == nil {
				r.Put = &Option{Contract: d.Contract}
			}
		}
	}
	slices.SortFunc(keys, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	out := make([]StrikeRow, 0, len(keys))
	for _, k := range keys {
		r := byStrike[k.String()]
		if r.Call != nil || r.Put != nil {
			out = append(out, *r)
		}
	}
	return out
}

// nearestStrikes returns the n rows nearest price (ties: the lower
// strike), in ascending order.
func nearestStrikes(rows []StrikeRow, price decimal.Decimal, n int) []StrikeRow {
	if len(rows) <= n {
		return rows
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return rows[a].Strike.Sub(price).Abs().Cmp(rows[b].Strike.Sub(price).Abs())
	})
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]StrikeRow, 0, n)
	for _, i := range idx {
		out = append(out, rows[i])
	}
	return out
}

// quote snapshots the options in parallel, each with its own deadline.
func (c *Client) quote(ctx context.Context, ch *Chain, opts []*Option, progress func(done, total int)) error {
	g := new(errgroup.Group)
	g.SetLimit(c.cfg.MaxParallel)
	var mu sync.Mutex
	done := 0
	report := func() {
		if progress == nil {
			return
		}
		mu.Lock()
		done++
		progress(done, len(opts))
		mu.Unlock()
	}
	for _, o := range opts {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			sctx, cancel := context.WithTimeout(ctx, c.cfg.SnapshotTimeout)
			defer cancel()
			q, err := c.gw.Snapshot(sctx, o.Contract)
			defer report()
			if err != nil {
				o.Err = err
				mu.Lock()
				ch.Errors = append(ch.Errors, ContractError{Contract: o.Contract, Err: err})
				mu.Unlock()
				return nil
			}
			o.Quote = q
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("optchain: %s: quoting %d contracts: %w", ch.Symbol, len(opts), err)
	}
	slices.SortFunc(ch.Errors, func(a, b ContractError) int { return strings.Compare(a.Contract.String(), b.Contract.String()) })
	for i := range ch.Expiries {
		e := &ch.Expiries[i]
		for j := range e.Strikes {
			for _, o := range []*Option{e.Strikes[j].Call, e.Strikes[j].Put} {
				if o != nil && o.Err == nil {
					o.Greeks = c.greeks(o, ch.Underlying.Price, ch.AsOf, e)
				}
			}
		}
	}
	return nil
}

// greeks are IB's model greeks when the Gateway computed them, else
// computed from the option's mid with Black-Scholes-Merton.
func (c *Client) greeks(o *Option, spot decimal.Decimal, now time.Time, e *Expiry) Greeks {
	if m := o.Quote.Model; m != nil && m.Has(ibkr.GreekImpliedVol) && m.Has(ibkr.GreekDelta) {
		g := Greeks{Source: GreeksIB, IV: m.ImpliedVol, Delta: m.Delta, Gamma: m.Gamma, Vega: m.Vega, Theta: m.Theta}
		for _, f := range []ibkr.GreekField{ibkr.GreekImpliedVol, ibkr.GreekDelta, ibkr.GreekGamma, ibkr.GreekVega, ibkr.GreekTheta} {
			if m.Has(f) {
				g.Fields |= f
			}
		}
		return g
	}
	mid := o.Quote.Mid()
	if mid.Sign() <= 0 {
		return Greeks{Source: GreeksNone}
	}
	closeAt := expiryClose(c.cfg.Calendar, ListedExpiry{Code: e.Code, Date: e.Date})
	years := closeAt.Sub(now).Hours() / (24 * 365)
	in := BSMInputs{Spot: spot.InexactFloat64(), Strike: o.Contract.Strike.InexactFloat64(), Years: years,
		Rate: c.cfg.RiskFreeRate, Yield: c.cfg.DividendYield, Call: o.Contract.Right == "C" || o.Contract.Right == "CALL"}
	iv, err := ImpliedVol(mid.InexactFloat64(), in)
	if err != nil {
		return Greeks{Source: GreeksNone}
	}
	in.Vol = iv
	r, err := BSM(in)
	if err != nil {
		return Greeks{Source: GreeksNone}
	}
	return Greeks{Source: GreeksComputed, IV: iv, Delta: r.Delta, Gamma: r.Gamma, Vega: r.Vega, Theta: r.Theta,
		Fields: ibkr.GreekImpliedVol | ibkr.GreekDelta | ibkr.GreekGamma | ibkr.GreekVega | ibkr.GreekTheta}
}
