package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/optchain"
	"github.com/ibbot/ibbot/sched"
)

// Broker is what the bot asks of an IB session; *ibkr.Session (and an
// *ibkr.Lease) implements it.
type Broker interface {
	optchain.Gateway
	Positions(ctx context.Context) ([]ibkr.Position, error)
	OpenOrders(ctx context.Context) ([]ibkr.OrderInfo, error)
	Executions(ctx context.Context, f ibkr.ExecutionFilter) ([]ibkr.Execution, error)
	AccountSummary(ctx context.Context, tags ...string) ([]ibkr.AccountValue, error)
	HistoricalBars(ctx context.Context, req ibkr.HistoricalRequest) ([]ibkr.Bar, error)
	PlaceBracket(ctx context.Context, c ibkr.Contract, parent, takeProfit, stopLoss ibkr.Order) (*ibkr.Bracket, error)
	PlaceOrder(ctx context.Context, c ibkr.Contract, o ibkr.Order) (*ibkr.Trade, error)
	WhatIf(ctx context.Context, c ibkr.Contract, o ibkr.Order) (ibkr.OrderPreview, error)
	CancelOrder(ctx context.Context, orderID int64) error
	PriceIncrements(ctx context.Context, c ibkr.Contract) (ibkr.PriceIncrements, error)
	ClientID() int64
}

// Mode is how the bot acts on a ticket.
type Mode int

// Modes.
const (
	// DryRun logs and journals the ticket ("would place order") and sends
	// nothing.
	DryRun Mode = iota
	// WhatIf asks IB for the order's margin and commission, places
	// nothing.
	WhatIf
	// Live places the bracket.
	Live
)

func (m Mode) String() string {
	switch m {
	case WhatIf:
		return "what-if"
	case Live:
		return "live"
	}
	return "dry-run"
}

// Deps are what a Bot is assembled from.
type Deps struct {
	Config   Config
	Mode     Mode
	Broker   Broker
	Chains   *optchain.Client
	Journal  *Journal
	Clock    func() time.Time
	Calendar *sched.Calendar
	Logger   *slog.Logger
	// RunID names this run in order refs and the journal.
	RunID string
	// Strategy overrides Config.Strategy.Name (tests).
	Strategy *Strategy
	// OnDecision, when set, is called with each decision once it is
	// journaled (alerts hook here). It must not block.
	OnDecision func(Record)
}

// Bot runs one cycle per symbol (RunSymbol, a sched.Func).
type Bot struct {
	d        Deps
	strategy Strategy
	log      *slog.Logger

	mu        sync.Mutex
	cache     map[string]cachedBars
	histFails map[string]int
	kinds     map[string]int
	acct      *accountState
	guardDay  map[string]bool // days the daily-loss guard was reported
	resetDone bool
	// inDoubt holds, per symbol, a bracket written to the Gateway whose
	// placing failed before the Gateway acknowledged it (the symbol's
	// time ran out, the connection was lost): it may be live without yet
	// showing in the Gateway's open orders.
	inDoubt map[string]*ibkr.Bracket
}

type cachedBars struct {
	bars []ibkr.Bar
	at   time.Time
}

// accountState is one cycle's account snapshot, shared by its symbols.
type accountState struct {
	cycle         int
	mu            sync.Mutex
	done          bool
	err           error
	netLiq, avail decimal.Decimal
	positions     []ibkr.Position
}

// barsCacheTTL is how old cached bars may be and still stand in for a
// failed request (the old bot's 300 s).
const barsCacheTTL = 300 * time.Second

// histAttempts is how many failed bar requests in a row end in
// historical_failed.
const histAttempts = 3

// New assembles a Bot.
func New(d Deps) (*Bot, error) {
	if d.Broker == nil || d.Chains == nil || d.Journal == nil {
		return nil, errors.New("bot: New: want a Broker, an optchain Client and a Journal")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Calendar == nil {
		d.Calendar = sched.NYSE()
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.RunID == "" {
		d.RunID = d.Clock().UTC().Format("20060102T150405")
	}
	st := Strategy{}
	if d.Strategy != nil {
		st = *d.Strategy
	} else {
		s, err := StrategyByName(d.Config.Strategy.Name)
		if err != nil {
			return nil, err
		}
		st = s
	}
	return &Bot{d: d, strategy: st, log: d.Logger, cache: map[string]cachedBars{}, histFails: map[string]int{},
		kinds: map[string]int{}, guardDay: map[string]bool{}, inDoubt: map[string]*ibkr.Bracket{}}, nil
}

// RunID names this run (order refs, journal).
func (b *Bot) RunID() string { return b.d.RunID }

// OrderRef is the bot's order reference for a symbol: ibbot:<run>:<symbol>.
func (b *Bot) OrderRef(symbol string) string { return "ibbot:" + b.d.RunID + ":" + symbol }

// ownRef reports whether ref is one of this bot's (any run) for symbol.
func ownRef(ref, symbol string) bool {
	return strings.HasPrefix(ref, "ibbot:") && strings.HasSuffix(ref, ":"+symbol)
}

// Decisions returns how many decisions of each kind were journaled.
func (b *Bot) Decisions() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.kinds))
	for k, v := range b.kinds {
		out[k] = v
	}
	return out
}

// run is one symbol's cycle context.
type run struct {
	b      *Bot
	ctx    context.Context
	symbol string
	cycle  int
	now    time.Time
	hourly []ibkr.Bar // the exit rule's bars, once fetched
}

func (r *run) attrs(more ...any) []any {
	return append([]any{"symbol", r.symbol, "cycle", r.cycle}, more...)
}

// journal records a decision and counts it; an error to journal is the
// run's error (a decision that cannot be recorded is not acted on).
func (r *run) journal(kind, summary string, data any, key string) error {
	var raw json.RawMessage
	if data != nil {
		js, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("journal %s: %w", kind, err)
		}
		raw = js
	}
	// A decision is journaled even when the symbol's time ran out.
	jctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Second)
	defer cancel()
	rec := Record{At: r.b.d.Clock(), Run: r.b.d.RunID, Cycle: r.cycle, Symbol: r.symbol, Kind: kind, Summary: summary, Data: raw, Key: key}
	id, err := r.b.d.Journal.Append(jctx, rec)
	if err != nil {
		r.b.log.Error("journal write failed", r.attrs("kind", kind, "err", err)...)
		return err
	}
	if id != 0 || key == "" {
		r.b.mu.Lock()
		r.b.kinds[kind]++
		r.b.mu.Unlock()
		if r.b.d.OnDecision != nil {
			rec.ID = id
			r.b.d.OnDecision(rec)
		}
	}
	return nil
}

// skip journals and logs a skip with its reason; the symbol's run is over
// and fine.
func (r *run) skip(reason string) error {
	r.b.log.Info("skip", r.attrs("reason", reason)...)
	return r.journal(KindSkip, reason, map[string]string{"reason": reason}, "")
}

// RunSymbol is one cycle of one symbol: reconcile, guards, exits, bars,
// signal, contract, size, then the order, what-if or dry-run ticket, each
// decision journaled. It is a sched.Func.
func (b *Bot) RunSymbol(ctx context.Context, symbol string) error {
	r := &run{b: b, ctx: ctx, symbol: symbol, now: b.d.Clock()}
	if ci, ok := sched.CycleOf(ctx); ok {
		r.cycle = ci.N
	}
	// 1. Reconcile with the Gateway: this client id's positions, working
	// orders and fills.
	acct, err := b.account(ctx, r.cycle)
	if err != nil {
		return fmt.Errorf("%s: account: %w", symbol, err)
	}
	// Before the open orders: an entry acknowledged from now on is in
	// them.
	if why := b.entryInDoubt(symbol); why != "" {
		return r.skip(why)
	}
	open, err := b.d.Broker.OpenOrders(ctx)
	if err != nil {
		return fmt.Errorf("%s: open orders: %w", symbol, err)
	}
	if err := r.journalFills(); err != nil {
		return err
	}
	var mine []ibkr.OrderInfo
	for _, oi := range open {
		if ownRef(oi.Order.OrderRef, symbol) {
			mine = append(mine, oi)
		}
	}
	var held []ibkr.Position
	openPositions := 0
	for _, p := range acct.positions {
		if p.Quantity.IsZero() || p.Contract.SecType != "OPT" {
			continue
		}
		openPositions++
		if p.Contract.Symbol == symbol {
			held = append(held, p)
		}
	}
	// 3. Exits for the symbol's open long options (before any entry
	// guard: exits always run).
	for _, p := range held {
		if err := r.exit(p, mine); err != nil {
			return err
		}
	}
	if len(held) > 0 {
		return r.skip(fmt.Sprintf("position open: %s %s", held[0].Quantity, held[0].Contract.LocalSymbol))
	}
	for _, oi := range mine {
		if oi.Order.Action == "BUY" && oi.Order.ParentID == 0 {
			return r.skip(fmt.Sprintf("working entry: order %d (%s, %s) adopted from %s", oi.OrderID, oi.Contract.LocalSymbol, oi.Status, oi.Order.OrderRef))
		}
	}
	// The cycle's account snapshot is taken once, by its first symbol: an
	// entry that filled after it is neither in its positions nor working
	// any more. A buy journaled in this cycle means exactly that; entering
	// again would double the position.
	if rec, ok, err := b.d.Journal.LastOf(ctx, symbol, KindFill, "BOT"); err != nil {
		return fmt.Errorf("%s: %w", symbol, err)
	} else if ok && rec.Run == b.d.RunID && rec.Cycle == r.cycle {
		return r.skip(fmt.Sprintf("entry filled this cycle, after the account snapshot (%s): the position shows next cycle", rec.Summary))
	}
	// 2. Guards on new entries.
	if why, err := r.guards(acct, openPositions); err != nil || why != "" {
		if err != nil {
			return err
		}
		return r.skip(why)
	}
	// 4. Bars.
	bars, why, err := r.bars()
	if err != nil || why != "" {
		if err != nil {
			return err
		}
		return r.skip(why)
	}
	// 5. Signal.
	last := time.Time{}
	if rec, ok, err := b.d.Journal.LastOf(ctx, symbol, KindSignal, b.strategy.Name+":"); err == nil && ok {
		last = rec.At
	}
	sig := b.strategy.Decide(bars, r.now, last)
	if sig.Action == Hold {
		return r.skip("no signal: " + sig.Reason)
	}
	b.log.Info("signal", r.attrs("action", string(sig.Action), "confidence", sig.Confidence, "reason", sig.Reason, "strategy", b.strategy.Name)...)
	if err := r.journal(KindSignal, b.strategy.Name+": "+string(sig.Action)+" "+sig.Reason, sig, ""); err != nil {
		return err
	}
	// An entry the exit rule would close on the next cycle is churn, not a
	// trade: the signal must agree with the EMA-20 rule.
	if b.d.Config.Strategy.ConfirmWithExitRule {
		hourly, err := r.hourlyBars()
		if err != nil {
			return err
		}
		if exit, why, ok := ExitSignal(hourly, sig.Action.Right()); ok && exit {
			return r.skip("exit rule would close it at once: " + why)
		}
	}
	// 6. Contract.
	cand, chain, why, err := r.contract(sig.Action.Right())
	if err != nil || why != "" {
		if err != nil {
			return err
		}
		return r.skip(why)
	}
	// 7. Size and price: a ticket.
	rule, err := b.d.Broker.PriceIncrements(ctx, cand.Option.Contract)
	if err != nil {
		return fmt.Errorf("%s: tick rule of %s: %w", symbol, cand.Option.Contract.LocalSymbol, err)
	}
	mult, _ := decimal.NewFromString(cand.Expiry.Multiplier)
	t, why, err := BuildTicket(TicketInputs{Symbol: symbol, Option: cand.Option.Contract, Quote: cand.Option.Quote, Multiplier: mult,
		Rule: rule, Equity: acct.netLiq, Risk: b.d.Config.Risk, EntryPrice: b.d.Config.Options.EntryPrice, OrderRef: b.OrderRef(symbol)})
	if err != nil {
		return fmt.Errorf("%s: %w", symbol, err)
	}
	if why != "" {
		return r.skip(why)
	}
	_ = chain
	// 8. Act.
	return r.act(t)
}

// entryInDoubt returns why symbol may not enter while a bracket it wrote
// is not acknowledged by the Gateway, or "". Once the Gateway has it (a
// permId) or the session has resolved it (done: filled, cancelled,
// rejected or lost), the Gateway's own records tell the rest.
func (b *Bot) entryInDoubt(symbol string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.inDoubt[symbol]
	if br == nil {
		return ""
	}
	select {
	case <-br.Parent.Done():
		delete(b.inDoubt, symbol)
		return ""
	default:
	}
	if br.Parent.PermID() != 0 {
		delete(b.inDoubt, symbol)
		return ""
	}
	return fmt.Sprintf("entry in doubt: order %d was written and the Gateway has not acknowledged it yet", br.Parent.ID())
}

// account returns the cycle's account snapshot, fetching it once per
// cycle for all symbols.
func (b *Bot) account(ctx context.Context, cycle int) (*accountState, error) {
	b.mu.Lock()
	a := b.acct
	if a == nil || a.cycle != cycle || cycle == 0 {
		a = &accountState{cycle: cycle}
		b.acct = a
	}
	b.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done && a.err == nil {
		return a, nil
	}
	// First of the cycle, or the last attempt failed: ask again.
	a.netLiq, a.avail, a.positions = decimal.Zero, decimal.Zero, nil
	vals, err := b.d.Broker.AccountSummary(ctx, "NetLiquidation", "AvailableFunds")
	if err == nil {
		for _, v := range vals {
			d, derr := v.Decimal()
			if derr != nil {
				continue
			}
			switch v.Tag {
			case "NetLiquidation":
				a.netLiq = a.netLiq.Add(d)
			case "AvailableFunds":
				a.avail = a.avail.Add(d)
			}
		}
		a.positions, err = b.d.Broker.Positions(ctx)
	}
	a.done, a.err = true, err
	return a, err
}

// journalFills journals this client id's executions for the symbol that
// are not in the journal yet (a fill is journaled once, by exec id).
func (r *run) journalFills() error {
	execs, err := r.b.d.Broker.Executions(r.ctx, ibkr.ExecutionFilter{ClientID: r.b.d.Broker.ClientID(), Symbol: r.symbol})
	if err != nil {
		return fmt.Errorf("%s: executions: %w", r.symbol, err)
	}
	for _, x := range execs {
		sum := fmt.Sprintf("%s %s %s @ %s (order %d)", x.Side, x.Shares, x.Contract.LocalSymbol, x.Price, x.OrderID)
		data := map[string]any{"exec_id": x.ExecID, "order_id": x.OrderID, "side": x.Side, "shares": x.Shares, "price": x.Price,
			"con_id": x.Contract.ConID, "local_symbol": x.Contract.LocalSymbol, "sec_type": x.Contract.SecType, "multiplier": x.Contract.Multiplier,
			"time": x.Time, "commission": x.Commission, "realized_pnl": x.RealizedPNL}
		before := r.b.Decisions()[KindFill]
		if err := r.journal(KindFill, sum, data, "fill:"+x.ExecID); err != nil {
			return err
		}
		if r.b.Decisions()[KindFill] > before {
			r.b.log.Info("fill", r.attrs("side", x.Side, "shares", x.Shares.String(), "contract", x.Contract.LocalSymbol, "price", x.Price.String(), "orderId", x.OrderID)...)
		}
	}
	return nil
}

// guards returns why no new entry may be made, or "".
func (r *run) guards(a *accountState, openPositions int) (string, error) {
	b := r.b
	cfg := b.d.Config.Risk
	day := b.d.Calendar.Location()
	date := r.now.In(day).Format("2006-01-02")
	b.mu.Lock()
	reset := cfg.ResetDailyGuardOnStart && !b.resetDone
	b.resetDone = true
	b.mu.Unlock()
	if a.netLiq.Sign() > 0 {
		if err := b.d.Journal.SetDayEquity(r.ctx, date, a.netLiq, r.now, reset); err != nil {
			return "", err
		}
	}
	start, ok, err := b.d.Journal.DayEquity(r.ctx, date)
	if err != nil {
		return "", err
	}
	if ok && start.Sign() > 0 {
		loss := start.Sub(a.netLiq).Div(start).InexactFloat64()
		if loss >= cfg.MaxDailyLossPct {
			why := fmt.Sprintf("daily loss guard: equity %s is %.1f%% below the start of day %s (limit %.1f%%)",
				a.netLiq.StringFixed(2), loss*100, start.StringFixed(2), cfg.MaxDailyLossPct*100)
			b.mu.Lock()
			first := !b.guardDay[date]
			b.guardDay[date] = true
			b.mu.Unlock()
			if first {
				b.log.Warn("daily_loss_guard", r.attrs("reason", why)...)
				if err := r.journal(KindGuard, why, map[string]any{"start": start, "equity": a.netLiq, "loss_pct": loss}, "guard:"+date); err != nil {
					return "", err
				}
			}
			return why, nil
		}
	}
	if a.avail.LessThan(cfg.MinAvailableFunds) {
		return fmt.Sprintf("available funds %s below %s", a.avail.StringFixed(2), cfg.MinAvailableFunds), nil
	}
	if openPositions >= cfg.MaxOpenPositions {
		return fmt.Sprintf("%d positions open, risk.max_open_positions is %d", openPositions, cfg.MaxOpenPositions), nil
	}
	return "", nil
}

// bars fetches the strategy's bars, with the cache and retry rules.
func (r *run) bars() ([]ibkr.Bar, string, error) {
	b := r.b
	h := b.d.Config.Historical
	// End is the bot's now: each cycle's request differs from the last, so
	// IB's identical-request pacing never holds it back.
	req := ibkr.HistoricalRequest{Contract: ibkr.Stock(r.symbol), End: r.now, Duration: h.Duration, BarSize: h.BarSize, WhatToShow: h.WhatToShow, UseRTH: h.UseRTH}
	if b.strategy.BarSize != "" {
		req.BarSize, req.Duration = b.strategy.BarSize, b.strategy.Duration
	}
	b.log.Info("historical_request", r.attrs("duration", req.Duration, "barSize", req.BarSize, "whatToShow", req.WhatToShow)...)
	ctx, cancel := context.WithTimeout(r.ctx, time.Duration(h.TimeoutSeconds)*time.Second)
	bars, err := b.d.Broker.HistoricalBars(ctx, req)
	cancel()
	if err != nil && !errors.Is(err, ibkr.ErrNoData) {
		b.mu.Lock()
		b.histFails[r.symbol]++
		n := b.histFails[r.symbol]
		c, cached := b.cache[r.symbol]
		b.mu.Unlock()
		fresh := cached && r.now.Sub(c.at) <= barsCacheTTL
		if fresh {
			b.log.Warn("historical_retry", r.attrs("attempt", n, "err", err, "fallback", "cache", "cachedAt", c.at)...)
			bars, err = c.bars, nil
		} else if n >= histAttempts {
			b.log.Error("historical_failed", r.attrs("attempts", n, "err", err)...)
			b.mu.Lock()
			b.histFails[r.symbol] = 0
			b.mu.Unlock()
			return nil, fmt.Sprintf("historical data failed %d times (last: %v) and no cached bars are fresh", n, err), nil
		} else {
			b.log.Warn("historical_retry", r.attrs("attempt", n, "err", err)...)
			// Retryable: the scheduler backs this symbol off without
			// delaying the others.
			return nil, "", fmt.Errorf("%s: historical data attempt %d: %w", r.symbol, n, err)
		}
	} else {
		if errors.Is(err, ibkr.ErrNoData) {
			bars = nil
		}
		b.mu.Lock()
		b.histFails[r.symbol] = 0
		if len(bars) > 0 {
			b.cache[r.symbol] = cachedBars{bars: bars, at: r.now}
		}
		b.mu.Unlock()
		b.log.Info("historical_success", r.attrs("bars", len(bars))...)
	}
	if len(bars) < b.strategy.MinBars {
		return nil, fmt.Sprintf("%d bars, %s needs %d", len(bars), b.strategy.Name, b.strategy.MinBars), nil
	}
	return bars, "", nil
}

// contract picks the option to trade with optchain.
func (r *run) contract(right string) (optchain.Candidate, *optchain.Chain, string, error) {
	o := r.b.d.Config.Options
	steps := o.Moneyness.Steps
	if steps < 0 {
		steps = -steps
	}
	rights := optchain.Calls
	if right == "P" {
		rights = optchain.Puts
	}
	ch, err := r.b.d.Chains.Fetch(r.ctx, optchain.Request{Symbol: r.symbol, Expiries: o.Expiry, Strikes: o.StrikeCount + 2*steps + 2, Rights: rights})
	if err != nil {
		if errors.Is(err, optchain.ErrNoChain) || errors.Is(err, optchain.ErrNoUnderlyingPrice) {
			return optchain.Candidate{}, nil, "no contract: " + err.Error(), nil
		}
		if errors.Is(err, ibkr.ErrCompetingSession) {
			// Not this symbol's failure: no market data flows while
			// another live session of the login runs (10197).
			return optchain.Candidate{}, nil, "no market data while a competing live session runs: " + err.Error(), nil
		}
		return optchain.Candidate{}, nil, "", fmt.Errorf("%s: option chain: %w", r.symbol, err)
	}
	best, rejected, err := ch.Select(optchain.Criteria{Right: right, Moneyness: o.Moneyness, StrikeCount: o.StrikeCount,
		MinVolume: decimal.NewFromInt(o.MinVolume), MaxSpread: o.MaxSpread, MaxSpreadPct: o.MaxSpreadPct})
	for _, rj := range rejected {
		r.b.log.Debug("contract_rejected", r.attrs("contract", rj.Contract.LocalSymbol, "reason", rj.Reason)...)
	}
	if err != nil {
		// Quotes lost to the connection (or another retryable failure)
		// are no verdict on the contracts: fail retryably rather than
		// skip as if none passed.
		for _, ce := range ch.Errors {
			if ibkr.IsRetryable(ce.Err) {
				return optchain.Candidate{}, ch, "", fmt.Errorf("%s: option chain: quote of %s: %w", r.symbol, ce.Contract.LocalSymbol, ce.Err)
			}
		}
		reasons := make([]string, 0, len(rejected))
		for _, rj := range rejected {
			reasons = append(reasons, rj.Contract.LocalSymbol+": "+rj.Reason)
		}
		return optchain.Candidate{}, ch, "no contract passes: " + strings.Join(reasons, "; "), nil
	}
	return best, ch, "", nil
}

// act places, previews or logs the ticket per the mode.
func (r *run) act(t Ticket) error {
	b := r.b
	parent, tp, sl := t.Orders()
	switch {
	case b.d.Mode == DryRun || b.d.Config.DryRun && b.d.Mode != WhatIf:
		b.log.Info("dry_run", r.attrs("decision", "would place order", "ticket", t.String(), "orderRef", t.OrderRef)...)
		return r.journal(KindDryRun, "would place order: "+t.String(), t, "")
	case b.d.Mode == WhatIf:
		p, err := b.d.Broker.WhatIf(r.ctx, t.Contract, parent)
		if err != nil {
			return r.orderError("what-if", t, err)
		}
		b.log.Info("what_if", r.attrs("ticket", t.String(), "initMarginChange", p.InitMarginChange.String(), "commission", p.Commission.String(),
			"warning", p.Warning)...)
		return r.journal(KindWhatIf, fmt.Sprintf("%s: initial margin change %s, commission %s", t.String(), p.InitMarginChange, p.Commission),
			map[string]any{"ticket": t, "init_margin_change": p.InitMarginChange, "maint_margin_change": p.MaintMarginChange,
				"commission": p.Commission, "warning": p.Warning}, "")
	}
	// Live: the decision is journaled before the order leaves; an order
	// whose decision could not be recorded is never placed.
	if err := r.journal(KindOrder, "placing: "+t.String(), t, ""); err != nil {
		return fmt.Errorf("%s: not placing an order whose decision could not be journaled: %w", r.symbol, err)
	}
	br, err := b.d.Broker.PlaceBracket(r.ctx, t.Contract, parent, tp, sl)
	if err != nil {
		if br != nil && !errors.Is(err, ibkr.ErrOrderRejected) {
			// Written, not acknowledged: it may be live.
			b.mu.Lock()
			b.inDoubt[r.symbol] = br
			b.mu.Unlock()
		}
		return r.orderError("bracket", t, err)
	}
	ids := map[string]int64{"parent": br.Parent.ID(), "stop_loss": br.StopLoss.ID()}
	if br.TakeProfit != nil {
		ids["take_profit"] = br.TakeProfit.ID()
	}
	b.log.Info("order_placed", r.attrs("ticket", t.String(), "parentId", ids["parent"], "orderRef", t.OrderRef, "status", br.Parent.Status().Status)...)
	return r.journal(KindOrder, fmt.Sprintf("placed: parent %d, stop %d, take-profit %d: %s", ids["parent"], ids["stop_loss"], ids["take_profit"], t), map[string]any{"ticket": t, "ids": ids}, "")
}

// orderError journals an order that failed. A rejection (201 and the
// other order-ending codes) is that symbol's skip with IB's text: the bot
// keeps running. Anything else is the run's error.
func (r *run) orderError(what string, t Ticket, err error) error {
	_ = r.journal(KindError, fmt.Sprintf("%s for %s failed: %v", what, t.LocalSymbol, err), map[string]any{"ticket": t, "error": err.Error()}, "")
	if errors.Is(err, ibkr.ErrOrderRejected) || errors.Is(err, ibkr.ErrReadOnly) {
		return r.skip(fmt.Sprintf("%s rejected: %v", what, err))
	}
	return fmt.Errorf("%s: %s: %w", r.symbol, what, err)
}

// hourlyBars are the exit rule's bars: 5 days of 1-hour bars of the
// underlying, fetched at most once per symbol run.
func (r *run) hourlyBars() ([]ibkr.Bar, error) {
	if r.hourly != nil {
		return r.hourly, nil
	}
	ctx, cancel := context.WithTimeout(r.ctx, time.Duration(r.b.d.Config.Historical.TimeoutSeconds)*time.Second)
	defer cancel()
	bars, err := r.b.d.Broker.HistoricalBars(ctx, ibkr.HistoricalRequest{Contract: ibkr.Stock(r.symbol), End: r.now, Duration: "5 D", BarSize: "1 hour", UseRTH: true})
	if err != nil && !errors.Is(err, ibkr.ErrNoData) {
		return nil, fmt.Errorf("%s: hourly bars for the exit rule: %w", r.symbol, err)
	}
	r.hourly = append([]ibkr.Bar{}, bars...)
	return r.hourly, nil
}

// exit applies the EMA-20 rule on 1-hour bars to an open long option.
func (r *run) exit(p ibkr.Position, mine []ibkr.OrderInfo) error {
	b := r.b
	if p.Quantity.Sign() <= 0 {
		return nil // not a long option: the bot does not manage it
	}
	bars, err := r.hourlyBars()
	if err != nil {
		return err
	}
	exit, why, ok := ExitSignal(bars, p.Contract.Right)
	if !ok || !exit {
		b.log.Debug("hold position", r.attrs("contract", p.Contract.LocalSymbol, "reason", why)...)
		return nil
	}
	sum := fmt.Sprintf("exit %s %s: %s", p.Quantity, p.Contract.LocalSymbol, why)
	if b.d.Mode != Live || b.d.Config.DryRun {
		b.log.Info("exit", r.attrs("contract", p.Contract.LocalSymbol, "reason", why, "decision", "would close the position")...)
		return r.journal(KindExit, "would "+sum, map[string]any{"con_id": p.Contract.ConID, "quantity": p.Quantity, "reason": why}, "")
	}
	if err := r.journal(KindExit, sum, map[string]any{"con_id": p.Contract.ConID, "quantity": p.Quantity, "reason": why}, ""); err != nil {
		return err
	}
	// The bracket's working orders on the contract would change the
	// position under the exit: the entry's unfilled rest would buy more,
	// its children would sell what the exit sells. Cancel them all first,
	// then sell what is held then at the market.
	cancelled := 0
	for _, oi := range mine {
		if oi.Contract.ConID == p.Contract.ConID {
			if err := b.d.Broker.CancelOrder(r.ctx, oi.OrderID); err != nil && !errors.Is(err, ibkr.ErrOrderNotFound) {
				return fmt.Errorf("%s: cancel order %d before the exit: %w", r.symbol, oi.OrderID, err)
			}
			cancelled++
		}
	}
	qty := p.Quantity
	if cancelled > 0 {
		// The entry may have filled more before its cancel took.
		now, err := b.d.Broker.Positions(r.ctx)
		if err != nil {
			return fmt.Errorf("%s: positions after cancelling for the exit: %w", r.symbol, err)
		}
		qty = decimal.Zero
		for _, q := range now {
			if q.Contract.ConID == p.Contract.ConID && q.Account == p.Account {
				qty = q.Quantity
			}
		}
		if qty.Sign() <= 0 {
			b.log.Info("exit", r.attrs("contract", p.Contract.LocalSymbol, "reason", why, "decision", "position already closed")...)
			return nil
		}
	}
	c := p.Contract
	c.Exchange = "SMART"
	tr, err := b.d.Broker.PlaceOrder(r.ctx, c, ibkr.Order{Action: "SELL", Quantity: qty, Type: "MKT", TIF: "DAY", OrderRef: b.OrderRef(r.symbol)})
	if err != nil {
		return r.orderError("exit", Ticket{LocalSymbol: p.Contract.LocalSymbol}, err)
	}
	b.log.Info("exit", r.attrs("contract", p.Contract.LocalSymbol, "reason", why, "orderId", tr.ID())...)
	return nil
}
