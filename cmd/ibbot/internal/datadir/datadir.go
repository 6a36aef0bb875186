package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LockFile is the lock's file name in the data dir.
const LockFile = "ibbot.lock"

// Resolve returns the data dir: dir when given, else $IBBOT_DATA_DIR, else $XDG_STATE_HOME/ibbot
// or ~/.local/state/ibbot; with sim its sim/ subfolder, so simulated
// decisions never mix with an account's.
func Resolve(dir string, sim bool, getenv func(string) string) (string, error) {
	if dir == "" {
		dir = getenv("IBBOT_DATA_DIR")
	}
	if dir == "" {
		base := getenv("XDG_STATE_HOME")
		if base == "" {
			home := getenv("HOME")
			if home == "" {
				h, err := os.UserHomeDir()
				if err != nil {
					return "", fmt.Errorf("no --data-dir, no $XDG_STATE_HOME and no home directory: %w", err)
				}
				home = h
			}
			base = filepath.Join(home, ".local", "state")
		}
		dir = filepath.Join(base, "ibbot")
	}
	if sim {
		dir = filepath.Join(dir, "sim")
	}
	return dir, nil
}

// Info is what the lock file says about the bot that holds (or last held)
// the data dir.
type Info struct {
	PID      int       `json:"pid"`
	Started  time.Time `json:"started"`
	Host     string    `json:"host"`
	Port     int       `json:"port"`
	ClientID int64     `json:"client_id"`
	Sim      bool      `json:"sim,omitempty"`
	Version  string    `json:"version,omitempty"`
}

// Gateway is host:port.
func (i Info) Gateway() string { return i.Host + ":" + strconv.Itoa(i.Port) }

// ErrLocked is returned by Lock when another process holds the data dir;
// the error is a *LockedError with who holds it.
var ErrLocked = errors.New("data dir in use")

// LockedError says which process holds a data dir.
type LockedError struct {
	Dir  string
	Info Info // zero when the holder had not written it yet
}

func (e *LockedError) Error() string {
	if e.Info.PID == 0 {
		return fmt.Sprintf("data dir %s is in use by another ibbot run (its lock file %s is held); stop it first or use another --data-dir", e.Dir, filepath.Join(e.Dir, LockFile))
	}
	return fmt.Sprintf("data dir %s is in use by ibbot run PID %d (since %s, gateway %s, client id %d); stop it first or use another --data-dir",
		e.Dir, e.Info.PID, e.Info.Started.Format(time.RFC3339), e.Info.Gateway(), e.Info.ClientID)
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Lock is a held data dir lock. Release (or the process's end) frees it.
type Lock struct {
	f   *os.File
	dir string
}

// Acquire creates dir if needed and takes its lock without waiting,
// recording info. Another holder is a *LockedError (errors.Is ErrLocked).
func Acquire(dir string, info Info) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir lock %s: %w", path, err)
	}
	held, err := tryLock(f, true)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir lock %s: %w", path, err)
	}
	if !held {
		i, _ := parse(f)
		f.Close()
		return nil, &LockedError{Dir: dir, Info: i}
	}
	l := &Lock{f: f, dir: dir}
	if err := l.Update(info); err != nil {
		_ = unlock(f)
		f.Close()
		return nil, err
	}
	return l, nil
}

// Update rewrites the holder's record (the embedded simulator's address
// is known only once it listens).
func (l *Lock) Update(info Info) error {
	js, err := json.Marshal(info)
	if err != nil {
		return err
	}
	if err = l.f.Truncate(0); err == nil {
		if _, err = l.f.WriteAt(append(js, '\n'), 0); err == nil {
			err = l.f.Sync()
		}
	}
	if err != nil {
		return fmt.Errorf("data dir lock %s: write: %w", filepath.Join(l.dir, LockFile), err)
	}
	return nil
}

// Dir is the locked data dir.
func (l *Lock) Dir() string { return l.dir }

// Release frees the lock. The file stays, saying who held it last.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Status is what a data dir's lock says.
type Status struct {
	Dir string
	// Running is true while a process holds the lock.
	Running bool
	// Info is the holder's (Running) or the last holder's record; Known is
	// false when there is no lock file or it could not be read.
	Info  Info
	Known bool
}

// Check reports whether a bot holds dir, without disturbing it.
func Check(dir string) (Status, error) {
	st := Status{Dir: dir}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("data dir lock %s: %w", path, err)
	}
	defer f.Close()
	st.Info, err = parse(f)
	st.Known = err == nil
	free, err := tryLock(f, false)
	if err != nil {
		return st, fmt.Errorf("data dir lock %s: %w", path, err)
	}
	if free {
		_ = unlock(f)
	}
	st.Running = !free
	return st, nil
}

func parse(f *os.File) (Info, error) {
	var i Info
	b := make([]byte, 4096)
	n, err := f.ReadAt(b, 0)
	if n == 0 && err != nil {
		return i, err
	}
	err = json.Unmarshal([]byte(strings.TrimSpace(string(b[:n]))), &i)
	return i, err
}
