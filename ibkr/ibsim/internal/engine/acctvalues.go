package engine

import (
	"math"
	"strconv"
	"strings"
)

// money formats an account value as IB does: two decimals.
func money(v float64) string {
	s := strconv.FormatFloat(Round2(v), 'f', 2, 64)
	if s == "-0.00" {
		s = "0.00"
	}
	return s
}

// acctField is one account value with its currency.
type acctField struct {
	key, value, currency string
}

// summaryTags are the account summary tags, in IB's order.
var summaryTags = []string{
	"AccountType", "NetLiquidation", "TotalCashValue", "SettledCash", "AccruedCash", "BuyingPower",
	"EquityWithLoanValue", "PreviousEquityWithLoanValue", "GrossPositionValue", "ReqTEquity", "ReqTMargin",
	"SMA", "InitMarginReq", "MaintMarginReq", "AvailableFunds", "ExcessLiquidity", "Cushion",
	"FullInitMarginReq", "FullMaintMarginReq", "FullAvailableFunds", "FullExcessLiquidity",
	"LookAheadNextChange", "LookAheadInitMarginReq", "LookAheadMaintMarginReq", "LookAheadAvailableFunds",
	"LookAheadExcessLiquidity", "HighestSeverity", "DayTradesRemaining", "Leverage",
}

// ledgerTags are the $LEDGER tags, per currency.
var ledgerTags = []string{
	"CashBalance", "TotalCashBalance", "AccruedCash", "StockMarketValue", "OptionMarketValue",
	"FutureOptionValue", "FuturesPNL", "NetLiquidationByCurrency", "UnrealizedPnL", "RealizedPnL",
	"ExchangeRate", "FundValue", "NetDividend", "MutualFundValue", "MoneyMarketFundValue",
	"CorporateBondValue", "TBondValue", "TBillValue", "WarrantValue", "FxCashBalance", "AccountOrGroup",
	"RealCurrency", "IssuerOptionValue",
}

// summaryValue returns one account summary tag's value and currency.
func (a *account) summaryValue(v acctValues, tag string) (string, string, bool) {
	switch tag {
	case "AccountType":
		return "INDIVIDUAL", "", true
	case "NetLiquidation":
		return money(v.netLiq), "USD", true
	case "TotalCashValue", "SettledCash":
		return money(v.cash), "USD", true
	case "AccruedCash":
		return money(0), "USD", true
	case "BuyingPower":
		return money(v.buyingPower), "USD", true
	case "EquityWithLoanValue", "PreviousEquityWithLoanValue", "ReqTEquity":
		return money(v.ewl), "USD", true
	case "GrossPositionValue":
		return money(v.gpv), "USD", true
	case "ReqTMargin", "InitMarginReq", "FullInitMarginReq", "LookAheadInitMarginReq":
		return money(v.initM), "USD", true
	case "SMA":
		return money(math.Max(v.avail, 0)), "USD", true
	case "MaintMarginReq", "FullMaintMarginReq", "LookAheadMaintMarginReq":
		return money(v.maintM), "USD", true
	case "AvailableFunds", "FullAvailableFunds", "LookAheadAvailableFunds":
		return money(v.avail), "USD", true
	case "ExcessLiquidity", "FullExcessLiquidity", "LookAheadExcessLiquidity":
		return money(v.excess), "USD", true
	case "Cushion":
		return ratio(v.excess, v.netLiq), "", true
	case "Leverage":
		return ratio(v.gpv, v.netLiq), "", true
	case "LookAheadNextChange", "HighestSeverity":
		return "0", "", true
	case "DayTradesRemaining":
		return "-1", "", true
	}
	return "", "", false
}

func ratio(a, b float64) string {
	if b == 0 {
		return "0"
	}
	return strconv.FormatFloat(math.Round(a/b*1e6)/1e6, 'f', -1, 64)
}

// ledgerValue returns one $LEDGER tag's value for the account's only
// currency.
func (a *account) ledgerValue(v acctValues, tag string) string {
	switch tag {
	case "CashBalance", "TotalCashBalance":
		return money(v.cash)
	case "StockMarketValue":
		return money(v.stockMV)
	case "OptionMarketValue":
		return money(v.optMV)
	case "NetLiquidationByCurrency":
		return money(v.netLiq)
	case "UnrealizedPnL":
		return money(v.unreal)
	case "RealizedPnL":
		return money(v.realized)
	case "ExchangeRate":
		return "1.00"
	case "AccountOrGroup":
		return a.id
	case "RealCurrency":
		return "USD"
	}
	return money(0)
}

// accountFields are the values reqAccountUpdates reports, in order.
func (a *account) accountFields(v acctValues) []acctField {
	out := []acctField{
		{"AccountCode", a.id, ""},
		{"AccountReady", "true", ""},
		{"AccountType", "INDIVIDUAL", ""},
		{"Currency", "USD", "USD"},
		{"Currency", "USD", "BASE"},
	}
	for _, tag := range summaryTags[1:] {
		val, cur, _ := a.summaryValue(v, tag)
		out = append(out, acctField{tag, val, cur})
	}
	for _, cur := range []string{"BASE", "USD"} {
		for _, tag := range ledgerTags {
			if tag == "AccountOrGroup" || tag == "RealCurrency" {
				continue
			}
			out = append(out, acctField{tag, a.ledgerValue(v, tag), cur})
		}
	}
	return out
}

// accountValueOf is one account value as reported.
func (e *Engine) accountValueOf(f acctField) AccountValue {
	return AccountValue{Key: f.key, Value: f.value, Currency: f.currency, Account: e.acct.id}
}

// portfolioOf is one holding as updatePortfolio reports it.
func (e *Engine) portfolioOf(p *position, pv posValue) PortfolioValue {
	return PortfolioValue{
		In:       p.in,
		Qty:      p.qty,
		Mark:     roundTo(pv.mark, 8),
		Value:    Round2(pv.value),
		AvgCost:  roundTo(p.avgCost, 8),
		Unreal:   Round2(pv.unreal),
		Realized: Round2(p.realized),
		Account:  e.acct.id,
	}
}

// portKey is what a portfolioValue of one holding reports that can
// change; an update is sent only when it differs from the last one.
type portKey [6]uint64

func (v PortfolioValue) key() portKey {
	b := math.Float64bits
	return portKey{b(v.Qty), b(v.Mark), b(v.Value), b(v.AvgCost), b(v.Unreal), b(v.Realized)}
}

// positionOf is one holding as position reports it.
func (e *Engine) positionOf(p *position) PositionData {
	return PositionData{Account: e.acct.id, In: p.in, Qty: p.qty, AvgCost: roundTo(p.avgCost, 8)}
}

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// summaryItems parses the tags of reqAccountSummary.
func summaryItems(tags string) []summaryItem {
	var out []summaryItem
	seen := map[summaryItem]bool{}
	add := func(it summaryItem) {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	for _, t := range strings.Split(tags, ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case strings.EqualFold(t, "All"):
			for _, tag := range summaryTags {
				add(summaryItem{tag: tag})
			}
		case strings.HasPrefix(strings.ToUpper(t), "$LEDGER"):
			cur := "BASE"
			if _, sfx, ok := strings.Cut(t, ":"); ok {
				cur = strings.ToUpper(sfx)
			}
			curs := []string{cur}
			if cur == "ALL" {
				curs = []string{"BASE", "USD"}
			} else if cur != "BASE" && cur != "USD" {
				continue
			}
			for _, c := range curs {
				for _, tag := range ledgerTags {
					add(summaryItem{tag: tag, ledgerCur: c})
				}
			}
		default:
			for _, tag := range summaryTags {
				if strings.EqualFold(tag, t) {
					add(summaryItem{tag: tag})
				}
			}
		}
	}
	return out
}

// summaryRow returns the value and currency of one summary item.
func (a *account) summaryRow(v acctValues, it summaryItem) (string, string) {
	if it.ledgerCur != "" {
		return a.ledgerValue(v, it.tag), it.ledgerCur
	}
	val, cur, _ := a.summaryValue(v, it.tag)
	return val, cur
}
