// Package status is the "ibbot status" command: is a bot running on a data
// dir, since when, against which Gateway.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/datadir"
)

// StatusOptions are the parsed flags of "ibbot status".
type StatusOptions struct {
	IO      *cmdutil.IOStreams
	DataDir string
	Sim     bool
	JSON    bool
	Getenv  func(string) string
	Now     func() time.Time
}

// NewCmdStatus returns the "status" command. runF, when not nil, replaces
// the work done after parsing.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Getenv: f.Env(), Now: f.Clock()}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether a bot is running on a data dir",
		Long: `Say whether an "ibbot run" holds the data dir's lock, and if so its PID, since
when it runs, its Gateway and client id (from the lock file it wrote). Exit
status 0 when a bot is running, 3 when none is.`,
		Example: `  ibbot status
  ibbot status --sim
  ibbot status --data-dir /var/lib/ibbot --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStatus(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DataDir, "data-dir", "", "the bot's data dir (default $XDG_STATE_HOME/ibbot or ~/.local/state/ibbot)")
	fl.BoolVar(&opts.Sim, "sim", false, "the data dir's sim/ subfolder, where ibbot run --sim runs")
	fl.BoolVar(&opts.JSON, "json", false, "print a JSON object")
	return cmd
}

// Report is status's JSON output.
type Report struct {
	DataDir  string    `json:"data_dir"`
	Running  bool      `json:"running"`
	PID      int       `json:"pid,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Gateway  string    `json:"gateway,omitempty"`
	ClientID *int64    `json:"client_id,omitempty"`
	Sim      bool      `json:"sim,omitempty"`
	Version  string    `json:"version,omitempty"`
}

func runStatus(o *StatusOptions) error {
	dir, err := datadir.Resolve(o.DataDir, o.Sim, o.Getenv)
	if err != nil {
		return err
	}
	st, err := datadir.Check(dir)
	if err != nil {
		return err
	}
	r := Report{DataDir: dir, Running: st.Running}
	if st.Known {
		id := st.Info.ClientID
		r.PID, r.Started, r.Gateway, r.ClientID, r.Sim, r.Version = st.Info.PID, st.Info.Started, st.Info.Gateway(), &id, st.Info.Sim, st.Info.Version
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(o.IO.Out, describe(r, st.Known, o.Now()))
	}
	if !r.Running {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitNotRunning}
	}
	return nil
}

func describe(r Report, known bool, now time.Time) string {
	switch {
	case r.Running && known:
		return fmt.Sprintf("running: ibbot run PID %d on %s since %s (%s ago), gateway %s, client id %d",
			r.PID, r.DataDir, r.Started.Local().Format(time.RFC3339), now.Sub(r.Started).Round(time.Second), r.Gateway, *r.ClientID)
	case r.Running:
		return fmt.Sprintf("running: an ibbot run holds %s (its lock file is being written)", r.DataDir)
	case known:
		return fmt.Sprintf("not running: no ibbot run holds %s (the last one, PID %d, started %s)", r.DataDir, r.PID, r.Started.Local().Format(time.RFC3339))
	}
	return fmt.Sprintf("not running: no ibbot run has used %s", r.DataDir)
}
