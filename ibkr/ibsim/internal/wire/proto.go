package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// From version 201 (VerProtobuf) every message, in both directions, starts
// with its id as a 4-byte big-endian integer instead of a text field. An
// id of 200 or more is a protobuf message: the id less 200 names it, and
// the rest of the payload is the serialized message (IB's types, from
// github.com/scmhub/ibapi/protobuf). A smaller id is followed by the text
// fields of the message, in the layout of version 200.

// finish returns the frame of a text message built with NewMsg, at
// version: from 201 on the text id field becomes a 4-byte binary id.
func finish(version int, m *Msg) []byte {
	if version < VerProtobuf {
		return m.Frame()
	}
	body := m.b[4:]
	end := 0
	for end < len(body) && body[end] != 0 {
		end++
	}
	id, err := strconv.ParseInt(string(body[:end]), 10, 64)
	if err != nil || end == len(body) {
		return m.Frame() // not built by NewMsg: left as it is
	}
	rest := body[end+1:]
	out := make([]byte, 8, 8+len(rest))
	binary.BigEndian.PutUint32(out[0:4], uint32(4+len(rest)))
	binary.BigEndian.PutUint32(out[4:8], uint32(id))
	return append(out, rest...)
}

// protoFrame frames a protobuf message with the id of its text twin.
func protoFrame(id int64, pm proto.Message) []byte {
	b, err := proto.Marshal(pm)
	if err != nil {
		// Every string goes through pStr, which makes it valid UTF-8, so
		// this does not happen; if it did, the client would read an empty
		// message rather than the server failing.
		b = nil
	}
	out := make([]byte, 8, 8+len(b))
	binary.BigEndian.PutUint32(out[0:4], uint32(4+len(b)))
	binary.BigEndian.PutUint32(out[4:8], uint32(id+protobufIDOffset))
	return append(out, b...)
}

// ProtoError is a protobuf request that does not unmarshal.
type ProtoError struct {
	Message string // the protobuf type, e.g. "PlaceOrderRequest"
	Err     error
}

// Error names the message and what is wrong with it.
func (e *ProtoError) Error() string {
	return fmt.Sprintf("protobuf %s: %v", e.Message, e.Err)
}

// Unwrap returns the unmarshal error.
func (e *ProtoError) Unwrap() error { return e.Err }

// unmarshal decodes the protobuf payload of f into pm; name is pm's type
// for the error. The error is also left in f.Err.
func (f *Fields) unmarshal(name string, pm proto.Message) error {
	if err := proto.Unmarshal(f.Proto, pm); err != nil {
		f.Err = &ProtoError{Message: name, Err: err}
	}
	return f.Err
}

// unmarshalReq is unmarshal for a request whose field 1 is its request id:
// when the message does not unmarshal but its field 1 can still be read,
// f.ReqID is set to it, so that the error is reported on that id.
func (f *Fields) unmarshalReq(name string, pm proto.Message) error {
	err := f.unmarshal(name, pm)
	if err != nil {
		if id, ok := ProtoField1(f.Proto); ok {
			f.ReqID = id
		}
	}
	return err
}

// ProtoField1 reads the varint field 1 of a serialized message, as an
// int32 (the type of every request id): the id of a request that does not
// unmarshal as a whole.
func ProtoField1(b []byte) (int64, bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, false
		}
		b = b[n:]
		if num == 1 && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, false
			}
			return int64(int32(v)), true
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return 0, false
		}
		b = b[n:]
	}
	return 0, false
}

// Pointer helpers for the optional fields of IB's protobuf types.

// pStr is a text field; invalid UTF-8 (which protobuf refuses to
// marshal, and which a client may have sent) is replaced.
func pStr(s string) *string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return &s
}

// pStrNE is nil for "" (a field the Gateway leaves out).
func pStrNE(s string) *string {
	if s == "" {
		return nil
	}
	return pStr(s)
}
func pBool(b bool) *bool       { return &b }
func pF64(v float64) *float64  { return &v }
func pI64(v int64) *int64      { return &v }
func pI32(v int64) *int32      { x := clampInt32(v); return &x }
func clampInt32(v int64) int32 { return int32(max(math.MinInt32, min(math.MaxInt32, v))) }

// pF64Set is nil for an unset or non-finite double.
func pF64Set(v float64) *float64 {
	if v == engine.UnsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// pI32Set is nil for an unset int.
func pI32Set(v int64) *int32 {
	if v == engine.UnsetInt || v == engine.UnsetLong {
		return nil
	}
	return pI32(v)
}

// pQty is a decimal quantity as text; nil when unset.
func pQty(v float64) *string {
	if v == engine.UnsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return pStr(strconv.FormatFloat(v, 'f', -1, 64))
}

// getF64 reads an optional double: unset when absent.
func getF64(p *float64) float64 {
	if p == nil {
		return engine.UnsetFloat
	}
	return *p
}

// getI32 reads an optional int: unset when absent.
func getI32(p *int32) int64 {
	if p == nil {
		return engine.UnsetInt
	}
	return int64(*p)
}

// getQty reads a decimal quantity sent as text: unset when absent or not
// a number.
func getQty(p *string) float64 {
	if p == nil || *p == "" {
		return engine.UnsetFloat
	}
	v, err := parseDouble(*p)
	if err != nil || math.IsNaN(v) {
		return engine.UnsetFloat
	}
	return v
}

// contractProto is the reported contract of an order or execution.
func contractProto(c engine.OrderContract) *protobuf.Contract {
	// The primary exchange is left out, as the text layouts of openOrder,
	// completedOrder and execDetails leave it out; the strike is always
	// sent (0 for a stock), as in text.
	p := &protobuf.Contract{
		ConId:                        pI32(c.ConID),
		Symbol:                       pStrNE(c.Symbol),
		SecType:                      pStrNE(c.SecType),
		LastTradeDateOrContractMonth: pStrNE(c.Expiry),
		Strike:                       pF64(c.Strike),
		Right:                        pStrNE(c.Right),
		Exchange:                     pStrNE(c.Exchange),
		Currency:                     pStrNE(c.Currency),
		LocalSymbol:                  pStrNE(c.LocalSymbol),
		TradingClass:                 pStrNE(c.TradingClass),
	}
	if p.GetStrike() == engine.UnsetFloat {
		p.Strike = pF64(0)
	}
	if m, err := strconv.ParseFloat(c.Multiplier, 64); err == nil && m != 0 {
		p.Multiplier = &m
	}
	return p
}

// queryFromProto is the contract of a protobuf request as a query.
func queryFromProto(p *protobuf.Contract) market.ContractQuery {
	var q market.ContractQuery
	if p == nil {
		return q
	}
	q.ConID = int64(p.GetConId())
	q.Symbol = p.GetSymbol()
	q.SecType = p.GetSecType()
	q.Expiry = p.GetLastTradeDateOrContractMonth()
	q.Strike = p.GetStrike()
	if q.Strike == engine.UnsetFloat {
		q.Strike = 0
	}
	q.Right = p.GetRight()
	if p.Multiplier != nil && p.GetMultiplier() != engine.UnsetFloat {
		q.Multiplier = strconv.FormatFloat(p.GetMultiplier(), 'f', -1, 64)
	}
	q.Exchange = p.GetExchange()
	q.PrimaryExch = p.GetPrimaryExch()
	q.Currency = p.GetCurrency()
	q.LocalSymbol = p.GetLocalSymbol()
	q.TradingClass = p.GetTradingClass()
	q.SecIDType = p.GetSecIdType()
	q.SecID = p.GetSecId()
	q.IncludeExpired = p.GetIncludeExpired()
	return q
}
