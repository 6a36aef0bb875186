// Package optchain holds option-chain helpers for trading bots: fetching
// chains through package ibkr, selecting expiries and strikes (by days to
// expiry, delta or moneyness), quoting, and greeks.
//
// Status: planned; the package has no code yet.
//
// Money and prices are decimal.Decimal wherever they are compared, summed
// or rounded to a tick. Days to expiry and trading days come from the
// exchange calendar in package [github.com/ibbot/ibbot/sched], with the
// instant passed in, so selection is a pure function that table tests
// drive with fixed chains and times.
package optchain
