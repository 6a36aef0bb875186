package wire

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
)

// Msg builds one outgoing text message. Methods append one NUL-terminated
// field each and return the builder.
type Msg struct {
	b []byte
}

// NewMsg starts a message with its id.
func NewMsg(id int64) *Msg {
	m := &Msg{b: make([]byte, 4, 128)}
	return m.Int(id)
}

// Str appends a text field.
func (m *Msg) Str(s string) *Msg {
	// A NUL inside a field would shift every later field for the client.
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	m.b = append(m.b, s...)
	m.b = append(m.b, 0)
	return m
}

// Int appends an integer.
func (m *Msg) Int(v int64) *Msg {
	m.b = strconv.AppendInt(m.b, v, 10)
	m.b = append(m.b, 0)
	return m
}

// maxInt writes "" for the unset value.
func (m *Msg) maxInt(v int64) *Msg {
	if v == engine.UnsetInt || v == engine.UnsetLong {
		return m.Str("")
	}
	return m.Int(v)
}

func (m *Msg) bool(v bool) *Msg {
	if v {
		return m.Str("1")
	}
	return m.Str("0")
}

// Float writes a price or other double in the shortest exact form.
func (m *Msg) Float(v float64) *Msg {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = engine.UnsetFloat
	}
	m.b = strconv.AppendFloat(m.b, v, 'f', -1, 64)
	m.b = append(m.b, 0)
	return m
}

// maxFloat writes "" for the unset value.
func (m *Msg) maxFloat(v float64) *Msg {
	if v == engine.UnsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		return m.Str("")
	}
	return m.Float(v)
}

// Decimal writes a size or quantity; whole numbers print without a point.
func (m *Msg) Decimal(v float64) *Msg {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return m.Str("")
	}
	return m.Float(v)
}

// Frame returns the finished message with its length prefix.
func (m *Msg) Frame() []byte {
	binary.BigEndian.PutUint32(m.b[:4], uint32(len(m.b)-4))
	return m.b
}
