package ibsim

import (
	"math"
	"strconv"
	"strings"
)

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

// orderStatus is one orderStatus message.
type orderStatus struct {
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

// execution is one execution (fill) as execDetails reports it.
type execution struct {
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

// commissionReport is one commissionReport.
type commissionReport struct {
	execID              string
	commission          float64
	currency            string
	realizedPNL         float64 // unsetFloat when the fill closed nothing
	yield               float64 // unsetFloat except for bonds
	yieldRedemptionDate int64   // YYYYMMDD, 0 when none
}

// Unset markers of the TWS text protocol.
const (
	unsetInt     = math.MaxInt32
	unsetFloat   = math.MaxFloat64
	unsetLong    = math.MaxInt64
	unsetDecimal = "9223372036854775807"
)
