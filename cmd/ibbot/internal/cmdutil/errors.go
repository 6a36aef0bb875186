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
