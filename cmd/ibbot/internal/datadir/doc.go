// Package datadir owns the bot's data directory: where it is, and the lock
// that lets one bot at a time use it.
//
// A data dir holds one bot's journal. Two bots on one dir (or on one
// account) would each take the other's entries for foreign ones and could
// both enter, so "ibbot run" holds an exclusive lock on the dir while it
// runs: an OS file lock (flock) that the kernel releases when the process
// ends in any way, so a crash or kill -9 never leaves a stale lock. The
// lock file also says who holds it (Info), for "ibbot status".
package datadir
