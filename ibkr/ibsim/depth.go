package ibsim

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// Market depth: reqMktDepth (10), cancelMktDepth (11) and
// reqMktDepthExchanges (82).
//
// A depth request for a stock gets a small synthetic book built from the
// quote the simulator already streams: maxDepthRows levels a side, the
// best bid and ask with the quote's sizes, the other levels a minimum tick
// apart with sizes drawn from the market seed. The book is sent row by row
// as IB does: every row of the first snapshot as an insert (operation 0),
// then at every server tick an update (1) for a row whose price, size or
// market maker changed, an insert for a row that appeared and a delete (2)
// for one that went, always at the end of its side, so a client that
// applies the operations in order holds a book sorted from the best price
// out. Side 1 is the bid, 0 the ask.
//
//   - isSmartDepth false on a direct exchange (ISLAND, ARCA, ...): rows as
//     updateMktDepth (12). On SMART, IB refuses non-SMART depth with 10092.
//   - isSmartDepth true: rows as updateMktDepthL2 (13) with isSmartDepth
//     set and the exchange holding each level as its market maker.
//   - numRows is capped at the book's maxDepthRows; fewer than 1 reads as 1.
//   - Options, indexes, combos and other non-stock contracts: 10092. An
//     account without live data (Config.Delayed): 10089, as IB has no
//     delayed depth.
//   - At most Config.Limits.MaxDepthRequests depth requests are open at
//     once for the account, across its connections (IB's default 3):
//     error 309 beyond.
//   - A closed market has no book: the rows are deleted when the market
//     closes and inserted again when it opens.
//   - cancelMktDepth ends the request and frees its slot; a cancel of a
//     request that is not open is ignored.

// maxDepthRows is how many levels a side the simulated book has.
const maxDepthRows = 10

// smartDepthVenues are the exchanges a SMART depth level is quoted on.
var smartDepthVenues = []string{"ARCA", "NSDQ", "BATS", "EDGX", "IEX", "NYSE", "MEMX", "DRCTEDGE"}

// depthExchanges is the fixed answer to reqMktDepthExchanges.
var depthExchanges = []wire.DepthExchange{
	{Exchange: "ISLAND", SecType: "STK", ListingExch: "NASDAQ", ServiceDataType: "Deep2", AggGroup: 1},
	{Exchange: "ARCA", SecType: "STK", ListingExch: "NYSE", ServiceDataType: "Deep2", AggGroup: 2},
	{Exchange: "BATS", SecType: "STK", ListingExch: "", ServiceDataType: "Deep", AggGroup: 3},
	{Exchange: "EDGX", SecType: "STK", ListingExch: "", ServiceDataType: "Deep", AggGroup: 4},
	{Exchange: "IEX", SecType: "STK", ListingExch: "", ServiceDataType: "Deep", AggGroup: 5},
}

// Depth sides as the protocol numbers them.
const (
	depthAsk = 0
	depthBid = 1
)

// Depth operations.
const (
	depthInsert = 0
	depthUpdate = 1
	depthDelete = 2
)

// depthSub is one open depth request; guarded by the depthState mutex.
type depthSub struct {
	reqID int64
	inst  *market.Instrument
	smart bool
	rows  int
	book  [2][]wire.DepthRow // the rows the client holds, by side
}

// depthState holds one connection's depth requests.
type depthState struct {
	mu     sync.Mutex
	subs   map[int64]*depthSub
	closed bool
}

func newDepthState() *depthState { return &depthState{subs: map[int64]*depthSub{}} }

// closeAll ends every request of a closing connection.
func (d *depthState) closeAll(c *client) {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.dropAll(c)
}

// dropAll ends every request and frees its slot (1101: data lost).
func (d *depthState) dropAll(c *client) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id := range d.subs {
		c.srv.depthSlots.release()
		delete(d.subs, id)
	}
}

// tick sends every depth request what changed in its book at now.
func (d *depthState) tick(c *client, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || c.srv.competingSession() {
		return
	}
	for _, s := range d.subs {
		c.depthUpdate(s, now)
	}
}

// handleReqMktDepth validates a depth request in the Gateway's order and
// sends the first snapshot.
func handleReqMktDepth(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqMktDepth(f)
	if err != nil {
		return err
	}
	d := c.dp
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	id := r.ReqID
	if _, dup := d.subs[id]; dup {
		c.sendError(id, 322, fmt.Sprintf("Error processing request.-'%s' : cause - Duplicate ticker id", c.depthReqCode()))
		return nil
	}
	exch := strings.ToUpper(strings.TrimSpace(r.Contract.Exchange))
	if exch == "" {
		c.sendError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Please enter exchange", c.depthReqCode()))
		return nil
	}
	now := c.srv.now()
	var in *market.Instrument
	if !strings.EqualFold(r.Contract.SecType, "BAG") {
		var msg string
		in, msg = c.srv.ref.ResolveOne(r.Contract, now)
		if in == nil {
			c.sendError(id, 200, msg)
			return nil
		}
	}
	if in == nil || in.SecType != "STK" || (exch == "SMART" && !r.IsSmartDepth) {
		c.sendError(id, 10092, "Deep market data is not supported for this combination of security type/exchange")
		return nil
	}
	if c.srv.cfg.Delayed {
		c.sendError(id, 10089, fmt.Sprintf(mdSubText, "Market depth"))
		return nil
	}
	if !c.srv.depthSlots.acquire() {
		c.sendError(id, 309, fmt.Sprintf("Max number (%d) of market depth requests has been reached", c.srv.cfg.Limits.MaxDepthRequests))
		return nil
	}
	rows := int(min(max(r.NumRows, 1), maxDepthRows))
	s := &depthSub{reqID: id, inst: in, smart: r.IsSmartDepth, rows: rows}
	d.subs[id] = s
	if c.srv.competingSession() {
		c.sendError(id, 10197, "No market data during competing live session")
		return nil
	}
	c.depthUpdate(s, now)
	return nil
}

// depthReqCode is the request class code of a validation error.
func (c *client) depthReqCode() string {
	c.md.mu.Lock()
	defer c.md.mu.Unlock()
	return c.md.reqCode()
}

// handleCancelMktDepth ends a depth request.
func handleCancelMktDepth(c *client, f *wire.Fields) error {
	id, _, err := c.codec.CancelMktDepth(f)
	if err != nil {
		return err
	}
	d := c.dp
	d.mu.Lock()
	if _, ok := d.subs[id]; ok {
		delete(d.subs, id)
		c.srv.depthSlots.release()
	}
	d.mu.Unlock()
	return nil
}

// handleReqMktDepthExchanges answers the exchanges depth is offered on.
func handleReqMktDepthExchanges(c *client, f *wire.Fields) error {
	if err := c.codec.ReqMktDepthExchanges(f); err != nil {
		return err
	}
	c.send(c.codec.MktDepthExchanges(depthExchanges))
	return nil
}

// depthUpdate sends the rows of s's book that changed at now; the caller
// holds the depthState mutex.
func (c *client) depthUpdate(s *depthSub, now time.Time) {
	book := c.depthBook(s, now)
	for _, side := range []int{depthAsk, depthBid} {
		old, cur := s.book[side], book[side]
		for i := range min(len(old), len(cur)) {
			if old[i].Price != cur[i].Price || old[i].Size != cur[i].Size || old[i].MarketMaker != cur[i].MarketMaker {
				r := cur[i]
				r.Operation = depthUpdate
				c.sendDepth(s, r)
			}
		}
		for i := len(old); i < len(cur); i++ {
			r := cur[i]
			r.Operation = depthInsert
			c.sendDepth(s, r)
		}
		for i := len(old) - 1; i >= len(cur); i-- {
			r := old[i]
			r.Operation = depthDelete
			c.sendDepth(s, r)
		}
		s.book[side] = cur
	}
}

func (c *client) sendDepth(s *depthSub, r wire.DepthRow) {
	if s.smart {
		c.send(c.codec.MarketDepthL2(s.reqID, r, true))
		return
	}
	c.send(c.codec.MarketDepth(s.reqID, r))
}

// depthBook is s's book at instant at: empty while the market is closed or
// has no quote.
func (c *client) depthBook(s *depthSub, at time.Time) [2][]wire.DepthRow {
	var book [2][]wire.DepthRow
	in := s.inst
	q := c.srv.prices.Quote(in, at)
	if !q.Trading || bad(q.Bid) || bad(q.Ask) || q.Bid <= 0 || q.Ask <= 0 {
		return book
	}
	tick := in.MinTick
	if tick <= 0 {
		tick = 0.01
	}
	digits := max(0, int(math.Ceil(-math.Log10(tick)-1e-9)))
	scale := math.Pow(10, float64(digits))
	lot := 1.0
	if c.version < wire.MinVerMarketDataShares && (in.Currency == "USD" || in.Currency == "") {
		lot = 100
	}
	seed := uint64(c.srv.cfg.Seed)
	bucket := uint64(at.Unix() / 10) // sizes away from the top change every 10 s
	for _, side := range []int{depthAsk, depthBid} {
		best, topSize, dir := q.Ask, q.AskSize, 1.0
		if side == depthBid {
			best, topSize, dir = q.Bid, q.BidSize, -1
		}
		bestTicks := math.Round(best / tick)
		for i := range s.rows {
			ticks := bestTicks + dir*float64(i)
			price := math.Round(ticks*tick*scale) / scale
			if price <= 0 {
				break
			}
			h := market.Mix64(seed ^ market.Mix64(uint64(in.ConID)<<2|uint64(side)) ^ market.Mix64(uint64(int64(ticks))) ^ bucket*0x9e3779b97f4a7c15)
			size := float64(1+h%30) * 100
			if i == 0 && !bad(topSize) && topSize > 0 {
				size = topSize
			}
			size = math.Max(1, math.Round(size/lot))
			r := wire.DepthRow{Position: int64(i), Side: int64(side), Price: price, Size: size}
			if s.smart {
				r.MarketMaker = smartDepthVenues[(h>>32)%uint64(len(smartDepthVenues))]
			}
			book[side] = append(book[side], r)
		}
	}
	return book
}
