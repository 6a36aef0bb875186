package ibsim

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// This file is the wire codec of the order engine: it parses placeOrder
// (message 3) as a client encodes it at each negotiated server version, and
// builds openOrder (5), completedOrder (101), orderStatus (3), execDetails
// (11), commissionReport (59) and their end markers as a client decodes
// them at that version. Version conditions below 100 are always true for
// the versions the simulator speaks (100..200) and are not repeated here.

// Server versions that change the order messages (the TWS API's
// MIN_SERVER_VER_* values).
const (
	svPeggedToBenchmark    = 102 // order conditions, adjusted stops, PEG BENCH
	svModelsSupport        = 103 // modelCode
	svExtOperator          = 105 // extOperator in placeOrder
	svSoftDollarTier       = 106 // soft dollar tier
	svCashQty              = 111 // cashQty
	svMarketCapPrice       = 131 // orderStatus: mktCapPrice, no version field
	svLastLiquidity        = 136 // execDetails: lastLiquidity, no version field
	svDecisionMaker        = 138 // MiFID II decision maker
	svMifidExecution       = 139 // MiFID II execution trader
	svAutoPriceForHedge    = 141 // dontUseAutoPriceForHedge
	svWhatIfExtFields      = 142 // openOrder: margin before/change
	svOrderContainer       = 145 // isOmsContainer; no VERSION field in placeOrder/openOrder
	svDPegOrders           = 148 // discretionaryUpToLimitPrice
	svPriceMgmtAlgo        = 151 // usePriceMgmtAlgo
	svDuration             = 158 // duration
	svPostToAts            = 160 // postToAts
	svAutoCancelParent     = 162 // autoCancelParent
	svAdvancedOrderReject  = 166 // advancedErrorOverride
	svManualOrderTime      = 169 // manualOrderTime
	svPegBestPegMidOffsets = 170 // PEG BEST / PEG MID attributes
	svFAProfileDesupport   = 177 // faProfile no longer sent
	svPendingPriceRevision = 178 // execDetails: pendingPriceRevision
	svCustomerAccount      = 183 // customerAccount
	svProfessionalCustomer = 184 // professionalCustomer
	svBondAccruedInterest  = 185 // openOrder: bondAccruedInterest
	svRFQFields            = 187 // two placeholder fields in placeOrder ...
	svUndoRFQFields        = 190 // ... until here
	svIncludeOvernight     = 189 // includeOvernight
	svCMETaggingFields     = 192 // placeOrder: manualOrderIndicator
	svCMETaggingOpenOrder  = 193 // openOrder: extOperator, manualOrderIndicator
	svFullOrderPreview     = 195 // openOrder: outside-RTH margins, allocations
	svSubmitter            = 198 // submitter
	svImbalanceOnly        = 199 // placeOrder/openOrder: imbalanceOnly
)

// Message versions sent where the layout still carries a version field.
const (
	openOrderMsgVersion   = 34 // openOrder below svOrderContainer
	orderStatusMsgVersion = 6  // orderStatus below svMarketCapPrice
	execDetailsMsgVersion = 10 // execDetails below svLastLiquidity
)

// maxDoubleText is how TWS writes an unset double (Java's Double.MAX_VALUE)
// where a client reads the field without "show unset" handling.
const maxDoubleText = "1.7976931348623157E308"

// Order condition types.
const (
	condPrice         = 1
	condTime          = 3
	condMargin        = 4
	condExecution     = 5
	condVolume        = 6
	condPercentChange = 7
)

// orderLeg is one combo leg of a BAG contract.
type orderLeg struct {
	conID              int64
	ratio              int64
	action             string // "BUY" or "SELL"
	exchange           string
	openClose          int64 // 0 same as parent, 1 open, 2 close, 3 unknown
	shortSaleSlot      int64
	designatedLocation string
	exemptCode         int64 // -1 unset
}

// orderTag is one tag=value pair (algo and smart combo routing params).
type orderTag struct {
	tag, value string
}

// orderCond is one order condition. Which fields are used depends on typ:
// price (conID, exchange, isMore, price, triggerMethod), time (isMore,
// time), margin (isMore, percent), execution (secType, exchange, symbol),
// volume (conID, exchange, isMore, volume), percent change (conID,
// exchange, isMore, changePercent).
type orderCond struct {
	typ           int64
	and           bool // conjunction with the next condition: "a" (true) or "o"
	isMore        bool
	conID         int64
	exchange      string
	price         float64
	triggerMethod int64
	time          string
	percent       int64
	secType       string
	symbol        string
	volume        int64
	changePercent float64
}

// dnContract is the delta-neutral contract of a placeOrder.
type dnContract struct {
	conID int64
	delta float64
	price float64
}

// orderRequest is a placeOrder as the client sent it. Doubles and ints the
// client can leave unset hold unsetFloat / unsetInt; totalQty is unsetFloat
// for a cash-quantity order. Fields a version does not send keep the
// defaults of newOrderRequest.
type orderRequest struct {
	orderID  int64
	clientID int64 // set by the caller: the connection's client id

	contract             contractQuery
	comboLegs            []orderLeg // BAG only
	orderComboLegPrices  []float64  // BAG only; unsetFloat per leg when not set
	smartComboRouting    []orderTag // BAG only
	deltaNeutralContract *dnContract

	action    string // "BUY", "SELL", "SSHORT"
	totalQty  float64
	orderType string
	lmtPrice  float64
	auxPrice  float64

	tif           string
	ocaGroup      string
	account       string
	openClose     string
	origin        int64
	orderRef      string
	transmit      bool
	parentID      int64
	blockOrder    bool
	sweepToFill   bool
	displaySize   int64
	triggerMethod int64
	outsideRth    bool
	hidden        bool

	discretionaryAmt float64
	goodAfterTime    string
	goodTillDate     string
	faGroup          string
	faMethod         string
	faPercentage     string
	modelCode        string

	shortSaleSlot      int64
	designatedLocation string
	exemptCode         int64

	ocaType                       int64
	rule80A                       string
	settlingFirm                  string
	allOrNone                     bool
	minQty                        int64
	percentOffset                 float64
	auctionStrategy               int64
	startingPrice                 float64
	stockRefPrice                 float64
	delta                         float64
	stockRangeLower               float64
	stockRangeUpper               float64
	overridePercentageConstraints bool

	volatility                     float64
	volatilityType                 int64
	deltaNeutralOrderType          string
	deltaNeutralAuxPrice           float64
	deltaNeutralConID              int64
	deltaNeutralSettlingFirm       string
	deltaNeutralClearingAccount    string
	deltaNeutralClearingIntent     string
	deltaNeutralOpenClose          string
	deltaNeutralShortSale          bool
	deltaNeutralShortSaleSlot      int64
	deltaNeutralDesignatedLocation string
	continuousUpdate               bool
	referencePriceType             int64

	trailStopPrice  float64
	trailingPercent float64

	scaleInitLevelSize       int64
	scaleSubsLevelSize       int64
	scalePriceIncrement      float64
	scalePriceAdjustValue    float64
	scalePriceAdjustInterval int64
	scaleProfitOffset        float64
	scaleAutoReset           bool
	scaleInitPosition        int64
	scaleInitFillQty         int64
	scaleRandomPercent       bool
	scaleTable               string
	activeStartTime          string
	activeStopTime           string

	hedgeType          string
	hedgeParam         string
	optOutSmartRouting bool
	clearingAccount    string
	clearingIntent     string
	notHeld            bool

	algoStrategy   string
	algoParams     []orderTag
	algoID         string
	whatIf         bool
	miscOptions    string // "tag=value;" pairs as sent
	solicited      bool
	randomizeSize  bool
	randomizePrice bool

	// PEG BENCH.
	referenceContractID          int64
	isPeggedChangeAmountDecrease bool
	peggedChangeAmount           float64
	referenceChangeAmount        float64
	referenceExchangeID          string

	conditions            []orderCond
	conditionsIgnoreRth   bool
	conditionsCancelOrder bool

	adjustedOrderType      string
	triggerPrice           float64
	lmtPriceOffset         float64
	adjustedStopPrice      float64
	adjustedStopLimitPrice float64
	adjustedTrailingAmount float64
	adjustableTrailingUnit int64

	extOperator                 string
	softDollarTierName          string
	softDollarTierValue         string
	cashQty                     float64
	mifid2DecisionMaker         string
	mifid2DecisionAlgo          string
	mifid2ExecutionTrader       string
	mifid2ExecutionAlgo         string
	dontUseAutoPriceForHedge    bool
	isOmsContainer              bool
	discretionaryUpToLimitPrice bool
	usePriceMgmtAlgo            int64
	duration                    int64
	postToAts                   int64
	autoCancelParent            bool
	advancedErrorOverride       string
	manualOrderTime             string
	minTradeQty                 int64
	minCompeteSize              int64
	competeAgainstBestOffset    float64 // +Inf: "up to mid"
	midOffsetAtWhole            float64
	midOffsetAtHalf             float64
	customerAccount             string
	professionalCustomer        bool
	includeOvernight            bool
	manualOrderIndicator        int64
	imbalanceOnly               bool
}

// newOrderRequest returns a request with the TWS API's defaults: the
// values of the fields a placeOrder at an older version does not carry.
func newOrderRequest() orderRequest {
	return orderRequest{
		totalQty:                 unsetFloat,
		lmtPrice:                 unsetFloat,
		auxPrice:                 unsetFloat,
		transmit:                 true,
		exemptCode:               -1,
		minQty:                   unsetInt,
		percentOffset:            unsetFloat,
		startingPrice:            unsetFloat,
		stockRefPrice:            unsetFloat,
		delta:                    unsetFloat,
		stockRangeLower:          unsetFloat,
		stockRangeUpper:          unsetFloat,
		volatility:               unsetFloat,
		volatilityType:           unsetInt,
		deltaNeutralAuxPrice:     unsetFloat,
		referencePriceType:       unsetInt,
		trailStopPrice:           unsetFloat,
		trailingPercent:          unsetFloat,
		scaleInitLevelSize:       unsetInt,
		scaleSubsLevelSize:       unsetInt,
		scalePriceIncrement:      unsetFloat,
		scalePriceAdjustValue:    unsetFloat,
		scalePriceAdjustInterval: unsetInt,
		scaleProfitOffset:        unsetFloat,
		scaleInitPosition:        unsetInt,
		scaleInitFillQty:         unsetInt,
		triggerPrice:             unsetFloat,
		lmtPriceOffset:           unsetFloat,
		adjustedStopPrice:        unsetFloat,
		adjustedStopLimitPrice:   unsetFloat,
		adjustedTrailingAmount:   unsetFloat,
		cashQty:                  unsetFloat,
		usePriceMgmtAlgo:         unsetInt,
		duration:                 unsetInt,
		postToAts:                unsetInt,
		minTradeQty:              unsetInt,
		minCompeteSize:           unsetInt,
		competeAgainstBestOffset: unsetFloat,
		midOffsetAtWhole:         unsetFloat,
		midOffsetAtHalf:          unsetFloat,
		manualOrderIndicator:     unsetInt,
	}
}

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

// writeCondition writes one order condition as readCondition reads it.
func writeCondition(m *msg, c orderCond) {
	m.int(c.typ)
	if c.and {
		m.str("a")
	} else {
		m.str("o")
	}
	switch c.typ {
	case condPrice:
		m.bool(c.isMore).float(c.price).int(c.conID).str(c.exchange).int(c.triggerMethod)
	case condTime:
		m.bool(c.isMore).str(c.time)
	case condMargin:
		m.bool(c.isMore).int(c.percent)
	case condExecution:
		m.str(c.secType).str(c.exchange).str(c.symbol)
	case condVolume:
		m.bool(c.isMore).int(c.volume).int(c.conID).str(c.exchange)
	case condPercentChange:
		m.bool(c.isMore).float(c.changePercent).int(c.conID).str(c.exchange)
	}
}

// orderContract is the contract of an order, an execution or a position as
// the server reports it (the reference fields of the instrument).
type orderContract struct {
	conID            int64
	symbol           string
	secType          string
	expiry           string
	strike           float64
	right            string
	multiplier       string
	exchange         string
	primaryExch      string
	currency         string
	localSymbol      string
	tradingClass     string
	comboLegsDescrip string // BAG: "conId|ratio,..."; built from the legs if empty
}

// orderContractFromInstrument returns the reported contract of an
// instrument; exchange, when not empty, is the order's routing exchange.
func orderContractFromInstrument(in *instrument, exchange string) orderContract {
	c := orderContract{
		conID:        in.conID,
		symbol:       in.symbol,
		secType:      in.secType,
		expiry:       in.expiry,
		strike:       in.strike,
		right:        in.right,
		multiplier:   in.multiplier,
		exchange:     in.exchange,
		primaryExch:  in.primaryExch,
		currency:     in.currency,
		localSymbol:  in.localSymbol,
		tradingClass: in.tradingClass,
	}
	if exchange != "" {
		c.exchange = exchange
	}
	return c
}

// orderContractFromQuery returns the contract as the client described it
// (for a BAG, which has no instrument of its own).
func orderContractFromQuery(q contractQuery) orderContract {
	return orderContract{
		conID:        q.conID,
		symbol:       q.symbol,
		secType:      q.secType,
		expiry:       q.expiry,
		strike:       q.strike,
		right:        q.right,
		multiplier:   q.multiplier,
		exchange:     q.exchange,
		primaryExch:  q.primaryExch,
		currency:     q.currency,
		localSymbol:  q.localSymbol,
		tradingClass: q.tradingClass,
	}
}

// orderMargins are the nine margin figures of a what-if preview.
type orderMargins struct {
	initBefore, maintBefore, equityWithLoanBefore float64
	initChange, maintChange, equityWithLoanChange float64
	initAfter, maintAfter, equityWithLoanAfter    float64
}

// unsetMargins has every figure unset.
var unsetMargins = orderMargins{
	unsetFloat, unsetFloat, unsetFloat,
	unsetFloat, unsetFloat, unsetFloat,
	unsetFloat, unsetFloat, unsetFloat,
}

// orderPreview is the what-if result carried in an openOrder's OrderState.
type orderPreview struct {
	margins            orderMargins
	outsideRTH         *orderMargins // nil: not reported (version >= 195 only)
	marginCurrency     string
	commission         float64 // unsetFloat when unknown
	minCommission      float64
	maxCommission      float64
	commissionCurrency string
	suggestedSize      float64 // 0: not reported
	rejectReason       string
}

// orderView is everything an openOrder or completedOrder reports: the order
// as placed (with the engine's changes, e.g. the default account filled
// in), the reported contract and the server's state of the order.
type orderView struct {
	orderRequest
	ref orderContract

	permID      int64
	status      string // "PreSubmitted", "Submitted", "Filled", "Cancelled", ...
	filled      float64
	preview     *orderPreview // nil: no what-if figures (all sent unset)
	warningText string

	// completedOrder only.
	completedTime   string // "20260405 15:59:59 America/New_York"
	completedStatus string // e.g. "Filled Size: 100"
	parentPermID    int64
	autoCancelDate  string

	// Reported by the server only.
	bondAccruedInterest string
	submitter           string
}

// deltaNeutralOrderTypeOut is what TWS reports for a delta-neutral order
// type the client left empty.
func (o *orderView) deltaNeutralOrderTypeOut() string {
	if o.deltaNeutralOrderType == "" {
		return "None"
	}
	return o.deltaNeutralOrderType
}

// comboLegsDescripOut returns the BAG description: conId|ratio per leg.
func (o *orderView) comboLegsDescripOut() string {
	if o.ref.comboLegsDescrip != "" || len(o.comboLegs) == 0 {
		return o.ref.comboLegsDescrip
	}
	var b strings.Builder
	for i, l := range o.comboLegs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(l.conID, 10))
		b.WriteByte('|')
		b.WriteString(strconv.FormatInt(l.ratio, 10))
	}
	return b.String()
}

// putMaxText writes a double the client reads without unset handling:
// unset as Double.MAX_VALUE text, +Inf as "Infinity".
func putMaxText(m *msg, v float64) {
	switch {
	case v == unsetFloat || math.IsNaN(v):
		m.str(maxDoubleText)
	case math.IsInf(v, 1):
		m.str("Infinity")
	case math.IsInf(v, -1):
		m.str("-Infinity")
	default:
		m.float(v)
	}
}

// putShowUnset writes a double the client reads with unset handling: ""
// for unset, "Infinity" for +Inf (PEG BEST "up to mid").
func putShowUnset(m *msg, v float64) {
	switch {
	case math.IsInf(v, 1):
		m.str("Infinity")
	case math.IsInf(v, -1):
		m.str("-Infinity")
	default:
		m.maxFloat(v)
	}
}

// putQuantity writes a decimal quantity; unset as "".
func putQuantity(m *msg, v float64) {
	if v == unsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		m.str("")
		return
	}
	m.decimal(v)
}

// writeOrderContract writes the 11 contract fields of openOrder and
// completedOrder (no primary exchange).
func writeOrderContract(m *msg, c orderContract) {
	m.int(c.conID).str(c.symbol).str(c.secType).str(c.expiry).float(c.strike).
		str(c.right).str(c.multiplier).str(c.exchange).str(c.currency).
		str(c.localSymbol).str(c.tradingClass)
}

// writeOrderComboLegs writes comboLegsDescrip, the combo legs, and the
// per-leg prices.
func writeOrderComboLegs(m *msg, o *orderView) {
	m.str(o.comboLegsDescripOut())
	m.int(int64(len(o.comboLegs)))
	for _, l := range o.comboLegs {
		m.int(l.conID).int(l.ratio).str(l.action).str(l.exchange).int(l.openClose).
			int(l.shortSaleSlot).str(l.designatedLocation).int(l.exemptCode)
	}
	m.int(int64(len(o.orderComboLegPrices)))
	for _, p := range o.orderComboLegPrices {
		putShowUnset(m, p)
	}
}

func writeOrderTags(m *msg, tags []orderTag) {
	m.int(int64(len(tags)))
	for _, t := range tags {
		m.str(t.tag).str(t.value)
	}
}

// writeScale writes the scale order fields.
func writeScale(m *msg, o *orderView) {
	m.maxInt(o.scaleInitLevelSize).maxInt(o.scaleSubsLevelSize)
	putShowUnset(m, o.scalePriceIncrement)
	if o.scalePriceIncrement != unsetFloat && o.scalePriceIncrement > 0 {
		putShowUnset(m, o.scalePriceAdjustValue)
		m.maxInt(o.scalePriceAdjustInterval)
		putShowUnset(m, o.scaleProfitOffset)
		m.bool(o.scaleAutoReset).maxInt(o.scaleInitPosition).maxInt(o.scaleInitFillQty).
			bool(o.scaleRandomPercent)
	}
}

// writeDeltaNeutralContract writes the delta-neutral contract flag and
// fields.
func writeDeltaNeutralContract(m *msg, o *orderView) {
	if d := o.deltaNeutralContract; d != nil {
		m.bool(true).int(d.conID).float(d.delta).float(d.price)
	} else {
		m.bool(false)
	}
}

// writeAlgo writes the algo strategy and, if set, its params.
func writeAlgo(m *msg, o *orderView) {
	m.str(o.algoStrategy)
	if o.algoStrategy != "" {
		writeOrderTags(m, o.algoParams)
	}
}

// writePegBenchAndConditions writes the PEG BENCH fields (for that order
// type) and the conditions (version >= 102 only; the caller checks).
func writePegBenchAndConditions(m *msg, o *orderView) {
	if o.orderType == "PEG BENCH" {
		m.int(o.referenceContractID).bool(o.isPeggedChangeAmountDecrease)
		putMaxText(m, o.peggedChangeAmount)
		putMaxText(m, o.referenceChangeAmount)
		m.str(o.referenceExchangeID)
	}
	m.int(int64(len(o.conditions)))
	for _, c := range o.conditions {
		writeCondition(m, c)
	}
	if len(o.conditions) > 0 {
		m.bool(o.conditionsIgnoreRth).bool(o.conditionsCancelOrder)
	}
}

// writePegBestPegMid writes the five PEG BEST / PEG MID attributes.
func writePegBestPegMid(m *msg, o *orderView) {
	m.maxInt(o.minTradeQty).maxInt(o.minCompeteSize)
	putShowUnset(m, o.competeAgainstBestOffset)
	putShowUnset(m, o.midOffsetAtWhole)
	putShowUnset(m, o.midOffsetAtHalf)
}

// putMargin writes a margin figure (a string in the client's OrderState):
// unset as Double.MAX_VALUE text, as TWS does.
func putMargin(m *msg, v float64) {
	if v == unsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		m.str(maxDoubleText)
		return
	}
	m.float(v)
}

// encodeOpenOrder builds openOrder (5) at version, field by field as the
// client's open order decoder reads it.
func encodeOpenOrder(version int, o *orderView) *msg {
	m := newMsg(inOpenOrder)
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

// encodeCompletedOrder builds completedOrder (101) at version, as the
// client's completed order decoder reads it. The message has no order id
// and no version field; a client can only request it at version >= 150.
func encodeCompletedOrder(version int, o *orderView) *msg {
	m := newMsg(inCompletedOrder)
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
func encodeCompletedOrdersEnd() *msg { return newMsg(inCompletedOrderEnd) }

// encodeOpenOrderEnd builds openOrderEnd (53).
func encodeOpenOrderEnd() *msg { return newMsg(inOpenOrderEnd).int(1) }

// orderStatusView is one orderStatus message.
type orderStatusView struct {
	orderID       int64
	status        string
	filled        float64
	remaining     float64
	avgFillPrice  float64
	permID        int64
	parentID      int64
	lastFillPrice float64
	clientID      int64
	whyHeld       string
	mktCapPrice   float64
}

// encodeOrderStatus builds orderStatus (3) at version.
func encodeOrderStatus(version int, st orderStatusView) *msg {
	m := newMsg(inOrderStatus)
	if version < svMarketCapPrice {
		m.int(orderStatusMsgVersion)
	}
	m.int(st.orderID).str(st.status)
	putQuantity(m, st.filled)
	putQuantity(m, st.remaining)
	m.float(st.avgFillPrice).int(st.permID).int(st.parentID).float(st.lastFillPrice).
		int(st.clientID).str(st.whyHeld)
	if version >= svMarketCapPrice {
		m.float(st.mktCapPrice)
	}
	return m
}

// execView is one execution (fill) as execDetails reports it.
type execView struct {
	orderID              int64
	ref                  orderContract
	execID               string // e.g. "0000e0d5.67f2a1b3.01.01"
	time                 string // "20260405 10:31:02 America/New_York"
	account              string
	exchange             string
	side                 string // "BOT" or "SLD"
	shares               float64
	price                float64
	permID               int64
	clientID             int64
	liquidation          int64
	cumQty               float64
	avgPrice             float64
	orderRef             string
	evRule               string
	evMultiplier         float64 // 0: not sent
	modelCode            string
	lastLiquidity        int64 // 1 added, 2 removed, 3 routed out
	pendingPriceRevision bool
	submitter            string
}

// encodeExecDetails builds execDetails (11) at version; reqID is -1 for an
// unsolicited fill.
func encodeExecDetails(version int, reqID int64, e execView) *msg {
	m := newMsg(inExecutionData)
	if version < svLastLiquidity {
		m.int(execDetailsMsgVersion)
	}
	m.int(reqID).int(e.orderID)
	c := e.ref
	m.int(c.conID).str(c.symbol).str(c.secType).str(c.expiry).float(c.strike).
		str(c.right).str(c.multiplier).str(c.exchange).str(c.currency).
		str(c.localSymbol).str(c.tradingClass)
	m.str(e.execID).str(e.time).str(e.account).str(e.exchange).str(e.side)
	putQuantity(m, e.shares)
	m.float(e.price).int(e.permID).int(e.clientID).int(e.liquidation)
	putQuantity(m, e.cumQty)
	m.float(e.avgPrice).str(e.orderRef).str(e.evRule)
	if e.evMultiplier == 0 {
		m.str("")
	} else {
		m.float(e.evMultiplier)
	}
	if version >= svModelsSupport {
		m.str(e.modelCode)
	}
	if version >= svLastLiquidity {
		m.int(e.lastLiquidity)
	}
	if version >= svPendingPriceRevision {
		m.bool(e.pendingPriceRevision)
	}
	if version >= svSubmitter {
		m.str(e.submitter)
	}
	return m
}

// encodeExecDetailsEnd builds execDetailsEnd (55).
func encodeExecDetailsEnd(reqID int64) *msg {
	return newMsg(inExecutionDataEnd).int(1).int(reqID)
}

// commissionView is one commissionReport.
type commissionView struct {
	execID              string
	commission          float64
	currency            string
	realizedPNL         float64 // unsetFloat when the fill closed nothing
	yield               float64 // unsetFloat except for bonds
	yieldRedemptionDate int64   // YYYYMMDD, 0 when none
}

// encodeCommissionReport builds commissionReport (59). Its layout does not
// depend on the version.
func encodeCommissionReport(version int, c commissionView) *msg {
	_ = version
	m := newMsg(inCommissionReport).int(1).str(c.execID)
	putMaxText(m, c.commission)
	m.str(c.currency)
	putMaxText(m, c.realizedPNL)
	putMaxText(m, c.yield)
	m.int(c.yieldRedemptionDate)
	return m
}
