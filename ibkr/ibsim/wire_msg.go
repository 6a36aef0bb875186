package ibsim

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// msg builds one outgoing text message. Methods append one NUL-terminated
// field each and return the builder.
type msg struct {
	b []byte
}

func newMsg(id int64) *msg {
	m := &msg{b: make([]byte, 4, 128)}
	return m.int(id)
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
