package engine

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// estPrice is the price an order is expected to fill at, for the funds
// check and the what-if preview.
func (e *Engine) estPrice(o *simOrder, now time.Time) float64 {
	switch o.typ {
	case "LMT", "STP LMT":
		return o.req.LmtPrice
	case "STP":
		return o.req.AuxPrice
	}
	q := e.cfg.Prices.Quote(o.in, now)
	px := q.Bid
	if o.isBuy() {
		px = q.Ask
	}
	if !(px > 0) {
		px = q.Last
	}
	if !(px > 0) {
		px = q.Close
	}
	return math.Max(px, 0)
}

// marginImpact returns the account before and after o fills in full at
// its estimated price, and the estimated commission.
func (e *Engine) marginImpact(o *simOrder, now time.Time) (before, after acctValues, comm float64) {
	px := e.estPrice(o, now)
	mult := market.MultiplierOf(o.in)
	qty := o.remaining()
	comm = commissionOf(o.in, qty, qty*px*mult)
	before = e.acct.values(e, now, nil)
	hyp := e.acct.clone()
	hyp.apply(o.in, o.isBuy(), qty, px, mult, comm)
	after = hyp.values(e, now, nil)
	return before, after, comm
}

// closesParent reports whether r is a child of an order of client c on the
// opposite side: it closes what its parent opens.
func (e *Engine) closesParent(clientID int64, r OrderRequest) bool {
	if r.ParentID == 0 {
		return false
	}
	p := e.parentOf(orderKey{clientID, r.ParentID})
	return p != nil && !strings.EqualFold(p.req.Action, r.Action)
}

// fundsCheck returns IB's reject reason when the account cannot carry o,
// or "".
func (e *Engine) fundsCheck(o *simOrder, now time.Time) string {
	before, after, _ := e.marginImpact(o, now)
	if after.ewl >= after.initM-1e-6 {
		return ""
	}
	// Orders that reduce the shortfall are accepted.
	if after.initM-after.ewl <= before.initM-before.ewl+1e-6 {
		return ""
	}
	return fmt.Sprintf("YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [%.2f USD] MUST EXCEED THE INITIAL MARGIN [%.2f USD]",
		before.ewl, after.initM)
}

// sendWhatIf answers a what-if order: one openOrder with the preview.
func (e *Engine) sendWhatIf(to Dest, o *simOrder, now time.Time) {
	before, after, comm := e.marginImpact(o, now)
	p := &OrderPreview{
		Margins: Margins{
			InitBefore: Round2(before.initM), MaintBefore: Round2(before.maintM), EquityWithLoanBefore: Round2(before.ewl),
			InitChange: Round2(after.initM - before.initM), MaintChange: Round2(after.maintM - before.maintM),
			EquityWithLoanChange: Round2(after.ewl - before.ewl),
			InitAfter:            Round2(after.initM), MaintAfter: Round2(after.maintM), EquityWithLoanAfter: Round2(after.ewl),
		},
		MarginCurrency:     "USD",
		Commission:         comm,
		MinCommission:      UnsetFloat,
		MaxCommission:      UnsetFloat,
		CommissionCurrency: "USD",
	}
	v := e.view(o)
	v.Status = stPreSubmitted
	v.WhatIf = true
	v.Preview = p
	if reason := e.fundsCheck(o, now); reason != "" {
		v.WarningText = reason
	}
	e.emit(to, OpenOrder{v})
}

// Round2 rounds to the cent.
func Round2(v float64) float64 { return math.Round(v*100) / 100 }
