package engine

import (
	"maps"
	"sort"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// acctPushEvery is the interval of account value and summary updates.
const acctPushEvery = 3 * time.Minute

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

type pnlSingleSub struct {
	conID int64
	last  [5]float64
	sent  bool
}

// subscriptions are the account subscriptions, by connection.
type subscriptions struct {
	positions map[int64]bool
	acct      map[int64]*acctSub
	summary   map[int64]map[int64]*summarySub
	pnl       map[int64]map[int64]*pnlSub
	pnlSingle map[int64]map[int64]*pnlSingleSub
}

func newSubscriptions() subscriptions {
	return subscriptions{
		positions: make(map[int64]bool),
		acct:      make(map[int64]*acctSub),
		summary:   make(map[int64]map[int64]*summarySub),
		pnl:       make(map[int64]map[int64]*pnlSub),
		pnlSingle: make(map[int64]map[int64]*pnlSingleSub),
	}
}

// purge drops the subscriptions of connections that cannot receive
// events any more.
func (s *subscriptions) purge(live func(conn int64) bool) {
	purgeConns(s.positions, live)
	purgeConns(s.acct, live)
	purgeConns(s.summary, live)
	purgeConns(s.pnl, live)
	purgeConns(s.pnlSingle, live)
}

// purgeConns deletes the entries of connections that are not live.
func purgeConns[V any](m map[int64]V, live func(conn int64) bool) {
	maps.DeleteFunc(m, func(c int64, _ V) bool { return !live(c) })
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
func toConn(conn int64) Dest { return Dest{Conn: conn} }

// positionChanged notifies subscribers of a position change after a fill.
func (e *Engine) positionChanged(in *market.Instrument, now time.Time) {
	e.subs.purge(e.cfg.Sink.Live)
	p := e.acct.positions[in.ConID]
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
			e.pushAccount(c, e.subs.acct[c], v, marks, now, in.ConID)
		}
	}
	e.pushPnL(now)
	e.pushPnLSingle(now)
	e.multiPositionChanged(p, now)
}

// pushAccount sends an account-updates subscriber the changed values, the
// portfolio of position conID (0: every changed position) and the time.
func (e *Engine) pushAccount(c int64, s *acctSub, v acctValues, marks map[int64]posValue, now time.Time, conID int64) {
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
		if conID != 0 && p.in.ConID != conID {
			continue
		}
		pv := e.portfolioOf(p, marks[p.in.ConID])
		key := pv.key()
		if k, ok := s.port[p.in.ConID]; ok && k == key {
			continue
		}
		s.port[p.in.ConID] = key
		e.emit(toConn(c), pv)
		sent = true
	}
	if sent {
		e.emit(toConn(c), AccountUpdateTime{Time: now.In(market.NewYork).Format("15:04")})
	}
	s.lastPush = now
}

// pushSummary sends a summary subscription the tags that changed (all of
// them the first time, followed by accountSummaryEnd).
func (e *Engine) pushSummary(c int64, reqID int64, s *summarySub, v acctValues, now time.Time, first bool) {
	for _, it := range s.tags {
		val, cur := e.acct.summaryRow(v, it)
		k := it.tag + "|" + it.ledgerCur
		if !first && s.last[k] == val {
			continue
		}
		s.last[k] = val
		e.emit(toConn(c), AccountSummary{ReqID: reqID, Account: e.acct.id, Tag: it.tag, Value: val, Currency: cur})
	}
	if first {
		e.emit(toConn(c), AccountSummaryEnd{ReqID: reqID})
	}
	s.lastPush = now
}

// pushPnL sends pnl to subscribers whose values changed by a cent.
func (e *Engine) pushPnL(now time.Time) {
	if len(e.subs.pnl) == 0 {
		return
	}
	v := e.acct.values(e, now, nil)
	cur := [3]float64{Round2(v.daily), Round2(v.unreal), Round2(v.realized)}
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
			e.emit(toConn(c), PnL{ReqID: id, Daily: cur[0], Unrealized: cur[1], Realized: cur[2]})
		}
	}
}

// pushPeriodic runs at every market step: pnl on change, account values
// and summaries every acctPushEvery.
func (e *Engine) pushPeriodic(now time.Time) {
	e.subs.purge(e.cfg.Sink.Live)
	e.multiAccountPush(now, true)
	e.pushPnL(now)
	e.pushPnLSingle(now)
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

// AccountUpdates subscribes the requester to account updates (every
// account value, portfolioValue per position, accountUpdateTime and
// accountDownloadEnd at once) or, with !subscribe, ends the subscription.
func (e *Engine) AccountUpdates(from Origin, subscribe bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !subscribe {
		delete(e.subs.acct, from.Conn)
		return
	}
	now := e.now()
	e.acct.rollover(e, now)
	s := &acctSub{last: map[string]string{}, port: map[int64]portKey{}}
	e.subs.acct[from.Conn] = s
	marks := make(map[int64]posValue)
	v := e.acct.values(e, now, marks)
	e.pushAccount(from.Conn, s, v, marks, now, 0)
	e.emit(from.reply(), AccountUpdateTime{Time: now.In(market.NewYork).Format("15:04")})
	e.emit(from.reply(), AccountDownloadEnd{Account: e.acct.id})
}

// AccountSummary subscribes the requester to the summary tags: all of
// them at once, then accountSummaryEnd, then what changes. A connection
// holding maxAccountSummary subscriptions gets 322 instead.
func (e *Engine) AccountSummary(from Origin, reqID int64, tags string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	subs := e.subs.summary[from.Conn]
	if subs == nil {
		subs = make(map[int64]*summarySub)
		e.subs.summary[from.Conn] = subs
	}
	if _, dup := subs[reqID]; !dup && len(subs) >= e.cfg.MaxAccountSummary {
		e.sendError(from.reply(), reqID, 322, "Maximum number of account summary requests exceeded; desubscribe to previous request first")
		return
	}
	now := e.now()
	e.acct.rollover(e, now)
	s := &summarySub{tags: summaryItems(tags), last: map[string]string{}}
	subs[reqID] = s
	e.pushSummary(from.Conn, reqID, s, e.acct.values(e, now, nil), now, true)
}

// CancelAccountSummary ends one summary subscription of the requester.
func (e *Engine) CancelAccountSummary(from Origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.subs.summary[from.Conn], reqID)
}

// PnL subscribes the requester to the account's PnL: pnl at once,
// then on every change of a cent or more.
func (e *Engine) PnL(from Origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.subs.pnl[from.Conn] == nil {
		e.subs.pnl[from.Conn] = make(map[int64]*pnlSub)
	}
	e.subs.pnl[from.Conn][reqID] = &pnlSub{}
	now := e.now()
	e.acct.rollover(e, now)
	e.pushPnL(now)
}

// CancelPnL ends one PnL subscription of the requester.
func (e *Engine) CancelPnL(from Origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.subs.pnl[from.Conn], reqID)
}

// pushPnLSingle sends pnlSingle to subscribers whose position's values
// changed by a cent (or whose position changed).
func (e *Engine) pushPnLSingle(now time.Time) {
	if len(e.subs.pnlSingle) == 0 {
		return
	}
	vals := map[int64][5]float64{}
	for _, c := range sortedConns(e.subs.pnlSingle) {
		subs := e.subs.pnlSingle[c]
		ids := make([]int64, 0, len(subs))
		for id := range subs {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			s := subs[id]
			cur, ok := vals[s.conID]
			if !ok {
				cur = e.positionPnL(s.conID, now)
				vals[s.conID] = cur
			}
			if s.sent && s.last == cur {
				continue
			}
			s.last, s.sent = cur, true
			e.emit(toConn(c), PnLSingle{ReqID: id, Pos: cur[0], Daily: cur[1], Unrealized: cur[2], Realized: cur[3], Value: cur[4]})
		}
	}
}

// positionPnL is the position, daily, unrealized and realized PnL and
// value of conID, rounded to cents; zeros for a conId not held.
func (e *Engine) positionPnL(conID int64, now time.Time) [5]float64 {
	p := e.acct.positions[conID]
	if p == nil {
		return [5]float64{}
	}
	var pv posValue
	if p.qty != 0 {
		pv = e.positionValue(p, now)
	}
	return [5]float64{p.qty, Round2(p.realized + pv.unreal - p.dayBase), Round2(pv.unreal), Round2(p.realized), Round2(pv.value)}
}

// PnLSingle subscribes the requester to the PnL of one position (conID):
// pnlSingle at once, then on every change of a cent.
func (e *Engine) PnLSingle(from Origin, reqID, conID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.subs.pnlSingle[from.Conn] == nil {
		e.subs.pnlSingle[from.Conn] = make(map[int64]*pnlSingleSub)
	}
	e.subs.pnlSingle[from.Conn][reqID] = &pnlSingleSub{conID: conID}
	now := e.now()
	e.acct.rollover(e, now)
	e.pushPnLSingle(now)
}

// CancelPnLSingle ends one pnlSingle subscription of the requester.
func (e *Engine) CancelPnLSingle(from Origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.subs.pnlSingle[from.Conn], reqID)
}
