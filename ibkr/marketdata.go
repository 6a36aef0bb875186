package ibkr

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/shopspring/decimal"
)

// quoteState merges ticks into a Quote. Its methods run on the reader
// goroutine and never block.
type quoteState struct {
	mu sync.Mutex
	q  Quote
}

func (st *quoteState) price(tickType int64, v float64, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.q.ReceivedAt = at
	p, ok := priceValue(v)
	set := func(dst *decimal.Decimal, f QuoteField) {
		*dst = p
		if ok {
			st.q.Fields |= f
		} else {
			st.q.Fields &^= f
		}
	}
	switch tickType {
	case 1, 66:
		set(&st.q.Bid, QuoteBid)
	case 2, 67:
		set(&st.q.Ask, QuoteAsk)
	case 4, 68:
		set(&st.q.Last, QuoteLast)
	case 6, 72:
		set(&st.q.High, QuoteHigh)
	case 7, 73:
		set(&st.q.Low, QuoteLow)
	case 9, 75:
		set(&st.q.Close, QuoteClose)
	case 14, 76:
		set(&st.q.Open, QuoteOpen)
	}
}

func (st *quoteState) size(tickType int64, v decimal.Decimal, ok bool, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.q.ReceivedAt = at
	set := func(dst *decimal.Decimal, f QuoteField) {
		*dst = v
		if ok {
			st.q.Fields |= f
		} else {
			st.q.Fields &^= f
		}
	}
	switch tickType {
	case 0, 69:
		set(&st.q.BidSize, QuoteBidSize)
	case 3, 70:
		set(&st.q.AskSize, QuoteAskSize)
	case 5, 71:
		set(&st.q.LastSize, QuoteLastSize)
	case 8, 74:
		set(&st.q.Volume, QuoteVolume)
	case 22, 27, 28:
		// 22 is an option's open interest; 27/28 call/put open interest.
		set(&st.q.OpenInterest, QuoteOpenInterest)
		if ok {
			st.setGeneric(tickType, v.InexactFloat64())
		}
	default:
		if ok {
			st.setGeneric(tickType, v.InexactFloat64())
		}
	}
}

func (st *quoteState) setGeneric(tickType int64, v float64) {
	if st.q.Generic == nil {
		st.q.Generic = map[int]float64{}
	}
	st.q.Generic[int(tickType)] = v
}

func (st *quoteState) generic(tickType int64, v float64, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.q.ReceivedAt = at
	st.setGeneric(tickType, v)
}

func (st *quoteState) option(tickType int64, g Greeks, at time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.q.ReceivedAt = at
	gp := &g
	switch tickType {
	case 10, 80:
		st.q.BidGreeks = gp
	case 11, 81:
		st.q.AskGreeks = gp
	case 12, 82:
		st.q.LastGreeks = gp
	case 13, 83:
		st.q.Model = gp
	}
}

func (st *quoteState) dataType(t int64) {
	st.mu.Lock()
	st.q.Type = MarketDataType(t)
	st.mu.Unlock()
}

func (st *quoteState) snapshot() Quote {
	st.mu.Lock()
	defer st.mu.Unlock()
	q := st.q
	q.OutsideRTH = outsideRTH(q.Contract, q.ReceivedAt)
	if q.Generic != nil {
		g := make(map[int]float64, len(q.Generic))
		for k, v := range q.Generic {
			g[k] = v
		}
		q.Generic = g
	}
	return q
}

// quoteSink receives ticks.
type quoteSink interface {
	target
	state() *quoteState
	changed()
	snapshotEnd()
}

// snapshotReq is one snapshot request.
type snapshotReq struct {
	st   quoteState
	done *oneShot[struct{}]
}

func (r *snapshotReq) state() *quoteState { return &r.st }
func (r *snapshotReq) changed()           {}
func (r *snapshotReq) snapshotEnd()       { r.done.Finish() }
func (r *snapshotReq) fail(err error)     { r.done.fail(err) }

// SetMarketDataType asks the Gateway for a market data type for every later
// request: live, frozen, delayed or delayed-frozen. With delayed types IB
// still serves live data where the account has it, and each Quote says
// which type was served. The Session re-sends it after every reconnect.
func (s *Session) SetMarketDataType(ctx context.Context, t MarketDataType) error {
	if t < MarketDataLive || t > MarketDataDelayedFrozen {
		return invalid("MarketDataType", int(t), "1 (live), 2 (frozen), 3 (delayed) or 4 (delayed-frozen)")
	}
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return err
	}
	s.mdType.Store(int32(t))
	return s.send(ctx, gen, pace.LaneInteractive, conn.MarketDataType{Type: int64(t)})
}

// Snapshot returns one quote of c: the ticks available now (bid, ask, last,
// sizes, volume, close, and for options the greeks), ended by the Gateway's
// tickSnapshotEnd. It takes one market data line from the budget, waiting
// for one with ctx, until the snapshot ends.
func (s *Session) Snapshot(ctx context.Context, c Contract) (Quote, error) {
	if err := s.lines.Acquire(ctx); err != nil {
		return Quote{}, fmt.Errorf("ibkr: snapshot of %s: waiting for a market data line: %w", c, err)
	}
	held := true
	release := func() {
		if held {
			held = false
			s.lines.Release()
		}
	}
	defer release()
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return Quote{}, err
	}
	id := s.router.NewID()
	r := &snapshotReq{done: newOneShot[struct{}]()}
	r.st.q.Contract = c
	s.router.Add(id, r)
	defer s.router.Remove(id)
	s.snapMu.Lock()
	if s.snapshots == nil {
		s.snapshots = map[int64]Contract{}
	}
	s.snapshots[id] = c
	s.snapMu.Unlock()
	defer func() {
		s.snapMu.Lock()
		delete(s.snapshots, id)
		s.snapMu.Unlock()
	}()
	if err := s.send(ctx, gen, pace.LaneInteractive, conn.MktData{ReqID: id, Contract: c.toWire(), Snapshot: true}); err != nil {
		return Quote{}, fmt.Errorf("ibkr: snapshot of %s: %w", c, err)
	}
	if _, err := r.done.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			// The Gateway holds the line until the snapshot ends or is
			// cancelled: cancel it, and free our line once the cancel left.
			held = false
			s.sendCancel(gen, conn.CancelMktData{ReqID: id}, s.lines.Release)
		}
		return Quote{}, fmt.Errorf("ibkr: snapshot of %s: %w", c, err)
	}
	return r.st.snapshot(), nil
}

// resendSnapshots requests every pending snapshot again on the same ids,
// after a 1101 dropped them at the Gateway. Off the reader goroutine.
func (s *Session) resendSnapshots(gen uint64) int {
	s.snapMu.Lock()
	pending := make(map[int64]Contract, len(s.snapshots))
	for id, c := range s.snapshots {
		pending[id] = c
	}
	s.snapMu.Unlock()
	for id, c := range pending {
		j := &job{Lane: pace.LaneInteractive, Gen: gen, Req: conn.MktData{ReqID: id, Contract: c.toWire(), Snapshot: true}, Done: make(chan error, 1)}
		s.w.Enqueue(j)
	}
	return len(pending)
}

// sendCancel queues a cancel on the order lane and runs after once it was
// written or could not be (the connection is gone, which cancels too).
func (s *Session) sendCancel(gen uint64, r conn.Request, after func()) {
	j := &job{Lane: pace.LaneOrder, Gen: gen, Req: r, Done: make(chan error, 1)}
	s.w.Enqueue(j)
	if after == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-j.Done:
		case <-s.closed:
		}
		after()
	}()
}

// MarketDataOptions tunes a stream.
type MarketDataOptions struct {
	// GenericTicks are IB generic tick ids, e.g. 100 (option volume), 101
	// (open interest), 106 (implied vol), 411 (historical vol, tick 58).
	GenericTicks []int
}

// MarketData is a stream of one contract's quotes with a stable handle:
// if the connection is lost, or the Gateway drops subscriptions (1101),
// the Session requests it again behind the same handle (a StreamGap, then
// StreamResumed). It is a Stream[Quote] that merges ticks: Next returns
// the latest state once it changed, never a backlog. It holds one market
// data line until it ends.
type MarketData struct {
	*Stream[Quote]
	contract Contract
	u        *sub[Quote]
	st       quoteState
}

// mdSink is what the router delivers a stream's ticks to.
type mdSink struct{ m *MarketData }

func (k mdSink) state() *quoteState { return &k.m.st }
func (k mdSink) changed()           { k.m.Stream.changed() }
func (k mdSink) snapshotEnd()       {}
func (k mdSink) fail(err error)     { k.m.u.fail(err) }
func (k mdSink) lost(err error)     { k.m.u.lost(err) }
func (k mdSink) resume(s *Session)  { k.m.u.resume(s) }

// MarketData starts a stream of c's quotes. It waits (with ctx) for a
// market data line and for the request to be written; the first ticks come
// through Next.
func (s *Session) MarketData(ctx context.Context, c Contract, opts MarketDataOptions) (*MarketData, error) {
	var gt []string
	for _, t := range opts.GenericTicks {
		if t <= 0 || t > 1000 {
			return nil, invalid("MarketDataOptions.GenericTicks", t, "IB generic tick ids 1..1000, such as 100, 101, 106, 411")
		}
		gt = append(gt, strconv.Itoa(t))
	}
	if err := s.lines.Acquire(ctx); err != nil {
		return nil, fmt.Errorf("ibkr: market data for %s: waiting for a market data line: %w", c, err)
	}
	generic := strings.Join(gt, ",")
	m := &MarketData{contract: c}
	m.st.q.Contract = c
	m.Stream = newLatestStream("market data for "+c.String(), m.st.snapshot)
	wc := c.toWire()
	m.u = newSub(s, m.Stream, pace.LaneInteractive, func(id int64) conn.Request {
		return conn.MktData{ReqID: id, Contract: wc, GenericTicks: generic}
	})
	m.u.cancel = func(id int64) conn.Request { return conn.CancelMktData{ReqID: id} }
	m.u.release = s.lines.Release
	m.u.self = mdSink{m}
	if err := m.u.start(ctx); err != nil {
		return nil, fmt.Errorf("ibkr: market data for %s: %w", c, err)
	}
	return m, nil
}

// Contract returns the stream's contract as requested.
func (m *MarketData) Contract() Contract { return m.contract }

// Latest returns the quote as it stands now.
func (m *MarketData) Latest() Quote { return m.st.snapshot() }
