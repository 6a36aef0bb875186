package conn

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/scmhub/ibapi"
)

// Conn is one connection to the Gateway: a guarded socket and two EClients
// on it, the encoder the Session writes through (Send) and the decoder that
// feeds the Session's Handler (see guard). A Session replaces it on every
// reconnect; it is never reused.
type Conn struct {
	gen uint64
	o   Options
	g   *guard
	ec  *ibapi.EClient // the encoder: only Send (and the proofs) call it
	dc  *ibapi.EClient // the decoder: never called after the handshake proof

	// sendMu is held while calling into ec; dead is set under it once
	// nothing may call into ec any more.
	sendMu sync.Mutex
	dead   bool

	mu          sync.Mutex
	nextValidID int64
	accounts    []string
	gotID       bool
	gotAccounts bool
	refusal     *RefusedError // 326 during the handshake

	// encLive and decLive: each EClient's request goroutine has been seen
	// running (its start races with the client's shutdown otherwise).
	encLive, decLive bool

	ready     chan struct{} // nextValidId and managedAccounts both arrived
	refused   chan struct{} // 326 arrived
	barrier   chan struct{} // the teardown barrier was decoded
	closedCh  chan struct{} // the decoder reported ConnectionClosed
	encClosed chan struct{} // the encoder reported ConnectionClosed
	down      chan struct{} // closed when teardown starts
	probed    chan struct{} // the first round trip's answer arrived
	downOnce  sync.Once

	readyOnce, refusedOnce, barrierOnce, closedOnce, encClosedOnce, probeOnce sync.Once
}

// version is the negotiated server version.
func (c *Conn) version() int { return int(c.g.serverVersion.Load()) }

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

func (c *Conn) markReady() {
	c.mu.Lock()
	ok := c.gotID && c.gotAccounts
	c.mu.Unlock()
	if ok {
		c.readyOnce.Do(func() { close(c.ready) })
	}
}

// Dial makes one connection: TCP through a guard, the API handshake,
// startApi, the Gateway's bootstrap (managedAccounts, nextValidId) and one
// reqCurrentTime round trip. gen names the connection (Gen). It returns a
// *RefusedError when the Gateway refuses the client id (326). ctx bounds
// the whole attempt.
func Dial(ctx context.Context, gen uint64, o Options) (*Conn, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Disconnected == nil {
		o.Disconnected = errDisconnected
	}
	g, err := dialGuard(ctx, o.Addr, o.Cap, o.Disconnected)
	if err != nil {
		return nil, fmt.Errorf("ibkr: connect: %w", err)
	}
	c := &Conn{
		gen:       gen,
		o:         o,
		g:         g,
		ready:     make(chan struct{}),
		refused:   make(chan struct{}),
		barrier:   make(chan struct{}),
		closedCh:  make(chan struct{}),
		encClosed: make(chan struct{}),
		down:      make(chan struct{}),
		probed:    make(chan struct{}),
	}
	w := &wrapper{c: c, h: o.Handler}
	c.dc = ibapi.NewEClient(w)
	c.ec = ibapi.NewEClient(&encoderWrapper{w: w})
	if o.PaceAPI {
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
	go func() { encErr <- c.ec.Connect("127.0.0.1", g.encoderPort(), c.o.ClientID) }()
	go func() { decErr <- c.dc.Connect("127.0.0.1", g.decoderPort(), c.o.ClientID) }()
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
			c.teardown(true, nil)
			return nil, fmt.Errorf("ibkr: connect to %s: %w", o.Addr, context.Cause(ctx))
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
		cerr = fmt.Errorf("%w: the gateway closed the connection during the handshake", o.Disconnected)
	}
	if cerr != nil {
		c.teardown(false, nil)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ibkr: connect to %s: %w", o.Addr, context.Cause(ctx))
		}
		return nil, fmt.Errorf("ibkr: connect to %s: %w", o.Addr, wrapDisconnected(cerr, o.Disconnected))
	}

	fail := func(err error) (*Conn, error) {
		c.teardown(true, nil)
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
		return fail(fmt.Errorf("ibkr: connect to %s: the wire client's decoder did not start", o.Addr))
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
		return fail(fmt.Errorf("ibkr: connect to %s: %w: the gateway closed the connection before the session was ready", o.Addr, o.Disconnected))
	case <-c.closedCh:
		return fail(fmt.Errorf("ibkr: connect to %s: %w: the client shut down before the session was ready", o.Addr, o.Disconnected))
	case <-ctx.Done():
		return fail(fmt.Errorf("ibkr: connect to %s: waiting for the gateway's bootstrap: %w", o.Addr, ctx.Err()))
	}
	// One round trip proves the encoder's request goroutine runs and that
	// the Gateway answers.
	if err := o.firstSend(ctx); err != nil {
		// x/time/rate refuses at once a wait that would outlast ctx's
		// deadline: that is ctx's deadline.
		if ctx.Err() == nil {
			err = fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		} else {
			err = ctx.Err()
		}
		return fail(fmt.Errorf("ibkr: connect to %s: waiting to send the first request: %w", o.Addr, err))
	}
	c.ec.ReqCurrentTime()
	select {
	case <-c.probed:
	case <-ctx.Done():
		return fail(fmt.Errorf("ibkr: connect to %s: first round trip: %w", o.Addr, ctx.Err()))
	}
	c.mu.Lock()
	c.encLive = true
	c.mu.Unlock()
	select {
	case <-g.lostCh():
		return fail(fmt.Errorf("ibkr: connect to %s: %w", o.Addr, o.Disconnected))
	default:
	}
	return c, nil
}

// Teardown ends the connection so that both EClients shut down with nobody
// calling into them: no more writes, the Gateway side closed, a barrier
// that proves every message read so far was delivered, then EOF. detached,
// if set, runs once Send refuses (the caller forgets the connection there).
// It returns when the EClients have shut down (or the bounds passed).
func (c *Conn) Teardown(detached func()) { c.teardown(true, detached) }

// teardown is Teardown; started says whether the EClients' goroutines run.
func (c *Conn) teardown(started bool, detached func()) {
	c.downOnce.Do(func() { close(c.down) })
	// Close the Gateway side first: a writer blocked inside an EClient call
	// (its socket full because the Gateway stopped reading) is released,
	// since the guard then drains the encoder's socket.
	c.g.stop()
	c.sendMu.Lock()
	c.dead = true
	c.sendMu.Unlock()
	if detached != nil {
		detached()
	}
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
				c.o.Logger.Warn("ibkr: wire client's request goroutine did not start", "clientId", c.o.ClientID)
			}
		}
		if !decLive {
			before := c.g.decBytes.Load()
			c.dc.ReqCurrentTime()
			if !awaitBytes(&c.g.decBytes, c.g.decRead, before, barrierTimeout) {
				c.o.Logger.Warn("ibkr: wire client's decoder did not start", "clientId", c.o.ClientID)
			}
		}
		if err := c.g.sendDown(barrierFrame(c.version())); err == nil {
			t := time.NewTimer(barrierTimeout)
			select {
			case <-c.barrier:
			case <-c.closedCh:
			case <-t.C:
				c.o.Logger.Warn("ibkr: teardown barrier not reached", "clientId", c.o.ClientID)
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
				c.o.Logger.Warn("ibkr: wire client did not shut down in time", "clientId", c.o.ClientID)
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

// wrapDisconnected makes err match disconnected.
func wrapDisconnected(err, disconnected error) error {
	if errors.Is(err, disconnected) {
		return err
	}
	return fmt.Errorf("%w: %w", disconnected, err)
}
