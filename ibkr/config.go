package ibkr

import (
	"github.com/ibbot/ibbot/ibkr/internal/pace"

	"fmt"
	"log/slog"
	"math"
	"net"
	"strconv"
	"time"
)

// Defaults used when a Config field is zero.
const (
	DefaultHost             = "127.0.0.1"
	DefaultPort             = 4002 // IB Gateway, paper
	DefaultConnectTimeout   = 15 * time.Second
	DefaultRate             = 43.0 // messages per second
	MaxRate                 = 50.0 // IB's documented limit; see Config.Rate for the Session's own
	DefaultMarketDataLines  = 100
	DefaultStreamBuffer     = 1024
	DefaultReconnectWait    = 500 * time.Millisecond
	DefaultMaxReconnectWait = 30 * time.Second
	DefaultProbeInterval    = 30 * time.Second
	DefaultProbeTimeout     = 15 * time.Second
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
	// second. Default 43. Rate and Burst together must keep the writer
	// under the relay's hard cap: Burst + Rate×1.1 ≤ 49 (HardRateCap
	// messages in any CapWindow), so at Burst 1 Rate is at most 43.6. No
	// accepted configuration can make the Gateway count more than 50
	// messages in a second.
	Rate float64
	// Burst is how many messages may leave at once when the writer has
	// been idle. Default 1 (no bursts); raising it trades a steadier rate
	// for latency and lowers the highest Rate allowed (see Rate).
	Burst int
	// NoPaceAPI leaves out the +PACEAPI connect option. By default the
	// Session asks the Gateway (TWS 974 and later) to queue messages that
	// would exceed its rate instead of answering 100: the Session paces
	// below the limit itself, and this covers what it cannot see.
	NoPaceAPI bool
	// MarketDataLines is the account's market data line budget that
	// streams and snapshots draw from. Default 100.
	MarketDataLines int
	// StreamBuffer is how many items a Stream holds for a reader that
	// falls behind; when it is full the oldest item is dropped and counted
	// (Stream.Dropped). Quote streams never queue: they merge. Default
	// 1024, at most 1<<20.
	StreamBuffer int
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
	// ProbeInterval is how often the Session asks a ready connection for
	// the Gateway's time to prove the stream alive; ProbeTimeout is how
	// long an answer may take once the probe was written. An unanswered
	// probe means the connection is dead though its socket is open (a
	// half-open TCP connection, a Gateway that stalled, a stream that lost
	// its framing): the Session drops it and reconnects instead of letting
	// every call time out. Defaults 30s and 15s; a negative ProbeInterval
	// turns probing off.
	ProbeInterval time.Duration
	ProbeTimeout  time.Duration
	// Now is the Session's clock for pacing windows (the Gateway's limits
	// run on real time). Default time.Now.
	Now func() time.Time
	// MarketClock stamps quotes and order statuses and judges regular
	// trading hours (Quote.OutsideRTH). Default time.Now; against a
	// simulator on a virtual market clock, pass that clock's Now.
	MarketClock func() time.Time

	// lines, when set, is a market data line budget shared with other
	// sessions on the same account (a Pool sets it).
	lines *pace.Lines

	// rateOverride lifts the writer's rate above IB's limit and removes the
	// relay's hard cap; only this package's tests and benchmarks set it,
	// against a simulator with raised limits.
	rateOverride float64
}

// HardRateCap is the most messages a connection ever writes in any
// CapWindow, counted right before the socket when they are written: one
// under IB's 50 per second, over a window 100 ms longer than IB's second,
// so that delivery jitter (a message delayed on its way, then arriving
// with the next) never lets the Gateway count 51 in one of its seconds.
const (
	HardRateCap = 49
	CapWindow   = 1100 * time.Millisecond
)

// newRateCap returns the relay's hard cap for one connection.
func (c Config) newRateCap() *pace.Cap {
	if c.rateOverride > 0 {
		// Tests and benchmarks with lifted limits still run the relay's
		// frame path, with a cap that never waits.
		return pace.NewCap(1024, time.Nanosecond)
	}
	return pace.NewCap(HardRateCap, CapWindow)
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
		return c, invalid("Config.Port", c.Port, "1..65535 (4001/4002 for IB Gateway, 7496/7497 for TWS)")
	}
	if c.ClientID < 0 || c.ClientID > 2147483647 {
		return c, invalid("Config.ClientID", c.ClientID, "0..2147483647")
	}
	if c.ConnectTimeout < 0 {
		return c, invalid("Config.ConnectTimeout", c.ConnectTimeout, "0 (default 15s) or a positive duration")
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Burst == 0 {
		c.Burst = 1
	}
	if c.rateOverride == 0 && (c.Burst < 1 || c.Burst > HardRateCap-1) {
		return c, invalid("Config.Burst", c.Burst, fmt.Sprintf("1..%d", HardRateCap-1))
	}
	if c.rateOverride == 0 && (c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || !rateFits(c.Rate, c.Burst)) {
		return c, invalid("Config.Rate", c.Rate, fmt.Sprintf("more than 0 and at most %.2f messages per second with Burst %d (Burst + Rate×%.1f must not exceed the hard cap of %d messages in %v)",
			maxRateFor(c.Burst), c.Burst, CapWindow.Seconds(), HardRateCap, CapWindow))
	}
	if c.MarketDataLines == 0 {
		c.MarketDataLines = DefaultMarketDataLines
	}
	if c.MarketDataLines < 1 || c.MarketDataLines > 10000 {
		return c, invalid("Config.MarketDataLines", c.MarketDataLines, "1..10000 (0 means 100)")
	}
	if c.StreamBuffer == 0 {
		c.StreamBuffer = DefaultStreamBuffer
	}
	if c.StreamBuffer < 1 || c.StreamBuffer > 1<<20 {
		return c, invalid("Config.StreamBuffer", c.StreamBuffer, "1..1048576 (0 means 1024)")
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
	for _, w := range []struct {
		name string
		d    time.Duration
	}{{"IdenticalWindow", h.IdenticalWindow}, {"BurstWindow", h.BurstWindow}, {"LongWindow", h.LongWindow}} {
		if w.d < 0 {
			return c, invalid("Config.Historical."+w.name, w.d, "0 (IB's value) or a positive duration")
		}
	}
	if h.BurstCount < 2 {
		return c, invalid("Config.Historical.BurstCount", h.BurstCount, "at least 2 (0 means IB's 6)")
	}
	if h.LongCount < 1 {
		return c, invalid("Config.Historical.LongCount", h.LongCount, "at least 1 (0 means IB's 60)")
	}
	if h.MaxOpen < 1 {
		return c, invalid("Config.Historical.MaxOpen", h.MaxOpen, "at least 1 (0 means IB's 50)")
	}
	for _, w := range []struct {
		name string
		d    time.Duration
	}{{"ReconnectWait", c.ReconnectWait}, {"MaxReconnectWait", c.MaxReconnectWait}, {"ReconnectJitter", c.ReconnectJitter}} {
		if w.d < 0 {
			return c, invalid("Config."+w.name, w.d, "0 (the default) or a positive duration")
		}
	}
	if c.MaxReconnects < 0 {
		return c, invalid("Config.MaxReconnects", c.MaxReconnects, "0 (never give up) or a positive count")
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
	if c.ProbeTimeout < 0 {
		return c, invalid("Config.ProbeTimeout", c.ProbeTimeout, "0 (default 15s) or a positive duration")
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = DefaultProbeInterval
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = DefaultProbeTimeout
	}
	if c.ConnectivityTimeout < 0 {
		return c, invalid("Config.ConnectivityTimeout", c.ConnectivityTimeout, "0 (default 2m) or a positive duration")
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
	if c.MarketClock == nil {
		c.MarketClock = time.Now
	}
	return c, nil
}

// rateFits reports whether a writer at rate with burst stays under the
// hard cap: a token bucket lets at most burst + rate×T messages leave in
// any T.
func rateFits(rate float64, burst int) bool {
	return rate > 0 && float64(burst)+rate*CapWindow.Seconds() <= float64(HardRateCap)+1e-9
}

// maxRateFor is the highest Rate accepted with burst.
func maxRateFor(burst int) float64 {
	return math.Floor((float64(HardRateCap-burst)/CapWindow.Seconds())*100) / 100
}

// addr is host:port.
func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }
