package alert

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestEventMessage(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"kind only", Event{Kind: KindStart}, "ibbot start"},
		{"no kind", Event{}, "ibbot alert"},
		{
			"everything",
			Event{
				Kind: KindEntry, Symbol: "SPY", Cycle: 12, Title: "BUY_CALL 2x", Text: "line 1\nline 2",
				Fields: map[string]string{"b": "2", "a": "1"},
				At:     time.Date(2026, 12, 1, 10, 30, 0, 0, est),
			},
			"ibbot entry SPY (cycle 12): BUY_CALL 2x\nline 1\nline 2\na: 1\nb: 2\n2026-12-01 10:30:00 EST",
		},
		{"cycle 0 left out", Event{Kind: KindExit, Symbol: "QQQ", Title: "closed"}, "ibbot exit QQQ: closed"},
		{"invalid UTF-8 replaced", Event{Kind: KindFill, Title: "a\xffb"}, "ibbot fill: a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Message(); got != tt.want {
				t.Errorf("Message() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	emoji := "\U0001F600" // two UTF-16 units
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"short", "abc", 5, "abc"},
		{"exactly the limit", "abcde", 5, "abcde"},
		{"one over", "abcdef", 5, "abcd…"},
		{"multi-byte runes count once", "ééééé", 5, "ééééé"},
		{"multi-byte cut on a rune boundary", "éééééé", 5, "éééé…"},
		{"astral runes count twice", strings.Repeat(emoji, 3), 6, strings.Repeat(emoji, 3)},
		{"astral rune not split", strings.Repeat(emoji, 4), 6, strings.Repeat(emoji, 2) + "…"},
		{"astral rune that would overrun the budget is dropped whole", "ab" + emoji + "cd", 4, "ab…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncate(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if n := utf16Len(got); n > tt.limit {
				t.Errorf("truncate(%q, %d) is %d UTF-16 units long, over the limit", tt.in, tt.limit, n)
			}
			if !utf8.ValidString(got) {
				t.Errorf("truncate(%q, %d) = %q is not valid UTF-8", tt.in, tt.limit, got)
			}
		})
	}
}

// TestPayloads checks each channel's request: method, path, headers and
// the exact JSON shape.
func TestPayloads(t *testing.T) {
	clk := newFakeClock()
	discord := newReceiver(t, clk, nil)
	slack := newReceiver(t, clk, nil)
	telegram := newReceiver(t, clk, nil)
	cfg := testConfig(clk, &logBuffer{})
	cfg.DiscordWebhookURL = discord.srv.URL + "/api/webhooks/112233445566778899/discord-token-abcdefghijklmnop"
	cfg.SlackWebhookURL = slack.srv.URL + "/services/T0TEAM/B0BOT/slack-token-abcdefghij"
	cfg.TelegramAPIURL = telegram.srv.URL + "/proxy/" // a trailing slash is not doubled
	cfg.TelegramBotToken = "123456789:telegram-token_abcdefghij"
	cfg.TelegramChatID = "-100123"
	n := newTestNotifier(t, cfg)

	if got, want := n.Channels(), []Channel{ChannelDiscord, ChannelSlack, ChannelTelegram}; !slices.Equal(got, want) {
		t.Fatalf("Channels() = %v, want %v", got, want)
	}
	ev := Event{Kind: KindBreakerOpen, Symbol: "SPY", Title: "@everyone <!channel> P&L < -500 > limit", At: epoch}
	n.Notify(ev)
	closeAll(t, n)
	msg := ev.Message()

	check := func(name string, rc *receiver, path string, wantKeys []string) map[string]any {
		t.Helper()
		reqs := rc.requests()
		if len(reqs) != 1 {
			t.Fatalf("%s received %d requests, want 1", name, len(reqs))
		}
		r := reqs[0]
		if r.Method != "POST" || r.Path != path || r.ContentType != "application/json" || r.UserAgent != userAgent {
			t.Errorf("%s request = %s %s (Content-Type %q, User-Agent %q), want POST %s (application/json, %q)",
				name, r.Method, r.Path, r.ContentType, r.UserAgent, path, userAgent)
		}
		body := decode(t, r.Body)
		got := keys(body)
		slices.Sort(got)
		if !slices.Equal(got, wantKeys) {
			t.Errorf("%s payload keys = %v, want %v (body %s)", name, got, wantKeys, r.Body)
		}
		return body
	}

	d := check("discord", discord, "/api/webhooks/112233445566778899/discord-token-abcdefghijklmnop", []string{"allowed_mentions", "content"})
	if d["content"] != msg {
		t.Errorf("discord content = %q, want %q", d["content"], msg)
	}
	am, ok := d["allowed_mentions"].(map[string]any)
	if parse, isList := am["parse"].([]any); !ok || !isList || len(parse) != 0 || len(am) != 1 {
		t.Errorf(`discord allowed_mentions = %v, want {"parse": []} (no mention may ping)`, d["allowed_mentions"])
	}

	s := check("slack", slack, "/services/T0TEAM/B0BOT/slack-token-abcdefghij", []string{"text"})
	wantSlack := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(msg)
	if s["text"] != wantSlack {
		t.Errorf("slack text = %q, want %q (&, < and > escaped)", s["text"], wantSlack)
	}
	if strings.Contains(s["text"].(string), "<!channel>") {
		t.Errorf("slack text %q still holds a live <!channel> mention", s["text"])
	}

	tg := check("telegram", telegram, "/proxy/bot123456789:telegram-token_abcdefghij/sendMessage", []string{"chat_id", "text"})
	if tg["chat_id"] != "-100123" || tg["text"] != msg {
		t.Errorf("telegram payload = %v, want chat_id -100123 and text %q (plain, unescaped)", tg, msg)
	}
	for _, ch := range n.Channels() {
		if st := stats(t, n, ch); st.Sent != 1 || st.Failed != 0 || st.Dropped != 0 {
			t.Errorf("%s stats = %+v, want exactly 1 sent", ch, st)
		}
	}
}

// TestPayloadLimits sends messages longer than every channel's limit and
// checks each is cut to its own limit, ending in "…".
func TestPayloadLimits(t *testing.T) {
	tests := []struct {
		name  string
		title string // the message is "ibbot entry: " + title
	}{
		{"ascii", strings.Repeat("a", 5000)},
		{"astral runes", strings.Repeat("\U0001F4C8", 3000)},
		{"huge", strings.Repeat("x", 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			discord := newReceiver(t, clk, nil)
			slack := newReceiver(t, clk, nil)
			telegram := newReceiver(t, clk, nil)
			cfg := testConfig(clk, &logBuffer{})
			cfg.DiscordWebhookURL = discord.srv.URL + "/d"
			cfg.SlackWebhookURL = slack.srv.URL + "/s"
			cfg.TelegramAPIURL = telegram.srv.URL
			cfg.TelegramBotToken = "1:t"
			cfg.TelegramChatID = "1"
			n := newTestNotifier(t, cfg)
			ev := Event{Kind: KindEntry, Title: tt.title}
			msg := ev.Message() // no At line: Notify adds it at the end, past every limit
			n.Notify(ev)
			closeAll(t, n)

			for _, c := range []struct {
				name  string
				rc    *receiver
				field string
				limit int
			}{
				{"discord", discord, "content", discordLimit},
				{"slack", slack, "text", slackLimit},
				{"telegram", telegram, "text", telegramLimit},
			} {
				reqs := c.rc.requests()
				if len(reqs) != 1 {
					t.Fatalf("%s received %d requests, want 1", c.name, len(reqs))
				}
				got, _ := decode(t, reqs[0].Body)[c.field].(string)
				if n := utf16Len(got); n > c.limit || n < c.limit-1 {
					t.Errorf("%s %s is %d UTF-16 units, want %d (or one less when an astral rune did not fit)", c.name, c.field, n, c.limit)
				}
				if !strings.HasSuffix(got, ellipsis) || !strings.HasPrefix(msg, strings.TrimSuffix(got, ellipsis)) {
					t.Errorf("%s %s is not a prefix of the message followed by %q: ...%q", c.name, c.field, ellipsis, got[max(0, len(got)-20):])
				}
				if !utf8.ValidString(got) {
					t.Errorf("%s %s is not valid UTF-8", c.name, c.field)
				}
			}
		})
	}
}

// TestNotifyBoundsQueuedMessages checks that what a queue holds is cut to
// the largest channel limit at Notify, so a huge event costs no more than
// a long one while it waits.
func TestNotifyBoundsQueuedMessages(t *testing.T) {
	clk := newFakeClock()
	g := newGate(t)
	rc := newReceiver(t, clk, func(_ int, _ http.ResponseWriter, r *http.Request) { g.wait(r) })
	cfg := testConfig(clk, &logBuffer{})
	cfg.SlackWebhookURL = rc.srv.URL + "/s"
	n := newTestNotifier(t, cfg)
	n.Notify(Event{Kind: KindStart})
	rc.next(t) // the sender is now busy: what follows stays queued
	n.Notify(Event{Kind: KindEntry, Text: strings.Repeat("x", 1<<20)})
	it := <-n.senders[0].queue // take it back out to look at it
	if got := utf16Len(it.msg); got > maxMessage {
		t.Errorf("queued message is %d UTF-16 units (%d bytes), want at most %d", got, len(it.msg), maxMessage)
	}
	g.open()
}
