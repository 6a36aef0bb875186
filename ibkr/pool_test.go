package ibkr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

func TestPoolLeaseSkipsBusyIDsAndSharesLines(t *testing.T) {
	s := startSim(t, ibsim.Config{TickInterval: time.Hour})
	host, port := endpoint(t, s)
	// Another process holds client id 100.
	other := dial(t, s, ibkr.Config{ClientID: 100})
	_ = other
	pool := ibkr.NewPool(ibkr.PoolConfig{Session: ibkr.Config{MarketDataLines: 1}, LeaseMin: 100, LeaseMax: 102})
	defer pool.Close()
	ctx := ctxT(t)
	a, err := pool.Lease(ctx, host, port)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pool.Lease(ctx, host, port)
	if err != nil {
		t.Fatal(err)
	}
	if a.ClientID() != 101 || b.ClientID() != 102 {
		t.Errorf("leased ids %d and %d, want 101 and 102 (100 is in use)", a.ClientID(), b.ClientID())
	}
	if _, err := pool.Lease(ctx, host, port); !errors.Is(err, ibkr.ErrNoFreeClientID) {
		t.Errorf("third lease: %v, want ErrNoFreeClientID", err)
	}
	// One line for the account: a stream on a holds it, so a snapshot on b
	// waits for it.
	m, err := a.MarketData(ctx, ibkr.Stock("SPY"), ibkr.MarketDataOptions{})
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := b.Snapshot(short, ibkr.Stock("QQQ")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("snapshot while the account's only line is held: %v, want a deadline", err)
	}
	m.Close()
	if _, err := b.Snapshot(ctx, ibkr.Stock("QQQ")); err != nil {
		t.Fatalf("snapshot after the line was freed: %v", err)
	}
	// A released lease is reused, still open.
	a.Release()
	a.Release() // idempotent: the second release must not return it twice
	c, err := pool.Lease(ctx, host, port)
	if err != nil || c.Session != a.Session {
		t.Fatalf("lease after release: %v (same session %v)", err, c != nil && c.Session == a.Session)
	}
	// Every id of the range is taken now: had the double release queued
	// the session twice, this would hand out c's session again.
	if d, err := pool.Lease(ctx, host, port); !errors.Is(err, ibkr.ErrNoFreeClientID) {
		t.Errorf("lease with every id taken after a double release: %v (same session as c: %v), want ErrNoFreeClientID", err, d != nil && d.Session == c.Session)
	}
	if n := s.Stats().Errors(101); n != 0 {
		t.Errorf("101 sent %d times", n)
	}
}

func TestPoolSharedSessionRefCounts(t *testing.T) {
	s := startSim(t, ibsim.Config{})
	host, port := endpoint(t, s)
	pool := ibkr.NewPool(ibkr.PoolConfig{})
	defer pool.Close()
	ep := ibkr.Endpoint{Host: host, Port: port, ClientID: 41}
	x, err := pool.Session(ctxT(t), ep)
	if err != nil {
		t.Fatal(err)
	}
	y, err := pool.Session(ctxT(t), ep)
	if err != nil || y.Session != x.Session {
		t.Fatalf("second Session: %v, same %v", err, err == nil && y.Session == x.Session)
	}
	x.Release()
	x.Release() // idempotent: must not drop y's reference
	if x.Status() != ibkr.StatusReady {
		t.Fatalf("released once of twice: status %v", x.Status())
	}
	y.Close() // Close on a lease is Release
	if x.Status() != ibkr.StatusClosed {
		t.Fatalf("released twice: status %v, want closed", x.Status())
	}
	// The id is free again at once (the session's close waits for the
	// Gateway to let go of it).
	z, err := pool.Session(ctxT(t), ep)
	if err != nil || z.Session == x.Session {
		t.Fatalf("new Session after the last release: %v", err)
	}
	z.Release()
}
