package ibsim

import (
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// Market depth callbacks.

type depthRow struct {
	Position, Operation, Side int64
	Price, Size               float64
	MarketMaker               string
	L2, Smart                 bool
}

func (r *recorder) UpdateMktDepth(reqID, position, operation, side int64, price float64, size ibapi.Decimal) {
	r.add(ev{Kind: "MktDepth", ReqID: reqID, Data: depthRow{position, operation, side, price, size.Float(), "", false, false}})
}

func (r *recorder) UpdateMktDepthL2(reqID, position int64, marketMaker string, operation, side int64, price float64, size ibapi.Decimal, isSmartDepth bool) {
	r.add(ev{Kind: "MktDepth", ReqID: reqID, Data: depthRow{position, operation, side, price, size.Float(), marketMaker, true, isSmartDepth}})
}

func (r *recorder) MktDepthExchanges(d []ibapi.DepthMktDataDescription) {
	r.add(ev{Kind: "MktDepthExchanges", Data: d})
}

// protoRec counts the protobuf market data messages the client decodes.
type protoRec struct {
	*recorder
	n atomic.Int64
}

func (p *protoRec) TickPriceProtoBuf(*protobuf.TickPrice)                         { p.n.Add(1) }
func (p *protoRec) TickSizeProtoBuf(*protobuf.TickSize)                           { p.n.Add(1) }
func (p *protoRec) TickStringProtoBuf(*protobuf.TickString)                       { p.n.Add(1) }
func (p *protoRec) TickGenericProtoBuf(*protobuf.TickGeneric)                     { p.n.Add(1) }
func (p *protoRec) TickOptionComputationProtoBuf(*protobuf.TickOptionComputation) { p.n.Add(1) }
func (p *protoRec) TickSnapshotEndProtoBuf(*protobuf.TickSnapshotEnd)             { p.n.Add(1) }
func (p *protoRec) MarketDataTypeProtoBuf(*protobuf.MarketDataType)               { p.n.Add(1) }
func (p *protoRec) TickReqParamsProtoBuf(*protobuf.TickReqParams)                 { p.n.Add(1) }
func (p *protoRec) UpdateMarketDepthProtoBuf(*protobuf.MarketDepth)               { p.n.Add(1) }
func (p *protoRec) UpdateMarketDepthL2ProtoBuf(*protobuf.MarketDepthL2)           { p.n.Add(1) }
func (p *protoRec) MarketDepthExchangesProtoBuf(*protobuf.MarketDepthExchanges)   { p.n.Add(1) }

// dialProto connects like dial, with a wrapper that also counts protobuf
// market data messages.
func dialProto(t testing.TB, s *Server, clientID int64) (*ibapi.EClient, *recorder, *protoRec) {
	t.Helper()
	r := newRecorder()
	p := &protoRec{recorder: r}
	c := ibapi.NewEClient(p)
	host, port := hostPort(t, s)
	if err := c.Connect(host, port, clientID); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	r.waitKind(t, "NextValidID", anyReq)
	r.waitKind(t, "ManagedAccounts", anyReq)
	c.ReqCurrentTime()
	r.waitKind(t, "CurrentTime", anyReq)
	t.Cleanup(func() { settle(c, r) })
	return c, r, p
}

// roundTrip waits until everything sent before it has arrived.
func roundTrip(t testing.TB, c *ibapi.EClient, r *recorder) {
	t.Helper()
	mark := len(r.all())
	c.ReqCurrentTime()
	r.wait(t, mark, "currentTime", func(e ev) bool { return e.Kind == "CurrentTime" })
}

// book applies depth operations as a client does: insert at a position
// shifts the rows below down, delete shifts them up, update replaces.
type book [2][]depthRow

func (b *book) apply(t *testing.T, d depthRow) {
	t.Helper()
	side := b[d.Side]
	p := int(d.Position)
	switch d.Operation {
	case 0:
		if p > len(side) {
			t.Fatalf("insert at %d into %d rows", p, len(side))
		}
		side = append(side[:p], append([]depthRow{d}, side[p:]...)...)
	case 1:
		if p >= len(side) {
			t.Fatalf("update at %d of %d rows", p, len(side))
		}
		side[p] = d
	case 2:
		if p >= len(side) {
			t.Fatalf("delete at %d of %d rows", p, len(side))
		}
		side = append(side[:p], side[p+1:]...)
	default:
		t.Fatalf("operation %d", d.Operation)
	}
	b[d.Side] = side
}

// check makes sure the book is sorted from the best price out, uncrossed,
// with positive sizes and rows rows a side.
func (b *book) check(t *testing.T, rows int, l2 bool) {
	t.Helper()
	asks, bids := b[0], b[1]
	if len(asks) != rows || len(bids) != rows {
		t.Fatalf("book has %d asks and %d bids, want %d each", len(asks), len(bids), rows)
	}
	if !sort.SliceIsSorted(asks, func(i, j int) bool { return asks[i].Price < asks[j].Price }) ||
		!sort.SliceIsSorted(bids, func(i, j int) bool { return bids[i].Price > bids[j].Price }) {
		t.Errorf("book not sorted: asks %v bids %v", asks, bids)
	}
	for i := 1; i < rows; i++ {
		if asks[i].Price <= asks[i-1].Price || bids[i].Price >= bids[i-1].Price {
			t.Errorf("level %d repeats a price: asks %v bids %v", i, asks, bids)
		}
	}
	if bids[0].Price >= asks[0].Price {
		t.Errorf("crossed book: bid %v ask %v", bids[0].Price, asks[0].Price)
	}
	for _, s := range b {
		for _, r := range s {
			if r.Size <= 0 || r.L2 != l2 || (l2 && (r.MarketMaker == "" || !r.Smart)) {
				t.Errorf("row %+v", r)
			}
		}
	}
}

// depthVersions are the versions the depth tests run at: text (176, 200)
// and protobuf (206, 212).
var depthVersions = []int{176, 200, wire.VerProtoMarketData, 212}

func TestMktDepthBooks(t *testing.T) {
	for _, v := range depthVersions {
		for _, smart := range []bool{false, true} {
			t.Run(fmt.Sprintf("v%d/smart=%v", v, smart), func(t *testing.T) {
				clk := NewVirtualClock(mdAt)
				s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
				c, r, p := dialProto(t, s, 1)
				con := spyContract()
				if !smart {
					con.Exchange = "ARCA"
				}
				c.ReqMktData(1, spyContract(), "", false, false, nil)
				c.ReqMktDepth(7, con, 5, smart, nil)
				roundTrip(t, c, r)
				var b book
				for _, e := range r.all() {
					if e.Kind == "MktDepth" && e.ReqID == 7 {
						d := e.Data.(depthRow)
						if d.Operation != 0 {
							t.Errorf("first snapshot row %+v, want an insert", d)
						}
						b.apply(t, d)
					}
				}
				b.check(t, 5, smart)
				// The top of the book is the quote reqMktData shows.
				var bid, ask float64
				for _, e := range r.all() {
					if e.Kind == "TickPrice" && e.ReqID == 1 && e.Code == tickBid {
						bid = e.Data.(float64)
					}
					if e.Kind == "TickPrice" && e.ReqID == 1 && e.Code == tickAsk {
						ask = e.Data.(float64)
					}
				}
				if b[1][0].Price != bid || b[0][0].Price != ask {
					t.Errorf("top of book %v / %v, quote %v / %v", b[1][0].Price, b[0][0].Price, bid, ask)
				}
				// The book follows the market; operations keep it sorted.
				ops := map[int64]int{}
				for range 20 {
					from := len(r.all())
					clk.Advance(7 * time.Second)
					s.Tick()
					roundTrip(t, c, r)
					for _, e := range r.all()[from:] {
						if e.Kind == "MktDepth" && e.ReqID == 7 {
							d := e.Data.(depthRow)
							ops[d.Operation]++
							b.apply(t, d)
						}
					}
					b.check(t, 5, smart)
				}
				if ops[1] == 0 {
					t.Errorf("no update in 20 market steps: %v", ops)
				}
				// Cancel: nothing more on the id.
				c.CancelMktDepth(7, smart)
				roundTrip(t, c, r)
				from := len(r.all())
				clk.Advance(7 * time.Second)
				s.Tick()
				roundTrip(t, c, r)
				for _, e := range r.all()[from:] {
					if e.ReqID == 7 {
						t.Errorf("after cancel: %v", e)
					}
				}
				if got := p.n.Load() > 0; got != (v >= wire.VerProtoMarketData) {
					t.Errorf("protobuf messages decoded: %d at version %d", p.n.Load(), v)
				}
				for _, e := range r.all() {
					if e.Kind == "Error" && e.ReqID != -1 {
						t.Errorf("error: %v", e)
					}
				}
			})
		}
	}
}

func TestMktDepthValidationAndLimit(t *testing.T) {
	for _, v := range depthVersions {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(mdAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)
			c2, r2 := dial(t, s, 2)
			arca := spyContract()
			arca.Exchange = "ARCA"

			c.ReqMktDepth(10, spyContract(), 5, false, nil) // SMART without smart depth
			r.waitError(t, 10, 10092)
			c.ReqMktDepth(11, option("SPY", "20260320", 600, "C", "SMART"), 5, true, nil)
			r.waitError(t, 11, 10092)
			noEx := spyContract()
			noEx.Exchange = ""
			c.ReqMktDepth(12, noEx, 5, false, nil)
			r.waitError(t, 12, 321)
			unknown := ibapi.NewContract()
			unknown.Symbol, unknown.SecType, unknown.Exchange, unknown.Currency = "NOSUCH", "STK", "ARCA", "USD"
			c.ReqMktDepth(13, unknown, 5, false, nil)
			r.waitError(t, 13, 200)

			// numRows above the book's depth: the whole book.
			c.ReqMktDepth(20, arca, 50, false, nil)
			roundTrip(t, c, r)
			n := 0
			for _, e := range r.all() {
				if e.Kind == "MktDepth" && e.ReqID == 20 {
					n++
				}
			}
			if n != 2*maxDepthRows {
				t.Errorf("numRows 50: %d rows, want %d", n, 2*maxDepthRows)
			}
			c.ReqMktDepth(20, arca, 5, false, nil)
			r.waitError(t, 20, 322)

			// Three open requests for the account, across connections.
			c.ReqMktDepth(21, arca, 5, false, nil)
			roundTrip(t, c, r)
			c2.ReqMktDepth(22, spyContract(), 5, true, nil)
			roundTrip(t, c2, r2)
			c2.ReqMktDepth(23, arca, 5, false, nil)
			e := r2.waitError(t, 23, 309)
			if e.Msg != "Max number (3) of market depth requests has been reached" {
				t.Errorf("309 text %q", e.Msg)
			}
			c.CancelMktDepth(20, false)
			roundTrip(t, c, r)
			c2.ReqMktDepth(24, arca, 5, false, nil)
			r2.waitKind(t, "MktDepth", 24)
			for _, e := range append(r.errorsWith(320), r2.errorsWith(320)...) {
				t.Errorf("error 320: %v", e)
			}
		})
	}
}

// TestMktDepthClosedMarket: the book empties at the close and fills again
// at the open.
func TestMktDepthClosedMarket(t *testing.T) {
	close := time.Date(2026, 3, 10, 19, 59, 55, 0, market.NewYork)
	clk := NewVirtualClock(close)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: wire.VerProtoMarketData})
	c, r := dial(t, s, 1)
	arca := spyContract()
	arca.Exchange = "ARCA"
	c.ReqMktDepth(5, arca, 3, false, nil)
	roundTrip(t, c, r)
	var b book
	apply := func(from int) {
		for _, e := range r.all()[from:] {
			if e.Kind == "MktDepth" && e.ReqID == 5 {
				b.apply(t, e.Data.(depthRow))
			}
		}
	}
	apply(0)
	b.check(t, 3, false)
	from := len(r.all())
	clk.Set(close.Add(time.Hour))
	s.Tick()
	roundTrip(t, c, r)
	apply(from)
	if len(b[0])+len(b[1]) != 0 {
		t.Errorf("closed market: book %v, want empty", b)
	}
	from = len(r.all())
	clk.Set(time.Date(2026, 3, 11, 10, 0, 0, 0, market.NewYork))
	s.Tick()
	roundTrip(t, c, r)
	apply(from)
	b.check(t, 3, false)
}

func TestMktDepthExchanges(t *testing.T) {
	for _, v := range []int{176, 200, wire.VerProtoMarketData, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(mdAt), TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)
			c.ReqMktDepthExchanges()
			got := r.waitKind(t, "MktDepthExchanges", anyReq).Data.([]ibapi.DepthMktDataDescription)
			if len(got) != len(depthExchanges) {
				t.Fatalf("%d rows, want %d", len(got), len(depthExchanges))
			}
			for i, d := range got {
				w := depthExchanges[i]
				// scmhub's text decoder reads serviceDataType into SecType.
				if d.Exchange != w.Exchange || d.ListingExch != w.ListingExch || d.AggGroup != w.AggGroup || d.SecType != w.ServiceDataType {
					t.Errorf("row %d = %+v, want %+v", i, d, w)
				}
			}
			for _, e := range r.errorsWith(320) {
				t.Errorf("error 320: %v", e)
			}
		})
	}
}
