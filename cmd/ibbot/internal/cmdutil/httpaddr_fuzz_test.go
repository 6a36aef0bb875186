package cmdutil

import (
	"net"
	"strconv"
	"testing"
)

// --http is input from a flag: HTTPAddr never panics; what it accepts is a
// host:port with a port 0..65535, and accepting it again changes nothing.
func FuzzHTTPAddr(f *testing.F) {
	for _, s := range []string{"", ":9464", "127.0.0.1:0", "localhost", "[::1]", "[::1]:80", "0.0.0.0:65535", ":65536", "a:b:c", "[", "]:", "::", "http://x:1", "h:-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := HTTPAddr(s)
		if err != nil || got == "" {
			return
		}
		host, port, err := net.SplitHostPort(got)
		if err != nil || host == "" {
			t.Fatalf("HTTPAddr(%q) = %q: not host:port (%v)", s, got, err)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			t.Fatalf("HTTPAddr(%q) = %q: port out of range", s, got)
		}
		again, err := HTTPAddr(got)
		if err != nil || again != got {
			t.Fatalf("HTTPAddr(%q) = %q, but HTTPAddr(%q) = %q, %v", s, got, got, again, err)
		}
	})
}
