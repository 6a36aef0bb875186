package ibkr

// Round-trip benchmarks: the cost of one request and its answer through the
// raw scmhub/ibapi EClient and through the Session, on one simulator.
//
// Both clients are connected to the same simulator with its message rate
// limit raised, and the Session's writer runs far above IB's 45/s (the
// unexported rateOverride), so what is measured is the software path, not
// the pacing. Run them side by side with
//
//	go test -run XXX -bench RoundTrip -benchmem ./ibkr/
//
// docs/benchmarks.md has the numbers and what they mean.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/scmhub/ibapi"
)

// benchParallelism is how many callers per GOMAXPROCS the parallel
// benchmarks run: enough that requests overlap on the wire.
const benchParallelism = 8

// spyConID is SPY's conId, as the simulator (and IB) has it.
const spyConID = 756733

// rawWrapper is the least an EWrapper must do to serve concurrent callers
// on a raw EClient: currentTime answers go to a FIFO of waiters (the
// message has no request id), contract details to waiters by request id.
// Each waiter is a channel that receives one reply.
type rawWrapper struct {
	conn.QuietWrapper

	ready      chan struct{} // nextValidId arrived
	readyOnce  sync.Once
	closed     chan struct{} // the EClient shut down
	closedOnce sync.Once

	mu      sync.Mutex
	times   []chan int64
	details map[int64]*rawDetails
}

// rawDetails collects one reqContractDetails answer.
type rawDetails struct {
	items []*ibapi.ContractDetails
	done  chan error // receives nil at the end, or the error
}

func newRawWrapper() *rawWrapper {
	return &rawWrapper{ready: make(chan struct{}), closed: make(chan struct{}), details: map[int64]*rawDetails{}}
}

func (w *rawWrapper) NextValidID(int64) { w.readyOnce.Do(func() { close(w.ready) }) }

func (w *rawWrapper) ConnectionClosed() { w.closedOnce.Do(func() { close(w.closed) }) }

func (w *rawWrapper) CurrentTime(t int64) {
	w.mu.Lock()
	var ch chan int64
	if len(w.times) > 0 {
		ch = w.times[0]
		w.times[0] = nil
		w.times = w.times[1:]
	}
	w.mu.Unlock()
	if ch != nil {
		ch <- t
	}
}

func (w *rawWrapper) ContractDetails(reqID int64, d *ibapi.ContractDetails) {
	w.mu.Lock()
	r := w.details[reqID]
	w.mu.Unlock()
	if r != nil {
		r.items = append(r.items, d)
	}
}

func (w *rawWrapper) ContractDetailsEnd(reqID int64) { w.end(reqID, nil) }

func (w *rawWrapper) Error(reqID, _, code int64, msg, _ string) {
	if reqID >= 0 {
		w.end(reqID, fmt.Errorf("IB error %d: %s", code, msg))
	}
}

func (w *rawWrapper) end(reqID int64, err error) {
	w.mu.Lock()
	r := w.details[reqID]
	delete(w.details, reqID)
	w.mu.Unlock()
	if r != nil {
		r.done <- err
	}
}

// rawClient is a raw EClient with rawWrapper's multiplexing.
type rawClient struct {
	ec     *ibapi.EClient
	w      *rawWrapper
	nextID atomic.Int64
}

// dialRaw connects a raw EClient and does one round trip: the EClient's
// request goroutine starts racing with its shutdown, so nothing may close
// it before a first answer came back. It ends when the server closes its
// socket (never call Disconnect on it: that races with its own shutdown
// watcher).
func dialRaw(ctx context.Context, addr string, clientID int64) (*rawClient, error) {
	i := strings.LastIndexByte(addr, ':')
	port, err := strconv.Atoi(addr[i+1:])
	if err != nil {
		return nil, err
	}
	w := newRawWrapper()
	r := &rawClient{ec: ibapi.NewEClient(w), w: w}
	if err := r.ec.Connect(addr[:i], port, clientID); err != nil {
		return nil, fmt.Errorf("raw connect: %w", err)
	}
	select {
	case <-w.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("raw connect: waiting for nextValidId: %w", ctx.Err())
	}
	if _, err := r.currentTime(ctx); err != nil {
		return nil, fmt.Errorf("raw connect: first round trip: %w", err)
	}
	return r, nil
}

func (r *rawClient) currentTime(ctx context.Context) (int64, error) {
	ch := make(chan int64, 1)
	r.w.mu.Lock()
	r.w.times = append(r.w.times, ch)
	r.w.mu.Unlock()
	r.ec.ReqCurrentTime()
	select {
	case t := <-ch:
		return t, nil
	case <-r.w.closed:
		return 0, ErrDisconnected
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (r *rawClient) contractDetails(ctx context.Context, c *ibapi.Contract) ([]*ibapi.ContractDetails, error) {
	id := r.nextID.Add(1)
	d := &rawDetails{done: make(chan error, 1)}
	r.w.mu.Lock()
	r.w.details[id] = d
	r.w.mu.Unlock()
	r.ec.ReqContractDetails(id, c)
	select {
	case err := <-d.done:
		if err != nil {
			return nil, err
		}
		return d.items, nil
	case <-r.w.closed:
		return nil, ErrDisconnected
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dialRawGuarded connects raw EClients through a guard, the Session's
// loopback relay, without the rest of the Session: an encoder EClient that
// requests and a decoder EClient that feeds rawWrapper, as the Session
// runs them. The difference to the raw client is the relay's cost. stop
// ends it: the EClients read EOF and shut down by themselves.
func dialRawGuarded(ctx context.Context, addr string, clientID int64) (r *rawClient, stop func(), err error) {
	w := newRawWrapper()
	encClosed := make(chan struct{})
	var encOnce sync.Once
	enc := ibapi.NewEClient(&rawEncoder{closed: func() { encOnce.Do(func() { close(encClosed) }) }})
	dec := ibapi.NewEClient(w)
	release, wait, err := conn.RelayClients(ctx, addr, clientID, enc, dec)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*rawClient, func(), error) {
		release()
		wait()
		return nil, nil, err
	}
	r = &rawClient{ec: enc, w: w}
	select {
	case <-w.ready:
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if _, err := r.currentTime(ctx); err != nil {
		return fail(err)
	}
	stop = func() {
		release()
		<-w.closed
		<-encClosed
		wait()
	}
	return r, stop, nil
}

// rawEncoder is the encoder EClient's wrapper in dialRawGuarded.
type rawEncoder struct {
	conn.QuietWrapper
	closed func()
}

func (e *rawEncoder) ConnectionClosed() { e.closed() }

// reportCPU starts measuring the process's CPU time (every goroutine: the
// clients and the simulator) and returns the func that reports it per
// operation as cpu-ns/op. Wall time per op on a small machine depends on
// how goroutine wake-ups happen to be scheduled; CPU time per op is the
// steadier measure of how much work a request costs. Linux only (it reads
// /proc/self/stat, in clock ticks of 10 ms); elsewhere it reports nothing.
func reportCPU(b *testing.B) func() {
	start, ok := processCPU()
	return func() {
		end, ok2 := processCPU()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// processCPU returns the user and system CPU time of the process.
func processCPU() (time.Duration, bool) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14 and stime 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick, true
}

// BenchmarkRoundTrip runs each request through the raw EClient, the raw
// EClient behind the Session's relay (raw-guard), and the Session, first
// serially (one caller) and then in parallel (benchParallelism callers per
// CPU), so that one run lists them side by side.
func BenchmarkRoundTrip(b *testing.B) {
	srv, err := ibsim.Start(ibsim.Config{
		Clock: ibsim.NewVirtualClock(morning),
		// A 1 ms rate window: the simulator keeps one timestamp per message
		// in the window and shifts them as they expire, which at tens of
		// thousands of messages per second in a 1 s window would cost more
		// than the round trip being measured.
		Limits: ibsim.Limits{MaxMsgRate: 1 << 30, RateWindow: time.Millisecond},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	raw, err := dialRaw(ctx, srv.Addr(), 1)
	if err != nil {
		cancel()
		srv.Close()
		b.Fatal(err)
	}
	guarded, stopGuarded, err := dialRawGuarded(ctx, srv.Addr(), 3)
	if err != nil {
		cancel()
		srv.Close()
		<-raw.w.closed
		b.Fatal(err)
	}
	// The raw clients end when their socket reaches EOF; wait for them so
	// that no goroutine outlives the benchmark.
	b.Cleanup(func() {
		stopGuarded()
		srv.Close()
		select {
		case <-raw.w.closed:
		case <-time.After(10 * time.Second):
			b.Error("the raw client did not shut down")
		}
		cancel()
	})
	sess := sessionFor(b, srv, Config{ClientID: 2, rateOverride: 1e9, Burst: 50})

	wantTime := morning.Unix()
	spy := Stock("SPY")
	spyIB := ibapi.NewContract()
	spyIB.Symbol, spyIB.SecType, spyIB.Exchange, spyIB.Currency = spy.Symbol, spy.SecType, spy.Exchange, spy.Currency
	rawTime := func(r *rawClient) func() error {
		return func() error {
			t, err := r.currentTime(ctx)
			if err == nil && t != wantTime {
				err = fmt.Errorf("current time %d, want %d", t, wantTime)
			}
			return err
		}
	}
	rawDetails := func(r *rawClient) func() error {
		return func() error {
			ds, err := r.contractDetails(ctx, spyIB)
			if err == nil && (len(ds) != 1 || ds[0].Contract.ConID != spyConID) {
				err = errors.New("contract details: not SPY's one contract")
			}
			return err
		}
	}
	type client struct {
		name                         string
		currentTime, contractDetails func() error
	}
	clients := []client{
		{"raw", rawTime(raw), rawDetails(raw)},
		{"raw-guard", rawTime(guarded), rawDetails(guarded)},
		{"session",
			func() error {
				t, err := sess.CurrentTime(ctx)
				if err == nil && t.Unix() != wantTime {
					err = fmt.Errorf("current time %v, want %d", t, wantTime)
				}
				return err
			},
			func() error {
				ds, err := sess.ContractDetails(ctx, spy)
				if err == nil && (len(ds) != 1 || ds[0].Contract.ConID != spyConID) {
					err = errors.New("contract details: not SPY's one contract")
				}
				return err
			}},
	}
	for _, req := range []string{"CurrentTime", "ContractDetails"} {
		b.Run(req, func(b *testing.B) {
			for _, c := range clients {
				call := c.currentTime
				if req == "ContractDetails" {
					call = c.contractDetails
				}
				b.Run(c.name+"-serial", func(b *testing.B) {
					b.ReportAllocs()
					defer reportCPU(b)()
					for b.Loop() {
						if err := call(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			for _, c := range clients {
				call := c.currentTime
				if req == "ContractDetails" {
					call = c.contractDetails
				}
				b.Run(c.name+"-parallel", func(b *testing.B) {
					b.ReportAllocs()
					b.SetParallelism(benchParallelism)
					defer reportCPU(b)()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := call(); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}
