//go:build !unix

package datadir

import (
	"errors"
	"os"
)

// tryLock is unsupported off unix: ibbot run refuses to start rather than
// run without the lock.
func tryLock(*os.File, bool) (bool, error) {
	return false, errors.New("data dir locks need a unix system (flock)")
}

func unlock(*os.File) error { return nil }
