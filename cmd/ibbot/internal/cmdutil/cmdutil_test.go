package cmdutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		format  string
		want    string // substring of the output
		wantErr bool
	}{
		{LogText, `level=INFO msg=hello k=v`, false},
		{LogJSON, `"msg":"hello","k":"v"`, false},
		{"yaml", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		l, err := NewLogger(&buf, tt.format)
		if tt.wantErr {
			if err == nil || !IsFlagError(err) || !strings.Contains(err.Error(), "--log-format") {
				t.Errorf("NewLogger(%q) error = %v, want a FlagError naming --log-format", tt.format, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("NewLogger(%q): %v", tt.format, err)
		}
		l.Info("hello", "k", "v")
		if !strings.Contains(buf.String(), tt.want) {
			t.Errorf("NewLogger(%q) wrote %q, want %q in it", tt.format, buf.String(), tt.want)
		}
		if tt.format == LogJSON && !json.Valid(bytes.TrimSpace(buf.Bytes())) {
			t.Errorf("json logger wrote %q", buf.String())
		}
	}
}

func TestFlagError(t *testing.T) {
	base := FlagErrorf("invalid --x %d", 3)
	wrapped := fmt.Errorf("context: %w", base)
	if !IsFlagError(base) || !IsFlagError(wrapped) || IsFlagError(errors.New("plain")) {
		t.Error("IsFlagError misclassifies")
	}
	if wrapped.Error() != "context: invalid --x 3" {
		t.Errorf("message %q", wrapped.Error())
	}
	inner := errors.New("inner")
	if !errors.Is(&FlagError{Err: inner}, inner) {
		t.Error("FlagError does not unwrap")
	}
}

func TestHTTPAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		":9464":          "127.0.0.1:9464",
		":0":             "127.0.0.1:0",
		"127.0.0.1:9000": "127.0.0.1:9000",
		"0.0.0.0:9464":   "0.0.0.0:9464",
		"localhost":      "localhost:9464",
		"[::1]:9464":     "[::1]:9464",
		"[::1]":          "[::1]:9464",
		":":              "127.0.0.1:9464",
	} {
		got, err := HTTPAddr(in)
		if err != nil || got != want {
			t.Errorf("HTTPAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"127.0.0.1:65536", "127.0.0.1:-1", "a:b:c", "host:http", "http://x:1"} {
		if got, err := HTTPAddr(in); err == nil {
			t.Errorf("HTTPAddr(%q) = %q, want an error", in, got)
		}
	}
}
