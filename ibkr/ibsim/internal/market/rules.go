package market

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Market rules: the minimum price increments of every instrument, per
// exchange and price. One table serves everything that depends on a tick:
//
//   - reqMarketRule (91), answered with marketRule (93);
//   - the marketRuleIds of contract details, one id per entry of
//     validExchanges, and the options' minTick (the smallest increment of
//     their rule);
//   - the option quotes, trades and prices of the market model (pricing.go);
//   - the order engine's tick check, which refuses a limit or stop price
//     off the rule with error 110.
//
// A rule is a ladder of rungs: a rung's increment applies to prices at or
// above its low edge, up to the next rung's low edge. The ladders:
//
//	id   owner   ladder                          used by
//	26   IB      0.0001 below $1, 0.01 from $1   US stocks and ETFs, every exchange
//	32   IB      0.01 below $3, 0.05 from $3     penny-program options on SMART, NASDAQOM, NASDAQBX, IBUSOPT
//	109  IB      0.01 below $3, 0.05 from $3     the same options on the other option exchanges
//	9001 ibsim   0.01 at every price             SPY, QQQ, IWM options; the VIX index
//	9002 ibsim   0.05 below $3, 0.10 from $3     other option classes (no instrument here uses it)
//
// The ids 26, 32 and 109 and the exchanges they are listed on are IB's, as
// Gateways report them in contract details; the ladders are the rules the
// simulator applies (docs/simulator.md says which parts are established).

// Rung is one rung of a market rule.
type Rung struct {
	LowEdge   float64
	Increment float64
}

// Rule is one of IB's price increment ladders.
type Rule struct {
	ID    int64
	Rungs []Rung // ascending low edges, the first at 0

	cents []centRung // the rungs in cents, for the market model
}

// centRung is a rung in integer cents; increments below a cent count as
// one cent (the market model quotes in cents).
type centRung struct {
	low, inc int64
}

// Market rule ids.
const (
	ruleUSStock     int64 = 26   // IB's US stock rule
	ruleOptSmart    int64 = 32   // IB's penny-program option rule on SMART and the penny venues
	ruleOptExchange int64 = 109  // IB's penny-program option rule on the other exchanges
	rulePenny       int64 = 9001 // the simulator's: 0.01 at every price
	ruleNickelDime  int64 = 9002 // the simulator's: 0.05 below $3, 0.10 from $3
)

// MarketRules is the table, by id.
var MarketRules = func() map[int64]*Rule {
	m := map[int64]*Rule{}
	add := func(id int64, rungs ...Rung) {
		r := &Rule{ID: id, Rungs: rungs}
		for _, g := range rungs {
			r.cents = append(r.cents, centRung{
				low: int64(math.Round(g.LowEdge * 100)),
				inc: max(int64(math.Round(g.Increment*100)), 1),
			})
		}
		m[id] = r
	}
	add(ruleUSStock, Rung{0, 0.0001}, Rung{1, 0.01})
	add(ruleOptSmart, Rung{0, 0.01}, Rung{3, 0.05})
	add(ruleOptExchange, Rung{0, 0.01}, Rung{3, 0.05})
	add(rulePenny, Rung{0, 0.01})
	add(ruleNickelDime, Rung{0, 0.05}, Rung{3, 0.10})
	return m
}()

// MarketRuleIDs returns the ids of the table in ascending order.
func MarketRuleIDs() []int64 {
	ids := make([]int64, 0, len(MarketRules))
	for id := range MarketRules {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// priceEps absorbs the binary representation of decimal prices: a price
// within it of a rung's low edge, or of a multiple of the increment, counts
// as on it.
const priceEps = 1e-9

// rungAt returns the rung that applies to price p.
func (r *Rule) rungAt(p float64) Rung {
	g := r.Rungs[0]
	for _, x := range r.Rungs[1:] {
		if p >= x.LowEdge-priceEps {
			g = x
		}
	}
	return g
}

// incrementAt returns the increment that applies to price p.
func (r *Rule) incrementAt(p float64) float64 { return r.rungAt(p).Increment }

// OnTick reports whether p is a multiple of the increment that applies to
// it. A price rounded to the rule with decimal or float arithmetic is
// accepted; anything a full tick fraction away is not.
func (r *Rule) OnTick(p float64) bool {
	n := p / r.incrementAt(p)
	return math.Abs(n-math.Round(n)) < 1e-6
}

// minIncrement is the smallest increment of the rule.
func (r *Rule) minIncrement() float64 {
	m := r.Rungs[0].Increment
	for _, g := range r.Rungs[1:] {
		m = math.Min(m, g.Increment)
	}
	return m
}

// centRungAt returns the rung, in cents, that applies to c cents.
func (r *Rule) centRungAt(c int64) centRung {
	g := r.cents[0]
	for _, x := range r.cents[1:] {
		if c >= x.low {
			g = x
		}
	}
	return g
}

// downCents moves c cents down onto the rule (a bid), upCents up (an ask),
// nearCents to the nearest tick (a trade or a model price). Every rung's
// low edge is a multiple of both increments around it, so moving up across
// a low edge lands on it.
func (r *Rule) downCents(c int64) int64 {
	g := r.centRungAt(c)
	return floorDiv(c, g.inc) * g.inc
}

func (r *Rule) upCents(c int64) int64 {
	g := r.centRungAt(c)
	return -floorDiv(-c, g.inc) * g.inc
}

func (r *Rule) nearCents(c int64) int64 {
	g := r.centRungAt(c)
	return floorDiv(c+g.inc/2, g.inc) * g.inc
}

// floorDiv is a / b rounded toward negative infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// optionClass is how an underlying's options are quoted.
type optionClass int

const (
	optPennyAll optionClass = iota // 0.01 at every price: SPY, QQQ, IWM
	optPenny                       // the penny program: 0.01 below $3, 0.05 from $3
	optNickel                      // other classes: 0.05 below $3, 0.10 from $3
)

// optionClassOf returns the class of an underlying's options. The index
// ETFs quote in pennies at every price; every single stock the simulator
// knows is in the penny program.
func optionClassOf(u *Underlying) optionClass {
	if u.IndexETF {
		return optPennyAll
	}
	return optPenny
}

// pennyVenues are the option exchanges on which IB reports a penny-program
// option with rule 32 (and rule 109 on the others).
var pennyVenues = map[string]bool{"SMART": true, "NASDAQOM": true, "NASDAQBX": true, "IBUSOPT": true}

// optionRuleOn returns the rule id of an option class on an exchange.
func optionRuleOn(class optionClass, exchange string) int64 {
	switch class {
	case optPennyAll:
		return rulePenny
	case optNickel:
		return ruleNickelDime
	}
	if pennyVenues[exchange] {
		return ruleOptSmart
	}
	return ruleOptExchange
}

// optionRuleIDs are the marketRuleIds of each option class, one per entry
// of validExchanges.
var optionRuleIDs = func() map[optionClass]string {
	m := map[optionClass]string{}
	for _, class := range []optionClass{optPennyAll, optPenny, optNickel} {
		ids := make([]string, len(OptionExchanges))
		for i, ex := range OptionExchanges {
			ids[i] = strconv.FormatInt(optionRuleOn(class, ex), 10)
		}
		m[class] = strings.Join(ids, ",")
	}
	return m
}()

// RuleOf returns the market rule of an instrument's listing (the rule of
// its exchange).
func RuleOf(in *Instrument) *Rule {
	if in.rule != nil {
		return in.rule
	}
	// Instruments built outside the reference data: the SMART rule of
	// their kind.
	switch in.SecType {
	case "OPT":
		class := optPenny
		if pennyOptions[strings.ToUpper(in.UnderSymbol)] {
			class = optPennyAll
		}
		return MarketRules[optionRuleOn(class, "SMART")]
	case "IND":
		return MarketRules[rulePenny]
	}
	return MarketRules[ruleUSStock]
}

// RuleOn returns the market rule of an instrument on one of its valid
// exchanges (the entry of marketRuleIds aligned with the exchange in
// validExchanges), or the rule of the instrument's own listing when the
// exchange is not among them.
func RuleOn(in *Instrument, exchange string) *Rule {
	exchanges := strings.Split(in.ValidExch, ",")
	ids := strings.Split(in.MarketRules, ",")
	for i, ex := range exchanges {
		if i < len(ids) && strings.EqualFold(ex, strings.TrimSpace(exchange)) {
			if id, err := strconv.ParseInt(ids[i], 10, 64); err == nil {
				if r, ok := MarketRules[id]; ok {
					return r
				}
			}
		}
	}
	return RuleOf(in)
}

// pennyOptions are the underlyings whose options trade in pennies at every
// price: the index ETFs.
var pennyOptions = func() map[string]bool {
	m := map[string]bool{}
	for _, u := range UnderlyingTable {
		if u.IndexETF {
			m[u.Symbol] = true
		}
	}
	return m
}()

// priceIncrement returns the price increment of an instrument's listing at
// a price.
func priceIncrement(in *Instrument, price float64) float64 {
	return RuleOf(in).incrementAt(price)
}
