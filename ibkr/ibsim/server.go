package ibsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// ErrClosed is returned by operations on a closed Server.
var ErrClosed = errors.New("ibsim: server closed")

// Server is a running simulated IB Gateway. Its methods are safe for
// concurrent use.
type Server struct {
	cfg  Config
	log  *slog.Logger
	ln   net.Listener
	addr string

	faults *faults
	ref    *market.RefData
	prices *market.PriceModel
	lines  *lineBudget
	hist   *histPacer
	tbt    *lineBudget // tick-by-tick subscriptions (tickbytick.go)
	stats  *statsCollector
	engine *engine.Engine // orders, executions and the account
	apiCfg apiConfig      // reqConfig / updateConfig (restreq.go)

	depthSlots *lineBudget // open market depth requests of the account

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	clients    map[int64]*client // every connection, by connection id
	byID       map[int64]*client // the connections that completed startApi, by client id
	nextConn   int64
	closed     bool
	restarting bool
	accepting  chan struct{} // closed when the current accept loop ends

	closeOnce sync.Once
	closeErr  error
}

// Start listens on cfg.Addr and serves the TWS API protocol until Close.
func Start(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("ibsim: listen on %s: %w", cfg.Addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		depthSlots: newLineBudget(cfg.Limits.MaxDepthRequests),

		cfg:     cfg,
		log:     cfg.Logger,
		ln:      ln,
		addr:    ln.Addr().String(),
		ref:     market.NewRefData(cfg.Seed),
		prices:  market.NewPriceModel(cfg.Seed),
		lines:   newLineBudget(cfg.Limits.MaxMarketDataLines),
		tbt:     newLineBudget(cfg.Limits.MaxTickByTick),
		hist:    newHistPacer(cfg.Limits),
		faults:  newFaults(),
		stats:   newStatsCollector(),
		ctx:     ctx,
		cancel:  cancel,
		clients: make(map[int64]*client),
		byID:    make(map[int64]*client),
	}
	s.engine = engine.New(engine.Config{
		Account:           cfg.Account,
		Seed:              cfg.Seed,
		Clock:             cfg.Clock,
		Ref:               s.ref,
		Prices:            s.prices,
		Sink:              engineSink{s},
		MaxAccountSummary: cfg.Limits.MaxAccountSummary,
		TakeReject:        s.takeReject,
	})
	s.mu.Lock()
	s.startAccept(ln)
	s.mu.Unlock()
	s.wg.Add(1)
	go s.tickLoop()
	s.log.Info("ibsim listening", "addr", s.addr, "account", cfg.Account, "seed", cfg.Seed, "delayed", cfg.Delayed)
	return s, nil
}

// Addr returns the address the server listens on, as host:port.
func (s *Server) Addr() string { return s.addr }

// Close stops the listener, closes every client connection and waits for
// every goroutine the server started. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		cs := make([]*client, 0, len(s.clients))
		for _, c := range s.clients {
			cs = append(cs, c)
		}
		ln := s.ln
		s.mu.Unlock()
		s.cancel()
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.closeErr = err
		}
		for _, c := range cs {
			c.close("server closed")
		}
		s.wg.Wait()
		s.log.Info("ibsim closed", "addr", s.addr)
	})
	return s.closeErr
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	st := s.stats.snapshot()
	st.OrdersAccepted, st.OrderFills, st.OrderRejects = s.engine.Counts()
	st.MarketDataLines = s.lines.inUse()
	st.MarketDataLinesPeak = s.lines.peak()
	st.HistoricalOpen = s.hist.openCount()
	s.mu.Lock()
	st.Clients = len(s.byID)
	s.mu.Unlock()
	return st
}

// now is the market clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }

// limitNow is the clock of the rate and pacing windows.
func (s *Server) limitNow() time.Time { return s.cfg.LimitClock.Now() }

// startAccept runs an accept loop on ln. The caller holds s.mu.
func (s *Server) startAccept(ln net.Listener) {
	done := make(chan struct{})
	s.accepting = done
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		s.acceptLoop(ln)
	}()
}

// acceptDone returns a channel closed when the current accept loop ended.
func (s *Server) acceptDone() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepting
}

func (s *Server) acceptLoop(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Error("ibsim accept", "err", err)
			return
		}
		s.mu.Lock()
		if s.closed || s.restarting {
			s.mu.Unlock()
			_ = nc.Close()
			continue
		}
		if len(s.clients) >= s.cfg.Limits.MaxClients {
			s.mu.Unlock()
			s.log.Warn("ibsim refused connection: client limit reached", "remote", nc.RemoteAddr().String(), "max", s.cfg.Limits.MaxClients)
			s.stats.refused()
			_ = nc.Close()
			continue
		}
		s.nextConn++
		c := newClient(s, nc, s.nextConn)
		s.clients[c.connID] = c
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.serve()
		}()
	}
}

// register binds a client id to a connection after startApi. It fails when
// the id is in use by another live connection.
func (s *Server) register(c *client, clientID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, ok := s.byID[clientID]; ok && other != c {
		return false
	}
	s.byID[clientID] = c
	return true
}

// unregister frees a connection's client id.
func (s *Server) unregister(c *client) {
	s.mu.Lock()
	for id, x := range s.byID {
		if x == c {
			delete(s.byID, id)
		}
	}
	s.mu.Unlock()
}

// remove forgets a closed connection.
func (s *Server) remove(c *client) {
	s.unregister(c)
	s.mu.Lock()
	delete(s.clients, c.connID)
	s.mu.Unlock()
}

// allClients returns every connection, registered or not.
func (s *Server) allClients() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	return out
}

// liveClients returns the connections that completed startApi.
func (s *Server) liveClients() []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*client, 0, len(s.byID))
	for _, c := range s.byID {
		out = append(out, c)
	}
	return out
}

// tickLoop drives streaming market data and keepUpToDate bars.
func (s *Server) tickLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.tick()
		}
	}
}

// Tick runs one market step now: working orders are matched against the
// quotes of the current market-clock instant (each order at most once per
// instant), and every streaming subscription gets those quotes. The server
// also does this by itself every Config.TickInterval; tests on a
// VirtualClock call Tick after moving the clock to see the new state
// without waiting.
func (s *Server) Tick() {
	s.tick()
}

func (s *Server) tick() {
	// Orders match before the streams show the instant, so a client sees
	// its fill no later than the quote it filled at.
	s.engine.Step()
	now := s.now()
	for _, c := range s.liveClients() {
		c.onTick(now)
	}
}
