// Command sharedsession shows the shared-session pattern: the goroutines of
// one process share one IB API connection (one client id) through an
// ibkr.Pool, instead of each opening its own connection with the same
// client id, which the Gateway refuses with error 326.
//
// Three workers process SPY, QQQ and AAPL with client id 1: each asks the
// pool for the endpoint's session (the pool dials once and hands every
// caller the same *ibkr.Session), qualifies its symbols, takes a market
// data snapshot and reports one line per symbol. The program also shows
// the session's Status and StatusChanged, and closes everything.
//
// Without -addr it starts an embedded simulated Gateway (ibsim), so it needs
// no account; the simulator's market clock stands at 10:00 New York on a
// trading day, so that the quotes look the same at any hour:
//
//	go run ./examples/sharedsession
//	go run ./examples/sharedsession -addr 127.0.0.1:4002 -client-id 17
package main
