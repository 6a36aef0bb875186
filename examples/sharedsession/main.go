package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/scmhub/ibapi"
	"github.com/shopspring/decimal"
)

func main() {
	// The wire library logs to stderr through a package-global logger;
	// 7 is its "disabled" level.
	ibapi.SetLogLevel(7)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "sharedsession:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	addr     string // host:port of a Gateway; empty starts the simulator
	clientID int64
	workers  int
	symbols  []string
	timeout  time.Duration
}

// parseArgs turns the command line into options. Usage goes to out.
func parseArgs(args []string, out io.Writer) (options, error) {
	var o options
	var symbols string
	fs := flag.NewFlagSet("sharedsession", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.addr, "addr", "", "`host:port` of an IB Gateway or TWS (paper Gateway: 127.0.0.1:4002); empty starts an embedded simulator")
	fs.Int64Var(&o.clientID, "client-id", 1, "the API client id every worker shares")
	fs.IntVar(&o.workers, "workers", 3, "goroutines that process the symbols")
	fs.StringVar(&symbols, "symbols", "SPY,QQQ,AAPL", "comma-separated US stock or ETF symbols")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "deadline for the whole run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.workers < 1 {
		return o, fmt.Errorf("-workers %d: want at least 1", o.workers)
	}
	if o.timeout <= 0 {
		return o, fmt.Errorf("-timeout %v: want more than 0", o.timeout)
	}
	for _, s := range strings.Split(symbols, ",") {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			o.symbols = append(o.symbols, s)
		}
	}
	if len(o.symbols) == 0 {
		return o, errors.New("-symbols: want at least one symbol")
	}
	return o, nil
}

// result is what a worker found for one symbol.
type result struct {
	symbol  string
	worker  int
	details ibkr.ContractDetails
	quote   ibkr.Quote
	err     error
}

// run is the program: it parses args, connects, lets the workers share one
// session, and prints to stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseArgs(args, stdout)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()

	if opts.addr == "" {
		// The market clock: 10:00 New York (EDT) on Tuesday, 10 March 2026.
		morning := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
		srv, err := ibsim.Start(ibsim.Config{Clock: ibsim.NewVirtualClock(morning)})
		if err != nil {
			return fmt.Errorf("start the simulated gateway: %w", err)
		}
		defer srv.Close()
		opts.addr = srv.Addr()
		fmt.Fprintf(stdout, "simulated gateway on %s\n", opts.addr)
	}
	host, portText, err := net.SplitHostPort(opts.addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", opts.addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("-addr %q: port: %w", opts.addr, err)
	}
	ep := ibkr.Endpoint{Host: host, Port: port, ClientID: opts.clientID}

	pool := ibkr.NewPool(ibkr.PoolConfig{})
	var watcher sync.WaitGroup
	defer func() {
		pool.Close() // closes whatever is still open, and waits
		watcher.Wait()
	}()

	// This goroutine takes a reference too, to watch the session.
	sess, err := pool.Session(ctx, ep)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", ep, err)
	}
	fmt.Fprintf(stdout, "session %s: status %s, accounts %s\n", ep, sess.Status(), strings.Join(sess.Accounts(), ","))
	events := sess.StatusChanged()
	var seen []string
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		for ev := range events { // closed when the session closes
			s := ev.Status.String()
			if ev.Err != nil {
				s += " (" + ev.Err.Error() + ")"
			}
			seen = append(seen, s)
		}
	}()
	// Delayed data where the account has no live subscription; IB serves
	// live data where it has one, and each quote says which it got.
	if err := sess.SetMarketDataType(ctx, ibkr.MarketDataDelayed); err != nil {
		sess.Release()
		return err
	}

	results, shared := work(ctx, pool, ep, opts)
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(stdout, "%-5s error: %v\n", r.symbol, r.err)
			continue
		}
		q := r.quote
		fmt.Fprintf(stdout, "%-5s conId %d  %s  bid %s  ask %s  last %s  (%s, worker %d)\n",
			r.symbol, r.details.Contract.ConID, r.details.Contract.PrimaryExchange,
			price(q.Bid), price(q.Ask), price(q.Last), q.Type, r.worker)
	}
	fmt.Fprintf(stdout, "%d workers on client id %d got %d distinct session(s)\n", opts.workers, opts.clientID, shared)

	// The last reference closes the shared session: StatusChanged reports
	// it and closes.
	sess.Release()
	watcher.Wait()
	fmt.Fprintf(stdout, "status %s; changes seen: %s\n", sess.Status(), strings.Join(seen, ", "))

	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.symbol, r.err))
		}
	}
	return errors.Join(errs...)
}

// work runs opts.workers goroutines over the symbols. Each takes the
// endpoint's session from the pool and gives it back when done. It returns
// the results in symbol order and how many distinct sessions the workers
// got (one, if the pool does its job).
func work(ctx context.Context, pool *ibkr.Pool, ep ibkr.Endpoint, opts options) ([]result, int) {
	todo := make(chan int, len(opts.symbols))
	for i := range opts.symbols {
		todo <- i
	}
	close(todo)
	results := make([]result, len(opts.symbols))
	for i, s := range opts.symbols {
		results[i] = result{symbol: s, err: errors.New("not processed")}
	}
	got := make([]*ibkr.Session, opts.workers)
	var wg sync.WaitGroup
	for w := range opts.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess, err := pool.Session(ctx, ep)
			if err != nil {
				for i := range todo {
					results[i].err = err
				}
				return
			}
			defer sess.Release()
			got[w] = sess.Session
			for i := range todo {
				results[i] = lookUp(ctx, sess.Session, opts.symbols[i])
				results[i].worker = w + 1
			}
		}()
	}
	wg.Wait()
	distinct := map[*ibkr.Session]bool{}
	for _, s := range got {
		if s != nil {
			distinct[s] = true
		}
	}
	return results, len(distinct)
}

// price formats a quote's price; zero means the Gateway sent none.
func price(d decimal.Decimal) string {
	if d.IsZero() {
		return "-"
	}
	return d.StringFixed(2)
}

// lookUp qualifies a stock and takes a snapshot of it.
func lookUp(ctx context.Context, sess *ibkr.Session, symbol string) result {
	r := result{symbol: symbol}
	r.details, r.err = sess.Qualify(ctx, ibkr.Stock(symbol))
	if r.err != nil {
		return r
	}
	r.quote, r.err = sess.Snapshot(ctx, r.details.Contract)
	return r
}
