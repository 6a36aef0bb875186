package bot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/optchain"
)

// noEnv is an environment without IBBOT_* variables.
func noEnv(string) string { return "" }

// envOf is an environment holding only m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// nestedYAML is "key: value" as a settings.yaml writes it: risk.stop_loss_pct
// becomes "risk:\n  stop_loss_pct: value".
func nestedYAML(key, value string) string {
	section, leaf, ok := strings.Cut(key, ".")
	if !ok {
		return key + ": " + value + "\n"
	}
	return section + ":\n  " + leaf + ": " + value + "\n"
}

// writeFile writes a settings file in a fresh directory and returns its
// path.
func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// configError asserts err is a *ConfigError and returns it.
func configError(t *testing.T, err error) *ConfigError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %q is not a *ConfigError", err, err)
	}
	return ce
}

func symbolList(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("S%d", i)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// valueCases are, per key, YAML values accepted (the boundaries just
// inside the range among them) and refused (just outside, wrong type).
// Every key of Keys() must have at least one refused value:
// TestEveryKeyHasBadValueCases fails for a new key without one.
var valueCases = map[string]struct {
	good []string
	bad  []string
	// allowed is a part of the allowed range the message must name.
	allowed string
}{
	"symbols": {good: []string{"[SPY]", symbolList(50), "[brk.b, QQQ]", "SPY,QQQ", "[ABCDEFGHIJKL]"},
		bad: []string{"[]", symbolList(51), "[SPY, SPY]", "[1SPY]", "[ABCDEFGHIJKLM]", "{a: 1}", "[SPY QQQ]"}, allowed: "1 to 50"},
	"dry_run":          {good: []string{"true", "false", "yes", "off"}, bad: []string{"maybe", "2", "[true]"}, allowed: "true or false"},
	"broker.host":      {good: []string{"gw.local", "10.0.0.1", "::1"}, bad: []string{`""`, `"a b"`, "[x]", "http://gw/"}, allowed: "host name or IP"},
	"broker.port":      {good: []string{"1", "65535", "4002"}, bad: []string{"0", "65536", "-1", "abc", "4002.5"}, allowed: "1..65535"},
	"broker.client_id": {good: []string{"0", "2147483647"}, bad: []string{"-1", "2147483648", "one"}, allowed: "0..2147483647"},
	"broker.read_only": {good: []string{"true", "false"}, bad: []string{"sometimes", "2"}, allowed: "true or false"},
	"risk.max_risk_pct_per_trade": {good: []string{"0.25", "0.0001", "0.01"}, bad: []string{"0", "0.2501", "-0.01", "abc"},
		allowed: "more than 0 and at most 0.25"},
	"risk.max_daily_loss_pct": {good: []string{"1", "0.0001"}, bad: []string{"0", "1.0001", "-0.5"}, allowed: "more than 0 and at most 1"},
	"risk.take_profit_pct": {good: []string{"null", `""`, "10", "0.0001", "0.5"}, bad: []string{"0", "10.0001", "-1", "lots"},
		allowed: "more than 0 and at most 10"},
	"risk.stop_loss_pct": {good: []string{"0.999", "0.0001", "0.2"}, bad: []string{"0", "1", "1.5", "-0.2", "null"},
		allowed: "more than 0 and less than 1"},
	"risk.reset_daily_guard_on_start": {good: []string{"true", "false"}, bad: []string{"perhaps"}, allowed: "true or false"},
	"risk.max_open_positions":         {good: []string{"1", "100"}, bad: []string{"0", "101", "1.5"}, allowed: "1..100"},
	"risk.min_available_funds":        {good: []string{"0", "1000000000", "500.5"}, bad: []string{"-1", "1000000001", "cash"}, allowed: "0..1000000000"},
	"schedule.interval_seconds":       {good: []string{"10", "3600"}, bad: []string{"9", "3601", "10.5", "3m"}, allowed: "10..3600"},
	"schedule.max_concurrent_symbols": {good: []string{"1", "32"}, bad: []string{"0", "33"}, allowed: "1..32"},
	"options.expiry": {good: []string{"weekly", "monthly", "dte:0-3650", "dte:7-45", "DTE:7-7"},
		bad: []string{"dte:0-3651", "dte:-1-5", "dte:45-7", "daily", "first:2", "3", "[weekly]"}, allowed: "weekly, monthly or dte:MIN-MAX"},
	"options.moneyness": {good: []string{"atm", "itm1", "itm20", "otm20", "itmp1", "otmp1", "ATM"},
		bad: []string{"itm21", "itm0", "otm21", "far", "1"}, allowed: "K 1..20"},
	"options.max_spread_pct": {good: []string{"0", "100", "2.0"}, bad: []string{"-0.1", "100.1", "wide"}, allowed: "0..100"},
	"options.max_spread":     {good: []string{"0", "100", "0.10"}, bad: []string{"-0.01", "100.01"}, allowed: "0..100"},
	"options.min_volume":     {good: []string{"0", "1000000000"}, bad: []string{"-1", "1000000001", "0.5"}, allowed: "0..1000000000"},
	"options.strike_count":   {good: []string{"1", "10"}, bad: []string{"0", "11"}, allowed: "1..10"},
	"options.entry_price":    {good: []string{"ask", "mid", "MID"}, bad: []string{"last", "bid", "1"}, allowed: "ask or mid"},
	"historical.duration": {good: []string{`"1 S"`, `"999999 Y"`, `"5 D"`, `"3600 S"`},
		bad: []string{`"0 D"`, `"1000000 S"`, `"5D"`, `"5 H"`, "5"}, allowed: "1..999999"},
	"historical.bar_size":       {good: []string{`"1 secs"`, `"1 month"`, `"1 hour"`}, bad: []string{`"1 sec"`, `"7 mins"`, "60"}, allowed: "1 secs"},
	"historical.what_to_show":   {good: []string{"TRADES", "bid_ask", "MIDPOINT"}, bad: []string{"LAST", "[TRADES]"}, allowed: "TRADES, MIDPOINT"},
	"historical.use_rth":        {good: []string{"true", "false"}, bad: []string{"rth"}, allowed: "true or false"},
	"historical.timeout":        {good: []string{"30", "300"}, bad: []string{"29", "301", "90s"}, allowed: "30..300"},
	"monitoring.alerts_enabled": {good: []string{"true", "false"}, bad: []string{"loud"}, allowed: "true or false"},
	"monitoring.heartbeat_url": {good: []string{"null", `""`, "https://hc.example.com/ping/abc", "http://127.0.0.1:8080/hb"},
		bad: []string{"ftp://hc.example.com/x", "hc.example.com", "https://", "[https://x.example]"}, allowed: "http(s) URL"},
	"monitoring.discord_webhook_url": {good: []string{"null", "https://discord.com/api/webhooks/1/abc"},
		bad: []string{"discord", "mailto:me@example.com"}, allowed: "http(s) URL"},
	"monitoring.slack_webhook_url": {good: []string{"null", "https://hooks.slack.com/services/T0/B0/x"},
		bad: []string{"slack", "file:///etc/passwd"}, allowed: "http(s) URL"},
	"monitoring.telegram_bot_token": {good: []string{"null", `""`, "123456:ABC-def_1"},
		bad: []string{`"has space"`, "abc", `"123456:"`, `"123/456:abc"`}, allowed: "bot token"},
	"monitoring.telegram_chat_id": {good: []string{"null", "-1001234567890", "42", "\"@my_channel\""},
		bad: []string{`"chat 1"`, "[1]", `"@ab"`, "1.5"}, allowed: "chat id"},
	"monitoring.telegram_api_url": {good: []string{"https://api.telegram.org", "http://127.0.0.1:8080/"},
		bad: []string{"null", `""`, "ftp://api.telegram.org"}, allowed: "http(s) URL"},
	"strategy.name": {good: []string{"daily_volume_rules", "scalp_rules", "whale_rules"},
		bad: []string{"macd", "Daily_Volume_Rules", "1"}, allowed: "daily_volume_rules, scalp_rules, whale_rules"},
	"strategy.confirm_with_exit_rule": {good: []string{"true", "false"}, bad: []string{"both", "[true]"}, allowed: "true or false"},
}

// TestEveryKeyHasBadValueCases fails when a key of Keys() has no refused
// value in valueCases (a new key needs its own cases), or valueCases names
// a key that does not exist.
func TestEveryKeyHasBadValueCases(t *testing.T) {
	keys := Keys()
	for _, k := range keys {
		c, ok := valueCases[k]
		if !ok || len(c.bad) == 0 || len(c.good) == 0 || c.allowed == "" {
			t.Errorf("key %s: no good and bad value cases in valueCases: add them", k)
		}
	}
	for k := range valueCases {
		if !slices.Contains(keys, k) {
			t.Errorf("valueCases names %s, which is not a key", k)
		}
	}
}

func TestKeyValuesFromFile(t *testing.T) {
	for _, key := range Keys() {
		vc := valueCases[key]
		s := settingFor(key)
		for _, v := range vc.good {
			t.Run(key+"="+v, func(t *testing.T) {
				c := Defaults()
				if err := c.ParseYAML("settings.yaml", []byte(nestedYAML(key, v))); err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Sources[key] != "file" {
					t.Errorf("source %q, want file", c.Sources[key])
				}
			})
		}
		for _, v := range vc.bad {
			t.Run(key+"!="+v, func(t *testing.T) {
				c := Defaults()
				before := c.Entries()
				ce := configError(t, c.ParseYAML("settings.yaml", []byte(nestedYAML(key, v))))
				if ce.Source != "settings.yaml" || len(ce.Problems) != 1 || ce.Problems[0].Key != key {
					t.Fatalf("problems %+v from %q, want one for %s", ce.Problems, ce.Source, key)
				}
				msg := ce.Error()
				for _, want := range []string{"settings.yaml", key, vc.allowed} {
					if !strings.Contains(msg, want) {
						t.Errorf("message %q does not name %q", msg, want)
					}
				}
				// The value, as decoded; a secret's is masked.
				shown := strings.Trim(v, `"`)
				if s.secret {
					if shown != "" && strings.Contains(ce.Problems[0].Value, shown) {
						t.Errorf("message %q shows the secret %q", msg, shown)
					}
					if !strings.Contains(msg, "(redacted)") {
						t.Errorf("message %q does not say the value is redacted", msg)
					}
				} else if sv, err := yamlValue(v); err == nil && !strings.Contains(msg, fmt.Sprint(sv)) && !(sv == nil && strings.Contains(msg, "null")) {
					t.Errorf("message %q does not name the value %v", msg, sv)
				}
				// A refused value changes nothing.
				if after := c.Entries(); !slices.Equal(before, after) {
					t.Errorf("the refused value changed the config:\n%v\n%v", before, after)
				}
			})
		}
	}
}

// TestSetRefusedKeepsValue: a refused value leaves the setting as it was
// (before the fix a bad dry_run turned dry run off and a bad port left
// port 0).
func TestSetRefusedKeepsValue(t *testing.T) {
	c := Defaults()
	for _, tc := range []struct {
		key string
		v   any
	}{
		{"dry_run", "maybe"}, {"broker.port", 70000}, {"risk.stop_loss_pct", 1.5}, {"schedule.interval_seconds", 5},
		{"risk.min_available_funds", -5}, {"options.min_volume", -1}, {"broker.client_id", -1}, {"symbols", []any{}},
	} {
		ce := configError(t, c.Set(tc.key, tc.v))
		if ce.Source != "flags" || !strings.Contains(ce.Error(), tc.key) || !strings.Contains(ce.Error(), fmt.Sprint(tc.v)) {
			t.Errorf("Set(%s, %v): %v", tc.key, tc.v, ce)
		}
	}
	want := Defaults()
	if got := c.Entries(); !slices.Equal(got, want.Entries()) {
		t.Errorf("refused values changed the config:\n got %v\nwant %v", got, want.Entries())
	}
	if !c.DryRun || c.Broker.Port != 4002 || c.Risk.StopLossPct != 0.2 || c.Risk.MinAvailableFunds.String() != "500" {
		t.Errorf("dry_run %v, port %d, stop %v, min funds %s", c.DryRun, c.Broker.Port, c.Risk.StopLossPct, c.Risk.MinAvailableFunds)
	}
}

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		path func(t *testing.T) string
	}{
		{"no file", func(*testing.T) string { return "" }},
		{"empty file", func(t *testing.T) string { return writeFile(t, "") }},
		{"comments only", func(t *testing.T) string { return writeFile(t, "# nothing set\n\n") }},
		{"empty sections", func(t *testing.T) string {
			return writeFile(t, "broker:\nrisk:\n  # stop_loss_pct: 0.3\nmonitoring:\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.path(t), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Symbols, []string{"SPY", "QQQ"}) || !c.DryRun || c.Broker.Host != "127.0.0.1" || c.Broker.Port != 4002 ||
				c.Broker.ClientID != 1 || c.Broker.ReadOnly {
				t.Errorf("symbols/dry_run/broker: %+v %v %+v", c.Symbols, c.DryRun, c.Broker)
			}
			r := c.Risk
			if r.MaxRiskPctPerTrade != 0.01 || r.MaxDailyLossPct != 0.15 || r.TakeProfitPct != nil || r.StopLossPct != 0.2 ||
				r.ResetDailyGuardOnStart || r.MaxOpenPositions != 3 || !r.MinAvailableFunds.Equal(decimal.NewFromInt(500)) {
				t.Errorf("risk: %+v", r)
			}
			if c.Schedule != (ScheduleConfig{IntervalSeconds: 180, MaxConcurrentSymbols: 2}) {
				t.Errorf("schedule: %+v", c.Schedule)
			}
			o := c.Options
			if o.Expiry != optchain.Weekly() || o.Moneyness != optchain.ATM() || o.MaxSpreadPct != 2 || !o.MaxSpread.Equal(decimal.RequireFromString("0.1")) ||
				o.MinVolume != 50 || o.StrikeCount != 3 || o.EntryPrice != "ask" {
				t.Errorf("options: %+v", o)
			}
			if c.Historical != (HistoricalConfig{Duration: "3600 S", BarSize: "1 min", WhatToShow: "TRADES", UseRTH: true, TimeoutSeconds: 90}) {
				t.Errorf("historical: %+v", c.Historical)
			}
			if c.Monitoring != (MonitoringConfig{AlertsEnabled: true, TelegramAPIURL: "https://api.telegram.org"}) {
				t.Errorf("monitoring: %+v", c.Monitoring)
			}
			if c.Strategy.Name != "daily_volume_rules" {
				t.Errorf("strategy: %q", c.Strategy.Name)
			}
			for _, k := range Keys() {
				if c.Sources[k] != "default" {
					t.Errorf("source of %s: %q, want default", k, c.Sources[k])
				}
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope", "settings.yaml")
	_, err := Load(p, noEnv)
	ce := configError(t, err)
	if ce.Source != p || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("error %q: want the path %s and that it does not exist", err, p)
	}
}

func TestMalformedYAML(t *testing.T) {
	for _, tc := range []struct {
		name, text, line string
	}{
		{"unclosed list", "dry_run: true\nbroker:\n  port: 4002\nsymbols: [SPY, QQQ\n", "line 4"},
		{"unclosed quote", "dry_run: true\nhistorical:\n  duration: \"3600 S\n", "line 3"},
		{"duplicate key", "dry_run: true\nbroker:\n  port: 4002\n  port: 4001\n", "line 4"},
		{"a list, not a mapping", "- SPY\n- QQQ\n", "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.text)
			_, err := Load(p, noEnv)
			ce := configError(t, err)
			msg := err.Error()
			if ce.Source != p || !strings.Contains(msg, p) || !strings.Contains(msg, tc.line) || !strings.Contains(msg, "not valid YAML") {
				t.Errorf("error %q: want the file %s, %q and \"not valid YAML\"", msg, p, tc.line)
			}
		})
	}
}

func TestUnknownKeys(t *testing.T) {
	for _, tc := range []struct {
		name, text, key string
		// lists is a key the message offers instead.
		lists string
	}{
		{"top level", "dry_run: true\nmode: live\n", "mode", "strategy.name"},
		{"nested typo", "risk:\n  max_risk: 0.02\n", "risk.max_risk", "risk.max_risk_pct_per_trade"},
		{"unknown section", "logging:\n  level: INFO\n", "logging.level", "dry_run"},
		{"deep", "broker:\n  tls:\n    verify: true\n", "broker.tls.verify", "broker.host"},
		{"section given a value", "risk: 0.02\n", "risk", "risk.stop_loss_pct"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			ce := configError(t, c.ParseYAML("settings.yaml", []byte(tc.text)))
			if len(ce.Problems) != 1 || ce.Problems[0].Key != tc.key {
				t.Fatalf("problems %+v, want one for %s", ce.Problems, tc.key)
			}
			if msg := ce.Error(); !strings.Contains(msg, tc.key) || !strings.Contains(msg, tc.lists) {
				t.Errorf("message %q: want %q and the known key %q", msg, tc.key, tc.lists)
			}
		})
	}
	// Unknown in the environment: IBBOT_ variables without a key are not
	// read at all, so they cannot be misread.
	c := Defaults()
	if err := c.ApplyEnv(envOf(map[string]string{"IBBOT_RISK_MAX_RISK": "0.5"})); err != nil {
		t.Fatal(err)
	}
	// Set names an unknown key.
	ce := configError(t, c.Set("risk.max_risk", 0.5))
	if !strings.Contains(ce.Error(), "risk.max_risk") || !strings.Contains(ce.Error(), "unknown key") {
		t.Errorf("Set: %v", ce)
	}
}

func TestSeveralProblemsListed(t *testing.T) {
	text := `symbols: []
broker:
  port: 70000
  client_id: 1
risk:
  stop_loss_pct: 1.5
  max_risk: 0.1
schedule:
  interval_seconds: 5
options:
  moneyness: deep
`
	p := writeFile(t, text)
	_, err := Load(p, noEnv)
	ce := configError(t, err)
	want := []string{"symbols", "broker.port", "risk.stop_loss_pct", "risk.max_risk", "schedule.interval_seconds", "options.moneyness"}
	var got []string
	for _, pr := range ce.Problems {
		got = append(got, pr.Key)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems for %v, want %v", got, want)
	}
	msg := err.Error()
	for _, w := range []string{p, "6 problems", "70000", "1..65535", "1.5", "less than 1", `"5"`, "10..3600", "deep"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	// The environment's problems are all listed too.
	c := Defaults()
	ce = configError(t, c.ApplyEnv(envOf(map[string]string{"IBBOT_BROKER_PORT": "0", "IBBOT_DRY_RUN": "maybe", "IBBOT_CLIENT_ID": "-3"})))
	if ce.Source != "environment" || len(ce.Problems) != 3 {
		t.Errorf("env problems %+v from %q", ce.Problems, ce.Source)
	}
}

func TestPrecedence(t *testing.T) {
	p := writeFile(t, `dry_run: false
symbols: [AAPL]
broker:
  port: 4001
  client_id: 7
risk:
  stop_loss_pct: 0.3
  take_profit_pct: 0.5
schedule:
  interval_seconds: 60
`)
	env := map[string]string{
		"IBBOT_BROKER_PORT":                 "4003",
		"IBBOT_RISK_STOP_LOSS_PCT":          "0.25",
		"IBBOT_SYMBOLS":                     "SPY,iwm",
		"IBBOT_DRY_RUN":                     "1",
		"IBBOT_RISK_TAKE_PROFIT_PCT":        "null",
		"IBBOT_HISTORICAL_DURATION":         "5 D",
		"IBBOT_MONITORING_TELEGRAM_CHAT_ID": "-1001234567890",
		"IBBOT_HOST":                        "gw.example",
		"UNRELATED":                         "x",
	}
	c, err := Load(p, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Broker.Port != 4003 || c.Risk.StopLossPct != 0.25 || !slices.Equal(c.Symbols, []string{"SPY", "IWM"}) || !c.DryRun ||
		c.Risk.TakeProfitPct != nil || c.Historical.Duration != "5 D" || c.Monitoring.TelegramChatID != "-1001234567890" ||
		c.Broker.Host != "gw.example" || c.Broker.ClientID != 7 || c.Schedule.IntervalSeconds != 60 {
		t.Errorf("env over file: %+v %+v %v %v %+v", c.Broker, c.Risk, c.Symbols, c.DryRun, c.Schedule)
	}
	// Flags over the environment.
	if err := c.Set("broker.port", 4004); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("symbols", "QQQ"); err != nil {
		t.Fatal(err)
	}
	if c.Broker.Port != 4004 || !slices.Equal(c.Symbols, []string{"QQQ"}) {
		t.Errorf("flag over env: port %d symbols %v", c.Broker.Port, c.Symbols)
	}
	want := map[string]string{
		"broker.port": "flag", "symbols": "flag", "risk.stop_loss_pct": "env", "dry_run": "env", "risk.take_profit_pct": "env",
		"broker.host": "env", "broker.client_id": "file", "schedule.interval_seconds": "file", "options.expiry": "default",
		"historical.duration": "env", "monitoring.telegram_chat_id": "env", "strategy.name": "default",
	}
	for k, src := range want {
		if c.Sources[k] != src {
			t.Errorf("source of %s: %q, want %q", k, c.Sources[k], src)
		}
	}
	entries := map[string]Entry{}
	for _, e := range c.Entries() {
		entries[e.Key] = e
	}
	if e := entries["broker.port"]; e.Value != "4004" || e.Source != "flag" {
		t.Errorf("entry %+v", e)
	}
	if e := entries["broker.client_id"]; e.Value != "7" || e.Source != "file" {
		t.Errorf("entry %+v", e)
	}
	// An environment variable's bad value is an error naming the key.
	_, err = Load(p, envOf(map[string]string{"IBBOT_SCHEDULE_MAX_CONCURRENT_SYMBOLS": "64"}))
	ce := configError(t, err)
	if ce.Source != "environment" || !strings.Contains(err.Error(), "schedule.max_concurrent_symbols") || !strings.Contains(err.Error(), "64") ||
		!strings.Contains(err.Error(), "1..32") {
		t.Errorf("env error %q", err)
	}
}

func TestEntriesRedactSecrets(t *testing.T) {
	c := Defaults()
	secrets := map[string]string{
		"monitoring.heartbeat_url":       "https://hc.example.com/ping/s3cr3t-uuid",
		"monitoring.discord_webhook_url": "https://discord.com/api/webhooks/1/s3cr3t",
		"monitoring.slack_webhook_url":   "https://hooks.slack.com/services/T/B/s3cr3t",
		"monitoring.telegram_bot_token":  "123456:s3cr3t",
	}
	for k, v := range secrets {
		if err := c.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Set("monitoring.telegram_chat_id", "@alerts_room"); err != nil {
		t.Fatal(err)
	}
	if c.Monitoring.DiscordWebhookURL != secrets["monitoring.discord_webhook_url"] {
		t.Errorf("the config itself holds the secret: %q", c.Monitoring.DiscordWebhookURL)
	}
	seen := 0
	for _, e := range c.Entries() {
		if strings.Contains(e.Value, "s3cr3t") {
			t.Errorf("%s shows its secret: %q", e.Key, e.Value)
		}
		if _, ok := secrets[e.Key]; ok {
			seen++
			if e.Value != "(redacted)" || e.Source != "flag" {
				t.Errorf("%+v: want (redacted) from flag", e)
			}
		}
		if e.Key == "monitoring.telegram_chat_id" && e.Value != "@alerts_room" {
			t.Errorf("chat id %q: not a secret, shown as is", e.Value)
		}
	}
	if seen != len(secrets) {
		t.Errorf("%d secret entries, want %d", seen, len(secrets))
	}
	// Unset secrets show as null, not as "(redacted)".
	d := Defaults()
	for _, e := range d.Entries() {
		if settingFor(e.Key).secret && e.Value != "null" {
			t.Errorf("unset %s shows %q", e.Key, e.Value)
		}
	}
}

// oldBotSettings is the old bot's settings.yaml with every key of the
// table in seed-bot.md, in its spelling.
const oldBotSettings = `symbols: [SPY, QQQ]
dry_run: false
broker:
  host: 127.0.0.1
  port: 4002
  client_id: 1
  read_only: false
risk:
  max_risk_pct_per_trade: 0.01
  max_daily_loss_pct: 0.15
  take_profit_pct: null
  stop_loss_pct: 0.20
  reset_daily_guard_on_start: false
schedule:
  interval_seconds: 180
  max_concurrent_symbols: 2
options:
  expiry: weekly
  moneyness: itmp1
  max_spread_pct: 2.0
  min_volume: 50
  strike_count: 3
historical:
  duration: "3600 S"
  bar_size: "1 min"
  what_to_show: TRADES
  use_rth: true
  timeout: 90
monitoring:
  alerts_enabled: true
  heartbeat_url: ""
  discord_webhook_url: null
  slack_webhook_url: ""
  telegram_bot_token: ""
  telegram_chat_id: ""
`

func TestOldBotSettingsLoad(t *testing.T) {
	c, err := Load(writeFile(t, oldBotSettings), noEnv)
	if err != nil {
		t.Fatalf("the old bot's settings.yaml: %v", err)
	}
	if c.DryRun || c.Options.Moneyness != optchain.ITM(1) || c.Risk.TakeProfitPct != nil || c.Historical.TimeoutSeconds != 90 {
		t.Errorf("dry_run %v moneyness %v tp %v timeout %d", c.DryRun, c.Options.Moneyness, c.Risk.TakeProfitPct, c.Historical.TimeoutSeconds)
	}
	// Every key of the old bot is a key of ibbot, read from the file.
	old := []string{"symbols", "dry_run", "broker.host", "broker.port", "broker.client_id", "broker.read_only",
		"risk.max_risk_pct_per_trade", "risk.max_daily_loss_pct", "risk.take_profit_pct", "risk.stop_loss_pct", "risk.reset_daily_guard_on_start",
		"schedule.interval_seconds", "schedule.max_concurrent_symbols", "options.expiry", "options.moneyness", "options.max_spread_pct",
		"options.min_volume", "options.strike_count", "historical.duration", "historical.bar_size", "historical.what_to_show",
		"historical.use_rth", "historical.timeout", "monitoring.alerts_enabled", "monitoring.heartbeat_url",
		"monitoring.discord_webhook_url", "monitoring.slack_webhook_url", "monitoring.telegram_bot_token", "monitoring.telegram_chat_id"}
	for _, k := range old {
		if c.Sources[k] != "file" {
			t.Errorf("old key %s: source %q, want file", k, c.Sources[k])
		}
	}
	if err := c.Set("options.moneyness", "otmp1"); err != nil || c.Options.Moneyness != optchain.OTM(1) {
		t.Errorf("otmp1: %v %v", c.Options.Moneyness, err)
	}
}

// TestOldBotRealFileKeys: the old repository's own configs/settings.yaml
// also carries paper_trading, logging.level and
// risk.max_risk_per_trade_pct, which are not keys of the table; they are
// refused by name (none is silently ignored).
func TestOldBotRealFileKeys(t *testing.T) {
	text := "paper_trading: true\ndry_run: true\nrisk:\n  max_risk_per_trade_pct: 0.2\nlogging:\n  level: \"INFO\"\n"
	c := Defaults()
	ce := configError(t, c.ParseYAML("settings.yaml", []byte(text)))
	for _, k := range []string{"paper_trading", "risk.max_risk_per_trade_pct", "logging.level"} {
		if !strings.Contains(ce.Error(), k) {
			t.Errorf("message %q does not name %s", ce.Error(), k)
		}
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"dry_run": "IBBOT_DRY_RUN", "risk.stop_loss_pct": "IBBOT_RISK_STOP_LOSS_PCT", "options.expiry": "IBBOT_OPTIONS_EXPIRY",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%s) = %s, want %s", key, got, want)
		}
	}
	// Every key is reachable from the environment.
	for _, k := range Keys() {
		vc := valueCases[k]
		if len(vc.good) == 0 {
			continue
		}
		v := strings.Trim(vc.good[0], `"`)
		if v == "" || v == "null" {
			v = strings.Trim(vc.good[len(vc.good)-1], `"`)
		}
		c := Defaults()
		if err := c.ApplyEnv(envOf(map[string]string{EnvName(k): v})); err != nil {
			t.Errorf("%s=%s: %v", EnvName(k), v, err)
			continue
		}
		if c.Sources[k] != "env" {
			t.Errorf("%s=%s: source %q", EnvName(k), v, c.Sources[k])
		}
	}
}
