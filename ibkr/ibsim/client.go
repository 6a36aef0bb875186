package ibsim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// outQueueLen is the number of frames a connection may have waiting to be
// written. A client that lets this many pile up is too slow to keep and is
// disconnected, so one stalled client never holds up the server.
const outQueueLen = 16384

// rejectGrace is how long a refused connection (326) stays open after the
// error is written; further requests on it are read and dropped. The real
// Gateway's close reaches a client a network round trip later, and
// scmhub/ibapi v0.10.47 races with itself (even crashes) when its socket
// closes while its Connect is still starting goroutines, so the simulator
// leaves a client time to finish starting.
const rejectGrace = time.Second

// drainTimeout bounds how long a connection the server is closing waits
// for the client to close its side.
const drainTimeout = 2 * time.Second

// handshakeTimeout bounds how long a new socket may take to send its
// handshake.
const handshakeTimeout = 10 * time.Second

// client is one API connection.
type client struct {
	srv    *Server
	conn   net.Conn
	connID int64
	log    *slog.Logger

	// Set during the handshake and startApi, then read-only.
	version    int
	codec      wire.Codec // the layouts of the negotiated version
	paceAPI    bool
	clientID   int64
	registered bool
	started    bool

	out       chan []byte
	done      chan struct{}
	closeOnce sync.Once
	closing   atomic.Bool
	rejected  atomic.Bool // refused at startApi; closes after rejectGrace
	draining  atomic.Bool // write side shut; requests are read and dropped

	rate    rateWindow
	strikes []time.Time

	mdType atomic.Int32 // market data type requested with reqMarketDataType (1..4)

	md *mdState   // market data subscriptions (mktdata.go)
	hd *histState // historical data requests (history.go)
	rt *rtState   // real-time bars (rtbars.go)
	tb *tbtState  // tick-by-tick subscriptions (tickbytick.go)

	dp *depthState // market depth requests (depth.go)

	scan *scanState // scanner subscriptions (scanner.go)

	stats *connStats

	// ended is closed when serve returned: nothing of the connection runs
	// any more (its dispatcher included).
	ended chan struct{}
}

func newClient(s *Server, nc net.Conn, connID int64) *client {
	c := &client{
		srv:    s,
		conn:   nc,
		connID: connID,
		log:    s.log.With("conn", connID, "remote", nc.RemoteAddr().String()),
		out:    make(chan []byte, outQueueLen),
		done:   make(chan struct{}),
		ended:  make(chan struct{}),
		rate:   rateWindow{window: s.cfg.Limits.RateWindow},
	}
	c.mdType.Store(1)
	c.md = newMDState()
	c.dp = newDepthState()
	c.hd = newHistState()
	c.rt = newRTState()
	c.tb = newTBTState()
	c.scan = newScanState()
	c.stats = s.stats.newConn(connID, nc.RemoteAddr().String())
	return c
}

// serve runs the connection: handshake, then the read loop. It returns when
// the connection is closed, after the writer goroutine has ended.
func (c *client) serve() {
	var wg sync.WaitGroup
	defer func() {
		c.close("connection ended")
		wg.Wait()
		c.cleanup()
		close(c.ended)
	}()
	br := bufio.NewReaderSize(c.conn, 64<<10)
	if err := c.handshake(br); err != nil {
		c.log.Debug("ibsim handshake failed", "err", err)
		return
	}
	frames := make(chan inFrame, 1024)
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.writeLoop()
	}()
	go func() {
		defer wg.Done()
		c.readLoop(br, frames)
	}()
	c.dispatchLoop(frames)
}

// inFrame is one request as it arrived: the Gateway counts the message
// rate by arrival, not by when it gets round to a request.
type inFrame struct {
	p  []byte
	at time.Time
}

// handshake reads "API\0" and the version range, and answers with the
// negotiated version and the connection time.
func (c *client) handshake(br *bufio.Reader) error {
	_ = c.conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	defer c.conn.SetReadDeadline(time.Time{})
	var prefix [4]byte
	if _, err := io.ReadFull(br, prefix[:]); err != nil {
		return fmt.Errorf("read API prefix: %w", err)
	}
	if !bytes.Equal(prefix[:], []byte("API\x00")) {
		c.srv.stats.badHandshake()
		return fmt.Errorf("socket did not start with API\\0 (got %q)", prefix[:])
	}
	p, err := wire.ReadFrame(br)
	if err != nil {
		c.srv.stats.badHandshake()
		return fmt.Errorf("read version range: %w", err)
	}
	minV, maxV, opts, err := wire.ParseVersionRange(string(p))
	if err != nil {
		c.srv.stats.badHandshake()
		return err
	}
	v := min(maxV, c.srv.cfg.MaxServerVersion)
	// Versions 187..189 carry RFQ placeholder fields that were withdrawn
	// again in 190; the simulator does not speak them.
	if v >= 187 && v <= 189 {
		v = 186
	}
	if v < minV || v < MinClientVersion {
		c.srv.stats.badHandshake()
		return fmt.Errorf("no common version: client v%d..%d, server up to v%d", minV, maxV, c.srv.cfg.MaxServerVersion)
	}
	c.version = v
	c.codec = wire.Codec{Version: v}
	c.paceAPI = strings.Contains(opts, "+PACEAPI")
	c.stats.setVersion(v)
	reply := c.codec.HandshakeReply(c.srv.now())
	_ = c.conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	_, err = c.conn.Write(reply)
	_ = c.conn.SetWriteDeadline(time.Time{})
	return err
}

// readLoop reads and dispatches requests until the socket fails.
func (c *client) readLoop(br *bufio.Reader, frames chan<- inFrame) {
	defer close(frames)
	for {
		p, err := wire.ReadFrame(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !c.closing.Load() {
				c.log.Debug("ibsim read", "err", err)
			}
			return
		}
		select {
		case frames <- inFrame{p: p, at: c.srv.limitNow()}:
		case <-c.done:
			return
		}
	}
}

// dispatchLoop handles requests in arrival order until the connection
// ends.
func (c *client) dispatchLoop(frames <-chan inFrame) {
	for f := range frames {
		if c.closing.Load() {
			return // dropped: what it had read dies with it
		}
		if c.draining.Load() {
			continue // the server is closing this connection: read and drop
		}
		if !c.admitMessage(f.at) {
			return
		}
		c.dispatch(f.p)
		if c.closing.Load() {
			return
		}
	}
}

// admitMessage applies the message-rate limit to one message that arrived
// at arrived. It returns false when the connection must close.
func (c *client) admitMessage(arrived time.Time) bool {
	lim := c.srv.cfg.Limits
	if c.paceAPI {
		// With +PACEAPI the Gateway queues instead of failing: hold the
		// message until the window has room.
		if c.rate.countAt(c.srv.limitNow()) >= lim.MaxMsgRate {
			c.srv.stats.paced()
		}
		for c.rate.countAt(c.srv.limitNow()) >= lim.MaxMsgRate {
			wait := c.rate.waitFor(c.srv.limitNow(), lim.MaxMsgRate)
			if wait <= 0 {
				wait = time.Millisecond
			}
			t := time.NewTimer(min(wait, 20*time.Millisecond))
			select {
			case <-c.done:
				t.Stop()
				return false
			case <-t.C:
			}
		}
	}
	now := arrived
	if c.paceAPI {
		now = c.srv.limitNow() // queued: it counts when it is let through
	}
	n := c.rate.add(now)
	c.stats.window(n)
	c.srv.stats.window(n)
	if n <= lim.MaxMsgRate {
		return true
	}
	// One error 100 and one strike per window with excess.
	if len(c.strikes) > 0 && now.Sub(c.strikes[len(c.strikes)-1]) < lim.RateWindow {
		return true
	}
	keep := c.strikes[:0]
	for _, t := range c.strikes {
		if now.Sub(t) < lim.RateStrikeWindow {
			keep = append(keep, t)
		}
	}
	c.strikes = append(keep, now)
	c.sendError(-1, 100, fmt.Sprintf("Max rate of messages per second has been exceeded:max=%d rec=%d (%d)", lim.MaxMsgRate, n, len(c.strikes)))
	if len(c.strikes) >= lim.RateStrikes {
		c.log.Warn("ibsim closing connection: sustained message rate excess", "strikes", len(c.strikes))
		c.closeAfterFlush("message rate exceeded")
		return true
	}
	return true
}

// dispatch decodes and handles one request. A request the simulator cannot
// parse is answered with error 320 and does not affect the connection.
func (c *client) dispatch(p []byte) {
	id, f, err := c.codec.Request(p)
	if err != nil {
		c.stats.message(-1)
		c.sendError(-1, 320, "Error reading request. "+err.Error())
		return
	}
	c.stats.message(int(id))
	c.srv.stats.message(int(id))
	if c.rejected.Load() {
		return
	}
	if !c.started && id != ibapi.START_API {
		// The Gateway ignores requests before startApi.
		c.log.Debug("ibsim request before startApi ignored", "msg", id)
		return
	}
	h := handlerFor(id)
	if h == nil {
		c.answerUnserved(id, f)
		return
	}
	if d := c.srv.latencyFor(id); d != 0 {
		if d < 0 {
			return // a hung request: read, never answered
		}
		c.later(d, func() { c.runHandler(id, h, f) })
		return
	}
	c.runHandler(id, h, f)
}

// later runs fn after d unless the connection closes first.
func (c *client) later(d time.Duration, fn func()) {
	t := time.NewTimer(d)
	c.srv.wg.Add(1)
	go func() {
		defer c.srv.wg.Done()
		defer t.Stop()
		select {
		case <-t.C:
			fn()
		case <-c.done:
		}
	}()
}

// runHandler runs one request's handler and answers a parse error with
// error 320.
func (c *client) runHandler(id int64, h handler, f *wire.Fields) {
	if err := h(c, f); err != nil {
		var fe *wire.FieldError
		var pe *wire.ProtoError
		if errors.As(err, &fe) || errors.As(err, &pe) {
			c.sendError(f.ReqID, 320, fmt.Sprintf("Error reading request. Message id %d: %v.", id, err))
			return
		}
		c.log.Debug("ibsim request failed", "msg", id, "err", err)
	}
}

// writeLoop writes queued frames in order. A nil frame means: close after
// what came before it.
func (c *client) writeLoop() {
	bw := bufio.NewWriterSize(c.conn, 64<<10)
	for {
		select {
		case <-c.done:
			return
		case b := <-c.out:
			if b == nil {
				_ = bw.Flush()
				c.closeGracefully()
				return
			}
			if _, err := bw.Write(b); err != nil {
				c.close("write failed")
				return
			}
			// Flush when nothing else is waiting, so bursts share syscalls.
			if len(c.out) == 0 {
				if err := bw.Flush(); err != nil {
					c.close("write failed")
					return
				}
			}
		}
	}
}

// send queues one message (a whole frame) for the client; nil sends
// nothing. It never blocks: a client whose queue is full is disconnected.
func (c *client) send(b []byte) {
	if b == nil || c.closing.Load() {
		return
	}
	select {
	case c.out <- b:
	default:
		c.log.Warn("ibsim closing connection: client does not read its messages")
		c.close("output queue full")
	}
}

// sendError sends an error or warning message in the layout of the
// negotiated version.
func (c *client) sendError(reqID int64, code int, text string) {
	c.send(c.codec.Error(reqID, code, text, time.Now()))
	c.srv.stats.errorSent(code)
	c.stats.errorSent(code)
	c.log.Info("ibsim error sent", "clientId", c.clientID, "reqId", reqID, "code", code, "msg", text)
}

// closeAfterFlush closes the connection once everything queued before it
// is written.
func (c *client) closeAfterFlush(reason string) {
	if c.closing.Load() {
		return
	}
	c.log.Debug("ibsim closing after flush", "reason", reason)
	select {
	case c.out <- nil:
	default:
		c.close(reason)
	}
}

// closeGracefully ends the connection after everything queued was
// written: it shuts the write side, so the client reads every message and
// then EOF, and closes the socket once the client has closed its side or
// drainTimeout passed. Closing at once while the client is still sending
// would reset the connection and could discard the last messages before
// the client reads them.
func (c *client) closeGracefully() {
	c.draining.Store(true)
	tc, ok := c.conn.(interface{ CloseWrite() error })
	if !ok || tc.CloseWrite() != nil {
		c.close("closed by server")
		return
	}
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-t.C:
		c.close("closed by server")
	case <-c.done:
	}
}

// reject refuses the connection after startApi: it ignores every further
// request and closes the socket after rejectGrace.
func (c *client) reject(reason string) {
	c.rejected.Store(true)
	c.later(rejectGrace, func() { c.closeAfterFlush(reason) })
}

// close closes the connection at once. It is idempotent.
func (c *client) close(reason string) {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		close(c.done)
		// Free the client id before the socket closes: a client that sees
		// its connection end may reconnect with the same id at once.
		c.srv.unregister(c)
		_ = c.conn.Close()
		if c.registered {
			c.log.Info("ibsim client disconnected", "clientId", c.clientID, "reason", reason)
		}
	})
}

// cleanup releases what the connection held once its goroutines ended.
func (c *client) cleanup() {
	c.md.closeAll(c)
	c.dp.closeAll(c)
	c.hd.closeAll(c)
	c.tb.closeAll(c)
	c.srv.remove(c)
	c.stats.closed()
}

// onTick is called by the server's tick loop with the market-clock instant.
func (c *client) onTick(now time.Time) {
	if c.closing.Load() {
		return
	}
	c.md.tick(c, now)
	c.dp.tick(c, now)
	c.hd.tick(c, now)
	c.rt.tick(c, now)
	c.tb.tick(c, now)
	c.scanTick(now)
}

// rateWindow is a sliding window of message arrival times.
type rateWindow struct {
	window time.Duration
	times  []time.Time // ascending; live entries are times[head:]
	head   int
}

func (r *rateWindow) trim(now time.Time) {
	for r.head < len(r.times) && now.Sub(r.times[r.head]) >= r.window {
		r.head++
	}
	// Compact now and then, not on every message.
	if r.head > 64 && r.head*2 >= len(r.times) {
		n := copy(r.times, r.times[r.head:])
		r.times = r.times[:n]
		r.head = 0
	}
}

// add records an arrival and returns the number of arrivals in the window
// ending now.
func (r *rateWindow) add(now time.Time) int {
	r.trim(now)
	r.times = append(r.times, now)
	return len(r.times) - r.head
}

// countAt returns the arrivals in the window ending at now.
func (r *rateWindow) countAt(now time.Time) int {
	r.trim(now)
	return len(r.times) - r.head
}

// waitFor returns how long until the window holds fewer than max arrivals.
func (r *rateWindow) waitFor(now time.Time, max int) time.Duration {
	r.trim(now)
	live := r.times[r.head:]
	if len(live) < max {
		return 0
	}
	oldest := live[len(live)-max]
	return oldest.Add(r.window).Sub(now)
}
