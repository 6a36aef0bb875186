package ibsim

import (
	"fmt"
	"log/slog"
	"regexp"
	"time"
)

// Defaults used when a Config field is zero.
const (
	DefaultAddr    = "127.0.0.1:0"
	DefaultAccount = "DU1234567"
	// DefaultServerVersion is the highest version the simulator fully
	// speaks (HighestServerVersion): Config.MaxServerVersion's default.
	DefaultServerVersion = HighestServerVersion
	DefaultSeed          = 1
	// MinClientVersion is the oldest protocol version the simulator speaks
	// (the first with length-prefixed framing).
	MinClientVersion = 100
	// HighestServerVersion is the newest version the simulator fully
	// speaks: binary message ids from 201 and every protobuf family at its
	// gate, 201 to 213, and the changes of 214 to 225.
	HighestServerVersion = 225
	// NewestClientVersion is the newest version a TWS API client asks for
	// (scmhub/ibapi v0.10.47's MAX_CLIENT_VER): the most Config.MaxServerVersion
	// may name.
	NewestClientVersion = 225
)

// Config configures a simulated Gateway. Every zero field means the default
// named in its comment, so Config{} is a paper Gateway on a free loopback
// port with IB's real limits.
type Config struct {
	// Addr is the listen address. Default "127.0.0.1:0" (a free loopback
	// port). The simulator never listens beyond loopback unless Addr names
	// another address.
	Addr string
	// Seed fixes the market model: the same seed gives the same prices,
	// bars and chains. Default 1.
	Seed int64
	// Account is the paper account id sent in managedAccounts. It must look
	// like a paper account, "DU" and digits. Default "DU1234567".
	Account string
	// Delayed models an account without live market data subscriptions:
	// live and frozen requests (market data type 1 or 2) get 354, delayed
	// requests (type 3 or 4) get 10167 and delayed ticks.
	Delayed bool
	// MaxServerVersion is the highest version the simulator negotiates,
	// 100..NewestClientVersion: the client's maximum is capped at it
	// (200 speaks text only; 176 or 193 answer older clients as their
	// Gateways did). Default HighestServerVersion.
	MaxServerVersion int
	// Clock is the market clock: prices, trading hours and bar times are
	// read from it. Default the wall clock. Use a *VirtualClock to place
	// the market at any instant, or NewScaledClock to run it fast.
	Clock Clock
	// LimitClock drives the rate and pacing windows. Default the wall
	// clock.
	LimitClock Clock
	// Logger receives one line per client connect and disconnect and per
	// error sent. Default: discard.
	Logger *slog.Logger

	// TickInterval is the wall time between streaming market data updates
	// (and keepUpToDate bar updates). Default 250ms.
	TickInterval time.Duration
	// SnapshotEndDelay is the wall time between a snapshot's first ticks and
	// its tickSnapshotEnd, during which the snapshot holds a market data
	// line. Default 50ms (the real Gateway takes up to about 11 s).
	SnapshotEndDelay time.Duration

	// Limits, all as on the real Gateway by default.
	Limits Limits
}

// Limits are the Gateway's limits. Zero fields mean IB's values; tests
// scale the time windows down.
type Limits struct {
	// MaxMsgRate is the number of client messages allowed in RateWindow per
	// connection. Default 50.
	MaxMsgRate int
	// RateWindow is the rate window. Default 1s.
	RateWindow time.Duration
	// RateStrikes is how many windows with excess messages within
	// RateStrikeWindow close the socket. Default 3.
	RateStrikes int
	// RateStrikeWindow is the period over which strikes are counted.
	// Default 10s.
	RateStrikeWindow time.Duration

	// MaxClients is the number of simultaneous API clients. Default 32.
	MaxClients int
	// MaxMarketDataLines is the account's market data lines. Default 100.
	MaxMarketDataLines int

	// HistIdenticalWindow: an identical historical request within this
	// window is a pacing violation. Default 15s.
	HistIdenticalWindow time.Duration
	// HistBurstWindow and HistBurstCount: HistBurstCount or more requests
	// for the same contract, exchange and tick type within HistBurstWindow
	// is a violation. Defaults 2s and 6.
	HistBurstWindow time.Duration
	HistBurstCount  int
	// HistLongWindow and HistLongCount: more than HistLongCount requests
	// within HistLongWindow is a violation. Defaults 10m and 60.
	HistLongWindow time.Duration
	HistLongCount  int
	// HistMaxOpen is the number of historical requests open at once.
	// Default 50.
	HistMaxOpen int
	// HistResponseDelay is how long a historical request stays open before
	// its answer is sent. Default 0 (answered at once).
	HistResponseDelay time.Duration
	// MaxAccountSummary is the number of account summary subscriptions one
	// connection may hold at once. Default 2.
	MaxAccountSummary int
	// MaxDepthRequests is the number of market depth requests the account
	// may hold open at once, across its connections (error 309). Default 3.
	MaxDepthRequests int
	// MaxTickByTick is the number of tick-by-tick subscriptions open at
	// once, over all clients (error 10190 past it). Default 3, the
	// Gateway's for an account with 100 market data lines.
	MaxTickByTick int
}

var paperAccountRE = regexp.MustCompile(`^DU[0-9]{1,12}$`)

// withDefaults returns a copy of c with defaults filled in, or an error
// naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Account == "" {
		c.Account = DefaultAccount
	}
	if !paperAccountRE.MatchString(c.Account) {
		return c, fmt.Errorf("ibsim: Config.Account %q: want a paper account id, DU followed by 1 to 12 digits (e.g. DU1234567)", c.Account)
	}
	if c.MaxServerVersion == 0 {
		c.MaxServerVersion = DefaultServerVersion
	}
	if c.MaxServerVersion < MinClientVersion || c.MaxServerVersion > NewestClientVersion {
		return c, fmt.Errorf("ibsim: Config.MaxServerVersion %d: want %d..%d", c.MaxServerVersion, MinClientVersion, NewestClientVersion)
	}
	if c.Clock == nil {
		c.Clock = WallClock{}
	}
	if c.LimitClock == nil {
		c.LimitClock = WallClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.TickInterval < 0 || c.SnapshotEndDelay < 0 {
		return c, fmt.Errorf("ibsim: Config.TickInterval and SnapshotEndDelay must not be negative")
	}
	if c.TickInterval == 0 {
		c.TickInterval = 250 * time.Millisecond
	}
	if c.SnapshotEndDelay == 0 {
		c.SnapshotEndDelay = 50 * time.Millisecond
	}
	l := &c.Limits
	def := func(p *int, v int, name string) error {
		if *p < 0 {
			return fmt.Errorf("ibsim: Config.Limits.%s %d: must not be negative", name, *p)
		}
		if *p == 0 {
			*p = v
		}
		return nil
	}
	defD := func(p *time.Duration, v time.Duration, name string) error {
		if *p < 0 {
			return fmt.Errorf("ibsim: Config.Limits.%s %v: must not be negative", name, *p)
		}
		if *p == 0 {
			*p = v
		}
		return nil
	}
	for _, e := range []error{
		def(&l.MaxMsgRate, 50, "MaxMsgRate"),
		defD(&l.RateWindow, time.Second, "RateWindow"),
		def(&l.RateStrikes, 3, "RateStrikes"),
		defD(&l.RateStrikeWindow, 10*time.Second, "RateStrikeWindow"),
		def(&l.MaxClients, 32, "MaxClients"),
		def(&l.MaxMarketDataLines, 100, "MaxMarketDataLines"),
		defD(&l.HistIdenticalWindow, 15*time.Second, "HistIdenticalWindow"),
		defD(&l.HistBurstWindow, 2*time.Second, "HistBurstWindow"),
		def(&l.HistBurstCount, 6, "HistBurstCount"),
		defD(&l.HistLongWindow, 10*time.Minute, "HistLongWindow"),
		def(&l.HistLongCount, 60, "HistLongCount"),
		def(&l.HistMaxOpen, 50, "HistMaxOpen"),
		defD(&l.HistResponseDelay, 0, "HistResponseDelay"),
		def(&l.MaxAccountSummary, 2, "MaxAccountSummary"),
		def(&l.MaxDepthRequests, 3, "MaxDepthRequests"),
		def(&l.MaxTickByTick, 3, "MaxTickByTick"),
	} {
		if e != nil {
			return c, e
		}
	}
	return c, nil
}
