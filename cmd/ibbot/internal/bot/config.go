package bot

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/optchain"
)

// Config is the bot's configuration: the old bot's settings.yaml keys
// plus ibbot's own. Every field has the default its key's table row
// names (docs/bot.md).
type Config struct {
	Symbols []string
	DryRun  bool

	Broker     BrokerConfig
	Risk       RiskConfig
	Schedule   ScheduleConfig
	Options    OptionsConfig
	Historical HistoricalConfig
	Monitoring MonitoringConfig
	Strategy   StrategyConfig

	// Sources says where each key's value came from: "default", "file",
	// "env" or "flag".
	Sources map[string]string
}

// BrokerConfig is broker.*.
type BrokerConfig struct {
	Host     string
	Port     int
	ClientID int64
	ReadOnly bool
}

// RiskConfig is risk.*.
type RiskConfig struct {
	MaxRiskPctPerTrade     float64
	MaxDailyLossPct        float64
	TakeProfitPct          *float64 // nil: no take-profit leg
	StopLossPct            float64
	ResetDailyGuardOnStart bool
	MaxOpenPositions       int
	MinAvailableFunds      decimal.Decimal
}

// ScheduleConfig is schedule.*.
type ScheduleConfig struct {
	IntervalSeconds      int
	MaxConcurrentSymbols int
}

// OptionsConfig is options.*.
type OptionsConfig struct {
	Expiry       optchain.ExpiryRule
	Moneyness    optchain.Moneyness
	MaxSpreadPct float64
	MaxSpread    decimal.Decimal
	MinVolume    int64
	StrikeCount  int
	EntryPrice   string // ask or mid
}

// HistoricalConfig is historical.*.
type HistoricalConfig struct {
	Duration       string
	BarSize        string
	WhatToShow     string
	UseRTH         bool
	TimeoutSeconds int
}

// MonitoringConfig is monitoring.*. The URLs and the token are secrets:
// Redacted shows them masked.
type MonitoringConfig struct {
	AlertsEnabled     bool
	HeartbeatURL      string
	DiscordWebhookURL string
	SlackWebhookURL   string
	TelegramBotToken  string
	TelegramChatID    string
	TelegramAPIURL    string
}

// StrategyConfig is strategy.*.
type StrategyConfig struct {
	Name string
	// ConfirmWithExitRule skips an entry the exit rule (EMA-20 on 1-hour
	// bars) would close at once.
	ConfirmWithExitRule bool
}

// Problem is one bad setting: the key, the value given and what is
// allowed.
type Problem struct {
	Key, Value, Allowed string
}

func (p Problem) String() string {
	if p.Value == "" {
		return fmt.Sprintf("%s: %s", p.Key, p.Allowed)
	}
	return fmt.Sprintf("%s: %s: want %s", p.Key, p.Value, p.Allowed)
}

// ConfigError lists every problem of a configuration, not only the first.
type ConfigError struct {
	// Source is the file or the environment the problems came from.
	Source   string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		fmt.Fprintf(&b, "config %s: %s", e.Source, e.Problems[0])
		return b.String()
	}
	fmt.Fprintf(&b, "config %s: %d problems:", e.Source, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// setting is one key: its default, how to set it from a decoded value, how
// to show it.
type setting struct {
	key     string
	def     string // the default as YAML text
	allowed string
	help    string
	secret  bool
	set     func(c *Config, v any) error
	get     func(c *Config) string
}

// errAllowed marks a value outside the allowed range; the message is the
// setting's allowed text.
var errAllowed = errors.New("not allowed")

var (
	durationRE = regexp.MustCompile(`^[1-9][0-9]{0,5} [SDWMY]$`)
	symbolRE   = regexp.MustCompile(`^[A-Z][A-Z0-9.]{0,11}$`)
	tokenRE    = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$`)
	chatIDRE   = regexp.MustCompile(`^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$`)
	barSizes   = []string{"1 secs", "5 secs", "10 secs", "15 secs", "30 secs", "1 min", "2 mins", "3 mins", "5 mins", "10 mins",
		"15 mins", "20 mins", "30 mins", "1 hour", "2 hours", "3 hours", "4 hours", "8 hours", "1 day", "1 week", "1 month"}
	whatToShow = []string{"TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK"}
	strategies = []string{"daily_volume_rules", "scalp_rules", "whale_rules"}
)

func asBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int, int64, uint64:
		switch fmt.Sprint(x) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0":
			return false, nil
		}
	}
	return false, errAllowed
}

func asInt(v any, lo, hi int64) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt64 {
			return 0, errAllowed
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1e15 {
			return 0, errAllowed
		}
		n = int64(x)
	case string:
		p, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, errAllowed
		}
		n = p
	default:
		return 0, errAllowed
	}
	if n < lo || n > hi {
		return 0, errAllowed
	}
	return n, nil
}

func asFloat(v any, lo, hi float64, loOpen bool) (float64, error) {
	return asFloatIn(v, lo, hi, loOpen, false)
}

// asFloatIn is asFloat with an upper bound that may be open too.
func asFloatIn(v any, lo, hi float64, loOpen, hiOpen bool) (float64, error) {
	var f float64
	switch x := v.(type) {
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case uint64:
		f = float64(x)
	case float64:
		f = x
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, errAllowed
		}
		f = p
	default:
		return 0, errAllowed
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f > hi || f < lo || (loOpen && f == lo) || (hiOpen && f == hi) {
		return 0, errAllowed
	}
	return f, nil
}

func asString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case nil:
		return "", nil
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", errAllowed
}

func asURL(v any) (string, error) {
	s, err := asString(v)
	if err != nil || s == "" {
		return s, err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errAllowed
	}
	return s, nil
}

func fstr(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// settings is every key, in the order docs/bot.md and `config example`
// list them.
var settings = []setting{
	{key: "symbols", def: "[SPY, QQQ]", allowed: "a list of 1 to 50 distinct tickers such as [SPY, QQQ, AAPL] (a letter, then up to 11 letters, digits or dots)", help: "underlyings the bot trades",
		set: func(c *Config, v any) error {
			var list []string
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					s, err := asString(e)
					if err != nil {
						return errAllowed
					}
					list = append(list, s)
				}
			case string:
				for _, s := range strings.Split(x, ",") {
					if s = strings.TrimSpace(s); s != "" {
						list = append(list, s)
					}
				}
			default:
				return errAllowed
			}
			if len(list) < 1 || len(list) > 50 {
				return errAllowed
			}
			seen := map[string]bool{}
			for i, s := range list {
				s = strings.ToUpper(s)
				if !symbolRE.MatchString(s) || seen[s] {
					return errAllowed
				}
				seen[s] = true
				list[i] = s
			}
			c.Symbols = list
			return nil
		},
		get: func(c *Config) string { return "[" + strings.Join(c.Symbols, ", ") + "]" }},
	{key: "dry_run", def: "true", allowed: "true or false", help: "log and journal orders, send none (live needs dry_run: false and --live)",
		set: func(c *Config, v any) (err error) { c.DryRun, err = asBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.DryRun) }},
	{key: "broker.host", def: "127.0.0.1", allowed: "a host name or IP address", help: "IB Gateway or TWS host",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil || s == "" || strings.ContainsAny(s, " /") {
				return errAllowed
			}
			c.Broker.Host = s
			return nil
		},
		get: func(c *Config) string { return c.Broker.Host }},
	{key: "broker.port", def: "4002", allowed: "1..65535 (4002/4001 paper/live Gateway, 7497/7496 paper/live TWS)", help: "API port",
		set: func(c *Config, v any) error {
			n, err := asInt(v, 1, 65535)
			c.Broker.Port = int(n)
			return err
		},
		get: func(c *Config) string { return strconv.Itoa(c.Broker.Port) }},
	{key: "broker.client_id", def: "1", allowed: "0..2147483647", help: "API client id (one bot per client id)",
		set: func(c *Config, v any) (err error) { c.Broker.ClientID, err = asInt(v, 0, math.MaxInt32); return },
		get: func(c *Config) string { return strconv.FormatInt(c.Broker.ClientID, 10) }},
	{key: "broker.read_only", def: "false", allowed: "true or false", help: "when true, no order message is ever sent",
		set: func(c *Config, v any) (err error) { c.Broker.ReadOnly, err = asBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Broker.ReadOnly) }},
	{key: "risk.max_risk_pct_per_trade", def: "0.01", allowed: "more than 0 and at most 0.25 (0.01 is 1% of equity at risk per trade)", help: "equity risked per trade, as a fraction",
		set: func(c *Config, v any) (err error) { c.Risk.MaxRiskPctPerTrade, err = asFloat(v, 0, 0.25, true); return },
		get: func(c *Config) string { return fstr(c.Risk.MaxRiskPctPerTrade) }},
	{key: "risk.max_daily_loss_pct", def: "0.15", allowed: "more than 0 and at most 1", help: "stop new entries when the day's loss reaches this fraction of start-of-day equity",
		set: func(c *Config, v any) (err error) { c.Risk.MaxDailyLossPct, err = asFloat(v, 0, 1, true); return },
		get: func(c *Config) string { return fstr(c.Risk.MaxDailyLossPct) }},
	{key: "risk.take_profit_pct", def: "null", allowed: "null (no take-profit) or more than 0 and at most 10 (0.5 is +50% of the premium)", help: "take-profit leg at premium x (1 + this); null: none",
		set: func(c *Config, v any) error {
			if v == nil {
				c.Risk.TakeProfitPct = nil
				return nil
			}
			if s, ok := v.(string); ok && (strings.TrimSpace(s) == "" || strings.EqualFold(strings.TrimSpace(s), "null")) {
				c.Risk.TakeProfitPct = nil
				return nil
			}
			f, err := asFloat(v, 0, 10, true)
			if err != nil {
				return err
			}
			c.Risk.TakeProfitPct = &f
			return nil
		},
		get: func(c *Config) string {
			if c.Risk.TakeProfitPct == nil {
				return "null"
			}
			return fstr(*c.Risk.TakeProfitPct)
		}},
	{key: "risk.stop_loss_pct", def: "0.20", allowed: "more than 0 and less than 1 (0.2 is -20% of the premium)", help: "stop-loss leg at premium x (1 - this)",
		set: func(c *Config, v any) error {
			f, err := asFloatIn(v, 0, 1, true, true)
			if err != nil {
				return err
			}
			c.Risk.StopLossPct = f
			return nil
		},
		get: func(c *Config) string { return fstr(c.Risk.StopLossPct) }},
	{key: "risk.reset_daily_guard_on_start", def: "false", allowed: "true or false", help: "take today's start-of-day equity afresh when the bot starts",
		set: func(c *Config, v any) (err error) { c.Risk.ResetDailyGuardOnStart, err = asBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Risk.ResetDailyGuardOnStart) }},
	{key: "risk.max_open_positions", def: "3", allowed: "1..100", help: "no new entry while this many positions are open",
		set: func(c *Config, v any) error {
			n, err := asInt(v, 1, 100)
			c.Risk.MaxOpenPositions = int(n)
			return err
		},
		get: func(c *Config) string { return strconv.Itoa(c.Risk.MaxOpenPositions) }},
	{key: "risk.min_available_funds", def: "500", allowed: "0..1000000000 (USD)", help: "no new entry while AvailableFunds is below this",
		set: func(c *Config, v any) error {
			f, err := asFloat(v, 0, 1e9, false)
			c.Risk.MinAvailableFunds = decimal.NewFromFloat(f)
			return err
		},
		get: func(c *Config) string { return c.Risk.MinAvailableFunds.String() }},
	{key: "schedule.interval_seconds", def: "180", allowed: "10..3600", help: "seconds between cycles (aligned to the clock)",
		set: func(c *Config, v any) error {
			n, err := asInt(v, 10, 3600)
			c.Schedule.IntervalSeconds = int(n)
			return err
		},
		get: func(c *Config) string { return strconv.Itoa(c.Schedule.IntervalSeconds) }},
	{key: "schedule.max_concurrent_symbols", def: "2", allowed: "1..32", help: "symbols processed at once",
		set: func(c *Config, v any) error {
			n, err := asInt(v, 1, 32)
			c.Schedule.MaxConcurrentSymbols = int(n)
			return err
		},
		get: func(c *Config) string { return strconv.Itoa(c.Schedule.MaxConcurrentSymbols) }},
	{key: "options.expiry", def: "weekly", allowed: "weekly, monthly or dte:MIN-MAX with 0 <= MIN <= MAX <= 3650 days (e.g. dte:7-45)", help: "which expiry to trade",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil {
				return err
			}
			// first:N (or a bare N) is not an expiry rule for a bot.
			r, err := optchain.ParseExpiryRule(s)
			if err != nil || r.Kind == optchain.ExpiryFirst {
				return errAllowed
			}
			c.Options.Expiry = r
			return nil
		},
		get: func(c *Config) string { return c.Options.Expiry.String() }},
	{key: "options.moneyness", def: "atm", allowed: "atm, itmK or otmK with K 1..20 strikes (itmp1/otmp1 accepted)", help: "target strike, counted in strikes for the signal's right",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil {
				return err
			}
			m, err := optchain.ParseMoneyness(s)
			if err != nil {
				return errAllowed
			}
			c.Options.Moneyness = m
			return nil
		},
		get: func(c *Config) string { return c.Options.Moneyness.String() }},
	{key: "options.max_spread_pct", def: "2.0", allowed: "0..100 (percent of mid; 0 turns the limit off)", help: "widest bid-ask spread in percent of mid",
		set: func(c *Config, v any) (err error) { c.Options.MaxSpreadPct, err = asFloat(v, 0, 100, false); return },
		get: func(c *Config) string { return fstr(c.Options.MaxSpreadPct) }},
	{key: "options.max_spread", def: "0.10", allowed: "0..100 (USD; 0 turns the limit off)", help: "widest spread in dollars; a spread within either limit passes",
		set: func(c *Config, v any) error {
			f, err := asFloat(v, 0, 100, false)
			c.Options.MaxSpread = decimal.NewFromFloat(f)
			return err
		},
		get: func(c *Config) string { return c.Options.MaxSpread.String() }},
	{key: "options.min_volume", def: "50", allowed: "0..1000000000", help: "least contracts traded today",
		set: func(c *Config, v any) (err error) { c.Options.MinVolume, err = asInt(v, 0, 1e9); return },
		get: func(c *Config) string { return strconv.FormatInt(c.Options.MinVolume, 10) }},
	{key: "options.strike_count", def: "3", allowed: "1..10", help: "strikes around the target that are quoted and ranked",
		set: func(c *Config, v any) error {
			n, err := asInt(v, 1, 10)
			c.Options.StrikeCount = int(n)
			return err
		},
		get: func(c *Config) string { return strconv.Itoa(c.Options.StrikeCount) }},
	{key: "options.entry_price", def: "ask", allowed: "ask or mid", help: "the parent's limit: the option's ask or its mid",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			s = strings.ToLower(s)
			if err != nil || (s != "ask" && s != "mid") {
				return errAllowed
			}
			c.Options.EntryPrice = s
			return nil
		},
		get: func(c *Config) string { return c.Options.EntryPrice }},
	{key: "historical.duration", def: `"3600 S"`, allowed: `an IB duration: an integer 1..999999, a space and S, D, W, M or Y, e.g. "3600 S" or "5 D"`, help: "window of the signal's bars",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil || !durationRE.MatchString(s) {
				return errAllowed
			}
			c.Historical.Duration = s
			return nil
		},
		get: func(c *Config) string { return strconv.Quote(c.Historical.Duration) }},
	{key: "historical.bar_size", def: `"1 min"`, allowed: "one of " + strings.Join(barSizes, ", "), help: "bar size of the signal's bars",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil || !slices.Contains(barSizes, s) {
				return errAllowed
			}
			c.Historical.BarSize = s
			return nil
		},
		get: func(c *Config) string { return strconv.Quote(c.Historical.BarSize) }},
	{key: "historical.what_to_show", def: "TRADES", allowed: strings.Join(whatToShow, ", "), help: "data of the bars",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			s = strings.ToUpper(s)
			if err != nil || !slices.Contains(whatToShow, s) {
				return errAllowed
			}
			c.Historical.WhatToShow = s
			return nil
		},
		get: func(c *Config) string { return c.Historical.WhatToShow }},
	{key: "historical.use_rth", def: "true", allowed: "true or false", help: "regular trading hours only",
		set: func(c *Config, v any) (err error) { c.Historical.UseRTH, err = asBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Historical.UseRTH) }},
	{key: "historical.timeout", def: "90", allowed: "30..300 (seconds)", help: "a bars request that takes longer is an error (never \"no data\")",
		set: func(c *Config, v any) error {
			n, err := asInt(v, 30, 300)
			c.Historical.TimeoutSeconds = int(n)
			return err
		},
		get: func(c *Config) string { return strconv.Itoa(c.Historical.TimeoutSeconds) }},
	{key: "monitoring.alerts_enabled", def: "true", allowed: "true or false", help: "send alerts to the webhooks below",
		set: func(c *Config, v any) (err error) { c.Monitoring.AlertsEnabled, err = asBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Monitoring.AlertsEnabled) }},
	{key: "monitoring.heartbeat_url", def: "null", allowed: "null or an http(s) URL", help: "GET once per market-hours cycle", secret: true,
		set: func(c *Config, v any) (err error) { c.Monitoring.HeartbeatURL, err = asURL(v); return },
		get: func(c *Config) string { return c.Monitoring.HeartbeatURL }},
	{key: "monitoring.discord_webhook_url", def: "null", allowed: "null or an http(s) URL", help: "Discord webhook", secret: true,
		set: func(c *Config, v any) (err error) { c.Monitoring.DiscordWebhookURL, err = asURL(v); return },
		get: func(c *Config) string { return c.Monitoring.DiscordWebhookURL }},
	{key: "monitoring.slack_webhook_url", def: "null", allowed: "null or an http(s) URL", help: "Slack webhook", secret: true,
		set: func(c *Config, v any) (err error) { c.Monitoring.SlackWebhookURL, err = asURL(v); return },
		get: func(c *Config) string { return c.Monitoring.SlackWebhookURL }},
	{key: "monitoring.telegram_bot_token", def: "null", allowed: "null or a bot token: digits, a colon, then letters, digits, - or _ (123456:ABC-def_1)", help: "Telegram bot token", secret: true,
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil || (s != "" && !tokenRE.MatchString(s)) {
				return errAllowed
			}
			c.Monitoring.TelegramBotToken = s
			return nil
		},
		get: func(c *Config) string { return c.Monitoring.TelegramBotToken }},
	{key: "monitoring.telegram_chat_id", def: "null", allowed: "null or a chat id: an integer (-1001234567890) or @channelname", help: "Telegram chat",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil || (s != "" && !chatIDRE.MatchString(s)) {
				return errAllowed
			}
			c.Monitoring.TelegramChatID = s
			return nil
		},
		get: func(c *Config) string { return c.Monitoring.TelegramChatID }},
	{key: "monitoring.telegram_api_url", def: "https://api.telegram.org", allowed: "an http(s) URL", help: "Telegram's API base (tests and proxies point it elsewhere)",
		set: func(c *Config, v any) error {
			s, err := asURL(v)
			if err != nil || s == "" {
				return errAllowed
			}
			c.Monitoring.TelegramAPIURL = strings.TrimRight(s, "/")
			return nil
		},
		get: func(c *Config) string { return c.Monitoring.TelegramAPIURL }},
	{key: "strategy.name", def: "daily_volume_rules", allowed: strings.Join(strategies, ", "), help: "signal strategy",
		set: func(c *Config, v any) error {
			s, err := asString(v)
			if err != nil || !slices.Contains(strategies, s) {
				return errAllowed
			}
			c.Strategy.Name = s
			return nil
		},
		get: func(c *Config) string { return c.Strategy.Name }},
	{key: "strategy.confirm_with_exit_rule", def: "true", allowed: "true or false", help: "skip an entry the exit rule (EMA-20 on 1-hour bars) would close at once",
		set: func(c *Config, v any) (err error) { c.Strategy.ConfirmWithExitRule, err = asBool(v); return },
		get: func(c *Config) string { return strconv.FormatBool(c.Strategy.ConfirmWithExitRule) }},
}

func settingFor(key string) *setting {
	for i := range settings {
		if settings[i].key == key {
			return &settings[i]
		}
	}
	return nil
}

// Keys returns every configuration key in order.
func Keys() []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.key
	}
	return out
}

// Defaults returns the configuration with every default.
func Defaults() Config {
	c := Config{Sources: map[string]string{}}
	for _, s := range settings {
		v, err := yamlValue(s.def)
		if err != nil {
			panic("bot: default of " + s.key + ": " + err.Error())
		}
		if err := s.set(&c, v); err != nil {
			panic("bot: default of " + s.key + " refused")
		}
		c.Sources[s.key] = "default"
	}
	return c
}

// apply sets key to v from source, recording a problem if refused.
func (c *Config) apply(key string, v any, source string, probs *[]Problem) {
	s := settingFor(key)
	if s == nil {
		*probs = append(*probs, unknownKey(key, v))
		return
	}
	// Set on a copy: a refused value leaves c as it was (a bad dry_run
	// must not turn dry run off, a bad port must not leave port 0).
	next := *c
	if err := s.set(&next, v); err != nil {
		shown := fmt.Sprint(v)
		if s.secret {
			shown = redact(shown)
		}
		if v == nil {
			shown = "null"
		}
		*probs = append(*probs, Problem{Key: key, Value: strconv.Quote(shown), Allowed: s.allowed})
		return
	}
	*c = next
	c.Sources[key] = source
}

// sectionKeys returns the keys under section ("risk" gives risk.*), none
// when section is not one.
func sectionKeys(section string) []string {
	var out []string
	for _, s := range settings {
		if strings.HasPrefix(s.key, section+".") {
			out = append(out, s.key)
		}
	}
	return out
}

// unknownKey is the problem of a key no setting has: inside a known
// section it lists that section's keys, else every key.
func unknownKey(key string, v any) Problem {
	if in := sectionKeys(key); len(in) > 0 {
		return Problem{Key: key, Value: strconv.Quote(fmt.Sprint(v)), Allowed: "a section: a mapping of " + strings.Join(in, ", ")}
	}
	if i := strings.LastIndexByte(key, '.'); i > 0 {
		if in := sectionKeys(key[:i]); len(in) > 0 {
			return Problem{Key: key, Allowed: "unknown key; the keys of " + key[:i] + " are " + strings.Join(in, ", ")}
		}
	}
	return Problem{Key: key, Allowed: "unknown key; known keys are " + strings.Join(Keys(), ", ")}
}

// flatten walks a decoded YAML document into dotted keys. A section left
// empty (every key under "risk:" commented out) is no key at all.
func flatten(prefix string, m map[string]any, out map[string]any, order *[]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := m[k].(map[string]any); ok && settingFor(key) == nil {
			flatten(key, sub, out, order)
			continue
		}
		if m[k] == nil && settingFor(key) == nil && len(sectionKeys(key)) > 0 {
			continue
		}
		out[key] = m[k]
		*order = append(*order, key)
	}
}

// ParseYAML applies a settings.yaml document over c; every problem is
// listed.
func (c *Config) ParseYAML(source string, data []byte) error {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &ConfigError{Source: source, Problems: []Problem{{Key: "(file)", Allowed: yamlProblem(err)}}}
	}
	flat := map[string]any{}
	var order []string
	flatten("", doc, flat, &order)
	var probs []Problem
	for _, k := range order {
		c.apply(k, flat[k], "file", &probs)
	}
	if len(probs) > 0 {
		return &ConfigError{Source: source, Problems: probs}
	}
	return nil
}

// yamlPosRE is the "[line:column] " go-yaml starts its messages with.
var yamlPosRE = regexp.MustCompile(`^\[(\d+):(\d+)\]\s*`)

// yamlProblem says where and why a document is not valid YAML: "line 3,
// column 5: not valid YAML: mapping value is not allowed in this context".
func yamlProblem(err error) string {
	msg := firstLine(err.Error())
	if m := yamlPosRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("line %s, column %s: not valid YAML: %s", m[1], m[2], msg[len(m[0]):])
	}
	return "not valid YAML: " + msg
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// EnvName is the environment variable of a key: IBBOT_ and the key upper
// cased with dots as underscores (IBBOT_RISK_STOP_LOSS_PCT).
func EnvName(key string) string {
	return "IBBOT_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// envAliases are the connection variables every gateway command shares.
var envAliases = map[string]string{"IBBOT_HOST": "broker.host", "IBBOT_PORT": "broker.port", "IBBOT_CLIENT_ID": "broker.client_id"}

// ApplyEnv applies IBBOT_* variables over c (they win over the file).
func (c *Config) ApplyEnv(getenv func(string) string) error {
	var probs []Problem
	for _, s := range settings {
		if v := getenv(EnvName(s.key)); v != "" {
			before := len(probs)
			c.apply(s.key, envValue(v), "env", &probs)
			for i := before; i < len(probs); i++ {
				probs[i].Key += " (" + EnvName(s.key) + ")"
			}
		}
	}
	names := make([]string, 0, len(envAliases))
	for name := range envAliases {
		names = append(names, name)
	}
	slices.Sort(names) // problems in a stable order
	for _, name := range names {
		if v := getenv(name); v != "" {
			before := len(probs)
			c.apply(envAliases[name], envValue(v), "env", &probs)
			for i := before; i < len(probs); i++ {
				probs[i].Key += " (" + name + ")"
			}
		}
	}
	if len(probs) > 0 {
		return &ConfigError{Source: "environment", Problems: probs}
	}
	return nil
}

// envValue reads a variable's text as YAML (so lists and null work), or
// as the string itself.
func envValue(s string) any {
	v, err := yamlValue(s)
	if err != nil {
		return s
	}
	return v
}

// yamlValue decodes one YAML value.
func yamlValue(s string) (any, error) {
	var m map[string]any
	if err := yaml.Unmarshal([]byte("v: "+s), &m); err != nil {
		return nil, err
	}
	return m["v"], nil
}

// Set applies one value given on the command line (source "flag").
func (c *Config) Set(key string, v any) error {
	var probs []Problem
	c.apply(key, v, "flag", &probs)
	if len(probs) > 0 {
		return &ConfigError{Source: "flags", Problems: probs}
	}
	return nil
}

// Load is Defaults, then the file (if path is not empty), then the
// environment. A missing file named explicitly is an error.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Defaults()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return c, &ConfigError{Source: path, Problems: []Problem{{Key: "(file)", Allowed: "the file does not exist"}}}
			}
			return c, &ConfigError{Source: path, Problems: []Problem{{Key: "(file)", Allowed: "unreadable: " + err.Error()}}}
		}
		if err := c.ParseYAML(path, data); err != nil {
			// The environment's problems too: every problem at once.
			var fe, ee *ConfigError
			if errors.As(err, &fe) && errors.As(c.ApplyEnv(getenv), &ee) {
				fe.Source += " and the environment"
				fe.Problems = append(fe.Problems, ee.Problems...)
			}
			return c, err
		}
	}
	if err := c.ApplyEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// redact masks a secret, keeping its shape: "https://disc...(redacted)".
func redact(s string) string {
	if s == "" {
		return ""
	}
	return "(redacted)"
}

// Entry is one key of an effective configuration, as `config show`
// prints it.
type Entry struct {
	Key, Value, Source string
}

// Entries returns every key's value (secrets redacted) and source.
func (c *Config) Entries() []Entry {
	out := make([]Entry, 0, len(settings))
	for _, s := range settings {
		v := s.get(c)
		if s.secret && v != "" && v != "null" {
			v = redact(v)
		}
		if v == "" {
			v = "null"
		}
		out = append(out, Entry{Key: s.key, Value: v, Source: c.Sources[s.key]})
	}
	return out
}
