package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
)

// Control sessions: the protocol of control.go served on standard input
// and on a loopback TCP port.

// maxControlLine bounds a control line in bytes; a longer line ends the
// session.
const maxControlLine = 4096

// controlLine is one line read from a control session, or the read error
// that ended it.
type controlLine struct {
	text string
	err  error
}

// scanLines reads r line by line in a goroutine and sends the lines on the
// returned channel. The goroutine ends, closing the channel, when r ends or
// fails (a failure other than EOF is sent last) or, once a read returns,
// when stop is closed. Closing r ends it at once where r allows that (a
// net.Conn does; standard input does not).
func scanLines(r io.Reader, stop <-chan struct{}) <-chan controlLine {
	ch := make(chan controlLine)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, maxControlLine)
		for sc.Scan() {
			select {
			case ch <- controlLine{text: sc.Text()}:
			case <-stop:
				return
			}
		}
		if err := sc.Err(); err != nil {
			select {
			case ch <- controlLine{err: err}:
			case <-stop:
			}
		}
	}()
	return ch
}

// session runs control lines from lines and writes one answer per line to
// w, until lines ends, a quit line, ctx ends, or a write fails. It reports
// whether it ended on quit. Commands that change the simulator are logged
// with source, the session's origin.
func (c *controller) session(ctx context.Context, lines <-chan controlLine, w io.Writer, source string, log *slog.Logger) (quit bool, err error) {
	for {
		var l controlLine
		var ok bool
		select {
		case <-ctx.Done():
			return false, nil
		case l, ok = <-lines:
		}
		if !ok || ctx.Err() != nil {
			return false, nil
		}
		if l.err != nil {
			if errors.Is(l.err, bufio.ErrTooLong) {
				fmt.Fprintf(w, "error: line longer than %d bytes; closing the session\n", maxControlLine)
			}
			return false, l.err
		}
		a := c.exec(l.text)
		if a.reply == "" {
			continue
		}
		if a.changed {
			log.Info("ibsim control", "source", source, "command", l.text, "answer", a.reply)
		}
		if _, err := io.WriteString(w, a.reply+"\n"); err != nil {
			return false, err
		}
		if a.quit {
			return true, nil
		}
	}
}

// stdinControl is the control session on standard input.
type stdinControl struct {
	quit   chan struct{} // closed when the session ends on quit
	done   chan struct{} // closed when the session has ended
	cancel context.CancelFunc
	// stopRead ends the line reader after its current read.
	stopRead chan struct{}
}

// startStdinControl serves the control protocol from in, answering on out.
// Call stop when done with it.
func startStdinControl(ctx context.Context, ctl *controller, in io.Reader, out io.Writer, log *slog.Logger) *stdinControl {
	ctx, cancel := context.WithCancel(ctx)
	sc := &stdinControl{quit: make(chan struct{}), done: make(chan struct{}), cancel: cancel, stopRead: make(chan struct{})}
	lines := scanLines(in, sc.stopRead)
	go func() {
		defer close(sc.done)
		quit, err := ctl.session(ctx, lines, out, "stdin", log)
		switch {
		case quit:
			close(sc.quit)
		case errors.Is(err, syscall.EIO):
			log.Warn("ibsim control on standard input ended: a background job cannot read its terminal; --control-addr serves the commands on a port", "err", err)
		case err != nil:
			log.Warn("ibsim control on standard input ended", "err", err)
		case ctx.Err() == nil:
			log.Info("ibsim control on standard input ended (end of input); the simulator runs until interrupted")
		}
	}()
	return sc
}

// stop ends the session and waits for it. The line reader may stay blocked
// in a read of standard input, which cannot be interrupted portably; it
// touches nothing else and ends at the next line, at end of input or with
// the process.
func (sc *stdinControl) stop() {
	sc.cancel()
	<-sc.done
	close(sc.stopRead)
}

// controlServer serves the control protocol on a loopback TCP listener,
// one session per connection.
type controlServer struct {
	ln     net.Listener
	ctl    *controller
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// listenControl listens on addr, which must be a loopback address, and
// serves control sessions until Close.
func listenControl(addr string, ctl *controller, log *slog.Logger) (*controlServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("control: listen on %s: %w", addr, err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		_ = ln.Close()
		return nil, fmt.Errorf("control: %s resolved to %s, which is not a loopback address; the control port listens on loopback only", addr, ln.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &controlServer{ln: ln, ctl: ctl, log: log, ctx: ctx, cancel: cancel, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.acceptLoop()
	}()
	return s, nil
}

// Addr returns the address the control port listens on, as host:port.
func (s *controlServer) Addr() string { return s.ln.Addr().String() }

// Close stops the listener, closes every control connection and waits for
// their sessions. It is idempotent.
func (s *controlServer) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.mu.Lock()
		s.closed = true
		conns := make([]net.Conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.closeErr = err
		}
		for _, c := range conns {
			_ = c.Close()
		}
		s.wg.Wait()
	})
	return s.closeErr
}

func (s *controlServer) acceptLoop() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error("ibsim control accept; control port closed", "err", err)
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(conn)
		}()
	}
}

// serveConn runs one control connection's session, then closes it.
func (s *controlServer) serveConn(conn net.Conn) {
	remote := conn.RemoteAddr().String()
	s.log.Info("ibsim control connected", "remote", remote)
	stop := make(chan struct{})
	lines := scanLines(conn, stop)
	_, err := s.ctl.session(s.ctx, lines, conn, remote, s.log)
	_ = conn.Close()
	close(stop)
	for range lines { // wait for the reader, which the close ended
	}
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Warn("ibsim control connection failed", "remote", remote, "err", err)
	}
	s.log.Info("ibsim control disconnected", "remote", remote)
}

// ControlPort is a running control port (ServeControl).
type ControlPort interface {
	Addr() string
	Close() error
}

// ServeControl serves the control protocol of "ibbot sim" for p on the
// loopback address addr, for commands that embed a simulator ("ibbot run
// --sim --sim-control-addr"). addr must be loopback.
func ServeControl(addr string, p Panel, log *slog.Logger) (ControlPort, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, fmt.Errorf("control address %q: %v", addr, err)
	}
	return listenControl(addr, newController(p), log)
}

// CheckLoopback accepts a host:port whose host is a loopback address.
func CheckLoopback(addr string) error { return checkLoopback(addr) }
