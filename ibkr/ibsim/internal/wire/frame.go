package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxFrameLen is the largest frame the simulator accepts from a client. The
// real Gateway's limit is 16 MiB - 1 (ibapi MAX_MSG_LEN); nothing a client
// legitimately sends comes close to 1 MiB, so a larger length is treated as
// a protocol violation and the socket is closed.
const MaxFrameLen = 1 << 20

var (
	errFrameTooLarge = errors.New("ibsim: frame length exceeds limit")
	errEmptyFrame    = errors.New("ibsim: empty frame")
)

// ReadFrame reads one length-prefixed frame (uint32 big-endian length and
// payload). The returned slice is freshly allocated.
func ReadFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, errEmptyFrame
	}
	if n > MaxFrameLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", errFrameTooLarge, n, MaxFrameLen)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// EncodeFrame frames raw text fields; used for the handshake reply and tests.
func EncodeFrame(fields ...string) []byte {
	m := &Msg{b: make([]byte, 4, 64)}
	for _, f := range fields {
		m.Str(f)
	}
	return m.Frame()
}

// ParseVersionRange parses "v100..200 +PACEAPI" or "v176".
func ParseVersionRange(s string) (lo, hi int, opts string, err error) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s, opts = s[:i], s[i+1:]
	}
	if !strings.HasPrefix(s, "v") {
		return 0, 0, "", fmt.Errorf("version range %q: want vMIN..MAX", s)
	}
	s = s[1:]
	a, b, found := strings.Cut(s, "..")
	if !found {
		b = a
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo <= 0 || hi < lo {
		return 0, 0, "", fmt.Errorf("version range %q: want vMIN..MAX with 0 < MIN <= MAX", "v"+s)
	}
	return lo, hi, opts, nil
}
