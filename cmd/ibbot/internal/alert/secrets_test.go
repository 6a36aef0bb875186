package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The secrets of TestNoSecretLeaks. Each holds distinctive text that must
// never show up in a log line or an error, not even in part.
const (
	leakDiscordID    = "112233445566778899"
	leakDiscordToken = "dTOKEN-Qm7xK2pL9vR4sW8yZ1aB3cD5eF6gH0jN"
	leakSlackToken   = "sTOKENq3W5e7R9t1Y2u4I6o8P0aS"
	leakBotToken     = "987654321:AAHtgTOKEN_x7Yq2Lm9Pz4Rk8Wn3Vb6Jd1"
	leakHeartbeatID  = "0c6f7e2a-hbTOKEN-4b1d-9a8e-5f3c2d1e0b9a"
	leakHeartbeatKey = "hbKEYz8Xw6Vu4Ts2"
)

var leakPieces = []string{leakDiscordID, leakDiscordToken, leakSlackToken, leakBotToken, leakHeartbeatID, leakHeartbeatKey}

// leakWindow is the length of the pieces of a secret looked for: any run
// of this many characters of a secret is a leak.
const leakWindow = 10

// findLeaks returns each line of text holding a piece of a secret, with
// the piece found.
func findLeaks(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
	search:
		for _, secret := range leakPieces {
			for i := 0; i+leakWindow <= len(secret); i++ {
				if w := secret[i : i+leakWindow]; strings.Contains(line, w) {
					out = append(out, fmt.Sprintf("%q (of %q) in: %s", w, secret, strings.TrimSpace(line)))
					break search
				}
			}
		}
	}
	return out
}

// longestSegment is the URL path segment that holds a webhook's secret.
func longestSegment(p string) string {
	var best string
	for seg := range strings.SplitSeq(p, "/") {
		if len(seg) > len(best) {
			best = seg
		}
	}
	return best
}

// evilModes are the ways the evil receiver fails, in order: attempt k to a
// URL meets mode (k-1) mod len. Every mode quotes the secret back in some
// form; all but the last are retryable.
var evilModes = []struct {
	name  string
	reply func(w http.ResponseWriter, r *http.Request)
}{
	{"500, a secret straddling the excerpt cut", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = io.WriteString(w, strings.Repeat("x", maxDetail-15)+" "+longestSegment(r.URL.Path))
	}},
	{"503, a secret straddling the body read limit", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		_, _ = io.WriteString(w, strings.Repeat(" ", maxErrorBody-15)+longestSegment(r.URL.Path)+" and more")
	}},
	{"429, the URL JSON-escaped", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
		full := strings.ReplaceAll("http://"+r.Host+r.URL.RequestURI(), "/", `\/`)
		_, _ = fmt.Fprintf(w, `{"message": "slow down, %s", "retry_after": 1}`, full)
	}},
	{"no answer: the request times out", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}},
	{"malformed status code quoting the path", func(w http.ResponseWriter, r *http.Request) {
		hijackWrite(w, "HTTP/1.1 "+r.URL.RequestURI()+"\r\n\r\n")
	}},
	{"malformed response quoting the URL", func(w http.ResponseWriter, r *http.Request) {
		hijackWrite(w, "http://"+r.Host+r.URL.RequestURI()+"\r\n\r\n")
	}},
	{"502 quoting every escaping and every piece", func(w http.ResponseWriter, r *http.Request) {
		full := "http://" + r.Host + r.URL.RequestURI()
		w.WriteHeader(502)
		var values []string
		for _, vs := range r.URL.Query() {
			values = append(values, vs...)
		}
		_, _ = fmt.Fprintf(w, "bad gateway for %s (%s) %s %s; segments %s; values %s", full, url.QueryEscape(full),
			url.PathEscape(longestSegment(r.URL.Path)), r.URL.RawQuery,
			strings.ReplaceAll(r.URL.Path, "/", " "), strings.Join(values, " "))
	}},
	{"500 quoting the token's secret half", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, after, _ := strings.Cut(r.URL.Path, ":")
		_, _ = fmt.Fprintf(w, "token secret %q", strings.TrimSuffix(after, "/sendMessage"))
	}},
	{"401 quoting URL, path and query", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		_, _ = fmt.Fprintf(w, `{"error": "invalid webhook %s", "path": %q, "query": %q}`, "http://"+r.Host+r.URL.RequestURI(), r.URL.Path, r.URL.RawQuery)
	}},
}

func hijackWrite(w http.ResponseWriter, s string) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	_, _ = io.WriteString(c, s)
}

// TestNoSecretLeaks configures every channel and the heartbeat with
// secrets, runs them against a receiver that quotes them back in every
// way it can, and against one that does not listen, then looks for any
// piece of a secret in every log line and every error.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	count := map[string]int{}
	var seen []string
	evil := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		count[r.URL.Path]++
		k := count[r.URL.Path]
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		evilModes[(k-1)%len(evilModes)].reply(w, r)
	})
	refused := closedAddr(t)

	logs := &logBuffer{}
	var texts []string // every error text and every printed value
	addErr := func(err error) {
		for e := err; e != nil; e = errors.Unwrap(e) {
			texts = append(texts, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
		}
		var se *SendError
		if errors.As(err, &se) {
			texts = append(texts, se.Detail, fmt.Sprintf("%#v", *se))
		}
	}

	clk := newFakeClock()
	cfg := testConfig(clk, logs)
	cfg.DiscordWebhookURL = evil + "/api/webhooks/" + leakDiscordID + "/" + leakDiscordToken
	cfg.SlackWebhookURL = evil + "/services/T0TEAM01/B0HOOK01/" + leakSlackToken
	cfg.TelegramAPIURL = evil
	cfg.TelegramBotToken = leakBotToken
	cfg.TelegramChatID = "-100123"
	cfg.HeartbeatURL = evil + "/ping/" + leakHeartbeatID + "?key=" + leakHeartbeatKey
	cfg.Timeout = 150 * time.Millisecond
	cfg.Retries = len(evilModes) - 1
	n := newTestNotifier(t, cfg)
	pinged := make(chan struct{}, 1)
	n.testHookPingDone = func() { pinged <- struct{}{} }

	// The whole pipeline: each channel's alert meets every mode in turn;
	// the heartbeat (never retried) pings once per mode.
	n.Notify(Event{Kind: KindEntry, Symbol: "SPY", Title: "leak test"})
	for range evilModes {
		if !n.Heartbeat(context.Background()) {
			t.Fatal("Heartbeat did not start a ping")
		}
		await(t, pinged, "a ping ending")
	}
	closeAll(t, n)
	for _, ch := range n.Channels() {
		if st := stats(t, n, ch); st.Failed != 1 || st.Retried != uint64(len(evilModes)-1) {
			t.Errorf("%s stats = %+v, want 1 failure after %d retries: every mode must have been met", ch, st, len(evilModes)-1)
		}
	}
	if hb := n.Stats().Heartbeat; hb.Failed != uint64(len(evilModes)) {
		t.Errorf("heartbeat stats = %+v, want %d failures, one per mode", hb, len(evilModes))
	}

	// Each mode's error, straight from one attempt.
	direct := newTestNotifier(t, cfg)
	urls := map[Channel]string{
		ChannelDiscord: cfg.DiscordWebhookURL, ChannelSlack: cfg.SlackWebhookURL,
		ChannelTelegram: evil + "/bot" + leakBotToken + "/sendMessage", ChannelHeartbeat: cfg.HeartbeatURL,
	}
	var wg sync.WaitGroup
	var errsMu sync.Mutex
	var errs []error
	for _, ch := range []Channel{ChannelDiscord, ChannelSlack, ChannelTelegram, ChannelHeartbeat} {
		wg.Go(func() { // one URL's attempts in order, the URLs side by side
			method, body := http.MethodPost, []byte(`{}`)
			if ch == ChannelHeartbeat {
				method, body = http.MethodGet, nil
			}
			for _, mode := range evilModes {
				err := direct.do(context.Background(), ch, method, urls[ch], body)
				if err == nil {
					t.Errorf("%s against mode %q succeeded", ch, mode.name)
				}
				errsMu.Lock()
				errs = append(errs, err)
				errsMu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		addErr(err)
	}
	closeAll(t, direct)

	// A receiver that does not listen: dial errors.
	cfg2 := testConfig(newFakeClock(), logs)
	cfg2.DiscordWebhookURL = refused + "/api/webhooks/" + leakDiscordID + "/" + leakDiscordToken
	cfg2.HeartbeatURL = refused + "/ping/" + leakHeartbeatID + "?key=" + leakHeartbeatKey
	cfg2.Retries = -1
	n2 := newTestNotifier(t, cfg2)
	pinged2 := make(chan struct{}, 1)
	n2.testHookPingDone = func() { pinged2 <- struct{}{} }
	n2.Notify(Event{Kind: KindExit})
	n2.Heartbeat(context.Background())
	await(t, pinged2, "the refused ping ending")
	addErr(n2.do(context.Background(), ChannelDiscord, http.MethodPost, cfg2.DiscordWebhookURL, []byte(`{}`)))
	closeAll(t, n2)

	// Invalid configs quoting the secrets.
	for _, bad := range []Config{
		{Enabled: true, DiscordWebhookURL: "ftp://discord.com/api/webhooks/" + leakDiscordID + "/" + leakDiscordToken},
		{Enabled: true, SlackWebhookURL: "https://hooks.slack.com:" + leakSlackToken + "/x"},
		{Enabled: true, SlackWebhookURL: "https://hooks.slack.com/services/" + leakSlackToken + "\n"},
		{Enabled: true, TelegramBotToken: leakBotToken + "/../x", TelegramChatID: "1"},
		{Enabled: true, TelegramBotToken: leakBotToken},
		{Enabled: true, HeartbeatURL: "hc-ping.com/" + leakHeartbeatID + "?key=" + leakHeartbeatKey},
		{Enabled: true, HeartbeatURL: "https://user:" + leakHeartbeatKey + "@hc-ping.com:bad/" + leakHeartbeatID},
	} {
		_, err := New(bad)
		if err == nil {
			t.Fatalf("New accepted an invalid config")
		}
		addErr(err)
	}

	// What a caller might print or log.
	texts = append(texts, fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(n), fmt.Sprintf("%+v", n), fmt.Sprintf("%+v", n.Stats()))
	for _, s := range []string{cfg.DiscordWebhookURL, cfg.SlackWebhookURL, cfg.TelegramBotToken, cfg.HeartbeatURL} {
		texts = append(texts, Redact(s))
	}
	logs.logger().Info("a caller logging its config", "alert", cfg, "notifier", n)

	// The test must have had something to find.
	mu.Lock()
	sawAll := len(seen) > 0 && slices.ContainsFunc(seen, func(s string) bool { return strings.Contains(s, leakBotToken) }) &&
		slices.ContainsFunc(seen, func(s string) bool { return strings.Contains(s, leakHeartbeatKey) })
	mu.Unlock()
	if !sawAll {
		t.Fatalf("the evil receiver never saw the secrets; requests: %v", seen)
	}
	for _, msg := range []string{"alert retry", "alert not delivered", "heartbeat failed"} {
		if len(logs.records(t, msg)) == 0 {
			t.Errorf("no %q log line: the test exercised less than it claims", msg)
		}
	}
	if !strings.Contains(logs.String(), redacted) {
		t.Error("no log line shows (redacted): the receiver's quotes never reached the logs")
	}

	everything := logs.String() + "\n" + strings.Join(texts, "\n")
	if leaks := findLeaks(everything); len(leaks) > 0 {
		t.Errorf("%d lines leak a secret:\n%s", len(leaks), strings.Join(leaks, "\n"))
	}
}

// httptestServer starts a plain test server and returns its URL.
func httptestServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	rc := newReceiver(t, nil, func(_ int, w http.ResponseWriter, r *http.Request) { h(w, r) })
	return rc.srv.URL
}

// closedAddr returns the URL of a port nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("closing the listener: %v", err)
	}
	return "http://" + addr
}

func TestSanitize(t *testing.T) {
	s := &scrubber{}
	s.add("https://hooks.slack.com/services/T1/B1/sEcReTsEcReTsEcReT")
	inner := fmt.Errorf("dial: %w", context.DeadlineExceeded)
	err := s.sanitize(&url.Error{Op: "Post", URL: "https://hooks.slack.com/services/T1/B1/sEcReTsEcReTsEcReT", Err: inner})
	if got, want := err.Error(), `Post "https://hooks.slack.com/…": dial: context deadline exceeded`; got != want {
		t.Errorf("sanitized = %q, want %q", got, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sanitized %v no longer matches context.DeadlineExceeded", err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		t.Errorf("sanitized error still unwraps to a *url.Error: %v", ue)
	}

	quoting := fmt.Errorf("bad thing at /services/T1/B1/sEcReTsEcReTsEcReT: %w", context.Canceled)
	err = s.sanitize(&url.Error{Op: "Post", URL: "https://hooks.slack.com/x", Err: quoting})
	if strings.Contains(err.Error(), "sEcReT") || errors.Unwrap(err) != nil {
		t.Errorf("sanitized %q (cause %v): want the secret gone and the cause that quoted it withheld", err, errors.Unwrap(err))
	}
	if s.sanitize(nil) != nil {
		t.Error("sanitize(nil) is not nil")
	}
	var none *scrubber
	if got := none.scrub("text"); got != "text" {
		t.Errorf("a nil scrubber changed text to %q", got)
	}
}

func TestScrubForms(t *testing.T) {
	s := &scrubber{}
	s.add("https://user:pAssw0rdXY@hooks.example/api/webhooks/112233445566778899/tokentokentokentoken?key=k3yk3yk3y&x=1#fragment-secret")
	tests := []struct{ in, want string }{
		{"whole https://user:pAssw0rdXY@hooks.example/api/webhooks/112233445566778899/tokentokentokentoken?key=k3yk3yk3y&x=1#fragment-secret", "whole (redacted)"},
		{"redacted form https://user:xxxxx@hooks.example/api/webhooks/112233445566778899/tokentokentokentoken?key=k3yk3yk3y&x=1#fragment-secret", "redacted form (redacted)"},
		{"path /api/webhooks/112233445566778899/tokentokentokentoken", "path (redacted)"},
		{"id 112233445566778899 alone", "id (redacted) alone"},
		{"token tokentokentokentoken alone", "token (redacted) alone"},
		{"query key=k3yk3yk3y&x=1", "query (redacted)"},
		{"value k3yk3yk3y alone", "value (redacted) alone"},
		{"password pAssw0rdXY", "password (redacted)"},
		{"fragment fragment-secret", "fragment (redacted)"},
		{"short values stay: x=1, /api/webhooks/", "short values stay: x=1, /api/webhooks/"},
	}
	for _, tt := range tests {
		if got := s.scrub(tt.in); got != tt.want {
			t.Errorf("scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	longest := len(s.secrets[0])
	if got := s.dropPartial(strings.Repeat("a", 1000)); len(got) != 1000-(longest-1) {
		t.Errorf("dropPartial kept %d of 1000 bytes, want %d (all but the longest secret's length - 1)", len(got), 1000-(longest-1))
	}
	if got := s.dropPartial("short"); got != "" {
		t.Errorf("dropPartial(short) = %q, want empty", got)
	}
}
