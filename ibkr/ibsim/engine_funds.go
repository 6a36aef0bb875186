package ibsim

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// estPrice is the price an order is expected to fill at, for the funds
// check and the what-if preview.
func (e *engine) estPrice(o *simOrder, now time.Time) float64 {
	switch o.typ {
	case "LMT", "STP LMT":
		return o.req.lmtPrice
	case "STP":
		return o.req.auxPrice
	}
	q := e.cfg.prices.quote(o.in, now)
	px := q.bid
	if o.isBuy() {
		px = q.ask
	}
	if !(px > 0) {
		px = q.last
	}
	if !(px > 0) {
		px = q.close
	}
	return math.Max(px, 0)
}

// marginImpact returns the account before and after o fills in full at
// its estimated price, and the estimated commission.
func (e *engine) marginImpact(o *simOrder, now time.Time) (before, after acctValues, comm float64) {
	px := e.estPrice(o, now)
	mult := multiplierOf(o.in)
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
func (e *engine) closesParent(clientID int64, r orderRequest) bool {
	if r.parentID == 0 {
		return false
	}
	p := e.parentOf(orderKey{clientID, r.parentID})
	return p != nil && !strings.EqualFold(p.req.action, r.action)
}

// fundsCheck returns IB's reject reason when the account cannot carry o,
// or "".
func (e *engine) fundsCheck(o *simOrder, now time.Time) string {
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
func (e *engine) sendWhatIf(to dest, o *simOrder, now time.Time) {
	before, after, comm := e.marginImpact(o, now)
	p := &orderPreview{
		margins: orderMargins{
			initBefore: round2(before.initM), maintBefore: round2(before.maintM), equityWithLoanBefore: round2(before.ewl),
			initChange: round2(after.initM - before.initM), maintChange: round2(after.maintM - before.maintM),
			equityWithLoanChange: round2(after.ewl - before.ewl),
			initAfter:            round2(after.initM), maintAfter: round2(after.maintM), equityWithLoanAfter: round2(after.ewl),
		},
		marginCurrency:     "USD",
		commission:         comm,
		minCommission:      unsetFloat,
		maxCommission:      unsetFloat,
		commissionCurrency: "USD",
	}
	v := e.view(o)
	v.status = stPreSubmitted
	v.whatIf = true
	v.preview = p
	if reason := e.fundsCheck(o, now); reason != "" {
		v.warningText = reason
	}
	e.emit(to, openOrder{v})
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
