package cmdutil

import (
	"errors"
	"fmt"
)

// FlagError is a command-line usage error: an unknown flag, a bad flag value
// or a wrong number of arguments. The root command maps it to exit code
// [ExitUsage] and points at --help.
type FlagError struct {
	Err error
}

// Error returns the underlying message.
func (e *FlagError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a *FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// IsFlagError reports whether err is or wraps a *FlagError.
func IsFlagError(err error) bool {
	var fe *FlagError
	return errors.As(err, &fe)
}

// Process exit codes. Only the root command turns errors into these.
const (
	// ExitOK: success, including a clean stop on SIGINT or SIGTERM.
	ExitOK = 0
	// ExitError: the command failed.
	ExitError = 1
	// ExitUsage: the command line was wrong.
	ExitUsage = 2
)

// ExitNotRunning is "ibbot status"'s exit code when no bot is running (as
// systemctl is-active's 3).
const ExitNotRunning = 3

// ExitCodeError ends a command with Code and nothing more on standard
// error: the command already said what it had to on standard output.
type ExitCodeError struct {
	Code int
}

func (e *ExitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
