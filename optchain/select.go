package optchain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
)

// Moneyness is a target strike relative to the underlying's price,
// counted in listed strikes for the chosen right: ATM is the strike
// nearest the price; ITM(1) for a call is the highest strike below the
// price and for a put the lowest strike above it; OTM(1) the other way.
type Moneyness struct {
	// Steps is 0 for at the money, > 0 in the money, < 0 out of the
	// money.
	Steps int
}

// ATM, ITM and OTM build Moneyness values.
func ATM() Moneyness      { return Moneyness{} }
func ITM(k int) Moneyness { return Moneyness{Steps: k} }
func OTM(k int) Moneyness { return Moneyness{Steps: -k} }
func (m Moneyness) String() string {
	switch {
	case m.Steps > 0:
		return fmt.Sprintf("itm%d", m.Steps)
	case m.Steps < 0:
		return fmt.Sprintf("otm%d", -m.Steps)
	}
	return "atm"
}

// MaxMoneynessSteps bounds ITM/OTM steps.
const MaxMoneynessSteps = 20

// ParseMoneyness parses atm, itmK or otmK (K strikes, 1..20); the old
// bot's itmp1 and otmp1 are accepted as itm1 and otm1.
func ParseMoneyness(s string) (Moneyness, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "atm" {
		return ATM(), nil
	}
	for _, p := range []struct {
		prefix string
		sign   int
	}{{"itmp", 1}, {"otmp", -1}, {"itm", 1}, {"otm", -1}} {
		if rest, ok := strings.CutPrefix(v, p.prefix); ok {
			k, err := strconv.Atoi(rest)
			if err != nil || k < 1 || k > MaxMoneynessSteps {
				break
			}
			return Moneyness{Steps: p.sign * k}, nil
		}
	}
	return Moneyness{}, fmt.Errorf("optchain: moneyness %q: want atm, itmK or otmK with K 1..%d strikes (e.g. itm1, otm2)", s, MaxMoneynessSteps)
}

// TargetStrike returns the index in strikes (ascending) of the target
// strike for right ("C" or "P") at price. ok is false when the chain does
// not reach that far, or price is not positive.
func (m Moneyness) TargetStrike(strikes []decimal.Decimal, price decimal.Decimal, right string) (int, bool) {
	if len(strikes) == 0 || price.Sign() <= 0 {
		return 0, false
	}
	if m.Steps == 0 {
		best := 0
		for i, k := range strikes {
			if k.Sub(price).Abs().LessThan(strikes[best].Sub(price).Abs()) {
				best = i
			}
		}
		return best, true
	}
	// below: strikes under the price; above: strikes over it.
	firstAbove := len(strikes)
	lastBelow := -1
	for i, k := range strikes {
		if k.LessThan(price) {
			lastBelow = i
		}
		if k.GreaterThan(price) && firstAbove == len(strikes) {
			firstAbove = i
		}
	}
	k := m.Steps
	if k < 0 {
		k = -k
	}
	// A call in the money, or a put out of it, lies below the price.
	below := (right == "C") == (m.Steps > 0)
	var i int
	if below {
		i = lastBelow - (k - 1)
	} else {
		i = firstAbove + (k - 1)
	}
	if i < 0 || i >= len(strikes) {
		return 0, false
	}
	return i, true
}

// Criteria select one option from a chain.
type Criteria struct {
	// Right is "C" or "P".
	Right string
	// Moneyness is the target strike. Zero value: at the money.
	Moneyness Moneyness
	// StrikeCount is how many strikes nearest the target are considered.
	// Default 3.
	StrikeCount int
	// MinDelta and MaxDelta bound the absolute delta (0 and 0: no band).
	MinDelta, MaxDelta float64
	// MinVolume is the least volume traded today.
	MinVolume decimal.Decimal
	// MaxSpread (absolute) and MaxSpreadPct (percent of mid) bound the
	// bid-ask spread. When both are set, a spread within either passes (a
	// cheap option may be wide in percent but narrow in cents); 0 turns a
	// limit off.
	MaxSpread    decimal.Decimal
	MaxSpreadPct float64
}

// Candidate is an option that passed, with what ranked it.
type Candidate struct {
	Option    *Option
	Expiry    *Expiry
	Spread    decimal.Decimal
	SpreadPct float64
	// Distance is how many strikes it lies from the target.
	Distance int
}

// Rejection is an option that was considered and why it failed.
type Rejection struct {
	Contract ibkr.Contract
	Reason   string
}

// ErrNoCandidate: no option passed the criteria; the rejections say why.
var ErrNoCandidate = errors.New("optchain: no option passes the criteria")

// Select returns the best option of the chain for crit: among the
// StrikeCount strikes nearest the target of each expiry, those with a
// quote that passes (bid > 0, ask >= bid, volume, spread, delta), ranked
// by lowest spread percent, then nearest the target, then earliest
// expiry. The rejections say why each other option failed.
func (ch *Chain) Select(crit Criteria) (Candidate, []Rejection, error) {
	if crit.Right != "C" && crit.Right != "P" {
		return Candidate{}, nil, fmt.Errorf("optchain: Criteria.Right %q: want C or P", crit.Right)
	}
	if crit.StrikeCount == 0 {
		crit.StrikeCount = 3
	}
	if crit.StrikeCount < 1 || crit.StrikeCount > MaxStrikes {
		return Candidate{}, nil, fmt.Errorf("optchain: Criteria.StrikeCount %d: want 1..%d", crit.StrikeCount, MaxStrikes)
	}
	if crit.MinDelta < 0 || crit.MaxDelta < 0 || crit.MinDelta > 1 || crit.MaxDelta > 1 || (crit.MaxDelta > 0 && crit.MinDelta > crit.MaxDelta) {
		return Candidate{}, nil, fmt.Errorf("optchain: delta band %v..%v: want 0 <= MinDelta <= MaxDelta <= 1", crit.MinDelta, crit.MaxDelta)
	}
	if crit.MaxSpreadPct < 0 || crit.MaxSpread.Sign() < 0 || crit.MinVolume.Sign() < 0 {
		return Candidate{}, nil, errors.New("optchain: spread and volume limits must not be negative")
	}
	price := ch.Underlying.Price
	if price.Sign() <= 0 {
		return Candidate{}, nil, fmt.Errorf("optchain: select in %s: %w", ch.Symbol, ErrNoUnderlyingPrice)
	}
	var cands []Candidate
	var rejs []Rejection
	for ei := range ch.Expiries {
		e := &ch.Expiries[ei]
		var strikes []decimal.Decimal
		var opts []*Option
		for _, r := range e.Strikes {
			o := r.Call
			if crit.Right == "P" {
				o = r.Put
			}
			if o != nil {
				strikes = append(strikes, r.Strike)
				opts = append(opts, o)
			}
		}
		target, ok := crit.Moneyness.TargetStrike(strikes, price, crit.Right)
		if !ok {
			rejs = append(rejs, Rejection{Contract: ibkr.Contract{Symbol: ch.Symbol, SecType: "OPT", Expiry: e.Code, Right: crit.Right},
				Reason: fmt.Sprintf("the fetched strikes do not reach %s at %s", crit.Moneyness, price)})
			continue
		}
		for _, i := range nearestIndexes(len(strikes), target, crit.StrikeCount) {
			o := opts[i]
			c := Candidate{Option: o, Expiry: e, Distance: abs(i - target)}
			if reason := crit.check(o, &c); reason != "" {
				rejs = append(rejs, Rejection{Contract: o.Contract, Reason: reason})
				continue
			}
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return Candidate{}, rejs, fmt.Errorf("optchain: %s %s %s: %d considered: %w", ch.Symbol, crit.Right, crit.Moneyness, len(rejs), ErrNoCandidate)
	}
	slices.SortStableFunc(cands, func(a, b Candidate) int {
		if a.SpreadPct != b.SpreadPct {
			if a.SpreadPct < b.SpreadPct {
				return -1
			}
			return 1
		}
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return a.Expiry.Date.Compare(b.Expiry.Date)
	})
	best := cands[0]
	for _, c := range cands[1:] {
		rejs = append(rejs, Rejection{Contract: c.Option.Contract,
			Reason: fmt.Sprintf("ranked below %s: spread %.2f%% vs %.2f%%, %d vs %d strikes from the target",
				label(best.Option.Contract), c.SpreadPct, best.SpreadPct, c.Distance, best.Distance)})
	}
	return best, rejs, nil
}

// check returns why o fails crit, or "" and fills c's spread.
func (crit Criteria) check(o *Option, c *Candidate) string {
	if o.Err != nil {
		return "no quote: " + o.Err.Error()
	}
	q := o.Quote
	if !q.Has(ibkr.QuoteBid) || q.Bid.Sign() <= 0 {
		return "no bid"
	}
	if !q.Has(ibkr.QuoteAsk) || q.Ask.LessThan(q.Bid) {
		return fmt.Sprintf("ask %s below bid %s", q.Ask, q.Bid)
	}
	if crit.MinVolume.Sign() > 0 && (!q.Has(ibkr.QuoteVolume) || q.Volume.LessThan(crit.MinVolume)) {
		return fmt.Sprintf("volume %s below %s", q.Volume, crit.MinVolume)
	}
	mid := q.Mid()
	c.Spread = q.Ask.Sub(q.Bid)
	c.SpreadPct = c.Spread.Div(mid).InexactFloat64() * 100
	absOK := crit.MaxSpread.Sign() == 0 || !c.Spread.GreaterThan(crit.MaxSpread)
	pctOK := crit.MaxSpreadPct == 0 || c.SpreadPct <= crit.MaxSpreadPct+1e-9
	switch {
	case crit.MaxSpread.Sign() > 0 && crit.MaxSpreadPct > 0:
		if !absOK && !pctOK {
			return fmt.Sprintf("spread %s (%.2f%% of mid) over both %s and %.2f%%", c.Spread, c.SpreadPct, crit.MaxSpread, crit.MaxSpreadPct)
		}
	case !absOK:
		return fmt.Sprintf("spread %s over %s", c.Spread, crit.MaxSpread)
	case !pctOK:
		return fmt.Sprintf("spread %.2f%% of mid over %.2f%%", c.SpreadPct, crit.MaxSpreadPct)
	}
	if crit.MaxDelta > 0 || crit.MinDelta > 0 {
		if !o.Greeks.Has(ibkr.GreekDelta) {
			return "no delta for the delta band"
		}
		d := math.Abs(o.Greeks.Delta)
		if d < crit.MinDelta || (crit.MaxDelta > 0 && d > crit.MaxDelta) {
			return fmt.Sprintf("delta %.3f outside %.2f..%.2f", o.Greeks.Delta, crit.MinDelta, crit.MaxDelta)
		}
	}
	return ""
}

// nearestIndexes returns up to n indexes of [0, size) nearest target,
// nearest first (ties: the lower index).
func nearestIndexes(size, target, n int) []int {
	out := []int{target}
	for d := 1; len(out) < n && (target-d >= 0 || target+d < size); d++ {
		if target-d >= 0 && len(out) < n {
			out = append(out, target-d)
		}
		if target+d < size && len(out) < n {
			out = append(out, target+d)
		}
	}
	return out
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// label is a contract's local symbol, or its description.
func label(c ibkr.Contract) string {
	if c.LocalSymbol != "" {
		return c.LocalSymbol
	}
	return c.String()
}
