package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// dropLogEvery is how often at most a channel logs dropped alerts.
const dropLogEvery = 30 * time.Second

// Notifier sends alerts to the configured channels and pings the heartbeat
// URL. Notify and Heartbeat never block; each channel has its own queue and
// goroutine, so a slow Slack does not delay Discord. Safe for concurrent
// use; a nil *Notifier, or one built with Enabled false, does nothing.
type Notifier struct {
	cfg       Config // with defaults
	enabled   bool
	log       *slog.Logger
	client    *http.Client
	ownClient bool
	scrub     *scrubber
	senders   []*sender
	hbURL     string // secret

	// runCtx is every request's parent; cancelled when Close gives up.
	runCtx context.Context
	cancel context.CancelFunc

	mu     sync.RWMutex // guards closed, hbBusy; held shared by Notify
	closed bool
	hbBusy bool

	wg        sync.WaitGroup // senders and the heartbeat in flight
	closeOnce sync.Once
	done      chan struct{} // closed once wg is done after Close
	abandoned atomic.Uint64

	hb      hbCounters
	dropLog map[Channel]*rate.Limiter

	// testHookPingDone, when set (by tests, before the first Heartbeat),
	// runs at the end of every ping, after the next one may start.
	testHookPingDone func()
}

// New validates cfg and starts one sender goroutine per configured
// channel. Errors match ErrInvalidConfig, list every invalid field, and
// never quote a secret. With cfg.Enabled false it returns a no-op Notifier
// and no error, whatever the other fields hold.
func New(cfg Config) (*Notifier, error) {
	if !cfg.Enabled {
		return &Notifier{}, nil
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Notifier{
		cfg:     cfg,
		enabled: true,
		log:     cfg.Logger,
		client:  cfg.HTTPClient,
		scrub:   &scrubber{},
		hbURL:   cfg.HeartbeatURL,
		done:    make(chan struct{}),
		dropLog: make(map[Channel]*rate.Limiter),
	}
	if n.client == nil {
		n.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		n.ownClient = true
	}
	n.client = keepMethod(n.client)
	for _, s := range []string{cfg.DiscordWebhookURL, cfg.SlackWebhookURL, cfg.TelegramBotToken, cfg.HeartbeatURL} {
		n.scrub.add(s)
	}
	if _, secret, ok := strings.Cut(cfg.TelegramBotToken, ":"); ok && len(secret) >= minSegment {
		n.scrub.add(secret) // the part after the bot id is what makes it a secret
	}
	var tgURL string
	if cfg.TelegramBotToken != "" {
		tgURL = strings.TrimRight(cfg.TelegramAPIURL, "/") + "/bot" + cfg.TelegramBotToken + "/sendMessage"
		n.scrub.add(tgURL)
	}

	add := func(ch Channel, url string, rl RateLimit, payload func(string) any) {
		n.senders = append(n.senders, &sender{
			n: n, ch: ch, url: url, payload: payload,
			queue: make(chan item, cfg.QueueSize),
			limit: newWindow(rl),
		})
		n.dropLog[ch] = rate.NewLimiter(rate.Every(dropLogEvery), 1)
	}
	if cfg.DiscordWebhookURL != "" {
		add(ChannelDiscord, cfg.DiscordWebhookURL, cfg.RateLimits.Discord, discordPayload)
	}
	if cfg.SlackWebhookURL != "" {
		add(ChannelSlack, cfg.SlackWebhookURL, cfg.RateLimits.Slack, slackPayload)
	}
	if tgURL != "" {
		add(ChannelTelegram, tgURL, cfg.RateLimits.Telegram, telegramPayload(cfg.TelegramChatID))
	}

	n.runCtx, n.cancel = context.WithCancel(context.Background())
	chans := make([]string, 0, len(n.senders))
	for _, s := range n.senders {
		chans = append(chans, string(s.ch))
		n.wg.Add(1)
		go s.run()
	}
	n.log.Debug("alerts on", slog.String("channels", strings.Join(chans, ",")),
		slog.Bool("heartbeat", n.hbURL != ""), slog.Int("queue", cfg.QueueSize))
	return n, nil
}

// keepMethod returns a shallow copy of c that does not follow a redirect
// which would change the request's method: net/http turns a POST answered
// with 301, 302 or 303 into a GET without the body, and a 2xx to that GET
// would count as a delivered alert that nobody received. Such a redirect's
// answer is returned as is (a permanent failure). Other redirects (307,
// 308, and any of a GET) go to c's own CheckRedirect.
func keepMethod(c *http.Client) *http.Client {
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && req.Method != via[0].Method {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 { // net/http's default policy
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cc
}

// Notify queues ev on every configured channel and returns at once. A
// channel whose queue is full drops ev; drops are counted in Stats and
// logged at warn level, at most once per 30 s per channel. After Close,
// every Notify is dropped. ev.At defaults to Config.Now(). ev is rendered
// here (Event.Message, cut to the longest channel limit), so the caller
// may reuse ev.Fields afterwards and a queued alert stays small.
func (n *Notifier) Notify(ev Event) {
	if n == nil || !n.enabled || len(n.senders) == 0 {
		return
	}
	if ev.At.IsZero() {
		ev.At = n.cfg.Now()
	}
	it := item{kind: ev.Kind, symbol: ev.Symbol, msg: truncate(ev.Message(), maxMessage)}
	n.mu.RLock()
	defer n.mu.RUnlock()
	for _, s := range n.senders {
		if n.closed {
			s.drop(it, "notifier closed")
			continue
		}
		select {
		case s.queue <- it:
		default:
			s.drop(it, "queue full")
		}
	}
}

// logDrop logs a dropped alert unless this channel logged one recently.
func (n *Notifier) logDrop(ch Channel, it item, why string, total uint64) {
	if !n.dropLog[ch].AllowN(n.cfg.Now(), 1) {
		return
	}
	n.log.Warn("alert dropped", slog.String("channel", string(ch)), slog.String("kind", it.kind),
		slog.String("symbol", it.symbol), slog.String("reason", why), slog.Uint64("dropped_total", total))
}

// Close stops accepting alerts, delivers what is queued until ctx ends,
// then abandons the rest (in-flight requests are cancelled; all are counted
// as dropped) and waits for every goroutine it started. It returns nil when
// everything queued was handled (sent or failed), else an error wrapping
// ctx's error that says how many alerts were abandoned. Close is
// idempotent; later calls wait the same way and return nil once done.
func (n *Notifier) Close(ctx context.Context) error {
	if n == nil || !n.enabled {
		return nil
	}
	n.closeOnce.Do(func() {
		n.mu.Lock()
		n.closed = true
		for _, s := range n.senders {
			close(s.queue)
		}
		n.mu.Unlock()
		go func() {
			n.wg.Wait()
			close(n.done)
		}()
	})
	var err error
	select {
	case <-n.done:
	case <-ctx.Done():
		select {
		case <-n.done: // finished in the same instant: nothing abandoned
		default:
			n.cancel()
			<-n.done
			if n.abandoned.Load() > 0 { // else nothing was left: a ping at most
				err = ctx.Err()
			}
		}
	}
	n.cancel()
	if n.ownClient {
		n.client.CloseIdleConnections()
	}
	if err != nil {
		return fmt.Errorf("alert: close: %d alert(s) abandoned: %w", n.abandoned.Load(), err)
	}
	return nil
}

// Stats is a snapshot of a Notifier's counters.
type Stats struct {
	// Channels has one entry per configured channel.
	Channels  map[Channel]ChannelStats
	Heartbeat HeartbeatStats
}

// ChannelStats counts one channel's alerts since New.
type ChannelStats struct {
	Sent    uint64 // delivered (2xx)
	Failed  uint64 // given up: a permanent error, or retries exhausted
	Dropped uint64 // never sent: queue full, after Close, or abandoned by Close
	Retried uint64 // retry attempts (not alerts)
	// RateLimitWaits counts alerts that waited for the channel's rate
	// limit (not 429 answers: see Throttled).
	RateLimitWaits uint64
	Throttled      uint64 // 429 answers
	Queued         int    // in the queue now
}

// HeartbeatStats counts heartbeat pings since New.
type HeartbeatStats struct {
	OK      uint64 // 2xx
	Failed  uint64 // anything else, including timeouts
	Skipped uint64 // Heartbeat called while the previous ping was in flight
}

// Stats returns the current counters. A no-op Notifier returns zero Stats
// with an empty Channels map.
func (n *Notifier) Stats() Stats {
	st := Stats{Channels: map[Channel]ChannelStats{}}
	if n == nil || !n.enabled {
		return st
	}
	for _, s := range n.senders {
		st.Channels[s.ch] = ChannelStats{
			Sent:           s.stats.sent.Load(),
			Failed:         s.stats.failed.Load(),
			Dropped:        s.stats.dropped.Load(),
			Retried:        s.stats.retried.Load(),
			RateLimitWaits: s.stats.waits.Load(),
			Throttled:      s.stats.throttled.Load(),
			Queued:         len(s.queue),
		}
	}
	st.Heartbeat = HeartbeatStats{OK: n.hb.ok.Load(), Failed: n.hb.failed.Load(), Skipped: n.hb.skipped.Load()}
	return st
}

// Channels lists the configured channels, in the order Discord, Slack,
// Telegram; empty when disabled.
func (n *Notifier) Channels() []Channel {
	if n == nil {
		return nil
	}
	out := make([]Channel, 0, len(n.senders))
	for _, s := range n.senders {
		out = append(out, s.ch)
	}
	return out
}

// String names the channels n sends to and whether it pings a heartbeat,
// never a URL or token, so a Notifier printed with fmt shows no secret.
func (n *Notifier) String() string {
	if n == nil {
		return "alert.Notifier(nil)"
	}
	return fmt.Sprintf("alert.Notifier{enabled:%t channels:%v heartbeat:%t}", n.enabled, n.Channels(), n.hbURL != "")
}

// GoString is String, so %#v is as safe as %v.
func (n *Notifier) GoString() string { return n.String() }

// LogValue makes a Notifier passed to log/slog what String says, as a
// group.
func (n *Notifier) LogValue() slog.Value {
	if n == nil {
		return slog.StringValue("alert.Notifier(nil)")
	}
	chans := make([]string, 0, len(n.senders))
	for _, ch := range n.Channels() {
		chans = append(chans, string(ch))
	}
	return slog.GroupValue(
		slog.Bool("enabled", n.enabled),
		slog.String("channels", strings.Join(chans, ",")),
		slog.Bool("heartbeat", n.hbURL != ""),
	)
}
