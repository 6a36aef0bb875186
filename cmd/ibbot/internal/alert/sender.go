package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Message limits per channel, in characters.
const (
	discordLimit  = 2000 // content
	slackLimit    = 4000 // text: Slack truncates at 40,000, recommends 4,000
	telegramLimit = 4096 // sendMessage text

	// maxMessage is the longest message any channel takes: Notify cuts
	// there, so a queued alert costs at most a few KiB whatever the event.
	maxMessage = max(discordLimit, slackLimit, telegramLimit)
)

// maxRetryAfter caps a receiver's Retry-After, so one answer cannot stall
// a channel for hours (Telegram's flood control may ask for that); the
// retry then meets another 429 and the alert counts as failed.
const maxRetryAfter = time.Minute

// Body excerpt sizes.
const (
	maxErrorBody   = 4 << 10  // read from a failed response
	maxDetail      = 200      // kept in SendError.Detail
	maxDrainedBody = 64 << 10 // read from a good response, to reuse the connection
)

// userAgent identifies ibbot to the receivers.
const userAgent = "ibbot-alert"

// item is one queued alert: the rendered message plus what logs name.
type item struct {
	kind, symbol, msg string
}

// counters are a channel's Stats, updated by its sender and by Notify.
type counters struct {
	sent, failed, dropped, retried, waits, throttled atomic.Uint64
}

// sender delivers one channel's queue, one alert at a time, in order.
type sender struct {
	n       *Notifier
	ch      Channel
	url     string // secret
	payload func(msg string) any
	queue   chan item
	limit   *window // owned by run's goroutine
	stats   counters
}

// run is the channel's goroutine: it ends when Close has closed the queue
// and everything in it was delivered or abandoned.
func (s *sender) run() {
	defer s.n.wg.Done()
	for it := range s.queue {
		if s.n.runCtx.Err() != nil {
			s.abandon()
			continue
		}
		s.deliver(s.n.runCtx, it)
	}
}

// abandon counts an alert given up because Close's context ended.
func (s *sender) abandon() {
	s.stats.dropped.Add(1)
	s.n.abandoned.Add(1)
}

// drop counts an alert Notify could not queue and logs it, rate-limited.
func (s *sender) drop(it item, why string) {
	total := s.stats.dropped.Add(1)
	s.n.logDrop(s.ch, it, why, total)
}

// deliver sends one alert, retrying what is retryable.
func (s *sender) deliver(ctx context.Context, it item) {
	body, err := json.Marshal(s.payload(it.msg))
	if err != nil { // cannot happen: strings and maps of strings
		s.stats.failed.Add(1)
		return
	}
	log := s.n.log.With(slog.String("channel", string(s.ch)), slog.String("kind", it.kind))
	if it.symbol != "" {
		log = log.With(slog.String("symbol", it.symbol))
	}
	waited := false
	for attempt := 1; ; attempt++ {
		limited, err := s.throttle(ctx)
		if limited && !waited {
			s.stats.waits.Add(1) // once per alert, however many attempts waited
			waited = true
		}
		if err != nil {
			s.abandon()
			return
		}
		err = s.post(ctx, body)
		if err == nil {
			s.stats.sent.Add(1)
			if attempt > 1 {
				log.Debug("alert sent after retries", slog.Int("attempts", attempt))
			}
			return
		}
		if ctx.Err() != nil {
			s.abandon()
			return
		}
		var se *SendError
		errors.As(err, &se)
		if se != nil && se.Status == http.StatusTooManyRequests {
			s.stats.throttled.Add(1)
		}
		if !IsRetryable(err) || attempt > s.n.cfg.Retries {
			s.stats.failed.Add(1)
			log.Warn("alert not delivered", slog.Int("attempts", attempt), slog.Bool("retryable", IsRetryable(err)),
				slog.String("err", s.n.scrub.scrub(err.Error())))
			return
		}
		wait := s.n.cfg.Backoff(attempt)
		if se != nil && se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		s.stats.retried.Add(1)
		log.Debug("alert retry", slog.Int("attempt", attempt), slog.Duration("wait", wait),
			slog.String("err", s.n.scrub.scrub(err.Error())))
		if err := s.n.cfg.Sleep(ctx, wait); err != nil {
			s.abandon()
			return
		}
	}
}

// throttle waits until the channel's rate limit allows one more request,
// reporting whether it had to wait.
func (s *sender) throttle(ctx context.Context) (waited bool, err error) {
	for {
		d := s.limit.reserve(s.n.cfg.Now())
		if d <= 0 {
			return waited, nil
		}
		waited = true
		if err := s.n.cfg.Sleep(ctx, d); err != nil {
			return waited, err
		}
	}
}

// post makes one attempt; the error is a *SendError.
func (s *sender) post(ctx context.Context, body []byte) error {
	return s.n.do(ctx, s.ch, http.MethodPost, s.url, body)
}

// do makes one HTTP request bounded by Config.Timeout. Success is any 2xx;
// anything else is a *SendError whose texts are scrubbed.
func (n *Notifier) do(ctx context.Context, ch Channel, method, url string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return &SendError{Channel: ch, Err: n.scrub.sanitize(err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := n.client.Do(req)
	if err != nil {
		return &SendError{Channel: ch, Err: n.scrub.sanitize(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainedBody))
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	text := string(raw)
	if len(raw) > maxErrorBody {
		// The body goes on: its last bytes read may be a secret's first.
		raw = raw[:maxErrorBody]
		text = n.scrub.dropPartial(string(raw))
	}
	// Scrub before cutting: a cut secret is no longer recognised.
	se := &SendError{Channel: ch, Status: resp.StatusCode, Detail: excerpt(n.scrub.scrub(text))}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		se.RetryAfter = retryAfter(resp.Header, raw, n.cfg.Now())
	}
	return se
}

// retryAfter reads the wait a receiver asked for: the Retry-After header
// (seconds, possibly fractional, or an HTTP date), else the body's
// retry_after (Discord, seconds) or parameters.retry_after (Telegram).
// Capped at maxRetryAfter; 0 when none.
func retryAfter(h http.Header, body []byte, now time.Time) time.Duration {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			d = seconds(secs)
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	if d <= 0 && len(body) > 0 {
		var b struct {
			RetryAfter *float64 `json:"retry_after"`
			Parameters struct {
				RetryAfter *float64 `json:"retry_after"`
			} `json:"parameters"`
		}
		if json.Unmarshal(body, &b) == nil {
			switch {
			case b.Parameters.RetryAfter != nil:
				d = seconds(*b.Parameters.RetryAfter)
			case b.RetryAfter != nil:
				d = seconds(*b.RetryAfter)
			}
		}
	}
	return min(max(d, 0), maxRetryAfter)
}

func seconds(s float64) time.Duration {
	if s <= 0 || s != s { // NaN too
		return 0
	}
	if s > maxRetryAfter.Seconds() {
		return maxRetryAfter
	}
	return time.Duration(s * float64(time.Second))
}

// excerpt is a one-line, bounded piece of a response body for errors.
// text must be scrubbed already: the cut could hide a secret from scrub.
func excerpt(text string) string {
	s := strings.ToValidUTF8(text, "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		cut := maxDetail
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + ellipsis
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Payloads.

func discordPayload(msg string) any {
	type mentions struct {
		Parse []string `json:"parse"`
	}
	return struct {
		Content         string   `json:"content"`
		AllowedMentions mentions `json:"allowed_mentions"`
	}{truncate(msg, discordLimit), mentions{Parse: []string{}}} // no @everyone from alert text
}

// slackEscaper escapes what Slack's text parser treats as markup (<!channel>
// mentions, links), as Slack's docs ask.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackPayload(msg string) any {
	return struct {
		Text string `json:"text"`
	}{slackEscaper.Replace(truncate(msg, slackLimit))}
}

func telegramPayload(chatID string) func(string) any {
	return func(msg string) any {
		return struct {
			ChatID string `json:"chat_id"`
			Text   string `json:"text"`
		}{chatID, truncate(msg, telegramLimit)}
	}
}
