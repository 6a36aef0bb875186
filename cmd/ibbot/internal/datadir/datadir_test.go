package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		dir  string
		sim  bool
		env  map[string]string
		want string
	}{
		{"/data", false, nil, "/data"},
		{"/data", true, nil, "/data/sim"},
		{"", false, map[string]string{"XDG_STATE_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/ibbot"},
		{"", true, map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/ibbot/sim"},
		{"", false, map[string]string{"IBBOT_DATA_DIR": "/var/lib/ibbot", "XDG_STATE_HOME": "/xdg"}, "/var/lib/ibbot"},
		{"", true, map[string]string{"IBBOT_DATA_DIR": "/var/lib/ibbot"}, "/var/lib/ibbot/sim"},
		{"/flag", false, map[string]string{"IBBOT_DATA_DIR": "/var/lib/ibbot"}, "/flag"},
	} {
		got, err := Resolve(tc.dir, tc.sim, env(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q, %v, %v) = %q, %v; want %q", tc.dir, tc.sim, tc.env, got, err, tc.want)
		}
	}
}

// flock locks belong to an open file: a second Acquire in the same
// process conflicts as another process's would.
func TestAcquireIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "state")
	info := Info{PID: 4242, Started: time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC), Host: "127.0.0.1", Port: 4002, ClientID: 7}
	l, err := Acquire(dir, info)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Check(dir)
	if err != nil || !st.Running || !st.Known || st.Info != info {
		t.Fatalf("Check while held = %+v, %v", st, err)
	}
	_, err = Acquire(dir, Info{PID: 1})
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Info != info {
		t.Fatalf("second Acquire = %v, want a LockedError with the holder's info", err)
	}
	for _, want := range []string{"data dir " + dir + " is in use", "PID 4242", "2026-12-01T14:30:00Z", "127.0.0.1:4002", "client id 7", "--data-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	// The holder's record is untouched by the refused attempt.
	if st, _ := Check(dir); st.Info != info {
		t.Errorf("after a refused Acquire the record is %+v", st.Info)
	}
	info.Port = 4010
	if err := l.Update(info); err != nil {
		t.Fatal(err)
	}
	if st, _ := Check(dir); st.Info.Port != 4010 {
		t.Errorf("Update not recorded: %+v", st.Info)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	st, err = Check(dir)
	if err != nil || st.Running || !st.Known || st.Info.PID != 4242 {
		t.Fatalf("Check after Release = %+v, %v: want not running, the last holder known", st, err)
	}
	l2, err := Acquire(dir, Info{PID: 5})
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l2.Release()
	if l2.Dir() != dir {
		t.Errorf("Dir = %q", l2.Dir())
	}
}

func TestCheckUnusedAndGarbage(t *testing.T) {
	dir := t.TempDir()
	st, err := Check(dir)
	if err != nil || st.Running || st.Known {
		t.Errorf("Check(empty dir) = %+v, %v", st, err)
	}
	// A lock file that is not ours to parse: not running, not known, no
	// error; Acquire overwrites it.
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte("\x00garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = Check(dir)
	if err != nil || st.Running || st.Known {
		t.Errorf("Check(garbage) = %+v, %v", st, err)
	}
	l, err := Acquire(dir, Info{PID: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if st, _ := Check(dir); !st.Known || st.Info.PID != 9 {
		t.Errorf("after Acquire over garbage: %+v", st)
	}
}

func TestAcquireUnwritableDir(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root writes anywhere")
	}
	base := t.TempDir()
	if err := os.Chmod(base, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(base, 0o700)
	_, err := Acquire(filepath.Join(base, "x"), Info{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(base, "x")) {
		t.Errorf("Acquire in an unwritable dir = %v, want an error naming the dir", err)
	}
}
