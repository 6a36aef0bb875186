package ibsim

import "time"

// STUB: replaced by the price model implementation.

type priceModel struct{}

func newPriceModel(seed int64) *priceModel { return &priceModel{} }

// quote returns the market of in at instant t.
func (p *priceModel) quote(in *instrument, t time.Time) quote { return quote{at: t} }
