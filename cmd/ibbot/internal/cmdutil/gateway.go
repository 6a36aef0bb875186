package cmdutil

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
	"github.com/ibbot/ibbot/sched"
)

// Environment variables of the connection flags; a flag given on the
// command line wins over them.
const (
	EnvHost     = "IBBOT_HOST"
	EnvPort     = "IBBOT_PORT"
	EnvClientID = "IBBOT_CLIENT_ID"
)

// Defaults of the connection flags.
const (
	DefaultHost     = ibkr.DefaultHost
	DefaultPort     = ibkr.DefaultPort
	DefaultClientID = 1
)

// GatewayOptions are the flags every command that talks to a Gateway
// shares: where it is (--host, --port, --client-id, or IBBOT_HOST,
// IBBOT_PORT, IBBOT_CLIENT_ID) and the embedded simulator (--sim, --seed,
// --sim-start).
type GatewayOptions struct {
	Host     string
	Port     int
	ClientID int64

	// Sim runs an embedded simulated Gateway instead (--sim).
	Sim bool
	// Seed is the embedded simulator's market seed (--seed).
	Seed int64
	// SimStart is the embedded simulator's start instant (--sim-start);
	// zero until Resolve.
	SimStart time.Time

	simStart string
}

// AddGatewayFlags adds the connection and embedded-simulator flags to cmd.
func AddGatewayFlags(cmd *cobra.Command, o *GatewayOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Host, "host", DefaultHost, "IB Gateway or TWS host (env "+EnvHost+")")
	fl.IntVar(&o.Port, "port", DefaultPort, "API port: 4002/4001 paper/live IB Gateway, 7497/7496 paper/live TWS (env "+EnvPort+")")
	fl.Int64Var(&o.ClientID, "client-id", DefaultClientID, "API client id, 0..2147483647 (env "+EnvClientID+")")
	fl.BoolVar(&o.Sim, "sim", false, "run against an embedded simulated IB Gateway (no account needed)")
	fl.Int64Var(&o.Seed, "seed", ibsim.DefaultSeed, "embedded simulator: market model seed")
	fl.StringVar(&o.simStart, "sim-start", "", "embedded simulator: market start `TIME` (RFC 3339; default now if the regular session is open, else 10:00 New York on the next trading day)")
}

// Resolve applies the environment to the flags not given, validates them
// and fills SimStart. Errors are *FlagError naming the flag or variable.
func (o *GatewayOptions) Resolve(cmd *cobra.Command, getenv func(string) string, now time.Time) error {
	fl := cmd.Flags()
	if v := getenv(EnvHost); v != "" && !fl.Changed("host") {
		o.Host = v
	}
	if v := getenv(EnvPort); v != "" && !fl.Changed("port") {
		p, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return FlagErrorf("invalid %s %q: want a port number 1..65535", EnvPort, v)
		}
		o.Port = p
	}
	if v := getenv(EnvClientID); v != "" && !fl.Changed("client-id") {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return FlagErrorf("invalid %s %q: want a client id 0..2147483647", EnvClientID, v)
		}
		o.ClientID = id
	}
	if strings.TrimSpace(o.Host) == "" || strings.ContainsAny(o.Host, " /") {
		return FlagErrorf("invalid --host %q: want a host name or IP address, e.g. 127.0.0.1", o.Host)
	}
	if o.Port < 1 || o.Port > math.MaxUint16 {
		return FlagErrorf("invalid --port %d: want 1..65535 (4002/4001 paper/live IB Gateway, 7497/7496 paper/live TWS)", o.Port)
	}
	if o.ClientID < 0 || o.ClientID > math.MaxInt32 {
		return FlagErrorf("invalid --client-id %d: want 0..2147483647", o.ClientID)
	}
	if o.simStart != "" {
		t, err := time.Parse(time.RFC3339, o.simStart)
		if err != nil {
			return FlagErrorf("invalid --sim-start %q: want an RFC 3339 time, e.g. 2026-03-10T10:00:00-04:00", o.simStart)
		}
		o.SimStart = t
	} else {
		o.SimStart = DefaultSimStart(now)
	}
	return nil
}

// Addr is host:port.
func (o *GatewayOptions) Addr() string { return net.JoinHostPort(o.Host, strconv.Itoa(o.Port)) }

// DefaultSimStart is now if the regular session is open, else 10:00 New
// York on the next trading day, so a simulated market looks live at any
// hour.
func DefaultSimStart(now time.Time) time.Time {
	cal := sched.NYSE()
	if cal.IsOpen(now) {
		return now
	}
	loc := cal.Location()
	n := now.In(loc)
	day := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	if !cal.IsTradingDay(day) || !n.Before(time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, loc)) {
		day = cal.NextTradingDay(day)
	}
	if s, ok := cal.Session(day); ok {
		return s.Open.Add(30 * time.Minute)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc)
}

// ConnectHint explains an error reaching the Gateway at addr, in the
// command line's words (it names --sim); the error still matches what err
// matches.
func ConnectHint(addr string, err error) error {
	return &connectError{addr: addr, err: err}
}

type connectError struct {
	addr string
	err  error
}

func (e *connectError) Error() string {
	cause := e.err.Error()
	var op *net.OpError
	if errors.As(e.err, &op) && op.Err != nil {
		cause = op.Err.Error()
	}
	return fmt.Sprintf("cannot reach IB Gateway or TWS at %s: %s\n"+
		"check that IB Gateway or TWS is running there with its API enabled (Configure > Settings > API), "+
		"and the port: 4002/4001 paper/live IB Gateway, 7497/7496 paper/live TWS; or run with --sim", e.addr, cause)
}

func (e *connectError) Unwrap() error { return e.err }

// SplitAddr splits host:port.
func SplitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: port %q is not a number", addr, p)
	}
	return host, port, nil
}
