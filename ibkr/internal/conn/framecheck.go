package conn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// The wire library's text decoders size a slice from a count the Gateway
// sends before a list (make([]T, 0, count)) and only then read the list.
// A count no real message could carry (a corrupted or hostile frame: a
// count of five billion in a frame of a few hundred bytes) makes it
// allocate tens of gigabytes, and the Go runtime ends the process: no
// recover can catch it. checkFrame reads the counts of those messages
// where the decoder will read them, at the negotiated version, and refuses
// a frame whose count is negative or exceeds what the fields left in the
// frame can hold; the connection is then dropped as for any other broken
// frame. Protobuf messages need no check: their lists are as long as the
// bytes that carry them.

// Text message ids with a preallocated list.
const (
	inContractData          = 10
	inBondContractData      = 18
	inSecDefOptParams       = 75
	inSoftDollarTiers       = 77
	inFamilyCodes           = 78
	inSymbolSamples         = 79
	inMktDepthExchanges     = 80
	inSmartComponents       = 82
	inNewsProviders         = 85
	inHistogramData         = 89
	inMarketRule            = 93
	inHistoricalTicks       = 96
	inHistoricalTicksBidAsk = 97
	inHistoricalTicksLast   = 98
	inHistoricalSchedule    = 106
)

// protobufIDOffset marks a protobuf message id from version 201.
const protobufIDOffset = 200

// CountError is a frame whose list count cannot be true.
type CountError struct {
	MsgID  int64
	Count  int64
	Fields int // fields left in the frame after the count
}

func (e *CountError) Error() string {
	return fmt.Sprintf("ibkr: the gateway sent message %d with a list of %d items and %d fields left to hold them: a broken frame", e.MsgID, e.Count, e.Fields)
}

// checkFrame checks the payload of one frame (without its length prefix)
// from a Gateway at server version v.
func checkFrame(v int, payload []byte) error {
	var id int64
	var body []byte
	if v >= 201 {
		if len(payload) < 4 {
			return nil // the decoder refuses it by itself
		}
		id = int64(binary.BigEndian.Uint32(payload))
		if id >= protobufIDOffset {
			return nil
		}
		body = payload[4:]
	} else {
		field, rest, ok := bytes.Cut(payload, []byte{0})
		if !ok {
			return nil
		}
		n, err := strconv.ParseInt(string(field), 10, 64)
		if err != nil {
			return nil
		}
		id, body = n, rest
	}
	if !hasList(id) {
		return nil
	}
	f := bytes.Split(body, []byte{0})
	if n := len(f); n > 0 && len(f[n-1]) == 0 {
		f = f[:n-1] // after the last field's terminator
	}
	c := &fieldCursor{id: id, f: f}
	readLists(c, v, id)
	return c.err
}

func hasList(id int64) bool {
	switch id {
	case inContractData, inBondContractData, inSecDefOptParams, inSoftDollarTiers, inFamilyCodes,
		inSymbolSamples, inMktDepthExchanges, inSmartComponents, inNewsProviders, inHistogramData,
		inMarketRule, inHistoricalTicks, inHistoricalTicksBidAsk, inHistoricalTicksLast, inHistoricalSchedule:
		return true
	}
	return false
}

// readLists walks message id's fields in the order the decoder reads them
// at version v, checking each list count on the way.
func readLists(c *fieldCursor, v int, id int64) {
	switch id {
	case inContractData:
		ver := int64(8)
		if v < 164 {
			ver = c.int()
		}
		if ver >= 3 {
			c.skip(1) // reqId
		}
		c.skip(1) // symbol
		secType := c.str()
		c.skip(1) // lastTradeDateOrContractMonth
		if v >= 182 {
			c.skip(1) // lastTradeDate
		}
		c.skip(9) // strike, right, exchange, currency, localSymbol, marketName, tradingClass, conId, minTick
		if v >= 110 && v < 164 {
			c.skip(1) // mdSizeMultiplier
		}
		c.skip(4) // multiplier, orderTypes, validExchanges, priceMagnifier
		if ver >= 4 {
			c.skip(1) // underConId
		}
		if ver >= 5 {
			c.skip(2) // longName, primaryExchange
		}
		if ver >= 6 {
			c.skip(7) // contractMonth ... liquidHours
		}
		if ver >= 8 {
			c.skip(2) // evRule, evMultiplier
		}
		if ver >= 7 {
			c.list(2) // secIdList
		}
		if v >= 121 {
			c.skip(1) // aggGroup
		}
		if v >= 122 {
			c.skip(2) // underSymbol, underSecType
		}
		if v >= 126 {
			c.skip(1) // marketRuleIds
		}
		if v >= 134 {
			c.skip(1) // realExpirationDate
		}
		if v >= 152 {
			c.skip(1) // stockType
		}
		if v == 163 {
			c.skip(1) // sizeMinTick
		}
		if v >= 164 {
			c.skip(3) // minSize, sizeIncrement, suggestedSizeIncrement
		}
		if v >= 179 && secType == "FUND" {
			c.skip(17) // the fund fields
		}
		if v >= 186 {
			c.list(2) // ineligibility reasons
		}
	case inBondContractData:
		ver := int64(6)
		if v < 164 {
			ver = c.int()
		}
		if ver >= 3 {
			c.skip(1) // reqId
		}
		c.skip(5)  // symbol, secType, cusip, coupon, maturity
		c.skip(14) // issueDate ... minTick
		if v >= 110 && v < 164 {
			c.skip(1) // mdSizeMultiplier
		}
		c.skip(6) // orderTypes ... notes
		if ver >= 4 {
			c.skip(1) // longName
		}
		if v >= 188 {
			c.skip(3) // timeZoneId, tradingHours, liquidHours
		}
		if ver >= 6 {
			c.skip(2) // evRule, evMultiplier
		}
		if ver >= 5 {
			c.list(2) // secIdList
		}
	case inSecDefOptParams:
		c.skip(5) // reqId, exchange, underlyingConId, tradingClass, multiplier
		c.list(1) // expirations
		c.list(1) // strikes
	case inSoftDollarTiers:
		c.skip(1)
		c.list(3)
	case inFamilyCodes, inNewsProviders:
		c.list(2)
	case inSymbolSamples:
		c.skip(1) // reqId
		width := 6
		if v >= 176 {
			width = 8
		}
		n := c.count(width)
		for i := int64(0); i < n && c.err == nil; i++ {
			c.skip(5) // conId, symbol, secType, primaryExchange, currency
			c.list(1) // derivativeSecTypes
			if v >= 176 {
				c.skip(2) // description, issuerId
			}
		}
	case inMktDepthExchanges:
		if v >= 120 {
			c.list(5)
		} else {
			c.list(3)
		}
	case inSmartComponents:
		c.skip(1)
		c.list(3)
	case inHistogramData, inMarketRule:
		c.skip(1)
		c.list(2)
	case inHistoricalTicks:
		c.skip(1)
		c.list(4)
	case inHistoricalTicksBidAsk, inHistoricalTicksLast:
		c.skip(1)
		c.list(6)
	case inHistoricalSchedule:
		c.skip(4) // reqId, startDateTime, endDateTime, timeZone
		c.list(3)
	}
}

// fieldCursor reads a text message's fields in order. Running out of
// fields or an unreadable number is not its concern (the decoder fails on
// those and the connection recovers); only counts are.
type fieldCursor struct {
	id  int64
	f   [][]byte
	i   int
	err error
}

func (c *fieldCursor) skip(n int) { c.i += n }

func (c *fieldCursor) str() string {
	if c.i >= len(c.f) {
		c.i++
		return ""
	}
	c.i++
	return string(c.f[c.i-1])
}

// int reads a number; 0 when it is absent or unreadable.
func (c *fieldCursor) int() int64 {
	n, _ := strconv.ParseInt(c.str(), 10, 64)
	return n
}

// count reads a list count whose items take at least width fields each
// and checks it against the fields left.
func (c *fieldCursor) count(width int) int64 {
	if c.err != nil || c.i >= len(c.f) {
		c.i++
		return 0
	}
	n, err := strconv.ParseInt(string(c.f[c.i]), 10, 64)
	c.i++
	if err != nil {
		return 0
	}
	left := max(len(c.f)-c.i, 0)
	if n < 0 || n > int64(left/width) {
		c.err = &CountError{MsgID: c.id, Count: n, Fields: left}
		return 0
	}
	return n
}

// list reads a count and skips its items of width fields each.
func (c *fieldCursor) list(width int) {
	n := c.count(width)
	c.i += int(n) * width
}
