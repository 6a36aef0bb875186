package ibsim_test

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/scmhub/ibapi"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// Example runs a TWS API client (scmhub/ibapi) against the simulator on a
// virtual market clock stopped at 10:00 New York time on a trading day: it
// qualifies SPY, takes a market data snapshot, requests daily bars and
// buys 100 shares at the market. docs/simulator.md has the same program as
// a test another module can copy.
func Example() {
	ibapi.SetLogLevel(7) // zerolog.Disabled: ibapi.Wrapper logs every callback it gets

	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	clock := ibsim.NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, ny)) // a Tuesday
	srv, err := ibsim.Start(ibsim.Config{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	g := newGateway()
	client := ibapi.NewEClient(g)
	host, portStr, _ := net.SplitHostPort(srv.Addr())
	port, _ := strconv.Atoi(portStr)
	if err := client.Connect(host, port, 1); err != nil {
		fmt.Println("connect:", err)
		return
	}
	// Never call client.Disconnect: in scmhub/ibapi v0.10.47 it races with
	// the client's own shutdown watcher. Closing the server ends the
	// client; the end of this example waits for that.
	defer func() {
		srv.Close()
		_, _ = await[connectionClosed](g, nil)
	}()

	next, err := await[nextValidID](g, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// One round trip right after connecting: it proves the client's
	// request goroutine has started (scmhub/ibapi v0.10.47 races with
	// itself when its socket closes before that goroutine ran).
	client.ReqCurrentTime()
	now, err := await[currentTime](g, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("next order id:", next)
	fmt.Println("market clock:", time.Unix(int64(now), 0).In(ny).Format("2006-01-02 15:04 MST"))

	// Qualify: SMART and USD name exactly one listing.
	query := ibapi.NewContract()
	query.Symbol, query.SecType, query.Exchange, query.Currency = "SPY", "STK", "SMART", "USD"
	client.ReqContractDetails(1, query)
	cd, err := await(g, func(e contractDetails) bool { return e.reqID == 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := await(g, func(e contractDetailsEnd) bool { return e == 1 }); err != nil {
		fmt.Println(err)
		return
	}
	spy := cd.details.Contract
	fmt.Println("SPY conId:", spy.ConID, "primary exchange:", spy.PrimaryExchange)

	// A snapshot: the ticks, then tickSnapshotEnd.
	client.ReqMktData(2, &spy, "", true, false, nil)
	quote := map[int64]float64{}
	for done := false; !done; {
		e, err := g.next()
		if err != nil {
			fmt.Println(err)
			return
		}
		switch e := e.(type) {
		case tickPrice:
			if e.reqID == 2 {
				quote[e.field] = e.price
			}
		case snapshotEnd:
			done = e == 2
		}
	}
	bid, ask := quote[1], quote[2] // tick types 1 bid, 2 ask
	fmt.Printf("snapshot: bid < ask %v, spread %.2f\n", bid > 0 && bid < ask, ask-bid)

	// Daily bars of the last five sessions; today's is the session so far.
	client.ReqHistoricalData(3, &spy, "", "5 D", "1 day", "TRADES", true, 1, false, nil)
	var dates []string
	for done := false; !done; {
		e, err := g.next()
		if err != nil {
			fmt.Println(err)
			return
		}
		switch e := e.(type) {
		case bar:
			if e.reqID == 3 {
				dates = append(dates, e.bar.Date)
			}
		case barsEnd:
			done = e == 3
		}
	}
	fmt.Println("daily bars:", len(dates), "from", dates[0], "to", dates[len(dates)-1])

	// A market order fills at once against the ask of the same instant.
	order := ibapi.NewOrder()
	order.Action, order.OrderType, order.TIF = "BUY", "MKT", "DAY"
	order.TotalQuantity = ibapi.StringToDecimal("100")
	client.PlaceOrder(int64(next), &spy, order)
	var fill *ibapi.Execution
	var filled *orderStatus
	var comm *commission
	for filled == nil || comm == nil {
		e, err := g.next()
		if err != nil {
			fmt.Println(err)
			return
		}
		switch e := e.(type) {
		case execution:
			fill = e.exec
		case orderStatus:
			if e.orderID == int64(next) && e.status == "Filled" {
				filled = &e
			}
		case commission:
			comm = &e
		}
	}
	fmt.Printf("order %d: %s %v shares at the ask %v, commission %.2f %s\n",
		filled.orderID, filled.status, filled.filled, fill.Price == ask, comm.CommissionAndFees, comm.Currency)

	st := srv.Stats()
	fmt.Println("orders accepted:", st.OrdersAccepted, "fills:", st.OrderFills, "market data lines in use:", st.MarketDataLines)

	// Output:
	// next order id: 1
	// market clock: 2026-03-10 10:00 EDT
	// SPY conId: 756733 primary exchange: ARCA
	// snapshot: bid < ask true, spread 0.01
	// daily bars: 5 from 20260304 to 20260310
	// order 1: Filled 100 shares at the ask true, commission 1.00 USD
	// orders accepted: 1 fills: 1 market data lines in use: 0
}

// gateway is the example's ibapi.EWrapper: it passes the callbacks the
// example reads, in arrival order, to one buffered channel. Callbacks it
// does not override go to the embedded ibapi.Wrapper, which only logs.
type gateway struct {
	ibapi.Wrapper
	events chan any
}

func newGateway() *gateway { return &gateway{events: make(chan any, 4096)} }

// The events.
type (
	apiError struct {
		reqID, code int64
		msg         string
	}
	nextValidID     int64
	currentTime     int64
	contractDetails struct {
		reqID   int64
		details *ibapi.ContractDetails
	}
	contractDetailsEnd int64
	tickPrice          struct {
		reqID, field int64
		price        float64
	}
	snapshotEnd int64
	bar         struct {
		reqID int64
		bar   *ibapi.Bar
	}
	barsEnd     int64
	orderStatus struct {
		orderID int64
		status  string
		filled  float64
	}
	execution        struct{ exec *ibapi.Execution }
	commission       ibapi.CommissionAndFeesReport
	connectionClosed struct{}
)

func (e apiError) Error() string {
	return fmt.Sprintf("error %d on request %d: %s", e.code, e.reqID, e.msg)
}

func (g *gateway) Error(reqID, _, code int64, msg, _ string) {
	g.events <- apiError{reqID, code, msg}
}
func (g *gateway) NextValidID(id int64)     { g.events <- nextValidID(id) }
func (g *gateway) CurrentTime(t int64)      { g.events <- currentTime(t) }
func (g *gateway) ConnectionClosed()        { g.events <- connectionClosed{} }
func (g *gateway) TickSnapshotEnd(id int64) { g.events <- snapshotEnd(id) }
func (g *gateway) ContractDetails(id int64, d *ibapi.ContractDetails) {
	g.events <- contractDetails{id, d}
}
func (g *gateway) ContractDetailsEnd(id int64) { g.events <- contractDetailsEnd(id) }
func (g *gateway) TickPrice(id int64, field ibapi.TickType, price float64, _ ibapi.TickAttrib) {
	g.events <- tickPrice{id, field, price}
}
func (g *gateway) HistoricalData(id int64, b *ibapi.Bar)   { g.events <- bar{id, b} }
func (g *gateway) HistoricalDataEnd(id int64, _, _ string) { g.events <- barsEnd(id) }
func (g *gateway) ExecDetails(_ int64, _ *ibapi.Contract, x *ibapi.Execution) {
	g.events <- execution{x}
}
func (g *gateway) CommissionAndFeesReport(r ibapi.CommissionAndFeesReport) {
	g.events <- commission(r)
}
func (g *gateway) OrderStatus(id int64, status string, filled, _ ibapi.Decimal, _ float64, _, _ int64, _ float64, _ int64, _ string, _ float64) {
	g.events <- orderStatus{id, status, filled.Float()}
}

// next returns the next event. An error message fails it, except the
// Gateway's informational 2100-2199 notices (the data farm messages every
// connection gets); so does a wait of more than ten seconds.
func (g *gateway) next() (any, error) {
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case e := <-g.events:
			if err, ok := e.(apiError); ok {
				if err.code >= 2100 && err.code < 2200 {
					continue
				}
				return nil, err
			}
			return e, nil
		case <-timeout.C:
			return nil, errors.New("timed out waiting for the simulator")
		}
	}
}

// await skips events until one of type T that match accepts (nil: any).
func await[T any](g *gateway, match func(T) bool) (T, error) {
	for {
		e, err := g.next()
		if err != nil {
			var zero T
			return zero, err
		}
		if v, ok := e.(T); ok && (match == nil || match(v)) {
			return v, nil
		}
	}
}
