package ibkr

import (
	"github.com/ibbot/ibbot/ibkr/internal/pace"

	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// leaseSkip is how long Lease skips a client id that answered 326.
const leaseSkip = time.Minute

// ErrNoFreeClientID: every client id of a Pool's lease range is in use.
var ErrNoFreeClientID = errors.New("ibkr: no free client id in the pool's range")

// Endpoint names one API connection: a Gateway and a client id.
type Endpoint struct {
	Host     string
	Port     int
	ClientID int64
}

func (e Endpoint) String() string { return fmt.Sprintf("%s:%d/%d", e.Host, e.Port, e.ClientID) }

// PoolConfig configures a Pool.
type PoolConfig struct {
	// Session is the template for every session the pool dials; its Host,
	// Port and ClientID are replaced by the endpoint's.
	Session Config
	// LeaseMin and LeaseMax bound the client ids Lease hands out
	// (inclusive). Default 100..131.
	LeaseMin, LeaseMax int64
}

// Pool shares sessions within a process: every caller that asks for the
// same endpoint gets the same live Session, so a process never opens two
// connections with one client id (the cause of error 326). Lease hands out
// sessions on distinct client ids for more throughput.
type Pool struct {
	cfg PoolConfig

	ctx    context.Context // ends at Close: aborts dials in progress
	cancel context.CancelFunc

	mu       sync.Mutex
	shared   map[Endpoint]*poolEntry
	leased   map[*Session]*poolEntry
	idle     map[string][]*poolEntry // by host:port, leased sessions returned
	lines    map[string]*pace.Lines  // one market data line budget per Gateway (account)
	skip     map[Endpoint]time.Time  // ids that answered 326, skipped until then
	reserved map[Endpoint]bool       // ids a Lease is dialing
	closed   bool
	dialing  sync.WaitGroup
}

type poolEntry struct {
	ep      Endpoint
	s       *Session
	err     error
	ready   chan struct{} // closed when the dial finished
	refs    int
	waiters int // callers waiting for the dial
}

// Lease is one reference to a pooled Session: use it as the Session (it
// embeds it) and give it back with Release, which is idempotent (like
// pgxpool's Conn.Release). Close is Release: it never closes a session
// others share. Do not use the Session after Release.
type Lease struct {
	*Session
	p    *Pool
	once sync.Once
}

// Release gives the reference back. A shared session closes when its last
// reference is released; a session from Pool.Lease goes back to the pool,
// open, for the next Lease. Calling it again does nothing.
func (l *Lease) Release() {
	if l == nil {
		return
	}
	l.once.Do(func() { l.p.release(l.Session) })
}

// Close releases the lease (see Release); it returns nil.
func (l *Lease) Close() error {
	l.Release()
	return nil
}

// NewPool returns an empty pool.
func NewPool(cfg PoolConfig) *Pool {
	if cfg.LeaseMin == 0 && cfg.LeaseMax == 0 {
		cfg.LeaseMin, cfg.LeaseMax = 100, 131
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{cfg: cfg, ctx: ctx, cancel: cancel, shared: map[Endpoint]*poolEntry{}, leased: map[*Session]*poolEntry{},
		idle: map[string][]*poolEntry{}, skip: map[Endpoint]time.Time{}, reserved: map[Endpoint]bool{}, lines: map[string]*pace.Lines{}}
}

// sessionConfig is the template with the endpoint filled in. Every session
// of the pool on one Gateway draws from one market data line budget: IB's
// line limit is per account, not per connection.
func (p *Pool) sessionConfig(ep Endpoint) Config {
	c := p.cfg.Session
	c.Host, c.Port, c.ClientID = ep.Host, ep.Port, ep.ClientID
	key := fmt.Sprintf("%s:%d", ep.Host, ep.Port)
	p.mu.Lock()
	b := p.lines[key]
	if b == nil {
		n := c.MarketDataLines
		if n <= 0 {
			n = DefaultMarketDataLines
		}
		b = pace.NewLines(n)
		p.lines[key] = b
	}
	p.mu.Unlock()
	c.lines = b
	return c
}

// Session returns a lease on the shared session of ep, dialing it on first
// use. Concurrent callers for one endpoint share one dial, which runs on
// the pool's own context: a caller whose ctx ends stops waiting, without
// failing the others (a dial nobody waits for any more is closed when it
// completes). Give the lease back with Release.
func (p *Pool) Session(ctx context.Context, ep Endpoint) (*Lease, error) {
	if ep.Host == "" {
		ep.Host = DefaultHost
	}
	if ep.Port == 0 {
		ep.Port = DefaultPort
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		e := p.shared[ep]
		if e == nil {
			if ie := p.takeIdle(ep); ie != nil {
				// A leased session back in the pool, still connected: it
				// becomes the endpoint's shared session.
				ie.refs, ie.ready = 1, make(chan struct{})
				close(ie.ready)
				p.shared[ep] = ie
				p.mu.Unlock()
				return &Lease{Session: ie.s, p: p}, nil
			}
		}
		if e == nil && (p.reserved[ep] || p.inUse(ep)) {
			p.mu.Unlock()
			return nil, fmt.Errorf("ibkr: pool: client id %d at %s:%d is leased by this pool (Pool.Lease) and in use: use that lease, or another client id: %w", ep.ClientID, ep.Host, ep.Port, ErrClientIDInUse)
		}
		if e == nil {
			e = &poolEntry{ep: ep, ready: make(chan struct{})}
			p.shared[ep] = e
			p.dialing.Add(1)
			go p.dial(e)
		}
		e.waiters++
		p.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			p.mu.Lock()
			e.waiters--
			p.mu.Unlock()
			return nil, fmt.Errorf("ibkr: pool: waiting for the session of %s: %w", ep, ctx.Err())
		}
		p.mu.Lock()
		e.waiters--
		if e.err == nil && p.shared[ep] == e && e.s.Status() != StatusClosed {
			e.refs++
			p.mu.Unlock()
			return &Lease{Session: e.s, p: p}, nil
		}
		if e.err != nil {
			err := e.err
			p.mu.Unlock()
			// The dial this caller waited on failed; a caller that wants
			// to try again calls again.
			return nil, err
		}
		if p.shared[ep] == e {
			delete(p.shared, ep) // a closed session: dial anew
		}
		p.mu.Unlock()
	}
}

// dial makes the shared session of e on the pool's context.
func (p *Pool) dial(e *poolEntry) {
	defer p.dialing.Done()
	s, err := Dial(p.ctx, p.sessionConfig(e.ep))
	p.mu.Lock()
	e.s, e.err = s, err
	orphan := err == nil && (p.closed || e.waiters == 0)
	if err != nil || orphan {
		if p.shared[e.ep] == e {
			delete(p.shared, e.ep)
		}
	}
	close(e.ready)
	p.mu.Unlock()
	if orphan {
		s.Close()
	}
}

// release gives back a reference taken by Session or Lease.
func (p *Pool) release(s *Session) {
	if s == nil {
		return
	}
	p.mu.Lock()
	if e, ok := p.leased[s]; ok {
		delete(p.leased, s)
		if p.closed || s.Status() == StatusClosed {
			p.mu.Unlock()
			s.Close()
			return
		}
		key := fmt.Sprintf("%s:%d", e.ep.Host, e.ep.Port)
		p.idle[key] = append(p.idle[key], e)
		p.mu.Unlock()
		return
	}
	for ep, e := range p.shared {
		if e.s == s {
			e.refs--
			if e.refs > 0 {
				p.mu.Unlock()
				return
			}
			delete(p.shared, ep)
			p.mu.Unlock()
			s.Close()
			return
		}
	}
	p.mu.Unlock()
}

// Lease returns a lease on a session of its own, on a client id from the
// pool's range, reusing a released one first. Ids that are in use
// elsewhere (the Gateway answers 326) are skipped for a minute. Give it
// back with Release.
func (p *Pool) Lease(ctx context.Context, host string, port int) (*Lease, error) {
	if host == "" {
		host = DefaultHost
	}
	if port == 0 {
		port = DefaultPort
	}
	key := fmt.Sprintf("%s:%d", host, port)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	for len(p.idle[key]) > 0 {
		e := p.idle[key][0]
		p.idle[key] = p.idle[key][1:]
		if e.s.Status() == StatusClosed {
			continue
		}
		p.leased[e.s] = e
		p.mu.Unlock()
		return &Lease{Session: e.s, p: p}, nil
	}
	p.mu.Unlock()
	for id := p.cfg.LeaseMin; id <= p.cfg.LeaseMax; id++ {
		ep := Endpoint{Host: host, Port: port, ClientID: id}
		p.mu.Lock()
		busy := time.Now().Before(p.skip[ep]) || p.shared[ep] != nil || p.reserved[ep] || p.inUse(ep)
		if !busy {
			p.reserved[ep] = true
		}
		p.mu.Unlock()
		if busy {
			continue
		}
		s, err := p.leaseDial(ctx, ep)
		p.mu.Lock()
		delete(p.reserved, ep)
		if errors.Is(err, ErrClientIDInUse) {
			// In use by another process, or held by the Gateway after a
			// crash (about a minute): try it again later.
			p.skip[ep] = time.Now().Add(leaseSkip)
			p.mu.Unlock()
			continue
		}
		if err != nil {
			p.mu.Unlock()
			return nil, err
		}
		if p.closed {
			p.mu.Unlock()
			s.Close()
			return nil, ErrClosed
		}
		p.leased[s] = &poolEntry{ep: ep, s: s}
		p.mu.Unlock()
		return &Lease{Session: s, p: p}, nil
	}
	return nil, fmt.Errorf("%w: %d..%d at %s", ErrNoFreeClientID, p.cfg.LeaseMin, p.cfg.LeaseMax, key)
}

// leaseDial dials ep for Lease on a context that ends with the caller's
// or the pool's, counted among the dials Close waits for.
func (p *Pool) leaseDial(ctx context.Context, ep Endpoint) (*Session, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	p.dialing.Add(1)
	p.mu.Unlock()
	defer p.dialing.Done()
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(p.ctx, cancel)
	defer stop()
	s, err := Dial(dctx, p.sessionConfig(ep))
	if err != nil && p.ctx.Err() != nil {
		return nil, ErrClosed
	}
	return s, err
}

// takeIdle removes and returns the idle leased session of ep, if any.
// Caller holds p.mu.
func (p *Pool) takeIdle(ep Endpoint) *poolEntry {
	key := fmt.Sprintf("%s:%d", ep.Host, ep.Port)
	for i, e := range p.idle[key] {
		if e.ep == ep && e.s.Status() != StatusClosed {
			p.idle[key] = append(p.idle[key][:i:i], p.idle[key][i+1:]...)
			return e
		}
	}
	return nil
}

// inUse reports whether a leased or idle session holds ep. Caller holds
// p.mu.
func (p *Pool) inUse(ep Endpoint) bool {
	for _, e := range p.leased {
		if e != nil && e.ep == ep {
			return true
		}
	}
	for _, es := range p.idle {
		for _, e := range es {
			if e.ep == ep {
				return true
			}
		}
	}
	return false
}

// Close closes every session of the pool, aborts dials in progress and
// waits for them, and makes later calls fail with ErrClosed. Leases
// released afterwards do nothing harmful.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var all []*Session
	for _, e := range p.shared {
		if e.s != nil {
			all = append(all, e.s)
		}
	}
	for s := range p.leased {
		all = append(all, s)
	}
	for _, es := range p.idle {
		for _, e := range es {
			all = append(all, e.s)
		}
	}
	p.shared, p.leased, p.idle = map[Endpoint]*poolEntry{}, map[*Session]*poolEntry{}, map[string][]*poolEntry{}
	p.mu.Unlock()
	p.cancel()
	p.dialing.Wait()
	for _, s := range all {
		s.Close()
	}
	return nil
}
