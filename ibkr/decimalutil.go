package ibkr

import (
	"math"

	"github.com/shopspring/decimal"
)

// decimalFromSigned converts a signed quantity or amount (a position, a
// realized loss), keeping its sign; unset markers and junk become zero.
func decimalFromSigned[T float64 | string](v T) decimal.Decimal {
	switch x := any(v).(type) {
	case float64:
		if x == math.MaxFloat64 || math.IsNaN(x) || math.IsInf(x, 0) {
			return decimal.Zero
		}
		return floatDecimal(x)
	case string:
		d, err := decimal.NewFromString(x)
		if err != nil {
			return decimal.Zero
		}
		return d
	}
	return decimal.Zero
}
