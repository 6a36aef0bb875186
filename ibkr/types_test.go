package ibkr

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func TestFloatDecimalMatchesShortestForm(t *testing.T) {
	for _, v := range []float64{0, 0.01, 0.05, 1.5, 600.5, 541.23, 99999.9999, 0.123456789, 1e-9, 123456.7891, 2.675, 1e14, -3.25} {
		got, want := floatDecimal(v), decimal.NewFromFloat(v)
		if !got.Equal(want) {
			t.Errorf("floatDecimal(%v) = %s, want %s", v, got, want)
		}
	}
	if !priceDecimal(math.MaxFloat64).IsZero() || !priceDecimal(-1).IsZero() {
		t.Error("unset and -1 prices must be zero")
	}
}

func BenchmarkFloatDecimal(b *testing.B) {
	b.Run("fast", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_ = floatDecimal(600.5 + float64(i%100))
		}
	})
	b.Run("NewFromFloat", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			_ = decimal.NewFromFloat(600.5 + float64(i%100))
		}
	})
}
