package market

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// OCCSymbol returns the OCC option symbol: the root padded to six
// characters, YYMMDD, C or P, and the strike in thousandths on eight
// digits ("SPY   261218C00600000").
func OCCSymbol(symbol, expiry string, strike float64, right string) string {
	yymmdd := expiry
	if len(expiry) == 8 {
		yymmdd = expiry[2:]
	}
	return fmt.Sprintf("%-6s%s%s%08d", symbol, yymmdd, right, int64(math.Round(strike*1000)))
}

// parseOCC parses an OCC option symbol as occSymbol writes it.
func parseOCC(s string) (optKey, bool) {
	if len(s) != 21 {
		return optKey{}, false
	}
	root := strings.TrimRight(s[:6], " ")
	if root == "" || strings.ContainsRune(root, ' ') {
		return optKey{}, false
	}
	exp := "20" + s[6:12]
	if _, ok := parseExpiry(exp); !ok {
		return optKey{}, false
	}
	right := s[12:13]
	if right != "C" && right != "P" {
		return optKey{}, false
	}
	milli, err := strconv.ParseUint(s[13:], 10, 64)
	if err != nil || milli == 0 {
		return optKey{}, false
	}
	return optKey{idx: -1, symbol: root, expiry: exp, strike: float64(milli) / 1000, right: right}, true
}

// Option conId code: a mixed-radix number of (underlying slot, right,
// expiry day since optEpoch, strike in halves), below optCodeN, mapped
// through x -> (x*optConIDMul + optConIDAdd) mod optCodeN, a bijection
// because the multiplier is prime to optCodeN.
const (
	optConIDBase    = 400_000_000
	optSlots        = 12 // underlying slots (idx 0..11)
	optDays         = 17_776
	optStrikeHalves = 4096 // strikes below 2048
	optCodeN        = optSlots * 2 * optDays * optStrikeHalves
	optConIDMul     = 1_000_000_007
	optConIDAdd     = 618_033_988
)

var (
	optEpoch = time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)
	// optConIDInv is the inverse of optConIDMul mod optCodeN.
	optConIDInv = func() uint64 {
		// Extended Euclid on (optConIDMul, optCodeN).
		a, b := int64(optConIDMul), int64(optCodeN)
		x0, x1 := int64(1), int64(0)
		for b != 0 {
			q := a / b
			a, b = b, a-q*b
			x0, x1 = x1, x0-q*x1
		}
		if a != 1 {
			panic("ibsim: option conId multiplier not prime to the code range")
		}
		return uint64((x0%optCodeN + optCodeN) % optCodeN)
	}()
)

// OptionConID returns the conId of an option; ok is false when the fields
// are out of the code's range (no such option can exist).
func OptionConID(idx int, expiry string, strike float64, right string) (int64, bool) {
	e, err := time.Parse("20060102", expiry)
	if err != nil || idx < 0 || idx >= optSlots {
		return 0, false
	}
	day := int64(e.Sub(optEpoch).Hours() / 24)
	halves := int64(math.Round(strike * 2))
	if day < 0 || day >= optDays || halves <= 0 || halves >= optStrikeHalves || math.Abs(float64(halves)/2-strike) > 1e-9 {
		return 0, false
	}
	var rb int64
	switch right {
	case "C":
	case "P":
		rb = 1
	default:
		return 0, false
	}
	code := uint64(((int64(idx)*2+rb)*optDays+day)*optStrikeHalves + halves)
	scr := (code*optConIDMul + optConIDAdd) % optCodeN
	return optConIDBase + int64(scr), true
}

// decodeOptionConID reverses optionConID. The symbol is left empty.
func decodeOptionConID(id int64) (optKey, bool) {
	if id < optConIDBase || id >= optConIDBase+optCodeN {
		return optKey{}, false
	}
	scr := uint64(id - optConIDBase)
	code := ((scr + optCodeN - optConIDAdd) % optCodeN) * optConIDInv % optCodeN
	halves := int64(code % optStrikeHalves)
	code /= optStrikeHalves
	day := int(code % optDays)
	code /= optDays
	if halves == 0 {
		return optKey{}, false
	}
	k := optKey{idx: int(code / 2), right: "C"}
	if code%2 == 1 {
		k.right = "P"
	}
	k.expiry = optEpoch.AddDate(0, 0, day).Format("20060102")
	k.strike = float64(halves) / 2
	return k, true
}
