package alert

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. New returns errors that match ErrInvalidConfig; a failed
// delivery is a *SendError that matches exactly one of the other four, so
// callers and logs classify with errors.Is.
var (
	// ErrInvalidConfig: a Config field failed validation in New; the error
	// is one or more *ConfigError joined.
	ErrInvalidConfig = errors.New("alert: invalid config")
	// ErrRejected: the receiver answered with a status that retrying
	// cannot fix (4xx other than 429, or any other non-2xx below 500). A
	// wrong webhook URL or token ends here. Not retried.
	ErrRejected = errors.New("alert: receiver rejected the request")
	// ErrThrottled: the receiver answered 429 Too Many Requests. Retried
	// after its Retry-After (or Telegram's parameters.retry_after).
	ErrThrottled = errors.New("alert: receiver rate limited the request")
	// ErrReceiver: the receiver answered 5xx. Retried with backoff.
	ErrReceiver = errors.New("alert: receiver failed")
	// ErrTransport: no response: connection refused, DNS, TLS, or the
	// per-request timeout. Retried with backoff.
	ErrTransport = errors.New("alert: request did not complete")
)

// IsRetryable reports whether a delivery error is worth another attempt:
// ErrThrottled, ErrReceiver or ErrTransport.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrThrottled) || errors.Is(err, ErrReceiver) || errors.Is(err, ErrTransport)
}

// ConfigError names one invalid Config field. Value is already redacted
// (see Redact): a ConfigError never holds a webhook URL's path, query or a
// token.
type ConfigError struct {
	Field  string // the Config field, e.g. "SlackWebhookURL"
	Value  string // the redacted value, "" when it says nothing useful
	Reason string
}

// Error implements error.
func (e *ConfigError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("alert: config %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("alert: config %s = %s: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes every ConfigError match ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// SendError is one failed HTTP attempt to a channel (or a heartbeat ping).
// Nothing in it holds a secret: Err has the request URL redacted and every
// text is scrubbed of the configured URLs and token.
type SendError struct {
	Channel Channel
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// RetryAfter is the wait the receiver asked for (429, or 5xx with a
	// Retry-After header), capped; 0 when it asked for none.
	RetryAfter time.Duration
	// Detail is a short, scrubbed excerpt of the response body.
	Detail string
	// Err is the transport error (redacted), nil when a response arrived.
	Err error
}

// Error implements error.
func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("alert: ")
	b.WriteString(string(e.Channel))
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if text := http.StatusText(e.Status); text != "" {
			b.WriteString(" ")
			b.WriteString(text)
		}
		if e.Detail != "" {
			b.WriteString(": ")
			b.WriteString(e.Detail)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("request failed")
	}
	return b.String()
}

// Unwrap returns the transport error, if any.
func (e *SendError) Unwrap() error { return e.Err }

// Is maps the status to the sentinels: 429 ErrThrottled, 5xx ErrReceiver,
// other non-2xx ErrRejected, no response ErrTransport.
func (e *SendError) Is(target error) bool {
	switch target {
	case ErrThrottled:
		return e.Status == http.StatusTooManyRequests
	case ErrReceiver:
		return e.Status >= 500
	case ErrRejected:
		return e.Status != 0 && e.Status != http.StatusTooManyRequests && e.Status < 500
	case ErrTransport:
		return e.Status == 0
	}
	return false
}

// redactedError carries a scrubbed message in place of an error whose text
// held a secret; Unwrap leads to the cause below the *url.Error (a
// net.OpError, context.DeadlineExceeded, ...), never to the URL.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }
