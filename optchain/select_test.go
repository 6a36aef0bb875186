package optchain

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func strikes(vs ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(vs))
	for i, v := range vs {
		out[i] = d(v)
	}
	return out
}

func TestMoneynessCountsStrikesForTheRight(t *testing.T) {
	ks := strikes("98", "99", "100", "101", "102", "103")
	price := d("100.4")
	for _, tc := range []struct {
		m     Moneyness
		right string
		want  string
	}{
		{ATM(), "C", "100"}, {ATM(), "P", "100"},
		{ITM(1), "C", "100"}, {ITM(2), "C", "99"}, // a call in the money lies below the price
		{OTM(1), "C", "101"}, {OTM(2), "C", "102"},
		{ITM(1), "P", "101"}, {ITM(2), "P", "102"}, // a put in the money lies above it
		{OTM(1), "P", "100"}, {OTM(3), "P", "98"},
	} {
		i, ok := tc.m.TargetStrike(ks, price, tc.right)
		if !ok || !ks[i].Equal(d(tc.want)) {
			t.Errorf("%s %s at %s: strike %v (ok %v), want %s", tc.m, tc.right, price, ks[i], ok, tc.want)
		}
	}
	// On a strike: that strike is neither in nor out of the money.
	i, _ := ITM(1).TargetStrike(ks, d("100"), "C")
	if !ks[i].Equal(d("99")) {
		t.Errorf("itm1 call at exactly 100: %s, want 99", ks[i])
	}
	if _, ok := OTM(5).TargetStrike(ks, price, "C"); ok {
		t.Error("otm5 beyond the fetched strikes reported ok")
	}
	// The old bot took the lowest strike as ATM when the price was 0.
	if _, ok := ATM().TargetStrike(ks, decimal.Zero, "C"); ok {
		t.Error("a zero price gave an ATM strike")
	}
}

func TestParseMoneyness(t *testing.T) {
	for in, want := range map[string]Moneyness{"atm": ATM(), "itm1": ITM(1), "itmp1": ITM(1), "OTMP1": OTM(1), "otm3": OTM(3), "itm20": ITM(20)} {
		if got, err := ParseMoneyness(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "itm0", "itm21", "otm", "near", "itm-1", "itmp"} {
		if _, err := ParseMoneyness(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// quote builds a quote with bid, ask and volume (an empty string: not
// sent).
func quote(bid, ask, vol string) ibkr.Quote {
	var q ibkr.Quote
	if bid != "" {
		q.Bid, q.Fields = d(bid), q.Fields|ibkr.QuoteBid
	}
	if ask != "" {
		q.Ask, q.Fields = d(ask), q.Fields|ibkr.QuoteAsk
	}
	if vol != "" {
		q.Volume, q.Fields = d(vol), q.Fields|ibkr.QuoteVolume
	}
	return q
}

func testChain(price string, rows ...StrikeRow) *Chain {
	return &Chain{Symbol: "SPY", Underlying: Underlying{Price: d(price)},
		Expiries: []Expiry{{Code: "20260313", Strikes: rows}}}
}

func row(strike string, call ibkr.Quote) StrikeRow {
	return StrikeRow{Strike: d(strike), Call: &Option{Contract: ibkr.Contract{Symbol: "SPY", Strike: d(strike), Right: "C", LocalSymbol: "SPY C" + strike}, Quote: call}}
}

func TestSelectRanksAndSaysWhy(t *testing.T) {
	ch := testChain("100.2",
		row("99", quote("2.00", "2.10", "500")),  // 4.9% spread
		row("100", quote("1.50", "1.52", "900")), // 1.3%: best
		row("101", quote("1.00", "1.02", "20")),  // low volume
		row("102", quote("0", "0.05", "800")),    // no bid
		row("103", quote("0.50", "0.40", "800")), // crossed
	)
	best, rejs, err := ch.Select(Criteria{Right: "C", StrikeCount: 5, MinVolume: d("50"), MaxSpreadPct: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !best.Option.Contract.Strike.Equal(d("100")) {
		t.Fatalf("picked %s, want 100", best.Option.Contract.Strike)
	}
	why := map[string]string{}
	for _, r := range rejs {
		why[r.Contract.Strike.String()] = r.Reason
	}
	for k, want := range map[string]string{"99": "spread", "101": "volume", "102": "no bid", "103": "below bid"} {
		if !strings.Contains(why[k], want) {
			t.Errorf("strike %s rejected for %q, want it to mention %q", k, why[k], want)
		}
	}
	// Both spread limits set: within either passes (a $0.10-wide spread
	// on a $2 option is 4.9%, but narrow in cents).
	best, _, err = ch.Select(Criteria{Right: "C", Moneyness: ITM(2), StrikeCount: 1, MaxSpread: d("0.10"), MaxSpreadPct: 2})
	if err != nil || !best.Option.Contract.Strike.Equal(d("99")) {
		t.Errorf("itm2 with a cents limit: %v %v", best.Option, err)
	}
	// Equal spreads: the nearest to the target wins.
	tie := testChain("100", row("99", quote("1.00", "1.02", "")), row("100", quote("1.00", "1.02", "")), row("101", quote("1.00", "1.02", "")))
	best, _, err = tie.Select(Criteria{Right: "C"})
	if err != nil || !best.Option.Contract.Strike.Equal(d("100")) {
		t.Errorf("tie: %v %v, want the target 100", best.Option, err)
	}
}

func TestSelectErrors(t *testing.T) {
	ch := testChain("0", row("100", quote("1", "1.1", "100")))
	if _, _, err := ch.Select(Criteria{Right: "C"}); !errors.Is(err, ErrNoUnderlyingPrice) {
		t.Errorf("zero price: %v, want ErrNoUnderlyingPrice", err)
	}
	ch = testChain("100", row("100", quote("", "1.1", "100")))
	_, rejs, err := ch.Select(Criteria{Right: "C"})
	if !errors.Is(err, ErrNoCandidate) || len(rejs) != 1 {
		t.Errorf("nothing passes: %v %v", err, rejs)
	}
	for _, c := range []Criteria{{Right: "X"}, {Right: "C", StrikeCount: -1}, {Right: "C", MinDelta: 0.6, MaxDelta: 0.4}, {Right: "C", MaxSpreadPct: -1}} {
		if _, _, err := ch.Select(c); err == nil || errors.Is(err, ErrNoCandidate) {
			t.Errorf("%+v: %v, want a validation error", c, err)
		}
	}
	// A delta band with no delta rejects with the reason.
	_, rejs, _ = testChain("100", row("100", quote("1", "1.02", "100"))).Select(Criteria{Right: "C", MinDelta: 0.3, MaxDelta: 0.6})
	if len(rejs) != 1 || !strings.Contains(rejs[0].Reason, "delta") {
		t.Errorf("delta band without greeks: %+v", rejs)
	}
}
