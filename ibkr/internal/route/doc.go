// Package route holds the Session's pending requests: the router that maps
// request ids to their waiters, the one-shot waiter that collects a
// request's answer, and the flights that share one in-flight request among
// concurrent callers for the Gateway's replies that carry no request id
// (current time, open and completed orders, positions).
//
// # Never blocking the reader
//
// The connection's decoder goroutine delivers into these types: every
// method it calls appends under a short lock or closes a channel, and
// returns at once. Timeouts belong to the waiter (Wait takes a context).
//
// # Ids
//
// Request ids start at 2^30, far above order ids, so that an error's id
// (a request id or an order id) is never ambiguous; Router.Taken lets the
// caller skip ids already used as order ids.
package route
