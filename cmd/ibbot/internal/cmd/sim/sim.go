package sim

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/sched"
)

// Flag defaults and limits.
const (
	DefaultListen  = "127.0.0.1:4002"
	DefaultAccount = ibsim.DefaultAccount
	DefaultSeed    = ibsim.DefaultSeed
	// MaxSpeed is the fastest --speed: one wall second is about 28 market
	// hours.
	MaxSpeed = 100000
	// DefaultTickInterval and DefaultSnapshotEndDelay are the simulator's
	// own defaults for --tick-interval and --snapshot-end-delay.
	DefaultTickInterval     = 250 * time.Millisecond
	DefaultSnapshotEndDelay = 50 * time.Millisecond
	// MinInterval and MaxInterval bound --tick-interval and
	// --snapshot-end-delay.
	MinInterval = time.Millisecond
	MaxInterval = time.Minute
)

// Values of --control.
const (
	// ControlAuto serves the control protocol on standard input when it is
	// a terminal.
	ControlAuto = "auto"
	// ControlStdin always serves it on standard input.
	ControlStdin = "-"
	// ControlNone never reads standard input.
	ControlNone = "none"
)

// Server is the part of a running simulator the command uses: its address,
// Close and the fault panel. *ibsim.Server implements it.
type Server interface {
	Addr() string
	Close() error
	Panel
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
	// ServerVersion is the highest protocol version to negotiate
	// (--server-version); 0 is the newest the simulator speaks.
	ServerVersion int
	// Speed is the market clock's multiple of wall time (--speed); 1 is
	// real time.
	Speed float64
	// StartAt is the market clock's start (--start); zero means the wall
	// clock's now.
	StartAt time.Time
	// LogFormat is "text" or "json" (--log-format).
	LogFormat string
	// TickInterval is the wall time between streaming market data updates
	// (--tick-interval).
	TickInterval time.Duration
	// SnapshotEndDelay is the wall time from a snapshot's ticks to its end
	// marker (--snapshot-end-delay).
	SnapshotEndDelay time.Duration

	// CompetingSession starts with a competing live session
	// (--competing-session).
	CompetingSession bool
	// Latency delays the answers by request message id (--latency
	// MSGID=DURATION, parsed).
	Latency map[int]time.Duration
	// Hang lists the request message ids never answered (--hang, parsed).
	Hang []int

	// Control is where the control protocol is read besides ControlAddr:
	// ControlAuto, ControlStdin or ControlNone (--control).
	Control string
	// ControlAddr is the loopback host:port of the control port; empty
	// means none (--control-addr).
	ControlAddr string

	// startArg is the raw --start; latencyArgs and hangArgs the raw
	// --latency and --hang values.
	startArg    string
	latencyArgs []string
	hangArgs    []string

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
		Use:     "sim",
		Short:   "Run the simulated IB Gateway",
		Long:    simLong(),
		Example: simExample,
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
	fl.IntVar(&opts.ServerVersion, "server-version", 0, fmt.Sprintf("highest protocol version to negotiate, %d..%d (200: text only; 0: %d)", ibsim.MinClientVersion, ibsim.NewestClientVersion, ibsim.HighestServerVersion))
	fl.Float64Var(&opts.Speed, "speed", 1, fmt.Sprintf("market clock speed, a multiple of wall time (> 0, <= %d)", MaxSpeed))
	fl.StringVar(&opts.startArg, "start", "", "market clock start `TIME` (RFC 3339; default now if the regular session is open, else 10:00 New York on the next trading day)")
	fl.StringVar(&opts.LogFormat, "log-format", cmdutil.LogText, "log format on standard error: text or json")
	fl.DurationVar(&opts.TickInterval, "tick-interval", DefaultTickInterval, fmt.Sprintf("wall time between streaming market data updates (%v to %v)", MinInterval, MaxInterval))
	fl.DurationVar(&opts.SnapshotEndDelay, "snapshot-end-delay", DefaultSnapshotEndDelay, fmt.Sprintf("wall time from a snapshot's ticks to its end marker (%v to %v)", MinInterval, MaxInterval))
	fl.BoolVar(&opts.CompetingSession, "competing-session", false, "start with a competing live session: market data requests get 10197")
	fl.StringArrayVar(&opts.latencyArgs, "latency", nil, "delay answers, `MSGID=DURATION`: requests with message id MSGID are answered after DURATION (repeatable, e.g. 20=2s)")
	fl.StringArrayVar(&opts.hangArgs, "hang", nil, "never answer requests with message id `MSGID` (repeatable, e.g. 9 for reqContractDetails)")
	fl.StringVar(&opts.Control, "control", ControlAuto, "read control commands from standard input: auto (when it is a terminal), - (always) or none")
	fl.StringVar(&opts.ControlAddr, "control-addr", "", "serve control commands on this loopback `host:port` (port 0 picks a free port)")
	return cmd
}

// simLong is the sim command's long help, with the control commands.
func simLong() string {
	return `Run a simulated IB Gateway that speaks the real TWS API socket protocol:
paper account, seeded prices, option chains with greeks, historical bars and
the Gateway's pacing limits. Any TWS API client can connect to it.

The listening address is printed on standard output; logs go to standard
error. The simulator runs until interrupted (Ctrl-C, SIGTERM) or until quit
is typed on standard input.

Faults from the start: --competing-session fails market data requests with
10197; --latency MSGID=DURATION delays the answers to one kind of request and
--hang MSGID leaves them unanswered. MSGID is the request's TWS API message
id: 1 reqMktData, 3 placeOrder, 9 reqContractDetails, 20 reqHistoricalData,
78 reqSecDefOptParams, 87 reqHeadTimestamp.

Fault control: while it runs, the simulator takes commands, one per line,
and answers each with one line, "ok ..." or "error: ..." saying what was
wrong and what is allowed. Blank lines and lines starting with # get no
answer, so a script can be piped in. Commands are read from standard input
when it is a terminal, or always with --control - (--control none never
reads it), and from every connection to --control-addr, a loopback TCP port
whose address is printed as "ibsim control on HOST:PORT" (use nc or telnet).
quit closes a connection; on standard input it stops the simulator.
Durations are written as 500ms, 30s, 2m or 1m30s.

Control commands:
` + controlHelp(controlCommands(), 78)
}

const simExample = `  ibbot sim
  ibbot sim --listen 127.0.0.1:0 --seed 7 --log-format json
  ibbot sim --delayed --speed 60    # one market minute per wall second
  ibbot sim --start 2026-03-10T09:30:00-04:00 --speed 60

  # slow historical data, contract details never answered
  ibbot sim --latency 20=2s --hang 9

  # faults from a script, on a control port
  ibbot sim --control-addr 127.0.0.1:4010 &
  printf 'broadcast 1100\nstats --json\nquit\n' | nc 127.0.0.1 4010

  # faults typed in the terminal that runs the simulator
  ibbot sim
  kill 7 1m
  ok killed client 7; id 7 held for 1m0s`

// controlHelp lists the commands for the long help, wrapped at width.
func controlHelp(cmds []controlCommand, width int) string {
	col := 0
	for i := range cmds {
		col = max(col, len(cmds[i].usage()))
	}
	col += 4 // two spaces of indent, two between the columns
	var b strings.Builder
	for i := range cmds {
		fmt.Fprintf(&b, "  %-*s", col-2, cmds[i].usage())
		n := col
		for j, w := range strings.Fields(cmds[i].summary) {
			if j > 0 && n+1+len(w) > width {
				b.WriteString("\n" + strings.Repeat(" ", col))
				n = col
			} else if j > 0 {
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += len(w)
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
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
	if v := o.ServerVersion; v != 0 && (v < ibsim.MinClientVersion || v > ibsim.NewestClientVersion) {
		return cmdutil.FlagErrorf("invalid --server-version %d: must be %d..%d", v, ibsim.MinClientVersion, ibsim.NewestClientVersion)
	}
	if math.IsNaN(o.Speed) || o.Speed <= 0 || o.Speed > MaxSpeed {
		return cmdutil.FlagErrorf("invalid --speed %v: must be > 0 and <= %d", o.Speed, MaxSpeed)
	}
	if o.startArg != "" {
		t, err := time.Parse(time.RFC3339, o.startArg)
		if err != nil {
			return cmdutil.FlagErrorf("invalid --start %q: want an RFC 3339 time, e.g. 2026-03-10T10:00:00-04:00", o.startArg)
		}
		o.StartAt = t
	} else if now := o.Now(); !sched.NYSE().IsOpen(now) {
		// A newcomer sees a live-looking market at any hour.
		o.StartAt = cmdutil.DefaultSimStart(now)
	}
	if o.LogFormat != cmdutil.LogText && o.LogFormat != cmdutil.LogJSON {
		return cmdutil.FlagErrorf("invalid --log-format %q: want %q or %q", o.LogFormat, cmdutil.LogText, cmdutil.LogJSON)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"--tick-interval", o.TickInterval}, {"--snapshot-end-delay", o.SnapshotEndDelay}} {
		if f.d < MinInterval || f.d > MaxInterval {
			return cmdutil.FlagErrorf("invalid %s %v: must be from %v to %v", f.name, f.d, MinInterval, MaxInterval)
		}
	}
	if err := o.parseFaults(); err != nil {
		return err
	}
	switch o.Control {
	case ControlAuto, ControlStdin, ControlNone:
	default:
		return cmdutil.FlagErrorf("invalid --control %q: want %q (standard input when it is a terminal), %q (always) or %q", o.Control, ControlAuto, ControlStdin, ControlNone)
	}
	if o.ControlAddr != "" {
		if err := checkLoopback(o.ControlAddr); err != nil {
			return cmdutil.FlagErrorf("invalid --control-addr %q: %v", o.ControlAddr, err)
		}
	}
	return nil
}

// parseFaults parses --latency and --hang into Latency and Hang.
func (o *SimOptions) parseFaults() error {
	o.Latency, o.Hang = nil, nil
	for _, arg := range o.latencyArgs {
		id, dur, ok := strings.Cut(arg, "=")
		if !ok {
			return cmdutil.FlagErrorf("invalid --latency %q: want MSGID=DURATION, e.g. 20=2s", arg)
		}
		msgID, err := strconv.Atoi(strings.TrimSpace(id))
		if err != nil || msgID <= 0 || msgID == msgStartAPI {
			return cmdutil.FlagErrorf("invalid --latency %q: MSGID %q: %s", arg, id, msgIDAllowed)
		}
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if err != nil {
			return cmdutil.FlagErrorf("invalid --latency %q: DURATION %q is not a duration; want e.g. 500ms, 2s, 1m", arg, dur)
		}
		if d <= 0 {
			return cmdutil.FlagErrorf("invalid --latency %q: DURATION must be more than 0 (--hang %d never answers)", arg, msgID)
		}
		if prev, dup := o.Latency[msgID]; dup {
			return cmdutil.FlagErrorf("invalid --latency %q: message %d already has --latency %d=%v; give one per message id", arg, msgID, msgID, prev)
		}
		if o.Latency == nil {
			o.Latency = make(map[int]time.Duration)
		}
		o.Latency[msgID] = d
	}
	for _, arg := range o.hangArgs {
		msgID, err := strconv.Atoi(strings.TrimSpace(arg))
		if err != nil || msgID <= 0 || msgID == msgStartAPI {
			return cmdutil.FlagErrorf("invalid --hang %q: %s", arg, msgIDAllowed)
		}
		if d, both := o.Latency[msgID]; both {
			return cmdutil.FlagErrorf("invalid --hang %d: --latency %d=%v is also set; a message id is either delayed or hung", msgID, msgID, d)
		}
		if !slices.Contains(o.Hang, msgID) {
			o.Hang = append(o.Hang, msgID)
		}
	}
	return nil
}

// checkLoopback accepts a host:port whose host is a loopback IP address or
// localhost.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return fmt.Errorf("want host:port on loopback, e.g. 127.0.0.1:4010 (port 0 picks a free port)")
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p > math.MaxUint16 {
		return fmt.Errorf("port %q must be a number from 0 to 65535", port)
	}
	if !cmdutil.IsLoopback(net.JoinHostPort(host, port)) {
		return fmt.Errorf("host %q is not loopback; the control port can kill clients and restart the Gateway, so it listens only on 127.0.0.1, ::1 or localhost", host)
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

		MaxServerVersion: o.ServerVersion,
		TickInterval:     o.TickInterval,
		SnapshotEndDelay: o.SnapshotEndDelay,
	}
	switch {
	case !o.StartAt.IsZero():
		cfg.Clock = ibsim.NewScaledClock(o.StartAt, o.Speed)
	case o.Speed != 1:
		cfg.Clock = ibsim.NewScaledClock(o.Now(), o.Speed)
	}
	return cfg
}

// simRun starts the simulator with the startup faults, prints its address,
// serves the control protocol and runs until ctx ends, the process gets
// SIGINT or SIGTERM, or quit is read on standard input; then it closes
// everything it started.
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
	opts.applyFaults(srv, logger)
	fmt.Fprintf(opts.IO.Out, "ibsim listening on %s\n", srv.Addr())

	ctl := newController(srv)
	var ctlSrv *controlServer
	if opts.ControlAddr != "" {
		ctlSrv, err = listenControl(opts.ControlAddr, ctl, logger)
		if err != nil {
			_ = srv.Close()
			return err
		}
		fmt.Fprintf(opts.IO.Out, "ibsim control on %s\n", ctlSrv.Addr())
	}
	var stdinQuit <-chan struct{}
	var stdin *stdinControl
	if opts.Control == ControlStdin || opts.Control == ControlAuto && cmdutil.IsTerminal(opts.IO.In) {
		if cmdutil.IsTerminal(opts.IO.In) {
			cmdutil.IgnoreBackgroundReads()
		}
		stdin = startStdinControl(ctx, ctl, opts.IO.In, opts.IO.Out, logger)
		stdinQuit = stdin.quit
		logger.Info("ibsim control on standard input; type help for the commands")
	}

	reason := ""
	select {
	case <-ctx.Done():
		reason = context.Cause(ctx).Error()
	case <-stdinQuit:
		reason = "quit on standard input"
	}
	logger.Info("stopping simulator", "reason", reason)
	// The simulator closes first: that ends a restart a control session
	// may be waiting for.
	closeErr := srv.Close()
	if ctlSrv != nil {
		if err := ctlSrv.Close(); err != nil {
			logger.Warn("close control port", "err", err)
		}
	}
	if stdin != nil {
		stdin.stop()
	}
	if closeErr != nil {
		return fmt.Errorf("close simulator: %w", closeErr)
	}
	return nil
}

// applyFaults sets the startup faults on the simulator's fault panel.
func (o *SimOptions) applyFaults(p Panel, log *slog.Logger) {
	if o.CompetingSession {
		p.SetCompetingSession(true)
		log.Info("ibsim fault: competing live session")
	}
	ids := make([]int, 0, len(o.Latency))
	for id := range o.Latency {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p.SetLatency(id, o.Latency[id])
		log.Info("ibsim fault: latency", "msgId", id, "delay", o.Latency[id])
	}
	for _, id := range o.Hang {
		p.Hang(id)
		log.Info("ibsim fault: hang", "msgId", id)
	}
}

// startIBSim is the default Start.
func startIBSim(cfg ibsim.Config) (Server, error) {
	s, err := ibsim.Start(cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}
