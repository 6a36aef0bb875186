package cmdutil

import (
	"io"
	"os"
)

// IsTerminal reports whether r is a terminal: an *os.File on a character
// device other than the null device. It needs no terminal library; a
// character device that is not a terminal (a serial line, say) also counts,
// which is right for a line-based prompt.
func IsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// IsTerminalWriter reports whether w is a terminal (see IsTerminal).
func IsTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	return IsTerminal(f)
}
