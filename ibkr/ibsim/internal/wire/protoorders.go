package wire

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// protoEvent builds the protobuf message of an engine event at version,
// or returns nil when the event goes out as text there.
func protoEvent(version int, ev engine.Event) (frame []byte, order bool) {
	if version < VerProtobuf {
		return nil, false
	}
	switch ev := ev.(type) {
	case engine.ExecDetails:
		return protoFrame(ibapi.EXECUTION_DATA, &protobuf.ExecutionDetails{
			ReqId:     pI32(ev.ReqID),
			Contract:  contractProto(ev.Exec.Ref),
			Execution: executionProto(ev.Exec),
		}), true
	case engine.ExecDetailsEnd:
		return protoFrame(ibapi.EXECUTION_DATA_END, &protobuf.ExecutionDetailsEnd{ReqId: pI32(ev.ReqID)}), false
	}
	if version < VerProtoOrders {
		return nil, false
	}
	switch ev := ev.(type) {
	case engine.OrderStatus:
		return protoFrame(ibapi.ORDER_STATUS, orderStatusProto(ev)), true
	case engine.OpenOrder:
		o := ev.View
		return protoFrame(ibapi.OPEN_ORDER, &protobuf.OpenOrder{
			OrderId:    pI32(o.OrderID),
			Contract:   orderContractProto(o),
			Order:      orderProto(o, false),
			OrderState: orderStateProto(o, false),
		}), true
	case engine.CommissionReport:
		return protoFrame(ibapi.COMMISSION_AND_FEES_REPORT, commissionProto(ev)), true
	case engine.ErrMsg:
		return protoError(ev.ID, ev.Code, ev.Text, time.Now()), false
	}
	if version < VerProtoCompleted {
		return nil, false
	}
	switch ev := ev.(type) {
	case engine.OpenOrderEnd:
		return protoFrame(ibapi.OPEN_ORDER_END, &protobuf.OpenOrdersEnd{}), false
	case engine.CompletedOrder:
		o := ev.View
		return protoFrame(ibapi.COMPLETED_ORDER, &protobuf.CompletedOrder{
			Contract:   orderContractProto(o),
			Order:      orderProto(o, true),
			OrderState: orderStateProto(o, true),
		}), true
	case engine.CompletedOrdersEnd:
		return protoFrame(ibapi.COMPLETED_ORDERS_END, &protobuf.CompletedOrdersEnd{}), false
	}
	return nil, false
}

// protoError builds ErrorMessage (4).
func protoError(reqID int64, code int, text string, at time.Time) []byte {
	return protoFrame(ibapi.ERR_MSG, &protobuf.ErrorMessage{
		Id:        pI32(reqID),
		ErrorTime: pI64(at.UnixMilli()),
		ErrorCode: pI32(int64(code)),
		ErrorMsg:  pStr(text),
	})
}

func executionProto(e engine.Execution) *protobuf.Execution {
	p := &protobuf.Execution{
		OrderId:                pI32(e.OrderID),
		ExecId:                 pStr(e.ExecID),
		Time:                   pStr(e.Time),
		AcctNumber:             pStr(e.Account),
		Exchange:               pStr(e.Exchange),
		Side:                   pStr(e.Side),
		Shares:                 pQty(e.Shares),
		Price:                  pF64(e.Price),
		PermId:                 pI64(e.PermID),
		ClientId:               pI32(e.ClientID),
		IsLiquidation:          pBool(e.Liquidation != 0),
		CumQty:                 pQty(e.CumQty),
		AvgPrice:               pF64(e.AvgPrice),
		OrderRef:               pStrNE(e.OrderRef),
		EvRule:                 pStrNE(e.EvRule),
		ModelCode:              pStrNE(e.ModelCode),
		LastLiquidity:          pI32(e.LastLiquidity),
		IsPriceRevisionPending: pBool(e.PendingPriceRevision),
		Submitter:              pStrNE(e.Submitter),
	}
	if e.EvMultiplier != 0 {
		p.EvMultiplier = pF64Set(e.EvMultiplier)
	}
	return p
}

func orderStatusProto(st engine.OrderStatus) *protobuf.OrderStatus {
	return &protobuf.OrderStatus{
		OrderId:       pI32(st.OrderID),
		Status:        pStr(st.Status),
		Filled:        pQty(st.Filled),
		Remaining:     pQty(st.Remaining),
		AvgFillPrice:  pF64Set(st.AvgFillPrice),
		PermId:        pI64(st.PermID),
		ParentId:      pI32(st.ParentID),
		LastFillPrice: pF64Set(st.LastFillPrice),
		ClientId:      pI32(st.ClientID),
		WhyHeld:       pStrNE(st.WhyHeld),
		MktCapPrice:   pF64Set(st.MktCapPrice),
	}
}

func commissionProto(c engine.CommissionReport) *protobuf.CommissionAndFeesReport {
	p := &protobuf.CommissionAndFeesReport{
		ExecId:            pStr(c.ExecID),
		CommissionAndFees: pF64Set(c.Commission),
		Currency:          pStrNE(c.Currency),
		// Unset stays Double.MAX_VALUE, as in the text layout: the client
		// reads an absent double as 0, a realized P&L of zero.
		RealizedPNL: pF64(c.RealizedPNL),
		BondYield:   pF64(c.Yield),
	}
	if c.YieldRedemptionDate != 0 {
		p.YieldRedemptionDate = pStr(strconv.FormatInt(c.YieldRedemptionDate, 10))
	}
	return p
}

// orderContractProto is an order's reported contract with its combo legs.
func orderContractProto(o *engine.OrderView) *protobuf.Contract {
	p := contractProto(o.Ref)
	p.ComboLegsDescrip = pStrNE(o.ComboLegsDescripOut())
	for i, l := range o.ComboLegs {
		leg := &protobuf.ComboLeg{
			ConId:              pI32(l.ConID),
			Ratio:              pI32(l.Ratio),
			Action:             pStrNE(l.Action),
			Exchange:           pStrNE(l.Exchange),
			OpenClose:          pI32(l.OpenClose),
			ShortSalesSlot:     pI32(l.ShortSaleSlot),
			DesignatedLocation: pStrNE(l.DesignatedLocation),
			ExemptCode:         pI32(l.ExemptCode),
		}
		if i < len(o.OrderComboLegPrices) {
			leg.PerLegPrice = pF64Set(o.OrderComboLegPrices[i])
		}
		p.ComboLegs = append(p.ComboLegs, leg)
	}
	if d := o.DeltaNeutralContract; d != nil {
		p.DeltaNeutralContract = &protobuf.DeltaNeutralContract{ConId: pI32(d.ConID), Delta: pF64(d.Delta), Price: pF64(d.Price)}
	}
	return p
}

// pTrue is set only for true: the Gateway leaves a false flag out.
func pTrue(b bool) *bool {
	if !b {
		return nil
	}
	return pBool(true)
}

// pF64Any is a double that may be +Inf (PEG BEST "up to mid"); nil when
// unset.
func pF64Any(v float64) *float64 {
	if v == engine.UnsetFloat || math.IsNaN(v) {
		return nil
	}
	return &v
}

// tagMap is tag/value pairs as a protobuf map; nil when empty.
func tagMap(tv []engine.TagValue) map[string]string {
	if len(tv) == 0 {
		return nil
	}
	m := make(map[string]string, len(tv))
	for _, t := range tv {
		m[*pStr(t.Tag)] = *pStr(t.Value)
	}
	return m
}

// orderProto is the order of an openOrder or completedOrder. Unset values
// are left out ("not set"), as are empty strings and false flags; a zero
// that was set (a price of 0, an id of 0) is sent. It reports the
// attributes the text layouts of the two messages report, so a client sees
// the same order at every version (the Gateway does not echo the active
// times, scale table, algo id or MiFID II fields, and a completed order
// carries no ids, adjusted-stop, soft dollar or routing attributes).
func orderProto(o *engine.OrderView, completed bool) *protobuf.Order {
	p := &protobuf.Order{
		PermId:                         pI64(o.PermID),
		Action:                         pStrNE(o.Action),
		TotalQuantity:                  pQty(o.TotalQty),
		DisplaySize:                    pI32Set(o.DisplaySize),
		OrderType:                      pStrNE(o.OrderType),
		LmtPrice:                       pF64Set(o.LmtPrice),
		AuxPrice:                       pF64Set(o.AuxPrice),
		Tif:                            pStrNE(o.TIF),
		Account:                        pStrNE(o.Account),
		SettlingFirm:                   pStrNE(o.SettlingFirm),
		ClearingAccount:                pStrNE(o.ClearingAccount),
		ClearingIntent:                 pStrNE(o.ClearingIntent),
		AllOrNone:                      pTrue(o.AllOrNone),
		BlockOrder:                     pTrue(o.BlockOrder),
		Hidden:                         pTrue(o.Hidden),
		OutsideRth:                     pTrue(o.OutsideRth),
		SweepToFill:                    pTrue(o.SweepToFill),
		PercentOffset:                  pF64Set(o.PercentOffset),
		TrailingPercent:                pF64Set(o.TrailingPercent),
		TrailStopPrice:                 pF64Set(o.TrailStopPrice),
		MinQty:                         pI32Set(o.MinQty),
		GoodAfterTime:                  pStrNE(o.GoodAfterTime),
		GoodTillDate:                   pStrNE(o.GoodTillDate),
		OcaGroup:                       pStrNE(o.OcaGroup),
		OrderRef:                       pStrNE(o.OrderRef),
		Rule80A:                        pStrNE(o.Rule80A),
		OcaType:                        pI32(o.OcaType),
		TriggerMethod:                  pI32(o.TriggerMethod),
		FaGroup:                        pStrNE(o.FaGroup),
		FaMethod:                       pStrNE(o.FaMethod),
		FaPercentage:                   pStrNE(o.FaPercentage),
		Volatility:                     pF64Set(o.Volatility),
		VolatilityType:                 pI32Set(o.VolatilityType),
		ContinuousUpdate:               pTrue(o.ContinuousUpdate),
		ReferencePriceType:             pI32Set(o.ReferencePriceType),
		DeltaNeutralOrderType:          pStr(o.DeltaNeutralOrderTypeOut()),
		DeltaNeutralAuxPrice:           pF64Set(o.DeltaNeutralAuxPrice),
		DeltaNeutralConId:              pI32(o.DeltaNeutralConID),
		DeltaNeutralOpenClose:          pStrNE(o.DeltaNeutralOpenClose),
		DeltaNeutralShortSale:          pTrue(o.DeltaNeutralShortSale),
		DeltaNeutralShortSaleSlot:      pI32(o.DeltaNeutralShortSaleSlot),
		DeltaNeutralDesignatedLocation: pStrNE(o.DeltaNeutralDesignatedLocation),
		ScaleInitLevelSize:             pI32Set(o.ScaleInitLevelSize),
		ScaleSubsLevelSize:             pI32Set(o.ScaleSubsLevelSize),
		ScalePriceIncrement:            pF64Set(o.ScalePriceIncrement),
		ScalePriceAdjustValue:          pF64Set(o.ScalePriceAdjustValue),
		ScalePriceAdjustInterval:       pI32Set(o.ScalePriceAdjustInterval),
		ScaleProfitOffset:              pF64Set(o.ScaleProfitOffset),
		ScaleAutoReset:                 pTrue(o.ScaleAutoReset),
		ScaleInitPosition:              pI32Set(o.ScaleInitPosition),
		ScaleInitFillQty:               pI32Set(o.ScaleInitFillQty),
		ScaleRandomPercent:             pTrue(o.ScaleRandomPercent),
		HedgeType:                      pStrNE(o.HedgeType),
		HedgeParam:                     pStrNE(o.HedgeParam),
		AlgoStrategy:                   pStrNE(o.AlgoStrategy),
		AlgoParams:                     tagMap(o.AlgoParams),
		SmartComboRoutingParams:        tagMap(o.SmartComboRouting),
		WhatIf:                         pTrue(o.WhatIf),
		OpenClose:                      pStrNE(o.OpenClose),
		Origin:                         pI32(o.Origin),
		ShortSaleSlot:                  pI32(o.ShortSaleSlot),
		DesignatedLocation:             pStrNE(o.DesignatedLocation),
		ExemptCode:                     pI32(o.ExemptCode),
		DeltaNeutralSettlingFirm:       pStrNE(o.DeltaNeutralSettlingFirm),
		DeltaNeutralClearingAccount:    pStrNE(o.DeltaNeutralClearingAccount),
		DeltaNeutralClearingIntent:     pStrNE(o.DeltaNeutralClearingIntent),
		DiscretionaryAmt:               pF64Set(o.DiscretionaryAmt),
		OptOutSmartRouting:             pTrue(o.OptOutSmartRouting),
		StartingPrice:                  pF64Set(o.StartingPrice),
		StockRefPrice:                  pF64Set(o.StockRefPrice),
		Delta:                          pF64Set(o.Delta),
		StockRangeLower:                pF64Set(o.StockRangeLower),
		StockRangeUpper:                pF64Set(o.StockRangeUpper),
		NotHeld:                        pTrue(o.NotHeld),
		Solicited:                      pTrue(o.Solicited),
		RandomizeSize:                  pTrue(o.RandomizeSize),
		RandomizePrice:                 pTrue(o.RandomizePrice),
		AdjustedOrderType:              pStrNE(o.AdjustedOrderType),
		TriggerPrice:                   pF64Set(o.TriggerPrice),
		AdjustedStopPrice:              pF64Set(o.AdjustedStopPrice),
		AdjustedStopLimitPrice:         pF64Set(o.AdjustedStopLimitPrice),
		AdjustedTrailingAmount:         pF64Set(o.AdjustedTrailingAmount),
		AdjustableTrailingUnit:         pI32(o.AdjustableTrailingUnit),
		LmtPriceOffset:                 pF64Set(o.LmtPriceOffset),
		ConditionsCancelOrder:          pTrue(o.ConditionsCancelOrder),
		ConditionsIgnoreRth:            pTrue(o.ConditionsIgnoreRth),
		ModelCode:                      pStrNE(o.ModelCode),
		ExtOperator:                    pStrNE(o.ExtOperator),
		CashQty:                        pF64Set(o.CashQty),
		DontUseAutoPriceForHedge:       pTrue(o.DontUseAutoPriceForHedge),
		IsOmsContainer:                 pTrue(o.IsOmsContainer),
		DiscretionaryUpToLimitPrice:    pTrue(o.DiscretionaryUpToLimitPrice),
		AutoCancelParent:               pTrue(o.AutoCancelParent),
		ImbalanceOnly:                  pTrue(o.ImbalanceOnly),
		UsePriceMgmtAlgo:               pI32Set(o.UsePriceMgmtAlgo),
		Duration:                       pI32Set(o.Duration),
		PostToAts:                      pI32Set(o.PostToAts),
		MinTradeQty:                    pI32Set(o.MinTradeQty),
		MinCompeteSize:                 pI32Set(o.MinCompeteSize),
		CompeteAgainstBestOffset:       pF64Any(o.CompeteAgainstBestOffset),
		MidOffsetAtWhole:               pF64Set(o.MidOffsetAtWhole),
		MidOffsetAtHalf:                pF64Set(o.MidOffsetAtHalf),
		CustomerAccount:                pStrNE(o.CustomerAccount),
		ProfessionalCustomer:           pTrue(o.ProfessionalCustomer),
		IncludeOvernight:               pTrue(o.IncludeOvernight),
		ManualOrderIndicator:           pI32Set(o.ManualOrderIndicator),
		Submitter:                      pStrNE(o.Submitter),
	}
	if o.SoftDollarTierName != "" || o.SoftDollarTierValue != "" {
		p.SoftDollarTier = &protobuf.SoftDollarTier{Name: pStrNE(o.SoftDollarTierName), Value: pStrNE(o.SoftDollarTierValue)}
	}
	if o.ReferenceContractID != 0 {
		p.ReferenceContractId = pI32(o.ReferenceContractID)
		p.IsPeggedChangeAmountDecrease = pTrue(o.IsPeggedChangeAmountDecrease)
		p.PeggedChangeAmount = pF64Set(o.PeggedChangeAmount)
		p.ReferenceChangeAmount = pF64Set(o.ReferenceChangeAmount)
		p.ReferenceExchangeId = pStrNE(o.ReferenceExchangeID)
	}
	for _, c := range o.Conditions {
		p.Conditions = append(p.Conditions, conditionProto(c))
	}
	if completed {
		p.BlockOrder, p.OptOutSmartRouting, p.WhatIf = nil, nil, nil
		p.DeltaNeutralSettlingFirm, p.DeltaNeutralClearingAccount, p.DeltaNeutralClearingIntent, p.DeltaNeutralOpenClose = nil, nil, nil, nil
		p.AdjustedOrderType, p.TriggerPrice, p.AdjustedStopPrice, p.AdjustedStopLimitPrice, p.AdjustedTrailingAmount, p.AdjustableTrailingUnit = nil, nil, nil, nil, nil, nil
		p.SoftDollarTier, p.DiscretionaryUpToLimitPrice, p.UsePriceMgmtAlgo, p.Duration, p.PostToAts = nil, nil, nil, nil, nil
		p.IncludeOvernight, p.ExtOperator, p.ManualOrderIndicator = nil, nil, nil
		p.FilledQuantity = pQty(o.Filled)
		p.AutoCancelDate = pStrNE(o.AutoCancelDate)
		p.ParentPermId = pI64(o.ParentPermID)
	} else {
		p.OrderId = pI32(o.OrderID)
		p.ClientId = pI32(o.ClientID)
		p.ParentId = pI32(o.ParentID)
		p.BondAccruedInterest = pStrNE(o.BondAccruedInterest)
	}
	additionalProto(p, o.Additional)
	return p
}

func conditionProto(c engine.OrderCondition) *protobuf.OrderCondition {
	p := &protobuf.OrderCondition{Type: pI32(c.Type), IsConjunctionConnection: pBool(c.And)}
	switch c.Type {
	case engine.CondPrice:
		p.IsMore, p.Price, p.ConId, p.Exchange, p.TriggerMethod = pBool(c.IsMore), pF64(c.Price), pI32(c.ConID), pStr(c.Exchange), pI32(c.TriggerMethod)
	case engine.CondTime:
		p.IsMore, p.Time = pBool(c.IsMore), pStr(c.Time)
	case engine.CondMargin:
		p.IsMore, p.Percent = pBool(c.IsMore), pI32(c.Percent)
	case engine.CondExecution:
		p.SecType, p.Exchange, p.Symbol = pStr(c.SecType), pStr(c.Exchange), pStr(c.Symbol)
	case engine.CondVolume:
		p.IsMore, p.Volume, p.ConId, p.Exchange = pBool(c.IsMore), pI32(c.Volume), pI32(c.ConID), pStr(c.Exchange)
	case engine.CondPercentChange:
		p.IsMore, p.ChangePercent, p.ConId, p.Exchange = pBool(c.IsMore), pF64(c.ChangePercent), pI32(c.ConID), pStr(c.Exchange)
	}
	return p
}

// orderStateProto is the OrderState of an openOrder (with the what-if
// figures when there are any) or of a completedOrder.
func orderStateProto(o *engine.OrderView, completed bool) *protobuf.OrderState {
	p := &protobuf.OrderState{Status: pStr(o.Status), WarningText: pStrNE(o.WarningText)}
	if completed {
		p.CompletedTime = pStrNE(o.CompletedTime)
		p.CompletedStatus = pStrNE(o.CompletedStatus)
		return p
	}
	pr := o.Preview
	if pr == nil {
		return p
	}
	mg := pr.Margins
	p.InitMarginBefore, p.MaintMarginBefore, p.EquityWithLoanBefore = pF64Set(mg.InitBefore), pF64Set(mg.MaintBefore), pF64Set(mg.EquityWithLoanBefore)
	p.InitMarginChange, p.MaintMarginChange, p.EquityWithLoanChange = pF64Set(mg.InitChange), pF64Set(mg.MaintChange), pF64Set(mg.EquityWithLoanChange)
	p.InitMarginAfter, p.MaintMarginAfter, p.EquityWithLoanAfter = pF64Set(mg.InitAfter), pF64Set(mg.MaintAfter), pF64Set(mg.EquityWithLoanAfter)
	p.CommissionAndFees, p.MinCommissionAndFees, p.MaxCommissionAndFees = pF64Set(pr.Commission), pF64Set(pr.MinCommission), pF64Set(pr.MaxCommission)
	p.CommissionAndFeesCurrency = pStrNE(pr.CommissionCurrency)
	p.MarginCurrency = pStrNE(pr.MarginCurrency)
	if r := pr.OutsideRTH; r != nil {
		p.InitMarginBeforeOutsideRTH, p.MaintMarginBeforeOutsideRTH, p.EquityWithLoanBeforeOutsideRTH = pF64Set(r.InitBefore), pF64Set(r.MaintBefore), pF64Set(r.EquityWithLoanBefore)
		p.InitMarginChangeOutsideRTH, p.MaintMarginChangeOutsideRTH, p.EquityWithLoanChangeOutsideRTH = pF64Set(r.InitChange), pF64Set(r.MaintChange), pF64Set(r.EquityWithLoanChange)
		p.InitMarginAfterOutsideRTH, p.MaintMarginAfterOutsideRTH, p.EquityWithLoanAfterOutsideRTH = pF64Set(r.InitAfter), pF64Set(r.MaintAfter), pF64Set(r.EquityWithLoanAfter)
	}
	if pr.SuggestedSize != 0 {
		p.SuggestedSize = pQty(pr.SuggestedSize)
	}
	p.RejectReason = pStrNE(pr.RejectReason)
	return p
}

// orderRequestFromProto is a protobuf placeOrder as the engine takes it.
// Absent fields keep the defaults of engine.NewOrderRequest, except the
// flags, which the client sends only when true (transmit included).
func orderRequestFromProto(r *protobuf.PlaceOrderRequest) engine.OrderRequest {
	o := engine.NewOrderRequest()
	o.OrderID = int64(r.GetOrderId())
	c := r.GetContract()
	o.Contract = queryFromProto(c)
	for _, l := range c.GetComboLegs() {
		o.ComboLegs = append(o.ComboLegs, engine.ComboLeg{
			ConID: int64(l.GetConId()), Ratio: int64(l.GetRatio()), Action: l.GetAction(),
			Exchange: l.GetExchange(), OpenClose: int64(l.GetOpenClose()), ShortSaleSlot: int64(l.GetShortSalesSlot()),
			DesignatedLocation: l.GetDesignatedLocation(), ExemptCode: getExempt(l.ExemptCode),
		})
		o.OrderComboLegPrices = append(o.OrderComboLegPrices, getF64(l.PerLegPrice))
	}
	if d := c.GetDeltaNeutralContract(); d != nil {
		o.DeltaNeutralContract = &engine.DeltaNeutralContract{ConID: int64(d.GetConId()), Delta: d.GetDelta(), Price: d.GetPrice()}
	}
	p := r.GetOrder()
	if p == nil {
		return o
	}
	o.Action = p.GetAction()
	o.TotalQty = getQty(p.TotalQuantity)
	o.OrderType = p.GetOrderType()
	o.LmtPrice = getF64(p.LmtPrice)
	o.AuxPrice = getF64(p.AuxPrice)
	o.TIF = p.GetTif()
	o.OcaGroup = p.GetOcaGroup()
	o.Account = p.GetAccount()
	o.OpenClose = p.GetOpenClose()
	o.Origin = int64(p.GetOrigin())
	o.OrderRef = p.GetOrderRef()
	o.Transmit = p.GetTransmit()
	o.ParentID = int64(p.GetParentId())
	o.BlockOrder = p.GetBlockOrder()
	o.SweepToFill = p.GetSweepToFill()
	o.DisplaySize = getI32(p.DisplaySize)
	o.TriggerMethod = int64(p.GetTriggerMethod())
	o.OutsideRth = p.GetOutsideRth()
	o.Hidden = p.GetHidden()
	o.DiscretionaryAmt = p.GetDiscretionaryAmt()
	o.GoodAfterTime = p.GetGoodAfterTime()
	o.GoodTillDate = p.GetGoodTillDate()
	o.FaGroup, o.FaMethod, o.FaPercentage = p.GetFaGroup(), p.GetFaMethod(), p.GetFaPercentage()
	o.ModelCode = p.GetModelCode()
	o.ShortSaleSlot = int64(p.GetShortSaleSlot())
	o.DesignatedLocation = p.GetDesignatedLocation()
	o.ExemptCode = getExempt(p.ExemptCode)
	o.OcaType = int64(p.GetOcaType())
	o.Rule80A = p.GetRule80A()
	o.SettlingFirm = p.GetSettlingFirm()
	o.AllOrNone = p.GetAllOrNone()
	o.MinQty = getI32(p.MinQty)
	o.PercentOffset = getF64(p.PercentOffset)
	o.StartingPrice = getF64(p.StartingPrice)
	o.StockRefPrice = getF64(p.StockRefPrice)
	o.Delta = getF64(p.Delta)
	o.StockRangeLower = getF64(p.StockRangeLower)
	o.StockRangeUpper = getF64(p.StockRangeUpper)
	o.OverridePercentageConstraints = p.GetOverridePercentageConstraints()
	o.Volatility = getF64(p.Volatility)
	o.VolatilityType = getI32(p.VolatilityType)
	o.DeltaNeutralOrderType = p.GetDeltaNeutralOrderType()
	o.DeltaNeutralAuxPrice = getF64(p.DeltaNeutralAuxPrice)
	o.DeltaNeutralConID = int64(p.GetDeltaNeutralConId())
	o.DeltaNeutralSettlingFirm = p.GetDeltaNeutralSettlingFirm()
	o.DeltaNeutralClearingAccount = p.GetDeltaNeutralClearingAccount()
	o.DeltaNeutralClearingIntent = p.GetDeltaNeutralClearingIntent()
	o.DeltaNeutralOpenClose = p.GetDeltaNeutralOpenClose()
	o.DeltaNeutralShortSale = p.GetDeltaNeutralShortSale()
	o.DeltaNeutralShortSaleSlot = int64(p.GetDeltaNeutralShortSaleSlot())
	o.DeltaNeutralDesignatedLocation = p.GetDeltaNeutralDesignatedLocation()
	o.ContinuousUpdate = p.GetContinuousUpdate()
	o.ReferencePriceType = getI32(p.ReferencePriceType)
	o.TrailStopPrice = getF64(p.TrailStopPrice)
	o.TrailingPercent = getF64(p.TrailingPercent)
	o.ScaleInitLevelSize = getI32(p.ScaleInitLevelSize)
	o.ScaleSubsLevelSize = getI32(p.ScaleSubsLevelSize)
	o.ScalePriceIncrement = getF64(p.ScalePriceIncrement)
	o.ScalePriceAdjustValue = getF64(p.ScalePriceAdjustValue)
	o.ScalePriceAdjustInterval = getI32(p.ScalePriceAdjustInterval)
	o.ScaleProfitOffset = getF64(p.ScaleProfitOffset)
	o.ScaleAutoReset = p.GetScaleAutoReset()
	o.ScaleInitPosition = getI32(p.ScaleInitPosition)
	o.ScaleInitFillQty = getI32(p.ScaleInitFillQty)
	o.ScaleRandomPercent = p.GetScaleRandomPercent()
	o.ScaleTable = p.GetScaleTable()
	o.ActiveStartTime, o.ActiveStopTime = p.GetActiveStartTime(), p.GetActiveStopTime()
	o.HedgeType, o.HedgeParam = p.GetHedgeType(), p.GetHedgeParam()
	o.OptOutSmartRouting = p.GetOptOutSmartRouting()
	o.ClearingAccount, o.ClearingIntent = p.GetClearingAccount(), p.GetClearingIntent()
	o.NotHeld = p.GetNotHeld()
	o.AlgoStrategy = p.GetAlgoStrategy()
	o.AlgoParams = tagList(p.GetAlgoParams())
	o.SmartComboRouting = tagList(p.GetSmartComboRoutingParams())
	o.AlgoID = p.GetAlgoId()
	o.WhatIf = p.GetWhatIf()
	o.MiscOptions = miscText(p.GetOrderMiscOptions())
	o.Solicited = p.GetSolicited()
	o.RandomizeSize, o.RandomizePrice = p.GetRandomizeSize(), p.GetRandomizePrice()
	o.ReferenceContractID = int64(p.GetReferenceContractId())
	o.IsPeggedChangeAmountDecrease = p.GetIsPeggedChangeAmountDecrease()
	o.PeggedChangeAmount = p.GetPeggedChangeAmount()
	o.ReferenceChangeAmount = p.GetReferenceChangeAmount()
	o.ReferenceExchangeID = p.GetReferenceExchangeId()
	for _, cp := range p.GetConditions() {
		o.Conditions = append(o.Conditions, conditionFromProto(cp))
	}
	o.ConditionsIgnoreRth, o.ConditionsCancelOrder = p.GetConditionsIgnoreRth(), p.GetConditionsCancelOrder()
	o.AdjustedOrderType = p.GetAdjustedOrderType()
	o.TriggerPrice = getF64(p.TriggerPrice)
	o.LmtPriceOffset = getF64(p.LmtPriceOffset)
	o.AdjustedStopPrice = getF64(p.AdjustedStopPrice)
	o.AdjustedStopLimitPrice = getF64(p.AdjustedStopLimitPrice)
	o.AdjustedTrailingAmount = getF64(p.AdjustedTrailingAmount)
	o.AdjustableTrailingUnit = int64(p.GetAdjustableTrailingUnit())
	o.ExtOperator = p.GetExtOperator()
	if t := p.GetSoftDollarTier(); t != nil {
		o.SoftDollarTierName, o.SoftDollarTierValue = t.GetName(), t.GetValue()
	}
	o.CashQty = getF64(p.CashQty)
	o.Mifid2DecisionMaker, o.Mifid2DecisionAlgo = p.GetMifid2DecisionMaker(), p.GetMifid2DecisionAlgo()
	o.Mifid2ExecutionTrader, o.Mifid2ExecutionAlgo = p.GetMifid2ExecutionTrader(), p.GetMifid2ExecutionAlgo()
	o.DontUseAutoPriceForHedge = p.GetDontUseAutoPriceForHedge()
	o.IsOmsContainer = p.GetIsOmsContainer()
	o.DiscretionaryUpToLimitPrice = p.GetDiscretionaryUpToLimitPrice()
	o.UsePriceMgmtAlgo = getI32(p.UsePriceMgmtAlgo)
	o.Duration = getI32(p.Duration)
	o.PostToAts = getI32(p.PostToAts)
	o.AutoCancelParent = p.GetAutoCancelParent()
	o.AdvancedErrorOverride = p.GetAdvancedErrorOverride()
	o.ManualOrderTime = p.GetManualOrderTime()
	o.MinTradeQty = getI32(p.MinTradeQty)
	o.MinCompeteSize = getI32(p.MinCompeteSize)
	o.CompeteAgainstBestOffset = getF64(p.CompeteAgainstBestOffset)
	o.MidOffsetAtWhole = getF64(p.MidOffsetAtWhole)
	o.MidOffsetAtHalf = getF64(p.MidOffsetAtHalf)
	o.CustomerAccount = p.GetCustomerAccount()
	o.ProfessionalCustomer = p.GetProfessionalCustomer()
	o.IncludeOvernight = p.GetIncludeOvernight()
	o.ManualOrderIndicator = getI32(p.ManualOrderIndicator)
	o.ImbalanceOnly = p.GetImbalanceOnly()
	return o
}

// getExempt reads an exempt code: -1 when absent.
func getExempt(p *int32) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

func tagList(m map[string]string) []engine.TagValue {
	if len(m) == 0 {
		return nil
	}
	// A protobuf map has no order: sorted by tag, so that the same request
	// always gives the same order.
	out := make([]engine.TagValue, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, engine.TagValue{Tag: k, Value: m[k]})
	}
	return out
}

// miscText is order misc options in the text protocol's "tag=value;" form.
func miscText(m map[string]string) string {
	var b strings.Builder
	for _, t := range tagList(m) {
		b.WriteString(t.Tag + "=" + t.Value + ";")
	}
	return b.String()
}

func conditionFromProto(p *protobuf.OrderCondition) engine.OrderCondition {
	return engine.OrderCondition{
		Type: int64(p.GetType()), And: p.GetIsConjunctionConnection(), IsMore: p.GetIsMore(),
		ConID: int64(p.GetConId()), Exchange: p.GetExchange(), Price: p.GetPrice(),
		TriggerMethod: int64(p.GetTriggerMethod()), Time: p.GetTime(), Percent: int64(p.GetPercent()),
		SecType: p.GetSecType(), Symbol: p.GetSymbol(), Volume: int64(p.GetVolume()),
		ChangePercent: p.GetChangePercent(),
	}
}
