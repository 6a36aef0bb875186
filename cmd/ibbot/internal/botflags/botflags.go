package botflags

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// Overrides are the parsed override flags.
type Overrides struct {
	ConfigPath    string
	Symbols       string
	MaxConcurrent int
	Interval      time.Duration
	Strategy      string
}

// Add registers --config, --symbols, --max-concurrent, --interval and
// --strategy on cmd.
func Add(cmd *cobra.Command, o *Overrides) {
	fl := cmd.Flags()
	fl.StringVar(&o.ConfigPath, "config", "", "settings `FILE` (YAML; the old bot's keys and ibbot's, see docs/bot.md; env IBBOT_CONFIG); none: the defaults")
	fl.StringVar(&o.Symbols, "symbols", "", "symbols to trade, comma-separated (e.g. SPY,QQQ,AAPL); overrides symbols")
	fl.IntVar(&o.MaxConcurrent, "max-concurrent", 0, "symbols processed at once, 1..32; overrides schedule.max_concurrent_symbols")
	fl.DurationVar(&o.Interval, "interval", 0, "time between cycles, 10s..1h; overrides schedule.interval_seconds")
	fl.StringVar(&o.Strategy, "strategy", "", "daily_volume_rules, scalp_rules or whale_rules; overrides strategy.name")
}

// Load reads the configuration: the file (--config, else $IBBOT_CONFIG),
// the environment, then the flags cmd was given, including the gateway
// flags --host, --port and --client-id when gw is not nil. Every problem
// is a usage error (exit 2).
func (o *Overrides) Load(cmd *cobra.Command, getenv func(string) string, gw *cmdutil.GatewayOptions) (bot.Config, error) {
	fl := cmd.Flags()
	if o.ConfigPath == "" {
		o.ConfigPath = getenv("IBBOT_CONFIG")
	}
	cfg, err := bot.Load(o.ConfigPath, getenv)
	if err != nil {
		return cfg, &cmdutil.FlagError{Err: err}
	}
	type set struct {
		flag, key string
		v         func() any
	}
	sets := []set{
		{"symbols", "symbols", func() any { return o.Symbols }},
		{"max-concurrent", "schedule.max_concurrent_symbols", func() any { return o.MaxConcurrent }},
		{"interval", "schedule.interval_seconds", func() any { return int64(o.Interval / time.Second) }},
		{"strategy", "strategy.name", func() any { return o.Strategy }},
	}
	if gw != nil {
		sets = append(sets,
			set{"host", "broker.host", func() any { return gw.Host }},
			set{"port", "broker.port", func() any { return gw.Port }},
			set{"client-id", "broker.client_id", func() any { return gw.ClientID }})
	}
	for _, s := range sets {
		if !fl.Changed(s.flag) {
			continue
		}
		if s.flag == "interval" && o.Interval%time.Second != 0 {
			return cfg, cmdutil.FlagErrorf("invalid --interval %v: want whole seconds from 10s to 1h", o.Interval)
		}
		if err := cfg.Set(s.key, s.v()); err != nil {
			return cfg, &cmdutil.FlagError{Err: err}
		}
	}
	return cfg, nil
}
