package ibkr

// Outside review: code routing with large order ids, the relay under
// dial/close chaos, pacing edges, lanes, tick rounding.

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/shopspring/decimal"
)

// Order ids and request ids share one number space split at 1<<30. IB's
// nextValidId is whatever this client id used before, and bots that number
// orders by epoch seconds (~1.7e9) are common. With nextValidId above
// 1<<30, an order error (110 here) is taken for a request error, matches
// no request, goes to OnWarning, and the order hangs until ctx.
func TestReviewLargeOrderIDsMisroutedAsRequests(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	ctx := testCtx(t, 20*time.Second)
	// A previous run of a bot on client id 351 used epoch-second order
	// ids: the gateway's nextValidId for it is now ~1.7e9.
	{
		prev := fastSession(t, s, Config{ClientID: 351})
		prev.ids.seed(1_700_000_000)
		tr, err := prev.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
		if err != nil {
			t.Fatal(err)
		}
		if err := prev.CancelOrder(ctx, tr.ID()); err != nil {
			t.Fatal(err)
		}
		prev.Close()
	}
	sess := fastSession(t, s, Config{ClientID: 351})
	opt := optionOf(t, ctx, sess, "AAPL", "C")
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	tr, err := sess.PlaceOrder(c, opt.Contract, lmt("BUY", 1, "3.01")) // off the tick: 110
	t.Logf("order id %d: %v after %v", func() int64 {
		if tr != nil {
			return tr.ID()
		}
		return 0
	}(), err, time.Since(start).Round(time.Millisecond))
	if !errors.Is(err, ErrPriceIncrement) {
		t.Errorf("an off-tick order with a large id: %v, want 110 at once (the gateway sent 110 x%d)", err, s.Stats().Errors(110))
	}
}

// Dial with a ctx cancelled at a random moment of the handshake: no race,
// no leak (goleak in TestMain).
func TestReviewDialCancelRace(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	host, port := hostPort(s)
	s.SetLatency(49, 20*time.Millisecond)
	for i := 0; i < 30; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(30))*time.Millisecond)
		sess, err := Dial(ctx, Config{Host: host, Port: port, ClientID: 352, ConnectTimeout: time.Second, rateOverride: 1e6, Burst: 50})
		cancel()
		if err == nil {
			sess.Close()
		} else if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrDisconnected) && !errors.Is(err, ErrClientIDInUse) {
			t.Errorf("dial %d: %v (matches no sentinel and no ctx error)", i, err)
		}
	}
}

// Close racing a reconnect (drop, malformed frame, restart) with calls in
// flight.
func TestReviewCloseDuringReconnect(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	host, port := hostPort(s)
	for i := 0; i < 12; i++ {
		sess, err := Dial(testCtx(t, 5*time.Second), Config{Host: host, Port: port, ClientID: 353, ReconnectWait: time.Millisecond, MaxReconnectWait: time.Millisecond, rateOverride: 1e6, Burst: 50})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < 20; k++ {
					c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					_, _ = sess.CurrentTime(c)
					_, _ = sess.PlaceOrder(c, Stock("SPY"), lmt("BUY", 1, "1.00"))
					cancel()
				}
			}()
		}
		restarted := make(chan struct{})
		switch i % 3 {
		case 0:
			s.DropAll()
			close(restarted)
		case 1:
			_ = s.SendMalformed(353)
			close(restarted)
		case 2:
			go func() { _ = s.Restart(5 * time.Millisecond); close(restarted) }()
		}
		time.Sleep(time.Duration(rand.IntN(10)) * time.Millisecond) // Close at a random moment of the reconnect
		closed := make(chan struct{})
		go func() { sess.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<22)
			n := runtime.Stack(buf, true)
			_ = os.WriteFile("/tmp/close_hang_stacks.txt", buf[:n], 0o644)
			t.Fatalf("round %d (fault %d): Close did not return in 10s; status %v; stacks in /tmp/close_hang_stacks.txt", i, i%3, sess.Status())
		}
		wg.Wait()
		<-restarted
		for s.Stats().Clients != 0 {
			time.Sleep(time.Millisecond) // polling until the gateway saw the close (bounded by the test ctx)
		}
	}
}

// Pacing at the edges validation accepts: Burst 40 with its highest Rate,
// 120 requests queued at once, then a reconnect and 120 more.
func TestReviewPacingEdgeBurst(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	burst := 40
	rate := maxRateFor(burst)
	sess := sessionFor(t, s, Config{ClientID: 354, Rate: rate, Burst: burst, ReconnectWait: time.Millisecond, MaxReconnectWait: time.Millisecond})
	ctx := testCtx(t, 40*time.Second)
	fire := func(n int) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = sess.CurrentTime(ctx)
			}()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = sess.ContractDetails(ctx, Stock("SPY"))
			}()
		}
		wg.Wait()
	}
	fire(60)
	before := sess.Stats().Reconnects
	s.DropAll()
	for sess.Stats().Reconnects == before {
		time.Sleep(time.Millisecond) // polling the counter
	}
	fire(60)
	st := s.Stats()
	t.Logf("Rate %.2f Burst %d: peak window %d, 100 x%d", rate, burst, st.PeakWindow, st.Errors(100))
	if st.PeakWindow > 50 || st.Errors(100) > 0 {
		t.Errorf("peak %d, 100 x%d", st.PeakWindow, st.Errors(100))
	}
}

// An order leaves first at IB's real rate, however full the other lanes.
func TestReviewOrderFirstUnderMixedLoad(t *testing.T) {
	s := simFor(t, ibsim.Config{})
	sess := sessionFor(t, s, Config{ClientID: 355})
	ctx := testCtx(t, 20*time.Second)
	// Order first: at each order message written, how many interactive and
	// bulk messages had been written in all.
	var traceMu sync.Mutex
	var atOrder []uint64
	sess.w.SetOnWrite(func(l pace.Lane, written [pace.NumLanes]uint64) {
		if l == pace.LaneOrder {
			traceMu.Lock()
			atOrder = append(atOrder, written[pace.LaneInteractive]+written[pace.LaneBulk])
			traceMu.Unlock()
		}
	})
	defer sess.w.SetOnWrite(nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bars atomic.Int64
	firstBars := make(chan struct{})
	var firstOnce sync.Once
	for g := 0; g < 10; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = sess.ContractDetails(ctx, Stock("QQQ"))
			}
		}()
	}
	syms := []string{"SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA"}
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				c, cancel := context.WithTimeout(ctx, 5*time.Second)
				_, err := sess.HistoricalBars(c, HistoricalRequest{Contract: Stock(syms[g]), Duration: "1 D", BarSize: "1 hour", End: morning.Add(-time.Duration(k) * 24 * time.Hour)})
				cancel()
				if err == nil {
					bars.Add(1)
					firstOnce.Do(func() { close(firstBars) })
				}
			}
		}()
	}
	var worst time.Duration
	var maxAhead uint64
	minQueued := 1 << 30
	for i := 0; i < 5; i++ {
		for sess.w.Queued() < 10 {
			time.Sleep(time.Millisecond) // polling until the lanes are backed up again
		}
		q := sess.w.Queued()
		st := sess.Stats()
		before := st.WrittenInteractive + st.WrittenBulk
		traceMu.Lock()
		seen := len(atOrder)
		traceMu.Unlock()
		start := time.Now()
		_, err := sess.PlaceOrder(ctx, Stock("SPY"), lmt("BUY", 1, "1.00"))
		d := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, d)
		traceMu.Lock()
		if len(atOrder) <= seen {
			t.Fatalf("order %d acknowledged but no order-lane write traced", i)
		}
		// The first order-lane write after the call (ours, or a cancel,
		// which also leaves first).
		ahead := atOrder[seen] - before
		traceMu.Unlock()
		maxAhead, minQueued = max(maxAhead, ahead), min(minQueued, q)
	}
	select {
	case <-firstBars: // bulk progresses under interactive and order load
	case <-ctx.Done():
		t.Error("no historical request completed under interactive load")
	}
	close(stop)
	wg.Wait()
	st := s.Stats()
	t.Logf("worst order ack %v; at most %d other messages left between an order's call and its write (%d or more queued); %d historical requests completed under load; peak %d, 100 x%d",
		worst, maxAhead, minQueued, bars.Load(), st.PeakWindow, st.Errors(100))
	// Without priority an order waits for every message queued before it
	// (10 or more); with it, at most the one being written, plus any that
	// left while the call was being prepared.
	if maxAhead > 3 {
		t.Errorf("up to %d interactive or bulk messages were written between PlaceOrder's call and its order's write (%d or more queued): orders do not leave first", maxAhead, minQueued)
	}
	if st.Errors(100) != 0 {
		t.Errorf("the Gateway sent 100 (pacing violation) %d times", st.Errors(100))
	}
}

func TestReviewRoundToTickEdges(t *testing.T) {
	d := decimal.RequireFromString
	stock := PriceIncrements{{LowEdge: d("0"), Increment: d("0.0001")}, {LowEdge: d("1"), Increment: d("0.01")}}
	penny := PriceIncrements{{LowEdge: d("0"), Increment: d("0.01")}, {LowEdge: d("3"), Increment: d("0.05")}}
	odd := PriceIncrements{{LowEdge: d("0"), Increment: d("0.03")}, {LowEdge: d("1"), Increment: d("0.25")}}
	cases := []struct {
		name  string
		price string
		incs  PriceIncrements
		dir   Rounding
		want  string
	}{
		{"stock up across $1", "0.99995", stock, RoundUp, "1"},
		{"stock nearest across $1", "0.99996", stock, RoundNearest, "1"},
		{"stock huge", "123456789012.345", stock, RoundDown, "123456789012.34"},
		{"stock tiny up", "0.00001", stock, RoundUp, "0.0001"},
		{"penny 2.999 up", "2.999", penny, RoundUp, "3"},
		{"penny 3.01 down", "3.01", penny, RoundDown, "3"},
		{"penny 3.024 nearest", "3.024", penny, RoundNearest, "3"},
		{"penny 3.025 nearest (half up)", "3.025", penny, RoundNearest, "3.05"},
		{"penny tiny up (below division precision)", "0.0000000000000000001", penny, RoundUp, "0.01"},
		{"odd edge up: 1.00 is the lowest valid >= 0.995", "0.995", odd, RoundUp, "1"},
	}
	for _, c := range cases {
		got, err := RoundToTick(d(c.price), c.incs, c.dir)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !got.Equal(d(c.want)) {
			t.Errorf("%s: RoundToTick(%s, %s) = %s, want %s", c.name, c.price, c.dir, got, c.want)
		}
		if c.dir == RoundUp && got.LessThan(d(c.price)) {
			t.Errorf("%s: RoundUp gave %s, below the price %s", c.name, got, c.price)
		}
	}
}

// Dial with a ctx that ends right around the relay's accept: g.release()
// can run before accept registered the EClients' sockets, so nothing ever
// half-closes them; both EClient.Connect calls block reading the handshake
// forever and dialConn waits for them: Dial ignores its ctx (and on a
// reconnect, Session.Close never returns).
func TestReviewDialHangsPastCtx(t *testing.T) {
	s := fastSim(t, ibsim.Config{})
	host, port := hostPort(s)
	var over []time.Duration
	for i := 0; i < 300; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(1500))*time.Microsecond)
		done := make(chan struct{})
		var sess *Session
		start := time.Now()
		go func() {
			defer close(done)
			sess, _ = Dial(ctx, Config{Host: host, Port: port, ClientID: 356, ConnectTimeout: time.Second})
		}()
		select {
		case <-done:
			cancel()
			if d := time.Since(start); d > 500*time.Millisecond {
				over = append(over, d.Round(time.Millisecond))
			}
			if len(over) >= 2 {
				i = 1 << 20 // enough evidence; keep the test short
			}
			if sess != nil {
				sess.Close()
			}
		case <-time.After(8 * time.Second):
			cancel()
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			_ = os.WriteFile("/tmp/dial_hang_stacks.txt", buf[:n], 0o644)
			t.Fatalf("dial %d: Dial still running 8s after its ctx (<1.5ms) ended; stacks in /tmp/dial_hang_stacks.txt (earlier overstays: %v)", i, over)
		}
	}
	if len(over) > 0 {
		t.Errorf("%d Dials with a ctx under 1.5ms returned only after %v", len(over), over)
	}
}

// Quotes: availability and OutsideRTH on the market clock.
func TestReviewQuoteMaskAndRTH(t *testing.T) {
	clock := ibsim.NewVirtualClock(morning)
	s := fastSim(t, ibsim.Config{Clock: clock})
	sess := fastSession(t, s, Config{ClientID: 357, MarketClock: clock.Now})
	ctx := testCtx(t, 10*time.Second)
	q, err := sess.Snapshot(ctx, Stock("SPY"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10:00 SPY: bid %s(%v) ask %s(%v) last %s(%v) outsideRTH %v mid %s", q.Bid, q.Has(QuoteBid), q.Ask, q.Has(QuoteAsk), q.Last, q.Has(QuoteLast), q.OutsideRTH, q.Mid())
	if q.OutsideRTH || !q.Has(QuoteBid) || !q.Has(QuoteAsk) || q.Mid().IsZero() {
		t.Errorf("regular-hours quote: %+v", q)
	}
	clock.Set(time.Date(2026, 3, 10, 21, 30, 0, 0, newYork))
	q, err = sess.Snapshot(ctx, Stock("SPY"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("21:30 SPY: bid %s(%v) ask %s(%v) outsideRTH %v", q.Bid, q.Has(QuoteBid), q.Ask, q.Has(QuoteAsk), q.OutsideRTH)
	if !q.OutsideRTH {
		t.Errorf("evening quote not OutsideRTH")
	}
	if !q.Has(QuoteBid) && !q.Mid().IsZero() {
		t.Errorf("Mid %s without a bid", q.Mid())
	}
	// Unit: a -1 after a real 0 clears; a real 0 is kept.
	var st quoteState
	st.price(1, 0, morning)
	if !st.snapshot().Has(QuoteBid) {
		t.Error("a real 0 bid is reported missing")
	}
	st.price(1, -1, morning)
	if st.snapshot().Has(QuoteBid) {
		t.Error("-1 did not clear the bid")
	}
}
