package engine

import (
	"math"
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// Order condition types.
const (
	CondPrice         = 1
	CondTime          = 3
	CondMargin        = 4
	CondExecution     = 5
	CondVolume        = 6
	CondPercentChange = 7
)

// ComboLeg is one combo leg of a BAG contract.
type ComboLeg struct {
	ConID              int64
	Ratio              int64
	Action             string // "BUY" or "SELL"
	Exchange           string
	OpenClose          int64 // 0 same as parent, 1 open, 2 close, 3 unknown
	ShortSaleSlot      int64
	DesignatedLocation string
	ExemptCode         int64 // -1 unset
}

// TagValue is one tag=value pair (algo and smart combo routing params).
type TagValue struct {
	Tag, Value string
}

// OrderCondition is one order condition. Which fields are used depends on typ:
// price (conID, exchange, isMore, price, triggerMethod), time (isMore,
// time), margin (isMore, percent), execution (secType, exchange, symbol),
// volume (conID, exchange, isMore, volume), percent change (conID,
// exchange, isMore, changePercent).
type OrderCondition struct {
	Type          int64
	And           bool // conjunction with the next condition: "a" (true) or "o"
	IsMore        bool
	ConID         int64
	Exchange      string
	Price         float64
	TriggerMethod int64
	Time          string
	Percent       int64
	SecType       string
	Symbol        string
	Volume        int64
	ChangePercent float64
}

// DeltaNeutralContract is the delta-neutral contract of a placeOrder.
type DeltaNeutralContract struct {
	ConID int64
	Delta float64
	Price float64
}

// OrderRequest is a placeOrder as the client sent it. Doubles and ints the
// client can leave unset hold UnsetFloat / unsetInt; totalQty is UnsetFloat
// for a cash-quantity order. Fields a version does not send keep the
// defaults of newOrderRequest.
type OrderRequest struct {
	OrderID  int64
	ClientID int64 // set by the caller: the connection's client id

	Contract             market.ContractQuery
	ComboLegs            []ComboLeg // BAG only
	OrderComboLegPrices  []float64  // BAG only; UnsetFloat per leg when not set
	SmartComboRouting    []TagValue // BAG only
	DeltaNeutralContract *DeltaNeutralContract

	Action    string // "BUY", "SELL", "SSHORT"
	TotalQty  float64
	OrderType string
	LmtPrice  float64
	AuxPrice  float64

	TIF           string
	OcaGroup      string
	Account       string
	OpenClose     string
	Origin        int64
	OrderRef      string
	Transmit      bool
	ParentID      int64
	BlockOrder    bool
	SweepToFill   bool
	DisplaySize   int64
	TriggerMethod int64
	OutsideRth    bool
	Hidden        bool

	DiscretionaryAmt float64
	GoodAfterTime    string
	GoodTillDate     string
	FaGroup          string
	FaMethod         string
	FaPercentage     string
	ModelCode        string

	ShortSaleSlot      int64
	DesignatedLocation string
	ExemptCode         int64

	OcaType                       int64
	Rule80A                       string
	SettlingFirm                  string
	AllOrNone                     bool
	MinQty                        int64
	PercentOffset                 float64
	AuctionStrategy               int64
	StartingPrice                 float64
	StockRefPrice                 float64
	Delta                         float64
	StockRangeLower               float64
	StockRangeUpper               float64
	OverridePercentageConstraints bool

	Volatility                     float64
	VolatilityType                 int64
	DeltaNeutralOrderType          string
	DeltaNeutralAuxPrice           float64
	DeltaNeutralConID              int64
	DeltaNeutralSettlingFirm       string
	DeltaNeutralClearingAccount    string
	DeltaNeutralClearingIntent     string
	DeltaNeutralOpenClose          string
	DeltaNeutralShortSale          bool
	DeltaNeutralShortSaleSlot      int64
	DeltaNeutralDesignatedLocation string
	ContinuousUpdate               bool
	ReferencePriceType             int64

	TrailStopPrice  float64
	TrailingPercent float64

	ScaleInitLevelSize       int64
	ScaleSubsLevelSize       int64
	ScalePriceIncrement      float64
	ScalePriceAdjustValue    float64
	ScalePriceAdjustInterval int64
	ScaleProfitOffset        float64
	ScaleAutoReset           bool
	ScaleInitPosition        int64
	ScaleInitFillQty         int64
	ScaleRandomPercent       bool
	ScaleTable               string
	ActiveStartTime          string
	ActiveStopTime           string

	HedgeType          string
	HedgeParam         string
	OptOutSmartRouting bool
	ClearingAccount    string
	ClearingIntent     string
	NotHeld            bool

	AlgoStrategy   string
	AlgoParams     []TagValue
	AlgoID         string
	WhatIf         bool
	MiscOptions    string // "tag=value;" pairs as sent
	Solicited      bool
	RandomizeSize  bool
	RandomizePrice bool

	// PEG BENCH.
	ReferenceContractID          int64
	IsPeggedChangeAmountDecrease bool
	PeggedChangeAmount           float64
	ReferenceChangeAmount        float64
	ReferenceExchangeID          string

	Conditions            []OrderCondition
	ConditionsIgnoreRth   bool
	ConditionsCancelOrder bool

	AdjustedOrderType      string
	TriggerPrice           float64
	LmtPriceOffset         float64
	AdjustedStopPrice      float64
	AdjustedStopLimitPrice float64
	AdjustedTrailingAmount float64
	AdjustableTrailingUnit int64

	ExtOperator                 string
	SoftDollarTierName          string
	SoftDollarTierValue         string
	CashQty                     float64
	Mifid2DecisionMaker         string
	Mifid2DecisionAlgo          string
	Mifid2ExecutionTrader       string
	Mifid2ExecutionAlgo         string
	DontUseAutoPriceForHedge    bool
	IsOmsContainer              bool
	DiscretionaryUpToLimitPrice bool
	UsePriceMgmtAlgo            int64
	Duration                    int64
	PostToAts                   int64
	AutoCancelParent            bool
	AdvancedErrorOverride       string
	ManualOrderTime             string
	MinTradeQty                 int64
	MinCompeteSize              int64
	CompeteAgainstBestOffset    float64 // +Inf: "up to mid"
	MidOffsetAtWhole            float64
	MidOffsetAtHalf             float64
	CustomerAccount             string
	ProfessionalCustomer        bool
	IncludeOvernight            bool
	ManualOrderIndicator        int64
	ImbalanceOnly               bool
	Additional                  *AdditionalParams // versions 216..223 (orderparams.go); nil when none were sent
}

// NewOrderRequest returns a request with the TWS API's defaults: the
// values of the fields a placeOrder at an older version does not carry.
func NewOrderRequest() OrderRequest {
	return OrderRequest{
		TotalQty:                 UnsetFloat,
		LmtPrice:                 UnsetFloat,
		AuxPrice:                 UnsetFloat,
		Transmit:                 true,
		ExemptCode:               -1,
		MinQty:                   UnsetInt,
		PercentOffset:            UnsetFloat,
		StartingPrice:            UnsetFloat,
		StockRefPrice:            UnsetFloat,
		Delta:                    UnsetFloat,
		StockRangeLower:          UnsetFloat,
		StockRangeUpper:          UnsetFloat,
		Volatility:               UnsetFloat,
		VolatilityType:           UnsetInt,
		DeltaNeutralAuxPrice:     UnsetFloat,
		ReferencePriceType:       UnsetInt,
		TrailStopPrice:           UnsetFloat,
		TrailingPercent:          UnsetFloat,
		ScaleInitLevelSize:       UnsetInt,
		ScaleSubsLevelSize:       UnsetInt,
		ScalePriceIncrement:      UnsetFloat,
		ScalePriceAdjustValue:    UnsetFloat,
		ScalePriceAdjustInterval: UnsetInt,
		ScaleProfitOffset:        UnsetFloat,
		ScaleInitPosition:        UnsetInt,
		ScaleInitFillQty:         UnsetInt,
		TriggerPrice:             UnsetFloat,
		LmtPriceOffset:           UnsetFloat,
		AdjustedStopPrice:        UnsetFloat,
		AdjustedStopLimitPrice:   UnsetFloat,
		AdjustedTrailingAmount:   UnsetFloat,
		CashQty:                  UnsetFloat,
		UsePriceMgmtAlgo:         UnsetInt,
		Duration:                 UnsetInt,
		PostToAts:                UnsetInt,
		MinTradeQty:              UnsetInt,
		MinCompeteSize:           UnsetInt,
		CompeteAgainstBestOffset: UnsetFloat,
		MidOffsetAtWhole:         UnsetFloat,
		MidOffsetAtHalf:          UnsetFloat,
		ManualOrderIndicator:     UnsetInt,
	}
}

// OrderContract is the contract of an order, an execution or a position as
// the server reports it (the reference fields of the instrument).
type OrderContract struct {
	ConID            int64
	Symbol           string
	SecType          string
	Expiry           string
	Strike           float64
	Right            string
	Multiplier       string
	Exchange         string
	PrimaryExch      string
	Currency         string
	LocalSymbol      string
	TradingClass     string
	comboLegsDescrip string // BAG: "conId|ratio,..."; built from the legs if empty
}

// OrderContractFromInstrument returns the reported contract of an
// instrument; exchange, when not empty, is the order's routing exchange.
func OrderContractFromInstrument(in *market.Instrument, exchange string) OrderContract {
	c := OrderContract{
		ConID:        in.ConID,
		Symbol:       in.Symbol,
		SecType:      in.SecType,
		Expiry:       in.Expiry,
		Strike:       in.Strike,
		Right:        in.Right,
		Multiplier:   in.Multiplier,
		Exchange:     in.Exchange,
		PrimaryExch:  in.PrimaryExch,
		Currency:     in.Currency,
		LocalSymbol:  in.LocalSymbol,
		TradingClass: in.TradingClass,
	}
	if exchange != "" {
		c.Exchange = exchange
	}
	return c
}

// OrderContractFromQuery returns the contract as the client described it
// (for a BAG, which has no instrument of its own).
func OrderContractFromQuery(q market.ContractQuery) OrderContract {
	return OrderContract{
		ConID:        q.ConID,
		Symbol:       q.Symbol,
		SecType:      q.SecType,
		Expiry:       q.Expiry,
		Strike:       q.Strike,
		Right:        q.Right,
		Multiplier:   q.Multiplier,
		Exchange:     q.Exchange,
		PrimaryExch:  q.PrimaryExch,
		Currency:     q.Currency,
		LocalSymbol:  q.LocalSymbol,
		TradingClass: q.TradingClass,
	}
}

// Margins are the nine margin figures of a what-if preview.
type Margins struct {
	InitBefore, MaintBefore, EquityWithLoanBefore float64
	InitChange, MaintChange, EquityWithLoanChange float64
	InitAfter, MaintAfter, EquityWithLoanAfter    float64
}

// UnsetMargins has every figure unset.
var UnsetMargins = Margins{
	UnsetFloat, UnsetFloat, UnsetFloat,
	UnsetFloat, UnsetFloat, UnsetFloat,
	UnsetFloat, UnsetFloat, UnsetFloat,
}

// OrderPreview is the what-if result carried in an openOrder's OrderState.
type OrderPreview struct {
	Margins            Margins
	OutsideRTH         *Margins // nil: not reported (version >= 195 only)
	MarginCurrency     string
	Commission         float64 // UnsetFloat when unknown
	MinCommission      float64
	MaxCommission      float64
	CommissionCurrency string
	SuggestedSize      float64 // 0: not reported
	RejectReason       string
}

// OrderView is everything an openOrder or completedOrder reports: the order
// as placed (with the engine's changes, e.g. the default account filled
// in), the reported contract and the server's state of the order.
type OrderView struct {
	OrderRequest
	Ref OrderContract

	PermID      int64
	Status      string // "PreSubmitted", "Submitted", "Filled", "Cancelled", ...
	Filled      float64
	Preview     *OrderPreview // nil: no what-if figures (all sent unset)
	WarningText string

	// completedOrder only.
	CompletedTime   string // "20260405 15:59:59 America/New_York"
	CompletedStatus string // e.g. "Filled Size: 100"
	ParentPermID    int64
	AutoCancelDate  string

	// Reported by the server only.
	BondAccruedInterest string
	Submitter           string
}

// DeltaNeutralOrderTypeOut is what TWS reports for a delta-neutral order
// type the client left empty.
func (o *OrderView) DeltaNeutralOrderTypeOut() string {
	if o.DeltaNeutralOrderType == "" {
		return "None"
	}
	return o.DeltaNeutralOrderType
}

// ComboLegsDescripOut returns the BAG description: conId|ratio per leg.
func (o *OrderView) ComboLegsDescripOut() string {
	if o.Ref.comboLegsDescrip != "" || len(o.ComboLegs) == 0 {
		return o.Ref.comboLegsDescrip
	}
	var b strings.Builder
	for i, l := range o.ComboLegs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(l.ConID, 10))
		b.WriteByte('|')
		b.WriteString(strconv.FormatInt(l.Ratio, 10))
	}
	return b.String()
}

// OrderStatus is one orderStatus message.
type OrderStatus struct {
	OrderID       int64
	Status        string
	Filled        float64
	Remaining     float64
	AvgFillPrice  float64
	PermID        int64
	ParentID      int64
	LastFillPrice float64
	ClientID      int64
	WhyHeld       string
	MktCapPrice   float64
}

// Execution is one execution (fill) as execDetails reports it.
type Execution struct {
	OrderID              int64
	Ref                  OrderContract
	ExecID               string // e.g. "0000e0d5.67f2a1b3.01.01"
	Time                 string // "20260405 10:31:02 America/New_York"
	Account              string
	Exchange             string
	Side                 string // "BOT" or "SLD"
	Shares               float64
	Price                float64
	PermID               int64
	ClientID             int64
	Liquidation          int64
	CumQty               float64
	AvgPrice             float64
	OrderRef             string
	EvRule               string
	EvMultiplier         float64 // 0: not sent
	ModelCode            string
	LastLiquidity        int64 // 1 added, 2 removed, 3 routed out
	PendingPriceRevision bool
	Submitter            string
}

// CommissionReport is one commissionReport.
type CommissionReport struct {
	ExecID              string
	Commission          float64
	Currency            string
	RealizedPNL         float64 // UnsetFloat when the fill closed nothing
	Yield               float64 // UnsetFloat except for bonds
	YieldRedemptionDate int64   // YYYYMMDD, 0 when none
}

// Unset markers of the TWS text protocol.
const (
	UnsetInt     = math.MaxInt32
	UnsetFloat   = math.MaxFloat64
	UnsetLong    = math.MaxInt64
	unsetDecimal = "9223372036854775807"
)
