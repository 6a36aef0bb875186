package ibkr

// Outside review: CurrentTime and the id-less list flights under lost,
// slow and interleaved answers.

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// A lost answer with a patient first caller: the Gateway answers again at
// once, yet the next callers join the dead request and wait out their own
// ctx. docs/session.md: "a lost answer costs only the calls that waited for
// it: the next call succeeds as soon as the Gateway answers again".
func TestReviewCurrentTimePatientCallerPoisonsFlight(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 341})
	s.Hang(49)
	patient := make(chan error, 1)
	pctx, pcancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer pcancel()
	go func() {
		_, err := sess.CurrentTime(pctx)
		patient <- err
	}()
	for s.Stats().MessagesByType[49] < 2 { // the dial's probe is the first
		time.Sleep(time.Millisecond) // polling until the gateway read (and dropped) it
	}
	s.SetLatency(49, 0) // the Gateway answers again from now on
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		start := time.Now()
		_, err := sess.CurrentTime(ctx)
		cancel()
		if err != nil {
			t.Errorf("call %d after the gateway recovered: %v after %v", i+1, err, time.Since(start).Round(time.Millisecond))
		}
	}
	select {
	case err := <-patient:
		t.Logf("patient caller: %v", err)
	case <-time.After(5 * time.Second):
		t.Error("patient caller still waiting")
	}
}

// Same for OpenOrders (and so for the session's own reconcile, which calls
// it with a 30 s bound).
func TestReviewOpenOrdersPatientCallerPoisonsFlight(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 342})
	s.Hang(5)
	pctx, pcancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer pcancel()
	patient := make(chan error, 1)
	go func() {
		_, err := sess.OpenOrders(pctx)
		patient <- err
	}()
	for s.Stats().MessagesByType[5] < 1 {
		time.Sleep(time.Millisecond) // polling until the gateway read it
	}
	s.SetLatency(5, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	start := time.Now()
	_, err := sess.OpenOrders(ctx)
	cancel()
	if err != nil {
		t.Errorf("OpenOrders after the gateway recovered: %v after %v", err, time.Since(start).Round(time.Millisecond))
	}
	<-patient
}

// Slow answers and impatient, interleaved callers: nobody outlives its ctx,
// and a caller whose ctx is well above the latency always succeeds.
func TestReviewCurrentTimeInterleaved(t *testing.T) {
	for _, lat := range []time.Duration{5 * time.Millisecond, 49 * time.Millisecond} {
		t.Run(lat.String(), func(t *testing.T) {
			s := fastSim(t, ibsim.Config{})
			sess := fastSession(t, s, Config{ClientID: 343})
			s.SetLatency(49, lat)
			var wg sync.WaitGroup
			var late, patientFailed, calls atomic.Int64
			for g := 0; g < 24; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 30; i++ {
						d := time.Duration(rand.Int64N(int64(3 * lat)))
						patient := rand.IntN(4) == 0
						if patient {
							d = 10*lat + 200*time.Millisecond
						}
						ctx, cancel := context.WithTimeout(context.Background(), d)
						start := time.Now()
						_, err := sess.CurrentTime(ctx)
						took := time.Since(start)
						cancel()
						calls.Add(1)
						if took > d+100*time.Millisecond {
							late.Add(1)
						}
						if patient && err != nil {
							patientFailed.Add(1)
							t.Logf("patient (%v) call failed after %v: %v", d, took.Round(time.Millisecond), err)
						}
					}
				}()
			}
			wg.Wait()
			t.Logf("%d calls, %d late, %d patient failures, %d currentTime requests read", calls.Load(), late.Load(), patientFailed.Load(), s.Stats().MessagesByType[49])
			if late.Load() > 0 {
				t.Errorf("%d calls outlived their ctx by >100ms", late.Load())
			}
			if patientFailed.Load() > 0 {
				t.Errorf("%d calls with ctx >= 10x the latency failed", patientFailed.Load())
			}
		})
	}
}

// A reconnect while a CurrentTime is pending on a hung request fails the
// waiter with ErrDisconnected, and the next call on the new connection
// works.
func TestReviewCurrentTimeReconnectWhilePending(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	sess := fastSession(t, s, Config{ClientID: 344, ReconnectWait: time.Millisecond, MaxReconnectWait: 5 * time.Millisecond})
	s.Hang(49)
	errc := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := sess.CurrentTime(ctx)
			errc <- err
		}()
	}
	for s.Stats().MessagesByType[49] < 2 {
		time.Sleep(time.Millisecond) // polling until read
	}
	s.SetLatency(49, 0)
	s.DropAll()
	for i := 0; i < 4; i++ {
		select {
		case err := <-errc:
			if !errors.Is(err, ErrDisconnected) {
				t.Errorf("pending CurrentTime across a drop: %v", err)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("pending CurrentTime not failed by the drop")
		}
	}
	ctx := testCtx(t, 3*time.Second)
	if _, err := sess.CurrentTime(ctx); err != nil {
		t.Errorf("after reconnect: %v", err)
	}
}

// MarketRule for an id the Gateway does not know: the Gateway answers 321
// on reqId -1 (reqMarketRule has no request id). The call waits until ctx.
func TestReviewMarketRuleUnknownID(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	var warned atomic.Int64
	sess := fastSession(t, s, Config{ClientID: 345, OnWarning: func(e *APIError) {
		if e.Code == 321 {
			warned.Add(1)
		}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := sess.MarketRule(ctx, 987654)
	t.Logf("MarketRule(987654): %v after %v; 321 delivered to OnWarning x%d", err, time.Since(start).Round(time.Millisecond), warned.Load())
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("MarketRule for an unknown id waited its whole ctx although the gateway answered 321 at once")
	}
}
