// Package ibsim is a simulated IB Gateway on loopback that speaks the real
// TWS API socket protocol, so that TWS API clients (github.com/scmhub/ibapi,
// and clients in other languages) and ibbot's own session can be tested end
// to end without a brokerage account.
//
// # Starting one
//
//	srv, err := ibsim.Start(ibsim.Config{})
//	if err != nil { ... }
//	defer srv.Close()
//	// connect any TWS API client to srv.Addr()
//
// Config{} is a paper Gateway (account DU1234567) on a free 127.0.0.1
// port, market seed 1, IB's limits, the wall clock. Tests usually set
// Config.Clock to a *VirtualClock. Close closes every connection and
// returns when every goroutine the server started has ended. The command
// "ibbot sim" runs the same server for clients in other languages.
//
// # What it models
//
// The handshake ("API\x00", a version range, +PACEAPI) with the text
// protocol of versions 100 to 200 and every version from 201 to 225
// (binary message ids; each message family in protobuf from its gate:
// executions 201, orders 203, open and completed orders 204, contract
// details 205, market data 206, accounts and positions 207, historical
// data 208, news 209, scanner and PnL 210, option calculations 211, the
// rest 212 and 213, startApi included; Config.MaxServerVersion, 225 by
// default, caps the version), startApi and the real bootstrap (managedAccounts, nextValidId,
// the 2104/2106/2158 farm notices, then the client id's open orders), and
// each message in the layout of the negotiated version. Reference data
// for SPY, QQQ, IWM, AAPL, MSFT, NVDA, TSLA, AMD, META, GOOG, IBM and the
// VIX index with IB's real conIds, one listing per exchange, and rule-based
// option chains (dailies, weeklies, monthlies, quarterlies, January LEAPS)
// whose strikes follow the price path. Market rules (reqMarketRule and the
// marketRuleIds of contract details, IB's ids 26, 32 and 109 where known)
// from one table that quotes and the order engine's tick check use too.
// A seeded, deterministic price path
// for every second of every NYSE session from 1990 to 2045 (extended hours
// 04:00-20:00), quotes and trades derived from it, Black-Scholes option
// prices with a volatility smile and greeks, live, frozen and delayed
// market data, snapshots, generic ticks 100, 101, 106, 236 and 411, a
// synthetic market depth book (L1 rows, or L2 rows for SMART depth),
// historical bars (TRADES, MIDPOINT, BID, ASK, BID_ASK and volatility),
// 5-second real-time bars, historical ticks, tick-by-tick data and
// histograms built from the same path, trading schedules from the
// calendar, P&L of the account and of one position, symbol search and
// SMART components, news (three providers, headlines and articles
// generated from the seed), a market scanner over the simulator's
// stocks, and custom option computations from the same model. Requests
// it does not serve are answered on
// their request id with the error a Gateway without the feature sends
// (10089, 162, 10276, 321); only id-less ones get error 320 on -1. docs/simulator.md lists every request, answer and known
// departure from the real Gateway.
//
// # Time
//
// Config.Clock is the market clock: prices, trading hours, chains, bars,
// order matching, execution times and reqCurrentTime read it. A
// *VirtualClock holds the market at an instant and moves only with Set and
// Advance; NewScaledClock runs it at a multiple of wall speed. The server
// runs one market step every Config.TickInterval of wall time (orders are
// matched, streaming subscriptions and keepUpToDate bars get what changed,
// account updates go out); Server.Tick runs one at once, so a test on a
// VirtualClock moves the clock and calls Tick. Each order is matched at
// most once per market instant, so the results do not depend on how often
// the tick loop runs. Config.LimitClock drives the message rate and
// historical pacing windows and the client id holds; other delays
// (TickInterval, SnapshotEndDelay, HistResponseDelay, SetLatency, Restart's
// down time) are wall time.
//
// # Limits
//
// Every limit is a Config.Limits field, IB's value by default: 50
// messages per second per connection (error 100; three windows with excess
// within 10 s close the socket; with +PACEAPI messages are queued
// instead), 32 clients (more sockets are closed at once), unique client
// ids (326, then the socket is closed), 100 market data lines shared by
// all clients (101; a snapshot holds a line until its tickSnapshotEnd),
// historical pacing for bars of 30 seconds or less (an identical request
// within 15 s, 6 for one contract, exchange and type within 2 s, more than
// 60 within 10 minutes, BID_ASK counting twice: error 162; larger bars are
// held back and answered later instead), 50 open historical requests, 2
// account summary subscriptions per connection (322), 3 market depth
// requests for the account (309) and 3 tick-by-tick subscriptions over
// all clients (10190). Tests scale the windows down or use a VirtualClock
// as the limit clock.
//
// # Orders and account
//
// A paper order engine: MKT, LMT, STP and STP LMT orders with DAY, GTC,
// IOC and FOK, validated with IB's errors (103, 110, 200, 201, 321), filled
// against the quotes of the market clock (buys at the ask, sells at the
// bid, at most the quoted size per market step), with the message
// sequences of a real paper Gateway for acceptance, fills, partial fills,
// cancels, brackets, OCA groups, held (transmit=false) groups,
// modifications and what-if previews, and IB's fixed commissions. One
// USD account starts with $1,000,000 of cash; positions, average costs,
// market values, a Reg T style margin model, PnL, account updates,
// account summaries, positions (also by account and model:
// reqPositionsMulti, reqAccountUpdatesMulti) and executions follow the
// fills and the market. State outlives connections and Server.Restart.
//
// # Faults
//
// Methods on *Server do to clients what a real Gateway does: DropAll and
// KillClient close connections (KillClient can hold the client id, as
// HoldClientID does), Restart refuses connections for a while and raises
// the next valid order id, Broadcast sends 1100/1101/1102 and the farm
// notices (1101 drops market data subscriptions), SetCompetingSession
// answers market data with 10197, SetLatency and Hang delay or swallow a
// kind of request, RejectNextOrders rejects orders with a chosen error,
// and SendMalformed sends a frame a fragile client cannot decode.
//
// # Inside
//
// The server (connections, handshake, dispatch, limits, faults, stats)
// stands on three internal packages, layered so that the compiler keeps
// them apart: market (reference data, option chains, the price path,
// quotes, Black-Scholes, market rules, bars), engine (the orders and the
// account: it takes decoded requests as plain values and reports events
// to a sink, and knows nothing of connections) and wire (frames, fields,
// and every message and request in the layout of the negotiated version).
//
// # Stats
//
// Server.Stats returns counters for tests and benchmarks: connections,
// refused sockets and bad handshakes, messages by type, the highest
// message count in one rate window, errors sent by code, market data lines
// in use and at peak, open historical requests, orders received, accepted,
// filled and rejected, and the same per connection in Stats.Conns.
package ibsim
