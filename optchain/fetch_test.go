package optchain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/shopspring/decimal"
	"go.uber.org/goleak"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func TestMain(m *testing.M) {
	ibapi.SetLogLevel(7)
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// simSession starts a simulator at now (virtual clock) and a session to
// it whose market clock is the simulator's.
func simSession(t testing.TB, now time.Time, cfg ibsim.Config) (*ibsim.Server, *ibkr.Session, *ibsim.VirtualClock) {
	t.Helper()
	clk := ibsim.NewVirtualClock(now)
	cfg.Clock = clk
	if cfg.TickInterval == 0 {
		cfg.TickInterval = time.Hour
	}
	srv, err := ibsim.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	i := strings.LastIndexByte(srv.Addr(), ':')
	port, _ := strconv.Atoi(srv.Addr()[i+1:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := ibkr.Dial(ctx, ibkr.Config{Host: srv.Addr()[:i], Port: port, ClientID: 5, MarketClock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return srv, sess, clk
}

// Against the simulator, a chain of E expiries and S strikes costs exactly
// 1 secdef, 1 + E contract details and 1 + (selected contracts) market
// data requests, with no 200, 101, 100 or 162.
func TestFetchUsesTheFewestRequests(t *testing.T) {
	for _, tc := range []struct {
		rule    ExpiryRule
		strikes int
		rights  Rights
	}{
		{First(3), 10, Both},
		{Weekly(), 5, Calls},
		{DTE(20, 40), 4, Puts},
	} {
		t.Run(tc.rule.String(), func(t *testing.T) {
			srv, sess, clk := simSession(t, at(2026, 3, 12, 10, 0), ibsim.Config{})
			c, err := New(sess, Config{Clock: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ch, err := c.Fetch(ctx, Request{Symbol: "SPY", Expiries: tc.rule, Strikes: tc.strikes, Rights: tc.rights})
			if err != nil {
				t.Fatal(err)
			}
			contracts := 0
			for _, e := range ch.Expiries {
				if len(e.Strikes) != tc.strikes {
					t.Errorf("%s: %d strikes, want %d", e.Code, len(e.Strikes), tc.strikes)
				}
				for _, r := range e.Strikes {
					if (r.Call != nil) != tc.rights.has("C") || (r.Put != nil) != tc.rights.has("P") {
						t.Errorf("%s %s: call %v put %v for rights %s", e.Code, r.Strike, r.Call != nil, r.Put != nil, tc.rights)
					}
					for _, o := range []*Option{r.Call, r.Put} {
						if o == nil {
							continue
						}
						contracts++
						// A far 0DTE option may have no bid; every quote has an ask.
						if o.Err != nil || !o.Quote.Has(ibkr.QuoteAsk) || o.Contract.ConID == 0 || o.Quote.Type != ibkr.MarketDataLive {
							t.Errorf("%s: err %v, quote %+v", o.Contract, o.Err, o.Quote)
						}
						if o.Greeks.Source != GreeksIB || !o.Greeks.Has(ibkr.GreekDelta) {
							t.Errorf("%s: greeks %+v, want IB's", o.Contract, o.Greeks)
						}
					}
				}
			}
			st := srv.Stats()
			e := len(ch.Expiries)
			if got := st.MessagesByType[78]; got != 1 {
				t.Errorf("%d secdef requests, want 1", got)
			}
			if got := st.MessagesByType[9]; got != int64(1+e) {
				t.Errorf("%d contract details requests, want 1 + %d", got, e)
			}
			if got := st.MessagesByType[1]; got != int64(1+contracts) {
				t.Errorf("%d market data requests, want 1 + %d", got, contracts)
			}
			for _, code := range []int{200, 101, 100, 162} {
				if n := st.Errors(code); n != 0 {
					t.Errorf("the simulator sent %d %d times", code, n)
				}
			}
			if ch.TradingClass != "SPY" || ch.Note != "" || ch.Underlying.PriceSource == "" || ch.Underlying.Price.Sign() <= 0 {
				t.Errorf("chain %s/%s note %q price %s (%s)", ch.Exchange, ch.TradingClass, ch.Note, ch.Underlying.Price, ch.Underlying.PriceSource)
			}
		})
	}
}

// fakeGateway serves a fixed chain: strikes listed by secdef that one
// expiry lacks, quotes without IB's greeks, one contract whose snapshot
// fails, and a counter of snapshots by contract.
type fakeGateway struct {
	mu        sync.Mutex
	snapshots map[string]int
	und       ibkr.Quote
	fail      decimal.Decimal // the strike whose snapshots fail
}

func (f *fakeGateway) Qualify(_ context.Context, c ibkr.Contract) (ibkr.ContractDetails, error) {
	if c.Symbol != "XYZ" {
		return ibkr.ContractDetails{}, fmt.Errorf("qualify %s: %w", c.Symbol, ibkr.ErrNoSecurityDefinition)
	}
	return ibkr.ContractDetails{Contract: ibkr.Contract{ConID: 42, Symbol: "XYZ", SecType: "STK", Exchange: "SMART", Currency: "USD"}}, nil
}

func (f *fakeGateway) SecDefOptParams(context.Context, string, string, int64) ([]ibkr.OptionChain, error) {
	return []ibkr.OptionChain{
		{Exchange: "CBOE", TradingClass: "XYZ", Multiplier: "100", Expirations: []string{"20260313"}, Strikes: strikes("95", "100")},
		{Exchange: "SMART", TradingClass: "XYZ", Multiplier: "100", Expirations: []string{"20260313", "20260320"},
			Strikes: strikes("95", "97.5", "100", "102.5", "105")},
	}, nil
}

func (f *fakeGateway) ContractDetails(_ context.Context, c ibkr.Contract) ([]ibkr.ContractDetails, error) {
	ks := []string{"95", "97.5", "100", "102.5", "105"}
	if c.Expiry == "20260313" {
		ks = []string{"95", "100", "105"} // the weekly lacks 97.5 and 102.5
	}
	var out []ibkr.ContractDetails
	for _, k := range ks {
		for _, r := range []string{"C", "P"} {
			out = append(out, ibkr.ContractDetails{Contract: ibkr.Contract{ConID: int64(len(out) + 1000), Symbol: "XYZ", SecType: "OPT",
				Expiry: c.Expiry, Strike: d(k), Right: r, Multiplier: "100", Exchange: "SMART", Currency: "USD",
				LocalSymbol: fmt.Sprintf("XYZ %s%s%s", c.Expiry, r, k)}})
		}
	}
	return out, nil
}

func (f *fakeGateway) Snapshot(_ context.Context, c ibkr.Contract) (ibkr.Quote, error) {
	f.mu.Lock()
	f.snapshots[c.Expiry+"|"+c.Strike.String()+c.Right]++
	f.mu.Unlock()
	if c.SecType == "STK" {
		return f.und, nil
	}
	if c.Strike.Equal(f.fail) {
		return ibkr.Quote{}, fmt.Errorf("snapshot of %s: %w", c, context.DeadlineExceeded)
	}
	// The mid of a 20% vol at the test's instant: computed greeks must
	// come out near it.
	exp, _ := time.ParseInLocation("20060102", c.Expiry, ny)
	years := exp.Add(16*time.Hour).Sub(at(2026, 3, 10, 10, 0)).Hours() / (24 * 365)
	in := BSMInputs{Spot: 100, Strike: c.Strike.InexactFloat64(), Years: years, Rate: 0.04, Vol: 0.2, Call: c.Right == "C"}
	r, _ := BSM(in)
	mid := decimal.NewFromFloat(r.Price).Round(2)
	q := quote(mid.Sub(d("0.01")).String(), mid.Add(d("0.01")).String(), "100")
	q.Type = ibkr.MarketDataDelayed
	return q, nil
}

func TestFetchWithFakeGateway(t *testing.T) {
	now := at(2026, 3, 10, 10, 0)
	und := quote("99.9", "100.1", "")
	f := &fakeGateway{snapshots: map[string]int{}, und: und, fail: d("105")}
	c, err := New(f, Config{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Fetch(context.Background(), Request{Symbol: "xyz", Expiries: First(2), Strikes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Underlying.PriceSource != SourceMid || !ch.Underlying.Price.Equal(d("100")) {
		t.Errorf("underlying %s from %s, want 100 from mid", ch.Underlying.Price, ch.Underlying.PriceSource)
	}
	if ch.Exchange != "SMART" || ch.TradingClass != "XYZ" {
		t.Errorf("chain %s %s", ch.Exchange, ch.TradingClass)
	}
	// The weekly was never asked for the strikes it lacks.
	for _, k := range []string{"97.5", "102.5"} {
		if n := f.snapshots["20260313|"+k+"C"] + f.snapshots["20260313|"+k+"P"]; n != 0 {
			t.Errorf("strike %s of the weekly snapshotted %d times", k, n)
		}
	}
	if len(ch.Expiries) != 2 || len(ch.Expiries[0].Strikes) != 3 || len(ch.Expiries[1].Strikes) != 5 {
		t.Fatalf("expiries %+v", ch.Expiries)
	}
	// Partial results: the failing strike is an error per contract.
	if len(ch.Errors) != 4 {
		t.Errorf("%d errors, want 4 (strike 105, both rights, two expiries): %+v", len(ch.Errors), ch.Errors)
	}
	for _, e := range ch.Expiries {
		for _, r := range e.Strikes {
			for _, o := range []*Option{r.Call, r.Put} {
				if r.Strike.Equal(d("105")) {
					if !errors.Is(o.Err, context.DeadlineExceeded) || o.Greeks.Source != "" {
						t.Errorf("failing contract: %v %+v", o.Err, o.Greeks)
					}
					continue
				}
				mid := o.Quote.Mid()
				if mid.Sign() <= 0 {
					if o.Greeks.Source != GreeksNone {
						t.Errorf("%s: no mid, greeks %+v, want none", o.Contract.LocalSymbol, o.Greeks)
					}
					continue
				}
				// Prices in cents blur the volatility away from the money; at it, the
				// solved volatility is the one that priced the quote.
				if o.Greeks.Source != GreeksComputed || (r.Strike.Equal(d("100")) && (o.Greeks.IV < 0.195 || o.Greeks.IV > 0.205)) {
					t.Errorf("%s (mid %s): greeks %+v, want computed near 20%% vol", o.Contract.LocalSymbol, mid, o.Greeks)
				}
				if o.Contract.Right == "C" && (o.Greeks.Delta <= 0 || o.Greeks.Delta >= 1) || o.Contract.Right == "P" && (o.Greeks.Delta >= 0 || o.Greeks.Delta <= -1) {
					t.Errorf("%s: delta %v", o.Contract.LocalSymbol, o.Greeks.Delta)
				}
			}
		}
	}
}

func TestFetchRefusesWhatItCannotKnow(t *testing.T) {
	now := at(2026, 3, 10, 10, 0)
	f := &fakeGateway{snapshots: map[string]int{}, und: ibkr.Quote{}} // no price at all
	c, _ := New(f, Config{Clock: func() time.Time { return now }})
	if _, err := c.Fetch(context.Background(), Request{Symbol: "XYZ"}); !errors.Is(err, ErrNoUnderlyingPrice) {
		t.Errorf("no underlying price: %v, want ErrNoUnderlyingPrice", err)
	}
	if n := len(f.snapshots); n != 1 {
		t.Errorf("%d snapshots without an underlying price, want only the underlying's", n)
	}
	_, err := c.Fetch(context.Background(), Request{Symbol: "NOPE"})
	if !errors.Is(err, ibkr.ErrNoSecurityDefinition) || !strings.Contains(err.Error(), `no security definition for "NOPE"`) {
		t.Errorf("unknown symbol: %v", err)
	}
	for _, r := range []Request{{Symbol: ""}, {Symbol: "SPY QQQ"}, {Symbol: "XYZ", Strikes: 201}, {Symbol: "XYZ", Strikes: -1},
		{Symbol: "XYZ", Rights: "X"}, {Symbol: "XYZ", Expiries: First(0)}, {Symbol: "XYZ", Expiries: DTE(5, 1)}} {
		if _, err := c.Fetch(context.Background(), r); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
	// An expiry rule that selects nothing is ErrNoChain.
	f.und = quote("99", "101", "")
	if _, err := c.Fetch(context.Background(), Request{Symbol: "XYZ", Expiries: DTE(100, 200)}); !errors.Is(err, ErrNoChain) {
		t.Errorf("no expiry in the window: %v, want ErrNoChain", err)
	}
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New(nil) accepted")
	}
	for _, cfg := range []Config{{RiskFreeRate: 2}, {DividendYield: -0.1}, {SnapshotTimeout: -1}, {MaxParallel: -1}} {
		if _, err := New(f, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
