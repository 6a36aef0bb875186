package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Channel names an alert destination. It labels Stats, log lines and
// SendErrors.
type Channel string

// The channels. ChannelHeartbeat labels heartbeat pings in logs and
// SendErrors; it has its own HeartbeatStats, never a Stats.Channels entry.
const (
	ChannelDiscord   Channel = "discord"
	ChannelSlack     Channel = "slack"
	ChannelTelegram  Channel = "telegram"
	ChannelHeartbeat Channel = "heartbeat"
)

// Defaults for zero Config fields.
const (
	DefaultQueueSize      = 256
	DefaultTimeout        = 10 * time.Second
	DefaultRetries        = 3
	DefaultTelegramAPIURL = "https://api.telegram.org"
)

// Default rate limits, from each service's documented limits.
var (
	// DefaultDiscordLimit: Discord allows 5 requests per 2 s per webhook.
	DefaultDiscordLimit = RateLimit{Events: 5, Per: 2 * time.Second}
	// DefaultSlackLimit: Slack incoming webhooks allow 1 message per
	// second.
	DefaultSlackLimit = RateLimit{Events: 1, Per: time.Second}
	// DefaultTelegramLimit: Telegram allows about 1 message per second per
	// chat.
	DefaultTelegramLimit = RateLimit{Events: 1, Per: time.Second}
)

// maxBackoff caps the default backoff's doubling.
const maxBackoff = 30 * time.Second

// RateLimit allows at most Events requests in any window of length Per (a
// sliding window, so a receiver that counts the same way never sees more).
// The zero value means the channel's default; Events < 0 means no limit.
type RateLimit struct {
	Events int
	Per    time.Duration
}

// RateLimits holds one RateLimit per channel. Every attempt, retries
// included, passes its channel's limit.
type RateLimits struct {
	Discord  RateLimit // default DefaultDiscordLimit
	Slack    RateLimit // default DefaultSlackLimit
	Telegram RateLimit // default DefaultTelegramLimit (per chat: one chat per Notifier)
}

// Config configures a Notifier. Zero fields mean the default named in
// their comment. A channel is on when its URL (Telegram: token and chat
// id) is set.
type Config struct {
	// Enabled switches alerts and the heartbeat on. False makes the
	// Notifier a no-op; then New does not look at the other fields.
	Enabled bool

	// DiscordWebhookURL: https://discord.com/api/webhooks/ID/TOKEN. Secret.
	DiscordWebhookURL string
	// SlackWebhookURL: https://hooks.slack.com/services/T/B/X. Secret.
	SlackWebhookURL string
	// TelegramBotToken: the bot's token (123456:ABC...). Secret.
	TelegramBotToken string
	// TelegramChatID: the chat to post to (a number, or @channelname).
	TelegramChatID string
	// TelegramAPIURL: the Bot API base URL; default DefaultTelegramAPIURL.
	// Tests and proxies point it elsewhere.
	TelegramAPIURL string
	// HeartbeatURL is fetched with GET by Heartbeat. Treated as a secret
	// (ping URLs usually embed one).
	HeartbeatURL string

	// QueueSize bounds each channel's queue; Notify drops (and counts)
	// what does not fit. Default DefaultQueueSize.
	QueueSize int
	// Timeout bounds each HTTP request (one attempt, or one heartbeat).
	// Default DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a retryable failure (429, 5xx, transport)
	// is retried before the alert counts as failed. Default
	// DefaultRetries; negative means never retry.
	Retries int
	// Backoff is the wait before retry number attempt (1, 2, ...). A 429's
	// Retry-After wins when longer. Default 1 s doubling, capped at 30 s.
	Backoff func(attempt int) time.Duration
	// RateLimits per channel; zero fields mean the defaults.
	RateLimits RateLimits

	// HTTPClient sends every request. Default: a client of the Notifier's
	// own (a clone of http.DefaultTransport), whose idle connections Close
	// closes. Either way a redirect that would change the method is not
	// followed (the Notifier uses a copy of the client for that).
	HTTPClient *http.Client
	// Logger receives drops (warn, rate-limited), failures (warn) and
	// retries (debug), never a secret. Default: discard.
	Logger *slog.Logger
	// Now is the clock for rate limits, Retry-After dates and Event.At.
	// Default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends, returning ctx's error then. Used for
	// rate limit waits, backoff and Retry-After. Default: a real timer.
	// Tests inject one that advances a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultBackoff is the default Config.Backoff: 1 s, 2 s, 4 s, ... capped
// at 30 s.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 6 {
		return maxBackoff
	}
	return min(time.Second<<(attempt-1), maxBackoff)
}

// sleepReal is the default Config.Sleep.
func sleepReal(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withDefaults returns cfg with zero fields filled in.
func (cfg Config) withDefaults() Config {
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.TelegramAPIURL == "" {
		cfg.TelegramAPIURL = DefaultTelegramAPIURL
	}
	if cfg.RateLimits.Discord == (RateLimit{}) {
		cfg.RateLimits.Discord = DefaultDiscordLimit
	}
	if cfg.RateLimits.Slack == (RateLimit{}) {
		cfg.RateLimits.Slack = DefaultSlackLimit
	}
	if cfg.RateLimits.Telegram == (RateLimit{}) {
		cfg.RateLimits.Telegram = DefaultTelegramLimit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepReal
	}
	return cfg
}

// validate reports every invalid field (joined *ConfigErrors), nil when
// all are valid. cfg has its defaults.
func (cfg Config) validate() error {
	var errs []error
	bad := func(field, value, reason string) {
		errs = append(errs, &ConfigError{Field: field, Value: value, Reason: reason})
	}
	checkURL := func(field, raw string) {
		if raw == "" {
			return
		}
		if reason := urlProblem(raw); reason != "" {
			bad(field, Redact(raw), reason)
		}
	}
	checkURL("DiscordWebhookURL", cfg.DiscordWebhookURL)
	checkURL("SlackWebhookURL", cfg.SlackWebhookURL)
	checkURL("HeartbeatURL", cfg.HeartbeatURL)
	if cfg.TelegramBotToken != "" || cfg.TelegramChatID != "" {
		checkURL("TelegramAPIURL", cfg.TelegramAPIURL)
		if u, err := url.Parse(cfg.TelegramAPIURL); err == nil && (u.RawQuery != "" || u.Fragment != "") {
			bad("TelegramAPIURL", Redact(cfg.TelegramAPIURL), "must not have a query or fragment")
		}
	}
	switch {
	case cfg.TelegramBotToken != "" && cfg.TelegramChatID == "":
		bad("TelegramChatID", "", "required when TelegramBotToken is set")
	case cfg.TelegramBotToken == "" && cfg.TelegramChatID != "":
		bad("TelegramBotToken", "", "required when TelegramChatID is set")
	}
	if cfg.TelegramBotToken != "" && !validToken(cfg.TelegramBotToken) {
		bad("TelegramBotToken", redacted, "may hold only letters, digits, ':', '_' and '-'")
	}
	if strings.ContainsAny(cfg.TelegramChatID, " \t\r\n") {
		bad("TelegramChatID", "", "must not contain white space")
	}
	if cfg.QueueSize < 0 {
		bad("QueueSize", "", "must not be negative")
	}
	if cfg.Timeout < 0 {
		bad("Timeout", "", "must not be negative")
	}
	for _, l := range []struct {
		name string
		rl   RateLimit
	}{
		{"RateLimits.Discord", cfg.RateLimits.Discord},
		{"RateLimits.Slack", cfg.RateLimits.Slack},
		{"RateLimits.Telegram", cfg.RateLimits.Telegram},
	} {
		switch {
		case l.rl.Events == 0:
			bad(l.name, "", "Events must be positive, or negative for no limit")
		case l.rl.Events > 0 && l.rl.Per <= 0:
			bad(l.name, "", "Per must be positive when Events is")
		}
	}
	return errors.Join(errs...)
}

// urlProblem says what is wrong with a webhook or heartbeat URL, "" when
// nothing is. The text never quotes the URL.
func urlProblem(raw string) string {
	if strings.TrimSpace(raw) != raw || strings.ContainsAny(raw, " \t\r\n") {
		return "must not contain white space"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "not a valid URL" // url's error quotes the URL: not shown
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "scheme must be http or https"
	}
	if u.Host == "" || u.Opaque != "" {
		return "must be an absolute URL with a host"
	}
	return ""
}

// validToken reports whether a Telegram bot token is safe to put in a URL
// path as is.
func validToken(tok string) bool {
	for _, r := range tok {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ':', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}

// String describes cfg with every secret in its Redact form, so a Config
// printed with fmt (%v, %+v, %s) never shows a webhook URL's path, the bot
// token or the heartbeat URL's path and query.
func (cfg Config) String() string {
	return fmt.Sprintf("alert.Config{Enabled:%t DiscordWebhookURL:%q SlackWebhookURL:%q TelegramBotToken:%q "+
		"TelegramChatID:%q TelegramAPIURL:%q HeartbeatURL:%q QueueSize:%d Timeout:%v Retries:%d RateLimits:%+v}",
		cfg.Enabled, Redact(cfg.DiscordWebhookURL), Redact(cfg.SlackWebhookURL), Redact(cfg.TelegramBotToken),
		cfg.TelegramChatID, Redact(cfg.TelegramAPIURL), Redact(cfg.HeartbeatURL), cfg.QueueSize, cfg.Timeout,
		cfg.Retries, cfg.RateLimits)
}

// GoString is String, so %#v is as safe as %v.
func (cfg Config) GoString() string { return cfg.String() }

// LogValue makes a Config passed to log/slog a group with every secret in
// its Redact form.
func (cfg Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("enabled", cfg.Enabled),
		slog.String("discord", Redact(cfg.DiscordWebhookURL)),
		slog.String("slack", Redact(cfg.SlackWebhookURL)),
		slog.String("telegram_token", Redact(cfg.TelegramBotToken)),
		slog.String("telegram_chat", cfg.TelegramChatID),
		slog.String("telegram_api", Redact(cfg.TelegramAPIURL)),
		slog.String("heartbeat", Redact(cfg.HeartbeatURL)),
		slog.Int("queue_size", cfg.QueueSize),
		slog.Duration("timeout", cfg.Timeout),
		slog.Int("retries", cfg.Retries),
	)
}
