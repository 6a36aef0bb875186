package ibkr

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/shopspring/decimal"
)

// PriceIncrement is one band of a market rule: from LowEdge up (to the
// next band's LowEdge), prices must be multiples of Increment.
type PriceIncrement struct {
	LowEdge   decimal.Decimal
	Increment decimal.Decimal
}

// PriceIncrements is a market rule: its bands in ascending LowEdge order.
// IB's rules are per contract and exchange, e.g. US stocks 0.0001 below $1
// and 0.01 from $1; options in the penny program 0.01 below $3 and 0.05
// from $3.
type PriceIncrements []PriceIncrement

// At returns the increment that applies at price: the band with the
// highest LowEdge not above it (the first band below its LowEdge).
func (p PriceIncrements) At(price decimal.Decimal) decimal.Decimal {
	if len(p) == 0 {
		return decimal.Zero
	}
	inc := p[0].Increment
	for _, b := range p {
		if b.LowEdge.GreaterThan(price) {
			break
		}
		inc = b.Increment
	}
	return inc
}

// Valid reports whether price conforms to the rule: a multiple of the
// increment of its band.
func (p PriceIncrements) Valid(price decimal.Decimal) bool {
	inc := p.At(price)
	return inc.Sign() > 0 && price.Mod(inc).IsZero()
}

// validate checks the rule's shape.
func (p PriceIncrements) validate() error {
	if len(p) == 0 {
		return invalid("PriceIncrements", "[]", "at least one band (a market rule from Session.PriceIncrements)")
	}
	for i, b := range p {
		if b.Increment.Sign() <= 0 {
			return invalid(fmt.Sprintf("PriceIncrements[%d].Increment", i), b.Increment, "more than 0")
		}
		if b.LowEdge.Sign() < 0 {
			return invalid(fmt.Sprintf("PriceIncrements[%d].LowEdge", i), b.LowEdge, "0 or more")
		}
		if i > 0 && !b.LowEdge.GreaterThan(p[i-1].LowEdge) {
			return invalid(fmt.Sprintf("PriceIncrements[%d].LowEdge", i), b.LowEdge, "above the previous band's LowEdge "+p[i-1].LowEdge.String())
		}
	}
	return nil
}

// Rounding is the direction RoundToTick rounds in.
type Rounding int

const (
	// RoundNearest rounds to the nearest valid price (halves up).
	RoundNearest Rounding = iota
	// RoundDown rounds to the highest valid price not above the price
	// (a buy limit that never pays more).
	RoundDown
	// RoundUp rounds to the lowest valid price not below the price (a
	// sell limit that never takes less).
	RoundUp
)

func (r Rounding) String() string {
	switch r {
	case RoundNearest:
		return "nearest"
	case RoundDown:
		return "down"
	case RoundUp:
		return "up"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// RoundToTick rounds price to a price the market rule accepts, in the
// given direction. Near a band edge the result may lie in the other band
// (2.999 rounded up with 0.01 below $3 and 0.05 from $3 is 3.00, which is
// valid in both). A price that rounds to 0 comes back as 0: the caller
// decides whether such an order makes sense.
func RoundToTick(price decimal.Decimal, incs PriceIncrements, dir Rounding) (decimal.Decimal, error) {
	if err := incs.validate(); err != nil {
		return decimal.Zero, err
	}
	if price.Sign() < 0 {
		return decimal.Zero, invalid("price", price, "0 or more")
	}
	if dir < RoundNearest || dir > RoundUp {
		return decimal.Zero, invalid("Rounding", int(dir), "RoundNearest, RoundDown or RoundUp")
	}
	if incs.Valid(price) {
		return price, nil
	}
	switch dir {
	case RoundDown:
		return incs.roundDown(price), nil
	case RoundUp:
		return incs.roundUp(price), nil
	}
	lo, hi := incs.roundDown(price), incs.roundUp(price)
	if price.Sub(lo).LessThan(hi.Sub(price)) {
		return lo, nil
	}
	return hi, nil
}

// band returns the index of the band holding price.
func (p PriceIncrements) band(price decimal.Decimal) int {
	i := 0
	for j, b := range p {
		if b.LowEdge.GreaterThan(price) {
			break
		}
		i = j
	}
	return i
}

// multiple floors (up false) or ceils (up true) v to a multiple of inc,
// exactly (QuoRem, no division precision).
func multiple(v, inc decimal.Decimal, up bool) decimal.Decimal {
	q, r := v.QuoRem(inc, 0)
	if up && r.Sign() > 0 {
		q = q.Add(decimal.NewFromInt(1))
	}
	if !up && r.Sign() < 0 {
		q = q.Sub(decimal.NewFromInt(1))
	}
	return q.Mul(inc)
}

// roundUp is the lowest valid price not below v: the first band, from
// v's upward, holding a multiple of its increment at or above v.
func (p PriceIncrements) roundUp(v decimal.Decimal) decimal.Decimal {
	for i := p.band(v); i < len(p); i++ {
		lo := decimal.Max(v, p[i].LowEdge)
		c := multiple(lo, p[i].Increment, true)
		if i == len(p)-1 || c.LessThan(p[i+1].LowEdge) {
			return c
		}
	}
	return v // unreachable: the last band always answers
}

// roundDown is the highest valid price not above v: the first band, from
// v's downward, holding a multiple of its increment at or below v (and
// below the next band's edge).
func (p PriceIncrements) roundDown(v decimal.Decimal) decimal.Decimal {
	for i := p.band(v); i >= 0; i-- {
		hi := v
		if i+1 < len(p) && !hi.LessThan(p[i+1].LowEdge) {
			// Strictly below the next band's edge.
			hi = p[i+1].LowEdge
			c := multiple(hi, p[i].Increment, false)
			if c.Equal(hi) {
				c = c.Sub(p[i].Increment)
			}
			if !c.LessThan(p[i].LowEdge) || i == 0 {
				return decimal.Max(c, decimal.Zero)
			}
			continue
		}
		c := multiple(hi, p[i].Increment, false)
		if !c.LessThan(p[i].LowEdge) || i == 0 {
			return decimal.Max(c, decimal.Zero)
		}
	}
	return decimal.Zero
}

// marketRules caches IB's market rules (they do not change while a
// Session lives) and shares in-flight requests by rule id.
type marketRules struct {
	mu      sync.Mutex
	cache   map[int64]PriceIncrements
	pending map[int64]*ruleReq
}

type ruleReq struct {
	o       *oneShot[PriceIncrements]
	suspect bool
}

// MarketRule returns market rule id's bands (reqMarketRule). Rules are
// cached for the Session's life; concurrent callers share one request.
func (s *Session) MarketRule(ctx context.Context, id int64) (PriceIncrements, error) {
	if id <= 0 || id > 1<<31-1 {
		return nil, invalid("market rule id", id, "a positive id from ContractDetails.MarketRuleIDs")
	}
	mr := &s.rules
	mr.mu.Lock()
	if v, ok := mr.cache[id]; ok {
		mr.mu.Unlock()
		return slices.Clone(v), nil
	}
	mr.mu.Unlock()
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	if v := s.serverVersion(); v > 0 && v < conn.MinServerVerMarketRules {
		return nil, fmt.Errorf("ibkr: market rule %d: the gateway speaks server version %d; market rules need %d or later: %w",
			id, v, conn.MinServerVerMarketRules, ErrInvalidRequest)
	}
	mr.mu.Lock()
	if mr.pending == nil {
		mr.pending = map[int64]*ruleReq{}
		mr.cache = map[int64]PriceIncrements{}
	}
	r := mr.pending[id]
	start := r == nil || r.suspect || r.o.Finished()
	if start {
		r = &ruleReq{o: newOneShot[PriceIncrements]()}
		mr.pending[id] = r
	}
	mr.mu.Unlock()
	if start {
		rr := r
		s.sendAsync(gen, pace.LaneInteractive, conn.MarketRule{ID: id}, func(err error) {
			rr.o.fail(err)
		})
	}
	// A rule the Gateway does not know is answered on -1 (see
	// failRuleOnError); bound the wait anyway, so a lost answer cannot
	// hold a caller without a deadline forever.
	wctx, cancel := context.WithTimeout(ctx, ruleTimeout)
	defer cancel()
	v, err := r.o.Wait(wctx)
	if err != nil {
		if wctx.Err() != nil {
			mr.mu.Lock()
			r.suspect = true
			mr.mu.Unlock()
			return nil, fmt.Errorf("ibkr: market rule %d: no answer: %w", id, err)
		}
		return nil, fmt.Errorf("ibkr: market rule %d: %w", id, err)
	}
	if len(v) == 0 || len(v[0]) == 0 {
		return nil, fmt.Errorf("ibkr: market rule %d: the gateway sent no bands: %w", id, ErrNoData)
	}
	return slices.Clone(v[0]), nil
}

// ruleTimeout bounds a wait for a market rule (IB answers in
// milliseconds).
const ruleTimeout = 20 * time.Second

// ruleIDRE finds the rule id in a Gateway error about a market rule.
var ruleIDRE = regexp.MustCompile(`(?i)market rule[^0-9]*([0-9]+)`)

// failRuleOnError fails a pending market rule request named by an error on
// request id -1 (reqMarketRule carries no request id, so neither does its
// refusal).
func (s *Session) failRuleOnError(e *APIError) {
	m := ruleIDRE.FindStringSubmatch(e.Msg)
	if m == nil {
		return
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return
	}
	mr := &s.rules
	mr.mu.Lock()
	r := mr.pending[id]
	delete(mr.pending, id)
	mr.mu.Unlock()
	if r != nil {
		r.o.fail(e)
	}
}

// deliverRule hands a marketRule reply to its waiters and the cache.
func (s *Session) deliverRule(id int64, incs []conn.PriceIncrement) {
	p := make(PriceIncrements, 0, len(incs))
	for _, x := range incs {
		if x.Increment <= 0 || x.LowEdge < 0 {
			continue
		}
		p = append(p, PriceIncrement{LowEdge: floatDecimal(x.LowEdge), Increment: floatDecimal(x.Increment)})
	}
	slices.SortFunc(p, func(a, b PriceIncrement) int { return a.LowEdge.Cmp(b.LowEdge) })
	mr := &s.rules
	mr.mu.Lock()
	if mr.cache == nil {
		mr.pending = map[int64]*ruleReq{}
		mr.cache = map[int64]PriceIncrements{}
	}
	if len(p) > 0 {
		mr.cache[id] = p
	}
	r := mr.pending[id]
	delete(mr.pending, id)
	mr.mu.Unlock()
	if r != nil {
		r.o.Add(p)
		r.o.Finish()
	}
}

// PriceIncrements returns the market rule that applies to c on its
// exchange (SMART when it names none): the contract's details name one
// rule id per valid exchange, and reqMarketRule gives the rule's bands.
// When the Gateway names no rule, the contract's minTick is the one band.
func (s *Session) PriceIncrements(ctx context.Context, c Contract) (PriceIncrements, error) {
	d, err := s.Qualify(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("ibkr: price increments of %s: %w", c, err)
	}
	id, err := ruleFor(d, c.Exchange)
	if err != nil {
		if d.MinTick.Sign() > 0 {
			return PriceIncrements{{LowEdge: decimal.Zero, Increment: d.MinTick}}, nil
		}
		return nil, fmt.Errorf("ibkr: price increments of %s: %w", c, err)
	}
	p, err := s.MarketRule(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("ibkr: price increments of %s: %w", c, err)
	}
	return p, nil
}

// ruleFor picks the market rule id of exchange (default SMART) from a
// contract's details: MarketRuleIDs lists one id per ValidExchanges entry.
func ruleFor(d ContractDetails, exchange string) (int64, error) {
	ids := strings.Split(d.MarketRuleIDs, ",")
	if strings.TrimSpace(d.MarketRuleIDs) == "" {
		return 0, fmt.Errorf("the gateway names no market rule for it: %w", ErrNoData)
	}
	exs := strings.Split(d.ValidExchanges, ",")
	if exchange == "" {
		exchange = "SMART"
	}
	i := slices.IndexFunc(exs, func(e string) bool { return strings.EqualFold(strings.TrimSpace(e), exchange) })
	if i < 0 || i >= len(ids) {
		i = 0
	}
	id, err := strconv.ParseInt(strings.TrimSpace(ids[i]), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("market rule id %q in %q: not a positive number: %w", ids[i], d.MarketRuleIDs, ErrNoData)
	}
	return id, nil
}
