package wire

import (
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi/protobuf"
)

// Server versions that add order attributes to the protobuf placeOrder,
// openOrder and completedOrder (the client sends each only from its
// version, and refuses it itself below).
const (
	VerAdditionalOrderParams1 = 216 // deactivate, postOnly, allowPreOpen, ignoreOpenAuction
	VerAdditionalOrderParams2 = 217 // routeMarketableToBbo, seekPriceImprovement, whatIfType
	VerAttachedOrders         = 218 // PlaceOrderRequest.attachedOrders
	VerHedgeMaxSize           = 223 // hedgeMaxSize
	// VerUsePrecisionFromSecDefs (224) changes no message: the Gateway
	// rounds prices with the precision of the security definitions,
	// which the simulator's market rules already are.
	VerUsePrecisionFromSecDefs = 224
)

// additionalFromProto reads the attributes of versions 216 to 223 of a
// protobuf placeOrder into req. A field of a later version than the
// negotiated one is not read, as a Gateway of that version does not know
// it.
func additionalFromProto(version int, r *protobuf.PlaceOrderRequest, req *engine.OrderRequest) {
	p := r.GetOrder()
	a := engine.NewAdditionalParams()
	set := false
	if version >= VerAdditionalOrderParams1 && p != nil {
		a.Deactivate, a.PostOnly = p.GetDeactivate(), p.GetPostOnly()
		a.AllowPreOpen, a.IgnoreOpenAuction = p.GetAllowPreOpen(), p.GetIgnoreOpenAuction()
		set = set || p.Deactivate != nil || p.PostOnly != nil || p.AllowPreOpen != nil || p.IgnoreOpenAuction != nil
	}
	if version >= VerAdditionalOrderParams2 && p != nil {
		a.RouteMarketableToBbo = getI32(p.RouteMarketableToBbo)
		a.SeekPriceImprovement = getI32(p.SeekPriceImprovement)
		a.WhatIfType = getI32(p.WhatIfType)
		set = set || p.RouteMarketableToBbo != nil || p.SeekPriceImprovement != nil || p.WhatIfType != nil
	}
	if version >= VerHedgeMaxSize && p != nil && p.HedgeMaxSize != nil {
		a.HedgeMaxSize = int64(p.GetHedgeMaxSize())
		set = true
	}
	if ao := r.GetAttachedOrders(); version >= VerAttachedOrders && ao != nil {
		var parts []string
		if ao.SlOrderId != nil || ao.SlOrderType != nil {
			parts = append(parts, "stop loss "+strconv.Itoa(int(ao.GetSlOrderId()))+" "+ao.GetSlOrderType())
		}
		if ao.PtOrderId != nil || ao.PtOrderType != nil {
			parts = append(parts, "profit taker "+strconv.Itoa(int(ao.GetPtOrderId()))+" "+ao.GetPtOrderType())
		}
		a.Attached = strings.ToValidUTF8(strings.Join(parts, ", "), "\uFFFD")
		set = set || a.Attached != ""
	}
	if set {
		req.Additional = a
	}
}

// additionalProto echoes the attributes of versions 216 to 223 in an
// openOrder or completedOrder, as the Gateway reports what the order was
// placed with: flags only when true, the three-state and numeric values
// only when set.
func additionalProto(p *protobuf.Order, a *engine.AdditionalParams) {
	if a == nil {
		return
	}
	p.Deactivate, p.PostOnly = pTrue(a.Deactivate), pTrue(a.PostOnly)
	p.AllowPreOpen, p.IgnoreOpenAuction = pTrue(a.AllowPreOpen), pTrue(a.IgnoreOpenAuction)
	p.RouteMarketableToBbo = pI32Set(a.RouteMarketableToBbo)
	p.SeekPriceImprovement = pI32Set(a.SeekPriceImprovement)
	p.WhatIfType = pI32Set(a.WhatIfType)
	p.HedgeMaxSize = pI32Set(a.HedgeMaxSize)
}
