package ibsim

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// The paper account: one account (Config.Account) in USD that starts with
// $1,000,000 of cash, as a fresh IB paper account does, and changes only
// with fills. All values are derived from the fills and the market model's
// quotes at the market clock:
//
//   - positions carry IB's average cost: per share for stocks, per contract
//     for options (price times the multiplier), commissions included; a
//     short position's average cost is its proceeds net of commissions per
//     unit. Positions closed during the day are reported with quantity 0
//     until the next day, as IB does.
//   - mark price: the mid of bid and ask when both are quoted, else the
//     last price, else the previous close.
//   - TotalCashValue (= CashBalance) is cash after every fill and
//     commission; StockMarketValue and OptionMarketValue are quantity times
//     mark (times multiplier); NetLiquidation is cash plus both;
//     GrossPositionValue is the sum of the absolute position values.
//   - EquityWithLoanValue is cash plus the stock market value: options have
//     no loan value (a long option's premium leaves the cash and is not
//     counted back).
//   - Margin (Reg T style, documented simplification of IB's rules): long
//     stock 50% initial and 25% maintenance, short stock 50% and 30%; long
//     options need no margin (they are paid in full); a short option needs
//     its mark value plus the greater of 20% of the underlying's value less
//     the amount it is out of the money and 10% of the underlying's value
//     (of the strike for a put), times the multiplier, for both initial and
//     maintenance.
//   - AvailableFunds = EquityWithLoanValue - InitMarginReq, ExcessLiquidity
//     = EquityWithLoanValue - MaintMarginReq, BuyingPower = 4 x
//     AvailableFunds (a margin account), Cushion = ExcessLiquidity /
//     NetLiquidation, Leverage = GrossPositionValue / NetLiquidation.
//   - UnrealizedPnL is the sum over positions of (mark x multiplier -
//     average cost) x quantity; RealizedPnL is what closing fills realized
//     today (commissions included). Daily PnL (reqPnL) is today's realized
//     PnL plus the change of unrealized PnL since the day began (positions
//     valued at the previous close).
//
// Updates. Position subscribers (reqPositions) get a position message for
// each change at once. reqAccountUpdates subscribers get portfolioValue for
// the changed position, the changed account values and accountUpdateTime at
// once after a fill, and every 3 minutes of market time the values that
// moved with the market. Account summary subscriptions are answered in full
// (then accountSummaryEnd) and afterwards get the tags whose values changed
// every 3 minutes of market time, as the real Gateway does. reqPnL
// subscribers get pnl at once and then whenever a value changes by a cent
// or more, checked at every market step.

// startingCash is a fresh paper account's cash.
const startingCash = 1_000_000

// acctPushEvery is the interval of account value and summary updates.
const acctPushEvery = 3 * time.Minute

// position is one holding.
type position struct {
	in       *instrument
	qty      float64
	avgCost  float64 // per unit, multiplier and commissions included
	realized float64 // realized today
	seq      int
}

// account is the account state; engine.mu guards it.
type account struct {
	id        string
	cash      float64
	realized  float64 // realized today
	positions map[int64]*position
	nextSeq   int
	day       string  // New York date of the last rollover
	dayBase   float64 // unrealized PnL at the previous close when the day began
}

func newAccount(id string) *account {
	return &account{id: id, cash: startingCash, positions: make(map[int64]*position)}
}

// clone returns a copy for hypothetical fills.
func (a *account) clone() *account {
	b := *a
	b.positions = make(map[int64]*position, len(a.positions))
	for k, p := range a.positions {
		cp := *p
		b.positions[k] = &cp
	}
	return &b
}

// sorted returns the positions in the order they were first taken.
func (a *account) sorted() []*position {
	out := make([]*position, 0, len(a.positions))
	for _, p := range a.positions {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// rollover starts a new day: today's realized PnL is reset, positions
// closed on earlier days are dropped, and the daily PnL base is taken at
// the previous close.
func (a *account) rollover(e *engine, now time.Time) {
	day := now.In(newYork).Format("20060102")
	if day == a.day {
		return
	}
	first := a.day == ""
	a.day = day
	if first {
		return
	}
	a.realized = 0
	a.dayBase = 0
	e.settleExpired(day, now)
	for k, p := range a.positions {
		p.realized = 0
		if math.Abs(p.qty) <= qtyEps {
			delete(a.positions, k)
			continue
		}
		q := e.cfg.prices.quote(p.in, now)
		ref := q.close
		if !(ref > 0) {
			ref = markOf(q)
		}
		a.dayBase += (ref*multiplierOf(p.in) - p.avgCost) * p.qty
	}
}

// settleExpired settles the option positions whose expiry is before day,
// as OCC settles US equity options: in the money by at least $0.01 at the
// expiry close, a long position is exercised and a short one assigned
// (100 shares a contract at the strike); otherwise it expires worthless.
// The option leaves the account at a price of zero, so its premium is
// realized, and the stock is booked at the strike: together they carry the
// exercise's profit or loss. The caller holds e.mu.
func (e *engine) settleExpired(day string, now time.Time) {
	a := e.acct
	for _, p := range a.sorted() {
		in := p.in
		if !in.isOption() || in.expiry >= day || math.Abs(p.qty) <= qtyEps {
			continue
		}
		und := e.cfg.ref.byConID(in.underConID, now)
		intrinsic := 0.0
		if und != nil {
			s := e.cfg.prices.quote(und, expiryClose(in.expiry)).last
			if in.right == "C" {
				intrinsic = s - in.strike
			} else {
				intrinsic = in.strike - s
			}
		}
		mult := multiplierOf(in)
		long := p.qty > 0
		contracts := math.Abs(p.qty)
		a.apply(in, !long, contracts, 0, mult, 0)
		e.positionChanged(in, now)
		if intrinsic < 0.01-1e-9 || und == nil {
			continue
		}
		// Long call or short put: shares bought at the strike; long put or
		// short call: shares sold at the strike.
		buyShares := (in.right == "C") == long
		a.apply(und, buyShares, contracts*mult, in.strike, 1, 0)
		e.positionChanged(und, now)
	}
}

// expiryClose is the close of an option's last trading day (13:00 on an
// early-close day).
func expiryClose(expiry string) time.Time {
	d, err := time.ParseInLocation("20060102", expiry, newYork)
	if err != nil {
		return time.Time{}
	}
	if s, ok := sched.NYSE().Session(d); ok {
		return s.Close.Add(-time.Second)
	}
	return d.Add(16 * time.Hour)
}

// apply books a fill: qty of in bought (buy) or sold at px with commission
// comm. It returns the PnL realized by the part that closed a position,
// and whether any part did.
func (a *account) apply(in *instrument, buy bool, qty, px, mult, comm float64) (float64, bool) {
	p := a.positions[in.conID]
	if p == nil {
		a.nextSeq++
		p = &position{in: in, seq: a.nextSeq}
		a.positions[in.conID] = p
	}
	signed := qty
	if !buy {
		signed = -qty
	}
	a.cash -= signed*px*mult + comm

	var realized float64
	closed := false
	closeQty := 0.0
	if p.qty > qtyEps && !buy || p.qty < -qtyEps && buy {
		closeQty = math.Min(qty, math.Abs(p.qty))
	}
	if closeQty > 0 {
		closed = true
		commClose := comm * closeQty / qty
		if p.qty > 0 { // selling a long position
			realized = (px*mult-p.avgCost)*closeQty - commClose
			p.qty -= closeQty
		} else { // buying back a short position
			realized = (p.avgCost-px*mult)*closeQty - commClose
			p.qty += closeQty
		}
		a.realized += realized
		p.realized += realized
		comm -= commClose
		qty -= closeQty
		if math.Abs(p.qty) <= qtyEps {
			p.qty = 0
			p.avgCost = 0
		}
	}
	if qty > qtyEps {
		// Opening or adding: the average cost takes the commission in
		// (added to a long's cost, taken from a short's proceeds).
		old := math.Abs(p.qty) * p.avgCost
		var add float64
		if buy {
			add = qty*px*mult + comm
			p.qty += qty
		} else {
			add = qty*px*mult - comm
			p.qty -= qty
		}
		p.avgCost = (old + add) / math.Abs(p.qty)
	}
	return realized, closed
}

// markOf is the mark price of a quote.
func markOf(q quote) float64 {
	if q.bid > 0 && q.ask > 0 {
		return (q.bid + q.ask) / 2
	}
	if q.last > 0 {
		return q.last
	}
	return math.Max(q.close, 0)
}

// acctValues is the account at one instant.
type acctValues struct {
	cash, stockMV, optMV, netLiq, gpv, ewl    float64
	initM, maintM, avail, excess, buyingPower float64
	unreal, realized, daily                   float64
}

// posValue is one position at one instant.
type posValue struct {
	mark, value, unreal float64
}

// positionValue values one position.
func (e *engine) positionValue(p *position, now time.Time) posValue {
	q := e.cfg.prices.quote(p.in, now)
	m := markOf(q)
	mult := multiplierOf(p.in)
	v := p.qty * m * mult
	return posValue{mark: m, value: v, unreal: v - p.qty*p.avgCost}
}

// values computes the account's values at now. marks, when not nil,
// receives each position's valuation by conId.
func (a *account) values(e *engine, now time.Time, marks map[int64]posValue) acctValues {
	v := acctValues{cash: a.cash, realized: a.realized}
	for _, p := range a.sorted() {
		if p.qty == 0 {
			if marks != nil {
				marks[p.in.conID] = e.positionValue(p, now)
			}
			continue
		}
		pv := e.positionValue(p, now)
		if marks != nil {
			marks[p.in.conID] = pv
		}
		v.unreal += pv.unreal
		v.gpv += math.Abs(pv.value)
		if p.in.isOption() {
			v.optMV += pv.value
			if p.qty < 0 {
				m := e.shortOptionMargin(p, pv, now)
				v.initM += m
				v.maintM += m
			}
			continue
		}
		v.stockMV += pv.value
		if p.qty > 0 {
			v.initM += 0.5 * pv.value
			v.maintM += 0.25 * pv.value
		} else {
			v.initM += 0.5 * -pv.value
			v.maintM += 0.3 * -pv.value
		}
	}
	v.netLiq = v.cash + v.stockMV + v.optMV
	v.ewl = v.cash + v.stockMV
	v.avail = v.ewl - v.initM
	v.excess = v.ewl - v.maintM
	v.buyingPower = math.Max(4*v.avail, 0)
	v.daily = v.realized + v.unreal - a.dayBase
	return v
}

// shortOptionMargin is the requirement of a short option position.
func (e *engine) shortOptionMargin(p *position, pv posValue, now time.Time) float64 {
	in := p.in
	mult := multiplierOf(in)
	n := math.Abs(p.qty)
	var s float64
	if u := e.cfg.ref.byConID(in.underConID, now); u != nil {
		s = markOf(e.cfg.prices.quote(u, now))
	}
	var otm, floor float64
	if isPut(in) {
		otm = math.Max(s-in.strike, 0)
		floor = 0.10 * in.strike
	} else {
		otm = math.Max(in.strike-s, 0)
		floor = 0.10 * s
	}
	per := pv.mark + math.Max(0.20*s-otm, floor)
	return per * mult * n
}

// ---- account messages ----

// money formats an account value as IB does: two decimals.
func money(v float64) string {
	s := strconv.FormatFloat(round2(v), 'f', 2, 64)
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
func (e *engine) accountValueOf(f acctField) accountValue {
	return accountValue{key: f.key, value: f.value, currency: f.currency, account: e.acct.id}
}

// portfolioOf is one holding as updatePortfolio reports it.
func (e *engine) portfolioOf(p *position, pv posValue) portfolioValue {
	return portfolioValue{
		in:       p.in,
		qty:      p.qty,
		mark:     roundTo(pv.mark, 8),
		value:    round2(pv.value),
		avgCost:  roundTo(p.avgCost, 8),
		unreal:   round2(pv.unreal),
		realized: round2(p.realized),
		account:  e.acct.id,
	}
}

// portKey is what a portfolioValue of one holding reports that can
// change; an update is sent only when it differs from the last one.
type portKey [6]uint64

func (v portfolioValue) key() portKey {
	b := math.Float64bits
	return portKey{b(v.qty), b(v.mark), b(v.value), b(v.avgCost), b(v.unreal), b(v.realized)}
}

// positionOf is one holding as position reports it.
func (e *engine) positionOf(p *position) positionData {
	return positionData{account: e.acct.id, in: p.in, qty: p.qty, avgCost: roundTo(p.avgCost, 8)}
}

func roundTo(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// ---- subscriptions ----

type acctSub struct {
	last     map[string]string // key|currency -> value sent
	port     map[int64]portKey // conId -> portfolio figures sent
	lastPush time.Time
}

type summarySub struct {
	tags     []summaryItem
	last     map[string]string
	lastPush time.Time
}

// summaryItem is one requested tag: an account tag, or a ledger tag in a
// currency ("USD" or "BASE").
type summaryItem struct {
	tag, ledgerCur string
}

type pnlSub struct {
	last [3]float64
	sent bool
}

// subscriptions are the account subscriptions, by connection.
type subscriptions struct {
	positions map[int64]bool
	acct      map[int64]*acctSub
	summary   map[int64]map[int64]*summarySub
	pnl       map[int64]map[int64]*pnlSub
}

func newSubscriptions() subscriptions {
	return subscriptions{
		positions: make(map[int64]bool),
		acct:      make(map[int64]*acctSub),
		summary:   make(map[int64]map[int64]*summarySub),
		pnl:       make(map[int64]map[int64]*pnlSub),
	}
}

// purge drops the subscriptions of connections that cannot receive
// events any more.
func (s *subscriptions) purge(live func(conn int64) bool) {
	for c := range s.positions {
		if !live(c) {
			delete(s.positions, c)
		}
	}
	for c := range s.acct {
		if !live(c) {
			delete(s.acct, c)
		}
	}
	for c := range s.summary {
		if !live(c) {
			delete(s.summary, c)
		}
	}
	for c := range s.pnl {
		if !live(c) {
			delete(s.pnl, c)
		}
	}
}

// sortedConns returns the keys of a subscription map in connection
// order, so that pushes are deterministic.
func sortedConns[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// toConn addresses an event to a connection.
func toConn(conn int64) dest { return dest{conn: conn} }

// positionChanged notifies subscribers of a position change after a fill.
func (e *engine) positionChanged(in *instrument, now time.Time) {
	e.subs.purge(e.cfg.sink.live)
	p := e.acct.positions[in.conID]
	if p == nil {
		return
	}
	for _, c := range sortedConns(e.subs.positions) {
		e.emit(toConn(c), e.positionOf(p))
	}
	if len(e.subs.acct) > 0 {
		marks := make(map[int64]posValue)
		v := e.acct.values(e, now, marks)
		for _, c := range sortedConns(e.subs.acct) {
			e.pushAccount(c, e.subs.acct[c], v, marks, now, in.conID)
		}
	}
	e.pushPnL(now)
}

// pushAccount sends an account-updates subscriber the changed values, the
// portfolio of position conID (0: every changed position) and the time.
func (e *engine) pushAccount(c int64, s *acctSub, v acctValues, marks map[int64]posValue, now time.Time, conID int64) {
	sent := false
	for _, f := range e.acct.accountFields(v) {
		k := f.key + "|" + f.currency
		if s.last[k] == f.value {
			continue
		}
		s.last[k] = f.value
		e.emit(toConn(c), e.accountValueOf(f))
		sent = true
	}
	for _, p := range e.acct.sorted() {
		if conID != 0 && p.in.conID != conID {
			continue
		}
		pv := e.portfolioOf(p, marks[p.in.conID])
		key := pv.key()
		if k, ok := s.port[p.in.conID]; ok && k == key {
			continue
		}
		s.port[p.in.conID] = key
		e.emit(toConn(c), pv)
		sent = true
	}
	if sent {
		e.emit(toConn(c), accountUpdateTime{time: now.In(newYork).Format("15:04")})
	}
	s.lastPush = now
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

// pushSummary sends a summary subscription the tags that changed (all of
// them the first time, followed by accountSummaryEnd).
func (e *engine) pushSummary(c int64, reqID int64, s *summarySub, v acctValues, now time.Time, first bool) {
	for _, it := range s.tags {
		val, cur := e.acct.summaryRow(v, it)
		k := it.tag + "|" + it.ledgerCur
		if !first && s.last[k] == val {
			continue
		}
		s.last[k] = val
		e.emit(toConn(c), accountSummary{reqID: reqID, account: e.acct.id, tag: it.tag, value: val, currency: cur})
	}
	if first {
		e.emit(toConn(c), accountSummaryEnd{reqID: reqID})
	}
	s.lastPush = now
}

// pushPnL sends pnl to subscribers whose values changed by a cent.
func (e *engine) pushPnL(now time.Time) {
	if len(e.subs.pnl) == 0 {
		return
	}
	v := e.acct.values(e, now, nil)
	cur := [3]float64{round2(v.daily), round2(v.unreal), round2(v.realized)}
	for _, c := range sortedConns(e.subs.pnl) {
		subs := e.subs.pnl[c]
		ids := make([]int64, 0, len(subs))
		for id := range subs {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			s := subs[id]
			if s.sent && s.last == cur {
				continue
			}
			s.last, s.sent = cur, true
			e.emit(toConn(c), pnl{reqID: id, daily: cur[0], unrealized: cur[1], realized: cur[2]})
		}
	}
}

// pushPeriodic runs at every market step: pnl on change, account values
// and summaries every acctPushEvery.
func (e *engine) pushPeriodic(now time.Time) {
	e.subs.purge(e.cfg.sink.live)
	e.pushPnL(now)
	due := func(last time.Time) bool { return now.Sub(last) >= acctPushEvery || now.Before(last) }
	var v acctValues
	var marks map[int64]posValue
	computed := false
	compute := func() {
		if !computed {
			marks = make(map[int64]posValue)
			v = e.acct.values(e, now, marks)
			computed = true
		}
	}
	for _, c := range sortedConns(e.subs.acct) {
		s := e.subs.acct[c]
		if due(s.lastPush) {
			compute()
			e.pushAccount(c, s, v, marks, now, 0)
		}
	}
	for _, c := range sortedConns(e.subs.summary) {
		subs := e.subs.summary[c]
		ids := make([]int64, 0, len(subs))
		for id := range subs {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			if s := subs[id]; due(s.lastPush) {
				compute()
				e.pushSummary(c, id, s, v, now, false)
			}
		}
	}
}

// ---- request handlers ----

// handleReqAccountUpdates: reqAccountUpdates (6): [1]version [2]subscribe
// [3]acctCode. Subscribing sends every account value, portfolioValue per
// position, accountUpdateTime and accountDownloadEnd.
func handleReqAccountUpdates(c *client, f *fields) error {
	f.int("version")
	sub := f.bool("subscribe")
	f.optStr()
	if f.err != nil {
		return f.err
	}
	c.srv.engine.accountUpdates(c.origin(), sub)
	return nil
}

// accountUpdates subscribes the requester to account updates (every
// account value, portfolioValue per position, accountUpdateTime and
// accountDownloadEnd at once) or, with !subscribe, ends the subscription.
func (e *engine) accountUpdates(from origin, subscribe bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !subscribe {
		delete(e.subs.acct, from.conn)
		return
	}
	now := e.now()
	e.acct.rollover(e, now)
	s := &acctSub{last: map[string]string{}, port: map[int64]portKey{}}
	e.subs.acct[from.conn] = s
	marks := make(map[int64]posValue)
	v := e.acct.values(e, now, marks)
	e.pushAccount(from.conn, s, v, marks, now, 0)
	e.emit(from.reply(), accountUpdateTime{time: now.In(newYork).Format("15:04")})
	e.emit(from.reply(), accountDownloadEnd{account: e.acct.id})
}

// handleReqAccountSummary: reqAccountSummary (62): [1]version [2]reqId
// [3]group [4]tags. At most Config.Limits.MaxAccountSummary subscriptions
// per connection at once; one more gets 322.
func handleReqAccountSummary(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	f.reqID = reqID
	f.str("group")
	tags := f.str("tags")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.accountSummary(c.origin(), reqID, tags)
	return nil
}

// accountSummary subscribes the requester to the summary tags: all of
// them at once, then accountSummaryEnd, then what changes. A connection
// holding maxAccountSummary subscriptions gets 322 instead.
func (e *engine) accountSummary(from origin, reqID int64, tags string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	subs := e.subs.summary[from.conn]
	if subs == nil {
		subs = make(map[int64]*summarySub)
		e.subs.summary[from.conn] = subs
	}
	if _, dup := subs[reqID]; !dup && len(subs) >= e.cfg.maxAccountSummary {
		e.sendError(from.reply(), reqID, 322, "Maximum number of account summary requests exceeded; desubscribe to previous request first")
		return
	}
	now := e.now()
	e.acct.rollover(e, now)
	s := &summarySub{tags: summaryItems(tags), last: map[string]string{}}
	subs[reqID] = s
	e.pushSummary(from.conn, reqID, s, e.acct.values(e, now, nil), now, true)
}

// handleCancelAccountSummary: cancelAccountSummary (63): [1]version
// [2]reqId.
func handleCancelAccountSummary(c *client, f *fields) error {
	f.int("version")
	reqID := f.int("reqId")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.cancelAccountSummary(c.origin(), reqID)
	return nil
}

// cancelAccountSummary ends one summary subscription of the requester.
func (e *engine) cancelAccountSummary(from origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.subs.summary[from.conn], reqID)
}

// handleReqPnL: reqPnL (92): [1]reqId [2]account [3]modelCode.
func handleReqPnL(c *client, f *fields) error {
	reqID := f.int("reqId")
	f.reqID = reqID
	f.str("account")
	f.optStr()
	if f.err != nil {
		return f.err
	}
	c.srv.engine.reqPnL(c.origin(), reqID)
	return nil
}

// reqPnL subscribes the requester to the account's PnL: pnl at once,
// then on every change of a cent or more.
func (e *engine) reqPnL(from origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.subs.pnl[from.conn] == nil {
		e.subs.pnl[from.conn] = make(map[int64]*pnlSub)
	}
	e.subs.pnl[from.conn][reqID] = &pnlSub{}
	now := e.now()
	e.acct.rollover(e, now)
	e.pushPnL(now)
}

// handleCancelPnL: cancelPnL (93): [1]reqId.
func handleCancelPnL(c *client, f *fields) error {
	reqID := f.int("reqId")
	if f.err != nil {
		return f.err
	}
	c.srv.engine.cancelPnL(c.origin(), reqID)
	return nil
}

// cancelPnL ends one PnL subscription of the requester.
func (e *engine) cancelPnL(from origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.subs.pnl[from.conn], reqID)
}
