package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/alert"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/botflags"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/sim"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/datadir"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/metrics"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/optchain"
	"github.com/ibbot/ibbot/sched"
)

// Flag defaults and bounds.
const (
	DefaultSimSpeed = 60
	MaxSimSpeed     = 100000
	MaxCycles       = 1_000_000
)

// RunOptions are the parsed flags and dependencies of "ibbot run".
type RunOptions struct {
	IO *cmdutil.IOStreams

	botflags.Overrides
	Cycles     int
	Live       bool
	WhatIf     bool
	DataDir    string
	LogFormat  string
	LogLevel   string
	Gateway    cmdutil.GatewayOptions
	Speed      float64
	SimListen  string
	SimControl string
	// HTTP is --http: where /metrics, /healthz and /readyz are served
	// ("" off).
	HTTP string
	// HTTPAllowRemote lets --http listen on an address other than
	// loopback.
	HTTPAllowRemote bool

	// Config is the effective configuration (file, env, flags).
	Config bot.Config
	// Mode is what the bot does with a ticket.
	Mode bot.Mode

	// Getenv reads the environment; Now is the wall clock.
	Getenv func(string) string
	Now    func() time.Time
	// Strategy, when set, replaces the configured strategy (tests).
	StrategyOverride *bot.Strategy
	// Started, when set, is told the embedded simulator once it listens
	// (tests drive its faults).
	Started func(*ibsim.Server)
	// RetryBackoff, when set, replaces the wait between attempts to get
	// a client id another session holds (tests).
	RetryBackoff func(attempt int) time.Duration
	// Version is ibbot's version, recorded in the data dir's lock.
	Version string
	// Clock, when set and not --sim, is the bot's and the scheduler's
	// clock instead of the wall clock (tests share one virtual clock with
	// a simulator they run themselves).
	Clock sched.Clock
	// HTTPStarted, when set, is told the address --http listens on (tests
	// listen on port 0).
	HTTPStarted func(addr string)
	// ConnLostAfter is how long a lost Gateway connection may last before
	// the connection_lost alert (0: DefaultConnLostAfter).
	ConnLostAfter time.Duration
	// ConnectivityTimeout, when set, is how long the session waits for the
	// Gateway's link to IB to come back after 1100 before it reconnects
	// (0: ibkr.Config's default; tests).
	ConnectivityTimeout time.Duration
}

// NewCmdRun returns the "run" command. runF, when not nil, replaces the
// work done after parsing.
func NewCmdRun(f *cmdutil.Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: f.IO, Getenv: f.Env(), Now: f.Clock(), Version: f.Version}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the trading bot",
		Long: `Run the bot: every interval during the regular session, for each symbol,
reconcile with the Gateway (positions, working orders, fills), apply the
guards (daily loss, available funds, open positions), manage exits (EMA-20
on 1-hour bars), fetch bars, compute the strategy's signal, pick the option
(optchain), size it and place a bracket, or, in a dry run (the default), log
and journal the ticket without sending anything.

Live trading needs both dry_run: false in the config and --live; with --sim
(an embedded simulated Gateway and account) --live alone is enough.
broker.read_only: true makes any order impossible. --what-if asks IB for the
margin and commission of each ticket instead.

Configuration comes from --config settings.yaml (the old bot's keys, see
docs/bot.md), then IBBOT_* environment variables, then flags. With --sim the
bot, the scheduler and the simulated market share one virtual clock (--speed
60: a 180 s interval takes 3 s), and IB's historical data pacing windows run
on it too; without --cycles it runs one simulated trading session to its
close and prints a summary.`,
		Example: `  ibbot run --sim
  ibbot run --sim --symbols SPY,QQQ,AAPL --max-concurrent 2 --interval 180s --cycles 3
  ibbot run --sim --live --sim-listen 127.0.0.1:4010
  ibbot run --config settings.yaml --what-if
  ibbot run --config settings.yaml --live --port 4001`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("run takes no arguments, got %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.resolve(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	botflags.Add(cmd, &opts.Overrides)
	fl.IntVar(&opts.Cycles, "cycles", 0, "stop after `N` cycles (0: run until stopped, or with --sim until the session's close)")
	fl.BoolVar(&opts.Live, "live", false, "place orders (also needs dry_run: false in the config, except with --sim)")
	fl.BoolVar(&opts.WhatIf, "what-if", false, "ask IB for each ticket's margin and commission; place nothing")
	fl.StringVar(&opts.DataDir, "data-dir", "", "where the journal lives (default $IBBOT_DATA_DIR, else $XDG_STATE_HOME/ibbot or ~/.local/state/ibbot; --sim uses its sim/ subfolder)")
	fl.StringVar(&opts.LogFormat, "log-format", cmdutil.LogText, "log format on standard error: text or json")
	fl.StringVar(&opts.LogLevel, "log-level", "info", "debug, info, warn or error")
	cmdutil.AddGatewayFlags(cmd, &opts.Gateway)
	fl.Float64Var(&opts.Speed, "speed", 0, fmt.Sprintf("with --sim: the virtual clock's multiple of wall time (default %d, at most %d)", DefaultSimSpeed, MaxSimSpeed))
	fl.StringVar(&opts.SimListen, "sim-listen", "", "with --sim: expose the embedded Gateway on `ADDR` (host:port) so any TWS API client can watch the bot")
	fl.StringVar(&opts.HTTP, "http", "", "serve /metrics (Prometheus), /healthz and /readyz on `ADDR` (e.g. 127.0.0.1:9464; a bare :9464 listens on loopback only)")
	fl.BoolVar(&opts.HTTPAllowRemote, "http-allow-remote", false, "let --http listen on an address other than loopback (the metrics name the account's activity; health checks need no more than loopback)")
	fl.StringVar(&opts.SimControl, "sim-control-addr", "", "with --sim: serve the simulator's control protocol (as ibbot sim) on this loopback `ADDR`")
	return cmd
}

// resolve loads the configuration and checks the flags. Configuration
// problems are usage errors (exit 2) listing every problem.
func (o *RunOptions) resolve(cmd *cobra.Command) error {
	fl := cmd.Flags()
	cfg, err := o.Overrides.Load(cmd, o.Getenv, &o.Gateway)
	if err != nil {
		return err
	}
	// The connection flags' own checks (and --sim-start); the config is
	// where host, port and client id come from from now on.
	if err := o.Gateway.Resolve(cmd, func(string) string { return "" }, o.Now()); err != nil {
		return err
	}
	o.Gateway.Host, o.Gateway.Port, o.Gateway.ClientID = cfg.Broker.Host, cfg.Broker.Port, cfg.Broker.ClientID
	if o.Cycles < 0 || o.Cycles > MaxCycles {
		return cmdutil.FlagErrorf("invalid --cycles %d: want 0 (no limit) to %d", o.Cycles, MaxCycles)
	}
	if o.Live && o.WhatIf {
		return cmdutil.FlagErrorf("--live and --what-if exclude each other: --what-if places nothing")
	}
	if o.LogFormat != cmdutil.LogText && o.LogFormat != cmdutil.LogJSON {
		return cmdutil.FlagErrorf("invalid --log-format %q: want text or json", o.LogFormat)
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		return err
	}
	if !o.Gateway.Sim {
		for _, name := range []string{"speed", "sim-listen", "sim-control-addr", "sim-start", "seed"} {
			if fl.Changed(name) {
				return cmdutil.FlagErrorf("--%s needs --sim", name)
			}
		}
	}
	if o.Speed == 0 {
		o.Speed = DefaultSimSpeed
	}
	if o.Speed <= 0 || o.Speed > MaxSimSpeed || o.Speed != o.Speed {
		return cmdutil.FlagErrorf("invalid --speed %v: want more than 0 and at most %d", o.Speed, MaxSimSpeed)
	}
	if o.SimListen != "" {
		if _, _, err := cmdutil.SplitAddr(o.SimListen); err != nil {
			return cmdutil.FlagErrorf("invalid --sim-listen %q: want host:port, e.g. 127.0.0.1:4010", o.SimListen)
		}
	}
	if o.SimControl != "" {
		if err := sim.CheckLoopback(o.SimControl); err != nil {
			return cmdutil.FlagErrorf("invalid --sim-control-addr %q: %v", o.SimControl, err)
		}
	}
	addr, err := cmdutil.HTTPAddr(o.HTTP)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --http %q: %v", o.HTTP, err)
	}
	if addr != "" && !cmdutil.IsLoopback(addr) && !o.HTTPAllowRemote {
		return cmdutil.FlagErrorf("invalid --http %q: not a loopback address; add --http-allow-remote to serve metrics and health beyond this machine", o.HTTP)
	}
	if o.HTTPAllowRemote && addr == "" {
		return cmdutil.FlagErrorf("--http-allow-remote needs --http ADDR")
	}
	o.HTTP = addr
	o.Config = cfg
	switch {
	case o.WhatIf:
		o.Mode = bot.WhatIf
	case o.Live && (o.Gateway.Sim || !cfg.DryRun):
		o.Mode = bot.Live
	default:
		o.Mode = bot.DryRun
	}
	if o.Mode == bot.Live && o.Gateway.Sim {
		o.Config.DryRun = false // the account is simulated
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, cmdutil.FlagErrorf("invalid --log-level %q: want debug, info, warn or error", s)
}

// dataDir is the journal's directory (datadir.Resolve).
func (o *RunOptions) dataDir() (string, error) {
	return datadir.Resolve(o.DataDir, o.Gateway.Sim, o.Getenv)
}

// runRun assembles and runs the bot until the context ends (SIGINT,
// SIGTERM: a graceful stop; a second signal exits at once), --cycles ran,
// or with --sim the simulated session closed.
func runRun(ctx context.Context, o *RunOptions) error {
	level, _ := parseLevel(o.LogLevel)
	var logger *slog.Logger
	opts := &slog.HandlerOptions{Level: level}
	if o.LogFormat == cmdutil.LogJSON {
		logger = slog.New(slog.NewJSONHandler(o.IO.ErrOut, opts))
	} else {
		logger = slog.New(slog.NewTextHandler(o.IO.ErrOut, opts))
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	finished := make(chan struct{})
	defer close(finished) // runs first: the watcher below is gone before the signal is released
	go func() {
		select {
		case sig := <-sigs:
			logger.Warn("signal: stopping after the symbols in flight (a second signal exits at once)", "signal", sig.String())
			cancel()
		case <-finished:
			return
		}
		select {
		case sig := <-sigs:
			logger.Error("second signal: exiting at once", "signal", sig.String())
			os.Exit(cmdutil.ExitError)
		case <-finished:
		}
	}()
	return Run(runCtx, o, logger)
}

// Run runs the bot with o until ctx ends; it is runRun without the signal
// handling, for tests.
func Run(ctx context.Context, o *RunOptions, logger *slog.Logger) error {
	cfg := o.Config
	level, _ := parseLevel(o.LogLevel)
	dir, err := o.dataDir()
	if err != nil {
		return err
	}
	// One bot per data dir: a second run on it stops here, naming the
	// holder. The kernel frees the lock when this process ends, however.
	info := datadir.Info{PID: os.Getpid(), Started: time.Now().UTC(), Host: cfg.Broker.Host, Port: cfg.Broker.Port,
		ClientID: cfg.Broker.ClientID, Sim: o.Gateway.Sim, Version: o.Version}
	lock, err := datadir.Acquire(dir, info)
	if err != nil {
		return err
	}
	defer lock.Release()
	journal, err := bot.OpenJournal(dir)
	if err != nil {
		return err
	}
	defer journal.Close()

	// Alerts, metrics and health exist before the first connection, so
	// /healthz says "not connected yet" while the bot waits for a client
	// id, and a start that fails is still visible.
	notifier, err := alert.New(alertConfig(cfg.Monitoring, logger.With("component", "alert")))
	if err != nil {
		return cmdutil.FlagErrorf("monitoring: %v", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := notifier.Close(cctx); err != nil {
			logger.Warn("alerts not delivered before stopping", "err", err)
		}
	}()
	var (
		mets   *metrics.Metrics
		health *metrics.Health
	)
	if o.HTTP != "" {
		mets = metrics.New(o.Version, metrics.Sources{Alerts: alertSources(notifier)})
		health = metrics.NewHealth(mets, nil)
		hs, err := metrics.Listen(o.HTTP, metrics.Handler(mets, health), logger.With("component", "http"))
		if err != nil {
			return err
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Close(cctx)
		}()
		logger.Info("http_listening", "addr", hs.Addr(), "paths", "/metrics /healthz /readyz")
		if o.HTTPStarted != nil {
			o.HTTPStarted(hs.Addr())
		}
	}

	// Clocks: with --sim one virtual clock for everything that reads market
	// time; the session's pacing stays on real time (the Gateway's).
	var clock sched.Clock
	now := o.Now
	if o.Clock != nil && !o.Gateway.Sim {
		clock, now = o.Clock, o.Clock.Now
	}
	var srv *ibsim.Server
	var hist ibkr.HistoricalPacing // IB's, except on the embedded simulator
	host, port := cfg.Broker.Host, cfg.Broker.Port
	if o.Gateway.Sim {
		sc := bot.NewSimClock(o.Gateway.SimStart, o.Speed)
		clock, now = sc, sc.Now
		addr := o.SimListen
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		// The simulator logs each message it sends at info: only its
		// warnings, unless --log-level debug.
		simLog := logger
		if level > slog.LevelDebug {
			simLog = slog.New(minLevel{logger.Handler(), slog.LevelWarn})
		}
		hist = simHistoricalPacing(o.Speed)
		srv, err = ibsim.Start(ibsim.Config{Addr: addr, Seed: o.Gateway.Seed, Clock: sc,
			Logger: simLog.With("component", "ibsim"), TickInterval: 250 * time.Millisecond,
			Limits: ibsim.Limits{HistIdenticalWindow: hist.IdenticalWindow, HistBurstWindow: hist.BurstWindow, HistLongWindow: hist.LongWindow}})
		if err != nil {
			return fmt.Errorf("start the embedded simulator: %w", err)
		}
		defer srv.Close()
		if o.SimListen != "" {
			fmt.Fprintf(o.IO.Out, "ibsim listening on %s\n", srv.Addr())
		}
		if o.SimControl != "" {
			cp, err := sim.ServeControl(o.SimControl, srv, logger.With("component", "ibsim-control"))
			if err != nil {
				return err
			}
			defer cp.Close()
			fmt.Fprintf(o.IO.Out, "ibsim control on %s\n", cp.Addr())
		}
		if o.Started != nil {
			o.Started(srv)
		}
		h, p, err := cmdutil.SplitAddr(srv.Addr())
		if err != nil {
			return err
		}
		host, port = h, p
		info.Host, info.Port = h, p
		if err := lock.Update(info); err != nil {
			return err
		}
	}

	pool := ibkr.NewPool(ibkr.PoolConfig{Session: ibkr.Config{Logger: logger.With("component", "ibkr"), MarketClock: now, ReadOnly: cfg.Broker.ReadOnly,
		Historical: hist, ConnectivityTimeout: o.ConnectivityTimeout}})
	defer pool.Close()
	ep := ibkr.Endpoint{Host: host, Port: port, ClientID: cfg.Broker.ClientID}
	lease, err := connect(ctx, pool, ep, logger, o.backoff())
	if err != nil && ctx.Err() != nil {
		// Stopped (SIGTERM) while connecting or waiting for the client
		// id: a requested stop, not a failure.
		logger.Warn("stopped before connecting", "err", err)
		return nil
	}
	if err != nil {
		if !o.Gateway.Sim && errors.Is(err, ibkr.ErrDisconnected) {
			return cmdutil.ConnectHint(fmt.Sprintf("%s:%d", host, port), err)
		}
		return err
	}
	// Released before the pool closes: the session disconnects cleanly
	// and the Gateway frees the client id at once.
	defer lease.Release()
	chains, err := optchain.New(lease, optchain.Config{Clock: now, Logger: logger.With("component", "optchain")})
	if err != nil {
		return err
	}
	mode := o.Mode
	if cfg.Broker.ReadOnly && mode != bot.DryRun {
		logger.Warn("broker.read_only is true: no order can be sent; running as a dry run")
		mode = bot.DryRun
	}
	lostAfter := o.ConnLostAfter
	if lostAfter <= 0 {
		lostAfter = DefaultConnLostAfter
	}
	obs := &observer{log: logger, m: mets, n: notifier, now: now, dryRun: mode == bot.DryRun, lostFor: lostAfter, parked: map[string]bool{}}
	b, err := bot.New(bot.Deps{Config: cfg, Mode: mode, Broker: lease, Chains: chains, Journal: journal, Clock: now,
		Logger: logger, Strategy: o.StrategyOverride, OnDecision: obs.decision})
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	defer bg.Wait() // after cancel: the prober and the watcher are gone before the lease is released
	defer cancel()
	bg.Go(func() { obs.watch(runCtx, lease.Session) })
	if mets != nil {
		mets.SetSources(metrics.Sources{Session: lease, Decisions: b.Decisions, Alerts: alertSources(notifier)})
		health.SetSession(lease)
		bg.Go(func() { health.RunProber(runCtx, metrics.ProbeInterval) })
	}
	cycles := 0
	interval := time.Duration(cfg.Schedule.IntervalSeconds) * time.Second
	scfg := sched.Config{
		Interval:      interval,
		MaxConcurrent: cfg.Schedule.MaxConcurrentSymbols,
		Calendar:      sched.NYSE(),
		Clock:         clock,
		Classify:      classify,
		Logger:        logger.With("component", "sched"),
		OnCycle: func(r sched.CycleReport) {
			logCycle(logger, r)
			obs.cycle(runCtx, r)
			if !r.Skipped {
				cycles++
				if o.Cycles > 0 && cycles >= o.Cycles {
					cancel()
				}
			}
		},
	}
	s, err := sched.New(scfg)
	if err != nil {
		return err
	}
	if o.Gateway.Sim && o.Cycles == 0 {
		// One simulated trading session, to its close.
		cal := sched.NYSE()
		start := now()
		if !cal.IsOpen(start) {
			start = cal.NextOpen(start)
		}
		if sess, ok := cal.Session(start); ok {
			t := clock.AfterFunc(sess.Close.Sub(now()), cancel)
			defer t.Stop()
		}
	}
	logger.Info("run_start", "mode", mode.String(), "symbols", strings.Join(cfg.Symbols, ","), "interval", interval,
		"maxConcurrent", cfg.Schedule.MaxConcurrentSymbols, "strategy", cfg.Strategy.Name, "dataDir", dir,
		"gateway", fmt.Sprintf("%s:%d", host, port), "clientId", cfg.Broker.ClientID, "sim", o.Gateway.Sim, "run", b.RunID())
	notifier.Notify(alert.Event{Kind: alert.KindStart, Title: fmt.Sprintf("%s on %s, every %v", mode, strings.Join(cfg.Symbols, ","), interval),
		At: now(), Fields: map[string]string{"strategy": cfg.Strategy.Name, "gateway": fmt.Sprintf("%s:%d", host, port), "client_id": strconv.FormatInt(cfg.Broker.ClientID, 10), "run": b.RunID()}})
	if health != nil {
		health.SetReady(true)
	}
	sum, runErr := s.Run(runCtx, cfg.Symbols, b.RunSymbol)
	if health != nil {
		health.SetReady(false)
	}
	decisions := b.Decisions()
	notifier.Notify(alert.Event{Kind: alert.KindStop, Title: fmt.Sprintf("%d cycles; symbol runs: %d ok, %d error, %d timeout, %d skipped", sum.Cycles, sum.OK, sum.Errors, sum.Timeouts, sum.Skipped),
		Text: errText(runErr), At: now()})
	attrs := []any{"cycles", sum.Cycles, "skippedCycles", sum.SkippedCycles,
		"symbolRuns", map[string]int{"ok": sum.OK, "error": sum.Errors, "timeout": sum.Timeouts, "skipped": sum.Skipped, "canceled": sum.Canceled},
		"decisions", decisions}
	if srv != nil {
		attrs = append(attrs, "gateway", srv.Stats())
	}
	logger.Info("run_complete", attrs...)
	printSummary(o.IO.Out, sum, decisions, srv)
	if runErr != nil && ctx.Err() == nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}

// simHistoricalPacing is IB's historical pacing on the simulated clock:
// its windows (15 s identical, 2 s burst, 10 min long) divided by the
// clock's speed, for the embedded simulator and the session alike. A
// simulated day asks for as many bars per simulated minute as a real one,
// so it meets the rules as a real day would; the message rate (50 a
// second) stays on wall time, where the socket is.
func simHistoricalPacing(speed float64) ibkr.HistoricalPacing {
	scale := func(d time.Duration) time.Duration { return max(time.Duration(float64(d)/speed), time.Millisecond) }
	return ibkr.HistoricalPacing{IdenticalWindow: scale(15 * time.Second), BurstWindow: scale(2 * time.Second), LongWindow: scale(10 * time.Minute)}
}

// connect leases the session of ep. A client id held by another session
// (326: another bot, or the Gateway still holding it for about a minute
// after its holder died) is retried with backoff until ctx ends, saying so
// plainly; anything else fails at once.
func connect(ctx context.Context, pool *ibkr.Pool, ep ibkr.Endpoint, logger *slog.Logger, backoff func(attempt int) time.Duration) (*ibkr.Lease, error) {
	for attempt := 1; ; attempt++ {
		dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		lease, err := pool.Session(dialCtx, ep)
		cancel()
		if err == nil {
			return lease, nil
		}
		if !errors.Is(err, ibkr.ErrClientIDInUse) || ctx.Err() != nil {
			return nil, err
		}
		wait := backoff(attempt)
		logger.Warn(fmt.Sprintf("another session holds client id %d on %s:%d; IB frees an id about a minute after its holder dies: retrying in %v",
			ep.ClientID, ep.Host, ep.Port, wait), "event", "client_id_in_use", "clientId", ep.ClientID, "gateway", fmt.Sprintf("%s:%d", ep.Host, ep.Port),
			"attempt", attempt, "retryIn", wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("client id %d on %s:%d still in use after %d attempts: %w", ep.ClientID, ep.Host, ep.Port, attempt, err)
		}
	}
}

// backoff is the wait before the attempt-th retry of a refused client id:
// 1 s doubling to 30 s, or RetryBackoff (tests).
func (o *RunOptions) backoff() func(int) time.Duration {
	if o.RetryBackoff != nil {
		return o.RetryBackoff
	}
	return func(attempt int) time.Duration {
		d := time.Second << min(attempt-1, 5)
		return min(d, 30*time.Second)
	}
}

// classify sorts a symbol's error for the scheduler: a lost connection,
// pacing and timeouts are retried; an unknown symbol parks it.
func classify(err error) sched.Class {
	switch {
	case errors.Is(err, ibkr.ErrNoSecurityDefinition), errors.Is(err, ibkr.ErrInvalidArgument):
		return sched.Permanent
	}
	return sched.Retryable
}

// logCycle logs cycle_complete, and circuit_breaker_open for a symbol
// whose breaker opened.
func logCycle(log *slog.Logger, r sched.CycleReport) {
	if r.Skipped {
		log.Warn("cycle_skipped", "cycle", r.Cycle, "running", strings.Join(r.Running, ","))
		return
	}
	outcomes := map[string]int{}
	for _, s := range r.Symbols {
		outcomes[s.Outcome.String()]++
		if s.Breaker == sched.BreakerOpen && s.Outcome != sched.OutcomeSkipped {
			log.Warn("circuit_breaker_open", "symbol", s.Symbol, "cycle", r.Cycle, "failures", s.Failures, "err", s.Err)
		}
		if s.Err != nil && s.Outcome != sched.OutcomeOK {
			log.Warn("symbol_failed", "symbol", s.Symbol, "cycle", r.Cycle, "outcome", s.Outcome.String(), "err", s.Err)
		}
	}
	log.Info("cycle_complete", "cycle", r.Cycle, "symbols", len(r.Symbols), "duration", r.Duration, "outcomes", outcomes,
		"planned", r.Planned.Format(time.RFC3339))
}

func printSummary(w io.Writer, sum sched.Summary, decisions map[string]int, srv *ibsim.Server) {
	fmt.Fprintf(w, "run complete: %d cycles (%d skipped); symbol runs: %d ok, %d error, %d timeout, %d skipped, %d canceled\n",
		sum.Cycles, sum.SkippedCycles, sum.OK, sum.Errors, sum.Timeouts, sum.Skipped, sum.Canceled)
	kinds := make([]string, 0, len(decisions))
	for k := range decisions {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, decisions[k]))
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(w, "decisions: %s\n", strings.Join(parts, ", "))
	if srv != nil {
		st := srv.Stats()
		fmt.Fprintf(w, "simulated gateway: %d connections, %d messages, %d orders received, %d filled\n", st.Connections, st.Messages, st.OrdersReceived, st.OrderFills)
	}
}

// minLevel is a handler that drops records below a level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.Handler.WithGroup(n), h.min} }
