//go:build unix

package cmdutil

import (
	"os/signal"
	"syscall"
)

// IgnoreBackgroundReads makes a read of the terminal by a background job
// (ibbot sim &) fail with EIO instead of stopping the whole process with
// SIGTTIN, so a command that reads its terminal keeps working in the
// background. It does nothing where there is no job control.
func IgnoreBackgroundReads() {
	signal.Ignore(syscall.SIGTTIN)
}
