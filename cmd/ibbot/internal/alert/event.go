package alert

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Event kinds: what ibbot alerts on.
const (
	KindEntry              = "entry"               // an entry order was placed (or, in dry run, would be)
	KindExit               = "exit"                // a position was exited
	KindFill               = "fill"                // an order filled
	KindDailyLoss          = "daily_loss"          // the daily loss guard tripped
	KindSymbolParked       = "symbol_parked"       // a symbol was parked after repeated failures
	KindBreakerOpen        = "breaker_open"        // a symbol's circuit breaker opened
	KindConnectionLost     = "connection_lost"     // the gateway connection is lost and did not come back
	KindConnectionRestored = "connection_restored" // the gateway connection is back
	KindStart              = "start"               // the bot started
	KindStop               = "stop"                // the bot is stopping
)

// Event is one alert. Only Kind is required; empty fields are left out of
// the message.
type Event struct {
	Kind   string // one of the Kind constants
	Symbol string // underlying symbol, if any
	Cycle  int    // scheduler cycle number, 0 if none
	Title  string // one line
	Text   string // free text, may span lines
	// At is when it happened; Notify sets Config.Now() when zero. Shown in
	// At's location.
	At time.Time
	// Fields are extra key/value lines, shown sorted by key.
	Fields map[string]string
}

// Message renders the event as plain text, the same for every channel
// (each channel then truncates to its own limit):
//
//	ibbot entry SPY (cycle 12): BUY_CALL 2x SPY 20261204 C600
//	text...
//	key: value
//	2026-12-01 10:30:00 EST
func (e Event) Message() string {
	var b strings.Builder
	b.WriteString("ibbot ")
	if e.Kind == "" {
		b.WriteString("alert")
	} else {
		b.WriteString(e.Kind)
	}
	if e.Symbol != "" {
		b.WriteString(" ")
		b.WriteString(e.Symbol)
	}
	if e.Cycle > 0 {
		fmt.Fprintf(&b, " (cycle %d)", e.Cycle)
	}
	if e.Title != "" {
		b.WriteString(": ")
		b.WriteString(e.Title)
	}
	if e.Text != "" {
		b.WriteString("\n")
		b.WriteString(e.Text)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		b.WriteString("\n")
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(e.Fields[k])
	}
	if !e.At.IsZero() {
		b.WriteString("\n")
		b.WriteString(e.At.Format("2006-01-02 15:04:05 MST"))
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}

// ellipsis ends a truncated message.
const ellipsis = "…"

// truncate returns s cut to at most limit characters, counted in UTF-16
// code units (what Discord and Telegram count; never fewer than runes), on
// a rune boundary, ending in "…" when cut. s must be valid UTF-8.
func truncate(s string, limit int) string {
	if utf16Len(s) <= limit {
		return s
	}
	budget := limit - 1 // the ellipsis is one unit
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > budget {
			return s[:i] + ellipsis
		}
		n += w
	}
	return s
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}
