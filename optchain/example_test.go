package optchain_test

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/optchain"
)

// session dials a simulated Gateway whose market stands at 10:00 New York
// on Thursday 2026-03-12. Against a real Gateway, Dial its host and port.
func session() (*ibkr.Session, func() time.Time, func()) {
	ny, _ := time.LoadLocation("America/New_York")
	clk := ibsim.NewVirtualClock(time.Date(2026, 3, 12, 10, 0, 0, 0, ny))
	srv, err := ibsim.Start(ibsim.Config{Clock: clk, TickInterval: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	i := strings.LastIndexByte(srv.Addr(), ':')
	port, _ := strconv.Atoi(srv.Addr()[i+1:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := ibkr.Dial(ctx, ibkr.Config{Host: srv.Addr()[:i], Port: port, ClientID: 9, MarketClock: clk.Now})
	if err != nil {
		log.Fatal(err)
	}
	return sess, clk.Now, func() { sess.Close(); srv.Close() }
}

// Fetch the weekly expiry's calls, five strikes around the price.
func ExampleClient_Fetch() {
	sess, clock, done := session()
	defer done()
	c, err := optchain.New(sess, optchain.Config{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	ch, err := c.Fetch(context.Background(), optchain.Request{Symbol: "SPY", Expiries: optchain.Weekly(), Strikes: 5, Rights: optchain.Calls})
	if err != nil {
		log.Fatal(err)
	}
	e := ch.Expiries[0]
	fmt.Println(ch.Symbol, ch.Underlying.PriceSource, e.Date.Format("2006-01-02"), e.DTE, len(e.Strikes))
	for _, r := range e.Strikes {
		fmt.Println(r.Strike, r.Call.Quote.Has(ibkr.QuoteBid), r.Call.Greeks.Source, r.Put == nil)
	}
	// Output:
	// SPY last 2026-03-13 1 5
	// 538 true ib true
	// 539 true ib true
	// 540 true ib true
	// 541 true ib true
	// 542 true ib true
}

// Select the contract a bot trades: one strike out of the money, liquid
// enough, the tightest spread; every other candidate comes with a reason.
func ExampleChain_Select() {
	sess, clock, done := session()
	defer done()
	c, _ := optchain.New(sess, optchain.Config{Clock: clock})
	ch, err := c.Fetch(context.Background(), optchain.Request{Symbol: "SPY", Expiries: optchain.Weekly(), Strikes: 7})
	if err != nil {
		log.Fatal(err)
	}
	best, rejected, err := ch.Select(optchain.Criteria{Right: "P", Moneyness: optchain.OTM(1), StrikeCount: 3,
		MinVolume: decimal.NewFromInt(50), MaxSpreadPct: 5})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(best.Option.Contract.Strike, best.Option.Contract.Right, best.Distance, len(rejected))
	// The 541 put is one strike from the target but has the tighter spread
	// in percent: spread percent ranks first.
	// Output: 541 P 1 2
}

// Black-Scholes-Merton, and the volatility back from a price.
func ExampleBSM() {
	in := optchain.BSMInputs{Spot: 100, Strike: 100, Years: 1, Rate: 0.05, Vol: 0.20, Call: true}
	r, _ := optchain.BSM(in)
	iv, _ := optchain.ImpliedVol(r.Price, in)
	fmt.Printf("price %.4f delta %.4f vega %.4f theta %.4f iv %.4f\n", r.Price, r.Delta, r.Vega, r.Theta, iv)
	// Output: price 10.4506 delta 0.6368 vega 0.3752 theta -0.0176 iv 0.2000
}
