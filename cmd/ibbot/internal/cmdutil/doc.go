// Package cmdutil holds what every ibbot command shares: the I/O streams and
// factory passed to command constructors, the flag error type that maps to
// the usage exit code, and the logger built from --log-format.
package cmdutil
