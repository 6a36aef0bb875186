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
// # What it models
//
// The handshake with version negotiation (text protocol, versions 100 to
// 200) and +PACEAPI, startApi and the real bootstrap messages, contract
// details and option chains for US stocks, ETFs and the VIX index with IB's
// real conIds, streaming and snapshot market data from a seeded price path
// with Black-Scholes option prices and greeks, historical bars from the same
// path, and the Gateway's limits: message rate, historical pacing, market
// data lines, client count and client id uniqueness.
//
// # Time
//
// Config.Clock is the market clock. A *VirtualClock places the market at any
// instant and moves only when told to; Server.Tick then pushes the new
// state to streaming subscribers at once. Config.LimitClock drives the rate
// and pacing windows, and every limit is a Config.Limits field, so tests can
// scale the windows down.
//
// See docs/simulator.md in the repository for the full list of behaviours.
package ibsim
