// Package journal is the "ibbot journal" command: what the bot decided, read
// from the store "ibbot run" writes, while it runs or after.
package journal
