package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/botflags"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// NewCmdConfig returns "config" with its subcommands.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Check, show or write the bot's settings",
		Long: `Work with the bot's settings.yaml: "check" validates a file (with the
IBBOT_* environment) and lists every problem; "example" prints a complete,
commented file with every key at its default; "show" prints the effective
configuration after the file, the environment and flags, with secrets
redacted and where each value came from.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.FlagErrorf("config needs a command: check, example or show")
		},
	}
	cmd.AddCommand(newCmdCheck(f), newCmdExample(f), newCmdShow(f))
	return cmd
}

func newCmdCheck(f *cmdutil.Factory) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate a settings file and list every problem",
		Long: `Validate --config FILE (else $IBBOT_CONFIG) together with the IBBOT_*
environment: every problem is listed with its key, the value and what is
allowed, and the exit status is 2 if there is any.`,
		Example: `  ibbot config check --config settings.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			getenv := f.Env()
			if path == "" {
				path = getenv("IBBOT_CONFIG")
			}
			if path == "" {
				return cmdutil.FlagErrorf("config check needs --config FILE (or IBBOT_CONFIG)")
			}
			c, err := bot.Load(path, getenv)
			if err != nil {
				var ce *bot.ConfigError
				if errors.As(err, &ce) {
					return &cmdutil.FlagError{Err: err}
				}
				return err
			}
			n := 0
			for _, e := range c.Entries() {
				if e.Source != "default" {
					n++
				}
			}
			fmt.Fprintf(f.IO.Out, "%s: ok (%d of %d keys set, the rest at their defaults)\n", path, n, len(bot.Keys()))
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "settings `FILE` to check")
	return cmd
}

func newCmdExample(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "example",
		Short:   "Print a complete commented settings.yaml",
		Long:    `Print a settings.yaml with every key at its default, each commented with what it does and what is allowed. It passes "config check" as it is.`,
		Example: `  ibbot config example > settings.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(f.IO.Out, bot.Example())
			return err
		},
	}
}

// ShowEntry is one key of "config show --json".
type ShowEntry struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var (
		ov       botflags.Overrides
		gw       cmdutil.GatewayOptions
		asJSON   bool
		onlySet  bool
		hostFlag string
		portFlag int
		idFlag   int64
	)
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the effective configuration and where each value came from",
		Long: `Print every key's effective value after the file (--config or $IBBOT_CONFIG),
the IBBOT_* environment and the flags below, as "ibbot run" would see it:
key, value and source (default, file, env or flag). Webhook URLs and tokens
are shown as (redacted).`,
		Example: `  ibbot config show --config settings.yaml
  IBBOT_RISK_STOP_LOSS_PCT=0.3 ibbot config show --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gw.Host, gw.Port, gw.ClientID = hostFlag, portFlag, idFlag
			c, err := ov.Load(cmd, f.Env(), &gw)
			if err != nil {
				return err
			}
			entries := c.Entries()
			if onlySet {
				kept := entries[:0]
				for _, e := range entries {
					if e.Source != "default" {
						kept = append(kept, e)
					}
				}
				entries = kept
			}
			if asJSON {
				out := make([]ShowEntry, len(entries))
				for i, e := range entries {
					out[i] = ShowEntry(e)
				}
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Key, e.Value, e.Source)
			}
			return tw.Flush()
		},
	}
	botflags.Add(cmd, &ov)
	fl := cmd.Flags()
	fl.StringVar(&hostFlag, "host", "", "overrides broker.host")
	fl.IntVar(&portFlag, "port", 0, "overrides broker.port")
	fl.Int64Var(&idFlag, "client-id", 0, "overrides broker.client_id")
	fl.BoolVar(&asJSON, "json", false, "print a JSON array of {key, value, source}")
	fl.BoolVar(&onlySet, "changed", false, "only the keys not at their defaults")
	return cmd
}
