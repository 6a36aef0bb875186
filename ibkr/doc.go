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
// message in one of three lanes (orders and cancels first; interactive and
// bulk sharing the rest 4:1, so no lane starves). The single writer
// goroutine waits on a rate limiter (43 messages/s by default), takes the
// most urgent message and calls the EClient; an order's id is allocated
// right there, so ids reach the Gateway in increasing order however many
// goroutines place orders. The
// EClient's decoder calls the Session's wrapper, which routes each callback
// by request or order id into the waiter without ever blocking. Historical
// requests first pass IB's pacing rules (identical requests 15 s apart,
// fewer than 6 per 2 s per contract and tick type, 60 per 10 minutes, 50
// open) and wait their turn instead of failing; snapshots and streams take
// a line from the market data budget (100 by default) and wait for one.
//
// # The relay
//
// Each connection runs through a small loopback relay (the guard) and two
// EClients: an encoder the Session writes through, which receives nothing
// but the handshake, and a decoder that receives the Gateway's messages
// and is never called (scmhub/ibapi v0.10.47 resets itself under its
// callers on a malformed message). The guard lets the Session decide when
// each EClient sees its connection end, refuses the EClient's silent TCP
// redial, and enforces a hard cap of 49 messages in any 1.1 s, counted as
// the Gateway counts, right before the socket; Config validation keeps the
// writer under it.
//
// # Reconnect
//
// When the connection is lost (read or write error, the Gateway's restart,
// a malformed message or one whose list counts its frame cannot hold, lost
// connectivity (1100) that does not come back within
// Config.ConnectivityTimeout, or a connection that leaves the Session's
// reqCurrentTime probe unanswered (Config.ProbeInterval, ProbeTimeout: a
// half-open socket or a stalled stream)), calls in flight fail with
// ErrDisconnected (IsRetryable reports true), the Session reconnects with
// backoff and jitter with a full handshake, re-seeds order ids from the
// new nextValidId, re-sends the market data type, requests every stream
// again behind its handle, and reconciles every unresolved order handle
// with the Gateway's records (an order it never received ends with
// ErrOrderLost). 1101 re-requests market data; 1102 changes nothing.
// Status and StatusChanged report each step. A 326 on reconnect is
// retried.
//
// # Streams
//
// Every subscription is a Stream[T] with one API: Next(ctx), All, Events
// (StreamGap, StreamResumed, StreamClosed), Done, Err, Close, Gaps and
// Dropped. MarketData (quotes, merged), BarsStream (bars kept up to
// date), PnL, PnLSingle, AccountUpdates, PositionsStream and
// Trade.Stream (statuses, fills, commissions) return one. The reader
// never waits for a Stream's reader: items wait in a bounded buffer
// (Config.StreamBuffer) that drops the oldest when full. After a
// reconnect each stream is requested again behind the same handle;
// Close cancels it and frees its market data line or pacing slot.
//
// # Orders and prices
//
// Every Trade resolves: a terminal status, a rejection (Err; status
// Inactive), ErrOrderLost or ErrClosed. PlaceBracket is all or nothing.
// PriceIncrements returns a contract's market rule and RoundToTick rounds
// a price to it. Quotes say which values the Gateway sent (Quote.Has) and
// whether they were received outside regular hours.
//
// # Pool
//
// A Pool gives every caller in the process that asks for the same
// endpoint a Lease on the same live Session (reference counted; Release is
// idempotent; one caller giving up never fails the others waiting on the
// same dial), and leases sessions on distinct client ids from a range for
// more throughput, skipping ids the Gateway refuses.
//
// # Errors
//
// Errors are ibkr:-prefixed sentinels, an *APIError carrying IB's request
// id, code and message, and a *ValidationError (field, value, what is
// allowed) for input refused before anything was sent. One code table
// (LookupCode, KnownCodes) says for each IB code whether it is a warning
// or an error, which sentinels it matches (APIError.Is) and whether it
// ends the request or the order; the Session's routing reads the same
// table. IsWarning and IsRetryable classify. Warnings (farm status, 10167
// delayed data, ...) never fail a call; Config.OnWarning receives them.
//
// # Testing
//
// Tests run against [github.com/ibbot/ibbot/ibkr/ibsim] on 127.0.0.1:0, so
// no account or network is needed. See docs/session.md for the full guide.
package ibkr
