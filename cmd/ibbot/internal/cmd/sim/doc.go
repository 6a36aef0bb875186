// Package sim is the "ibbot sim" command: it runs the simulated IB Gateway
// of package ibsim until interrupted, with faults set by flags at startup
// and by a line-based control protocol (control.go) on standard input or a
// loopback TCP port while it runs.
package sim
