package cmdutil

import (
	"io"
	"os"
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
}
