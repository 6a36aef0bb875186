package conn

import (
	"github.com/ibbot/ibbot/ibkr/internal/pace"

	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// guard is a loopback relay between the Gateway and two scmhub/ibapi
// EClients of one connection: the encoder, which the Session calls to
// write requests and which never receives anything from the Gateway but
// the handshake, and the decoder, which decodes the Gateway's messages
// into the Session's wrapper and which the Session never calls.
//
// scmhub/ibapi v0.10.47 has properties a shared, reconnecting session
// cannot live with:
//
//   - A malformed message makes the EClient's decoder panic; it recovers
//     and the client resets every field (server version, socket, request
//     channel) from its own goroutine, while any concurrent call into it
//     reads them: a data race nobody can lock against. With the split, the
//     EClient that meets Gateway input is never called, and the one that
//     is called never meets Gateway input.
//   - EClient.Disconnect races with the client's own shutdown watcher. The
//     only clean way for an EClient to end is to read EOF while nobody
//     calls into it. The guard lets the Session decide when each EClient
//     sees EOF: after its writer stopped.
//   - On a write error the EClient silently redials TCP and sends the
//     request on the new socket without a handshake. Each listener of the
//     guard accepts exactly one connection, so such a redial fails, and
//     the guard never makes a write fail in the first place.
//   - When the Gateway closes the socket, the EClient would learn it while
//     the Session may be inside an EClient call. The guard reports the loss
//     to the Session instead.
type guard struct {
	encLn, decLn net.Listener
	upstream     net.Conn

	mu    sync.Mutex
	enc   net.Conn   // the encoder's socket, once accepted
	dec   net.Conn   // the decoder's socket, once accepted
	extra []net.Conn // accepted but not relayed (an aborted dial)

	lost     chan struct{} // closed when the connection ended
	lostOnce sync.Once
	lostErr  error
	downDone chan struct{} // closed when pumpDown returned
	stopOnce sync.Once
	// noCloseWait: stop does not wait for the Gateway to close its side
	// (an aborted dial: no client id to free).
	noCloseWait atomic.Bool

	cap *pace.Cap // hard rate cap on request frames; nil: none

	// serverVersion is the version of the Gateway's handshake reply, read
	// by the guard itself (reading it from an EClient could race with that
	// client's own shutdown).
	serverVersion atomic.Int64
	// replied: the handshake reply is being or was handed to the EClients.
	replied atomic.Bool

	upBytes atomic.Int64  // bytes read from the encoder
	upRead  chan struct{} // signalled (non-blocking) on every such read

	decBytes atomic.Int64  // bytes read from the decoder
	decRead  chan struct{} // signalled on every such read

	// goDown opens the flow of Gateway messages (after the handshake reply)
	// to the decoder; until then the decoder has seen only the handshake.
	goDown     chan struct{}
	goDownOnce sync.Once

	wg      sync.WaitGroup
	abortWG sync.WaitGroup // accept's collectors after an aborted accept
}

// dialGuard connects to the Gateway at addr and opens the two one-shot
// listeners the EClients will dial.
func dialGuard(ctx context.Context, addr string, rateCap *pace.Cap, disconnected error) (*guard, error) {
	var d net.Dialer
	up, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, dialError(addr, err, disconnected)
	}
	if tc, ok := up.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	encLn, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		up.Close()
		return nil, fmt.Errorf("ibkr: open local relay: %w", err)
	}
	decLn, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		up.Close()
		encLn.Close()
		return nil, fmt.Errorf("ibkr: open local relay: %w", err)
	}
	return &guard{encLn: encLn, decLn: decLn, upstream: up, cap: rateCap, lost: make(chan struct{}),
		downDone: make(chan struct{}), upRead: make(chan struct{}, 1), decRead: make(chan struct{}, 1),
		goDown: make(chan struct{})}, nil
}

// dialError explains a failed TCP connect to the Gateway.
func dialError(addr string, err error, disconnected error) error {
	var hint string
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		hint = "; is IB Gateway or TWS running there with the API enabled (Configure > Settings > API: Enable ActiveX and Socket Clients, socket port 4001/4002 for the Gateway, 7496/7497 for TWS, 127.0.0.1 a trusted IP), or `ibbot sim` for the simulator?"
	}
	return fmt.Errorf("%w: dial %s: %w%s", disconnected, addr, err, hint)
}

// encoderPort and decoderPort are the ports the two EClients must dial.
func (g *guard) encoderPort() int { return g.encLn.Addr().(*net.TCPAddr).Port }
func (g *guard) decoderPort() int { return g.decLn.Addr().(*net.TCPAddr).Port }

// accept waits for both EClients' connections (one each) and starts
// relaying. It must be called concurrently with their Connect calls.
func (g *guard) accept(ctx context.Context) error {
	type res struct {
		c   net.Conn
		err error
	}
	acceptOne := func(ln net.Listener) <-chan res {
		ch := make(chan res, 1)
		go func() {
			c, err := ln.Accept()
			// One connection only: a silent redial finds no listener.
			ln.Close()
			ch <- res{c, err}
		}()
		return ch
	}
	ech, dch := acceptOne(g.encLn), acceptOne(g.decLn)
	var enc, dec res
	gotE, gotD := false, false
	for !gotE || !gotD {
		select {
		case enc = <-ech:
			gotE = true
		case dec = <-dch:
			gotD = true
		case <-ctx.Done():
			// The listeners stay open until closeListeners: an EClient
			// that dials now is accepted and its socket half-closed, so
			// its Connect returns at once. (Closing a listener resets a
			// connection queued in its backlog, and an EClient whose
			// handshake write fails redials for over a second.)
			g.abortWG.Add(1)
			go func(enc, dec res, gotE, gotD bool) {
				defer g.abortWG.Done()
				if !gotE {
					enc = <-ech
				}
				if !gotD {
					dec = <-dch
				}
				g.keepEnded(enc.c, dec.c)
			}(enc, dec, gotE, gotD)
			return ctx.Err()
		}
	}
	if enc.err != nil || dec.err != nil {
		g.keepEnded(enc.c, dec.c)
		return fmt.Errorf("ibkr: local relay accept: %w", errors.Join(enc.err, dec.err))
	}
	for _, c := range []net.Conn{enc.c, dec.c} {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
	}
	g.mu.Lock()
	select {
	case <-g.lost:
		// Stopped while accepting: end the EClients' sockets, so their
		// Connect returns; no pump runs.
		g.mu.Unlock()
		g.keepEnded(enc.c, dec.c)
		return fmt.Errorf("ibkr: local relay: %w", errGuardReleased)
	default:
	}
	g.enc, g.dec = enc.c, dec.c
	g.wg.Add(3)
	g.mu.Unlock()
	go g.pumpUp(enc.c)
	go g.pumpDecoderWrites(dec.c)
	go g.pumpDown(enc.c, dec.c)
	return nil
}

// keepEnded keeps accepted sockets that will not be relayed, half-closed:
// an EClient reads EOF and its Connect returns, but its own writes (the
// handshake) still succeed: a failed write would make it redial the
// closed listener, retrying for over a second. closeConns or wait closes
// them.
func (g *guard) keepEnded(conns ...net.Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range conns {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		} else {
			c.Close()
		}
		g.extra = append(g.extra, c)
	}
}

// pumpUp copies the encoder's requests to the Gateway. After the Gateway
// side is lost it keeps reading and drops the bytes, so the encoder never
// sees a write error.
//
// Frames pass a hard rate cap on their way: at most HardRateCap in any
// CapWindow, counted when they are written to the Gateway's socket. The
// Session's writer already paces below the cap; the cap guarantees the
// Gateway's limit even when the EClient's goroutines stall and then flush
// several queued requests at once.
func (g *guard) pumpUp(enc net.Conn) {
	defer g.wg.Done()
	src := bufio.NewReaderSize(countingReader{r: enc, g: g}, 64<<10)
	err := g.relayFrames(src)
	if err != nil && !isClosedErr(err) {
		g.markLost(err)
	}
	// The encoder's side ended (it closed) or the Gateway refused writes:
	// drain whatever the encoder still sends until it closes.
	_, _ = io.Copy(io.Discard, src)
	g.markLost(errors.New("the wire client's request side closed"))
}

// pumpDecoderWrites drops what the decoder writes (its handshake and
// startApi: the encoder's went to the Gateway). When the decoder closes
// its socket it has shut down (e.g. on a malformed message): the
// connection is lost.
func (g *guard) pumpDecoderWrites(dec net.Conn) {
	defer g.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := dec.Read(buf)
		if n > 0 {
			g.decBytes.Add(int64(n))
			select {
			case g.decRead <- struct{}{}:
			default:
			}
		}
		if err != nil {
			break
		}
	}
	g.markLost(errors.New("the wire client's decoder shut down (a malformed message from the gateway?)"))
}

// maxUpFrame bounds a request frame (the TWS API's own limit is 16 MiB).
const maxUpFrame = 1 << 24

// relayFrames copies the "API\0" prefix, then the request frames, each
// after the rate cap allows it. Frames that are already buffered leave in
// one write, as a plain copy would send them; the cap counts them when
// that write is done.
func (g *guard) relayFrames(src *bufio.Reader) error {
	if g.cap == nil {
		_, err := io.Copy(g.upstream, src)
		return err
	}
	var prefix [4]byte
	if _, err := io.ReadFull(src, prefix[:]); err != nil {
		return err
	}
	if _, err := g.upstream.Write(prefix[:]); err != nil {
		return err
	}
	out := make([]byte, 0, 4096)
	flush := func() error {
		if len(out) == 0 {
			return nil
		}
		_, err := g.upstream.Write(out)
		out = out[:0]
		g.cap.Stamp()
		return err
	}
	for {
		// Block for the next frame only when nothing is buffered.
		if len(out) > 0 && !frameBuffered(src) {
			if err := flush(); err != nil {
				return err
			}
		}
		var hdr [4]byte
		if _, err := io.ReadFull(src, hdr[:]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n > maxUpFrame {
			return fmt.Errorf("ibkr: relay: request frame of %d bytes", n)
		}
		if g.cap.MustWait() {
			if err := flush(); err != nil {
				return err
			}
			if !g.cap.Wait(g.lost) {
				return errGuardReleased
			}
		}
		g.cap.Reserve()
		out = append(out, hdr[:]...)
		start := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(src, out[start:]); err != nil {
			return err
		}
	}
}

// frameBuffered reports whether a whole frame is already buffered.
func frameBuffered(src *bufio.Reader) bool {
	if src.Buffered() < 4 {
		return false
	}
	hdr, err := src.Peek(4)
	if err != nil {
		return false
	}
	return src.Buffered() >= 4+int(binary.BigEndian.Uint32(hdr))
}

// countingReader counts what the encoder writes, so that the Session can
// tell the encoder's request goroutine has run.
type countingReader struct {
	r io.Reader
	g *guard
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.g.upBytes.Add(int64(n))
		select {
		case c.g.upRead <- struct{}{}:
		default:
		}
	}
	return n, err
}

// awaitBytes waits until counter exceeds n (signalled on sig).
func awaitBytes(counter *atomic.Int64, sig <-chan struct{}, n int64, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for counter.Load() <= n {
		select {
		case <-sig:
		case <-t.C:
			return false
		}
	}
	return true
}

// openDown lets the Gateway's messages flow to the decoder.
func (g *guard) openDown() { g.goDownOnce.Do(func() { close(g.goDown) }) }

// maxHandshakeReply bounds the Gateway's handshake reply.
const maxHandshakeReply = 1 << 16

// pumpDown reads the Gateway's handshake reply and hands a copy to both
// EClients (each needs the server version), then copies every later
// message to the decoder only.
func (g *guard) pumpDown(enc, dec net.Conn) {
	defer g.wg.Done()
	defer close(g.downDone)
	reply, err := readFrame(g.upstream, maxHandshakeReply)
	if err == nil {
		err = checkHandshakeReply(reply)
	}
	if err == nil {
		g.serverVersion.Store(parseServerVersion(reply))
		g.replied.Store(true)
		if _, err = enc.Write(reply); err == nil {
			_, err = dec.Write(reply)
		}
	}
	if err == nil {
		select {
		case <-g.goDown:
			err = relayDown(dec, g.upstream, int(g.serverVersion.Load()))
		case <-g.lost:
			err = g.lostErr
		}
	}
	if err == nil {
		err = io.EOF
	}
	g.markLost(err)
}

// maxDownFrame is the largest frame the wire library's reader accepts
// (its MAX_MSG_LEN); a longer one ends its connection, so it ends the
// relay here first.
const maxDownFrame = 0xFFFFFF

// relayDown copies the Gateway's frames to the decoder after the
// handshake, each checked by checkFrame at server version v. Frames that
// arrived together leave together: the writer is flushed when no whole
// frame is left buffered.
func relayDown(dec io.Writer, upstream io.Reader, v int) error {
	src := bufio.NewReaderSize(upstream, 64<<10)
	dst := bufio.NewWriterSize(dec, 64<<10)
	var buf []byte
	for {
		if dst.Buffered() > 0 && !frameBuffered(src) {
			if err := dst.Flush(); err != nil {
				return err
			}
		}
		var hdr [4]byte
		if _, err := io.ReadFull(src, hdr[:]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n > maxDownFrame {
			return fmt.Errorf("ibkr: relay: the gateway sent a frame of %d bytes, more than the %d a message may have", n, maxDownFrame)
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(src, buf); err != nil {
			return err
		}
		if err := checkFrame(v, buf); err != nil {
			return err
		}
		if _, err := dst.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := dst.Write(buf); err != nil {
			return err
		}
		if cap(buf) > 1<<20 {
			buf = nil // do not keep one large message's buffer
		}
	}
}

// readFrame reads one length-prefixed frame, header included.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n > max {
		return nil, fmt.Errorf("ibkr: relay: handshake reply of %d bytes", n)
	}
	b := make([]byte, 4+n)
	copy(b, hdr[:])
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

// checkHandshakeReply refuses a reply that would make the EClient's
// Connect panic or misbehave: it needs a version and a connection time.
func checkHandshakeReply(frame []byte) error {
	fields := bytes.Split(frame[4:], []byte{0})
	if len(fields) < 3 || len(fields[len(fields)-1]) != 0 {
		return fmt.Errorf("ibkr: relay: malformed handshake reply from the gateway (%d fields)", len(fields)-1)
	}
	if v := parseServerVersion(frame); v < 100 {
		return fmt.Errorf("ibkr: relay: handshake reply names server version %q: want 100 or later", fields[0])
	}
	return nil
}

// parseServerVersion reads the version from a handshake reply frame
// ("<version>\0<connection time>\0"); 0 if there is none.
func parseServerVersion(frame []byte) int64 {
	if len(frame) < 4 {
		return 0
	}
	field, _, _ := bytes.Cut(frame[4:], []byte{0})
	v, err := strconv.ParseInt(string(field), 10, 64)
	if err != nil || v < 0 || v > 1<<20 {
		return 0
	}
	return v
}

func (g *guard) markLost(err error) {
	g.lostOnce.Do(func() {
		g.lostErr = err
		close(g.lost)
	})
}

// lostCh is closed when the connection has ended.
func (g *guard) lostCh() <-chan struct{} { return g.lost }

// stop closes the Gateway side and waits until every byte read from it
// was handed to the decoder's socket.
//
// It first half-closes the Gateway socket and gives the Gateway a moment
// to close its side: once it has, it has also released the client id, so
// a new connection with the same id right after Close is not refused
// (326).
func (g *guard) stop() {
	g.stopOnce.Do(func() {
		g.markLost(errGuardReleased)
		g.closeListeners()
		g.mu.Lock()
		started := g.enc != nil
		g.mu.Unlock()
		if tc, ok := g.upstream.(*net.TCPConn); ok && started && !g.noCloseWait.Load() && tc.CloseWrite() == nil {
			t := time.NewTimer(gatewayCloseWait)
			select {
			case <-g.downDone:
			case <-t.C:
			}
			t.Stop()
		}
		g.upstream.Close()
		if started {
			<-g.downDone
		}
	})
}

// gatewayCloseWait bounds how long stop waits for the Gateway to close its
// side after the Session closed its own.
const gatewayCloseWait = time.Second

// sendDown writes bytes to the decoder's socket (after stop: the barrier).
func (g *guard) sendDown(b []byte) error {
	g.mu.Lock()
	dec := g.dec
	g.mu.Unlock()
	if dec == nil {
		return net.ErrClosed
	}
	_ = dec.SetWriteDeadline(time.Now().Add(time.Second))
	_, err := dec.Write(b)
	return err
}

// release lets both EClients see the end of their connection: it
// half-closes their sockets, so each reads EOF and shuts itself down.
// Call it after stop, once nothing calls into the encoder.
func (g *guard) release() {
	g.stop()
	g.mu.Lock()
	conns := []net.Conn{g.enc, g.dec}
	g.mu.Unlock()
	for _, c := range conns {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		} else {
			c.Close()
		}
	}
}

// abortUpstream ends the Gateway side without touching the EClients'
// sockets or the listeners (an aborted dial, while the EClients' Connect
// calls finish).
func (g *guard) abortUpstream() {
	g.noCloseWait.Store(true)
	g.markLost(errGuardReleased)
	g.upstream.Close()
}

// endClients half-closes the EClients' sockets (accepted ones; an aborted
// accept half-closes the rest as they arrive) without closing the
// listeners, so each EClient reads EOF and its Connect returns.
func (g *guard) endClients() {
	g.mu.Lock()
	conns := []net.Conn{g.enc, g.dec}
	g.mu.Unlock()
	for _, c := range conns {
		if tc, ok := c.(*net.TCPConn); ok && tc != nil {
			_ = tc.CloseWrite()
		}
	}
}

// closeListeners closes the listeners and waits for an aborted accept's
// collectors.
func (g *guard) closeListeners() {
	g.encLn.Close()
	g.decLn.Close()
	g.abortWG.Wait()
}

// closeConns closes both EClient sockets outright (a Connect that failed:
// nothing will read EOF and close them).
func (g *guard) closeConns() {
	g.mu.Lock()
	conns := append([]net.Conn{g.enc, g.dec}, g.extra...)
	g.mu.Unlock()
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// wait waits until every pump ended (both EClients closed their sockets)
// or the timeout passed, then closes everything.
func (g *guard) wait(timeout time.Duration) {
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	g.mu.Lock()
	conns := append([]net.Conn{g.enc, g.dec}, g.extra...)
	g.mu.Unlock()
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	<-done
}

var errGuardReleased = errors.New("ibkr: connection released")

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF)
}
