package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/optchain"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func dp(s string) *decimal.Decimal { v := d(s); return &v }

func fp(f float64) *float64 { return &f }

// Market rules of US options: 0.05 below $3 and 0.10 from $3; in the
// penny program 0.01 below $3 and 0.05 from $3; a flat penny.
var (
	nickelDime = ibkr.PriceIncrements{{LowEdge: d("0"), Increment: d("0.05")}, {LowEdge: d("3"), Increment: d("0.10")}}
	pennyRule  = ibkr.PriceIncrements{{LowEdge: d("0"), Increment: d("0.01")}, {LowEdge: d("3"), Increment: d("0.05")}}
	flatPenny  = ibkr.PriceIncrements{{LowEdge: d("0"), Increment: d("0.01")}}
)

func TestRoundToTick(t *testing.T) {
	for _, tc := range []struct {
		price string
		rule  ibkr.PriceIncrements
		dir   ibkr.Rounding
		want  string
	}{
		{"2.97", nickelDime, ibkr.RoundDown, "2.95"},
		{"2.97", nickelDime, ibkr.RoundUp, "3"},
		{"2.97", nickelDime, ibkr.RoundNearest, "2.95"},
		{"3.04", nickelDime, ibkr.RoundDown, "3"},
		{"3.04", nickelDime, ibkr.RoundUp, "3.1"},
		{"1.95", nickelDime, ibkr.RoundDown, "1.95"},
		{"0.04", nickelDime, ibkr.RoundDown, "0"},
		{"0.04", nickelDime, ibkr.RoundUp, "0.05"},
		{"2.999", pennyRule, ibkr.RoundUp, "3"},
		{"2.999", pennyRule, ibkr.RoundDown, "2.99"},
		{"3.01", pennyRule, ibkr.RoundUp, "3.05"},
		{"3.01", pennyRule, ibkr.RoundDown, "3"},
		{"1.234", flatPenny, ibkr.RoundDown, "1.23"},
		{"1.231", flatPenny, ibkr.RoundUp, "1.24"},
	} {
		got, err := ibkr.RoundToTick(d(tc.price), tc.rule, tc.dir)
		if err != nil || !got.Equal(d(tc.want)) {
			t.Errorf("RoundToTick(%s, %v, %s) = %s, %v; want %s", tc.price, tc.rule, tc.dir, got, err, tc.want)
		}
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		equity, premium, mult string
		risk, sl              float64
		want                  int64
		reason                string
	}{
		// byRisk = 100 / (2.50 x 100 x 0.2 = 50) = 2; byCash = 9500 / 250 = 38.
		{"risk bound", "10000", "2.50", "100", 0.01, 0.2, 2, ""},
		// 2.5 by risk floors to 2.
		{"floor", "10000", "2.00", "100", 0.01, 0.2, 2, ""},
		// byRisk = 25000 / (100 x 0.01) = 25000; byCash = 95000 / 100 = 950.
		{"cash bound", "100000", "1", "100", 0.25, 0.01, 950, ""},
		{"exactly one", "10000", "5", "100", 0.01, 0.2, 1, ""},
		// 100 / 101: not one contract. The old bot forced 1 here.
		{"size 0 is a skip, not 1", "10000", "5.05", "100", 0.01, 0.2, 0, "size 0"},
		// byRisk 25, byCash 950 / 1000 = 0.
		{"cash allows none", "1000", "10", "100", 0.25, 0.01, 0, "size 0"},
		// Mini options: 100 / (2.5 x 10 x 0.2 = 5) = 20.
		{"multiplier 10", "10000", "2.5", "10", 0.01, 0.2, 20, ""},
		{"multiplier 0 means 100", "10000", "2.50", "0", 0.01, 0.2, 2, ""},
		{"premium 0", "10000", "0", "100", 0.01, 0.2, 0, "premium 0 is not positive"},
		{"premium negative", "10000", "-1", "100", 0.01, 0.2, 0, "not positive"},
		{"equity 0", "0", "1", "100", 0.01, 0.2, 0, "equity 0 is not positive"},
		{"no stop distance", "10000", "1", "100", 0.01, 0, 0, "stop loss 0"},
		{"no risk", "10000", "1", "100", 0, 0.2, 0, "risk per trade 0"},
		{"capped", "1000000000000", "0.01", "100", 0.25, 0.01, 100000, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, why := Size(d(tc.equity), d(tc.premium), d(tc.mult), tc.risk, tc.sl)
			if n != tc.want || !strings.Contains(why, tc.reason) || (n > 0) != (why == "") {
				t.Errorf("Size = %d %q, want %d %q", n, why, tc.want, tc.reason)
			}
		})
	}
}

// spyCall is an option contract; spyStock its underlying.
var (
	spyCall  = ibkr.Contract{ConID: 700001, Symbol: "SPY", SecType: "OPT", Expiry: "20250606", Strike: d("500"), Right: "C", Multiplier: "100", LocalSymbol: "SPY   250606C00500000"}
	spyPut   = ibkr.Contract{ConID: 700002, Symbol: "SPY", SecType: "OPT", Expiry: "20250606", Strike: d("500"), Right: "P", Multiplier: "100", LocalSymbol: "SPY   250606P00500000"}
	spyStock = ibkr.Contract{ConID: 756733, Symbol: "SPY", SecType: "STK", Exchange: "SMART", Currency: "USD"}
)

// quote is a bid/ask quote of c ("" leaves a side out).
func quote(c ibkr.Contract, bid, ask string) ibkr.Quote {
	q := ibkr.Quote{Contract: c}
	if bid != "" {
		q.Bid, q.Fields = d(bid), q.Fields|ibkr.QuoteBid
	}
	if ask != "" {
		q.Ask, q.Fields = d(ask), q.Fields|ibkr.QuoteAsk
	}
	return q
}

func risk(tp *float64, sl float64) RiskConfig {
	return RiskConfig{MaxRiskPctPerTrade: 0.01, StopLossPct: sl, TakeProfitPct: tp}
}

func TestBuildTicket(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     TicketInputs
		want   Ticket // Entry, StopLoss, TakeProfit, Quantity, Premium, PremiumSource, Cost
		reason string // a skip
	}{
		{
			// Entry at the ask; stop 2.00 x 0.8; take-profit 2.00 x 1.5;
			// size 100 / (200 x 0.2) = 2.
			name: "at the ask",
			in:   TicketInputs{Option: spyCall, Quote: quote(spyCall, "1.90", "2.00"), Rule: nickelDime, Equity: d("10000"), Risk: risk(fp(0.5), 0.2)},
			want: Ticket{Entry: d("2"), StopLoss: d("1.6"), TakeProfit: dp("3"), Quantity: 2, Premium: d("2"), PremiumSource: "ask", Cost: d("400")},
		},
		{
			// Mid 1.95; stop 1.56 rounds up to 1.60 (never a loss above
			// 20%); take-profit 2.925 rounds up to 2.95.
			name: "at the mid",
			in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "1.90", "2.00"), Rule: nickelDime, Equity: d("10000"),
				Risk: risk(fp(0.5), 0.2), EntryPrice: "mid"},
			want: Ticket{Entry: d("1.95"), StopLoss: d("1.6"), TakeProfit: dp("2.95"), Quantity: 2, Premium: d("1.95"), PremiumSource: "mid", Cost: d("390")},
		},
		{
			// Over $3 the tick is 0.10: stop 3.44 -> 3.50, take-profit
			// 6.45 -> 6.50; size 100 / 86 = 1.
			name: "dime band",
			in:   TicketInputs{Option: spyPut, Quote: quote(spyPut, "4.20", "4.30"), Rule: nickelDime, Equity: d("10000"), Risk: risk(fp(0.5), 0.2)},
			want: Ticket{Entry: d("4.3"), StopLoss: d("3.5"), TakeProfit: dp("6.5"), Quantity: 1, Premium: d("4.3"), PremiumSource: "ask", Cost: d("430")},
		},
		{
			// Stop 3.70 x 0.8 = 2.96, rounded up across the $3 edge: 3.00.
			name: "stop across the band edge",
			in:   TicketInputs{Option: spyCall, Quote: quote(spyCall, "3.60", "3.70"), Rule: nickelDime, Equity: d("100000"), Risk: risk(nil, 0.2)},
			want: Ticket{Entry: d("3.7"), StopLoss: d("3"), Quantity: 13, Premium: d("3.7"), PremiumSource: "ask", Cost: d("4810")},
		},
		{
			// Penny program: stop 0.984 -> 0.99; no take-profit leg.
			name: "penny, no take-profit",
			in:   TicketInputs{Option: spyCall, Quote: quote(spyCall, "1.22", "1.23"), Rule: pennyRule, Equity: d("10000"), Risk: risk(nil, 0.2)},
			want: Ticket{Entry: d("1.23"), StopLoss: d("0.99"), Quantity: 4, Premium: d("1.23"), PremiumSource: "ask", Cost: d("492")},
		},
		{
			// An ask off the tick: the limit rounds down, never paying
			// more than the ask.
			name: "off-tick ask",
			in:   TicketInputs{Option: spyCall, Quote: quote(spyCall, "1.90", "2.03"), Rule: nickelDime, Equity: d("10000"), Risk: risk(fp(0.5), 0.2)},
			want: Ticket{Entry: d("2"), StopLoss: d("1.6"), TakeProfit: dp("3"), Quantity: 2, Premium: d("2.03"), PremiumSource: "ask", Cost: d("400")},
		},
		{
			// 0.10 x 0.8 = 0.08 rounds up to the entry itself: the stop is
			// the tick below, 0.05, and the size is on that 50% stop:
			// 100 / (10 x 0.5) = 20 (not 100 / (10 x 0.2) = 50).
			name: "cheap option: stop a tick below, sized on it",
			in:   TicketInputs{Option: spyCall, Quote: quote(spyCall, "0.05", "0.10"), Rule: nickelDime, Equity: d("10000"), Risk: risk(fp(1), 0.2)},
			want: Ticket{Entry: d("0.1"), StopLoss: d("0.05"), TakeProfit: dp("0.2"), Quantity: 20, Premium: d("0.1"), PremiumSource: "ask", Cost: d("200")},
		},
		{
			// Take-profit 1.00 x 1.01 = 1.01 rounds up to 1.05.
			name: "tiny take-profit rounds up a tick",
			in:   TicketInputs{Option: spyCall, Quote: quote(spyCall, "0.95", "1.00"), Rule: nickelDime, Equity: d("10000"), Risk: risk(fp(0.01), 0.2)},
			want: Ticket{Entry: d("1"), StopLoss: d("0.8"), TakeProfit: dp("1.05"), Quantity: 5, Premium: d("1"), PremiumSource: "ask", Cost: d("500")},
		},
		{
			name: "mini multiplier",
			in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "2.45", "2.50"), Rule: nickelDime, Multiplier: d("10"), Equity: d("10000"),
				Risk: risk(nil, 0.2)},
			want: Ticket{Entry: d("2.5"), StopLoss: d("2"), Quantity: 20, Premium: d("2.5"), PremiumSource: "ask", Cost: d("500")},
		},
		// Skips: never a 0 price, never a forced size.
		{name: "ask 0", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "0", "0"), Rule: nickelDime, Equity: d("10000"), Risk: risk(nil, 0.2)},
			reason: "no ask price"},
		{name: "no ask", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "1.90", ""), Rule: nickelDime, Equity: d("10000"), Risk: risk(nil, 0.2)},
			reason: "no ask price"},
		{name: "no quote at all", in: TicketInputs{Option: spyCall, Rule: nickelDime, Equity: d("10000"), Risk: risk(nil, 0.2)},
			reason: "no ask price"},
		{name: "mid without a bid", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "", "2.00"), Rule: nickelDime, Equity: d("10000"),
			Risk: risk(nil, 0.2), EntryPrice: "mid"}, reason: "no mid price"},
		{name: "mid of a crossed market", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "2.10", "2.00"), Rule: nickelDime,
			Equity: d("10000"), Risk: risk(nil, 0.2), EntryPrice: "mid"}, reason: "no mid price"},
		{name: "ask under a tick", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "0.01", "0.03"), Rule: nickelDime, Equity: d("10000"),
			Risk: risk(nil, 0.2)}, reason: "rounds to 0"},
		{name: "no tick below the entry", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "0", "0.05"), Rule: nickelDime,
			Equity: d("10000"), Risk: risk(nil, 0.2)}, reason: "no tick below"},
		// 10 / (600 x 0.2 = 120): 0 contracts, a skip (the old bot sent 1).
		{name: "size 0", in: TicketInputs{Option: spyCall, Quote: quote(spyCall, "5.90", "6.00"), Rule: nickelDime, Equity: d("1000"),
			Risk: risk(nil, 0.2)}, reason: "size 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Symbol, tc.in.OrderRef = "SPY", "ibbot:test:SPY"
			got, why, err := BuildTicket(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reason != "" {
				if why == "" || !strings.Contains(why, tc.reason) || got.Quantity != 0 {
					t.Fatalf("ticket %v, skip %q; want a skip with %q", got, why, tc.reason)
				}
				return
			}
			if why != "" {
				t.Fatalf("skipped: %s", why)
			}
			w := tc.want
			if !got.Entry.Equal(w.Entry) || !got.StopLoss.Equal(w.StopLoss) || got.Quantity != w.Quantity || !got.Premium.Equal(w.Premium) ||
				got.PremiumSource != w.PremiumSource || !got.Cost.Equal(w.Cost) {
				t.Errorf("ticket %v\nwant entry %s stop %s qty %d premium %s (%s) cost %s", got, w.Entry, w.StopLoss, w.Quantity, w.Premium,
					w.PremiumSource, w.Cost)
			}
			if (got.TakeProfit == nil) != (w.TakeProfit == nil) || got.TakeProfit != nil && !got.TakeProfit.Equal(*w.TakeProfit) {
				t.Errorf("take-profit %v, want %v", got.TakeProfit, w.TakeProfit)
			}
			if got.Symbol != "SPY" || got.ConID != tc.in.Option.ConID || got.LocalSymbol != tc.in.Option.LocalSymbol ||
				got.Right != tc.in.Option.Right || got.OrderRef != "ibbot:test:SPY" || got.Contract != tc.in.Option {
				t.Errorf("identity: %+v", got)
			}
			// Every price is on the tick and in order.
			prices := []decimal.Decimal{got.Entry, got.StopLoss}
			if got.TakeProfit != nil {
				prices = append(prices, *got.TakeProfit)
				if !got.TakeProfit.GreaterThan(got.Entry) {
					t.Errorf("take-profit %s not above the entry %s", got.TakeProfit, got.Entry)
				}
			}
			for _, p := range prices {
				if p.Sign() <= 0 || !tc.in.Rule.Valid(p) {
					t.Errorf("price %s is not a valid tick of %v", p, tc.in.Rule)
				}
			}
			if !got.StopLoss.LessThan(got.Entry) {
				t.Errorf("stop %s not below the entry %s", got.StopLoss, got.Entry)
			}
			// The risk limit holds on the real stop: qty x (entry - stop) x
			// multiplier <= equity x risk.
			mult := tc.in.Multiplier
			if mult.Sign() <= 0 {
				mult = d("100")
			}
			loss := got.Entry.Sub(got.StopLoss).Mul(mult).Mul(decimal.NewFromInt(got.Quantity))
			if limit := tc.in.Equity.Mul(decimal.NewFromFloat(tc.in.Risk.MaxRiskPctPerTrade)); loss.GreaterThan(limit) {
				t.Errorf("a stop-out loses %s, over the risk limit %s", loss, limit)
			}
		})
	}
}

// TestTicketPricedOffTheOption: the children are priced off the option's
// premium. The old bot priced them off the underlying's price: a quote of
// the underlying is refused, and the underlying's price cannot leak into
// a ticket.
func TestTicketPricedOffTheOption(t *testing.T) {
	in := TicketInputs{Symbol: "SPY", Option: spyCall, Quote: quote(spyStock, "499.90", "500.00"), Rule: nickelDime, Equity: d("1000000"),
		Risk: risk(fp(0.5), 0.2)}
	if tk, why, err := BuildTicket(in); err == nil || !strings.Contains(err.Error(), "not of the option") {
		t.Fatalf("a quote of the underlying: %v %q %v; want an error", tk, why, err)
	}
	// Another option's quote is refused too.
	in.Quote = quote(spyPut, "1.90", "2.00")
	if _, _, err := BuildTicket(in); err == nil {
		t.Fatal("a quote of another option: no error")
	}
	// The option's own quote: every leg is a fraction of the premium 2.00,
	// nowhere near the underlying's 500.
	in.Quote = quote(spyCall, "1.90", "2.00")
	tk, why, err := BuildTicket(in)
	if err != nil || why != "" {
		t.Fatal(err, why)
	}
	if !tk.StopLoss.Equal(d("1.6")) || !tk.TakeProfit.Equal(d("3")) || !tk.Entry.Equal(d("2")) {
		t.Errorf("legs %s / %s / %s, want 2 / 3 / 1.6", tk.Entry, tk.TakeProfit, tk.StopLoss)
	}
	// A quote without a contract (as a caller might build) is taken as
	// the option's.
	in.Quote.Contract = ibkr.Contract{}
	if _, why, err := BuildTicket(in); err != nil || why != "" {
		t.Errorf("quote without contract: %q %v", why, err)
	}
	// A stop outside (0, 1) is a caller's error, not a silent 0 price.
	for _, sl := range []float64{0, 1, -0.1} {
		in.Risk.StopLossPct = sl
		if _, _, err := BuildTicket(in); err == nil {
			t.Errorf("stop loss %v: no error", sl)
		}
	}
	// A bad rule is an error.
	in.Risk.StopLossPct, in.Rule = 0.2, nil
	if _, _, err := BuildTicket(in); err == nil {
		t.Error("no market rule: no error")
	}
}

func TestTicketOrders(t *testing.T) {
	for _, tc := range []struct {
		name string
		tp   *float64
	}{{"with take-profit", fp(0.5)}, {"without take-profit", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			tk, why, err := BuildTicket(TicketInputs{Symbol: "SPY", Option: spyCall, Quote: quote(spyCall, "1.90", "2.00"), Rule: nickelDime,
				Equity: d("10000"), Risk: risk(tc.tp, 0.2), OrderRef: "ibbot:r1:SPY"})
			if err != nil || why != "" {
				t.Fatal(err, why)
			}
			parent, tp, sl := tk.Orders()
			q := d("2")
			if parent.Action != "BUY" || parent.Type != "LMT" || !parent.LimitPrice.Equal(d("2")) || !parent.Quantity.Equal(q) ||
				parent.OrderRef != "ibbot:r1:SPY" || parent.StopPrice.Sign() != 0 {
				t.Errorf("parent %+v: want BUY 2 LMT 2.00", parent)
			}
			// The stop is a stop order, not a limit (the old bot's limit
			// would not sell into a falling market).
			if sl.Action != "SELL" || sl.Type != "STP" || !sl.StopPrice.Equal(d("1.6")) || sl.LimitPrice.Sign() != 0 || !sl.Quantity.Equal(q) ||
				sl.OrderRef != "ibbot:r1:SPY" || sl.TIF != "GTC" {
				t.Errorf("stop-loss %+v: want SELL 2 STP 1.60 GTC", sl)
			}
			if tc.tp == nil {
				if tp != (ibkr.Order{}) {
					t.Errorf("take-profit %+v, want none (the zero Order)", tp)
				}
			} else if tp.Action != "SELL" || tp.Type != "LMT" || !tp.LimitPrice.Equal(d("3")) || !tp.Quantity.Equal(q) || tp.TIF != "GTC" {
				t.Errorf("take-profit %+v: want SELL 2 LMT 3.00 GTC", tp)
			}
			// One OCA group for the children: Session.PlaceBracket names
			// it from the parent's id (and sets ParentID and transmit);
			// the ticket must not give the children different groups or a
			// parent of their own.
			if sl.OCAGroup != tp.OCAGroup && tc.tp != nil || parent.OCAGroup != "" || sl.ParentID != 0 || tp.ParentID != 0 {
				t.Errorf("OCA/parent: parent %q, take-profit %q/%d, stop %q/%d", parent.OCAGroup, tp.OCAGroup, tp.ParentID, sl.OCAGroup, sl.ParentID)
			}
			if s := tk.String(); !strings.Contains(s, "BUY 2") || !strings.Contains(s, "stop 1.6") {
				t.Errorf("String %q", s)
			}
		})
	}
}

// TestMoneynessPerRight: itm/otm count strikes for the chosen right (the
// old bot had them backwards for calls), and a 0 underlying price selects
// nothing (the old bot took the lowest strike as "ATM").
func TestMoneynessPerRight(t *testing.T) {
	strikes := []decimal.Decimal{d("95"), d("100"), d("105"), d("110")}
	price := d("102")
	for _, tc := range []struct {
		m     string
		right string
		want  string
	}{
		{"atm", "C", "100"}, {"atm", "P", "100"},
		{"itm1", "C", "100"}, {"itmp1", "C", "100"}, {"itm2", "C", "95"},
		{"itm1", "P", "105"}, {"itmp1", "P", "105"}, {"itm2", "P", "110"},
		{"otm1", "C", "105"}, {"otmp1", "C", "105"}, {"otm2", "C", "110"},
		{"otm1", "P", "100"}, {"otmp1", "P", "100"}, {"otm2", "P", "95"},
	} {
		c := Defaults()
		if err := c.Set("options.moneyness", tc.m); err != nil {
			t.Fatal(err)
		}
		i, ok := c.Options.Moneyness.TargetStrike(strikes, price, tc.right)
		if !ok || !strikes[i].Equal(d(tc.want)) {
			t.Errorf("%s %s at %s: strike %v (ok %v), want %s", tc.m, tc.right, price, strikes[i], ok, tc.want)
		}
		// In the money means what it says for the right.
		itm := tc.right == "C" && strikes[i].LessThan(price) || tc.right == "P" && strikes[i].GreaterThan(price)
		if c.Options.Moneyness.Steps > 0 && !itm || c.Options.Moneyness.Steps < 0 && itm {
			t.Errorf("%s %s: strike %s is on the wrong side of %s", tc.m, tc.right, strikes[i], price)
		}
	}
	for _, p := range []string{"0", "-1"} {
		if i, ok := optchain.ATM().TargetStrike(strikes, d(p), "C"); ok {
			t.Errorf("price %s: strike %s as ATM", p, strikes[i])
		}
	}
	// Select refuses a chain without an underlying price.
	opt := &optchain.Option{Contract: spyCall, Quote: quote(spyCall, "1.90", "2.00")}
	ch := &optchain.Chain{Symbol: "SPY", Expiries: []optchain.Expiry{{Code: "20250606", Strikes: []optchain.StrikeRow{{Strike: d("95"), Call: opt}}}}}
	if _, _, err := ch.Select(optchain.Criteria{Right: "C"}); !errors.Is(err, optchain.ErrNoUnderlyingPrice) {
		t.Errorf("price 0: %v, want ErrNoUnderlyingPrice", err)
	}
	// With a price, a call one strike in the money is the strike below.
	row := func(k string) optchain.StrikeRow {
		c := spyCall
		c.Strike, c.LocalSymbol = d(k), "C"+k
		p := spyPut
		p.Strike, p.LocalSymbol = d(k), "P"+k
		return optchain.StrikeRow{Strike: d(k), Call: &optchain.Option{Contract: c, Quote: quote(c, "1.00", "1.02")},
			Put: &optchain.Option{Contract: p, Quote: quote(p, "1.00", "1.02")}}
	}
	ch = &optchain.Chain{Symbol: "SPY", Underlying: optchain.Underlying{Price: price},
		Expiries: []optchain.Expiry{{Code: "20250606", Strikes: []optchain.StrikeRow{row("95"), row("100"), row("105"), row("110")}}}}
	for _, tc := range []struct {
		right, want string
	}{{"C", "C100"}, {"P", "P105"}} {
		best, _, err := ch.Select(optchain.Criteria{Right: tc.right, Moneyness: optchain.ITM(1), StrikeCount: 1})
		if err != nil || best.Option.Contract.LocalSymbol != tc.want {
			t.Errorf("ITM1 %s: %v %v, want %s", tc.right, best.Option, err, tc.want)
		}
	}
}
