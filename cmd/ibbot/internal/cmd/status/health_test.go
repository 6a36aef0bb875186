package status

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}}
	cmd := NewCmdStatus(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func code(err error) int {
	var ec *cmdutil.ExitCodeError
	var fe *cmdutil.FlagError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.Code
	case errors.As(err, &fe):
		return cmdutil.ExitUsage
	}
	return cmdutil.ExitError
}

func healthServer(t *testing.T, healthy, ready bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, why := ready, "ok: running"
		if r.URL.Path == "/healthz" {
			ok, why = healthy, "ok: session ready, last round trip 2ms ago"
		}
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			why = "session reconnecting"
		}
		fmt.Fprintln(w, why)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestHealthHealthy(t *testing.T) {
	addr := healthServer(t, true, true)
	out, err := runCmd(t, "--http", addr)
	if err != nil || !strings.HasPrefix(out, "healthy: ok") || !strings.Contains(out, "ready: ok") {
		t.Fatalf("exit %d, output %q", code(err), out)
	}
	out, err = runCmd(t, "--http", addr, "--json")
	var h Health
	if err != nil || json.Unmarshal([]byte(out), &h) != nil || !h.Healthy || !h.Ready || h.URL != "http://"+addr {
		t.Fatalf("--json: %v %q %+v", err, out, h)
	}
}

func TestHealthUnhealthyExits1(t *testing.T) {
	out, err := runCmd(t, "--http", healthServer(t, false, true))
	if code(err) != 1 || !strings.HasPrefix(out, "unhealthy: session reconnecting") {
		t.Fatalf("exit %d, output %q", code(err), out)
	}
}

func TestHealthNobodyListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, err := runCmd(t, "--http", addr)
	if code(err) != 1 || !strings.Contains(out, "no answer from http://"+addr+"/healthz") {
		t.Fatalf("exit %d, output %q", code(err), out)
	}
}

func TestHealthNotIbbot(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	out, err := runCmd(t, "--http", strings.TrimPrefix(srv.URL, "http://"))
	if code(err) != 1 || !strings.Contains(out, "404") {
		t.Fatalf("exit %d, output %q", code(err), out)
	}
}

func TestHealthBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--http", "127.0.0.1:99999"}, {"--http", "a:b:c"}, {"--http", ":9464", "--sim"}} {
		_, err := runCmd(t, args...)
		if code(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--") {
			t.Errorf("%v: exit %d, %v", args, code(err), err)
		}
	}
}
