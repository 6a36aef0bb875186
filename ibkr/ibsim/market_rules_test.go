package ibsim

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
	ref := newRefData(1)
	n := 0
	for _, u := range ref.unders {
		ins := append([]*instrument(nil), u.listings...)
		if u.idx >= 0 {
			cs := ref.chainOf(u, ordAt)
			for _, exp := range cs.expirations {
				ks := ref.strikesFor(u.symbol, exp, ordAt)
				for _, ex := range optionExchanges {
					for _, in := range []*instrument{ref.newOption(u, exp, ks[0], "C", ex), ref.newOption(u, exp, ks[len(ks)-1], "P", ex)} {
						if in == nil {
							t.Fatalf("%s %s: no option", u.symbol, exp)
						}
						ins = append(ins, in)
					}
				}
			}
		}
		for _, in := range ins {
			n++
			if in.rule == nil {
				t.Fatalf("%s on %s has no rule", in.localSymbol, in.exchange)
			}
			if got := ruleOn(in, in.exchange); got != in.rule {
				t.Fatalf("%s on %s: rule %d, marketRuleIds name %d", in.localSymbol, in.exchange, in.rule.id, got.id)
			}
			for _, id := range strings.Split(in.marketRules, ",") {
				v, _ := strconv.ParseInt(id, 10, 64)
				if marketRules[v] == nil {
					t.Fatalf("%s: rule id %q not in the table", in.localSymbol, id)
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
	for _, id := range marketRuleIDs() {
		r := marketRules[id]
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
				if !r.onTick(q) || !r.onTick(s) {
					t.Fatalf("rule %d: %v rounded to %v (%v) is refused", id, p, q, s)
				}
				if off := q + r.incrementAt(q)/2; r.onTick(off) {
					t.Fatalf("rule %d: %v (half a tick off %v) is accepted", id, off, q)
				}
			}
		}
	}
}
