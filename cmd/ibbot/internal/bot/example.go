package bot

import (
	"fmt"
	"strings"
)

// Example returns a complete settings.yaml: every key at its default, each
// with a comment saying what it does and what is allowed. Load accepts it
// unchanged and yields Defaults().
func Example() string {
	var b strings.Builder
	b.WriteString(`# ibbot settings (ibbot run --config settings.yaml).
#
# Every key is shown at its default. IBBOT_<KEY> environment variables
# (dots and the section separator become underscores, e.g.
# IBBOT_RISK_STOP_LOSS_PCT) override this file, and flags override both.
# Unknown keys are an error. See docs/bot.md.
`)
	section := ""
	for _, s := range settings {
		sec, name := "", s.key
		if i := strings.IndexByte(s.key, '.'); i >= 0 {
			sec, name = s.key[:i], s.key[i+1:]
		}
		indent := ""
		if sec != "" {
			indent = "  "
			if sec != section {
				fmt.Fprintf(&b, "\n%s:\n", sec)
			}
		} else {
			b.WriteString("\n")
		}
		section = sec
		fmt.Fprintf(&b, "%s# %s.\n%s# Allowed: %s.\n", indent, upperFirst(s.help), indent, s.allowed)
		fmt.Fprintf(&b, "%s%s: %s\n", indent, name, s.def)
	}
	return b.String()
}

// DocTable returns the Markdown table of every key, its default, what is
// allowed and what it does, as docs/bot.md shows it.
func DocTable() string {
	var b strings.Builder
	b.WriteString("| Key | Default | Allowed | What it does |\n|---|---|---|---|\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", s.key, s.def, mdEscape(s.allowed), mdEscape(s.help))
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
