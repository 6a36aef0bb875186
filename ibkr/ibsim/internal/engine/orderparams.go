package engine

import "strings"

// AdditionalParams are the order attributes of versions 216 to 223
// (MIN_SERVER_VER_ADDITIONAL_ORDER_PARAMS_1 and _2, ATTACHED_ORDERS,
// HEDGE_MAX_SIZE), which only a protobuf placeOrder carries. The flags
// are false and the numbers UnsetInt when not sent.
type AdditionalParams struct {
	Deactivate        bool // 216
	PostOnly          bool // 216
	AllowPreOpen      bool // 216
	IgnoreOpenAuction bool // 216
	// RouteMarketableToBbo and SeekPriceImprovement are three-state
	// (0 no, 1 yes, UnsetInt: the account's default); WhatIfType is
	// the kind of what-if preview.
	RouteMarketableToBbo int64 // 217
	SeekPriceImprovement int64 // 217
	WhatIfType           int64 // 217
	HedgeMaxSize         int64 // 223
	// Attached names the attached stop-loss / profit-taker orders of
	// the request (218), "" when there are none.
	Attached string
}

// NewAdditionalParams returns the parameters of a placeOrder that sends
// none of them.
func NewAdditionalParams() *AdditionalParams {
	return &AdditionalParams{RouteMarketableToBbo: UnsetInt, SeekPriceImprovement: UnsetInt, WhatIfType: UnsetInt, HedgeMaxSize: UnsetInt}
}

// checkAdditional returns why the simulator refuses an order's additional
// parameters, or "": it has no inactive (deactivated) orders, no
// post-only matching (a post-only order must never take liquidity, which
// the simulator's fills do), no attached-order presets, and hedge sizes
// apply only to hedge orders.
func checkAdditional(r *OrderRequest) string {
	a := r.Additional
	if a == nil {
		return ""
	}
	switch {
	case a.Deactivate:
		return "Deactivated orders are not supported"
	case a.PostOnly:
		return "Post-only orders are not supported"
	case a.Attached != "":
		return "Attached orders (" + a.Attached + ") are not supported; place a bracket with parentId instead"
	case a.HedgeMaxSize != UnsetInt && strings.TrimSpace(r.HedgeType) == "":
		return "hedgeMaxSize requires a hedge order"
	case a.HedgeMaxSize != UnsetInt && a.HedgeMaxSize <= 0:
		return "Invalid hedgeMaxSize"
	case a.WhatIfType != UnsetInt && !r.WhatIf:
		return "whatIfType requires a what-if order"
	}
	return ""
}
