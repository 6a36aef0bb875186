package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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
	// HTTP is --http: ask a running bot's health endpoints instead.
	HTTP string
	// Client sends the --http requests (default: a 5 s timeout client).
	Client *http.Client
	Getenv func(string) string
	Now    func() time.Time
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
status 0 when a bot is running, 3 when none is.

With --http ADDR (the address a bot was started with, ibbot run --http),
ask that bot's /healthz and /readyz instead and print what they say: exit
status 0 when it is healthy (the session is ready and its last round trip to
the Gateway is under 30 s old), 1 otherwise or when it does not answer.`,
		Example: `  ibbot status
  ibbot status --sim
  ibbot status --data-dir /var/lib/ibbot --json
  ibbot status --http 127.0.0.1:9464`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.HTTP != "" {
				addr, err := cmdutil.HTTPAddr(opts.HTTP)
				if err != nil {
					return cmdutil.FlagErrorf("invalid --http %q: %v", opts.HTTP, err)
				}
				opts.HTTP = addr
				for _, name := range []string{"data-dir", "sim"} {
					if cmd.Flags().Changed(name) {
						return cmdutil.FlagErrorf("--%s and --http exclude each other: --http asks the bot itself", name)
					}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.HTTP != "" {
				return runHealth(cmd.Context(), opts)
			}
			return runStatus(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DataDir, "data-dir", "", "the bot's data dir (default $IBBOT_DATA_DIR, else $XDG_STATE_HOME/ibbot or ~/.local/state/ibbot)")
	fl.BoolVar(&opts.Sim, "sim", false, "the data dir's sim/ subfolder, where ibbot run --sim runs")
	fl.BoolVar(&opts.JSON, "json", false, "print a JSON object")
	fl.StringVar(&opts.HTTP, "http", "", "ask the bot serving ibbot run --http on `ADDR` (host:port) for its health")
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

// Health is status --http's JSON output.
type Health struct {
	URL     string `json:"url"`
	Healthy bool   `json:"healthy"`
	// Health is /healthz's answer (why, when not healthy).
	Health string `json:"health"`
	Ready  bool   `json:"ready"`
	// Readiness is /readyz's answer.
	Readiness string `json:"readiness"`
}

// runHealth asks a running bot's /healthz and /readyz.
func runHealth(ctx context.Context, o *StatusOptions) error {
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	base := "http://" + o.HTTP
	h := Health{URL: base}
	var err error
	if h.Healthy, h.Health, err = get(ctx, c, base+"/healthz"); err != nil {
		h.Health = err.Error()
	} else {
		h.Ready, h.Readiness, err = get(ctx, c, base+"/readyz")
		if err != nil {
			h.Readiness = err.Error()
		}
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(h); err != nil {
			return err
		}
	} else {
		state := "unhealthy"
		if h.Healthy {
			state = "healthy"
		}
		fmt.Fprintf(o.IO.Out, "%s: %s\n", state, h.Health)
		if h.Readiness != "" {
			fmt.Fprintf(o.IO.Out, "ready: %s\n", h.Readiness)
		}
	}
	if !h.Healthy {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitError}
	}
	return nil
}

// get returns whether url answered 200 and the first line of its body.
func get(ctx context.Context, c *http.Client, url string) (bool, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, "", fmt.Errorf("no answer from %s: %w (is ibbot run --http serving there?)", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return false, "", fmt.Errorf("read %s: %w", url, err)
	}
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return false, "", fmt.Errorf("%s answered %s: %.200q (not an ibbot health endpoint?)", url, resp.Status, text)
	}
	return resp.StatusCode == http.StatusOK, text, nil
}
