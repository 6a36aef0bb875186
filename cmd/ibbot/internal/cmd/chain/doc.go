// Package chain is the "ibbot chain SYMBOL" command: an option chain with
// quotes and greeks, from a Gateway or the embedded simulator, as a table
// or as JSON. It is a thin command on package optchain.
package chain
