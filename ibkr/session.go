package ibkr

import (
	"github.com/ibbot/ibbot/ibkr/internal/route"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
)

// Session is one API connection (one client id) to IB Gateway or TWS,
// shared safely by any number of goroutines. It multiplexes requests by
// request id, keeps to IB's pacing, and reconnects by itself. Create it
// with Dial (or get a shared one from a Pool); Close it when done.
type Session struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	w      *pace.Writer[conn.Request]
	hist   *pace.Historical
	lines  *pace.Lines
	router *router
	status statusHub

	// ecMu is held while calling into the live EClient; it guards cur.
	ecMu    sync.Mutex
	cur     *conn.Conn
	gen     atomic.Uint64
	readyCh chan struct{} // closed while a connection is ready; replaced on loss
	readyMu sync.Mutex

	lostCh chan lostConn // the supervisor's wake-up: a connection must be dropped

	ids     orderIDs
	orders  orderBook
	mdType  atomic.Int32 // the market data type last set, re-sent after reconnects
	account atomic.Pointer[[]string]

	times            route.TimeFlight
	rules            marketRules
	openOrdersFlight route.Flight[OrderInfo]
	positionsFlight  route.Flight[Position]
	// snapshots are the snapshot requests waiting for their end, by id:
	// a 1101 (market data lost) drops them at the Gateway, so they are
	// requested again.
	snapMu          sync.Mutex
	snapshots       map[int64]Contract
	completedFlight route.Flight[OrderInfo]
	summarySlots    chan struct{} // IB allows 2 account summary requests at once

	warnings chan *APIError

	idless idless // the account updates and positions streams

	streamsMu sync.Mutex
	streams   map[liveStream]struct{} // every live Stream, between connections too

	reconnects atomic.Int64
	probeDrops atomic.Int64 // connections dropped for an unanswered probe
	conn1100   connectivity

	closeOnce sync.Once
	closed    chan struct{}
}

// Dial connects to the Gateway and returns once the session is ready
// (managedAccounts and nextValidId received and one round trip done), or
// ctx's error, or the Gateway's refusal (326 is an *APIError matching
// ErrClientIDInUse). After Dial succeeds the Session reconnects by itself
// whenever the connection is lost, until Close.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Session{
		cfg:          cfg,
		log:          cfg.Logger.With("ibkr.clientId", cfg.ClientID),
		ctx:          sctx,
		cancel:       cancel,
		w:            pace.NewWriter[conn.Request](cfg.Rate, cfg.Burst),
		hist:         pace.NewHistorical(pace.Rules(cfg.Historical), cfg.Now),
		lines:        cfg.lines,
		router:       newRouter(),
		readyCh:      make(chan struct{}),
		lostCh:       make(chan lostConn, 1),
		summarySlots: make(chan struct{}, 2),
		warnings:     make(chan *APIError, 256),
		closed:       make(chan struct{}),
		streams:      map[liveStream]struct{}{},
	}
	if cfg.rateOverride > 0 {
		s.w = pace.NewWriter[conn.Request](cfg.rateOverride, max(cfg.Burst, 1))
	}
	if s.lines == nil {
		s.lines = pace.NewLines(cfg.MarketDataLines)
	}
	s.orders.init()
	s.router.Taken = s.orders.knows
	s.status.set(StatusEvent{Status: StatusConnecting})
	c, err := s.dialConn(ctx, s.gen.Add(1))
	if err != nil {
		s.status.set(StatusEvent{Status: StatusClosed, Err: err})
		cancel()
		return nil, err
	}
	s.onConnected(c)
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		s.w.Run(s.ctx, s.write)
	}()
	go func() {
		defer s.wg.Done()
		s.supervise(c)
	}()
	go func() {
		defer s.wg.Done()
		s.deliverWarnings()
	}()
	return s, nil
}

// Close ends the session: pending calls fail with ErrClosed, streams end,
// the connection is closed, and every goroutine the Session started has
// returned when Close returns. It is idempotent.
func (s *Session) Close() error {
	s.shutdown(nil)
	s.wg.Wait()
	return nil
}

// shutdown ends the session without waiting for its goroutines, so that the
// supervisor can call it when it gives up.
func (s *Session) shutdown(cause error) {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.cancel()
		s.w.FailAll(ErrClosed)
		for _, st := range failRequests(s.router, ErrClosed) {
			st.fail(ErrClosed)
		}
		// Streams between connections are not in the router.
		for _, st := range s.liveStreams() {
			st.fail(ErrClosed)
		}
		s.failConnWaiters(ErrClosed)
		s.orders.failAll(ErrClosed)
		s.status.set(StatusEvent{Status: StatusClosed, Err: cause})
	})
}

// Status returns the current state of the connection.
func (s *Session) Status() Status { return s.status.get() }

// StatusChanged returns a channel that receives every later status change.
// It is buffered; a reader that falls behind misses events (never blocks
// the Session). It is closed when the Session closes.
func (s *Session) StatusChanged() <-chan StatusEvent { return s.status.subscribe() }

// ClientID returns the session's client id.
func (s *Session) ClientID() int64 { return s.cfg.ClientID }

// Accounts returns the accounts the Gateway manages for this login.
func (s *Session) Accounts() []string {
	if p := s.account.Load(); p != nil {
		return append([]string(nil), (*p)...)
	}
	return nil
}

// ReadOnly reports whether the session refuses order calls.
func (s *Session) ReadOnly() bool { return s.cfg.ReadOnly }

// Stats are counters of a Session, for tests and metrics.
type Stats struct {
	// Written counts messages written by lane: orders and cancels,
	// interactive, bulk.
	WrittenOrders, WrittenInteractive, WrittenBulk uint64
	// Queued is the number of messages waiting to be written now.
	Queued int
	// PacingWaits counts messages that waited for the rate limiter;
	// PacingWaitTime is how long they waited in all.
	PacingWaits    uint64
	PacingWaitTime time.Duration
	// MarketDataLines is the number of lines held now.
	MarketDataLines int
	// HistoricalOpen is the number of historical requests sent and not yet
	// answered; HistoricalWaiting the number held back by IB's pacing
	// rules.
	HistoricalOpen, HistoricalWaiting int
	// Reconnects counts successful reconnects.
	Reconnects int64
	// DeadConnections counts connections dropped because a probe went
	// unanswered (Config.ProbeInterval) though the socket was open.
	DeadConnections int64
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	ws := s.w.Stats()
	st := Stats{WrittenOrders: ws.Written[pace.LaneOrder], WrittenInteractive: ws.Written[pace.LaneInteractive], WrittenBulk: ws.Written[pace.LaneBulk],
		Queued: ws.Queued, PacingWaits: ws.Paced, PacingWaitTime: ws.PacedTime}
	st.HistoricalOpen, st.HistoricalWaiting = s.hist.Counts()
	st.MarketDataLines = s.lines.InUse()
	st.Reconnects = s.reconnects.Load()
	st.DeadConnections = s.probeDrops.Load()
	return st
}

// serverVersion is the live connection's negotiated server version (0
// when there is none).
func (s *Session) serverVersion() int {
	s.ecMu.Lock()
	defer s.ecMu.Unlock()
	if s.cur == nil {
		return 0
	}
	return s.cur.Version()
}

// setReady publishes a ready connection.
func (s *Session) setReady(c *conn.Conn) {
	s.ecMu.Lock()
	s.cur = c
	s.ecMu.Unlock()
	next, accts := c.Bootstrap()
	s.ids.seed(next)
	s.account.Store(&accts)
	s.readyMu.Lock()
	select {
	case <-s.readyCh:
	default:
		close(s.readyCh)
	}
	s.readyMu.Unlock()
}

// setNotReady makes new calls wait for the next connection.
func (s *Session) setNotReady() {
	s.readyMu.Lock()
	select {
	case <-s.readyCh:
		s.readyCh = make(chan struct{})
	default:
	}
	s.readyMu.Unlock()
}

// awaitReady waits until a connection is ready and returns its generation.
func (s *Session) awaitReady(ctx context.Context) (uint64, error) {
	for {
		s.readyMu.Lock()
		ch := s.readyCh
		s.readyMu.Unlock()
		select {
		case <-s.closed:
			return 0, ErrClosed
		default:
		}
		select {
		case <-ch:
			s.ecMu.Lock()
			c := s.cur
			s.ecMu.Unlock()
			if c != nil {
				return c.Gen(), nil
			}
			// Lost between the signal and now: wait for the next one.
			s.setNotReadyIf(ch)
		case <-s.closed:
			return 0, ErrClosed
		case <-ctx.Done():
			if s.Status() == StatusReconnecting {
				return 0, fmt.Errorf("%w: %w", ErrDisconnected, ctx.Err())
			}
			return 0, ctx.Err()
		}
	}
}

func (s *Session) setNotReadyIf(ch chan struct{}) {
	s.readyMu.Lock()
	if s.readyCh == ch {
		select {
		case <-ch:
			s.readyCh = make(chan struct{})
		default:
		}
	}
	s.readyMu.Unlock()
}

// job is one message for the writer.
type job = pace.Job[conn.Request]

// write performs one job on the live connection; it is the writer's only
// way to the wire (conn.Conn.Send).
func (s *Session) write(j *job) error {
	s.ecMu.Lock()
	defer s.ecMu.Unlock()
	c := s.cur
	if c == nil || (j.Gen != 0 && j.Gen != c.Gen()) {
		return ErrDisconnected
	}
	return c.Send(j)
}

// send queues r for the writer on lane l and waits until it was written.
// If ctx ends or the session closes while the job waits in the queue, the
// job is withdrawn and never written; once the writer took it, send waits
// for the write (microseconds), so an error always means "not written".
func (s *Session) send(ctx context.Context, gen uint64, l pace.Lane, r conn.Request) error {
	return s.sendJob(ctx, &job{Ctx: ctx, Lane: l, Gen: gen, Req: r, Done: make(chan error, 1)})
}

// sendJob is send for a prepared job (its ctx must be ctx, its done
// channel buffered).
func (s *Session) sendJob(ctx context.Context, j *job) error {
	if ok, err := s.w.TryInline(j, s.write); ok {
		return err
	}
	s.w.Enqueue(j)
	return s.awaitJob(ctx, j)
}

// awaitJob waits for a queued job to be written, withdrawing it if ctx ends
// or the session closes first.
func (s *Session) awaitJob(ctx context.Context, j *job) error {
	var stop error
	select {
	case err := <-j.Done:
		return err
	case <-ctx.Done():
		stop = ctx.Err()
		if n, queued := s.w.Position(j); queued {
			stop = fmt.Errorf("%w (the message was still queued behind %d others at the rate limit of %v/s)", stop, n, s.w.Limiter().Limit())
		}
	case <-s.closed:
		stop = ErrClosed
	}
	if j.Abandon() {
		return stop
	}
	return <-j.Done
}

// sendJobs queues jobs together (consecutive in their lanes, so nothing of
// the same lane comes between them) and waits for each in turn. A job not
// yet written when ctx ends is withdrawn; the returned slice has each
// job's result.
func (s *Session) sendJobs(ctx context.Context, js []*job) []error {
	s.w.Enqueue(js...)
	errs := make([]error, len(js))
	for i, j := range js {
		errs[i] = s.awaitJob(ctx, j)
	}
	return errs
}

// sendAsync queues r without waiting; onErr, if set, runs (off the
// writer goroutine) when the message could not be written.
func (s *Session) sendAsync(gen uint64, l pace.Lane, r conn.Request, onErr ...func(error)) {
	j := &job{Lane: l, Gen: gen, Req: r}
	if len(onErr) == 0 {
		s.w.Enqueue(j)
		return
	}
	j.Done = make(chan error, 1)
	s.sendAsyncJob(j, onErr...)
}

// sendAsyncJob queues j (whose done channel must be buffered) and runs
// onErr if it could not be written.
func (s *Session) sendAsyncJob(j *job, onErr ...func(error)) {
	if ok, err := s.w.TryInline(j, s.write); ok {
		if err != nil {
			for _, f := range onErr {
				f(err)
			}
		}
		return
	}
	s.w.Enqueue(j)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var err error
		select {
		case err = <-j.Done:
		case <-s.closed:
			err = ErrClosed
		}
		if err != nil {
			for _, f := range onErr {
				f(err)
			}
		}
	}()
}

// supervise watches the live connection and reconnects when it ends.
func (s *Session) supervise(c *conn.Conn) {
	for {
		err := s.watch(c)
		if s.ctx.Err() != nil {
			s.teardown(c)
			return
		}
		s.log.Warn("ibkr: connection lost", "err", err)
		s.setNotReady()
		s.teardown(c)
		lost := fmt.Errorf("%w: %v", ErrDisconnected, err)
		s.w.FailAll(ErrDisconnected)
		failRequests(s.router, lost)
		streams := s.liveStreams()
		for _, st := range streams {
			st.lost(lost)
		}
		for _, t := range s.orders.unresolved() {
			t.streamsEvent(func(st *Stream[TradeEvent]) { st.gap(lost) })
		}
		s.failConnWaiters(lost)
		s.status.set(StatusEvent{Status: StatusReconnecting, Err: err})
		if s.cfg.NoReconnect {
			s.shutdown(err)
			return
		}
		nc, ok := s.reconnect()
		if !ok {
			return
		}
		c = nc
		s.reconnects.Add(1)
		s.onConnected(c)
		for _, st := range streams {
			st.resume(s)
		}
		for _, t := range s.orders.unresolved() {
			t.streamsEvent(func(st *Stream[TradeEvent]) { st.resumed() })
		}
		gen := c.Gen()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.reconcileAfterReconnect(gen)
		}()
	}
}

// failConnWaiters fails what waits for an answer that a lost connection
// will never bring: the shared list requests and the what-if and cancel
// waiters. (Order acknowledgements watch their connection themselves.)
func (s *Session) failConnWaiters(err error) {
	s.times.Fail(nil, err)
	s.openOrdersFlight.Fail(err)
	s.positionsFlight.Fail(err)
	s.completedFlight.Fail(err)
	s.orders.failWaiters(err)
}

// connDown returns a channel closed when the connection of generation gen
// is gone (already closed if it is not the live one).
func (s *Session) connDown(gen uint64) <-chan struct{} {
	s.ecMu.Lock()
	defer s.ecMu.Unlock()
	if s.cur != nil && s.cur.Gen() == gen {
		return s.cur.Down()
	}
	ch := make(chan struct{})
	close(ch)
	return ch
}

// onConnected makes c the live connection and restores what a new
// connection needs: the market data type; open orders come by themselves.
func (s *Session) onConnected(c *conn.Conn) {
	s.setReady(c)
	if t := s.mdType.Load(); t != 0 {
		s.sendAsync(c.Gen(), pace.LaneInteractive, conn.MarketDataType{Type: int64(t)})
	}
	s.status.set(StatusEvent{Status: StatusReady})
	s.log.Info("ibkr: session ready", "gen", c.Gen())
	if s.cfg.ProbeInterval > 0 {
		s.wg.Add(1)
		go s.probe(c)
	}
}

// watch returns when c ends: the Gateway closed it, the EClient shut down,
// connectivity stayed lost too long, or the Session is closing.
func (s *Session) watch(c *conn.Conn) error {
	for {
		select {
		case <-s.ctx.Done():
			return ErrClosed
		case <-c.Lost():
			return fmt.Errorf("the gateway closed the connection: %w", c.LostErr())
		case <-c.Closed():
			return errors.New("the wire client shut down")
		case l := <-s.lostCh:
			if l.gen == c.Gen() {
				return l.err
			}
		}
	}
}

// reconnect dials until it succeeds, the Session closes, or MaxReconnects
// attempts failed in a row.
func (s *Session) reconnect() (*conn.Conn, bool) {
	wait := s.cfg.ReconnectWait
	for attempt := 1; ; attempt++ {
		d := wait
		if s.cfg.ReconnectJitter > 0 {
			d += rand.N(s.cfg.ReconnectJitter)
		}
		t := time.NewTimer(d)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return nil, false
		case <-t.C:
		}
		c, err := s.dialConn(s.ctx, s.gen.Add(1))
		if err == nil {
			return c, true
		}
		if s.ctx.Err() != nil {
			return nil, false
		}
		s.log.Warn("ibkr: reconnect attempt failed", "attempt", attempt, "err", err)
		s.status.set(StatusEvent{Status: StatusReconnecting, Err: err, Attempt: attempt})
		if s.cfg.MaxReconnects > 0 && attempt >= s.cfg.MaxReconnects {
			s.shutdown(fmt.Errorf("ibkr: gave up after %d reconnect attempts: %w", attempt, err))
			return nil, false
		}
		wait = min(wait*2, s.cfg.MaxReconnectWait)
	}
}

// dialConn makes one connection of generation gen (see conn.Dial), bounded
// by Config.ConnectTimeout. A refused client id is an *APIError 326.
func (s *Session) dialConn(ctx context.Context, gen uint64) (*conn.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	c, err := conn.Dial(ctx, gen, conn.Options{
		Addr:         s.cfg.addr(),
		ClientID:     s.cfg.ClientID,
		PaceAPI:      !s.cfg.NoPaceAPI,
		Cap:          s.cfg.newRateCap(),
		FirstSend:    s.w.Limiter().Wait,
		Handler:      &wrapper{s: s, gen: gen},
		Logger:       s.log,
		Disconnected: ErrDisconnected,
	})
	var ref *conn.RefusedError
	if errors.As(err, &ref) {
		return nil, &APIError{ReqID: ref.ReqID, Code: ref.Code, Msg: ref.Msg, AdvancedOrderRejectJSON: ref.Advanced, Time: ref.Time}
	}
	return c, err
}

// teardown ends c (see conn.Conn.Teardown); the Session forgets it as
// soon as nothing can be written on it any more.
func (s *Session) teardown(c *conn.Conn) {
	c.Teardown(func() {
		s.ecMu.Lock()
		if s.cur == c {
			s.cur = nil
		}
		s.ecMu.Unlock()
	})
}

// deliverWarnings runs OnWarning off the reader goroutine.
func (s *Session) deliverWarnings() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case w := <-s.warnings:
			if s.cfg.OnWarning != nil {
				s.cfg.OnWarning(w)
			}
		}
	}
}

// warn hands a warning to OnWarning without blocking the reader.
func (s *Session) warn(e *APIError) {
	s.log.Debug("ibkr: gateway notice", "code", e.Code, "reqId", e.ReqID, "msg", e.Msg)
	if s.cfg.OnWarning == nil {
		return
	}
	select {
	case s.warnings <- e:
	default:
	}
}
