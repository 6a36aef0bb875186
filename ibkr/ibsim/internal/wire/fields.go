package wire

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// SplitFields splits a NUL-terminated text payload into its fields. A
// payload that does not end in NUL keeps its trailing bytes as a last field,
// which is how a lenient reader treats a truncated message.
func SplitFields(p []byte) []string {
	s := string(p)
	s = strings.TrimSuffix(s, "\x00")
	if s == "" {
		return []string{""}
	}
	return strings.Split(s, "\x00")
}

// FieldError reports a request field that is missing or malformed.
type FieldError struct {
	Index int
	Name  string
	Value string
	Want  string
}

// Error names the field and what is wrong with it.
func (e *FieldError) Error() string {
	if e.Index < 0 { // a protobuf field: no position
		return fmt.Sprintf("%s = %s: want %s", e.Name, e.Value, e.Want)
	}
	if e.Value == "" && e.Want == "missing" {
		return fmt.Sprintf("field %d (%s) is missing", e.Index, e.Name)
	}
	return fmt.Sprintf("field %d (%s) = %q: want %s", e.Index, e.Name, e.Value, e.Want)
}

// Fields is a cursor over the text fields of one request. Getters never
// panic: the first problem is kept in err and later getters return zero
// values, so a handler reads everything and checks err once.
type Fields struct {
	f   []string
	Pos int
	Err error
	// ReqID is set by a handler once it has read the request id, so that a
	// later parse error is reported on that id; -1 (no id, as IB reports
	// errors of requests without one) until then. 0 is a request id like
	// any other.
	ReqID int64
	// IsProto marks a protobuf request (version 201 and later, message id
	// 200 or more); Proto is its serialized message, and the text fields
	// are empty.
	IsProto bool
	Proto   []byte
}

// NewFields returns a cursor at the first of fields f.
func NewFields(f []string) *Fields { return &Fields{f: f, ReqID: -1} }

// Remaining is the number of fields not yet read.
func (f *Fields) Remaining() int { return len(f.f) - f.Pos }

func (f *Fields) next(name string) (string, bool) {
	if f.Err != nil {
		return "", false
	}
	if f.Pos >= len(f.f) {
		f.Err = &FieldError{Index: f.Pos, Name: name, Want: "missing"}
		return "", false
	}
	s := f.f[f.Pos]
	f.Pos++
	return s, true
}

// Skip advances over n fields, failing if they are not present.
func (f *Fields) Skip(n int, name string) {
	for range n {
		if _, ok := f.next(name); !ok {
			return
		}
	}
}

// Str reads a text field.
func (f *Fields) Str(name string) string {
	s, _ := f.next(name)
	return s
}

// OptStr reads a field if present and returns "" when the message ended.
func (f *Fields) OptStr() string {
	if f.Err != nil || f.Pos >= len(f.f) {
		return ""
	}
	s := f.f[f.Pos]
	f.Pos++
	return s
}

// ReadReqID reads the request id field and, when it parsed, records it in
// f.ReqID so that a later parse error is reported on it.
func (f *Fields) ReadReqID() int64 {
	id := f.Int("reqId")
	if f.Err == nil {
		f.ReqID = id
	}
	return id
}

// Int reads an integer; "" reads as 0.
func (f *Fields) Int(name string) int64 {
	s, ok := f.next(name)
	if !ok {
		return 0
	}
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: s, Want: "an integer"}
		return 0
	}
	return v
}

// MaxInt reads an int where "" means unset.
func (f *Fields) MaxInt(name string) int64 {
	s, ok := f.next(name)
	if !ok || s == "" {
		return engine.UnsetInt
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: s, Want: "an integer or empty"}
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
			return engine.UnsetFloat, nil
		}
		return 0, err
	}
	return v, nil
}

// Float reads a double; "" reads as 0.
func (f *Fields) Float(name string) float64 {
	s, ok := f.next(name)
	if !ok || s == "" {
		return 0
	}
	v, err := parseDouble(s)
	if err != nil || math.IsNaN(v) {
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: s, Want: "a number"}
		return 0
	}
	return v
}

// MaxFloat reads a float where "" means unset.
func (f *Fields) MaxFloat(name string) float64 {
	s, ok := f.next(name)
	if !ok || s == "" {
		return engine.UnsetFloat
	}
	v, err := parseDouble(s)
	if err != nil || math.IsNaN(v) {
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: s, Want: "a number or empty"}
		return 0
	}
	return v
}

// Bool reads a boolean the way the TWS API does: "", "0" are false, and
// "false" is false here too, anything else is true.
func (f *Fields) Bool(name string) bool {
	s, _ := f.next(name)
	switch strings.TrimSpace(s) {
	case "", "0", "false", "False":
		return false
	}
	return true
}

// ReadContract reads the common contract block used by reqMktData,
// reqHistoricalData and placeOrder at the versions the simulator speaks:
// conId, symbol, secType, lastTradeDateOrContractMonth, strike, right,
// multiplier, exchange, primaryExchange, currency, localSymbol, tradingClass.
func (f *Fields) ReadContract() market.ContractQuery {
	var q market.ContractQuery
	q.ConID = f.Int("conId")
	q.Symbol = f.Str("symbol")
	q.SecType = f.Str("secType")
	q.Expiry = f.Str("lastTradeDateOrContractMonth")
	q.Strike = f.Float("strike")
	q.Right = f.Str("right")
	q.Multiplier = f.Str("multiplier")
	q.Exchange = f.Str("exchange")
	q.PrimaryExch = f.Str("primaryExchange")
	q.Currency = f.Str("currency")
	q.LocalSymbol = f.Str("localSymbol")
	q.TradingClass = f.Str("tradingClass")
	return q
}
