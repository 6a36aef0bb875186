// Package market is the simulator's market: what exists and what it
// costs, at any instant, as a pure function of a seed.
//
// # Reference data
//
// RefData knows the stocks, ETFs and the VIX index with IB's real conIds,
// one listing per exchange, and resolves a request's ContractQuery the way
// the Gateway matches contracts. Option chains follow rules (dailies,
// weeklies, monthlies, quarterlies, January LEAPS) with strikes that
// follow the price path; option conIds are a bijective code of symbol,
// expiry, strike and right, so any option handed out can be found again.
// Market rules (IB's ids 26, 32 and 109, and the simulator's own) are one
// table that quotes, contract details and the order engine's tick check
// all use.
//
// # Prices
//
// PriceModel gives the Quote of any instrument at any instant: a seeded
// daily path from 1990 to 2045 and a per-second intraday bridge for the
// underlyings, Black-Scholes with a volatility smile and greeks for the
// options, all on the NYSE calendar (package sched). Bars (HistInstrument)
// are aggregated from the same seconds, so bars and quotes agree.
//
// # Files
//
//	instrument.go  Instrument, ContractQuery, Quote, Greeks
//	refdata.go     the underlyings, listings, contract resolution
//	chains.go      expirations and strikes
//	optcodes.go    OCC symbols and option conIds
//	rules.go       market rules
//	hours.go       trading and liquid hours strings
//	calendar.go    New York time, the trading calendar
//	path.go        symbol parameters, the daily series
//	daypath.go     the per-second day path and its cache
//	hash.go        the model's hashes
//	pricing.go     quotes of underlyings and options
//	bs.go          Black-Scholes-Merton
//	optcalc.go     custom option computations (calculateOptionPrice, ...)
//	agg.go, bars.go bars from the seconds
package market
