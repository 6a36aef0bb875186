// Package ibkr is ibbot's client for Interactive Brokers' TWS API (IB
// Gateway or TWS), built on the wire client github.com/scmhub/ibapi.
//
// Status: planned. Today the package holds only the simulated Gateway,
// [github.com/ibbot/ibbot/ibkr/ibsim]; the session and pool described
// below are being written.
//
// # Session
//
// A Session is one API connection (one client id). Every call that waits
// takes a context first; the caller owns deadlines, and a deadline is an
// error, never an empty result. One reader goroutine routes responses by
// request id into buffered per-request channels and never blocks on a slow
// consumer. Requests leave through a single writer that applies IB's
// message-rate limit, historical-data pacing and the market-data line
// budget, so callers cannot trip the Gateway's limits. On disconnect every
// pending request fails with an error, and the session reconnects with
// backoff. Close is idempotent and waits for every goroutine it started.
//
// # Pool
//
// A Pool spreads work over several sessions (client ids) against one
// Gateway.
//
// # Errors
//
// Errors are ibkr:-prefixed sentinels and an *APIError carrying IB's
// request id, code and message, with classifiers for warnings and
// retryable failures; match them with errors.Is and errors.As.
//
// # Testing
//
// Tests run against [github.com/ibbot/ibbot/ibkr/ibsim] on 127.0.0.1:0, so
// no account or network is needed.
package ibkr
