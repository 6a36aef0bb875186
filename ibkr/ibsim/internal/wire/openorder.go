package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
)

// encodeOpenOrder builds openOrder (5) at version, field by field as the
// client's open order decoder reads it.
func encodeOpenOrder(version int, o *engine.OrderView) *Msg {
	m := NewMsg(ibapi.OPEN_ORDER)
	if version < svOrderContainer {
		m.Int(openOrderMsgVersion)
	}
	m.Int(o.OrderID)
	writeOrderContract(m, o.Ref)

	m.Str(o.Action)
	putQuantity(m, o.TotalQty)
	m.Str(o.OrderType)
	putShowUnset(m, o.LmtPrice)
	putShowUnset(m, o.AuxPrice)
	m.Str(o.TIF).Str(o.OcaGroup).Str(o.Account).Str(o.OpenClose).Int(o.Origin).
		Str(o.OrderRef).Int(o.ClientID).Int(o.PermID).bool(o.OutsideRth).bool(o.Hidden)
	m.Float(o.DiscretionaryAmt)
	m.Str(o.GoodAfterTime)
	m.Str("") // sharesAllocation (deprecated)
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
	m.Int(o.AuctionStrategy)
	putShowUnset(m, o.StartingPrice)
	putShowUnset(m, o.StockRefPrice)
	putShowUnset(m, o.Delta)
	putShowUnset(m, o.StockRangeLower)
	putShowUnset(m, o.StockRangeUpper)
	m.maxInt(o.DisplaySize).bool(o.BlockOrder).bool(o.SweepToFill).bool(o.AllOrNone).
		maxInt(o.MinQty).Int(o.OcaType)
	m.bool(false).bool(false) // eTradeOnly, firmQuoteOnly (deprecated)
	m.Str("")                 // nbboPriceCap (deprecated)
	m.Int(o.ParentID).Int(o.TriggerMethod)

	putShowUnset(m, o.Volatility)
	m.Int(o.VolatilityType)
	dnType := o.DeltaNeutralOrderTypeOut()
	m.Str(dnType)
	putShowUnset(m, o.DeltaNeutralAuxPrice)
	if dnType != "" {
		m.Int(o.DeltaNeutralConID).Str(o.DeltaNeutralSettlingFirm).
			Str(o.DeltaNeutralClearingAccount).Str(o.DeltaNeutralClearingIntent)
		m.Str(o.DeltaNeutralOpenClose).bool(o.DeltaNeutralShortSale).
			Int(o.DeltaNeutralShortSaleSlot).Str(o.DeltaNeutralDesignatedLocation)
	}
	m.bool(o.ContinuousUpdate).Int(o.ReferencePriceType)
	putShowUnset(m, o.TrailStopPrice)
	putShowUnset(m, o.TrailingPercent)
	m.Str("").Str("") // basisPoints, basisPointsType (EFP only)
	writeOrderComboLegs(m, o)
	writeOrderTags(m, o.SmartComboRouting)
	writeScale(m, o)
	m.Str(o.HedgeType)
	if o.HedgeType != "" {
		m.Str(o.HedgeParam)
	}
	m.bool(o.OptOutSmartRouting)
	m.Str(o.ClearingAccount).Str(o.ClearingIntent)
	m.bool(o.NotHeld)
	writeDeltaNeutralContract(m, o)
	writeAlgo(m, o)
	m.bool(o.Solicited)

	// whatIf and the OrderState.
	m.bool(o.WhatIf)
	m.Str(o.Status)
	p := o.Preview
	mg := engine.UnsetMargins
	if p != nil {
		mg = p.Margins
	}
	if version >= svWhatIfExtFields {
		putMargin(m, mg.InitBefore)
		putMargin(m, mg.MaintBefore)
		putMargin(m, mg.EquityWithLoanBefore)
		putMargin(m, mg.InitChange)
		putMargin(m, mg.MaintChange)
		putMargin(m, mg.EquityWithLoanChange)
	}
	putMargin(m, mg.InitAfter)
	putMargin(m, mg.MaintAfter)
	putMargin(m, mg.EquityWithLoanAfter)
	if p != nil {
		putShowUnset(m, p.Commission)
		putShowUnset(m, p.MinCommission)
		putShowUnset(m, p.MaxCommission)
		m.Str(p.CommissionCurrency)
	} else {
		m.Str("").Str("").Str("").Str("")
	}
	if version >= svFullOrderPreview {
		rth := engine.UnsetMargins
		var marginCurrency, rejectReason string
		suggested := 0.0
		if p != nil {
			if p.OutsideRTH != nil {
				rth = *p.OutsideRTH
			}
			marginCurrency, rejectReason, suggested = p.MarginCurrency, p.RejectReason, p.SuggestedSize
		}
		m.Str(marginCurrency)
		for _, v := range []float64{
			rth.InitBefore, rth.MaintBefore, rth.EquityWithLoanBefore,
			rth.InitChange, rth.MaintChange, rth.EquityWithLoanChange,
			rth.InitAfter, rth.MaintAfter, rth.EquityWithLoanAfter,
		} {
			putShowUnset(m, v)
		}
		if suggested == 0 {
			m.Str("")
		} else {
			putQuantity(m, suggested)
		}
		m.Str(rejectReason)
		m.Int(0) // order allocations (advisor accounts only)
	}
	m.Str(o.WarningText)

	m.bool(o.RandomizeSize).bool(o.RandomizePrice)
	if version >= svPeggedToBenchmark {
		writePegBenchAndConditions(m, o)
		m.Str(o.AdjustedOrderType)
		putMaxText(m, o.TriggerPrice)
		putMaxText(m, o.TrailStopPrice)
		putMaxText(m, o.LmtPriceOffset)
		putMaxText(m, o.AdjustedStopPrice)
		putMaxText(m, o.AdjustedStopLimitPrice)
		putMaxText(m, o.AdjustedTrailingAmount)
		m.Int(o.AdjustableTrailingUnit)
	}
	if version >= svSoftDollarTier {
		m.Str(o.SoftDollarTierName).Str(o.SoftDollarTierValue).Str("") // displayName
	}
	if version >= svCashQty {
		putMaxText(m, o.CashQty)
	}
	if version >= svAutoPriceForHedge {
		m.bool(o.DontUseAutoPriceForHedge)
	}
	if version >= svOrderContainer {
		m.bool(o.IsOmsContainer)
	}
	if version >= svDPegOrders {
		m.bool(o.DiscretionaryUpToLimitPrice)
	}
	if version >= svPriceMgmtAlgo {
		m.maxInt(o.UsePriceMgmtAlgo)
	}
	if version >= svDuration {
		m.maxInt(o.Duration)
	}
	if version >= svPostToAts {
		m.maxInt(o.PostToAts)
	}
	if version >= svAutoCancelParent {
		m.bool(o.AutoCancelParent)
	}
	if version >= svPegBestPegMidOffsets {
		writePegBestPegMid(m, o)
	}
	if version >= svCustomerAccount {
		m.Str(o.CustomerAccount)
	}
	if version >= svProfessionalCustomer {
		m.bool(o.ProfessionalCustomer)
	}
	if version >= svBondAccruedInterest {
		m.Str(o.BondAccruedInterest)
	}
	if version >= svIncludeOvernight {
		m.bool(o.IncludeOvernight)
	}
	if version >= svCMETaggingOpenOrder {
		m.Str(o.ExtOperator).maxInt(o.ManualOrderIndicator)
	}
	if version >= svSubmitter {
		m.Str(o.Submitter)
	}
	if version >= svImbalanceOnly {
		m.bool(o.ImbalanceOnly)
	}
	return m
}

// encodeOpenOrderEnd builds openOrderEnd (53).
func encodeOpenOrderEnd() *Msg { return NewMsg(ibapi.OPEN_ORDER_END).Int(1) }
