// Package bot is ibbot's trading bot: one cycle per symbol (reconcile,
// guards, exits, bars, signal, contract, size, order or dry-run ticket,
// journal), every step a small function with explicit inputs, assembled by
// the "ibbot run" command over package ibkr's session, package optchain
// and package sched's scheduler. docs/bot.md describes a cycle and every
// configuration key.
package bot
