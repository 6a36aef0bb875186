package bot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A settings file is input from outside: whatever it holds, ParseYAML
// never panics, an error is a *ConfigError naming at least one problem
// with a key, and an accepted file gives a configuration whose every key
// shows a value and which a second parse of the same file leaves the same.
func FuzzParseYAML(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "examples", "settings.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range []string{
		"", "symbols: [SPY, QQQ]\n", "risk:\n  stop_loss_pct: 0.3\n", "schedule: 5\n", "symbols: [SPY\n",
		"monitoring:\n  slack_webhook_url: https://hooks.slack.com/services/T/B/X\n", "broker:\n  port: 99999999999999999999\n",
		"risk: {max_daily_loss_pct: .nan}\n", "a: &x [*x]\n", "? [a, b]\n: c\n", "symbols: !!binary AAAA\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Defaults()
		err := c.ParseYAML("fuzz.yaml", data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %v (%T): want a *ConfigError with problems", err, err)
			}
			for _, p := range ce.Problems {
				if strings.TrimSpace(p.Key) == "" || strings.TrimSpace(p.Allowed) == "" {
					t.Fatalf("problem without a key or what is allowed: %+v", p)
				}
			}
			return
		}
		first := c.Entries()
		for _, e := range first {
			if e.Value == "" {
				t.Fatalf("key %s has no value after an accepted file", e.Key)
			}
		}
		again := Defaults()
		if err := again.ParseYAML("fuzz.yaml", data); err != nil {
			t.Fatalf("second parse of an accepted file failed: %v", err)
		}
		for i, e := range again.Entries() {
			if e != first[i] {
				t.Fatalf("parsing the same file twice gave %v and %v", first[i], e)
			}
		}
	})
}
