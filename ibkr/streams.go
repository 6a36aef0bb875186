package ibkr

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/shopspring/decimal"
)

// PnL is one update of an account's (or model's) profit and loss (reqPnL).
// A value IB did not send is zero.
type PnL struct {
	Daily, Unrealized, Realized decimal.Decimal
	// At is when it was received, on Config.MarketClock.
	At time.Time
}

// PnLSingle is one update of one position's profit and loss
// (reqPnLSingle). A value IB did not send is zero.
type PnLSingle struct {
	Position                           decimal.Decimal // negative when short
	Daily, Unrealized, Realized, Value decimal.Decimal
	// At is when it was received, on Config.MarketClock.
	At time.Time
}

// PnL streams the daily, unrealized and realized PnL of account (and of
// modelCode, "" for none): the current values at once, then every change.
// It ends with the Gateway's error if the account is unknown.
func (s *Session) PnL(ctx context.Context, account, modelCode string) (*Stream[PnL], error) {
	if account == "" {
		return nil, invalid("account", account, "an account of the login (Session.Accounts)")
	}
	st := newStream[PnL](fmt.Sprintf("pnl of %s", account), s.cfg.StreamBuffer)
	u := newSub(s, st, pace.LaneInteractive, func(id int64) conn.Request {
		return conn.PnL{ReqID: id, Account: account, ModelCode: modelCode}
	})
	u.cancel = func(id int64) conn.Request { return conn.CancelPnL{ReqID: id} }
	if err := u.start(ctx); err != nil {
		return nil, fmt.Errorf("ibkr: pnl of %s: %w", account, err)
	}
	return st, nil
}

// PnLSingle streams the PnL of the position conID of account (and
// modelCode, "" for none): the current values at once, then every
// change.
func (s *Session) PnLSingle(ctx context.Context, account, modelCode string, conID int64) (*Stream[PnLSingle], error) {
	if account == "" {
		return nil, invalid("account", account, "an account of the login (Session.Accounts)")
	}
	if conID <= 0 {
		return nil, invalid("conID", conID, "a contract id (ContractDetails.Contract.ConID)")
	}
	st := newStream[PnLSingle](fmt.Sprintf("pnl of %s conId %d", account, conID), s.cfg.StreamBuffer)
	u := newSub(s, st, pace.LaneInteractive, func(id int64) conn.Request {
		return conn.PnLSingle{ReqID: id, Account: account, ModelCode: modelCode, ConID: conID}
	})
	u.cancel = func(id int64) conn.Request { return conn.CancelPnLSingle{ReqID: id} }
	if err := u.start(ctx); err != nil {
		return nil, fmt.Errorf("ibkr: pnl of %s conId %d: %w", account, conID, err)
	}
	return st, nil
}

// barsSub is a keepUpToDate historical request: the window's bars, then
// the current bar again whenever it changes.
type barsSub struct {
	*sub[Bar]
	hist *pace.Historical

	mu       sync.Mutex
	slots    int          // open historical slots held (two while resuming)
	released bool         // the stream ended and gave its slots back
	rec      *pace.Record // the latest request's, until answered
	lastTime time.Time    // the last bar delivered
}

// BarsStream streams req's bars and keeps them up to date (IB's
// keepUpToDate): the bars of the window first, then the bar being formed
// each time it changes. A bar whose Time equals the previous bar's is
// that bar updated in place: replace it. After a reconnect the window is
// requested again and only bars from the last one delivered on come
// through (the last again, updated), so the stream goes on where it was.
//
// The request passes IB's historical pacing like HistoricalBars and holds
// one of the open historical request slots until the stream ends. End
// must be zero (IB keeps only a window ending now up to date).
func (s *Session) BarsStream(ctx context.Context, req HistoricalRequest) (*Stream[Bar], error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if !req.End.IsZero() {
		return nil, invalid("HistoricalRequest.End", req.End, "zero (now): bars are kept up to date only for a window ending now")
	}
	what := fmt.Sprintf("bars of %s", req.Contract)
	st := newStream[Bar](what, s.cfg.StreamBuffer)
	b := &barsSub{hist: s.hist}
	wc := req.Contract.toWire()
	b.sub = newSub(s, st, pace.LaneBulk, func(id int64) conn.Request {
		return conn.HistoricalData{ReqID: id, Contract: wc, Duration: req.Duration, BarSize: req.BarSize,
			WhatToShow: req.WhatToShow, UseRTH: req.UseRTH, KeepUpToDate: true}
	})
	b.self = b
	b.cancel = func(id int64) conn.Request { return conn.CancelHistoricalData{ReqID: id} }
	key := req.key()
	b.admit = func(ctx context.Context) (func(bool), error) {
		rec, err := s.hist.Admit(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("waiting for pacing: %w", err)
		}
		b.mu.Lock()
		if b.released {
			b.mu.Unlock()
			s.hist.Forget(rec)
			s.hist.Release()
			return nil, ErrClosed
		}
		b.slots++
		b.mu.Unlock()
		return func(written bool) {
			b.mu.Lock()
			if b.released {
				// The stream ended meanwhile and gave this slot back too.
				b.mu.Unlock()
				if !written {
					s.hist.Forget(rec)
				} else {
					s.hist.Answered(rec)
				}
				return
			}
			free := 0
			if !written {
				free = 1
			} else {
				b.rec = rec
				free = b.slots - 1 // the slot of the request a lost connection ended
			}
			b.slots -= free
			b.mu.Unlock()
			if !written {
				s.hist.Forget(rec)
			}
			for range free {
				s.hist.Release()
			}
		}, nil
	}
	b.release = func() {
		b.answered()
		b.mu.Lock()
		n := b.slots
		b.slots, b.released = 0, true
		b.mu.Unlock()
		for range n {
			s.hist.Release()
		}
	}
	if err := b.start(ctx); err != nil {
		return nil, fmt.Errorf("ibkr: %s: %w", what, err)
	}
	return st, nil
}

// answered records that the latest request's answer arrived.
func (b *barsSub) answered() {
	b.mu.Lock()
	rec := b.rec
	b.rec = nil
	b.mu.Unlock()
	if rec != nil {
		b.hist.Answered(rec)
	}
}

// bar delivers one bar unless it is older than the last one delivered
// (the window sent again after a reconnect).
func (b *barsSub) bar(w conn.Bar) {
	bar, err := barFromWire(w)
	if err != nil {
		b.s.log.Warn("ibkr: bar dropped", "err", err)
		return
	}
	b.mu.Lock()
	if bar.Time.Before(b.lastTime) {
		b.mu.Unlock()
		return
	}
	b.lastTime = bar.Time
	b.mu.Unlock()
	b.st.push(bar)
}

func (b *barsSub) fail(err error) {
	b.answered()
	b.sub.fail(err)
}

// Deliveries from the wrapper.

func (w *wrapper) PnL(reqID int64, daily, unrealized, realized float64) {
	if u, ok := w.s.router.Get(reqID).(*sub[PnL]); ok {
		u.st.push(PnL{Daily: decimalFromSigned(daily), Unrealized: decimalFromSigned(unrealized), Realized: decimalFromSigned(realized), At: w.s.cfg.MarketClock()})
	}
}

func (w *wrapper) PnLSingle(reqID int64, pos string, daily, unrealized, realized, value float64) {
	if u, ok := w.s.router.Get(reqID).(*sub[PnLSingle]); ok {
		u.st.push(PnLSingle{Position: decimalFromSigned(pos), Daily: decimalFromSigned(daily), Unrealized: decimalFromSigned(unrealized),
			Realized: decimalFromSigned(realized), Value: decimalFromSigned(value), At: w.s.cfg.MarketClock()})
	}
}

func (w *wrapper) HistoricalDataUpdate(reqID int64, bar conn.Bar) {
	if b, ok := w.s.router.Get(reqID).(*barsSub); ok {
		b.bar(bar)
	}
}
