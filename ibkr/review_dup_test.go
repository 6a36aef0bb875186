package ibkr

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// Orders from many goroutines while the Gateway drops the connection over
// and over: does any id reach the Gateway twice or out of order (103)?
func TestReviewDuplicateIDAcrossDrops(t *testing.T)      { dupAcross(t, false, false) }
func TestReviewDuplicateIDAcrossRestarts(t *testing.T)   { dupAcross(t, true, false) }
func TestReviewDuplicateIDAcrossDropsMixed(t *testing.T) { dupAcross(t, false, true) }

func dupAcross(t *testing.T, restart, mixed bool) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 331, ReconnectWait: time.Millisecond, MaxReconnectWait: 2 * time.Millisecond})
	var mu sync.Mutex
	var trades []*Trade
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			w := w
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, cancel := context.WithTimeout(context.Background(), time.Second)
				var tr *Trade
				if mixed && w%2 == 1 {
					_, _ = sess.WhatIf(c, Stock("SPY"), lmt("BUY", 1, "1.00"))
				} else {
					tr, _ = sess.PlaceOrder(c, Stock("SPY"), lmt("BUY", 1, "1.00"))
				}
				cancel()
				if tr != nil {
					mu.Lock()
					trades = append(trades, tr)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < 40; i++ {
		before := sess.Stats().Reconnects
		if restart {
			if err := s.Restart(time.Duration(i%3) * time.Millisecond); err != nil {
				t.Fatal(err)
			}
		} else {
			s.DropAll()
		}
		for sess.Stats().Reconnects == before {
			time.Sleep(time.Millisecond) // polling the counter
		}
		time.Sleep(5 * time.Millisecond) // let orders flow on the new connection (cadence)
	}
	close(stop)
	wg.Wait()
	st := s.Stats()
	t.Logf("%d trades, %d reconnects, 103 x%d", len(trades), sess.Stats().Reconnects, st.Errors(103))
	for _, c := range st.Conns {
		if c.ErrorsSent[103] > 0 {
			t.Logf("conn %d (client %d, open=%v): 103 x%d, %d orders", c.ConnID, c.ClientID, c.Open, c.ErrorsSent[103], c.OrdersReceived)
		}
	}
	for _, tr := range trades {
		if errors.Is(tr.Err(), ErrDuplicateOrderID) {
			t.Logf("trade %d gen %d: %v", tr.ID(), tr.gen.Load(), tr.Err())
		}
	}
	if st.Errors(103) > 0 {
		t.Errorf("the gateway sent 103 %d times", st.Errors(103))
	}
	for _, tr := range trades {
		if errors.Is(tr.Err(), ErrDuplicateOrderID) {
			t.Errorf("trade %d ended with 103", tr.ID())
		}
	}
}
