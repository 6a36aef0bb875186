// Package conn is one connection to IB Gateway or TWS, and the only place
// that calls the wire client (github.com/scmhub/ibapi).
//
// # The connection
//
// Dial makes a Conn: TCP through a loopback relay (the guard), the API
// handshake, the Gateway's bootstrap (nextValidId, managedAccounts) and one
// round trip. Each Conn runs two EClients through the relay: an encoder
// that Send writes through, which receives nothing but the handshake
// reply, and a decoder that receives the Gateway's messages and is never
// called. Teardown stops the writes, closes the Gateway side, injects a
// barrier that proves every earlier message was decoded, and only then
// lets the EClients read EOF (see guard.go for why).
//
// # Requests and replies
//
// A Request is a value, one type per EClient call (MktData, PlaceOrder,
// ...); Send performs it under the connection's write lock and refuses
// once Teardown began. Replies reach the caller's Handler as the wire
// records of this package (Contract, Order, Bar, ...): plain Go values, so
// that no package above this one needs the wire library's types.
//
// # Errors
//
// Connection failures match Options.Disconnected; a refused client id
// (326) is a *RefusedError.
package conn
