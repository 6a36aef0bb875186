package ibsim

import "github.com/scmhub/ibapi"

// encodeOpenOrder builds openOrder (5) at version, field by field as the
// client's open order decoder reads it.
func encodeOpenOrder(version int, o *orderView) *msg {
	m := newMsg(ibapi.OPEN_ORDER)
	if version < svOrderContainer {
		m.int(openOrderMsgVersion)
	}
	m.int(o.orderID)
	writeOrderContract(m, o.ref)

	m.str(o.action)
	putQuantity(m, o.totalQty)
	m.str(o.orderType)
	putShowUnset(m, o.lmtPrice)
	putShowUnset(m, o.auxPrice)
	m.str(o.tif).str(o.ocaGroup).str(o.account).str(o.openClose).int(o.origin).
		str(o.orderRef).int(o.clientID).int(o.permID).bool(o.outsideRth).bool(o.hidden)
	m.float(o.discretionaryAmt)
	m.str(o.goodAfterTime)
	m.str("") // sharesAllocation (deprecated)
	m.str(o.faGroup).str(o.faMethod).str(o.faPercentage)
	if version < svFAProfileDesupport {
		m.str("") // faProfile
	}
	if version >= svModelsSupport {
		m.str(o.modelCode)
	}
	m.str(o.goodTillDate).str(o.rule80A)
	putShowUnset(m, o.percentOffset)
	m.str(o.settlingFirm)
	m.int(o.shortSaleSlot).str(o.designatedLocation).int(o.exemptCode)
	m.int(o.auctionStrategy)
	putShowUnset(m, o.startingPrice)
	putShowUnset(m, o.stockRefPrice)
	putShowUnset(m, o.delta)
	putShowUnset(m, o.stockRangeLower)
	putShowUnset(m, o.stockRangeUpper)
	m.maxInt(o.displaySize).bool(o.blockOrder).bool(o.sweepToFill).bool(o.allOrNone).
		maxInt(o.minQty).int(o.ocaType)
	m.bool(false).bool(false) // eTradeOnly, firmQuoteOnly (deprecated)
	m.str("")                 // nbboPriceCap (deprecated)
	m.int(o.parentID).int(o.triggerMethod)

	putShowUnset(m, o.volatility)
	m.int(o.volatilityType)
	dnType := o.deltaNeutralOrderTypeOut()
	m.str(dnType)
	putShowUnset(m, o.deltaNeutralAuxPrice)
	if dnType != "" {
		m.int(o.deltaNeutralConID).str(o.deltaNeutralSettlingFirm).
			str(o.deltaNeutralClearingAccount).str(o.deltaNeutralClearingIntent)
		m.str(o.deltaNeutralOpenClose).bool(o.deltaNeutralShortSale).
			int(o.deltaNeutralShortSaleSlot).str(o.deltaNeutralDesignatedLocation)
	}
	m.bool(o.continuousUpdate).int(o.referencePriceType)
	putShowUnset(m, o.trailStopPrice)
	putShowUnset(m, o.trailingPercent)
	m.str("").str("") // basisPoints, basisPointsType (EFP only)
	writeOrderComboLegs(m, o)
	writeOrderTags(m, o.smartComboRouting)
	writeScale(m, o)
	m.str(o.hedgeType)
	if o.hedgeType != "" {
		m.str(o.hedgeParam)
	}
	m.bool(o.optOutSmartRouting)
	m.str(o.clearingAccount).str(o.clearingIntent)
	m.bool(o.notHeld)
	writeDeltaNeutralContract(m, o)
	writeAlgo(m, o)
	m.bool(o.solicited)

	// whatIf and the OrderState.
	m.bool(o.whatIf)
	m.str(o.status)
	p := o.preview
	mg := unsetMargins
	if p != nil {
		mg = p.margins
	}
	if version >= svWhatIfExtFields {
		putMargin(m, mg.initBefore)
		putMargin(m, mg.maintBefore)
		putMargin(m, mg.equityWithLoanBefore)
		putMargin(m, mg.initChange)
		putMargin(m, mg.maintChange)
		putMargin(m, mg.equityWithLoanChange)
	}
	putMargin(m, mg.initAfter)
	putMargin(m, mg.maintAfter)
	putMargin(m, mg.equityWithLoanAfter)
	if p != nil {
		putShowUnset(m, p.commission)
		putShowUnset(m, p.minCommission)
		putShowUnset(m, p.maxCommission)
		m.str(p.commissionCurrency)
	} else {
		m.str("").str("").str("").str("")
	}
	if version >= svFullOrderPreview {
		rth := unsetMargins
		var marginCurrency, rejectReason string
		suggested := 0.0
		if p != nil {
			if p.outsideRTH != nil {
				rth = *p.outsideRTH
			}
			marginCurrency, rejectReason, suggested = p.marginCurrency, p.rejectReason, p.suggestedSize
		}
		m.str(marginCurrency)
		for _, v := range []float64{
			rth.initBefore, rth.maintBefore, rth.equityWithLoanBefore,
			rth.initChange, rth.maintChange, rth.equityWithLoanChange,
			rth.initAfter, rth.maintAfter, rth.equityWithLoanAfter,
		} {
			putShowUnset(m, v)
		}
		if suggested == 0 {
			m.str("")
		} else {
			putQuantity(m, suggested)
		}
		m.str(rejectReason)
		m.int(0) // order allocations (advisor accounts only)
	}
	m.str(o.warningText)

	m.bool(o.randomizeSize).bool(o.randomizePrice)
	if version >= svPeggedToBenchmark {
		writePegBenchAndConditions(m, o)
		m.str(o.adjustedOrderType)
		putMaxText(m, o.triggerPrice)
		putMaxText(m, o.trailStopPrice)
		putMaxText(m, o.lmtPriceOffset)
		putMaxText(m, o.adjustedStopPrice)
		putMaxText(m, o.adjustedStopLimitPrice)
		putMaxText(m, o.adjustedTrailingAmount)
		m.int(o.adjustableTrailingUnit)
	}
	if version >= svSoftDollarTier {
		m.str(o.softDollarTierName).str(o.softDollarTierValue).str("") // displayName
	}
	if version >= svCashQty {
		putMaxText(m, o.cashQty)
	}
	if version >= svAutoPriceForHedge {
		m.bool(o.dontUseAutoPriceForHedge)
	}
	if version >= svOrderContainer {
		m.bool(o.isOmsContainer)
	}
	if version >= svDPegOrders {
		m.bool(o.discretionaryUpToLimitPrice)
	}
	if version >= svPriceMgmtAlgo {
		m.maxInt(o.usePriceMgmtAlgo)
	}
	if version >= svDuration {
		m.maxInt(o.duration)
	}
	if version >= svPostToAts {
		m.maxInt(o.postToAts)
	}
	if version >= svAutoCancelParent {
		m.bool(o.autoCancelParent)
	}
	if version >= svPegBestPegMidOffsets {
		writePegBestPegMid(m, o)
	}
	if version >= svCustomerAccount {
		m.str(o.customerAccount)
	}
	if version >= svProfessionalCustomer {
		m.bool(o.professionalCustomer)
	}
	if version >= svBondAccruedInterest {
		m.str(o.bondAccruedInterest)
	}
	if version >= svIncludeOvernight {
		m.bool(o.includeOvernight)
	}
	if version >= svCMETaggingOpenOrder {
		m.str(o.extOperator).maxInt(o.manualOrderIndicator)
	}
	if version >= svSubmitter {
		m.str(o.submitter)
	}
	if version >= svImbalanceOnly {
		m.bool(o.imbalanceOnly)
	}
	return m
}

// encodeOpenOrderEnd builds openOrderEnd (53).
func encodeOpenOrderEnd() *msg { return newMsg(ibapi.OPEN_ORDER_END).int(1) }
