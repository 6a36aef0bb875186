// Package engine is the simulator's paper order engine and account: the
// orders API clients place, matched against the market's quotes, and the
// one USD account the fills change.
//
// # Requests and events
//
// The engine knows nothing of connections or of the wire. A request is a
// method call with plain values: Place takes an OrderRequest (a
// placeOrder as the client sent it, decoded), Cancel an order id,
// Executions an ExecFilter, and so on. Each names its sender with an
// Origin: the connection id, which gets the answers, and the client id,
// which owns the orders it places.
//
// What happens is reported to the Config's Sink as Events, one type per
// TWS API message they become: OrderStatus, OpenOrder, ExecDetails,
// CommissionReport, ErrMsg, AccountValue, PortfolioValue, PositionData,
// AccountSummary, PnL and their end markers. An event's Dest is the
// connection a request came from (answers, acceptance) or whichever
// connection holds a client id when it happens (fills, cancels,
// expiries). The sink is called with the engine's lock held, in the order
// of the engine's events, so every client sees its messages in that
// order; it must not block or call back into the engine. The server's
// sink encodes the events at each connection's negotiated version.
//
// # Time and the market
//
// The engine reads the market clock (Config.Clock) and the quotes of
// the market package; Step matches every working order at the current
// instant, at most once per order and instant, and pushes account
// updates. Tests drive it with a virtual clock and a recording sink,
// without sockets.
//
// # Files
//
//	engine.go     Engine, Config, Origin, Dest, Sink, order ids
//	events.go     the events
//	types.go      OrderRequest, OrderView, OrderStatus, Execution, ...
//	order.go      the lifecycle and its message sequences, statuses
//	place.go      placing, validation, held groups, modifications
//	match.go      matching at a market instant, IOC/FOK, expiry
//	fill.go       fills, commissions, OCA and bracket reductions
//	cancel.go     cancels, bracket children, global cancel
//	funds.go      the funds check and what-if previews
//	orderbook.go  open and completed orders, positions, executions
//	account.go    positions, cash, margin, option settlement
//	acctvalues.go account values and summary tags
//	subs.go       account, summary, position and PnL subscriptions
package engine
