// Package optchain fetches option chains through an IB session (package
// ibkr) at the speed IB allows, and selects the contract a bot trades.
//
// # Fetching
//
// Client.Fetch asks for exactly what a Request names, with the fewest
// requests IB allows: the underlying qualified (one contract details
// request), one SecDefOptParams, one snapshot of the underlying, one
// ContractDetails per selected expiry with right and strike blank (which
// strikes really exist, and their conIds: SecDefOptParams lists the union
// over all expiries, so a weekly would otherwise be asked for strikes it
// does not have, error 200), then one snapshot per selected contract, in
// parallel within the session's market data line budget, each with its own
// deadline. A contract whose quote fails is reported in Chain.Errors; the
// rest of the chain comes back.
//
// The chain used is the one whose trading class equals the symbol on
// SMART (else the first SMART chain, else the first listed; Chain.Note
// says so). The underlying's price is its last trade, else its midpoint,
// else its previous close; an unknown or zero price is ErrNoUnderlyingPrice,
// never "the lowest strike is at the money".
//
// # Selection
//
// Expiries: First(n), Weekly (the next Friday expiry, the Thursday when
// the Friday is a holiday, the following one on the expiry day itself),
// Monthly, DTE(min, max) in New York calendar days (ParseExpiryRule reads
// "weekly", "monthly", "dte:7-45", "first:3"). Strikes: the N nearest the
// underlying's price that exist for the expiry. Chain.Select picks one
// contract by right, Moneyness (ATM, ITM(k), OTM(k), counted in strikes
// for the right: a call one strike in the money lies below the price, a
// put above), a delta band, minimum volume and spread limits, ranked by
// lowest spread percent then nearest the target, with the reason every
// other contract was rejected.
//
// # Greeks
//
// IB's model greeks when the Gateway sent them; otherwise Black-Scholes-
// Merton with the implied volatility solved from the option's mid
// (Config.RiskFreeRate, Config.DividendYield), time measured on
// Config.Clock to the expiry's close (16:00 New York, earlier on
// early-close days). Greeks.Source says which (ib, computed, none).
//
// # Time
//
// Every decision that depends on time reads Config.Clock and the exchange
// calendar of package [github.com/ibbot/ibbot/sched], so tests pass fixed
// instants and a simulation passes its virtual clock. Prices are
// decimal.Decimal; float64 only inside the pricing model.
//
// docs/optchain.md has the JSON form of a chain (Chain.JSON), which
// `ibbot chain --json` prints.
package optchain
