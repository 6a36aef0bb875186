package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestQueueFull: with the sender stuck, Notify fills the queue, then drops,
// counts every drop and logs at most once per 30 s per channel.
func TestQueueFull(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(n int, _ http.ResponseWriter, r *http.Request) {
		if n == 1 {
			g.wait(r)
		}
	})
	logs := &logBuffer{}
	cfg := withChannel(testConfig(clk, logs), ChannelSlack, rc.srv.URL)
	cfg.QueueSize = 2
	n := newTestNotifier(t, cfg)

	n.Notify(Event{Kind: KindEntry, Title: "1"})
	rc.next(t) // alert 1 is in flight: the queue is empty and the sender stuck
	for i := 2; i <= 6; i++ {
		n.Notify(Event{Kind: KindEntry, Symbol: "SPY", Title: fmt.Sprint(i)})
	}
	if st := stats(t, n, ChannelSlack); st.Queued != 2 || st.Dropped != 3 {
		t.Errorf("stats = %+v, want 2 queued (alerts 2, 3) and 3 dropped (4, 5, 6)", st)
	}
	drops := logs.records(t, "alert dropped")
	if len(drops) != 1 {
		t.Fatalf(`"alert dropped" lines = %v, want 1 (later drops within 30 s are only counted)`, drops)
	}
	d := drops[0]
	if d["level"] != "WARN" || d["channel"] != "slack" || d["kind"] != KindEntry || d["symbol"] != "SPY" ||
		d["reason"] != "queue full" || d["dropped_total"] != 1.0 {
		t.Errorf("drop log = %v, want warn: slack, entry, SPY, queue full, dropped_total 1", d)
	}

	clk.Advance(dropLogEvery)
	n.Notify(Event{Kind: KindExit, Title: "7"})
	if drops := logs.records(t, "alert dropped"); len(drops) != 2 || drops[1]["dropped_total"] != 4.0 {
		t.Errorf(`"alert dropped" lines 30 s later = %v, want a second line with dropped_total 4`, drops)
	}

	g.open()
	closeAll(t, n)
	var titles []string
	for _, r := range rc.requests() {
		text := decode(t, r.Body)["text"].(string)
		titles = append(titles, strings.SplitN(strings.SplitN(text, ": ", 2)[1], "\n", 2)[0])
	}
	if got := strings.Join(titles, ","); got != "1,2,3" {
		t.Errorf("delivered alerts %s, want 1,2,3 in order", got)
	}
	if st := stats(t, n, ChannelSlack); st != (ChannelStats{Sent: 3, Dropped: 4}) {
		t.Errorf("final stats = %+v, want Sent 3, Dropped 4", st)
	}
}

func TestNotifyAfterClose(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, nil)
	logs := &logBuffer{}
	cfg := withChannel(withChannel(testConfig(clk, logs), ChannelSlack, rc.srv.URL), ChannelDiscord, rc.srv.URL)
	n := newTestNotifier(t, cfg)
	closeAll(t, n)
	for range 3 {
		n.Notify(Event{Kind: KindStop})
	}
	for _, ch := range []Channel{ChannelDiscord, ChannelSlack} {
		if st := stats(t, n, ch); st != (ChannelStats{Dropped: 3}) {
			t.Errorf("%s stats = %+v, want Dropped 3", ch, st)
		}
	}
	if got := len(rc.requests()); got != 0 {
		t.Errorf("receiver got %d requests after Close, want none", got)
	}
	drops := logs.records(t, "alert dropped")
	if len(drops) != 2 || drops[0]["reason"] != "notifier closed" {
		t.Errorf(`"alert dropped" lines = %v, want one per channel, reason "notifier closed"`, drops)
	}
}

// TestCloseDrains: Close delivers everything queued when its ctx allows.
func TestCloseDrains(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(n int, _ http.ResponseWriter, r *http.Request) {
		if n == 1 {
			g.wait(r)
		}
	})
	cfg := withChannel(testConfig(clk, &logBuffer{}), ChannelTelegram, rc.srv.URL)
	n := newTestNotifier(t, cfg)
	for i := range 5 {
		n.Notify(Event{Kind: KindFill, Cycle: i + 1})
	}
	rc.next(t)
	closed := make(chan error, 1)
	go func() { closed <- n.Close(context.Background()) }()
	g.open()
	if err := await(t, closed, "Close returning"); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	if st := stats(t, n, ChannelTelegram); st != (ChannelStats{Sent: 5}) {
		t.Errorf("stats = %+v, want all 5 sent before Close returned", st)
	}
	for i, r := range rc.requests() {
		if text := decode(t, r.Body)["text"].(string); !strings.Contains(text, fmt.Sprintf("(cycle %d)", i+1)) {
			t.Errorf("request %d carried %q, want cycle %d (queue order)", i+1, text, i+1)
		}
	}
}

// TestCloseAbandons: with a receiver that never answers, Close returns
// when its ctx ends, cancels the request in flight, and counts the alert
// in flight and the queued ones as dropped.
func TestCloseAbandons(t *testing.T) {
	for _, tt := range []struct {
		name string
		want error
	}{{"cancelled", context.Canceled}, {"deadline", context.DeadlineExceeded}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			g := newGate(t) // never opened by the test
			cancelled := make(chan struct{}, 1)
			rc := newReceiver(t, clk, func(_ int, _ http.ResponseWriter, r *http.Request) {
				if !g.wait(r) {
					cancelled <- struct{}{}
				}
			})
			cfg := withChannel(withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL), ChannelDiscord, rc.srv.URL)
			n := newTestNotifier(t, cfg)
			for range 4 {
				n.Notify(Event{Kind: KindEntry})
			}
			rc.next(t)
			rc.next(t) // both channels stuck on their first alert

			var ctx context.Context
			var end func()
			if tt.want == context.Canceled {
				ctx, end = context.WithCancel(context.Background())
			} else {
				ctx, end = context.WithTimeout(context.Background(), 50*time.Millisecond)
			}
			defer end()
			closed := make(chan error, 1)
			go func() { closed <- n.Close(ctx) }()
			if tt.want == context.Canceled {
				select {
				case err := <-closed:
					t.Fatalf("Close returned (%v) while its ctx was live and a receiver hung", err)
				default:
				}
				end()
			}
			err := await(t, closed, "Close returning after its ctx ended")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "8 alert(s) abandoned") {
				t.Errorf("Close = %v, want an error matching %v that counts 8 abandoned alerts", err, tt.want)
			}
			await(t, cancelled, "the request in flight being cancelled")
			await(t, cancelled, "the other request in flight being cancelled")
			for _, ch := range n.Channels() {
				if st := stats(t, n, ch); st != (ChannelStats{Dropped: 4}) {
					t.Errorf("%s stats = %+v, want Dropped 4 (1 in flight + 3 queued)", ch, st)
				}
			}
			if err := n.Close(context.Background()); err != nil {
				t.Errorf("second Close = %v, want nil", err)
			}
		})
	}
}

// TestCloseDoneCtx: a ctx already done when nothing is queued abandons
// nothing, so Close returns nil.
func TestCloseDoneCtx(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	clk := newFakeClock()
	rc := newReceiver(t, clk, nil)
	cfg := withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL)
	for i := range 20 { // Close's select is random: try both orders
		n := newTestNotifier(t, cfg)
		if err := n.Close(done); err != nil {
			t.Fatalf("Close #%d with a done ctx and nothing queued = %v, want nil", i, err)
		}
	}
}

func TestCloseIdempotentAndConcurrent(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, nil)
	cfg := withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL)
	cfg.HeartbeatURL = rc.srv.URL + "/ping"
	n := newTestNotifier(t, cfg)
	n.Notify(Event{Kind: KindStop})
	n.Heartbeat(context.Background())
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() { errs <- n.Close(context.Background()) }()
	}
	for range cap(errs) {
		if err := await(t, errs, "a concurrent Close returning"); err != nil {
			t.Errorf("concurrent Close = %v, want nil", err)
		}
	}
	closeAll(t, n)
	if st := stats(t, n, ChannelSlack); st != (ChannelStats{Sent: 1}) {
		t.Errorf("stats = %+v, want the one alert sent", st)
	}
	if hb := n.Stats().Heartbeat; hb != (HeartbeatStats{OK: 1}) {
		t.Errorf("heartbeat stats = %+v, want the ping done before Close returned", hb)
	}
}

// TestConcurrentUse hammers Notify, Heartbeat and Stats from many
// goroutines while Close runs, for the race detector, and checks every
// alert is accounted for exactly once.
func TestConcurrentUse(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n%3 == 0 {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	cfg := withChannel(withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL), ChannelTelegram, rc.srv.URL)
	cfg.HeartbeatURL = rc.srv.URL + "/ping"
	cfg.QueueSize = 16
	n := newTestNotifier(t, cfg)

	const workers, each = 8, 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range each {
				n.Notify(Event{Kind: KindFill, Cycle: w*each + i, Fields: map[string]string{"w": fmt.Sprint(w)}})
				if i%10 == 0 {
					n.Heartbeat(context.Background())
					_ = n.Stats()
				}
			}
		})
	}
	wg.Go(func() {
		<-start
		if err := n.Close(context.Background()); err != nil {
			t.Errorf("Close = %v, want nil", err)
		}
	})
	close(start)
	wg.Wait()
	closeAll(t, n)
	for _, ch := range n.Channels() {
		st := stats(t, n, ch)
		if total := st.Sent + st.Failed + st.Dropped; total != workers*each || st.Queued != 0 {
			t.Errorf("%s: sent %d + failed %d + dropped %d = %d (queued %d), want %d alerts each counted once",
				ch, st.Sent, st.Failed, st.Dropped, total, st.Queued, workers*each)
		}
	}
}
