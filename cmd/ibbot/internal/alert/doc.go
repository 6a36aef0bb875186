// Package alert tells a trader what ibbot did and what went wrong, through
// Discord, Slack and Telegram webhooks, and pings a heartbeat URL so an
// outside monitor notices when the bot stops.
//
// # Use
//
// New takes a Config (the monitoring.* settings) and returns a Notifier.
// The bot calls Notify with an Event on entries, exits, fills, a daily-loss
// breach, a parked symbol or an opened breaker, a gateway connection lost
// for more than a minute (deciding that is the caller's job) and on start
// and stop; it calls Heartbeat once per market-hours cycle, and Close on
// the way out.
//
//	n, err := alert.New(alert.Config{Enabled: true, SlackWebhookURL: url, Logger: log})
//	...
//	n.Notify(alert.Event{Kind: alert.KindEntry, Symbol: "SPY", Cycle: 12, Title: "BUY_CALL 2x"})
//	n.Heartbeat(ctx)
//	defer n.Close(ctx) // ctx bounds the drain
//
// # Never blocking a cycle
//
// Notify renders the event and offers it to each channel's bounded queue
// (Config.QueueSize) without waiting; what does not fit is dropped,
// counted in Stats and logged at warn level at most every 30 s per channel.
// Each channel has one goroutine that sends its queue in order. Heartbeat
// starts a GET in the background and skips while the previous one is still
// in flight.
//
// # Delivery
//
// Each attempt is bounded by Config.Timeout. A 2xx answer is success. A
// redirect that would turn the POST into a body-less GET (301, 302, 303)
// is not followed: it is the answer, and a permanent failure.
// 429 and 5xx answers and transport errors are retried up to
// Config.Retries times after Config.Backoff (1 s, 2 s, 4 s by default), or
// after the receiver's Retry-After (Telegram: parameters.retry_after;
// Discord: retry_after) when that is longer, capped at one minute. Other
// answers (a wrong URL or token: 400, 401, 403, 404) are permanent and not
// retried. Every attempt passes the channel's sliding-window rate limit
// (Discord 5 per 2 s, Slack 1 per s, Telegram 1 per s; see RateLimits).
// Errors are *SendError, classified with errors.Is against ErrRejected,
// ErrThrottled, ErrReceiver and ErrTransport, or with IsRetryable.
//
// Payloads: Discord {"content"} (at most 2000 characters, mentions
// disabled), Slack {"text"} (at most 4000, with &, < and > escaped as
// Slack asks), Telegram POST {TelegramAPIURL}/bot{token}/sendMessage with
// {"chat_id", "text"} (at most 4096, plain text). Long messages are cut on
// a character boundary and end in "…".
//
// # Secrets
//
// Webhook URLs, the bot token and the heartbeat URL are secrets. They never
// appear in a log line or an error: net/http's *url.Error (which quotes the
// request URL) is rebuilt with the URL redacted, and every text is scrubbed
// of each configured secret, response bodies before they are cut to an
// excerpt (so a secret cut in two is not missed). Redact gives the form
// safe to print ("https://hooks.slack.com/…") for config output; Config
// and Notifier print and log (fmt, slog) in that form too.
//
// # Shutdown
//
// Close stops accepting alerts, delivers what is queued until its context
// ends, then abandons the rest (counted as dropped), and returns only when
// every goroutine the Notifier started has ended.
//
// # Testing
//
// Config.Now and Config.Sleep replace the clock and every wait (rate limit,
// backoff, Retry-After), so tests run against net/http/httptest servers
// without sleeping.
package alert
