package ibsim

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// maxFrameLen is the largest frame the simulator accepts from a client. The
// real Gateway's limit is 16 MiB - 1 (ibapi MAX_MSG_LEN); nothing a client
// legitimately sends comes close to 1 MiB, so a larger length is treated as
// a protocol violation and the socket is closed.
const maxFrameLen = 1 << 20

// Unset markers of the TWS text protocol.
const (
	unsetInt     = math.MaxInt32
	unsetFloat   = math.MaxFloat64
	unsetLong    = math.MaxInt64
	unsetDecimal = "9223372036854775807"
)

var (
	errFrameTooLarge = errors.New("ibsim: frame length exceeds limit")
	errEmptyFrame    = errors.New("ibsim: empty frame")
)

// readFrame reads one length-prefixed frame (uint32 big-endian length and
// payload). The returned slice is freshly allocated.
func readFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, errEmptyFrame
	}
	if n > maxFrameLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", errFrameTooLarge, n, maxFrameLen)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// splitFields splits a NUL-terminated text payload into its fields. A
// payload that does not end in NUL keeps its trailing bytes as a last field,
// which is how a lenient reader treats a truncated message.
func splitFields(p []byte) []string {
	s := string(p)
	s = strings.TrimSuffix(s, "\x00")
	if s == "" {
		return []string{""}
	}
	return strings.Split(s, "\x00")
}

// fieldError reports a request field that is missing or malformed.
type fieldError struct {
	Index int
	Name  string
	Value string
	Want  string
}

func (e *fieldError) Error() string {
	if e.Value == "" && e.Want == "missing" {
		return fmt.Sprintf("field %d (%s) is missing", e.Index, e.Name)
	}
	return fmt.Sprintf("field %d (%s) = %q: want %s", e.Index, e.Name, e.Value, e.Want)
}

// fields is a cursor over the text fields of one request. Getters never
// panic: the first problem is kept in err and later getters return zero
// values, so a handler reads everything and checks err once.
type fields struct {
	f   []string
	i   int
	err error
	// reqID is set by a handler once it has read the request id, so that a
	// later parse error is reported on that id.
	reqID int64
}

func newFields(f []string) *fields { return &fields{f: f} }

func (f *fields) remaining() int { return len(f.f) - f.i }

func (f *fields) next(name string) (string, bool) {
	if f.err != nil {
		return "", false
	}
	if f.i >= len(f.f) {
		f.err = &fieldError{Index: f.i, Name: name, Want: "missing"}
		return "", false
	}
	s := f.f[f.i]
	f.i++
	return s, true
}

// skip advances over n fields, failing if they are not present.
func (f *fields) skip(n int, name string) {
	for range n {
		if _, ok := f.next(name); !ok {
			return
		}
	}
}

func (f *fields) str(name string) string {
	s, _ := f.next(name)
	return s
}

// optStr reads a field if present and returns "" when the message ended.
func (f *fields) optStr() string {
	if f.err != nil || f.i >= len(f.f) {
		return ""
	}
	s := f.f[f.i]
	f.i++
	return s
}

func (f *fields) int(name string) int64 {
	s, ok := f.next(name)
	if !ok {
		return 0
	}
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: s, Want: "an integer"}
		return 0
	}
	return v
}

// maxInt reads an int where "" means unset.
func (f *fields) maxInt(name string) int64 {
	s, ok := f.next(name)
	if !ok || s == "" {
		return unsetInt
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: s, Want: "an integer or empty"}
		return 0
	}
	return v
}

// parseDouble parses a double as TWS clients write it. Every client spells
// the unset value (Double.MAX_VALUE) its own way; the C++ client's
// "1.797693135e+308" even overflows float64. An overflow reads as unset.
func parseDouble(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && math.IsInf(v, 0) {
			return unsetFloat, nil
		}
		return 0, err
	}
	return v, nil
}

func (f *fields) float(name string) float64 {
	s, ok := f.next(name)
	if !ok || s == "" {
		return 0
	}
	v, err := parseDouble(s)
	if err != nil || math.IsNaN(v) {
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: s, Want: "a number"}
		return 0
	}
	return v
}

// maxFloat reads a float where "" means unset.
func (f *fields) maxFloat(name string) float64 {
	s, ok := f.next(name)
	if !ok || s == "" {
		return unsetFloat
	}
	v, err := parseDouble(s)
	if err != nil || math.IsNaN(v) {
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: s, Want: "a number or empty"}
		return 0
	}
	return v
}

// bool reads a boolean the way the TWS API does: "", "0" are false, and
// "false" is false here too, anything else is true.
func (f *fields) bool(name string) bool {
	s, _ := f.next(name)
	switch strings.TrimSpace(s) {
	case "", "0", "false", "False":
		return false
	}
	return true
}

// msg builds one outgoing text message. Methods append one NUL-terminated
// field each and return the builder.
type msg struct {
	b []byte
}

func newMsg(id int) *msg {
	m := &msg{b: make([]byte, 4, 128)}
	return m.int(int64(id))
}

func (m *msg) str(s string) *msg {
	// A NUL inside a field would shift every later field for the client.
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	m.b = append(m.b, s...)
	m.b = append(m.b, 0)
	return m
}

func (m *msg) int(v int64) *msg {
	m.b = strconv.AppendInt(m.b, v, 10)
	m.b = append(m.b, 0)
	return m
}

// maxInt writes "" for the unset value.
func (m *msg) maxInt(v int64) *msg {
	if v == unsetInt || v == unsetLong {
		return m.str("")
	}
	return m.int(v)
}

func (m *msg) bool(v bool) *msg {
	if v {
		return m.str("1")
	}
	return m.str("0")
}

// float writes a price or other double in the shortest exact form.
func (m *msg) float(v float64) *msg {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = unsetFloat
	}
	m.b = strconv.AppendFloat(m.b, v, 'f', -1, 64)
	m.b = append(m.b, 0)
	return m
}

// maxFloat writes "" for the unset value.
func (m *msg) maxFloat(v float64) *msg {
	if v == unsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		return m.str("")
	}
	return m.float(v)
}

// decimal writes a size or quantity; whole numbers print without a point.
func (m *msg) decimal(v float64) *msg {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return m.str("")
	}
	return m.float(v)
}

// frame returns the finished message with its length prefix.
func (m *msg) frame() []byte {
	binary.BigEndian.PutUint32(m.b[:4], uint32(len(m.b)-4))
	return m.b
}

// encodeFrame frames raw text fields; used for the handshake reply and tests.
func encodeFrame(fields ...string) []byte {
	m := &msg{b: make([]byte, 4, 64)}
	for _, f := range fields {
		m.str(f)
	}
	return m.frame()
}
