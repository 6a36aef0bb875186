package ibkr

// Outside review: concurrent order calls with random cancellations and
// reconnects in the middle.

import (
	"context"
	"errors"
	"math/rand/v2"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/shopspring/decimal"
)

var digits = regexp.MustCompile(`[0-9]+`)

type stormResult struct {
	trades   []*Trade
	brackets int
	calls    atomic.Int64
	slow     atomic.Int64
	noID     atomic.Int64
	errs     sync.Map // error text -> count
}

func (r *stormResult) note(err error) {
	if err == nil {
		return
	}
	k := digits.ReplaceAllString(err.Error(), "N")
	if len(k) > 110 {
		k = k[:110]
	}
	v, _ := r.errs.LoadOrStore(k, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func storm(t *testing.T, sess *Session, workers, perWorker int, maxDelay time.Duration, bound time.Duration) *stormResult {
	t.Helper()
	res := &stormResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	stp := Order{Action: "SELL", Quantity: decimal.NewFromInt(1), Type: "STP", StopPrice: decimal.RequireFromString("0.50")}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perWorker; i++ {
				var ctx context.Context
				var cancel context.CancelFunc
				if rand.IntN(3) == 0 {
					ctx, cancel = context.WithTimeout(context.Background(), time.Duration(rand.Int64N(int64(maxDelay)+1)))
				} else {
					ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
				}
				began := time.Now()
				switch rand.IntN(4) {
				case 0:
					tr, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
					res.note(err)
					if tr != nil {
						if tr.ID() == 0 {
							res.noID.Add(1)
						}
						mu.Lock()
						res.trades = append(res.trades, tr)
						mu.Unlock()
					}
				case 1:
					b, err := sess.PlaceBracket(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"), lmt("SELL", 1, "2.00"), stp)
					res.note(err)
					if b != nil {
						mu.Lock()
						res.brackets++
						for _, tr := range []*Trade{b.Parent, b.TakeProfit, b.StopLoss} {
							if tr.ID() == 0 {
								res.noID.Add(1)
							}
							res.trades = append(res.trades, tr)
						}
						mu.Unlock()
					}
				case 2:
					_, err := sess.WhatIf(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
					res.note(err)
				case 3:
					mu.Lock()
					var id int64
					if n := len(res.trades); n > 0 {
						id = res.trades[rand.IntN(n)].ID()
					}
					mu.Unlock()
					if id > 0 {
						res.note(sess.CancelOrder(ctx, id))
					}
				}
				if d := time.Since(began); d > bound {
					res.slow.Add(1)
				}
				res.calls.Add(1)
				cancel()
			}
		}()
	}
	close(start)
	wg.Wait()
	return res
}

func checkStorm(t *testing.T, s *ibsim.Server, sess *Session, res *stormResult) {
	t.Helper()
	st := s.Stats()
	t.Logf("%d calls, %d trades, %d brackets; gateway: %d orders received, %d accepted, 103 x%d, 100 x%d, peak %d",
		res.calls.Load(), len(res.trades), res.brackets, st.OrdersReceived, st.OrdersAccepted, st.Errors(103), st.Errors(100), st.PeakWindow)
	res.errs.Range(func(k, v any) bool {
		t.Logf("  %5d x %s", v.(*atomic.Int64).Load(), k)
		return true
	})
	var open103 int64
	for _, c := range st.Conns {
		if c.Open {
			open103 += c.ErrorsSent[103]
		} else if c.ErrorsSent[103] > 0 {
			t.Logf("(ibsim artifact?) 103 x%d on connection %d, already dropped", c.ErrorsSent[103], c.ConnID)
		}
	}
	dup := 0
	for _, tr := range res.trades {
		if errors.Is(tr.Err(), ErrDuplicateOrderID) {
			dup++
		}
	}
	if open103 != 0 || dup != 0 {
		t.Errorf("103 on a live connection x%d; %d trades ended with 103", open103, dup)
	}
	if res.noID.Load() != 0 {
		t.Errorf("%d handles without an id", res.noID.Load())
	}
	if res.slow.Load() != 0 {
		t.Errorf("%d calls outlived their ctx bound", res.slow.Load())
	}
	seen := map[int64]bool{}
	for _, tr := range res.trades {
		if seen[tr.ID()] {
			t.Errorf("id %d on two handles", tr.ID())
		}
		seen[tr.ID()] = true
	}
	// Bracket children must name their parent's id.
	for _, tr := range sess.Trades() {
		o := tr.Order()
		if o.ParentID != 0 && !seen[o.ParentID] && sess.orders.trade(o.ParentID) == nil {
			t.Errorf("order %d names parent %d, which the session never wrote", tr.ID(), o.ParentID)
		}
	}
}

func TestReviewOrderStormFast(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 321})
	res := storm(t, sess, 48, 40, 3*time.Millisecond, 5500*time.Millisecond)
	checkStorm(t, s, sess, res)
}

func TestReviewOrderStormRealRate(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 322})
	res := storm(t, sess, 16, 6, 300*time.Millisecond, 5500*time.Millisecond)
	checkStorm(t, s, sess, res)
	if st := s.Stats(); st.PeakWindow > 50 || st.Errors(100) > 0 {
		t.Errorf("pacing: peak %d, 100 x%d", st.PeakWindow, st.Errors(100))
	}
}

func TestReviewOrderStormWithDrops(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 323, ReconnectWait: time.Millisecond, MaxReconnectWait: 5 * time.Millisecond})
	stop := make(chan struct{})
	var drops atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 15; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(20+rand.IntN(40)) * time.Millisecond): // fault cadence, not a wait for an event
			}
			before := sess.Stats().Reconnects
			if rand.IntN(2) == 0 {
				s.DropAll()
			} else {
				_ = s.Restart(time.Duration(rand.IntN(20)) * time.Millisecond)
			}
			drops.Add(1)
			for sess.Stats().Reconnects == before {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond): // polling the counter
				}
			}
		}
	}()
	res := storm(t, sess, 32, 25, 3*time.Millisecond, 5500*time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("%d drops/restarts, %d reconnects", drops.Load(), sess.Stats().Reconnects)
	checkStorm(t, s, sess, res)
	// Let the last reconcile run, then every trade must be resolved or open.
	ctx := testCtx(t, 10*time.Second)
	for sess.Status() != StatusReady {
		select {
		case <-ctx.Done():
			t.Fatalf("not ready: status %v", sess.Status())
		case <-time.After(5 * time.Millisecond): // polling status
		}
	}
	open, err := sess.OpenOrders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	openIDs := map[int64]bool{}
	for _, oi := range open {
		openIDs[oi.OrderID] = true
	}
	deadline := time.Now().Add(3 * time.Second)
	var pending []*Trade
	for {
		pending = pending[:0]
		for _, tr := range sess.Trades() {
			if !tr.isDone() && !openIDs[tr.ID()] {
				pending = append(pending, tr)
			}
		}
		if len(pending) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling until reconcile resolved them (bounded)
	}
	for _, tr := range pending {
		t.Errorf("trade %d neither done nor open at the gateway: %+v (hold=%v parent=%d)", tr.ID(), tr.Status(), tr.Order().Hold, tr.Order().ParentID)
	}
	wrong := 0
	for _, tr := range sess.Trades() {
		if errors.Is(tr.Err(), ErrOrderLost) && openIDs[tr.ID()] {
			wrong++
			t.Errorf("trade %d ErrOrderLost but open at the gateway", tr.ID())
		}
	}
	_ = wrong
}
