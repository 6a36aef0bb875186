package chain

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/optchain"
)

// Flag defaults and bounds.
const (
	DefaultExpiries = optchain.DefaultExpiries
	DefaultStrikes  = optchain.DefaultStrikes
	DefaultTimeout  = 30 * time.Second
	MaxTimeout      = 10 * time.Minute
)

// ChainOptions are the parsed flags and dependencies of "ibbot chain".
type ChainOptions struct {
	IO *cmdutil.IOStreams

	Symbol  string
	Gateway cmdutil.GatewayOptions

	// Expiries, DTE and Expiry are the three exclusive ways to choose
	// expiries (--expiries N, --dte MIN-MAX, --expiry weekly|monthly).
	Expiries int
	DTE      string
	Expiry   string
	Strikes  int
	Right    string
	JSON     bool
	Timeout  time.Duration

	// Rule and Rights are parsed from the flags.
	Rule   optchain.ExpiryRule
	Rights optchain.Rights

	// Connect returns the gateway to fetch from and the clock its market
	// runs on; stop ends what it started. Default: a session to the
	// Gateway, or the embedded simulator with --sim.
	Connect func(ctx context.Context, o *ChainOptions) (gw optchain.Gateway, clock func() time.Time, stop func(), err error)
	// Progress reports whether to show a progress line on IO.ErrOut.
	// Default: when it is a terminal.
	Progress bool
}

// NewCmdChain returns the "chain" command. runF, when not nil, replaces
// the work done after parsing, so tests can check the parsed options.
func NewCmdChain(f *cmdutil.Factory, runF func(context.Context, *ChainOptions) error) *cobra.Command {
	opts := &ChainOptions{IO: f.IO, Connect: connect}
	cmd := &cobra.Command{
		Use:   "chain SYMBOL",
		Short: "Show an option chain with quotes and greeks",
		Long: `Show the option chain of SYMBOL: the underlying's price, then per expiry the
strikes nearest it with each call's and put's bid, ask, last, volume, open
interest, implied volatility and delta. The at-the-money strike is marked.

It asks IB for exactly what is shown, with the fewest requests IB allows:
one option-parameters request, one contract-details request per expiry (so
strikes a weekly does not list are never asked for), and one snapshot per
contract, in parallel within the market data line budget. A contract whose
quote fails is listed with its error; the rest of the chain is shown.

Greeks are IB's when the Gateway computed them, else computed
(Black-Scholes-Merton from the mid); --json says which.

Choose expiries with one of --expiries N (the first N), --dte MIN-MAX (days
to expiry) or --expiry weekly|monthly.`,
		Example: `  ibbot chain SPY --sim
  ibbot chain SPY --expiry weekly --strikes 6 --right C
  ibbot chain QQQ --dte 20-45 --json --port 4001
  IBBOT_PORT=7497 ibbot chain AAPL`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("chain takes one SYMBOL, e.g. ibbot chain SPY; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Symbol = args[0]
			opts.Progress = cmdutil.IsTerminalWriter(opts.IO.ErrOut)
			if err := opts.Gateway.Resolve(cmd, f.Env(), f.Clock()()); err != nil {
				return err
			}
			if err := opts.validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return chainRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddGatewayFlags(cmd, &opts.Gateway)
	fl := cmd.Flags()
	fl.IntVar(&opts.Expiries, "expiries", DefaultExpiries, fmt.Sprintf("the first `N` listed expiries (1..%d)", optchain.MaxExpiries))
	fl.StringVar(&opts.DTE, "dte", "", "expiries `MIN-MAX` days out, e.g. 7-45")
	fl.StringVar(&opts.Expiry, "expiry", "", "the next weekly or monthly expiry: weekly|monthly")
	fl.IntVar(&opts.Strikes, "strikes", DefaultStrikes, fmt.Sprintf("strikes per expiry, the `N` nearest the underlying (1..%d)", optchain.MaxStrikes))
	fl.StringVar(&opts.Right, "right", "both", "rights to show: C, P or both")
	fl.BoolVar(&opts.JSON, "json", false, "print the chain as one JSON object (see docs/optchain.md)")
	fl.DurationVar(&opts.Timeout, "timeout", DefaultTimeout, "give up after this long (connect included)")
	return cmd
}

// validate checks the flags; errors are *FlagError naming the flag and
// what is allowed.
func (o *ChainOptions) validate(cmd *cobra.Command) error {
	sym := strings.TrimSpace(o.Symbol)
	if sym == "" || len(sym) > 12 || strings.ContainsAny(sym, " \t,/") {
		return cmdutil.FlagErrorf("invalid SYMBOL %q: want a ticker such as SPY", o.Symbol)
	}
	o.Symbol = strings.ToUpper(sym)
	fl := cmd.Flags()
	set := 0
	for _, name := range []string{"expiries", "dte", "expiry"} {
		if fl.Changed(name) {
			set++
		}
	}
	if set > 1 {
		return cmdutil.FlagErrorf("--expiries, --dte and --expiry choose expiries in different ways: give one of them")
	}
	switch {
	case fl.Changed("dte"):
		min, max, err := optchain.ParseRange(o.DTE, 0, optchain.MaxDTE)
		if err != nil {
			return cmdutil.FlagErrorf("invalid --dte %q: want MIN-MAX days with 0 <= MIN <= MAX <= %d, e.g. 7-45", o.DTE, optchain.MaxDTE)
		}
		o.Rule = optchain.DTE(min, max)
	case fl.Changed("expiry"):
		switch strings.ToLower(strings.TrimSpace(o.Expiry)) {
		case "weekly":
			o.Rule = optchain.Weekly()
		case "monthly":
			o.Rule = optchain.Monthly()
		default:
			return cmdutil.FlagErrorf("invalid --expiry %q: want weekly or monthly (or use --dte MIN-MAX, --expiries N)", o.Expiry)
		}
	default:
		if o.Expiries < 1 || o.Expiries > optchain.MaxExpiries {
			return cmdutil.FlagErrorf("invalid --expiries %d: want 1..%d", o.Expiries, optchain.MaxExpiries)
		}
		o.Rule = optchain.First(o.Expiries)
	}
	if o.Strikes < 1 || o.Strikes > optchain.MaxStrikes {
		return cmdutil.FlagErrorf("invalid --strikes %d: want 1..%d", o.Strikes, optchain.MaxStrikes)
	}
	r, err := optchain.ParseRights(o.Right)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --right %q: want C, P or both", o.Right)
	}
	o.Rights = r
	if o.Timeout <= 0 || o.Timeout > MaxTimeout {
		return cmdutil.FlagErrorf("invalid --timeout %v: want more than 0 and at most %v", o.Timeout, MaxTimeout)
	}
	return nil
}

// chainRun fetches the chain and prints it.
func chainRun(ctx context.Context, o *ChainOptions) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	gw, clock, done, err := o.Connect(ctx, o)
	if err != nil {
		return err
	}
	defer done()
	c, err := optchain.New(gw, optchain.Config{Clock: clock})
	if err != nil {
		return err
	}
	req := optchain.Request{Symbol: o.Symbol, Expiries: o.Rule, Strikes: o.Strikes, Rights: o.Rights}
	if o.Progress {
		req.Progress = func(n, total int) {
			fmt.Fprintf(o.IO.ErrOut, "\rquoting %d/%d contracts", n, total)
			if n == total {
				fmt.Fprint(o.IO.ErrOut, "\r\033[K")
			}
		}
	}
	ch, err := c.Fetch(ctx, req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%w (--timeout %v)", err, o.Timeout)
		}
		return err
	}
	if o.JSON {
		return writeJSON(o.IO.Out, ch)
	}
	return writeTable(o.IO.Out, ch)
}

func writeJSON(w io.Writer, ch *optchain.Chain) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ch.JSON())
}

// connect dials the Gateway, or starts the embedded simulator first.
func connect(ctx context.Context, o *ChainOptions) (optchain.Gateway, func() time.Time, func(), error) {
	g := &o.Gateway
	clock := time.Now
	var srv *ibsim.Server
	host, port := g.Host, g.Port
	if g.Sim {
		clk := ibsim.NewScaledClock(g.SimStart, 1)
		s, err := ibsim.Start(ibsim.Config{Seed: g.Seed, Clock: clk})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("start the embedded simulator: %w", err)
		}
		srv, clock = s, clk.Now
		h, p, err := cmdutil.SplitAddr(s.Addr())
		if err != nil {
			s.Close()
			return nil, nil, nil, err
		}
		host, port = h, p
	}
	sess, err := ibkr.Dial(ctx, ibkr.Config{Host: host, Port: port, ClientID: g.ClientID, MarketClock: clock})
	if err != nil {
		if srv != nil {
			srv.Close()
		}
		if ibkr.IsRetryable(err) && !g.Sim {
			return nil, nil, nil, cmdutil.ConnectHint(g.Addr(), err)
		}
		return nil, nil, nil, err
	}
	return sess, clock, func() {
		sess.Close()
		if srv != nil {
			srv.Close()
		}
	}, nil
}
