package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// Positions and account updates by account and model (reqPositionsMulti,
// reqAccountUpdatesMulti). The simulator has one account and no models:
// a request for the account (or for no account) is answered with the
// account's rows, each carrying the model code asked for, then the end
// marker on the request id, and stays subscribed until cancelled; a
// request for another account gets error 321 on its id.

// PositionMulti is one position of a positions-by-model subscription
// (positionMulti, 71).
type PositionMulti struct {
	ReqID     int64
	Account   string
	ModelCode string
	In        *market.Instrument
	Qty       float64
	AvgCost   float64 // 8 decimals
}

// PositionMultiEnd ends the first answer of a positions-by-model
// subscription (positionMultiEnd, 72).
type PositionMultiEnd struct{ ReqID int64 }

// AccountUpdateMulti is one account value of an account-updates-by-model
// subscription (accountUpdateMulti, 73).
type AccountUpdateMulti struct {
	ReqID                int64
	Account, ModelCode   string
	Key, Value, Currency string
}

// AccountUpdateMultiEnd ends the first answer of an account-updates-by-
// model subscription (accountUpdateMultiEnd, 74).
type AccountUpdateMultiEnd struct{ ReqID int64 }

func (PositionMulti) isEvent()         {}
func (PositionMultiEnd) isEvent()      {}
func (AccountUpdateMulti) isEvent()    {}
func (AccountUpdateMultiEnd) isEvent() {}

type posMultiSub struct{ modelCode string }

type acctMultiSub struct {
	modelCode string
	ledger    bool              // ledgerAndNLV: the $LEDGER values and NetLiquidation only
	last      map[string]string // key|currency -> value sent
	lastPush  time.Time
}

// invalidAccount reports whether account names another account than the
// simulator's ("" names it).
func (e *Engine) invalidAccount(account string) bool {
	return account != "" && !strings.EqualFold(strings.TrimSpace(account), e.acct.id)
}

// invalidAccountText is the Gateway's error 321 for an account code it
// does not know.
func invalidAccountText(account string) string {
	return fmt.Sprintf("Error validating request.-'bN' : cause - Invalid account code '%s'.", account)
}

// PositionsMulti answers reqPositionsMulti: one positionMulti per holding
// of the account, then positionMultiEnd, and subscribes the request to
// position changes until CancelPositionsMulti.
func (e *Engine) PositionsMulti(from Origin, reqID int64, account, modelCode string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.invalidAccount(account) {
		e.sendError(from.reply(), reqID, 321, invalidAccountText(account))
		return
	}
	e.acct.rollover(e, e.now())
	s := &posMultiSub{modelCode: modelCode}
	for _, p := range e.acct.sorted() {
		e.emit(from.reply(), e.positionMultiOf(reqID, s, p))
	}
	e.emit(from.reply(), PositionMultiEnd{ReqID: reqID})
	m := e.multi.pos[from.Conn]
	if m == nil {
		m = make(map[int64]*posMultiSub)
		e.multi.pos[from.Conn] = m
	}
	m[reqID] = s
}

// CancelPositionsMulti ends one positions-by-model subscription of the
// requester; nothing is sent.
func (e *Engine) CancelPositionsMulti(from Origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.multi.pos[from.Conn], reqID)
}

// AccountUpdatesMulti answers reqAccountUpdatesMulti: every account value
// (with ledgerAndNLV, the per-currency ledger values and NetLiquidation
// only) as accountUpdateMulti, then accountUpdateMultiEnd, and subscribes
// the request to the values' changes (after a fill, and every
// acctPushEvery as the account updates are) until
// CancelAccountUpdatesMulti.
func (e *Engine) AccountUpdatesMulti(from Origin, reqID int64, account, modelCode string, ledgerAndNLV bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.invalidAccount(account) {
		e.sendError(from.reply(), reqID, 321, invalidAccountText(account))
		return
	}
	now := e.now()
	e.acct.rollover(e, now)
	s := &acctMultiSub{modelCode: modelCode, ledger: ledgerAndNLV, last: map[string]string{}}
	e.pushAccountMulti(from.Conn, reqID, s, e.acct.values(e, now, nil), now, true)
	m := e.multi.acct[from.Conn]
	if m == nil {
		m = make(map[int64]*acctMultiSub)
		e.multi.acct[from.Conn] = m
	}
	m[reqID] = s
}

// CancelAccountUpdatesMulti ends one account-updates-by-model
// subscription of the requester; nothing is sent.
func (e *Engine) CancelAccountUpdatesMulti(from Origin, reqID int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.multi.acct[from.Conn], reqID)
}

func (e *Engine) positionMultiOf(reqID int64, s *posMultiSub, p *position) PositionMulti {
	pd := e.positionOf(p)
	return PositionMulti{ReqID: reqID, Account: pd.Account, ModelCode: s.modelCode, In: pd.In, Qty: pd.Qty, AvgCost: pd.AvgCost}
}

// ledgerField reports whether an account value is one of a light-weight
// (ledgerAndNLV) subscription's.
func ledgerField(f acctField) bool {
	return f.key == "NetLiquidation" || (f.currency != "" && slices.Contains(ledgerTags, f.key))
}

// pushAccountMulti sends a subscription the values that changed (all of
// them the first time, followed by accountUpdateMultiEnd).
func (e *Engine) pushAccountMulti(c, reqID int64, s *acctMultiSub, v acctValues, now time.Time, first bool) {
	for _, f := range e.acct.accountFields(v) {
		if s.ledger && !ledgerField(f) {
			continue
		}
		k := f.key + "|" + f.currency
		if old, ok := s.last[k]; ok && old == f.value {
			continue
		}
		s.last[k] = f.value
		e.emit(toConn(c), AccountUpdateMulti{ReqID: reqID, Account: e.acct.id, ModelCode: s.modelCode, Key: f.key, Value: f.value, Currency: f.currency})
	}
	if first {
		e.emit(toConn(c), AccountUpdateMultiEnd{ReqID: reqID})
	}
	s.lastPush = now
}

// multiSubs are the by-model subscriptions, by connection and request id.
type multiSubs struct {
	pos  map[int64]map[int64]*posMultiSub
	acct map[int64]map[int64]*acctMultiSub
}

func newMultiSubs() multiSubs {
	return multiSubs{pos: make(map[int64]map[int64]*posMultiSub), acct: make(map[int64]map[int64]*acctMultiSub)}
}

// purge drops the subscriptions of connections that cannot receive
// events any more.
func (m *multiSubs) purge(live func(conn int64) bool) {
	purgeConns(m.pos, live)
	purgeConns(m.acct, live)
}

// sortedIDs returns the request ids of one connection's subscriptions in
// order.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// multiPositionChanged sends the by-model subscribers the changed
// position and the account values that changed with it.
func (e *Engine) multiPositionChanged(p *position, now time.Time) {
	e.multi.purge(e.cfg.Sink.Live)
	for _, c := range sortedConns(e.multi.pos) {
		subs := e.multi.pos[c]
		for _, id := range sortedIDs(subs) {
			e.emit(toConn(c), e.positionMultiOf(id, subs[id], p))
		}
	}
	e.multiAccountPush(now, false)
}

// multiAccountPush sends the account-updates-by-model subscribers what
// changed: every subscription, or with periodic only those whose last
// push is acctPushEvery old.
func (e *Engine) multiAccountPush(now time.Time, periodic bool) {
	e.multi.purge(e.cfg.Sink.Live)
	var v acctValues
	computed := false
	for _, c := range sortedConns(e.multi.acct) {
		subs := e.multi.acct[c]
		for _, id := range sortedIDs(subs) {
			s := subs[id]
			if periodic && now.Sub(s.lastPush) < acctPushEvery && !now.Before(s.lastPush) {
				continue
			}
			if !computed {
				v = e.acct.values(e, now, nil)
				computed = true
			}
			e.pushAccountMulti(c, id, s, v, now, false)
		}
	}
}
