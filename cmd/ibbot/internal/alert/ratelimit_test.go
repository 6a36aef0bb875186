package alert

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	w := newWindow(RateLimit{Events: 3, Per: time.Second})
	at := func(ms int) time.Time { return epoch.Add(time.Duration(ms) * time.Millisecond) }
	steps := []struct {
		ms   int
		want time.Duration
	}{
		{0, 0}, {100, 0}, {200, 0}, // three in the window
		{300, 700 * time.Millisecond}, // full until the first leaves at 1000
		{999, time.Millisecond},
		{1000, 0},                      // the first left
		{1000, 100 * time.Millisecond}, // full again: the 100 leaves at 1100
		{1100, 0}, {1200, 0},
		{1500, 500 * time.Millisecond},
		{5000, 0}, {5000, 0}, {5000, 0},
		{5000, time.Second},
	}
	for i, s := range steps {
		if got := w.reserve(at(s.ms)); got != s.want {
			t.Fatalf("step %d: reserve at +%dms = %v, want %v", i, s.ms, got, s.want)
		}
	}

	var unlimited *window = newWindow(RateLimit{Events: -1})
	for range 100 {
		if d := unlimited.reserve(epoch); d != 0 {
			t.Fatalf("an unlimited window asked to wait %v", d)
		}
	}
}

// slidingOK reports the first window of length per holding more than
// events of the times, "" when there is none.
func slidingOK(times []time.Time, rl RateLimit) string {
	for i := range times {
		n := 0
		for _, u := range times[i:] {
			if u.Sub(times[i]) < rl.Per {
				n++
			}
		}
		if n > rl.Events {
			return fmt.Sprintf("%d requests within %v of +%v (limit %d per %v)", n, rl.Per, times[i].Sub(epoch), rl.Events, rl.Per)
		}
	}
	return ""
}

// TestRateLimit sends a burst on each channel and checks, on the fake
// clock, that the receiver never saw more than the limit in any window
// and that the sender waited no longer than needed.
func TestRateLimit(t *testing.T) {
	tests := []struct {
		name   string
		ch     Channel
		limits RateLimits // zero: the defaults
		rl     RateLimit  // what to expect
		alerts int
		want   []time.Duration // arrival offsets from the first
	}{
		{"discord default 5 per 2s", ChannelDiscord, RateLimits{}, DefaultDiscordLimit, 12, []time.Duration{
			0, 0, 0, 0, 0, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second,
			4 * time.Second, 4 * time.Second}},
		{"slack default 1 per s", ChannelSlack, RateLimits{}, DefaultSlackLimit, 4, []time.Duration{
			0, time.Second, 2 * time.Second, 3 * time.Second}},
		{"telegram default 1 per s", ChannelTelegram, RateLimits{}, DefaultTelegramLimit, 3, []time.Duration{
			0, time.Second, 2 * time.Second}},
		{"telegram 2 per 10s", ChannelTelegram, RateLimits{Telegram: RateLimit{Events: 2, Per: 10 * time.Second}},
			RateLimit{Events: 2, Per: 10 * time.Second}, 5, []time.Duration{0, 0, 10 * time.Second, 10 * time.Second, 20 * time.Second}},
		{"no limit", ChannelSlack, noLimits, RateLimit{Events: 100, Per: time.Hour}, 6, []time.Duration{0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			rc := newReceiver(t, clk, nil)
			cfg := withChannel(testConfig(clk, &logBuffer{}), tt.ch, rc.srv.URL)
			cfg.RateLimits = tt.limits
			n := newTestNotifier(t, cfg)
			for i := range tt.alerts {
				n.Notify(Event{Kind: KindFill, Cycle: i + 1})
			}
			closeAll(t, n)

			reqs := rc.requests()
			if len(reqs) != tt.alerts {
				t.Fatalf("receiver got %d requests, want %d", len(reqs), tt.alerts)
			}
			var times []time.Time
			var offsets []time.Duration
			for _, r := range reqs {
				times = append(times, r.At)
				offsets = append(offsets, r.At.Sub(reqs[0].At))
			}
			if msg := slidingOK(times, tt.rl); msg != "" {
				t.Errorf("rate limit broken: %s; arrivals at %v", msg, offsets)
			}
			if !slices.Equal(offsets, tt.want) {
				t.Errorf("arrivals at %v, want %v (no later than the limit requires)", offsets, tt.want)
			}
			waited := uint64(0)
			for i := 1; i < len(offsets); i++ {
				if offsets[i] != offsets[i-1] {
					waited++
				}
			}
			if st := stats(t, n, tt.ch); st.Sent != uint64(tt.alerts) || st.RateLimitWaits != waited {
				t.Errorf("stats = %+v, want Sent %d and RateLimitWaits %d", st, tt.alerts, waited)
			}
		})
	}
}

// TestRateLimitCoversRetries: a retry passes the limit too, and an alert
// that waits twice counts once in RateLimitWaits.
func TestRateLimitCoversRetries(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	cfg := withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL)
	cfg.RateLimits = RateLimits{} // Slack: 1 per second
	cfg.Backoff = func(int) time.Duration { return 100 * time.Millisecond }
	n := newTestNotifier(t, cfg)
	n.Notify(Event{Kind: KindEntry})
	closeAll(t, n)

	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3 (two 503s, then success)", len(reqs))
	}
	for i := 1; i < len(reqs); i++ {
		if d := reqs[i].At.Sub(reqs[i-1].At); d != time.Second {
			t.Errorf("attempt %d came %v after attempt %d, want 1s (the 100ms backoff, then the 1/s limit)", i+1, d, i)
		}
	}
	want := []time.Duration{100 * time.Millisecond, 900 * time.Millisecond, 100 * time.Millisecond, 900 * time.Millisecond}
	if w := clk.Waits(); !slices.Equal(w, want) {
		t.Errorf("waits = %s, want %s (backoff, then the rest of the window)", durations(w), durations(want))
	}
	if st := stats(t, n, ChannelSlack); st != (ChannelStats{Sent: 1, Retried: 2, RateLimitWaits: 1}) {
		t.Errorf("stats = %+v, want Sent 1, Retried 2, RateLimitWaits 1 (one alert waited)", st)
	}
}
