package ibsim

import (
	"math"
)

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
