package engine

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// The engine's tests run it without a server and without a socket: the
// requests are OrderRequest values, the events land in a recording sink,
// and the market clock moves only when a test moves it.

// testAt is 10:00 New York on a Tuesday, a regular trading day.
var testAt = time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)

// testClock is a market clock that moves when told to.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time { return c.t }

// sent is one event as the sink received it.
type sent struct {
	to Dest
	ev Event
}

// recordingSink keeps every event. Connections in gone cannot receive
// events any more.
type recordingSink struct {
	evs  []sent
	gone map[int64]bool
}

func (s *recordingSink) Send(to Dest, ev Event) { s.evs = append(s.evs, sent{to, ev}) }
func (s *recordingSink) Live(conn int64) bool   { return !s.gone[conn] }

// harness is one engine on a fresh market.
type harness struct {
	t      *testing.T
	e      *Engine
	clk    *testClock
	sink   *recordingSink
	ref    *market.RefData
	prices *market.PriceModel
	reject []ErrMsg // injected rejections, taken in order
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		t:      t,
		clk:    &testClock{t: testAt},
		sink:   &recordingSink{gone: map[int64]bool{}},
		ref:    market.NewRefData(1),
		prices: market.NewPriceModel(1),
	}
	h.e = New(Config{
		Account:           "DU1234567",
		Seed:              1,
		Clock:             h.clk,
		Ref:               h.ref,
		Prices:            h.prices,
		Sink:              h.sink,
		MaxAccountSummary: 2,
		TakeReject: func() (int, string, bool) {
			if len(h.reject) == 0 {
				return 0, "", false
			}
			r := h.reject[0]
			h.reject = h.reject[1:]
			return r.Code, r.Text, true
		},
	})
	return h
}

// Two connections: client 1 on connection 11, client 2 on connection 12.
var (
	client1 = Origin{Conn: 11, ClientID: 1}
	client2 = Origin{Conn: 12, ClientID: 2}
)

// stock is a SMART-routed US stock.
func stock(symbol string) market.ContractQuery {
	return market.ContractQuery{Symbol: symbol, SecType: "STK", Exchange: "SMART", Currency: "USD"}
}

// order is a DAY order for a stock, transmitted.
func order(id int64, symbol, action, typ string, qty, lmt, aux float64) OrderRequest {
	r := NewOrderRequest()
	r.OrderID = id
	r.Contract = stock(symbol)
	r.Action = action
	r.OrderType = typ
	r.TotalQty = qty
	if lmt != 0 {
		r.LmtPrice = lmt
	}
	if aux != 0 {
		r.AuxPrice = aux
	}
	r.TIF = "DAY"
	return r
}

// cents rounds a price to the cent (the US stock tick above $1).
func cents(p float64) float64 { return math.Round(p*100) / 100 }

// inst returns the SMART listing of a stock.
func (h *harness) inst(symbol string) *market.Instrument {
	h.t.Helper()
	in, why := h.ref.ResolveOne(stock(symbol), h.clk.t)
	if in == nil {
		h.t.Fatalf("%s: %s", symbol, why)
	}
	return in
}

// quote is a stock's quote at the market clock.
func (h *harness) quote(symbol string) market.Quote { return h.prices.Quote(h.inst(symbol), h.clk.t) }

// advance moves the market clock and runs one market step.
func (h *harness) advance(d time.Duration) {
	h.clk.t = h.clk.t.Add(d)
	h.e.Step()
}

// orderOf returns the order id an event is about, and whether it is about
// one.
func (h *harness) orderOf(i int) (int64, bool) {
	switch ev := h.sink.evs[i].ev.(type) {
	case OpenOrder:
		return ev.View.OrderID, true
	case OrderStatus:
		return ev.OrderID, true
	case ExecDetails:
		return ev.Exec.OrderID, true
	case ErrMsg:
		return ev.ID, true
	case CommissionReport:
		for j := i - 1; j >= 0; j-- {
			if x, ok := h.sink.evs[j].ev.(ExecDetails); ok && x.Exec.ExecID == ev.ExecID {
				return x.Exec.OrderID, true
			}
		}
	}
	return 0, false
}

// describe names an event as the sequences below spell them:
// "OpenOrder:Status", "OrderStatus:Status", "ExecDetails", "Commission",
// "Error:code".
func describe(ev Event) string {
	switch ev := ev.(type) {
	case OpenOrder:
		return "OpenOrder:" + ev.View.Status
	case OrderStatus:
		return "OrderStatus:" + ev.Status
	case ExecDetails:
		return "ExecDetails"
	case CommissionReport:
		return "Commission"
	case ErrMsg:
		return fmt.Sprintf("Error:%d", ev.Code)
	}
	return fmt.Sprintf("%T", ev)
}

// seq returns the events about order id, in order.
func (h *harness) seq(id int64) []string {
	var out []string
	for i, s := range h.sink.evs {
		if oid, ok := h.orderOf(i); ok && oid == id {
			out = append(out, describe(s.ev))
		}
	}
	return out
}

// events returns the events of type T, in order.
func events[T Event](h *harness) []T {
	var out []T
	for _, s := range h.sink.evs {
		if ev, ok := s.ev.(T); ok {
			out = append(out, ev)
		}
	}
	return out
}

// mark returns the number of events so far; since(mark) the later ones.
func (h *harness) mark() int { return len(h.sink.evs) }

func (h *harness) since(n int) []sent { return h.sink.evs[n:] }

// errorOn returns the first error with code on id.
func (h *harness) errorOn(id int64, code int) (ErrMsg, bool) {
	for _, ev := range events[ErrMsg](h) {
		if ev.ID == id && ev.Code == code {
			return ev, true
		}
	}
	return ErrMsg{}, false
}

func join(s []string) string { return strings.Join(s, " ") }
