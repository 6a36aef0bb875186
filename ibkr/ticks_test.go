package ibkr

import (
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	stockRule  = PriceIncrements{{dec("0"), dec("0.0001")}, {dec("1"), dec("0.01")}}
	pennyRule  = PriceIncrements{{dec("0"), dec("0.01")}, {dec("3"), dec("0.05")}}
	nickelRule = PriceIncrements{{dec("0"), dec("0.05")}, {dec("3"), dec("0.10")}}
)

func TestRoundToTick(t *testing.T) {
	for _, tc := range []struct {
		rule  PriceIncrements
		price string
		dir   Rounding
		want  string
	}{
		// On a tick: unchanged in every direction.
		{pennyRule, "2.99", RoundDown, "2.99"},
		{pennyRule, "3.05", RoundUp, "3.05"},
		{pennyRule, "3", RoundNearest, "3"},
		// Inside a band.
		{pennyRule, "2.994", RoundNearest, "2.99"},
		{pennyRule, "2.995", RoundNearest, "3"}, // halves up
		{pennyRule, "2.991", RoundUp, "3"},
		{pennyRule, "3.01", RoundDown, "3"},
		{pennyRule, "3.01", RoundUp, "3.05"},
		{pennyRule, "3.01", RoundNearest, "3"},
		{pennyRule, "3.03", RoundNearest, "3.05"},
		{pennyRule, "3.025", RoundNearest, "3.05"},
		// Across the edge: 2.999 up is 3.00, valid in the upper band.
		{pennyRule, "2.999", RoundUp, "3"},
		{pennyRule, "2.999", RoundNearest, "3"},
		// Sub-penny stocks below $1.
		{stockRule, "0.99995", RoundNearest, "1"},
		{stockRule, "0.12345", RoundDown, "0.1234"},
		{stockRule, "1.005", RoundDown, "1"},
		{stockRule, "1.005", RoundUp, "1.01"},
		{stockRule, "541.057", RoundNearest, "541.06"},
		// Nickels and dimes.
		{nickelRule, "2.97", RoundDown, "2.95"},
		{nickelRule, "2.97", RoundUp, "3"},
		{nickelRule, "3.14", RoundNearest, "3.1"},
		{nickelRule, "3.15", RoundNearest, "3.2"},
		// The smallest and largest prices.
		{pennyRule, "0", RoundUp, "0"},
		{pennyRule, "0.004", RoundDown, "0"},
		{pennyRule, "0.004", RoundUp, "0.01"},
		{pennyRule, "99999.99", RoundNearest, "100000"},
	} {
		got, err := RoundToTick(dec(tc.price), tc.rule, tc.dir)
		if err != nil {
			t.Errorf("%s %s: %v", tc.price, tc.dir, err)
			continue
		}
		if !got.Equal(dec(tc.want)) {
			t.Errorf("RoundToTick(%s, %s) = %s, want %s", tc.price, tc.dir, got, tc.want)
		}
		if !tc.rule.Valid(got) {
			t.Errorf("RoundToTick(%s, %s) = %s, not valid under the rule", tc.price, tc.dir, got)
		}
		switch tc.dir {
		case RoundDown:
			if got.GreaterThan(dec(tc.price)) {
				t.Errorf("down gave %s above %s", got, tc.price)
			}
		case RoundUp:
			if got.LessThan(dec(tc.price)) {
				t.Errorf("up gave %s below %s", got, tc.price)
			}
		}
	}
}

func TestRoundToTickRefusesBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		rule  PriceIncrements
		price string
		dir   Rounding
	}{
		"no bands":       {nil, "1", RoundUp},
		"zero increment": {PriceIncrements{{dec("0"), dec("0")}}, "1", RoundUp},
		"unordered":      {PriceIncrements{{dec("3"), dec("0.05")}, {dec("0"), dec("0.01")}}, "1", RoundUp},
		"negative price": {pennyRule, "-1", RoundUp},
		"bad direction":  {pennyRule, "1", Rounding(9)},
	} {
		_, err := RoundToTick(dec(tc.price), tc.rule, tc.dir)
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v, want a ValidationError", name, err)
		}
	}
}

// Session.PriceIncrements reads the contract's market rule id for its
// exchange and the rule from the Gateway; an order rounded with it is
// accepted, one off it gets 110.
func TestPriceIncrementsFromTheGateway(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 74})
	ctx := testCtx(t, 20*time.Second)
	spy, err := sess.PriceIncrements(ctx, Stock("SPY"))
	if err != nil {
		t.Fatal(err)
	}
	if !spy.At(dec("0.5")).Equal(dec("0.0001")) || !spy.At(dec("500")).Equal(dec("0.01")) {
		t.Errorf("SPY's rule %+v, want 0.0001 below $1 and 0.01 from $1", spy)
	}
	opt := optionOf(t, ctx, sess, "AAPL", "C")
	rule, err := sess.PriceIncrements(ctx, opt.Contract)
	if err != nil {
		t.Fatal(err)
	}
	if !rule.At(dec("2.99")).Equal(dec("0.01")) || !rule.At(dec("3")).Equal(dec("0.05")) {
		t.Errorf("AAPL option's rule %+v, want 0.01 below $3 and 0.05 from $3", rule)
	}
	// Cached: a second call sends no reqMarketRule.
	before := s.Stats().MessagesByType[91]
	if _, err := sess.PriceIncrements(ctx, opt.Contract); err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().MessagesByType[91]; n != before {
		t.Errorf("second lookup sent %d more reqMarketRule", n-before)
	}
	px, err := RoundToTick(dec("3.01"), rule, RoundDown)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sess.PlaceOrder(ctx, opt.Contract, Order{Action: "BUY", Quantity: decimal.NewFromInt(1), Type: "LMT", LimitPrice: px})
	if err != nil {
		t.Fatalf("order at the rounded price %s: %v", px, err)
	}
	if tr.Status().Status == OrderInactive {
		t.Errorf("rounded order inactive: %v", tr.Err())
	}
	if n := s.Stats().Errors(110); n != 0 {
		t.Errorf("110 sent %d times for a rounded price", n)
	}
	// Concurrent lookups of a rule share one request.
	sess2 := fastSession(t, s, Config{ClientID: 75})
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			_, err := sess2.MarketRule(ctx, 32)
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestQuoteSaysWhatIsMissing(t *testing.T) {
	var st quoteState
	st.price(1, -1, time.Now()) // no bid
	st.price(2, 0.05, time.Now())
	st.price(4, 0, time.Now()) // a real last of 0
	q := st.snapshot()
	if q.Has(QuoteBid) || !q.Has(QuoteAsk) || !q.Has(QuoteLast) || q.Has(QuoteClose) {
		t.Errorf("fields %b: want ask and last only", q.Fields)
	}
	if !q.Mid().IsZero() {
		t.Errorf("mid without a bid: %s", q.Mid())
	}
	st.price(1, 0, time.Now()) // a real bid of 0
	q = st.snapshot()
	if !q.Has(QuoteBid) || !q.Mid().Equal(dec("0.025")) {
		t.Errorf("bid 0 and ask 0.05: has bid %v, mid %s", q.Has(QuoteBid), q.Mid())
	}
	st.price(1, -1, time.Now()) // the bid goes away again
	if st.snapshot().Has(QuoteBid) {
		t.Error("a later -1 bid still reported")
	}
	g := Greeks{ImpliedVol: -1, Delta: -2, Gamma: -2, Vega: 0.1, Theta: -2, OptPrice: -1, UndPrice: 100, PVDividend: -1}
	for f, want := range map[GreekField]bool{GreekImpliedVol: false, GreekDelta: false, GreekGamma: false, GreekVega: true,
		GreekTheta: false, GreekOptPrice: false, GreekUndPrice: true, GreekPVDividend: false} {
		if g.Has(f) != want {
			t.Errorf("Greeks.Has(%d) = %v, want %v", f, g.Has(f), want)
		}
	}
}

// A quote received outside the regular session says so, judged on the
// market clock (here the simulator's virtual clock).
func TestQuoteOutsideRegularHours(t *testing.T) {
	evening := time.Date(2026, 3, 10, 18, 30, 0, 0, newYork)
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{{morning, false}, {evening, true}} {
		clk := ibsim.NewVirtualClock(tc.at)
		s := fastSim(t, ibsim.Config{Clock: clk})
		sess := fastSession(t, s, Config{ClientID: 76, MarketClock: clk.Now})
		q, err := sess.Snapshot(testCtx(t, 10*time.Second), Stock("SPY"))
		if err != nil {
			t.Fatal(err)
		}
		if q.OutsideRTH != tc.want {
			t.Errorf("quote at %v: OutsideRTH %v, want %v", tc.at, q.OutsideRTH, tc.want)
		}
		if !q.ReceivedAt.Equal(tc.at) {
			t.Errorf("ReceivedAt %v, want the market clock's %v", q.ReceivedAt, tc.at)
		}
	}
}
