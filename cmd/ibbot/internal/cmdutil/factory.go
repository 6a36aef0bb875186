package cmdutil

import (
	"io"
	"os"
	"time"
)

// IOStreams are the streams a command reads and writes. Commands never
// touch os.Stdin, os.Stdout or os.Stderr directly, so tests capture output
// by passing buffers.
type IOStreams struct {
	// In is standard input.
	In io.Reader
	// Out receives results: what a script would parse.
	Out io.Writer
	// ErrOut receives logs, progress and errors.
	ErrOut io.Writer
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// Factory carries the dependencies command constructors need. It is built
// once by the root command and passed down.
type Factory struct {
	// IO is where commands read and write.
	IO *IOStreams
	// Version is the resolved ibbot version string.
	Version string
	// Getenv reads the environment (IBBOT_* variables). Nil means
	// os.Getenv.
	Getenv func(string) string
	// Now is the wall clock. Nil means time.Now.
	Now func() time.Time
}

// Env returns f.Getenv, or os.Getenv when it is nil.
func (f *Factory) Env() func(string) string {
	if f.Getenv != nil {
		return f.Getenv
	}
	return os.Getenv
}

// Clock returns f.Now, or time.Now when it is nil.
func (f *Factory) Clock() func() time.Time {
	if f.Now != nil {
		return f.Now
	}
	return time.Now
}
