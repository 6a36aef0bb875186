package alert

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	const secret = "zq9SECRETq8"
	ok := Config{Enabled: true}
	tests := []struct {
		name   string
		mod    func(*Config)
		fields []string // every field the error must name
	}{
		{"bad scheme", func(c *Config) { c.DiscordWebhookURL = "ftp://discord.com/api/webhooks/1/" + secret }, []string{"DiscordWebhookURL"}},
		{"relative", func(c *Config) { c.SlackWebhookURL = "hooks.slack.com/services/" + secret }, []string{"SlackWebhookURL"}},
		{"white space", func(c *Config) { c.SlackWebhookURL = "https://hooks.slack.com/services/" + secret + " " }, []string{"SlackWebhookURL"}},
		{"unparsable", func(c *Config) { c.HeartbeatURL = "https://hc-ping.com:" + secret + "/x" }, []string{"HeartbeatURL"}},
		{"token without chat", func(c *Config) { c.TelegramBotToken = "1:" + secret }, []string{"TelegramChatID"}},
		{"chat without token", func(c *Config) { c.TelegramChatID = "42" }, []string{"TelegramBotToken"}},
		{"token with a slash", func(c *Config) { c.TelegramBotToken = "1:" + secret + "/x"; c.TelegramChatID = "42" }, []string{"TelegramBotToken"}},
		{"chat with space", func(c *Config) { c.TelegramBotToken = "1:" + secret; c.TelegramChatID = "4 2" }, []string{"TelegramChatID"}},
		{"api url with query", func(c *Config) {
			c.TelegramBotToken = "1:" + secret
			c.TelegramChatID = "42"
			c.TelegramAPIURL = "https://proxy.example/?" + secret
		}, []string{"TelegramAPIURL"}},
		{"negative queue", func(c *Config) { c.QueueSize = -1 }, []string{"QueueSize"}},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, []string{"Timeout"}},
		{"limit without events", func(c *Config) { c.RateLimits.Slack = RateLimit{Per: time.Second} }, []string{"RateLimits.Slack"}},
		{"limit without window", func(c *Config) { c.RateLimits.Discord = RateLimit{Events: 3} }, []string{"RateLimits.Discord"}},
		{"every error at once", func(c *Config) {
			c.DiscordWebhookURL = "discord"
			c.QueueSize = -1
			c.RateLimits.Telegram = RateLimit{Events: 1, Per: -1}
		}, []string{"DiscordWebhookURL", "QueueSize", "RateLimits.Telegram"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			n, err := New(cfg)
			if err == nil {
				_ = n.Close(context.Background())
				t.Fatalf("New accepted an invalid config")
			}
			if n != nil {
				t.Errorf("New returned a Notifier with error %v", err)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("New error %v does not match ErrInvalidConfig", err)
			}
			for _, f := range tt.fields {
				if !strings.Contains(err.Error(), "alert: config "+f) {
					t.Errorf("New error %q does not name field %s", err, f)
				}
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !slices.Contains(tt.fields, ce.Field) {
				t.Errorf("New error %v holds no *ConfigError for %v", err, tt.fields)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("New error %q quotes the secret", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := Config{Retries: -5}.withDefaults()
	if c.QueueSize != DefaultQueueSize || c.Timeout != DefaultTimeout || c.Retries != 0 ||
		c.TelegramAPIURL != DefaultTelegramAPIURL || c.Logger == nil || c.Now == nil || c.Sleep == nil || c.Backoff == nil {
		t.Errorf("defaults = %+v, want every zero field filled and negative Retries meaning 0", c)
	}
	if c.RateLimits != (RateLimits{Discord: DefaultDiscordLimit, Slack: DefaultSlackLimit, Telegram: DefaultTelegramLimit}) {
		t.Errorf("default rate limits = %+v", c.RateLimits)
	}
	if r := (Config{}).withDefaults().Retries; r != DefaultRetries {
		t.Errorf("default Retries = %d, want %d", r, DefaultRetries)
	}
	var got []time.Duration
	for a := 0; a <= 8; a++ {
		got = append(got, DefaultBackoff(a))
	}
	s := time.Second
	want := []time.Duration{s, s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s, 30 * s}
	if !slices.Equal(got, want) {
		t.Errorf("DefaultBackoff(0..8) = %v, want %v", got, want)
	}
}

func TestSleepReal(t *testing.T) {
	if err := sleepReal(context.Background(), 0); err != nil {
		t.Errorf("sleepReal(0) = %v, want nil", err)
	}
	if err := sleepReal(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleepReal(1ms) = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepReal(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepReal(1h) with a cancelled ctx = %v, want context.Canceled at once", err)
	}
}

// TestNoOp: a nil Notifier, the zero Notifier, one built disabled (with
// garbage in every other field) and one without channels all do nothing.
func TestNoOp(t *testing.T) {
	clk := newFakeClock()
	rc := newReceiver(t, clk, nil)
	disabled, err := New(Config{
		Enabled: false, SlackWebhookURL: rc.srv.URL + "/s", HeartbeatURL: rc.srv.URL + "/hb", QueueSize: -1, DiscordWebhookURL: "garbage",
	})
	if err != nil {
		t.Fatalf("New with Enabled false = %v, want no error whatever the other fields hold", err)
	}
	empty := newTestNotifier(t, Config{Enabled: true})
	for _, c := range []struct {
		name string
		n    *Notifier
	}{{"nil", nil}, {"zero", &Notifier{}}, {"disabled", disabled}, {"no channels", empty}} {
		t.Run(c.name, func(t *testing.T) {
			n := c.n
			n.Notify(Event{Kind: KindStart})
			if n.Heartbeat(context.Background()) {
				t.Error("Heartbeat started a ping")
			}
			st := n.Stats()
			if st.Channels == nil || len(st.Channels) != 0 || st.Heartbeat != (HeartbeatStats{}) {
				t.Errorf("Stats = %+v, want zero with an empty, non-nil Channels map", st)
			}
			if ch := n.Channels(); len(ch) != 0 {
				t.Errorf("Channels = %v, want none", ch)
			}
			if err := n.Close(context.Background()); err != nil {
				t.Errorf("Close = %v, want nil", err)
			}
			if err := n.Close(context.Background()); err != nil {
				t.Errorf("second Close = %v, want nil", err)
			}
		})
	}
	if got := len(rc.requests()); got != 0 {
		t.Errorf("a disabled Notifier made %d requests, want none", got)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"https://hooks.slack.com", "https://hooks.slack.com"},
		{"https://hooks.slack.com/services/T/B/X", "https://hooks.slack.com/…"},
		{"HTTPS://discord.com/api/webhooks/1/tok", "https://discord.com/…"},
		{"https://hc-ping.com?key=secret", "https://hc-ping.com/…"},
		{"https://hc-ping.com#frag", "https://hc-ping.com/…"},
		{"https://hc-ping.com?", "https://hc-ping.com/…"},
		{"https://user:pass@example.com", "https://example.com"},
		{" https://example.com/x ", "https://example.com/…"},
		{"123456:ABC-token", redacted},
		{"not a url", redacted},
		{"mailto:someone@example.com", redacted},
		{"https://example.com:notaport/x", redacted},
		{`https://hooks.slack.com\services\T\B\secret`, redacted},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfigPrintsNoSecret(t *testing.T) {
	cfg := Config{
		Enabled:           true,
		DiscordWebhookURL: "https://discord.com/api/webhooks/1122334455/d1sc0rdT0ken",
		SlackWebhookURL:   "https://hooks.slack.com/services/T1/B2/s1ackT0ken",
		TelegramBotToken:  "12345:te1egramT0ken",
		TelegramChatID:    "-100777",
		HeartbeatURL:      "https://hc-ping.com/hbT0ken",
		Timeout:           3 * time.Second,
	}
	for _, out := range []string{cfg.String(), cfg.GoString(), cfg.LogValue().String()} {
		if strings.Contains(out, "T0ken") {
			t.Errorf("Config prints a secret: %s", out)
		}
		for _, want := range []string{"https://discord.com/…", "https://hooks.slack.com/…", "https://hc-ping.com/…", "-100777", "3s"} {
			if !strings.Contains(out, want) {
				t.Errorf("Config printed as %s, want it to show %q", out, want)
			}
		}
	}
}
