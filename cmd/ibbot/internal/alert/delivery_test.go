package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// withChannel points cfg's ch at base (a receiver's URL).
func withChannel(cfg Config, ch Channel, base string) Config {
	switch ch {
	case ChannelDiscord:
		cfg.DiscordWebhookURL = base + "/api/webhooks/1/d"
	case ChannelSlack:
		cfg.SlackWebhookURL = base + "/services/T/B/s"
	case ChannelTelegram:
		cfg.TelegramAPIURL = base
		cfg.TelegramBotToken = "1:t"
		cfg.TelegramChatID = "42"
	}
	return cfg
}

// durations formats waits for messages.
func durations(ds []time.Duration) string { return fmt.Sprint(ds) }

func TestSuccess(t *testing.T) {
	for _, code := range []int{200, 201, 202, 204} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			clk := newFakeClock()
			rc := newReceiver(t, clk, status(code, ""))
			logs := &logBuffer{}
			n := newTestNotifier(t, withChannel(testConfig(clk, logs), ChannelSlack, rc.srv.URL))
			n.Notify(Event{Kind: KindFill, Title: "filled"})
			closeAll(t, n)
			if st := stats(t, n, ChannelSlack); st != (ChannelStats{Sent: 1}) {
				t.Errorf("stats after a %d = %+v, want only Sent 1", code, st)
			}
			if got := len(rc.requests()); got != 1 {
				t.Errorf("receiver got %d requests for one alert answered %d, want 1", got, code)
			}
			if w := clk.Waits(); len(w) != 0 {
				t.Errorf("a %d answer led to waits %v, want none", code, w)
			}
			if recs := logs.records(t, "alert not delivered"); len(recs) != 0 {
				t.Errorf("a %d answer logged a failure: %v", code, recs)
			}
		})
	}
}

// TestRetryAfter answers the first attempt with 429 (or 503) asking for a
// wait, the second with 200, and checks the wait taken before the retry.
func TestRetryAfter(t *testing.T) {
	type reply = func(w http.ResponseWriter, now time.Time)
	header := func(code int, v string) reply {
		return func(w http.ResponseWriter, _ time.Time) {
			w.Header().Set("Retry-After", v)
			w.WriteHeader(code)
		}
	}
	body := func(b string) reply {
		return func(w http.ResponseWriter, _ time.Time) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, b)
		}
	}
	tests := []struct {
		name      string
		ch        Channel
		first     reply
		want      time.Duration
		throttled uint64
	}{
		{"seconds", ChannelSlack, header(429, "7"), 7 * time.Second, 1},
		{"fractional seconds", ChannelSlack, header(429, "2.5"), 2500 * time.Millisecond, 1},
		{"HTTP date", ChannelSlack, func(w http.ResponseWriter, now time.Time) {
			w.Header().Set("Retry-After", now.Add(9*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(429)
		}, 9 * time.Second, 1},
		{"shorter than the backoff: the backoff wins", ChannelSlack, header(429, "0.5"), time.Second, 1},
		{"absurd: capped", ChannelSlack, header(429, "86400"), maxRetryAfter, 1},
		{"unparsable: the backoff", ChannelSlack, header(429, "soon"), time.Second, 1},
		{"Discord body retry_after", ChannelDiscord,
			body(`{"message": "You are being rate limited.", "retry_after": 3.5, "global": false}`), 3500 * time.Millisecond, 1},
		{"Telegram parameters.retry_after", ChannelTelegram,
			body(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 12","parameters":{"retry_after":12}}`), 12 * time.Second, 1},
		{"503 with Retry-After", ChannelSlack, header(503, "20"), 20 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			rc := newReceiver(t, clk, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					tt.first(w, clk.Now())
				}
			})
			logs := &logBuffer{}
			n := newTestNotifier(t, withChannel(testConfig(clk, logs), tt.ch, rc.srv.URL))
			n.Notify(Event{Kind: KindEntry, Title: "retry me"})
			closeAll(t, n)

			reqs := rc.requests()
			if len(reqs) != 2 {
				t.Fatalf("receiver got %d requests, want 2 (the answer asking to wait, then the retry)", len(reqs))
			}
			if string(reqs[0].Body) != string(reqs[1].Body) {
				t.Errorf("the retry sent %s, the first attempt %s: want the same body", reqs[1].Body, reqs[0].Body)
			}
			if got := reqs[1].At.Sub(reqs[0].At); got != tt.want {
				t.Errorf("retry came %v after the first attempt, want %v (waits %s)", got, tt.want, durations(clk.Waits()))
			}
			if w := clk.Waits(); !slices.Equal(w, []time.Duration{tt.want}) {
				t.Errorf("waits = %s, want [%v]", durations(w), tt.want)
			}
			want := ChannelStats{Sent: 1, Retried: 1, Throttled: tt.throttled}
			if st := stats(t, n, tt.ch); st != want {
				t.Errorf("stats = %+v, want %+v", st, want)
			}
			retries := logs.records(t, "alert retry")
			if len(retries) != 1 || retries[0]["level"] != "DEBUG" || retries[0]["wait"] != float64(tt.want) {
				t.Errorf("retry log lines = %v, want one at debug with wait %d", retries, tt.want)
			}
			if sent := logs.records(t, "alert sent after retries"); len(sent) != 1 || sent[0]["attempts"] != 2.0 {
				t.Errorf(`"alert sent after retries" lines = %v, want one with attempts 2`, sent)
			}
		})
	}
}

func TestRetryServerErrorsThenGiveUp(t *testing.T) {
	tests := []struct {
		name      string
		retries   int
		backoff   func(int) time.Duration
		wantWaits []time.Duration
	}{
		{"defaults", 0, nil, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"custom", 2, func(a int) time.Duration { return time.Duration(a) * 10 * time.Millisecond },
			[]time.Duration{10 * time.Millisecond, 20 * time.Millisecond}},
		{"never retry", -1, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			rc := newReceiver(t, clk, status(500, "internal\n error"))
			logs := &logBuffer{}
			cfg := withChannel(testConfig(clk, logs), ChannelDiscord, rc.srv.URL)
			cfg.Retries, cfg.Backoff = tt.retries, tt.backoff
			n := newTestNotifier(t, cfg)
			n.Notify(Event{Kind: KindExit, Symbol: "QQQ"})
			closeAll(t, n)

			attempts := len(tt.wantWaits) + 1
			if got := len(rc.requests()); got != attempts {
				t.Errorf("receiver got %d requests, want %d", got, attempts)
			}
			if w := clk.Waits(); !slices.Equal(w, tt.wantWaits) {
				t.Errorf("waits = %s, want %s", durations(w), durations(tt.wantWaits))
			}
			want := ChannelStats{Failed: 1, Retried: uint64(attempts - 1)}
			if st := stats(t, n, ChannelDiscord); st != want {
				t.Errorf("stats = %+v, want %+v", st, want)
			}
			fails := logs.records(t, "alert not delivered")
			if len(fails) != 1 {
				t.Fatalf(`"alert not delivered" lines = %v, want one`, fails)
			}
			f := fails[0]
			if f["level"] != "WARN" || f["channel"] != "discord" || f["kind"] != KindExit || f["symbol"] != "QQQ" ||
				f["attempts"] != float64(attempts) || f["retryable"] != true ||
				f["err"] != "alert: discord: HTTP 500 Internal Server Error: internal error" {
				t.Errorf("failure log = %v, want warn naming discord, exit, QQQ, %d attempts, retryable, the status and body", f, attempts)
			}
		})
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	n := newTestNotifier(t, withChannel(testConfig(clk, &logBuffer{}), ChannelTelegram, rc.srv.URL))
	n.Notify(Event{Kind: KindStop})
	closeAll(t, n)
	if st := stats(t, n, ChannelTelegram); st != (ChannelStats{Sent: 1, Retried: 2}) {
		t.Errorf("stats = %+v, want Sent 1 after 2 retries", st)
	}
}

// TestPermanentErrors: answers retrying cannot fix are not retried.
func TestPermanentErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 410, 413} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			clk := newFakeClock()
			rc := newReceiver(t, clk, status(code, `{"message": "Unknown Webhook", "code": 10015}`))
			logs := &logBuffer{}
			n := newTestNotifier(t, withChannel(testConfig(clk, logs), ChannelDiscord, rc.srv.URL))
			n.Notify(Event{Kind: KindDailyLoss})
			closeAll(t, n)
			if got := len(rc.requests()); got != 1 {
				t.Errorf("a %d was attempted %d times, want once (not retried)", code, got)
			}
			if w := clk.Waits(); len(w) != 0 {
				t.Errorf("a %d led to waits %v, want none", code, w)
			}
			if st := stats(t, n, ChannelDiscord); st != (ChannelStats{Failed: 1}) {
				t.Errorf("stats = %+v, want only Failed 1", st)
			}
			fails := logs.records(t, "alert not delivered")
			if len(fails) != 1 || fails[0]["retryable"] != false || fails[0]["attempts"] != 1.0 ||
				!strings.Contains(fails[0]["err"].(string), "Unknown Webhook") {
				t.Errorf(`failure log = %v, want one line, retryable false, 1 attempt, quoting the body`, fails)
			}
		})
	}
}

// TestRedirects: a webhook POST that net/http would turn into a GET (301,
// 302, 303) did not deliver the alert, so it must not count as sent; a
// redirect that keeps the method and body (307, 308) is followed.
func TestRedirects(t *testing.T) {
	tests := []struct {
		code     int
		want     ChannelStats
		followed bool
	}{
		{301, ChannelStats{Failed: 1}, false},
		{302, ChannelStats{Failed: 1}, false},
		{303, ChannelStats{Failed: 1}, false},
		{307, ChannelStats{Sent: 1}, true},
		{308, ChannelStats{Sent: 1}, true},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			clk := newFakeClock()
			rc := newReceiver(t, clk, func(_ int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/elsewhere" {
					http.Redirect(w, r, "/elsewhere", tt.code)
				}
			})
			cfg := testConfig(clk, &logBuffer{})
			cfg.SlackWebhookURL = rc.srv.URL + "/hook"
			n := newTestNotifier(t, cfg)
			n.Notify(Event{Kind: KindEntry})
			closeAll(t, n)
			if st := stats(t, n, ChannelSlack); st != tt.want {
				t.Errorf("stats after a %d = %+v, want %+v", tt.code, st, tt.want)
			}
			reqs := rc.requests()
			var paths []string
			for _, r := range reqs {
				paths = append(paths, r.Method+" "+r.Path)
			}
			if tt.followed {
				if len(reqs) != 2 || paths[1] != "POST /elsewhere" || string(reqs[1].Body) != string(reqs[0].Body) {
					t.Errorf("requests = %v, want the POST repeated with its body at /elsewhere", paths)
				}
			} else if !slices.Equal(paths, []string{"POST /hook"}) {
				t.Errorf("requests = %v, want only POST /hook (the redirect not followed)", paths)
			}
		})
	}
}

// TestFailingReceiver: a receiver that drops every connection, and one
// that is not listening at all. Both are transport errors: retried with
// backoff, then counted as failed.
func TestFailingReceiver(t *testing.T) {
	hangUp := func(_ int, w http.ResponseWriter, _ *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = c.Close()
	}
	tests := []struct {
		name    string
		refused bool
		errText string
	}{
		{"hangs up", false, "EOF"},
		{"refuses connections", true, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			logs := &logBuffer{}
			var rc *receiver
			base := ""
			if tt.refused {
				base = closedAddr(t)
			} else {
				rc = newReceiver(t, clk, hangUp)
				base = rc.srv.URL
			}
			n := newTestNotifier(t, withChannel(testConfig(clk, logs), ChannelSlack, base))
			n.Notify(Event{Kind: KindConnectionLost})
			closeAll(t, n)
			if rc != nil {
				if got := len(rc.requests()); got != 4 {
					t.Errorf("receiver saw %d requests, want 4 (1 + 3 retries)", got)
				}
			}
			wantWaits := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
			if w := clk.Waits(); !slices.Equal(w, wantWaits) {
				t.Errorf("waits = %s, want %s", durations(w), durations(wantWaits))
			}
			if st := stats(t, n, ChannelSlack); st != (ChannelStats{Failed: 1, Retried: 3}) {
				t.Errorf("stats = %+v, want Failed 1 after 3 retries", st)
			}
			fails := logs.records(t, "alert not delivered")
			if len(fails) != 1 || fails[0]["retryable"] != true || !strings.Contains(fails[0]["err"].(string), tt.errText) {
				t.Errorf("failure log = %v, want one retryable failure mentioning %q", fails, tt.errText)
			}
		})
	}
}

// TestSlowReceiver: a receiver that does not answer blocks neither Notify
// nor the other channels; its alerts wait in its queue.
func TestSlowReceiver(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	slack := newReceiver(t, clk, func(_ int, _ http.ResponseWriter, r *http.Request) { g.wait(r) })
	discord := newReceiver(t, clk, nil)
	cfg := testConfig(clk, &logBuffer{}) // Timeout: the guard, far longer than this test
	cfg = withChannel(withChannel(cfg, ChannelSlack, slack.srv.URL), ChannelDiscord, discord.srv.URL)
	cfg.QueueSize = 8
	n := newTestNotifier(t, cfg)

	n.Notify(Event{Kind: KindEntry, Title: "first"})
	slack.next(t) // Slack is now stuck in its first request until g opens
	notified := make(chan struct{})
	go func() {
		defer close(notified)
		for i := range 5 {
			n.Notify(Event{Kind: KindExit, Title: fmt.Sprint("more ", i)})
		}
	}()
	await(t, notified, "Notify returning while a receiver hangs")
	for range 6 {
		discord.next(t)
	}
	if st := stats(t, n, ChannelSlack); st.Queued != 5 || st.Sent != 0 {
		t.Errorf("slack stats while its receiver hangs = %+v, want 5 queued, none sent", st)
	}
	g.open()
	closeAll(t, n)
	if st := stats(t, n, ChannelSlack); st != (ChannelStats{Sent: 6}) {
		t.Errorf("slack stats once its receiver answered = %+v, want all 6 sent", st)
	}
	if st := stats(t, n, ChannelDiscord); st != (ChannelStats{Sent: 6}) {
		t.Errorf("discord stats = %+v, want all 6 sent", st)
	}
}

// TestRequestTimeout: an attempt that gets no answer ends at
// Config.Timeout, counts as a transport failure, and the queue moves on.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	g := newGate(t) // never opened by the test: only the timeout ends the request
	cancelled := make(chan struct{}, 1)
	rc := newReceiver(t, clk, func(n int, _ http.ResponseWriter, r *http.Request) {
		if n == 1 && !g.wait(r) {
			cancelled <- struct{}{}
		}
	})
	logs := &logBuffer{}
	cfg := withChannel(testConfig(clk, logs), ChannelSlack, rc.srv.URL)
	cfg.Timeout = 200 * time.Millisecond
	cfg.Retries = -1
	n := newTestNotifier(t, cfg)

	n.Notify(Event{Kind: KindEntry, Title: "hangs"})
	n.Notify(Event{Kind: KindExit, Title: "after"})
	await(t, cancelled, "the hung request being cancelled at Config.Timeout")
	closeAll(t, n)

	if st := stats(t, n, ChannelSlack); st != (ChannelStats{Sent: 1, Failed: 1}) {
		t.Errorf("stats = %+v, want the hung alert failed and the next one sent", st)
	}
	fails := logs.records(t, "alert not delivered")
	if len(fails) != 1 || fails[0]["retryable"] != true || !strings.Contains(fails[0]["err"].(string), "deadline exceeded") {
		t.Errorf("failure log = %v, want one retryable failure naming the deadline", fails)
	}
}

// TestSendErrors checks one attempt's error: its sentinel, retryability,
// fields and text.
func TestSendErrors(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(_ int, w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if code == 0 {
			g.wait(r)
			return
		}
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(code)
		if code == 413 {
			_, _ = io.WriteString(w, strings.Repeat("long ", 100))
		} else {
			_, _ = io.WriteString(w, "  the\n\n body\t")
		}
	})
	cfg := withChannel(testConfig(clk, &logBuffer{}), ChannelSlack, rc.srv.URL)
	cfg.Timeout = 200 * time.Millisecond
	n := newTestNotifier(t, cfg)
	ctx := context.Background()
	sentinels := []error{ErrRejected, ErrThrottled, ErrReceiver, ErrTransport}

	tests := []struct {
		path       string
		sentinel   error // nil: success
		retryAfter time.Duration
		text       string
	}{
		{"/200", nil, 0, ""},
		{"/204", nil, 0, ""},
		{"/302", ErrRejected, 0, "alert: slack: HTTP 302 Found: the body"},
		{"/400", ErrRejected, 0, "alert: slack: HTTP 400 Bad Request: the body"},
		{"/404", ErrRejected, 0, "alert: slack: HTTP 404 Not Found: the body"},
		{"/413", ErrRejected, 0, "alert: slack: HTTP 413 Request Entity Too Large: " + strings.Repeat("long ", 40) + "…"},
		{"/429", ErrThrottled, 3 * time.Second, "alert: slack: HTTP 429 Too Many Requests: the body"},
		{"/500", ErrReceiver, 3 * time.Second, "alert: slack: HTTP 500 Internal Server Error: the body"},
		{"/599", ErrReceiver, 3 * time.Second, "alert: slack: HTTP 599: the body"},
		{"/0", ErrTransport, 0, "alert: slack: Post \"" + rc.srv.URL + "/…\": context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			err := n.do(ctx, ChannelSlack, http.MethodPost, rc.srv.URL+tt.path, []byte(`{}`))
			if tt.sentinel == nil {
				if err != nil {
					t.Fatalf("do %s = %v, want success", tt.path, err)
				}
				return
			}
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("do %s = %#v, want a *SendError", tt.path, err)
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.sentinel; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
			if got, want := IsRetryable(err), tt.sentinel != ErrRejected; got != want {
				t.Errorf("IsRetryable(%v) = %v, want %v", err, got, want)
			}
			if se.Channel != ChannelSlack || se.RetryAfter != tt.retryAfter {
				t.Errorf("SendError = %+v, want channel slack, RetryAfter %v", se, tt.retryAfter)
			}
			if err.Error() != tt.text {
				t.Errorf("error text = %q, want %q", err.Error(), tt.text)
			}
			if tt.sentinel == ErrTransport && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timeout error %v does not match context.DeadlineExceeded", err)
			}
		})
	}
}

// countingTransport counts the requests a caller's client carries.
type countingTransport struct {
	base *http.Transport
	mu   sync.Mutex
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestCallerHTTPClient: a Config.HTTPClient carries every request, keeps
// its own redirect policy for redirects that keep the method, and is not
// modified.
func TestCallerHTTPClient(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, func(_ int, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/temporary":
			http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
		case "/found":
			http.Redirect(w, r, "/ok", http.StatusFound)
		}
	})
	tr := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(tr.base.CloseIdleConnections) // the Notifier does not close a caller's
	var policyCalls int
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		policyCalls++ // only the Discord sender's goroutine follows redirects here
		return errors.New("caller refuses redirects")
	}}
	cfg := testConfig(clk, &logBuffer{})
	cfg.HTTPClient = client
	cfg.DiscordWebhookURL = rc.srv.URL + "/temporary"
	n := newTestNotifier(t, cfg)
	n.Notify(Event{Kind: KindEntry})
	closeAll(t, n)
	if st := stats(t, n, ChannelDiscord); st.Sent != 0 || st.Failed != 1 {
		t.Errorf("stats = %+v, want the alert failed: the caller's CheckRedirect refused the 307", st)
	}
	if policyCalls == 0 {
		t.Error("the caller's CheckRedirect was never consulted for a 307")
	}
	if tr.count() == 0 {
		t.Error("no request went through the caller's client")
	}
	if client.CheckRedirect == nil || client.Transport != tr {
		t.Error("New modified the caller's client")
	}

	// A 302 is refused before the caller's policy is asked.
	policyCalls = 0
	cfg.DiscordWebhookURL = rc.srv.URL + "/found"
	n2 := newTestNotifier(t, cfg)
	n2.Notify(Event{Kind: KindEntry})
	closeAll(t, n2)
	if st := stats(t, n2, ChannelDiscord); st != (ChannelStats{Failed: 1}) || policyCalls != 0 {
		t.Errorf("stats = %+v with %d policy calls, want Failed 1 and the caller's policy not asked", st, policyCalls)
	}
}
