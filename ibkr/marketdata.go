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

// MarketData is a streaming subscription with a stable handle: if the
// connection is lost, or the Gateway drops subscriptions (1101), the
// Session requests it again behind the same handle. It holds one market
// data line until Close.
type MarketData struct {
	s        *Session
	contract Contract
	generic  string

	st      quoteState
	mu      sync.Mutex
	id      int64
	gen     uint64
	version uint64 // bumped on every change
	seen    uint64
	notify  chan struct{}
	gaps    int
	err     error
	done    chan struct{}
	closeMu sync.Once
}

func (m *MarketData) state() *quoteState { return &m.st }

func (m *MarketData) changed() {
	m.mu.Lock()
	m.version++
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
}

func (m *MarketData) snapshotEnd() {}

// fail ends the stream with err (the Gateway refused it, or the session
// closed).
func (m *MarketData) fail(err error) {
	m.closeMu.Do(func() {
		m.mu.Lock()
		m.err = err
		id, gen := m.id, m.gen
		m.mu.Unlock()
		close(m.done)
		m.s.router.Remove(id)
		m.s.untrack(m)
		m.s.lines.Release()
		_ = gen
	})
}

func (m *MarketData) lost() {
	m.mu.Lock()
	m.gaps++
	m.mu.Unlock()
}

// resume requests the stream again on the current connection.
func (m *MarketData) resume(s *Session) {
	select {
	case <-m.done:
		return
	default:
	}
	gen, err := s.awaitReady(s.ctx)
	if err != nil {
		return
	}
	id := s.router.NewID()
	m.mu.Lock()
	old := m.id
	m.id, m.gen = id, gen
	m.mu.Unlock()
	s.router.Remove(old)
	s.router.Add(id, m)
	s.sendAsync(gen, pace.LaneInteractive, conn.MktData{ReqID: id, Contract: m.contract.toWire(), GenericTicks: m.generic})
}

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
	gen, err := s.awaitReady(ctx)
	if err != nil {
		s.lines.Release()
		return nil, err
	}
	m := &MarketData{s: s, contract: c, generic: strings.Join(gt, ","), notify: make(chan struct{}, 1), done: make(chan struct{})}
	m.st.q.Contract = c
	m.id, m.gen = s.router.NewID(), gen
	s.router.Add(m.id, m)
	s.track(m)
	id := m.id
	if err := s.send(ctx, gen, pace.LaneInteractive, conn.MktData{ReqID: id, Contract: c.toWire(), GenericTicks: m.generic}); err != nil {
		m.closeMu.Do(func() { close(m.done) })
		s.router.Remove(id)
		s.untrack(m)
		s.lines.Release()
		return nil, fmt.Errorf("ibkr: market data for %s: %w", c, err)
	}
	return m, nil
}

// Contract returns the stream's contract as requested.
func (m *MarketData) Contract() Contract { return m.contract }

// Latest returns the quote as it stands now.
func (m *MarketData) Latest() Quote { return m.st.snapshot() }

// Next waits for a quote newer than the one the last Next returned.
// Intermediate ticks are merged, never queued: a slow reader sees the
// latest state, and the reader goroutine never waits for it.
func (m *MarketData) Next(ctx context.Context) (Quote, error) {
	for {
		m.mu.Lock()
		v := m.version
		if v != m.seen {
			m.seen = v
			m.mu.Unlock()
			return m.st.snapshot(), nil
		}
		m.mu.Unlock()
		select {
		case <-m.notify:
		case <-m.done:
			m.mu.Lock()
			err := m.err
			m.mu.Unlock()
			if err == nil {
				err = ErrClosed
			}
			return Quote{}, err
		case <-ctx.Done():
			return Quote{}, ctx.Err()
		}
	}
}

// Gaps counts the connection losses the stream lived through.
func (m *MarketData) Gaps() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gaps
}

// Done is closed when the stream ended (Close, a Gateway refusal, or the
// session closing); Err then says why.
func (m *MarketData) Done() <-chan struct{} { return m.done }

// Err returns why the stream ended, or nil while it runs or after Close.
func (m *MarketData) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Close cancels the subscription and frees its line once the cancel was
// written. It is idempotent.
func (m *MarketData) Close() error {
	m.closeMu.Do(func() {
		m.mu.Lock()
		id, gen := m.id, m.gen
		m.mu.Unlock()
		close(m.done)
		m.s.router.Remove(id)
		m.s.untrack(m)
		m.s.sendCancel(gen, conn.CancelMktData{ReqID: id}, m.s.lines.Release)
	})
	return nil
}

func (s *Session) track(m *MarketData) {
	s.streamsMu.Lock()
	s.streams[m] = struct{}{}
	s.streamsMu.Unlock()
}

func (s *Session) untrack(m *MarketData) {
	s.streamsMu.Lock()
	delete(s.streams, m)
	s.streamsMu.Unlock()
}
