package alert

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces a secret in every text this package produces.
const redacted = "(redacted)"

// Redact returns a form of a webhook URL, heartbeat URL or token that is
// safe to log or print: "scheme://host" when the URL has nothing after the
// host, "scheme://host/…" when it has a path, query or fragment (where
// webhook secrets live), and "(redacted)" for anything that is not such a
// URL (a bot token, a malformed URL). User info is always dropped. The
// empty string stays empty, so "not set" remains visible.
func Redact(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return redacted
	}
	head := strings.ToLower(u.Scheme) + "://" + u.Host
	if u.Path == "" && u.RawPath == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" {
		return head
	}
	return head + "/…"
}

// minSegment is the shortest URL path segment that is scrubbed on its own
// (webhook ids and tokens are longer; "webhooks", "services" are not
// secrets and stay readable).
const minSegment = 16

// minQueryValue is the shortest URL query value scrubbed on its own.
const minQueryValue = 8

// scrubber removes known secrets from text. Built once in New, read-only
// afterwards, so safe for concurrent use.
type scrubber struct {
	secrets []string // longest first, so a secret's pieces go after it
}

// add registers a secret and the forms it may take in other text.
func (s *scrubber) add(secret string) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return
	}
	forms := []string{secret, url.PathEscape(secret), url.QueryEscape(secret)}
	if u, err := url.Parse(secret); err == nil && u.Host != "" {
		forms = append(forms, u.String(), u.Redacted(), u.EscapedPath(), u.Path, u.RawQuery)
		if u.User != nil {
			forms = append(forms, u.User.String())
			if p, ok := u.User.Password(); ok {
				forms = append(forms, p)
			}
		}
		for seg := range strings.SplitSeq(u.Path, "/") {
			if len(seg) >= minSegment {
				forms = append(forms, seg, url.PathEscape(seg))
			}
		}
		// A query value is a token more often than not ("?key=..."), and
		// a receiver may quote it alone.
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= minQueryValue {
					forms = append(forms, v, url.QueryEscape(v))
				}
			}
		}
		forms = append(forms, u.Fragment)
	}
	for _, f := range forms {
		// A bare "/" or a short query would blank unrelated text; the
		// whole secret is in the list anyway.
		if len(f) < 4 || f == "/" {
			continue
		}
		if !slices.Contains(s.secrets, f) {
			s.secrets = append(s.secrets, f)
		}
	}
	slices.SortFunc(s.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
}

// dropPartial removes from the end of text, which was cut short, as much
// as could be the start of a secret (one byte less than the longest form),
// since scrub only recognises whole ones.
func (s *scrubber) dropPartial(text string) string {
	if s == nil || len(s.secrets) == 0 {
		return text
	}
	return text[:max(0, len(text)-(len(s.secrets[0])-1))]
}

// scrub replaces every known secret in text with "(redacted)".
func (s *scrubber) scrub(text string) string {
	if s == nil {
		return text
	}
	for _, sec := range s.secrets {
		if strings.Contains(text, sec) {
			text = strings.ReplaceAll(text, sec, redacted)
		}
	}
	return text
}

// sanitize returns err with its text scrubbed: a *url.Error (net/http puts
// the full request URL in it) is rebuilt with the URL redacted, and the
// whole message is scrubbed of every known secret. The result unwraps to
// the cause below the *url.Error, so errors.Is(err,
// context.DeadlineExceeded) still works.
func (s *scrubber) sanitize(err error) error {
	if err == nil {
		return nil
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
		err = &url.Error{Op: ue.Op, URL: Redact(ue.URL), Err: ue.Err}
	}
	if cause != nil && s.scrub(cause.Error()) != cause.Error() {
		cause = nil // its own text holds a secret: do not hand it out
	}
	return &redactedError{msg: s.scrub(err.Error()), cause: cause}
}
