package market

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// Every listing the reference data builds (stocks on every exchange, and
// options of every listed expiry on every exchange) carries a rule the
// table holds, the one its marketRuleIds name for its exchange.
func TestEveryListingHasItsRule(t *testing.T) {
	ref := NewRefData(1)
	n := 0
	for _, u := range ref.unders {
		ins := append([]*Instrument(nil), u.listings...)
		if u.Idx >= 0 {
			cs := ref.ChainOf(u, ordAt)
			for _, exp := range cs.Expirations {
				ks := ref.StrikesFor(u.Symbol, exp, ordAt)
				for _, ex := range OptionExchanges {
					for _, in := range []*Instrument{ref.newOption(u, exp, ks[0], "C", ex), ref.newOption(u, exp, ks[len(ks)-1], "P", ex)} {
						if in == nil {
							t.Fatalf("%s %s: no option", u.Symbol, exp)
						}
						ins = append(ins, in)
					}
				}
			}
		}
		for _, in := range ins {
			n++
			if in.rule == nil {
				t.Fatalf("%s on %s has no rule", in.LocalSymbol, in.Exchange)
			}
			if got := RuleOn(in, in.Exchange); got != in.rule {
				t.Fatalf("%s on %s: rule %d, marketRuleIds name %d", in.LocalSymbol, in.Exchange, in.rule.ID, got.ID)
			}
			for _, id := range strings.Split(in.MarketRules, ",") {
				v, _ := strconv.ParseInt(id, 10, 64)
				if MarketRules[v] == nil {
					t.Fatalf("%s: rule id %q not in the table", in.LocalSymbol, id)
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d listings checked", n)
	}
}

// A price rounded to the rule, as a client rounds it (float arithmetic, or
// a decimal string), is always on the tick; half a tick off never is.
func TestRuleRoundingAlwaysAccepted(t *testing.T) {
	for _, id := range MarketRuleIDs() {
		r := MarketRules[id]
		for p := 0.00005; p < 25; p += 0.000731 {
			inc := r.incrementAt(p)
			for _, q := range []float64{
				math.Round(p/inc) * inc,
				math.Floor(p/inc) * inc,
				math.Ceil(p/inc) * inc,
			} {
				if q <= 0 {
					continue
				}
				s, _ := strconv.ParseFloat(strconv.FormatFloat(q, 'f', 4, 64), 64)
				if !r.OnTick(q) || !r.OnTick(s) {
					t.Fatalf("rule %d: %v rounded to %v (%v) is refused", id, p, q, s)
				}
				if off := q + r.incrementAt(q)/2; r.OnTick(off) {
					t.Fatalf("rule %d: %v (half a tick off %v) is accepted", id, off, q)
				}
			}
		}
	}
}
