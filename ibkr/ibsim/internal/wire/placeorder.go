package wire

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
)

// ParsePlaceOrder reads a placeOrder after its message id, walking the
// fields in the order and under the version conditions the TWS API client
// encodes them at version. The first malformed or missing field is
// returned as a *fieldError (f.err); f.reqID is set to the order id once
// it is read. Trailing fields beyond the layout are left unread
// (f.remaining() > 0).
func ParsePlaceOrder(f *Fields, version int) (engine.OrderRequest, error) {
	r := engine.NewOrderRequest()
	if version < svOrderContainer {
		f.Int("version")
	}
	r.OrderID = f.Int("orderId")
	if f.Err == nil {
		f.ReqID = r.OrderID
	}

	c := &r.Contract
	c.ConID = f.Int("conId")
	c.Symbol = f.Str("symbol")
	c.SecType = f.Str("secType")
	c.Expiry = f.Str("lastTradeDateOrContractMonth")
	c.Strike = f.Float("strike")
	c.Right = f.Str("right")
	c.Multiplier = f.Str("multiplier")
	c.Exchange = f.Str("exchange")
	c.PrimaryExch = f.Str("primaryExchange")
	c.Currency = f.Str("currency")
	c.LocalSymbol = f.Str("localSymbol")
	c.TradingClass = f.Str("tradingClass")
	c.SecIDType = f.Str("secIdType")
	c.SecID = f.Str("secId")

	r.Action = f.Str("action")
	r.TotalQty = readQuantity(f, "totalQuantity")
	r.OrderType = f.Str("orderType")
	r.LmtPrice = readDouble(f, "lmtPrice")
	r.AuxPrice = readDouble(f, "auxPrice")
	r.TIF = f.Str("tif")
	r.OcaGroup = f.Str("ocaGroup")
	r.Account = f.Str("account")
	r.OpenClose = f.Str("openClose")
	r.Origin = f.Int("origin")
	r.OrderRef = f.Str("orderRef")
	r.Transmit = f.Bool("transmit")
	r.ParentID = f.Int("parentId")
	r.BlockOrder = f.Bool("blockOrder")
	r.SweepToFill = f.Bool("sweepToFill")
	r.DisplaySize = f.MaxInt("displaySize")
	r.TriggerMethod = f.Int("triggerMethod")
	r.OutsideRth = f.Bool("outsideRth")
	r.Hidden = f.Bool("hidden")

	if c.SecType == "BAG" {
		n := readCount(f, "comboLegsCount", 8)
		for range n {
			var l engine.ComboLeg
			l.ConID = f.Int("comboLeg.conId")
			l.Ratio = f.Int("comboLeg.ratio")
			l.Action = f.Str("comboLeg.action")
			l.Exchange = f.Str("comboLeg.exchange")
			l.OpenClose = f.Int("comboLeg.openClose")
			l.ShortSaleSlot = f.Int("comboLeg.shortSaleSlot")
			l.DesignatedLocation = f.Str("comboLeg.designatedLocation")
			l.ExemptCode = f.Int("comboLeg.exemptCode")
			r.ComboLegs = append(r.ComboLegs, l)
		}
		n = readCount(f, "orderComboLegsCount", 1)
		for range n {
			r.OrderComboLegPrices = append(r.OrderComboLegPrices, readDouble(f, "orderComboLeg.price"))
		}
		r.SmartComboRouting = readTags(f, "smartComboRoutingParams")
	}

	f.Str("sharesAllocation") // deprecated, always sent
	r.DiscretionaryAmt = f.Float("discretionaryAmt")
	r.GoodAfterTime = f.Str("goodAfterTime")
	r.GoodTillDate = f.Str("goodTillDate")
	r.FaGroup = f.Str("faGroup")
	r.FaMethod = f.Str("faMethod")
	r.FaPercentage = f.Str("faPercentage")
	if version < svFAProfileDesupport {
		f.Str("faProfile")
	}
	if version >= svModelsSupport {
		r.ModelCode = f.Str("modelCode")
	}
	r.ShortSaleSlot = f.Int("shortSaleSlot")
	r.DesignatedLocation = f.Str("designatedLocation")
	r.ExemptCode = f.Int("exemptCode")

	r.OcaType = f.Int("ocaType")
	r.Rule80A = f.Str("rule80A")
	r.SettlingFirm = f.Str("settlingFirm")
	r.AllOrNone = f.Bool("allOrNone")
	r.MinQty = f.MaxInt("minQty")
	r.PercentOffset = readDouble(f, "percentOffset")
	f.Bool("eTradeOnly")          // deprecated
	f.Bool("firmQuoteOnly")       // deprecated
	readDouble(f, "nbboPriceCap") // deprecated
	r.AuctionStrategy = f.Int("auctionStrategy")
	r.StartingPrice = readDouble(f, "startingPrice")
	r.StockRefPrice = readDouble(f, "stockRefPrice")
	r.Delta = readDouble(f, "delta")
	r.StockRangeLower = readDouble(f, "stockRangeLower")
	r.StockRangeUpper = readDouble(f, "stockRangeUpper")
	r.OverridePercentageConstraints = f.Bool("overridePercentageConstraints")

	r.Volatility = readDouble(f, "volatility")
	r.VolatilityType = f.MaxInt("volatilityType")
	r.DeltaNeutralOrderType = f.Str("deltaNeutralOrderType")
	r.DeltaNeutralAuxPrice = readDouble(f, "deltaNeutralAuxPrice")
	if r.DeltaNeutralOrderType != "" {
		r.DeltaNeutralConID = f.Int("deltaNeutralConId")
		r.DeltaNeutralSettlingFirm = f.Str("deltaNeutralSettlingFirm")
		r.DeltaNeutralClearingAccount = f.Str("deltaNeutralClearingAccount")
		r.DeltaNeutralClearingIntent = f.Str("deltaNeutralClearingIntent")
		r.DeltaNeutralOpenClose = f.Str("deltaNeutralOpenClose")
		r.DeltaNeutralShortSale = f.Bool("deltaNeutralShortSale")
		r.DeltaNeutralShortSaleSlot = f.Int("deltaNeutralShortSaleSlot")
		r.DeltaNeutralDesignatedLocation = f.Str("deltaNeutralDesignatedLocation")
	}
	r.ContinuousUpdate = f.Bool("continuousUpdate")
	r.ReferencePriceType = f.MaxInt("referencePriceType")
	r.TrailStopPrice = readDouble(f, "trailStopPrice")
	r.TrailingPercent = readDouble(f, "trailingPercent")

	r.ScaleInitLevelSize = f.MaxInt("scaleInitLevelSize")
	r.ScaleSubsLevelSize = f.MaxInt("scaleSubsLevelSize")
	r.ScalePriceIncrement = readDouble(f, "scalePriceIncrement")
	if r.ScalePriceIncrement != engine.UnsetFloat && r.ScalePriceIncrement > 0 {
		r.ScalePriceAdjustValue = readDouble(f, "scalePriceAdjustValue")
		r.ScalePriceAdjustInterval = f.MaxInt("scalePriceAdjustInterval")
		r.ScaleProfitOffset = readDouble(f, "scaleProfitOffset")
		r.ScaleAutoReset = f.Bool("scaleAutoReset")
		r.ScaleInitPosition = f.MaxInt("scaleInitPosition")
		r.ScaleInitFillQty = f.MaxInt("scaleInitFillQty")
		r.ScaleRandomPercent = f.Bool("scaleRandomPercent")
	}
	r.ScaleTable = f.Str("scaleTable")
	r.ActiveStartTime = f.Str("activeStartTime")
	r.ActiveStopTime = f.Str("activeStopTime")

	r.HedgeType = f.Str("hedgeType")
	if r.HedgeType != "" {
		r.HedgeParam = f.Str("hedgeParam")
	}
	r.OptOutSmartRouting = f.Bool("optOutSmartRouting")
	r.ClearingAccount = f.Str("clearingAccount")
	r.ClearingIntent = f.Str("clearingIntent")
	r.NotHeld = f.Bool("notHeld")

	if f.Bool("deltaNeutralContractPresent") {
		r.DeltaNeutralContract = &engine.DeltaNeutralContract{
			ConID: f.Int("deltaNeutralContract.conId"),
			Delta: f.Float("deltaNeutralContract.delta"),
			Price: f.Float("deltaNeutralContract.price"),
		}
	}

	r.AlgoStrategy = f.Str("algoStrategy")
	if r.AlgoStrategy != "" {
		r.AlgoParams = readTags(f, "algoParams")
	}
	r.AlgoID = f.Str("algoId")
	r.WhatIf = f.Bool("whatIf")
	r.MiscOptions = f.Str("orderMiscOptions")
	r.Solicited = f.Bool("solicited")
	r.RandomizeSize = f.Bool("randomizeSize")
	r.RandomizePrice = f.Bool("randomizePrice")

	if version >= svPeggedToBenchmark {
		if r.OrderType == "PEG BENCH" {
			r.ReferenceContractID = f.Int("referenceContractId")
			r.IsPeggedChangeAmountDecrease = f.Bool("isPeggedChangeAmountDecrease")
			r.PeggedChangeAmount = readDouble(f, "peggedChangeAmount")
			r.ReferenceChangeAmount = readDouble(f, "referenceChangeAmount")
			r.ReferenceExchangeID = f.Str("referenceExchangeId")
		}
		n := readCount(f, "conditionsCount", 2)
		for range n {
			r.Conditions = append(r.Conditions, readCondition(f))
		}
		if n > 0 {
			r.ConditionsIgnoreRth = f.Bool("conditionsIgnoreRth")
			r.ConditionsCancelOrder = f.Bool("conditionsCancelOrder")
		}
		r.AdjustedOrderType = f.Str("adjustedOrderType")
		r.TriggerPrice = readDouble(f, "triggerPrice")
		r.LmtPriceOffset = readDouble(f, "lmtPriceOffset")
		r.AdjustedStopPrice = readDouble(f, "adjustedStopPrice")
		r.AdjustedStopLimitPrice = readDouble(f, "adjustedStopLimitPrice")
		r.AdjustedTrailingAmount = readDouble(f, "adjustedTrailingAmount")
		r.AdjustableTrailingUnit = f.Int("adjustableTrailingUnit")
	}
	if version >= svExtOperator {
		r.ExtOperator = f.Str("extOperator")
	}
	if version >= svSoftDollarTier {
		r.SoftDollarTierName = f.Str("softDollarTier.name")
		r.SoftDollarTierValue = f.Str("softDollarTier.value")
	}
	if version >= svCashQty {
		r.CashQty = readDouble(f, "cashQty")
	}
	if version >= svDecisionMaker {
		r.Mifid2DecisionMaker = f.Str("mifid2DecisionMaker")
		r.Mifid2DecisionAlgo = f.Str("mifid2DecisionAlgo")
	}
	if version >= svMifidExecution {
		r.Mifid2ExecutionTrader = f.Str("mifid2ExecutionTrader")
		r.Mifid2ExecutionAlgo = f.Str("mifid2ExecutionAlgo")
	}
	if version >= svAutoPriceForHedge {
		r.DontUseAutoPriceForHedge = f.Bool("dontUseAutoPriceForHedge")
	}
	if version >= svOrderContainer {
		r.IsOmsContainer = f.Bool("isOmsContainer")
	}
	if version >= svDPegOrders {
		r.DiscretionaryUpToLimitPrice = f.Bool("discretionaryUpToLimitPrice")
	}
	if version >= svPriceMgmtAlgo {
		r.UsePriceMgmtAlgo = f.MaxInt("usePriceMgmtAlgo")
	}
	if version >= svDuration {
		r.Duration = f.MaxInt("duration")
	}
	if version >= svPostToAts {
		r.PostToAts = f.MaxInt("postToAts")
	}
	if version >= svAutoCancelParent {
		r.AutoCancelParent = f.Bool("autoCancelParent")
	}
	if version >= svAdvancedOrderReject {
		r.AdvancedErrorOverride = f.Str("advancedErrorOverride")
	}
	if version >= svManualOrderTime {
		r.ManualOrderTime = f.Str("manualOrderTime")
	}
	if version >= svPegBestPegMidOffsets {
		sendMid := false
		if c.Exchange == "IBKRATS" {
			r.MinTradeQty = f.MaxInt("minTradeQty")
		}
		switch r.OrderType {
		case "PEG BEST":
			r.MinCompeteSize = f.MaxInt("minCompeteSize")
			r.CompeteAgainstBestOffset = readDouble(f, "competeAgainstBestOffset")
			sendMid = math.IsInf(r.CompeteAgainstBestOffset, 1)
		case "PEG MID":
			sendMid = true
		}
		if sendMid {
			r.MidOffsetAtWhole = readDouble(f, "midOffsetAtWhole")
			r.MidOffsetAtHalf = readDouble(f, "midOffsetAtHalf")
		}
	}
	if version >= svCustomerAccount {
		r.CustomerAccount = f.Str("customerAccount")
	}
	if version >= svProfessionalCustomer {
		r.ProfessionalCustomer = f.Bool("professionalCustomer")
	}
	if version >= svRFQFields && version < svUndoRFQFields {
		f.Str("rfqPlaceholder")
		f.Str("rfqPlaceholder")
	}
	if version >= svIncludeOvernight {
		r.IncludeOvernight = f.Bool("includeOvernight")
	}
	if version >= SvCMETaggingFields {
		r.ManualOrderIndicator = f.MaxInt("manualOrderIndicator")
	}
	if version >= svImbalanceOnly {
		r.ImbalanceOnly = f.Bool("imbalanceOnly")
	}
	if f.Err != nil {
		return engine.OrderRequest{}, f.Err
	}
	return r, nil
}

// readQuantity reads a decimal quantity. Clients write an unset quantity
// as "", "NaN" or a maximum value of their integer or decimal types; all of
// these read as engine.UnsetFloat.
func readQuantity(f *Fields, name string) float64 {
	s, ok := f.next(name)
	if !ok {
		return 0
	}
	s = strings.TrimSpace(s)
	switch s {
	case "", "NaN", "2147483647", "9223372036854775807", "-9223372036854775808",
		"170141183460469231731687303715884105727", maxDoubleText:
		return engine.UnsetFloat
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: s, Want: "a quantity"}
		return 0
	}
	if v >= 1e300 {
		return engine.UnsetFloat
	}
	return v
}

// readDouble reads a double that may be unset. "" and any value of 1e300
// or more read as engine.UnsetFloat: Double.MAX_VALUE as each client prints it
// (Java "1.7976931348623157E308", Python "1.7976931348623157e+308", Go's
// 309 digits, and the C++ client's "%.10g" "1.797693135e+308", which rounds
// above the largest double and overflows). A literal infinity is kept: +Inf
// is PEG BEST's "up to mid" offset.
func readDouble(f *Fields, name string) float64 {
	s, ok := f.next(name)
	if !ok {
		return 0
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return engine.UnsetFloat
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err == nil && math.IsInf(v, 0):
		return v // "Infinity", "inf", "+Inf"
	case err == nil && v >= 1e300, errors.Is(err, strconv.ErrRange) && math.IsInf(v, 1):
		return engine.UnsetFloat
	case errors.Is(err, strconv.ErrRange):
		return v // underflow to 0 or overflow to -Inf
	case err != nil || math.IsNaN(v):
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: s, Want: "a number or empty"}
		return 0
	}
	return v
}

// readCount reads a list length. Each entry takes at least per fields, so a
// count the rest of the message cannot hold is malformed; this also bounds
// the loops over garbage input.
func readCount(f *Fields, name string, per int) int {
	n := f.Int(name)
	if f.Err != nil {
		return 0
	}
	if n < 0 || n > int64(f.Remaining()/per) {
		f.Err = &FieldError{Index: f.Pos - 1, Name: name, Value: strconv.FormatInt(n, 10), Want: "a count within the message"}
		return 0
	}
	return int(n)
}

// readTags reads a count and that many tag/value pairs.
func readTags(f *Fields, name string) []engine.TagValue {
	n := readCount(f, name+"Count", 2)
	var out []engine.TagValue
	for range n {
		out = append(out, engine.TagValue{Tag: f.Str(name + ".tag"), Value: f.Str(name + ".value")})
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
func readCondition(f *Fields) engine.OrderCondition {
	var c engine.OrderCondition
	c.Type = f.Int("condition.type")
	if f.Err != nil {
		return c
	}
	c.And = f.Str("condition.conjunction") != "o"
	switch c.Type {
	case engine.CondPrice:
		c.IsMore = f.Bool("condition.isMore")
		c.Price = f.Float("condition.price")
		c.ConID = f.Int("condition.conId")
		c.Exchange = f.Str("condition.exchange")
		c.TriggerMethod = f.Int("condition.triggerMethod")
	case engine.CondTime:
		c.IsMore = f.Bool("condition.isMore")
		c.Time = f.Str("condition.time")
	case engine.CondMargin:
		c.IsMore = f.Bool("condition.isMore")
		c.Percent = f.Int("condition.percent")
	case engine.CondExecution:
		c.SecType = f.Str("condition.secType")
		c.Exchange = f.Str("condition.exchange")
		c.Symbol = f.Str("condition.symbol")
	case engine.CondVolume:
		c.IsMore = f.Bool("condition.isMore")
		c.Volume = f.Int("condition.volume")
		c.ConID = f.Int("condition.conId")
		c.Exchange = f.Str("condition.exchange")
	case engine.CondPercentChange:
		c.IsMore = f.Bool("condition.isMore")
		c.ChangePercent = f.Float("condition.changePercent")
		c.ConID = f.Int("condition.conId")
		c.Exchange = f.Str("condition.exchange")
	default:
		f.Err = &FieldError{Index: f.Pos - 2, Name: "condition.type", Value: strconv.FormatInt(c.Type, 10), Want: "1, 3, 4, 5, 6 or 7"}
	}
	return c
}
