package wire

import (
	"math"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
)

// writeCondition writes one order condition as readCondition reads it.
func writeCondition(m *Msg, c engine.OrderCondition) {
	m.Int(c.Type)
	if c.And {
		m.Str("a")
	} else {
		m.Str("o")
	}
	switch c.Type {
	case engine.CondPrice:
		m.bool(c.IsMore).Float(c.Price).Int(c.ConID).Str(c.Exchange).Int(c.TriggerMethod)
	case engine.CondTime:
		m.bool(c.IsMore).Str(c.Time)
	case engine.CondMargin:
		m.bool(c.IsMore).Int(c.Percent)
	case engine.CondExecution:
		m.Str(c.SecType).Str(c.Exchange).Str(c.Symbol)
	case engine.CondVolume:
		m.bool(c.IsMore).Int(c.Volume).Int(c.ConID).Str(c.Exchange)
	case engine.CondPercentChange:
		m.bool(c.IsMore).Float(c.ChangePercent).Int(c.ConID).Str(c.Exchange)
	}
}

// putMaxText writes a double the client reads without unset handling:
// unset as Double.MAX_VALUE text, +Inf as "Infinity".
func putMaxText(m *Msg, v float64) {
	switch {
	case v == engine.UnsetFloat || math.IsNaN(v):
		m.Str(maxDoubleText)
	case math.IsInf(v, 1):
		m.Str("Infinity")
	case math.IsInf(v, -1):
		m.Str("-Infinity")
	default:
		m.Float(v)
	}
}

// putShowUnset writes a double the client reads with unset handling: ""
// for unset, "Infinity" for +Inf (PEG BEST "up to mid").
func putShowUnset(m *Msg, v float64) {
	switch {
	case math.IsInf(v, 1):
		m.Str("Infinity")
	case math.IsInf(v, -1):
		m.Str("-Infinity")
	default:
		m.maxFloat(v)
	}
}

// putQuantity writes a decimal quantity; unset as "".
func putQuantity(m *Msg, v float64) {
	if v == engine.UnsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		m.Str("")
		return
	}
	m.Decimal(v)
}

// writeOrderContract writes the 11 contract fields of openOrder and
// completedOrder (no primary exchange).
func writeOrderContract(m *Msg, c engine.OrderContract) {
	m.Int(c.ConID).Str(c.Symbol).Str(c.SecType).Str(c.Expiry).Float(c.Strike).
		Str(c.Right).Str(c.Multiplier).Str(c.Exchange).Str(c.Currency).
		Str(c.LocalSymbol).Str(c.TradingClass)
}

// writeOrderComboLegs writes comboLegsDescrip, the combo legs, and the
// per-leg prices.
func writeOrderComboLegs(m *Msg, o *engine.OrderView) {
	m.Str(o.ComboLegsDescripOut())
	m.Int(int64(len(o.ComboLegs)))
	for _, l := range o.ComboLegs {
		m.Int(l.ConID).Int(l.Ratio).Str(l.Action).Str(l.Exchange).Int(l.OpenClose).
			Int(l.ShortSaleSlot).Str(l.DesignatedLocation).Int(l.ExemptCode)
	}
	m.Int(int64(len(o.OrderComboLegPrices)))
	for _, p := range o.OrderComboLegPrices {
		putShowUnset(m, p)
	}
}

func writeOrderTags(m *Msg, tags []engine.TagValue) {
	m.Int(int64(len(tags)))
	for _, t := range tags {
		m.Str(t.Tag).Str(t.Value)
	}
}

// writeScale writes the scale order fields.
func writeScale(m *Msg, o *engine.OrderView) {
	m.maxInt(o.ScaleInitLevelSize).maxInt(o.ScaleSubsLevelSize)
	putShowUnset(m, o.ScalePriceIncrement)
	if o.ScalePriceIncrement != engine.UnsetFloat && o.ScalePriceIncrement > 0 {
		putShowUnset(m, o.ScalePriceAdjustValue)
		m.maxInt(o.ScalePriceAdjustInterval)
		putShowUnset(m, o.ScaleProfitOffset)
		m.bool(o.ScaleAutoReset).maxInt(o.ScaleInitPosition).maxInt(o.ScaleInitFillQty).
			bool(o.ScaleRandomPercent)
	}
}

// writeDeltaNeutralContract writes the delta-neutral contract flag and
// fields.
func writeDeltaNeutralContract(m *Msg, o *engine.OrderView) {
	if d := o.DeltaNeutralContract; d != nil {
		m.bool(true).Int(d.ConID).Float(d.Delta).Float(d.Price)
	} else {
		m.bool(false)
	}
}

// writeAlgo writes the algo strategy and, if set, its params.
func writeAlgo(m *Msg, o *engine.OrderView) {
	m.Str(o.AlgoStrategy)
	if o.AlgoStrategy != "" {
		writeOrderTags(m, o.AlgoParams)
	}
}

// writePegBenchAndConditions writes the PEG BENCH fields (for that order
// type) and the conditions (version >= 102 only; the caller checks).
func writePegBenchAndConditions(m *Msg, o *engine.OrderView) {
	if o.OrderType == "PEG BENCH" {
		m.Int(o.ReferenceContractID).bool(o.IsPeggedChangeAmountDecrease)
		putMaxText(m, o.PeggedChangeAmount)
		putMaxText(m, o.ReferenceChangeAmount)
		m.Str(o.ReferenceExchangeID)
	}
	m.Int(int64(len(o.Conditions)))
	for _, c := range o.Conditions {
		writeCondition(m, c)
	}
	if len(o.Conditions) > 0 {
		m.bool(o.ConditionsIgnoreRth).bool(o.ConditionsCancelOrder)
	}
}

// writePegBestPegMid writes the five PEG BEST / PEG MID attributes.
func writePegBestPegMid(m *Msg, o *engine.OrderView) {
	m.maxInt(o.MinTradeQty).maxInt(o.MinCompeteSize)
	putShowUnset(m, o.CompeteAgainstBestOffset)
	putShowUnset(m, o.MidOffsetAtWhole)
	putShowUnset(m, o.MidOffsetAtHalf)
}

// putMargin writes a margin figure (a string in the client's OrderState):
// unset as Double.MAX_VALUE text, as TWS does.
func putMargin(m *Msg, v float64) {
	if v == engine.UnsetFloat || math.IsNaN(v) || math.IsInf(v, 0) {
		m.Str(maxDoubleText)
		return
	}
	m.Float(v)
}
