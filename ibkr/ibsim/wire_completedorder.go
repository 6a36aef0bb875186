package ibsim

import "github.com/scmhub/ibapi"

// encodeCompletedOrder builds completedOrder (101) at version, as the
// client's completed order decoder reads it. The message has no order id
// and no version field; a client can only request it at version >= 150.
func encodeCompletedOrder(version int, o *orderView) *msg {
	m := newMsg(ibapi.COMPLETED_ORDER)
	writeOrderContract(m, o.ref)

	m.str(o.action)
	putQuantity(m, o.totalQty)
	m.str(o.orderType)
	putShowUnset(m, o.lmtPrice)
	putShowUnset(m, o.auxPrice)
	m.str(o.tif).str(o.ocaGroup).str(o.account).str(o.openClose).int(o.origin).
		str(o.orderRef).int(o.permID).bool(o.outsideRth).bool(o.hidden)
	m.float(o.discretionaryAmt)
	m.str(o.goodAfterTime)
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
	putShowUnset(m, o.startingPrice)
	putShowUnset(m, o.stockRefPrice)
	putShowUnset(m, o.delta)
	putShowUnset(m, o.stockRangeLower)
	putShowUnset(m, o.stockRangeUpper)
	m.maxInt(o.displaySize).bool(o.sweepToFill).bool(o.allOrNone).maxInt(o.minQty).
		int(o.ocaType).int(o.triggerMethod)

	putShowUnset(m, o.volatility)
	m.int(o.volatilityType)
	dnType := o.deltaNeutralOrderTypeOut()
	m.str(dnType)
	putShowUnset(m, o.deltaNeutralAuxPrice)
	if dnType != "" {
		m.int(o.deltaNeutralConID)
		m.bool(o.deltaNeutralShortSale).int(o.deltaNeutralShortSaleSlot).
			str(o.deltaNeutralDesignatedLocation)
	}
	m.bool(o.continuousUpdate).int(o.referencePriceType)
	putShowUnset(m, o.trailStopPrice)
	putShowUnset(m, o.trailingPercent)
	writeOrderComboLegs(m, o)
	writeOrderTags(m, o.smartComboRouting)
	writeScale(m, o)
	m.str(o.hedgeType)
	if o.hedgeType != "" {
		m.str(o.hedgeParam)
	}
	m.str(o.clearingAccount).str(o.clearingIntent)
	m.bool(o.notHeld)
	writeDeltaNeutralContract(m, o)
	writeAlgo(m, o)
	m.bool(o.solicited)
	m.str(o.status)
	m.bool(o.randomizeSize).bool(o.randomizePrice)
	if version >= svPeggedToBenchmark {
		writePegBenchAndConditions(m, o)
	}
	putMaxText(m, o.trailStopPrice)
	putMaxText(m, o.lmtPriceOffset)
	if version >= svCashQty {
		putMaxText(m, o.cashQty)
	}
	if version >= svAutoPriceForHedge {
		m.bool(o.dontUseAutoPriceForHedge)
	}
	if version >= svOrderContainer {
		m.bool(o.isOmsContainer)
	}
	m.str(o.autoCancelDate)
	putQuantity(m, o.filled)
	m.int(0)                   // refFuturesConId
	m.bool(o.autoCancelParent) // sent at every version
	m.str("")                  // shareholder
	m.bool(o.imbalanceOnly)    // sent at every version
	m.str("")                  // routeMarketableToBbo: default
	m.int(o.parentPermID)
	m.str(o.completedTime).str(o.completedStatus)
	if version >= svPegBestPegMidOffsets {
		writePegBestPegMid(m, o)
	}
	if version >= svCustomerAccount {
		m.str(o.customerAccount)
	}
	if version >= svProfessionalCustomer {
		m.bool(o.professionalCustomer)
	}
	if version >= svSubmitter {
		m.str(o.submitter)
	}
	return m
}

// encodeCompletedOrdersEnd builds completedOrdersEnd (102): no fields.
func encodeCompletedOrdersEnd() *msg { return newMsg(ibapi.COMPLETED_ORDERS_END) }
