package conn

import "github.com/scmhub/ibapi"

// The wire records below are the wire library's values reduced to what the
// Session uses, in plain Go types, so that no package above this one needs
// the wire library. Doubles keep the wire's markers (math.MaxFloat64 for
// unset, -1 for not available); sizes are the wire's decimal as a string,
// "" or "NaN" when unset. The Session converts them to its own types.

// Contract is a contract as the wire carries it.
type Contract struct {
	ConID                        int64
	Symbol                       string
	SecType                      string
	LastTradeDateOrContractMonth string
	// Strike: 0 means none.
	Strike          float64
	Right           string
	Multiplier      string
	Exchange        string
	PrimaryExchange string
	Currency        string
	LocalSymbol     string
	TradingClass    string
	IncludeExpired  bool
}

func (c *Contract) toIB() *ibapi.Contract {
	ic := ibapi.NewContract()
	ic.ConID = c.ConID
	ic.Symbol = c.Symbol
	ic.SecType = c.SecType
	ic.LastTradeDateOrContractMonth = c.LastTradeDateOrContractMonth
	ic.Strike = c.Strike
	ic.Right = c.Right
	ic.Multiplier = c.Multiplier
	ic.Exchange = c.Exchange
	ic.PrimaryExchange = c.PrimaryExchange
	ic.Currency = c.Currency
	ic.LocalSymbol = c.LocalSymbol
	ic.TradingClass = c.TradingClass
	ic.IncludeExpired = c.IncludeExpired
	return ic
}

func contractFromIB(ic *ibapi.Contract) Contract {
	if ic == nil {
		return Contract{}
	}
	return Contract{
		ConID:                        ic.ConID,
		Symbol:                       ic.Symbol,
		SecType:                      ic.SecType,
		LastTradeDateOrContractMonth: ic.LastTradeDateOrContractMonth,
		Strike:                       ic.Strike,
		Right:                        ic.Right,
		Multiplier:                   ic.Multiplier,
		Exchange:                     ic.Exchange,
		PrimaryExchange:              ic.PrimaryExchange,
		Currency:                     ic.Currency,
		LocalSymbol:                  ic.LocalSymbol,
		TradingClass:                 ic.TradingClass,
		IncludeExpired:               ic.IncludeExpired,
	}
}

// ContractDetails is the part of the wire's contract details the Session
// reads.
type ContractDetails struct {
	Contract           Contract
	MarketName         string
	MinTick            float64
	OrderTypes         string
	ValidExchanges     string
	UnderConID         int64
	UnderSymbol        string
	LongName           string
	Industry           string
	Category           string
	Subcategory        string
	TimeZoneID         string
	TradingHours       string
	LiquidHours        string
	StockType          string
	MarketRuleIDs      string
	RealExpirationDate string
}

func detailsFromIB(d *ibapi.ContractDetails) ContractDetails {
	return ContractDetails{
		Contract:           contractFromIB(&d.Contract),
		MarketName:         d.MarketName,
		MinTick:            d.MinTick,
		OrderTypes:         d.OrderTypes,
		ValidExchanges:     d.ValidExchanges,
		UnderConID:         d.UnderConID,
		UnderSymbol:        d.UnderSymbol,
		LongName:           d.LongName,
		Industry:           d.Industry,
		Category:           d.Category,
		Subcategory:        d.Subcategory,
		TimeZoneID:         d.TimeZoneID,
		TradingHours:       d.TradingHours,
		LiquidHours:        d.LiquidHours,
		StockType:          d.StockType,
		MarketRuleIDs:      d.MarketRuleIDs,
		RealExpirationDate: d.RealExpirationDate,
	}
}

// Order is an order as the wire carries it, reduced to the fields the
// Session sets and reads.
type Order struct {
	OrderID  int64
	PermID   int64
	ClientID int64
	Action   string
	// TotalQuantity is a decimal string.
	TotalQuantity string
	OrderType     string
	// LmtPrice and AuxPrice: when sent, 0 leaves the wire's unset value.
	LmtPrice   float64
	AuxPrice   float64
	TIF        string
	OutsideRTH bool
	OrderRef   string
	OCAGroup   string
	OCAType    int64
	Account    string
	ParentID   int64
	Transmit   bool
	WhatIf     bool
}

func (o *Order) toIB() *ibapi.Order {
	io := ibapi.NewOrder()
	io.OrderID = o.OrderID
	io.Action = o.Action
	io.TotalQuantity = ibapi.StringToDecimal(o.TotalQuantity)
	io.OrderType = o.OrderType
	if o.LmtPrice != 0 {
		io.LmtPrice = o.LmtPrice
	}
	if o.AuxPrice != 0 {
		io.AuxPrice = o.AuxPrice
	}
	io.TIF = o.TIF
	io.OutsideRTH = o.OutsideRTH
	io.OrderRef = o.OrderRef
	io.OCAGroup = o.OCAGroup
	if o.OCAType != 0 {
		io.OCAType = o.OCAType
	}
	io.Account = o.Account
	io.ParentID = o.ParentID
	io.Transmit = o.Transmit
	io.WhatIf = o.WhatIf
	return io
}

func orderFromIB(io *ibapi.Order) Order {
	return Order{
		OrderID:       io.OrderID,
		PermID:        io.PermID,
		ClientID:      io.ClientID,
		Action:        io.Action,
		TotalQuantity: ibapi.DecimalToString(io.TotalQuantity),
		OrderType:     io.OrderType,
		LmtPrice:      io.LmtPrice,
		AuxPrice:      io.AuxPrice,
		TIF:           io.TIF,
		OutsideRTH:    io.OutsideRTH,
		OrderRef:      io.OrderRef,
		OCAGroup:      io.OCAGroup,
		OCAType:       io.OCAType,
		Account:       io.Account,
		ParentID:      io.ParentID,
		Transmit:      io.Transmit,
		WhatIf:        io.WhatIf,
	}
}

// OrderState is the part of the wire's order state the Session reads: the
// status, and for a what-if the margin and commission figures (strings as
// the wire sends them).
type OrderState struct {
	Status                                                 string
	InitMarginBefore, InitMarginChange, InitMarginAfter    string
	MaintMarginBefore, MaintMarginChange, MaintMarginAfter string
	EquityWithLoanBefore, EquityWithLoanAfter              string
	CommissionAndFees                                      float64
	MinCommissionAndFees, MaxCommissionAndFees             float64
	CommissionAndFeesCurrency                              string
	WarningText                                            string
}

func stateFromIB(st *ibapi.OrderState) OrderState {
	if st == nil {
		return OrderState{}
	}
	return OrderState{
		Status:           st.Status,
		InitMarginBefore: st.InitMarginBefore, InitMarginChange: st.InitMarginChange, InitMarginAfter: st.InitMarginAfter,
		MaintMarginBefore: st.MaintMarginBefore, MaintMarginChange: st.MaintMarginChange, MaintMarginAfter: st.MaintMarginAfter,
		EquityWithLoanBefore: st.EquityWithLoanBefore, EquityWithLoanAfter: st.EquityWithLoanAfter,
		CommissionAndFees: st.CommissionAndFees, MinCommissionAndFees: st.MinCommissionAndFees,
		MaxCommissionAndFees: st.MaxCommissionAndFees, CommissionAndFeesCurrency: st.CommissionAndFeesCurrency,
		WarningText: st.WarningText,
	}
}

// Execution is one fill as the wire reports it.
type Execution struct {
	OrderID  int64
	ExecID   string
	Time     string
	Side     string
	Shares   string // decimal string
	Price    float64
	CumQty   string // decimal string
	AvgPrice float64
	Exchange string
}

func executionFromIB(e *ibapi.Execution) Execution {
	return Execution{
		OrderID: e.OrderID, ExecID: e.ExecID, Time: e.Time, Side: e.Side,
		Shares: ibapi.DecimalToString(e.Shares), Price: e.Price,
		CumQty: ibapi.DecimalToString(e.CumQty), AvgPrice: e.AvgPrice, Exchange: e.Exchange,
	}
}

// CommissionReport is the commission of one execution.
type CommissionReport struct {
	ExecID            string
	CommissionAndFees float64
	RealizedPNL       float64
	Currency          string
}

// ExecutionFilter narrows an executions request.
type ExecutionFilter struct {
	ClientID int64
	AcctCode string
	Symbol   string
	SecType  string
	Exchange string
	Side     string
	Time     string
}

// Bar is one historical bar as the wire sends it.
type Bar struct {
	Date                   string
	Open, High, Low, Close float64
	Volume, WAP            string // decimal strings
	BarCount               int64
}

func barFromIB(b *ibapi.Bar) Bar {
	return Bar{Date: b.Date, Open: b.Open, High: b.High, Low: b.Low, Close: b.Close,
		Volume: ibapi.DecimalToString(b.Volume), WAP: ibapi.DecimalToString(b.Wap), BarCount: b.BarCount}
}

// PriceIncrement is one band of a market rule.
type PriceIncrement struct {
	LowEdge, Increment float64
}

// MinServerVerMarketRules is the first server version that answers market
// rule requests.
const MinServerVerMarketRules = int(ibapi.MIN_SERVER_VER_MARKET_RULES)

// sizeFromIB returns a wire size as a decimal string and whether it was
// sent at all.
func sizeFromIB(d ibapi.Decimal) (string, bool) {
	if d == ibapi.UNSET_DECIMAL {
		return "", false
	}
	return ibapi.DecimalToString(d), true
}
