package ibkr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/scmhub/ibapi"
)

// conn is one connection to the Gateway: a guarded socket and two EClients
// on it, the encoder the Session writes through and the decoder that feeds
// the Session's wrapper (see guard). A Session replaces it on every
// reconnect; it is never reused.
type conn struct {
	gen uint64
	g   *guard
	ec  *ibapi.EClient // the encoder: only the Session's write path calls it
	dc  *ibapi.EClient // the decoder: never called after the handshake proof

	// dead is set (under Session.ecMu) once nothing may call into ec.
	dead bool

	mu          sync.Mutex
	nextValidID int64
	accounts    []string
	gotID       bool
	gotAccounts bool
	refusal     *APIError // 326 during the handshake

	// encLive and decLive: each EClient's request goroutine has been seen
	// running (its start races with the client's shutdown otherwise).
	encLive, decLive bool

	ready     chan struct{} // nextValidId and managedAccounts both arrived
	refused   chan struct{} // 326 arrived
	barrier   chan struct{} // the teardown barrier was decoded
	closedCh  chan struct{} // the decoder reported ConnectionClosed
	encClosed chan struct{} // the encoder reported ConnectionClosed
	down      chan struct{} // closed when teardown starts
	probe     *oneShot[int64]
	downOnce  sync.Once

	readyOnce, refusedOnce, barrierOnce, closedOnce, encClosedOnce sync.Once
}

// version is the negotiated server version.
func (c *conn) version() int { return int(c.g.serverVersion.Load()) }

// encoderWrapper receives the encoder's few callbacks: client-side errors
// raised inside a request call (routed like the Gateway's), and its end.
type encoderWrapper struct {
	quietWrapper
	w *wrapper
}

func (e *encoderWrapper) ConnectionClosed() {
	e.w.c.encClosedOnce.Do(func() { close(e.w.c.encClosed) })
}

func (e *encoderWrapper) Error(reqID, errTime, code int64, msg, advanced string) {
	e.w.Error(reqID, errTime, code, msg, advanced)
}

// barrierTime is the value of the synthetic currentTime message the guard
// injects at teardown; when the wrapper sees it, every message before it
// has been delivered.
const barrierTime = -7305

// teardown timeouts: how long to wait for the EClient's decoder to reach
// the barrier and for the EClient to shut down. Both are normally
// microseconds; the bounds only matter for a wedged EClient.
const (
	barrierTimeout  = 2 * time.Second
	shutdownTimeout = 5 * time.Second
)

func (c *conn) markReady() {
	c.mu.Lock()
	ok := c.gotID && c.gotAccounts
	c.mu.Unlock()
	if ok {
		c.readyOnce.Do(func() { close(c.ready) })
	}
}

// dialConn makes one connection: TCP through a guard, the API handshake,
// startApi, the Gateway's bootstrap (managedAccounts, nextValidId) and one
// reqCurrentTime round trip. It returns an *APIError with code 326 when the
// client id is refused.
func (s *Session) dialConn(ctx context.Context, gen uint64) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	g, err := dialGuard(ctx, s.cfg.addr(), s.cfg.newRateCap())
	if err != nil {
		return nil, fmt.Errorf("ibkr: connect: %w", err)
	}
	c := &conn{
		gen:       gen,
		g:         g,
		ready:     make(chan struct{}),
		refused:   make(chan struct{}),
		barrier:   make(chan struct{}),
		closedCh:  make(chan struct{}),
		encClosed: make(chan struct{}),
		down:      make(chan struct{}),
		probe:     newOneShot[int64](),
	}
	w := &wrapper{s: s, c: c}
	c.dc = ibapi.NewEClient(w)
	c.ec = ibapi.NewEClient(&encoderWrapper{w: w})
	if !s.cfg.NoPaceAPI {
		// The Gateway queues what would exceed its rate instead of
		// answering 100: a backstop behind the Session's own pacing, for
		// the delays the Session cannot see (the Gateway's reader stalled).
		// Only the encoder's handshake reaches the Gateway.
		c.ec.SetConnectionOptions("+PACEAPI")
	}

	// The EClients' Connect has no context: run them aside, and unblock
	// them by ending the guard if ctx ends first.
	acceptErr := make(chan error, 1)
	go func() { acceptErr <- g.accept(ctx) }()
	encErr, decErr := make(chan error, 1), make(chan error, 1)
	go func() { encErr <- c.ec.Connect("127.0.0.1", g.encoderPort(), s.cfg.ClientID) }()
	go func() { decErr <- c.dc.Connect("127.0.0.1", g.decoderPort(), s.cfg.ClientID) }()
	var eerr, derr, aerr error
	// One Connect failing (its dial refused, the socket ended) ends the
	// guard, so that the other returns at once.
	firstFailed := func(err error, other chan error) error {
		if err != nil {
			g.abortUpstream()
			g.endClients()
		}
		return <-other
	}
	select {
	case eerr = <-encErr:
		derr = firstFailed(eerr, decErr)
		aerr = <-acceptErr
	case derr = <-decErr:
		eerr = firstFailed(derr, encErr)
		aerr = <-acceptErr
	case <-ctx.Done():
		// Close the Gateway side, let accept end (it honours ctx), then
		// end the EClients' sockets; but if the Gateway's handshake reply
		// already reached them, let their Connect return first: ending a
		// client while its Connect is still starting it races inside the
		// wire library.
		g.abortUpstream()
		aerr = <-acceptErr
		released := false
		if g.replied.Load() {
			t := time.NewTimer(barrierTimeout)
			for eerr == nil && derr == nil && (encErr != nil || decErr != nil) {
				select {
				case eerr = <-encErr:
					encErr = nil
				case derr = <-decErr:
					decErr = nil
				case <-t.C:
					g.endClients()
					released = true
					if encErr != nil {
						eerr = <-encErr
					}
					if decErr != nil {
						derr = <-decErr
					}
					encErr, decErr = nil, nil
				}
			}
			t.Stop()
			if encErr != nil {
				g.endClients()
				released = true
				eerr = <-encErr
			}
			if decErr != nil {
				g.endClients()
				released = true
				derr = <-decErr
			}
		} else {
			g.endClients()
			released = true
			eerr, derr = <-encErr, <-decErr
		}
		// Connect returns nil without connecting when the socket ends
		// before the handshake reply; a client only runs when the reply
		// reached it (then nothing has released it yet).
		if !released && g.replied.Load() && eerr == nil && derr == nil && aerr == nil && c.ec.IsConnected() && c.dc.IsConnected() {
			// Both clients run: end them as any connection ends.
			s.teardown(c, true)
			return nil, fmt.Errorf("ibkr: connect to %s: %w", s.cfg.addr(), context.Cause(ctx))
		}
		if eerr == nil {
			eerr = ctx.Err()
		}
	}
	cerr := errors.Join(eerr, derr)
	if cerr == nil && aerr != nil {
		cerr = aerr
	}
	if cerr == nil && (!c.ec.IsConnected() || !c.dc.IsConnected()) {
		cerr = fmt.Errorf("%w: the gateway closed the connection during the handshake", ErrDisconnected)
	}
	if cerr != nil {
		s.teardown(c, false)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ibkr: connect to %s: %w", s.cfg.addr(), context.Cause(ctx))
		}
		return nil, fmt.Errorf("ibkr: connect to %s: %w", s.cfg.addr(), wrapDisconnected(cerr))
	}

	fail := func(err error) (*conn, error) {
		s.teardown(c, true)
		c.mu.Lock()
		ref := c.refusal
		c.mu.Unlock()
		if ref != nil {
			return nil, ref
		}
		return nil, err
	}
	// Prove the decoder's request goroutine runs while it has seen nothing
	// but the handshake: this is the only call ever made into it, and it
	// cannot meet a malformed message yet.
	before := g.decBytes.Load()
	c.dc.ReqCurrentTime()
	if !awaitBytes(&g.decBytes, g.decRead, before, barrierTimeout) {
		return fail(fmt.Errorf("ibkr: connect to %s: the wire client's decoder did not start", s.cfg.addr()))
	}
	c.mu.Lock()
	c.decLive = true
	c.mu.Unlock()
	g.openDown()

	select {
	case <-c.ready:
	case <-c.refused:
		return fail(nil)
	case <-g.lostCh():
		return fail(fmt.Errorf("ibkr: connect to %s: %w: the gateway closed the connection before the session was ready", s.cfg.addr(), ErrDisconnected))
	case <-c.closedCh:
		return fail(fmt.Errorf("ibkr: connect to %s: %w: the client shut down before the session was ready", s.cfg.addr(), ErrDisconnected))
	case <-ctx.Done():
		return fail(fmt.Errorf("ibkr: connect to %s: waiting for the gateway's bootstrap: %w", s.cfg.addr(), ctx.Err()))
	}
	// One round trip proves the encoder's request goroutine runs and that
	// the Gateway answers.
	if err := s.w.lim.Wait(ctx); err != nil {
		// x/time/rate refuses at once a wait that would outlast ctx's
		// deadline: that is ctx's deadline.
		if ctx.Err() == nil {
			err = fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		} else {
			err = ctx.Err()
		}
		return fail(fmt.Errorf("ibkr: connect to %s: waiting to send the first request: %w", s.cfg.addr(), err))
	}
	c.ec.ReqCurrentTime()
	if _, err := c.probe.Wait(ctx); err != nil {
		return fail(fmt.Errorf("ibkr: connect to %s: first round trip: %w", s.cfg.addr(), err))
	}
	c.mu.Lock()
	c.encLive = true
	c.mu.Unlock()
	select {
	case <-g.lostCh():
		return fail(fmt.Errorf("ibkr: connect to %s: %w", s.cfg.addr(), ErrDisconnected))
	default:
	}
	return c, nil
}

// teardown ends a connection so that both EClients shut down with nobody
// calling into them: no more writes, the Gateway side closed, a barrier
// that proves every message read so far was delivered, then EOF. started
// says whether the EClients' goroutines run.
func (s *Session) teardown(c *conn, started bool) {
	c.downOnce.Do(func() { close(c.down) })
	// Close the Gateway side first: a writer blocked inside an EClient call
	// (its socket full because the Gateway stopped reading) is released,
	// since the guard then drains the encoder's socket.
	c.g.stop()
	s.ecMu.Lock()
	c.dead = true
	if s.cur == c {
		s.cur = nil
	}
	s.ecMu.Unlock()
	c.mu.Lock()
	encLive, decLive := c.encLive, c.decLive
	c.mu.Unlock()
	if started {
		// An EClient's request goroutine may not have started yet, and its
		// start races with the client's shutdown (scmhub/ibapi v0.10.47).
		// One request through it, seen arriving at the guard, proves it
		// runs. Nothing else calls into these EClients any more; the
		// decoder has met no Gateway message unless it was proven already.
		if !encLive {
			before := c.g.upBytes.Load()
			c.ec.ReqCurrentTime()
			if !awaitBytes(&c.g.upBytes, c.g.upRead, before, barrierTimeout) {
				s.log.Warn("ibkr: wire client's request goroutine did not start", "clientId", s.cfg.ClientID)
			}
		}
		if !decLive {
			before := c.g.decBytes.Load()
			c.dc.ReqCurrentTime()
			if !awaitBytes(&c.g.decBytes, c.g.decRead, before, barrierTimeout) {
				s.log.Warn("ibkr: wire client's decoder did not start", "clientId", s.cfg.ClientID)
			}
		}
		if err := c.g.sendDown(barrierFrame(c.version())); err == nil {
			t := time.NewTimer(barrierTimeout)
			select {
			case <-c.barrier:
			case <-c.closedCh:
			case <-t.C:
				s.log.Warn("ibkr: teardown barrier not reached", "clientId", s.cfg.ClientID)
			}
			t.Stop()
		}
	}
	c.g.release()
	if !started {
		c.g.closeConns() // no client will read EOF and close its socket
	}
	if started {
		deadline, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		for _, ch := range []chan struct{}{c.closedCh, c.encClosed} {
			select {
			case <-ch:
			case <-deadline.Done():
				s.log.Warn("ibkr: wire client did not shut down in time", "clientId", s.cfg.ClientID)
			}
		}
		cancel()
	}
	c.g.wait(shutdownTimeout)
}

// barrierFrame is a currentTime message carrying barrierTime, encoded for
// the negotiated version (a 4-byte binary message id from 201 on).
func barrierFrame(version int) []byte {
	var payload []byte
	if version >= 201 {
		payload = binary.BigEndian.AppendUint32(payload, 49)
	} else {
		payload = append(payload, "49\x00"...)
	}
	payload = append(payload, fmt.Sprintf("1\x00%d\x00", barrierTime)...)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(frame, payload...)
}

// wrapDisconnected makes err match ErrDisconnected.
func wrapDisconnected(err error) error {
	if errors.Is(err, ErrDisconnected) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrDisconnected, err)
}
