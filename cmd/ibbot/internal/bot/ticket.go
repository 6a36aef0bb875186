package bot

import (
	"fmt"
	"math"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
)

// Size is how many contracts an entry buys:
//
//	min(floor(equity x risk / (premium x stopLoss x multiplier)),
//	    floor(0.95 x equity / (premium x multiplier)))
//
// 0 means skip (reason says why); it is never raised to 1, which would
// override the risk limit (the old bot did).
func Size(equity, premium, multiplier decimal.Decimal, riskPct, stopLossPct float64) (int64, string) {
	if equity.Sign() <= 0 {
		return 0, fmt.Sprintf("equity %s is not positive", equity)
	}
	if premium.Sign() <= 0 {
		return 0, fmt.Sprintf("premium %s is not positive", premium)
	}
	if math.IsNaN(riskPct) || math.IsInf(riskPct, 0) || riskPct <= 0 {
		return 0, fmt.Sprintf("risk per trade %v is not a positive fraction", riskPct)
	}
	if math.IsNaN(stopLossPct) || math.IsInf(stopLossPct, 0) || stopLossPct <= 0 {
		// No stop distance: the risk of a contract is unknown (and a
		// division by it would panic).
		return 0, fmt.Sprintf("stop loss %v is not a positive fraction", stopLossPct)
	}
	if multiplier.Sign() <= 0 {
		multiplier = decimal.NewFromInt(100)
	}
	perContract := premium.Mul(multiplier)
	risk := equity.Mul(decimal.NewFromFloat(riskPct))
	lossPerContract := perContract.Mul(decimal.NewFromFloat(stopLossPct))
	byRisk := risk.Div(lossPerContract).Floor()
	byCash := equity.Mul(decimal.RequireFromString("0.95")).Div(perContract).Floor()
	n := decimal.Min(byRisk, byCash)
	if n.Sign() <= 0 {
		return 0, fmt.Sprintf("size 0: risking %s of %s equity allows no contract at %s x %s with a %s%% stop (one contract risks %s, costs %s)",
			risk.StringFixed(2), equity.StringFixed(2), premium, multiplier, strconv.FormatFloat(stopLossPct*100, 'f', -1, 64),
			lossPerContract.StringFixed(2), perContract.StringFixed(2))
	}
	if n.GreaterThan(decimal.NewFromInt(100000)) {
		n = decimal.NewFromInt(100000)
	}
	return n.IntPart(), ""
}

// Ticket is an entry the bot would place: a bracket on one option, every
// price from the option's own quote and rounded to its tick.
type Ticket struct {
	Symbol   string        `json:"symbol"`
	Contract ibkr.Contract `json:"-"`
	// ConID and LocalSymbol name the option.
	ConID       int64  `json:"con_id"`
	LocalSymbol string `json:"local_symbol"`
	Right       string `json:"right"`
	Quantity    int64  `json:"quantity"`
	// Premium is the option's price the ticket is built on (its ask or
	// its mid), PremiumSource which.
	Premium       decimal.Decimal `json:"premium"`
	PremiumSource string          `json:"premium_source"`
	// Entry is the parent's BUY limit; TakeProfit the SELL limit (nil:
	// none); StopLoss the SELL stop's trigger.
	Entry      decimal.Decimal  `json:"entry"`
	TakeProfit *decimal.Decimal `json:"take_profit"`
	StopLoss   decimal.Decimal  `json:"stop_loss"`
	OrderRef   string           `json:"order_ref"`
	// Cost is Entry x Quantity x multiplier.
	Cost decimal.Decimal `json:"cost"`
}

// TicketInputs are what a ticket is built from.
type TicketInputs struct {
	Symbol     string
	Option     ibkr.Contract
	Quote      ibkr.Quote
	Multiplier decimal.Decimal
	Rule       ibkr.PriceIncrements
	Equity     decimal.Decimal
	Risk       RiskConfig
	EntryPrice string // ask or mid
	OrderRef   string
}

// BuildTicket prices and sizes an entry. A skip (no premium, size 0, a
// price that rounds to 0) comes back as a reason, not an error.
//
// Every price comes from the option's own quote (a quote of another
// contract, e.g. the underlying's, is an error: the old bot priced the
// children off the underlying). The parent's limit is the premium rounded
// down to the tick (never paying more); the take-profit is rounded up (never
// taking less); the stop is rounded up, toward the entry, so a stop-out
// never loses more than stop_loss_pct. When no tick lies between the stop
// and the entry (a cheap option), the stop is the tick below the entry and
// the size is computed on that wider stop, so the risk limit still holds.
func BuildTicket(in TicketInputs) (Ticket, string, error) {
	q := in.Quote
	if qc := q.Contract; qc.ConID != 0 && in.Option.ConID != 0 && qc.ConID != in.Option.ConID ||
		qc.SecType != "" && in.Option.SecType != "" && qc.SecType != in.Option.SecType {
		return Ticket{}, "", fmt.Errorf("ticket for %s: the quote is of %s (conId %d), not of the option (conId %d): prices come from the option's own quote",
			in.Option.LocalSymbol, qc, qc.ConID, in.Option.ConID)
	}
	if sl := in.Risk.StopLossPct; math.IsNaN(sl) || sl <= 0 || sl >= 1 {
		return Ticket{}, "", fmt.Errorf("ticket for %s: stop loss %v: want more than 0 and less than 1", in.Option.LocalSymbol, sl)
	}
	var premium decimal.Decimal
	src := in.EntryPrice
	switch in.EntryPrice {
	case "mid":
		premium = q.Mid()
	default:
		src = "ask"
		if q.Has(ibkr.QuoteAsk) {
			premium = q.Ask
		}
	}
	if premium.Sign() <= 0 {
		return Ticket{}, fmt.Sprintf("no %s price for %s: the option's quote has none (bid %s, ask %s)", src, in.Option.LocalSymbol, q.Bid, q.Ask), nil
	}
	entry, err := ibkr.RoundToTick(premium, in.Rule, ibkr.RoundDown)
	if err != nil {
		return Ticket{}, "", fmt.Errorf("round the entry of %s: %w", in.Option.LocalSymbol, err)
	}
	if entry.Sign() <= 0 {
		return Ticket{}, fmt.Sprintf("entry %s rounds to 0 on the tick", premium), nil
	}
	mult := in.Multiplier
	if mult.Sign() <= 0 {
		mult = decimal.NewFromInt(100)
	}
	one := decimal.NewFromInt(1)
	stop, err := ibkr.RoundToTick(entry.Mul(one.Sub(decimal.NewFromFloat(in.Risk.StopLossPct))), in.Rule, ibkr.RoundUp)
	if err != nil {
		return Ticket{}, "", fmt.Errorf("round the stop of %s: %w", in.Option.LocalSymbol, err)
	}
	slPct := in.Risk.StopLossPct
	if !stop.LessThan(entry) {
		// No tick between: the highest valid price below the entry.
		stop = below(entry, in.Rule)
		if stop.Sign() <= 0 {
			return Ticket{}, fmt.Sprintf("entry %s leaves no tick below it for a stop", entry), nil
		}
		slPct = entry.Sub(stop).Div(entry).InexactFloat64()
	}
	qty, why := Size(in.Equity, entry, mult, in.Risk.MaxRiskPctPerTrade, slPct)
	if qty == 0 {
		return Ticket{}, why, nil
	}
	t := Ticket{
		Symbol: in.Symbol, Contract: in.Option, ConID: in.Option.ConID, LocalSymbol: in.Option.LocalSymbol, Right: in.Option.Right,
		Quantity: qty, Premium: premium, PremiumSource: src, Entry: entry, StopLoss: stop, OrderRef: in.OrderRef,
		Cost: entry.Mul(decimal.NewFromInt(qty)).Mul(mult),
	}
	if tp := in.Risk.TakeProfitPct; tp != nil {
		if math.IsNaN(*tp) || *tp <= 0 {
			return Ticket{}, "", fmt.Errorf("ticket for %s: take profit %v: want more than 0 (or none)", in.Option.LocalSymbol, *tp)
		}
		p, err := ibkr.RoundToTick(entry.Mul(one.Add(decimal.NewFromFloat(*tp))), in.Rule, ibkr.RoundUp)
		if err != nil {
			return Ticket{}, "", fmt.Errorf("round the take-profit of %s: %w", in.Option.LocalSymbol, err)
		}
		if !p.GreaterThan(entry) {
			// The lowest valid price above the entry.
			p, _ = ibkr.RoundToTick(entry.Add(tickEpsilon), in.Rule, ibkr.RoundUp)
		}
		t.TakeProfit = &p
	}
	return t, "", nil
}

// tickEpsilon is less than any tick IB uses.
var tickEpsilon = decimal.New(1, -8)

// below is the highest price the rule allows strictly below p (0 when
// none).
func below(p decimal.Decimal, rule ibkr.PriceIncrements) decimal.Decimal {
	if p.LessThanOrEqual(tickEpsilon) {
		return decimal.Zero
	}
	b, err := ibkr.RoundToTick(p.Sub(tickEpsilon), rule, ibkr.RoundDown)
	if err != nil {
		return decimal.Zero
	}
	return b
}

// Orders returns the bracket's orders: the parent BUY LMT, the take-profit
// SELL LMT (the zero Order when there is none) and the stop-loss SELL STP
// (a stop, never a limit: the old bot used a limit).
func (t Ticket) Orders() (parent, takeProfit, stopLoss ibkr.Order) {
	q := decimal.NewFromInt(t.Quantity)
	parent = ibkr.Order{Action: "BUY", Quantity: q, Type: "LMT", LimitPrice: t.Entry, TIF: "DAY", OrderRef: t.OrderRef}
	if t.TakeProfit != nil {
		takeProfit = ibkr.Order{Action: "SELL", Quantity: q, Type: "LMT", LimitPrice: *t.TakeProfit, TIF: "GTC", OrderRef: t.OrderRef}
	}
	stopLoss = ibkr.Order{Action: "SELL", Quantity: q, Type: "STP", StopPrice: t.StopLoss, TIF: "GTC", OrderRef: t.OrderRef}
	return parent, takeProfit, stopLoss
}

// String is the ticket in one line, as "would place order" logs it.
func (t Ticket) String() string {
	tp := "none"
	if t.TakeProfit != nil {
		tp = t.TakeProfit.String()
	}
	return fmt.Sprintf("BUY %d %s @ %s LMT (%s %s), take-profit %s, stop %s, cost %s", t.Quantity, t.LocalSymbol, t.Entry,
		t.PremiumSource, t.Premium, tp, t.StopLoss, t.Cost.StringFixed(2))
}
