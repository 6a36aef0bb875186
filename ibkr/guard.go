package ibkr

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// guard is a loopback relay between one scmhub/ibapi EClient and the
// Gateway. The EClient dials the guard's one-shot listener; the guard
// dials the Gateway. It exists because of three properties of
// scmhub/ibapi v0.10.47 that a shared, reconnecting session cannot live
// with:
//
//   - EClient.Disconnect races with the client's own shutdown watcher
//     (both run Disconnect and reset the client's fields), and any EClient
//     method racing with that reset is a data race. The only clean way for
//     an EClient to end is to read EOF while nobody calls into it. With
//     the guard, the Session decides when the EClient sees EOF: it first
//     stops its writer, then half-closes the guard's side.
//   - On a write error the EClient silently redials TCP and sends the
//     request on the new socket without a handshake. The guard's listener
//     accepts exactly one connection, so such a redial fails.
//   - When the Gateway closes the socket, the EClient would learn it while
//     the Session may be inside an EClient call. The guard reports the loss
//     to the Session instead and keeps the EClient's side open until the
//     Session has stopped calling into it.
type guard struct {
	ln       net.Listener
	upstream net.Conn

	mu   sync.Mutex
	down net.Conn // the EClient's socket, once accepted

	lost     chan struct{} // closed when the Gateway side ended
	lostOnce sync.Once
	lostErr  error
	downDone chan struct{} // closed when pumpDown returned
	stopOnce sync.Once

	cap *slidingCap // hard rate cap on request frames; nil: none

	upBytes atomic.Int64  // bytes read from the EClient
	upRead  chan struct{} // signalled (non-blocking) on every such read

	wg sync.WaitGroup
}

// dialGuard connects to the Gateway at addr and opens the one-shot
// listener the EClient will dial.
func dialGuard(ctx context.Context, addr string, rateCap *slidingCap) (*guard, error) {
	var d net.Dialer
	up, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %w", ErrDisconnected, addr, err)
	}
	if tc, ok := up.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		up.Close()
		return nil, fmt.Errorf("ibkr: open local relay: %w", err)
	}
	g := &guard{ln: ln, upstream: up, cap: rateCap, lost: make(chan struct{}), downDone: make(chan struct{}), upRead: make(chan struct{}, 1)}
	return g, nil
}

// localPort is the port the EClient must dial.
func (g *guard) localPort() int { return g.ln.Addr().(*net.TCPAddr).Port }

// accept waits for the EClient's connection (the only one accepted) and
// starts relaying. It must be called concurrently with EClient.Connect.
func (g *guard) accept(ctx context.Context) error {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := g.ln.Accept()
		ch <- res{c, err}
	}()
	var r res
	select {
	case r = <-ch:
	case <-ctx.Done():
		g.ln.Close()
		r = <-ch
		if r.c != nil {
			r.c.Close()
		}
		return ctx.Err()
	}
	// One connection only: a silent redial by the EClient finds no
	// listener.
	g.ln.Close()
	if r.err != nil {
		return fmt.Errorf("ibkr: local relay accept: %w", r.err)
	}
	if tc, ok := r.c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	g.mu.Lock()
	g.down = r.c
	g.mu.Unlock()
	g.wg.Add(2)
	go g.pumpUp(r.c)
	go g.pumpDown(r.c)
	return nil
}

// pumpUp copies the EClient's requests to the Gateway. After the Gateway
// side is lost it keeps reading and drops the bytes, so the EClient never
// sees a write error.
//
// Frames pass a hard rate cap on their way: at most capN in any capWindow,
// counted right before the socket. The Session's writer already paces
// below the cap; the cap guarantees the Gateway's limit even when the
// EClient's goroutines stall and then flush several queued requests at
// once.
func (g *guard) pumpUp(down net.Conn) {
	defer g.wg.Done()
	src := bufio.NewReaderSize(countingReader{r: down, g: g}, 64<<10)
	err := g.relayFrames(src)
	if err != nil && !isClosedErr(err) {
		g.markLost(err)
	}
	// The EClient's side ended (it closed) or the Gateway refused writes:
	// drain whatever the EClient still sends until it closes.
	_, _ = io.Copy(io.Discard, src)
	g.markLost(io.EOF)
}

// maxUpFrame bounds a request frame (the TWS API's own limit is 16 MiB).
const maxUpFrame = 1 << 24

// relayFrames copies the "API\0" prefix, then the request frames, each
// after the rate cap allows it. Frames that are already buffered leave in
// one write, as a plain copy would send them.
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
		if g.cap.mustWait() {
			if err := flush(); err != nil {
				return err
			}
		}
		if !g.cap.wait(g.lost) {
			return errGuardReleased
		}
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

// slidingCap allows at most n events in any window.
type slidingCap struct {
	n      int
	window time.Duration
	times  []time.Time // ring of the last n event times
	next   int
}

func newSlidingCap(n int, window time.Duration) *slidingCap {
	if n <= 0 {
		return nil
	}
	return &slidingCap{n: n, window: window, times: make([]time.Time, n)}
}

// mustWait reports whether the next event would have to wait.
func (c *slidingCap) mustWait() bool {
	if c == nil {
		return false
	}
	oldest := c.times[c.next]
	return !oldest.IsZero() && time.Since(oldest) < c.window
}

// wait blocks until one more event fits, then records it. It returns false
// if stop closed first. A nil cap never waits.
func (c *slidingCap) wait(stop <-chan struct{}) bool {
	if c == nil {
		return true
	}
	oldest := c.times[c.next]
	if !oldest.IsZero() {
		if d := c.window - time.Since(oldest); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return false
			}
		}
	}
	c.times[c.next] = time.Now()
	c.next = (c.next + 1) % c.n
	return true
}

// countingReader counts what the EClient writes, so that the Session can
// tell the EClient's request goroutine has run.
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

// awaitUpBytes waits until more than n bytes came from the EClient.
func (g *guard) awaitUpBytes(n int64, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for g.upBytes.Load() <= n {
		select {
		case <-g.upRead:
		case <-t.C:
			return false
		}
	}
	return true
}

// pumpDown copies the Gateway's messages to the EClient.
func (g *guard) pumpDown(down net.Conn) {
	defer g.wg.Done()
	defer close(g.downDone)
	_, err := io.Copy(down, g.upstream)
	if err == nil {
		err = io.EOF
	}
	g.markLost(err)
}

func (g *guard) markLost(err error) {
	g.lostOnce.Do(func() {
		g.lostErr = err
		close(g.lost)
	})
}

// lostCh is closed when the Gateway side has ended.
func (g *guard) lostCh() <-chan struct{} { return g.lost }

// stop closes the Gateway side and waits until every byte read from it
// was handed to the EClient's socket.
//
// It first half-closes the Gateway socket and gives the Gateway a moment
// to close its side: once it has, it has also released the client id, so
// a new connection with the same id right after Close is not refused
// (326).
func (g *guard) stop() {
	g.stopOnce.Do(func() {
		g.markLost(errGuardReleased)
		g.ln.Close()
		g.mu.Lock()
		started := g.down != nil
		g.mu.Unlock()
		if tc, ok := g.upstream.(*net.TCPConn); ok && started && tc.CloseWrite() == nil {
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

// sendDown writes bytes to the EClient's socket (after stop: the barrier).
func (g *guard) sendDown(b []byte) error {
	g.mu.Lock()
	down := g.down
	g.mu.Unlock()
	if down == nil {
		return net.ErrClosed
	}
	_ = down.SetWriteDeadline(time.Now().Add(time.Second))
	_, err := down.Write(b)
	return err
}

// release lets the EClient see the end of its connection: it half-closes
// the EClient's socket, so the EClient reads EOF and shuts itself down.
// Call it after stop, once nothing calls into the EClient.
func (g *guard) release() {
	g.stop()
	g.mu.Lock()
	down := g.down
	g.mu.Unlock()
	if down != nil {
		if tc, ok := down.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		} else {
			down.Close()
		}
	}
}

// wait waits until both pumps ended (the EClient closed its socket) or the
// timeout passed, then closes everything.
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
	down := g.down
	g.mu.Unlock()
	if down != nil {
		down.Close()
	}
	<-done
}

var errGuardReleased = errors.New("ibkr: connection released")

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF)
}
