package ibkr

// Outside review: Pool leases.

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func hostPort(s *ibsim.Server) (string, int) {
	i := strings.LastIndexByte(s.Addr(), ':')
	p, _ := strconv.Atoi(s.Addr()[i+1:])
	return s.Addr()[:i], p
}

// Pool.Session on a client id that a Pool.Lease of the same pool holds:
// the pool opens a second connection with that id and the caller gets 326,
// the very error the Pool exists to prevent.
func TestReviewPoolSessionOnLeasedID(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	host, port := hostPort(s)
	pool := NewPool(PoolConfig{})
	defer pool.Close()
	ctx := testCtx(t, 10*time.Second)
	l, err := pool.Lease(ctx, host, port)
	if err != nil {
		t.Fatal(err)
	}
	id := l.ClientID()
	// In use as a lease: refused at once with a clear error, no second
	// connection (no 326 from the Gateway).
	_, err = pool.Session(ctx, Endpoint{Host: host, Port: port, ClientID: id})
	if !errors.Is(err, ErrClientIDInUse) || !strings.Contains(err.Error(), "leased by this pool") {
		t.Errorf("Pool.Session for client id %d, which the same pool leased out: %v, want a clear ErrClientIDInUse", id, err)
	}
	if n := s.Stats().Errors(326); n != 0 {
		t.Errorf("the gateway sent 326 %d times", n)
	}
	l.Release()
	// And after the lease went back to the pool (idle, still connected):
	sh, err := pool.Session(ctx, Endpoint{Host: host, Port: port, ClientID: id})
	if err != nil {
		t.Errorf("Pool.Session for client id %d, idle in the same pool: %v", id, err)
	} else {
		if sh.Session != l.Session {
			t.Error("the idle leased session was not handed over")
		}
		sh.Release()
	}
}

// Pool.Close must abort and wait for dials in progress. A Pool.Lease dial
// runs on the caller's ctx, not the pool's: Close returns while it is
// still dialing, and the dial is not aborted.
func TestReviewPoolCloseDuringLeaseDial(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	host, port := hostPort(s)
	s.SetLatency(49, 1500*time.Millisecond) // the dial's first round trip is slow
	pool := NewPool(PoolConfig{})
	done := make(chan error, 1)
	var leaseReturned time.Time
	go func() {
		l, err := pool.Lease(context.Background(), host, port)
		leaseReturned = time.Now()
		if l != nil {
			l.Release()
		}
		done <- err
	}()
	for s.Stats().Connections < 1 {
		time.Sleep(time.Millisecond) // polling until the dial reached the gateway
	}
	start := time.Now()
	pool.Close()
	closed := time.Now()
	err := <-done
	t.Logf("Pool.Close took %v; Lease returned %v after Close: %v", closed.Sub(start).Round(time.Millisecond), leaseReturned.Sub(closed).Round(time.Millisecond), err)
	if leaseReturned.After(closed.Add(100 * time.Millisecond)) {
		t.Errorf("Pool.Close returned %v before the Lease dial in progress ended (not aborted, not waited for)", leaseReturned.Sub(closed).Round(time.Millisecond))
	}
}

// Concurrent Session / Lease / Release / Close: no race, no panic, no
// leak, every call returns.
func TestReviewPoolChaos(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	host, port := hostPort(s)
	for round := 0; round < 5; round++ {
		pool := NewPool(PoolConfig{Session: Config{ReconnectWait: 5 * time.Millisecond}, LeaseMin: 200, LeaseMax: 203})
		var wg sync.WaitGroup
		for g := 0; g < 12; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(400))*time.Millisecond)
					var l *Lease
					var err error
					if rand.IntN(2) == 0 {
						l, err = pool.Session(ctx, Endpoint{Host: host, Port: port, ClientID: int64(300 + rand.IntN(2))})
					} else {
						l, err = pool.Lease(ctx, host, port)
					}
					if err == nil {
						_, _ = l.CurrentTime(ctx)
						l.Release()
						l.Release()
					}
					cancel()
				}
			}()
		}
		time.Sleep(time.Duration(50+rand.IntN(200)) * time.Millisecond) // chaos cadence
		pool.Close()
		wg.Wait()
		pool.Close()
	}
	// Every session of every pool closed: the gateway has no client left.
	deadline := time.Now().Add(3 * time.Second)
	for s.Stats().Clients != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling the counter
	}
	if n := s.Stats().Clients; n != 0 {
		t.Errorf("%d connections still open after every pool closed", n)
	}
}
