// Package sim is the "ibbot sim" command: it runs the simulated IB Gateway
// of package ibsim until interrupted.
package sim

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// Flag defaults and limits.
const (
	DefaultListen  = "127.0.0.1:4002"
	DefaultAccount = ibsim.DefaultAccount
	DefaultSeed    = ibsim.DefaultSeed
	// MaxSpeed is the fastest --speed: one wall second is about 28 market
	// hours.
	MaxSpeed = 100000
)

// Server is the part of a running simulator the command uses; *ibsim.Server
// implements it.
type Server interface {
	Addr() string
	Close() error
}

// SimOptions are the parsed flags and dependencies of "ibbot sim".
type SimOptions struct {
	// IO is where the address is printed (Out) and logs go (ErrOut).
	IO *cmdutil.IOStreams

	// Listen is the host:port to listen on (--listen).
	Listen string
	// Seed fixes the market model (--seed).
	Seed int64
	// Account is the paper account id (--account).
	Account string
	// Delayed simulates an account without live data (--delayed).
	Delayed bool
	// Speed is the market clock's multiple of wall time (--speed); 1 is
	// real time.
	Speed float64
	// LogFormat is "text" or "json" (--log-format).
	LogFormat string

	// Start starts the simulator. Default: ibsim.Start.
	Start func(ibsim.Config) (Server, error)
	// Now is the wall clock, read once for the start of a scaled market
	// clock. Default: time.Now.
	Now func() time.Time
}

// NewCmdSim returns the "sim" command. runF, when not nil, replaces the
// work done after parsing, so tests can check the parsed options; nil means
// run the simulator.
func NewCmdSim(f *cmdutil.Factory, runF func(context.Context, *SimOptions) error) *cobra.Command {
	opts := &SimOptions{
		IO:    f.IO,
		Start: startIBSim,
		Now:   time.Now,
	}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the simulated IB Gateway",
		Long: `Run a simulated IB Gateway that speaks the real TWS API socket protocol:
paper account, seeded prices, option chains with greeks, historical bars and
the Gateway's pacing limits. Any TWS API client can connect to it.

The listening address is printed on standard output; logs go to standard
error. The simulator runs until interrupted (Ctrl-C, SIGTERM).`,
		Example: `  ibbot sim
  ibbot sim --listen 127.0.0.1:0 --seed 7 --log-format json
  ibbot sim --delayed --speed 60    # one market minute per wall second`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("sim takes no arguments, got %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return simRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", DefaultListen, "address to listen on, `host:port` (port 0 picks a free port)")
	fl.Int64Var(&opts.Seed, "seed", DefaultSeed, "market model seed: the same seed gives the same prices")
	fl.StringVar(&opts.Account, "account", DefaultAccount, "paper account id, DU followed by digits")
	fl.BoolVar(&opts.Delayed, "delayed", false, "simulate an account without live market data subscriptions")
	fl.Float64Var(&opts.Speed, "speed", 1, fmt.Sprintf("market clock speed, a multiple of wall time (> 0, <= %d)", MaxSpeed))
	fl.StringVar(&opts.LogFormat, "log-format", cmdutil.LogText, "log format on standard error: text or json")
	return cmd
}

var accountRE = regexp.MustCompile(`^DU[0-9]{1,12}$`)

// validate checks the flag values, returning a *cmdutil.FlagError that
// names the flag, the value and what is allowed.
func (o *SimOptions) validate() error {
	host, port, err := net.SplitHostPort(o.Listen)
	if err != nil || host == "" {
		return cmdutil.FlagErrorf("invalid --listen %q: want host:port, e.g. %s (0.0.0.0:4002 for every interface)", o.Listen, DefaultListen)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil {
		return cmdutil.FlagErrorf("invalid --listen %q: port %q must be a number from 0 to 65535", o.Listen, port)
	} else if p > math.MaxUint16 {
		return cmdutil.FlagErrorf("invalid --listen %q: port %d must be from 0 to 65535", o.Listen, p)
	}
	if !accountRE.MatchString(o.Account) {
		return cmdutil.FlagErrorf("invalid --account %q: want a paper account id, DU followed by 1 to 12 digits (e.g. %s)", o.Account, DefaultAccount)
	}
	if math.IsNaN(o.Speed) || o.Speed <= 0 || o.Speed > MaxSpeed {
		return cmdutil.FlagErrorf("invalid --speed %v: must be > 0 and <= %d", o.Speed, MaxSpeed)
	}
	if o.LogFormat != cmdutil.LogText && o.LogFormat != cmdutil.LogJSON {
		return cmdutil.FlagErrorf("invalid --log-format %q: want %q or %q", o.LogFormat, cmdutil.LogText, cmdutil.LogJSON)
	}
	return nil
}

// config maps the options to the simulator's configuration.
func (o *SimOptions) config() ibsim.Config {
	cfg := ibsim.Config{
		Addr:    o.Listen,
		Seed:    o.Seed,
		Account: o.Account,
		Delayed: o.Delayed,
	}
	if o.Speed != 1 {
		cfg.Clock = ibsim.NewScaledClock(o.Now(), o.Speed)
	}
	return cfg
}

// simRun starts the simulator, prints its address and serves until ctx
// ends or the process gets SIGINT or SIGTERM, then closes it.
func simRun(ctx context.Context, opts *SimOptions) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger, err := cmdutil.NewLogger(opts.IO.ErrOut, opts.LogFormat)
	if err != nil {
		return err
	}
	cfg := opts.config()
	cfg.Logger = logger
	srv, err := opts.Start(cfg)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	fmt.Fprintf(opts.IO.Out, "ibsim listening on %s\n", srv.Addr())

	<-ctx.Done()
	logger.Info("stopping simulator", "reason", context.Cause(ctx).Error())
	if err := srv.Close(); err != nil {
		return fmt.Errorf("close simulator: %w", err)
	}
	return nil
}

// startIBSim is the default Start.
func startIBSim(cfg ibsim.Config) (Server, error) {
	s, err := ibsim.Start(cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}
