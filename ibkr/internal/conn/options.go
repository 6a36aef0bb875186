package conn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/scmhub/ibapi"
)

// Options configure one connection.
type Options struct {
	// Addr is the Gateway's host:port.
	Addr     string
	ClientID int64
	// PaceAPI sends the +PACEAPI connect option: the Gateway queues what
	// would exceed its rate instead of answering 100.
	PaceAPI bool
	// Cap is the relay's hard cap on request frames; nil: none.
	Cap *pace.Cap
	// FirstSend waits for the right to send the connection's first request
	// (the writer's rate limiter); nil: no wait.
	FirstSend func(ctx context.Context) error
	// Handler receives the Gateway's messages, on the decoder goroutine.
	Handler Handler
	// Logger receives teardown warnings; nil: discard.
	Logger *slog.Logger
	// Disconnected is the sentinel that connection failures match
	// (errors.Is); nil: an internal one.
	Disconnected error
}

// errDisconnected is the default Options.Disconnected.
var errDisconnected = errors.New("ibkr: disconnected from the gateway")

// RefusedError is the Gateway's refusal of the client id (326) during the
// handshake.
type RefusedError struct {
	ReqID, Code int64
	// Time is when the Gateway raised it; zero if it did not say.
	Time     time.Time
	Msg      string
	Advanced string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("ibkr: error %d: %s", e.Code, e.Msg)
}

// Message is what Send writes: a request, or the reason not to write one.
// pace.Job implements it; Message runs under the connection's write lock,
// after the connection was found usable, right before the write.
type Message interface {
	Message() (Request, error)
}

// Send writes m's request on the encoder. It fails with
// Options.Disconnected once Teardown began (nothing was written then), or
// with m's error.
func (c *Conn) Send(m Message) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	if c.dead {
		return c.o.Disconnected
	}
	r, err := m.Message()
	if err != nil {
		return err
	}
	r.send(c.ec)
	return nil
}

// Gen is the generation the connection was dialled with.
func (c *Conn) Gen() uint64 { return c.gen }

// Version is the negotiated server version.
func (c *Conn) Version() int { return c.version() }

// Bootstrap returns the first order id the Gateway allows and the accounts
// it manages, as the bootstrap messages said.
func (c *Conn) Bootstrap() (nextValidID int64, accounts []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nextValidID, append([]string(nil), c.accounts...)
}

// Down is closed when Teardown starts.
func (c *Conn) Down() <-chan struct{} { return c.down }

// Lost is closed when the Gateway side of the connection ended; LostErr
// then says how.
func (c *Conn) Lost() <-chan struct{} { return c.g.lostCh() }

// LostErr is why the Gateway side ended (valid once Lost is closed).
func (c *Conn) LostErr() error { return c.g.lostErr }

// Closed is closed when the decoder reported that it shut down.
func (c *Conn) Closed() <-chan struct{} { return c.closedCh }

// RelayClients connects enc and dec, two EClients the caller made, to the
// Gateway at addr through a relay, as a Conn runs its own encoder and
// decoder, without the rest of a Conn: benchmarks use it to measure the
// relay's cost. It returns once both handshakes are done and the
// decoder's request goroutine was seen running, with the Gateway's
// messages flowing to dec. release lets both clients read EOF; wait then
// waits for the relay's goroutines.
func RelayClients(ctx context.Context, addr string, clientID int64, enc, dec *ibapi.EClient) (release, wait func(), err error) {
	g, err := dialGuard(ctx, addr, nil, errDisconnected)
	if err != nil {
		return nil, nil, err
	}
	accepted := make(chan error, 1)
	go func() { accepted <- g.accept(ctx) }()
	encErr, decErr := make(chan error, 1), make(chan error, 1)
	go func() { encErr <- enc.Connect("127.0.0.1", g.encoderPort(), clientID) }()
	go func() { decErr <- dec.Connect("127.0.0.1", g.decoderPort(), clientID) }()
	release = g.release
	wait = func() { g.wait(shutdownTimeout) }
	fail := func(err error) (func(), func(), error) {
		release()
		wait()
		return nil, nil, err
	}
	if err := errors.Join(<-encErr, <-decErr, <-accepted); err != nil {
		return fail(err)
	}
	before := g.decBytes.Load()
	dec.ReqCurrentTime() // proves the decoder's request goroutine runs
	if !awaitBytes(&g.decBytes, g.decRead, before, barrierTimeout) {
		return fail(errors.New("decoder did not start"))
	}
	g.openDown()
	return release, wait, nil
}

// firstSend waits for Options.FirstSend, if set.
func (o *Options) firstSend(ctx context.Context) error {
	if o.FirstSend == nil {
		return ctx.Err()
	}
	return o.FirstSend(ctx)
}
