// Package ibkr is ibbot's client for Interactive Brokers' TWS API (IB
// Gateway or TWS), built on the wire client github.com/scmhub/ibapi.
//
// # Session
//
// A Session is one API connection (one client id), shared safely by any
// number of goroutines. Dial returns once the Gateway's bootstrap arrived
// (managedAccounts, nextValidId) and one round trip succeeded. Every call
// that waits takes a context first; the caller owns deadlines, and a
// deadline is an error, never an empty result. Prices and quantities that
// callers compare or sum are decimal.Decimal.
//
// # One request's path
//
// A call registers a waiter under a fresh request id, then queues its
// message in one of three lanes (orders and cancels, interactive, bulk).
// The single writer goroutine takes the most urgent message, waits on a
// rate limiter (45 messages/s by default) and calls the EClient. The
// EClient's decoder calls the Session's wrapper, which routes each callback
// by request or order id into the waiter without ever blocking. Historical
// requests first pass IB's pacing rules (identical requests 15 s apart,
// fewer than 6 per 2 s per contract and tick type, 60 per 10 minutes, 50
// open) and wait their turn instead of failing; snapshots and streams take
// a line from the market data budget (100 by default) and wait for one.
//
// # The relay
//
// Each connection runs through a small loopback relay (the guard) between
// the EClient and the Gateway. It lets the Session decide when the EClient
// sees its connection end (scmhub/ibapi v0.10.47 races with itself when
// Disconnect is called), refuses the EClient's silent TCP redial, and
// enforces a hard cap of 49 messages in any second right before the
// socket.
//
// # Reconnect
//
// When the connection is lost (read or write error, the Gateway's restart,
// or lost connectivity (1100) that does not come back within
// Config.ConnectivityTimeout), calls in flight fail with ErrDisconnected
// (IsRetryable reports true), the Session reconnects with backoff and
// jitter on a new EClient with a full handshake, re-seeds order ids from
// the new nextValidId, re-sends the market data type and requests every
// stream again behind its handle. 1101 re-requests market data; 1102
// changes nothing. Status and StatusChanged report each step. A 326 on
// reconnect is retried.
//
// # Pool
//
// A Pool gives every caller in the process that asks for the same
// endpoint the same live Session (reference counted), and leases sessions
// on distinct client ids from a range for more throughput, skipping ids
// the Gateway refuses.
//
// # Errors
//
// Errors are ibkr:-prefixed sentinels and an *APIError carrying IB's
// request id, code and message; APIError.Is maps IB codes to the sentinels
// (ErrNoSecurityDefinition, ErrPacingViolation, ErrClientIDInUse, ...).
// IsWarning and IsRetryable classify. Warnings (farm status, 10167 delayed
// data, ...) never fail a call; Config.OnWarning receives them.
//
// # Testing
//
// Tests run against [github.com/ibbot/ibbot/ibkr/ibsim] on 127.0.0.1:0, so
// no account or network is needed. See docs/session.md for the full guide.
package ibkr
