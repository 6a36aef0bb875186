package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// encodeCompletedOrder builds completedOrder (101) at version, as the
// client's completed order decoder reads it. The message has no order id
// and no version field; a client can only request it at version >= 150.
func encodeCompletedOrder(version int, o *engine.OrderView) *Msg {
	m := NewMsg(ibapi.COMPLETED_ORDER)
	writeOrderContract(m, o.Ref)

	m.Str(o.Action)
	putQuantity(m, o.TotalQty)
	m.Str(o.OrderType)
	putShowUnset(m, o.LmtPrice)
	putShowUnset(m, o.AuxPrice)
	m.Str(o.TIF).Str(o.OcaGroup).Str(o.Account).Str(o.OpenClose).Int(o.Origin).
		Str(o.OrderRef).Int(o.PermID).bool(o.OutsideRth).bool(o.Hidden)
	m.Float(o.DiscretionaryAmt)
	m.Str(o.GoodAfterTime)
	m.Str(o.FaGroup).Str(o.FaMethod).Str(o.FaPercentage)
	if version < svFAProfileDesupport {
		m.Str("") // faProfile
	}
	if version >= svModelsSupport {
		m.Str(o.ModelCode)
	}
	m.Str(o.GoodTillDate).Str(o.Rule80A)
	putShowUnset(m, o.PercentOffset)
	m.Str(o.SettlingFirm)
	m.Int(o.ShortSaleSlot).Str(o.DesignatedLocation).Int(o.ExemptCode)
	putShowUnset(m, o.StartingPrice)
	putShowUnset(m, o.StockRefPrice)
	putShowUnset(m, o.Delta)
	putShowUnset(m, o.StockRangeLower)
	putShowUnset(m, o.StockRangeUpper)
	m.maxInt(o.DisplaySize).bool(o.SweepToFill).bool(o.AllOrNone).maxInt(o.MinQty).
		Int(o.OcaType).Int(o.TriggerMethod)

	putShowUnset(m, o.Volatility)
	m.Int(o.VolatilityType)
	dnType := o.DeltaNeutralOrderTypeOut()
	m.Str(dnType)
	putShowUnset(m, o.DeltaNeutralAuxPrice)
	if dnType != "" {
		m.Int(o.DeltaNeutralConID)
		m.bool(o.DeltaNeutralShortSale).Int(o.DeltaNeutralShortSaleSlot).
			Str(o.DeltaNeutralDesignatedLocation)
	}
	m.bool(o.ContinuousUpdate).Int(o.ReferencePriceType)
	putShowUnset(m, o.TrailStopPrice)
	putShowUnset(m, o.TrailingPercent)
	writeOrderComboLegs(m, o)
	writeOrderTags(m, o.SmartComboRouting)
	writeScale(m, o)
	m.Str(o.HedgeType)
	if o.HedgeType != "" {
		m.Str(o.HedgeParam)
	}
	m.Str(o.ClearingAccount).Str(o.ClearingIntent)
	m.bool(o.NotHeld)
	writeDeltaNeutralContract(m, o)
	writeAlgo(m, o)
	m.bool(o.Solicited)
	m.Str(o.Status)
	m.bool(o.RandomizeSize).bool(o.RandomizePrice)
	if version >= svPeggedToBenchmark {
		writePegBenchAndConditions(m, o)
	}
	putMaxText(m, o.TrailStopPrice)
	putMaxText(m, o.LmtPriceOffset)
	if version >= svCashQty {
		putMaxText(m, o.CashQty)
	}
	if version >= svAutoPriceForHedge {
		m.bool(o.DontUseAutoPriceForHedge)
	}
	if version >= svOrderContainer {
		m.bool(o.IsOmsContainer)
	}
	m.Str(o.AutoCancelDate)
	putQuantity(m, o.Filled)
	m.Int(0)                   // refFuturesConId
	m.bool(o.AutoCancelParent) // sent at every version
	m.Str("")                  // shareholder
	m.bool(o.ImbalanceOnly)    // sent at every version
	m.Str("")                  // routeMarketableToBbo: default
	m.Int(o.ParentPermID)
	m.Str(o.CompletedTime).Str(o.CompletedStatus)
	if version >= svPegBestPegMidOffsets {
		writePegBestPegMid(m, o)
	}
	if version >= svCustomerAccount {
		m.Str(o.CustomerAccount)
	}
	if version >= svProfessionalCustomer {
		m.bool(o.ProfessionalCustomer)
	}
	if version >= svSubmitter {
		m.Str(o.Submitter)
	}
	return m
}

// encodeCompletedOrdersEnd builds completedOrdersEnd (102): no fields.
func encodeCompletedOrdersEnd() *Msg { return NewMsg(ibapi.COMPLETED_ORDERS_END) }
