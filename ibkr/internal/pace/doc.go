// Package pace keeps a Session within IB's limits.
//
// # The writer
//
// Writer is the single write path of a Session: three lanes (orders and
// cancels first, then interactive and bulk sharing the rate 4:1, see
// BulkShare) in front of one token-bucket rate limiter. A Job is withdrawn
// if its caller gives up before the writer took it; once taken it is
// written. Job.Build runs on the write path right before the write, which
// is where an order's id is allocated.
//
// # The hard cap
//
// Cap is the relay's sliding window: at most n frames in any window,
// counted when they are written to the socket, so that no delay between
// the writer and the socket can make the Gateway count more.
//
// # Historical admission
//
// Historical applies IB's historical data pacing rules (identical
// requests, bursts per contract and tick type, the long window, requests
// open at once), making callers wait instead of letting the Gateway refuse
// them (162). A request still in flight counts as sent now.
//
// # Market data lines
//
// Lines is the account's market data line budget, shared by the sessions
// of one Gateway; streams and snapshots take a line each.
package pace
