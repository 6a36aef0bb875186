package ibsim

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// parsePlaceOrder reads a placeOrder after its message id, walking the
// fields in the order and under the version conditions the TWS API client
// encodes them at version. The first malformed or missing field is
// returned as a *fieldError (f.err); f.reqID is set to the order id once
// it is read. Trailing fields beyond the layout are left unread
// (f.remaining() > 0).
func parsePlaceOrder(f *fields, version int) (orderRequest, error) {
	r := newOrderRequest()
	if version < svOrderContainer {
		f.int("version")
	}
	r.orderID = f.int("orderId")
	if f.err == nil {
		f.reqID = r.orderID
	}

	c := &r.contract
	c.conID = f.int("conId")
	c.symbol = f.str("symbol")
	c.secType = f.str("secType")
	c.expiry = f.str("lastTradeDateOrContractMonth")
	c.strike = f.float("strike")
	c.right = f.str("right")
	c.multiplier = f.str("multiplier")
	c.exchange = f.str("exchange")
	c.primaryExch = f.str("primaryExchange")
	c.currency = f.str("currency")
	c.localSymbol = f.str("localSymbol")
	c.tradingClass = f.str("tradingClass")
	c.secIDType = f.str("secIdType")
	c.secID = f.str("secId")

	r.action = f.str("action")
	r.totalQty = readQuantity(f, "totalQuantity")
	r.orderType = f.str("orderType")
	r.lmtPrice = readDouble(f, "lmtPrice")
	r.auxPrice = readDouble(f, "auxPrice")
	r.tif = f.str("tif")
	r.ocaGroup = f.str("ocaGroup")
	r.account = f.str("account")
	r.openClose = f.str("openClose")
	r.origin = f.int("origin")
	r.orderRef = f.str("orderRef")
	r.transmit = f.bool("transmit")
	r.parentID = f.int("parentId")
	r.blockOrder = f.bool("blockOrder")
	r.sweepToFill = f.bool("sweepToFill")
	r.displaySize = f.maxInt("displaySize")
	r.triggerMethod = f.int("triggerMethod")
	r.outsideRth = f.bool("outsideRth")
	r.hidden = f.bool("hidden")

	if c.secType == "BAG" {
		n := readCount(f, "comboLegsCount", 8)
		for range n {
			var l orderLeg
			l.conID = f.int("comboLeg.conId")
			l.ratio = f.int("comboLeg.ratio")
			l.action = f.str("comboLeg.action")
			l.exchange = f.str("comboLeg.exchange")
			l.openClose = f.int("comboLeg.openClose")
			l.shortSaleSlot = f.int("comboLeg.shortSaleSlot")
			l.designatedLocation = f.str("comboLeg.designatedLocation")
			l.exemptCode = f.int("comboLeg.exemptCode")
			r.comboLegs = append(r.comboLegs, l)
		}
		n = readCount(f, "orderComboLegsCount", 1)
		for range n {
			r.orderComboLegPrices = append(r.orderComboLegPrices, readDouble(f, "orderComboLeg.price"))
		}
		r.smartComboRouting = readTags(f, "smartComboRoutingParams")
	}

	f.str("sharesAllocation") // deprecated, always sent
	r.discretionaryAmt = f.float("discretionaryAmt")
	r.goodAfterTime = f.str("goodAfterTime")
	r.goodTillDate = f.str("goodTillDate")
	r.faGroup = f.str("faGroup")
	r.faMethod = f.str("faMethod")
	r.faPercentage = f.str("faPercentage")
	if version < svFAProfileDesupport {
		f.str("faProfile")
	}
	if version >= svModelsSupport {
		r.modelCode = f.str("modelCode")
	}
	r.shortSaleSlot = f.int("shortSaleSlot")
	r.designatedLocation = f.str("designatedLocation")
	r.exemptCode = f.int("exemptCode")

	r.ocaType = f.int("ocaType")
	r.rule80A = f.str("rule80A")
	r.settlingFirm = f.str("settlingFirm")
	r.allOrNone = f.bool("allOrNone")
	r.minQty = f.maxInt("minQty")
	r.percentOffset = readDouble(f, "percentOffset")
	f.bool("eTradeOnly")          // deprecated
	f.bool("firmQuoteOnly")       // deprecated
	readDouble(f, "nbboPriceCap") // deprecated
	r.auctionStrategy = f.int("auctionStrategy")
	r.startingPrice = readDouble(f, "startingPrice")
	r.stockRefPrice = readDouble(f, "stockRefPrice")
	r.delta = readDouble(f, "delta")
	r.stockRangeLower = readDouble(f, "stockRangeLower")
	r.stockRangeUpper = readDouble(f, "stockRangeUpper")
	r.overridePercentageConstraints = f.bool("overridePercentageConstraints")

	r.volatility = readDouble(f, "volatility")
	r.volatilityType = f.maxInt("volatilityType")
	r.deltaNeutralOrderType = f.str("deltaNeutralOrderType")
	r.deltaNeutralAuxPrice = readDouble(f, "deltaNeutralAuxPrice")
	if r.deltaNeutralOrderType != "" {
		r.deltaNeutralConID = f.int("deltaNeutralConId")
		r.deltaNeutralSettlingFirm = f.str("deltaNeutralSettlingFirm")
		r.deltaNeutralClearingAccount = f.str("deltaNeutralClearingAccount")
		r.deltaNeutralClearingIntent = f.str("deltaNeutralClearingIntent")
		r.deltaNeutralOpenClose = f.str("deltaNeutralOpenClose")
		r.deltaNeutralShortSale = f.bool("deltaNeutralShortSale")
		r.deltaNeutralShortSaleSlot = f.int("deltaNeutralShortSaleSlot")
		r.deltaNeutralDesignatedLocation = f.str("deltaNeutralDesignatedLocation")
	}
	r.continuousUpdate = f.bool("continuousUpdate")
	r.referencePriceType = f.maxInt("referencePriceType")
	r.trailStopPrice = readDouble(f, "trailStopPrice")
	r.trailingPercent = readDouble(f, "trailingPercent")

	r.scaleInitLevelSize = f.maxInt("scaleInitLevelSize")
	r.scaleSubsLevelSize = f.maxInt("scaleSubsLevelSize")
	r.scalePriceIncrement = readDouble(f, "scalePriceIncrement")
	if r.scalePriceIncrement != unsetFloat && r.scalePriceIncrement > 0 {
		r.scalePriceAdjustValue = readDouble(f, "scalePriceAdjustValue")
		r.scalePriceAdjustInterval = f.maxInt("scalePriceAdjustInterval")
		r.scaleProfitOffset = readDouble(f, "scaleProfitOffset")
		r.scaleAutoReset = f.bool("scaleAutoReset")
		r.scaleInitPosition = f.maxInt("scaleInitPosition")
		r.scaleInitFillQty = f.maxInt("scaleInitFillQty")
		r.scaleRandomPercent = f.bool("scaleRandomPercent")
	}
	r.scaleTable = f.str("scaleTable")
	r.activeStartTime = f.str("activeStartTime")
	r.activeStopTime = f.str("activeStopTime")

	r.hedgeType = f.str("hedgeType")
	if r.hedgeType != "" {
		r.hedgeParam = f.str("hedgeParam")
	}
	r.optOutSmartRouting = f.bool("optOutSmartRouting")
	r.clearingAccount = f.str("clearingAccount")
	r.clearingIntent = f.str("clearingIntent")
	r.notHeld = f.bool("notHeld")

	if f.bool("deltaNeutralContractPresent") {
		r.deltaNeutralContract = &dnContract{
			conID: f.int("deltaNeutralContract.conId"),
			delta: f.float("deltaNeutralContract.delta"),
			price: f.float("deltaNeutralContract.price"),
		}
	}

	r.algoStrategy = f.str("algoStrategy")
	if r.algoStrategy != "" {
		r.algoParams = readTags(f, "algoParams")
	}
	r.algoID = f.str("algoId")
	r.whatIf = f.bool("whatIf")
	r.miscOptions = f.str("orderMiscOptions")
	r.solicited = f.bool("solicited")
	r.randomizeSize = f.bool("randomizeSize")
	r.randomizePrice = f.bool("randomizePrice")

	if version >= svPeggedToBenchmark {
		if r.orderType == "PEG BENCH" {
			r.referenceContractID = f.int("referenceContractId")
			r.isPeggedChangeAmountDecrease = f.bool("isPeggedChangeAmountDecrease")
			r.peggedChangeAmount = readDouble(f, "peggedChangeAmount")
			r.referenceChangeAmount = readDouble(f, "referenceChangeAmount")
			r.referenceExchangeID = f.str("referenceExchangeId")
		}
		n := readCount(f, "conditionsCount", 2)
		for range n {
			r.conditions = append(r.conditions, readCondition(f))
		}
		if n > 0 {
			r.conditionsIgnoreRth = f.bool("conditionsIgnoreRth")
			r.conditionsCancelOrder = f.bool("conditionsCancelOrder")
		}
		r.adjustedOrderType = f.str("adjustedOrderType")
		r.triggerPrice = readDouble(f, "triggerPrice")
		r.lmtPriceOffset = readDouble(f, "lmtPriceOffset")
		r.adjustedStopPrice = readDouble(f, "adjustedStopPrice")
		r.adjustedStopLimitPrice = readDouble(f, "adjustedStopLimitPrice")
		r.adjustedTrailingAmount = readDouble(f, "adjustedTrailingAmount")
		r.adjustableTrailingUnit = f.int("adjustableTrailingUnit")
	}
	if version >= svExtOperator {
		r.extOperator = f.str("extOperator")
	}
	if version >= svSoftDollarTier {
		r.softDollarTierName = f.str("softDollarTier.name")
		r.softDollarTierValue = f.str("softDollarTier.value")
	}
	if version >= svCashQty {
		r.cashQty = readDouble(f, "cashQty")
	}
	if version >= svDecisionMaker {
		r.mifid2DecisionMaker = f.str("mifid2DecisionMaker")
		r.mifid2DecisionAlgo = f.str("mifid2DecisionAlgo")
	}
	if version >= svMifidExecution {
		r.mifid2ExecutionTrader = f.str("mifid2ExecutionTrader")
		r.mifid2ExecutionAlgo = f.str("mifid2ExecutionAlgo")
	}
	if version >= svAutoPriceForHedge {
		r.dontUseAutoPriceForHedge = f.bool("dontUseAutoPriceForHedge")
	}
	if version >= svOrderContainer {
		r.isOmsContainer = f.bool("isOmsContainer")
	}
	if version >= svDPegOrders {
		r.discretionaryUpToLimitPrice = f.bool("discretionaryUpToLimitPrice")
	}
	if version >= svPriceMgmtAlgo {
		r.usePriceMgmtAlgo = f.maxInt("usePriceMgmtAlgo")
	}
	if version >= svDuration {
		r.duration = f.maxInt("duration")
	}
	if version >= svPostToAts {
		r.postToAts = f.maxInt("postToAts")
	}
	if version >= svAutoCancelParent {
		r.autoCancelParent = f.bool("autoCancelParent")
	}
	if version >= svAdvancedOrderReject {
		r.advancedErrorOverride = f.str("advancedErrorOverride")
	}
	if version >= svManualOrderTime {
		r.manualOrderTime = f.str("manualOrderTime")
	}
	if version >= svPegBestPegMidOffsets {
		sendMid := false
		if c.exchange == "IBKRATS" {
			r.minTradeQty = f.maxInt("minTradeQty")
		}
		switch r.orderType {
		case "PEG BEST":
			r.minCompeteSize = f.maxInt("minCompeteSize")
			r.competeAgainstBestOffset = readDouble(f, "competeAgainstBestOffset")
			sendMid = math.IsInf(r.competeAgainstBestOffset, 1)
		case "PEG MID":
			sendMid = true
		}
		if sendMid {
			r.midOffsetAtWhole = readDouble(f, "midOffsetAtWhole")
			r.midOffsetAtHalf = readDouble(f, "midOffsetAtHalf")
		}
	}
	if version >= svCustomerAccount {
		r.customerAccount = f.str("customerAccount")
	}
	if version >= svProfessionalCustomer {
		r.professionalCustomer = f.bool("professionalCustomer")
	}
	if version >= svRFQFields && version < svUndoRFQFields {
		f.str("rfqPlaceholder")
		f.str("rfqPlaceholder")
	}
	if version >= svIncludeOvernight {
		r.includeOvernight = f.bool("includeOvernight")
	}
	if version >= svCMETaggingFields {
		r.manualOrderIndicator = f.maxInt("manualOrderIndicator")
	}
	if version >= svImbalanceOnly {
		r.imbalanceOnly = f.bool("imbalanceOnly")
	}
	if f.err != nil {
		return orderRequest{}, f.err
	}
	return r, nil
}

// readQuantity reads a decimal quantity. Clients write an unset quantity
// as "", "NaN" or a maximum value of their integer or decimal types; all of
// these read as unsetFloat.
func readQuantity(f *fields, name string) float64 {
	s, ok := f.next(name)
	if !ok {
		return 0
	}
	s = strings.TrimSpace(s)
	switch s {
	case "", "NaN", "2147483647", "9223372036854775807", "-9223372036854775808",
		"170141183460469231731687303715884105727", maxDoubleText:
		return unsetFloat
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: s, Want: "a quantity"}
		return 0
	}
	if v >= 1e300 {
		return unsetFloat
	}
	return v
}

// readDouble reads a double that may be unset. "" and any value of 1e300
// or more read as unsetFloat: Double.MAX_VALUE as each client prints it
// (Java "1.7976931348623157E308", Python "1.7976931348623157e+308", Go's
// 309 digits, and the C++ client's "%.10g" "1.797693135e+308", which rounds
// above the largest double and overflows). A literal infinity is kept: +Inf
// is PEG BEST's "up to mid" offset.
func readDouble(f *fields, name string) float64 {
	s, ok := f.next(name)
	if !ok {
		return 0
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return unsetFloat
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err == nil && math.IsInf(v, 0):
		return v // "Infinity", "inf", "+Inf"
	case err == nil && v >= 1e300, errors.Is(err, strconv.ErrRange) && math.IsInf(v, 1):
		return unsetFloat
	case errors.Is(err, strconv.ErrRange):
		return v // underflow to 0 or overflow to -Inf
	case err != nil || math.IsNaN(v):
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: s, Want: "a number or empty"}
		return 0
	}
	return v
}

// readCount reads a list length. Each entry takes at least per fields, so a
// count the rest of the message cannot hold is malformed; this also bounds
// the loops over garbage input.
func readCount(f *fields, name string, per int) int {
	n := f.int(name)
	if f.err != nil {
		return 0
	}
	if n < 0 || n > int64(f.remaining()/per) {
		f.err = &fieldError{Index: f.i - 1, Name: name, Value: strconv.FormatInt(n, 10), Want: "a count within the message"}
		return 0
	}
	return int(n)
}

// readTags reads a count and that many tag/value pairs.
func readTags(f *fields, name string) []orderTag {
	n := readCount(f, name+"Count", 2)
	var out []orderTag
	for range n {
		out = append(out, orderTag{tag: f.str(name + ".tag"), value: f.str(name + ".value")})
	}
	return out
}

// readCondition reads one order condition: its type and its fields in the
// TWS layout, where an operator condition's value comes right after isMore
// and before the contract:
//
//	price          conjunction, isMore, price, conId, exchange, triggerMethod
//	time           conjunction, isMore, time
//	margin         conjunction, isMore, percent
//	execution      conjunction, secType, exchange, symbol
//	volume         conjunction, isMore, volume, conId, exchange
//	percent change conjunction, isMore, changePercent, conId, exchange
//
// The conjunction with the next condition is "a" (and) or "o" (or).
// scmhub/ibapi (v0.10.47) writes price, volume and percent-change
// conditions with conId and exchange before the value; TWS cannot read
// that, and neither does this: the conId field then holds the exchange
// name, a field error.
func readCondition(f *fields) orderCond {
	var c orderCond
	c.typ = f.int("condition.type")
	if f.err != nil {
		return c
	}
	c.and = f.str("condition.conjunction") != "o"
	switch c.typ {
	case condPrice:
		c.isMore = f.bool("condition.isMore")
		c.price = f.float("condition.price")
		c.conID = f.int("condition.conId")
		c.exchange = f.str("condition.exchange")
		c.triggerMethod = f.int("condition.triggerMethod")
	case condTime:
		c.isMore = f.bool("condition.isMore")
		c.time = f.str("condition.time")
	case condMargin:
		c.isMore = f.bool("condition.isMore")
		c.percent = f.int("condition.percent")
	case condExecution:
		c.secType = f.str("condition.secType")
		c.exchange = f.str("condition.exchange")
		c.symbol = f.str("condition.symbol")
	case condVolume:
		c.isMore = f.bool("condition.isMore")
		c.volume = f.int("condition.volume")
		c.conID = f.int("condition.conId")
		c.exchange = f.str("condition.exchange")
	case condPercentChange:
		c.isMore = f.bool("condition.isMore")
		c.changePercent = f.float("condition.changePercent")
		c.conID = f.int("condition.conId")
		c.exchange = f.str("condition.exchange")
	default:
		f.err = &fieldError{Index: f.i - 2, Name: "condition.type", Value: strconv.FormatInt(c.typ, 10), Want: "1, 3, 4, 5, 6 or 7"}
	}
	return c
}
