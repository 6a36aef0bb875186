// Package run is the "ibbot run" command: the bot, assembled from the
// library packages (the ibkr pool and session, optchain, sched's scheduler)
// and the bot package, against a Gateway or an embedded simulator.
package run
