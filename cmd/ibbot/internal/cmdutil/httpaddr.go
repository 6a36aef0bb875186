package cmdutil

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultHTTPPort is the port of --http when only a host or ":" is named.
const DefaultHTTPPort = 9464

// HTTPAddr normalises an --http address: "" stays "" (off); a missing host
// is 127.0.0.1 (loopback unless another address is named); a missing port
// is DefaultHTTPPort. The error says what is wrong and what is allowed.
func HTTPAddr(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// A host without a port: "127.0.0.1", "localhost", "[::1]".
		if strings.Count(s, ":") > 0 && !(strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]")) {
			return "", fmt.Errorf("want host:port, e.g. 127.0.0.1:%d", DefaultHTTPPort)
		}
		host, port = strings.Trim(s, "[]"), ""
	}
	if strings.ContainsAny(host, " /?#@[]%") || strings.ContainsFunc(host, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", fmt.Errorf("host %q: want a host name or IP address, e.g. 127.0.0.1:%d", host, DefaultHTTPPort)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = strconv.Itoa(DefaultHTTPPort)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("port %q: want 0 to 65535", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// IsLoopback reports whether addr's host is a loopback address or
// "localhost".
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
