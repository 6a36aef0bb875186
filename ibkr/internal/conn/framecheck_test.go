package conn

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func textFrame(fields ...string) []byte { return []byte(strings.Join(fields, "\x00") + "\x00") }

func binaryFrame(id uint32, fields ...string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, id), textFrame(fields...)...)
}

// Each message with a preallocated list, with a true count, a count far
// beyond its frame (the five billion the fuzzer found, which made the wire
// library allocate 80 GB) and a negative count.
func TestCheckFrameCounts(t *testing.T) {
	type tc struct {
		name string
		v    int
		// build returns the frame with list count n.
		build func(n string) []byte
		ok    string // a count the frame holds
	}
	cases := []tc{
		{"secDefOptParams expirations", 200, func(n string) []byte {
			return textFrame("75", "9", "SMART", "756733", "SPY", "100", n, "20260320", "20260417", "2", "500", "505")
		}, "2"},
		{"secDefOptParams strikes", 200, func(n string) []byte {
			return textFrame("75", "9", "SMART", "756733", "SPY", "100", "1", "20260320", n, "500", "505")
		}, "2"},
		{"marketRule", 204, func(n string) []byte { return binaryFrame(93, "26", n, "0", "0.01") }, "1"},
		{"softDollarTiers", 200, func(n string) []byte { return textFrame("77", "4", n, "a", "b", "c") }, "1"},
		{"familyCodes", 200, func(n string) []byte { return textFrame("78", n, "DU1", "F1") }, "1"},
		{"newsProviders", 200, func(n string) []byte { return textFrame("85", n, "BRFG", "Briefing") }, "1"},
		{"smartComponents", 200, func(n string) []byte { return textFrame("82", "3", n, "1", "ARCA", "P") }, "1"},
		{"histogramData", 200, func(n string) []byte { return textFrame("89", "5", n, "500.1", "100") }, "1"},
		{"historicalTicks", 200, func(n string) []byte { return textFrame("96", "5", n, "1", "", "500", "100", "1") }, "1"},
		{"historicalTicksLast", 200, func(n string) []byte {
			return textFrame("98", "5", n, "1", "0", "500", "100", "ARCA", "", "1")
		}, "1"},
		{"historicalSchedule", 200, func(n string) []byte {
			return textFrame("106", "5", "a", "b", "US/Eastern", n, "s", "e", "20260310")
		}, "1"},
		{"mktDepthExchanges", 200, func(n string) []byte { return textFrame("80", n, "ISLAND", "STK", "NASDAQ", "Deep2", "7") }, "1"},
		{"symbolSamples", 200, func(n string) []byte {
			return textFrame("79", "5", n, "756733", "SPY", "STK", "ARCA", "USD", "1", "OPT", "SPDR", "")
		}, "1"},
		{"symbolSamples derivatives", 200, func(n string) []byte {
			return textFrame("79", "5", "1", "756733", "SPY", "STK", "ARCA", "USD", n, "OPT", "SPDR", "")
		}, "1"},
	}
	for _, c := range cases {
		if err := checkFrame(c.v, c.build(c.ok)); err != nil {
			t.Errorf("%s with a true count: %v", c.name, err)
		}
		for _, bad := range []string{"5120260310", "-1", strconv.Itoa(1 << 20)} {
			err := checkFrame(c.v, c.build(bad))
			var ce *CountError
			if !errors.As(err, &ce) || strconv.FormatInt(ce.Count, 10) != bad {
				t.Errorf("%s with count %s: %v, want a CountError", c.name, bad, err)
			}
		}
	}
	// Protobuf frames and messages without lists pass unread.
	if err := checkFrame(204, append(binary.BigEndian.AppendUint32(nil, 200+93), 0xff, 0xff)); err != nil {
		t.Errorf("protobuf frame: %v", err)
	}
	if err := checkFrame(200, textFrame("1", "6", "1", "1", "-5120260310")); err != nil {
		t.Errorf("tickPrice: %v", err)
	}
	for _, p := range [][]byte{nil, {0}, []byte("75"), []byte("x\x00"), {0, 0, 0}} {
		_ = checkFrame(200, p)
		_ = checkFrame(204, p)
	}
}

// FuzzCheckFrame: the check never panics, whatever the frame.
func FuzzCheckFrame(f *testing.F) {
	f.Add(200, textFrame("75", "9", "SMART", "756733", "SPY", "100", "1", "20260320", "1", "500"))
	f.Add(176, textFrame("10", "8", "9", "SPY", "STK", "", "0", "", "SMART", "USD", "SPY", "SPY", "SPY", "756733", "0.01", "", "LMT", "SMART", "1", "0", "SPDR", "ARCA", "", "", "", "", "US/Eastern", "", "", "", "", "1", "ISIN", "US78462F1030"))
	f.Add(204, binaryFrame(18, "6", "1", "IBM", "BOND"))
	f.Fuzz(func(t *testing.T, v int, p []byte) {
		_ = checkFrame(v, p)
	})
}
