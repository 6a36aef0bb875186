package ibkr

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"
)

// Defaults used when a Config field is zero.
const (
	DefaultHost             = "127.0.0.1"
	DefaultPort             = 4002 // IB Gateway, paper
	DefaultConnectTimeout   = 15 * time.Second
	DefaultRate             = 45.0 // messages per second
	MaxRate                 = 50.0 // IB's limit
	DefaultMarketDataLines  = 100
	DefaultReconnectWait    = 500 * time.Millisecond
	DefaultMaxReconnectWait = 30 * time.Second
)

// Config configures a Session. It is read once by Dial; zero fields mean
// the default named in their comment.
type Config struct {
	// Host of the Gateway or TWS. Default "127.0.0.1".
	Host string
	// Port of the API socket. Default 4002 (paper IB Gateway); 4001 is a
	// live Gateway, 7497/7496 paper/live TWS.
	Port int
	// ClientID is the API client id. Every goroutine of a process shares
	// one Session per client id (see Pool); the Gateway refuses a second
	// connection with the same id (326).
	ClientID int64
	// ConnectTimeout bounds one connection attempt: TCP, handshake and the
	// Gateway's bootstrap (nextValidId, managedAccounts). Default 15s.
	ConnectTimeout time.Duration
	// ReadOnly: no order message is ever written; order calls fail with
	// ErrReadOnly.
	ReadOnly bool

	// Rate is the message rate the single writer keeps to, in messages per
	// second; at most 50 (IB's limit). Default 45.
	Rate float64
	// Burst is how many messages may leave at once when the writer has
	// been idle. Default 1 (no bursts); raising it trades a steadier rate
	// for latency, and the Gateway counts any 50 in a second.
	Burst int
	// MarketDataLines is the account's market data line budget that
	// streams and snapshots draw from. Default 100.
	MarketDataLines int
	// Historical sets the historical data pacing the Session keeps to.
	// Zero fields mean IB's rules.
	Historical HistoricalPacing

	// ReconnectWait is the first wait before reconnecting; it doubles per
	// failed attempt up to MaxReconnectWait, with ReconnectJitter added.
	// Defaults 500ms, 30s, and ReconnectWait/2.
	ReconnectWait    time.Duration
	MaxReconnectWait time.Duration
	ReconnectJitter  time.Duration
	// MaxReconnects is how many attempts in a row may fail before the
	// Session gives up and closes. Default 0: never give up.
	MaxReconnects int
	// NoReconnect turns reconnecting off: a lost connection closes the
	// Session.
	NoReconnect bool

	// Logger receives the Session's log. Default: discard.
	Logger *slog.Logger
	// OnWarning, if set, receives every informational message from the
	// Gateway (farm status, 10167 delayed data, 1102 ...). It runs on its
	// own goroutine, never on the reader.
	OnWarning func(*APIError)
	// ConnectivityTimeout is how long the Session waits after the
	// Gateway reports lost connectivity to IB (1100) for it to come back
	// (1101 or 1102) before it drops the connection and reconnects.
	// Default 2m.
	ConnectivityTimeout time.Duration
	// Now is the Session's clock for pacing windows. Default time.Now.
	Now func() time.Time

	// lines, when set, is a market data line budget shared with other
	// sessions on the same account (a Pool sets it).
	lines *lineBudget

	// rateOverride lifts the writer's rate above IB's limit and removes the
	// relay's hard cap; only this package's tests and benchmarks set it,
	// against a simulator with raised limits.
	rateOverride float64
}

// HardRateCap is the most messages a connection ever writes in any one
// second, counted right before the socket: one under IB's 50.
const HardRateCap = 49

// newRateCap returns the relay's hard cap for one connection.
func (c Config) newRateCap() *slidingCap {
	if c.rateOverride > 0 {
		// Tests and benchmarks with lifted limits still run the relay's
		// frame path, with a cap that never waits.
		return newSlidingCap(1024, time.Nanosecond)
	}
	return newSlidingCap(HardRateCap, time.Second)
}

// HistoricalPacing are IB's historical data pacing rules. Zero fields mean
// IB's values.
type HistoricalPacing struct {
	// IdenticalWindow: an identical request is held until this long after
	// the previous one. Default 15s.
	IdenticalWindow time.Duration
	// BurstWindow and BurstCount: at most BurstCount-1 requests for the
	// same contract, exchange and tick type within BurstWindow. Defaults
	// 2s and 6.
	BurstWindow time.Duration
	BurstCount  int
	// LongWindow and LongCount: at most LongCount requests within
	// LongWindow. Defaults 10m and 60.
	LongWindow time.Duration
	LongCount  int
	// MaxOpen: at most this many requests open at once. Default 50.
	MaxOpen int
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Host == "" {
		c.Host = DefaultHost
	}
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Port < 1 || c.Port > 65535 {
		return c, fmt.Errorf("ibkr: Config.Port %d: want 1..65535", c.Port)
	}
	if c.ClientID < 0 || c.ClientID > 2147483647 {
		return c, fmt.Errorf("ibkr: Config.ClientID %d: want 0..2147483647", c.ClientID)
	}
	if c.ConnectTimeout < 0 {
		return c, fmt.Errorf("ibkr: Config.ConnectTimeout %v: must not be negative", c.ConnectTimeout)
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Rate < 0 || c.Rate > MaxRate {
		return c, fmt.Errorf("ibkr: Config.Rate %v: want 0 < rate <= %v messages per second", c.Rate, MaxRate)
	}
	if c.Burst == 0 {
		c.Burst = 1
	}
	if c.Burst < 1 || c.Burst > 50 {
		return c, fmt.Errorf("ibkr: Config.Burst %d: want 1..50", c.Burst)
	}
	if c.MarketDataLines == 0 {
		c.MarketDataLines = DefaultMarketDataLines
	}
	if c.MarketDataLines < 1 || c.MarketDataLines > 10000 {
		return c, fmt.Errorf("ibkr: Config.MarketDataLines %d: want 1..10000", c.MarketDataLines)
	}
	h := &c.Historical
	if h.IdenticalWindow == 0 {
		h.IdenticalWindow = 15 * time.Second
	}
	if h.BurstWindow == 0 {
		h.BurstWindow = 2 * time.Second
	}
	if h.BurstCount == 0 {
		h.BurstCount = 6
	}
	if h.LongWindow == 0 {
		h.LongWindow = 10 * time.Minute
	}
	if h.LongCount == 0 {
		h.LongCount = 60
	}
	if h.MaxOpen == 0 {
		h.MaxOpen = 50
	}
	if h.IdenticalWindow < 0 || h.BurstWindow < 0 || h.LongWindow < 0 || h.BurstCount < 2 || h.LongCount < 1 || h.MaxOpen < 1 {
		return c, fmt.Errorf("ibkr: Config.Historical %+v: windows must not be negative, BurstCount >= 2, LongCount >= 1, MaxOpen >= 1", *h)
	}
	if c.ReconnectWait < 0 || c.MaxReconnectWait < 0 || c.ReconnectJitter < 0 || c.MaxReconnects < 0 {
		return c, fmt.Errorf("ibkr: Config reconnect settings must not be negative")
	}
	if c.ReconnectWait == 0 {
		c.ReconnectWait = DefaultReconnectWait
	}
	if c.MaxReconnectWait == 0 {
		c.MaxReconnectWait = DefaultMaxReconnectWait
	}
	if c.MaxReconnectWait < c.ReconnectWait {
		c.MaxReconnectWait = c.ReconnectWait
	}
	if c.ReconnectJitter == 0 {
		c.ReconnectJitter = c.ReconnectWait / 2
	}
	if c.ConnectivityTimeout < 0 {
		return c, fmt.Errorf("ibkr: Config.ConnectivityTimeout %v: must not be negative", c.ConnectivityTimeout)
	}
	if c.ConnectivityTimeout == 0 {
		c.ConnectivityTimeout = 2 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// addr is host:port.
func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }
