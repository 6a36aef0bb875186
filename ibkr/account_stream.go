package ibkr

import (
	"context"
	"fmt"
	"sync"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/shopspring/decimal"
)

// AccountUpdate is one message of an account updates stream
// (reqAccountUpdates). Exactly one of Value, Portfolio, Time and
// DownloadEnd is set.
type AccountUpdate struct {
	// Value is an account value (NetLiquidation, CashBalance, ...).
	Value *AccountValue
	// Portfolio is one position with its valuation.
	Portfolio *PortfolioItem
	// Time is the Gateway's time of the update, "15:04".
	Time string
	// DownloadEnd marks the end of the complete set the Gateway sends
	// when the stream starts and after every StreamResumed; later items
	// are changes.
	DownloadEnd bool
	// Account names the account for DownloadEnd.
	Account string
}

// PortfolioItem is one position of an account with its valuation, as
// account updates report it. Prices and values are decimals; a position
// is negative when short, PnL negative when a loss.
type PortfolioItem struct {
	Account                    string
	Contract                   Contract
	Position                   decimal.Decimal
	MarketPrice, MarketValue   decimal.Decimal
	AvgCost                    decimal.Decimal
	UnrealizedPNL, RealizedPNL decimal.Decimal
}

// PositionUpdate is one message of a positions stream (reqPositions).
type PositionUpdate struct {
	// Position is a holding as it stands now (quantity 0: closed today);
	// zero when SnapshotEnd is set.
	Position Position
	// SnapshotEnd marks positionEnd: the positions since the stream
	// started (or since StreamResumed) are the complete list; later items
	// are changes.
	SnapshotEnd bool
}

// idless holds the streams whose requests carry no id: the Gateway keeps
// one subscription of each kind per connection, so a Session runs one of
// each at a time.
type idless struct {
	mu   sync.Mutex
	acct *sub[AccountUpdate]
	pos  *sub[PositionUpdate]
}

func (s *Session) acctSub() *sub[AccountUpdate] {
	s.idless.mu.Lock()
	defer s.idless.mu.Unlock()
	return s.idless.acct
}

func (s *Session) posSub() *sub[PositionUpdate] {
	s.idless.mu.Lock()
	defer s.idless.mu.Unlock()
	return s.idless.pos
}

// errOneAtATime is why a second id-less stream is refused.
func errOneAtATime(what string) error {
	return fmt.Errorf("ibkr: %s: %w: the Gateway keeps one such subscription per client id and this session streams it already (close that stream first)", what, ErrInvalidRequest)
}

// AccountUpdates streams account's values and portfolio
// (reqAccountUpdates): the complete set first, ended by an item with
// DownloadEnd, then changes as the Gateway sends them (values every few
// minutes, the portfolio on fills and price moves). account "" means the
// login's only account. A Session runs one account updates stream at a
// time (the Gateway keeps one per client id); a second is refused with
// ErrInvalidRequest until the first is closed.
func (s *Session) AccountUpdates(ctx context.Context, account string) (*Stream[AccountUpdate], error) {
	if account == "" {
		accts := s.Accounts()
		if len(accts) != 1 {
			return nil, invalid("account", account, fmt.Sprintf("one of the login's accounts %v", accts))
		}
		account = accts[0]
	}
	what := "account updates of " + account
	st := newStream[AccountUpdate](what, s.cfg.StreamBuffer)
	u := newSub(s, st, pace.LaneInteractive, func(int64) conn.Request {
		return conn.AccountUpdates{Subscribe: true, Account: account}
	})
	u.cancel = func(int64) conn.Request { return conn.AccountUpdates{Subscribe: false, Account: account} }
	return startIdless(ctx, s, &s.idless.acct, u, what)
}

// startIdless starts u, a stream the Gateway answers without a request id,
// as the one held in *slot (one at a time), and frees the slot when it
// ends.
func startIdless[T any](ctx context.Context, s *Session, slot **sub[T], u *sub[T], what string) (*Stream[T], error) {
	u.byID = false
	s.idless.mu.Lock()
	if *slot != nil {
		s.idless.mu.Unlock()
		return nil, errOneAtATime(what)
	}
	*slot = u
	s.idless.mu.Unlock()
	u.release = func() {
		s.idless.mu.Lock()
		if *slot == u {
			*slot = nil
		}
		s.idless.mu.Unlock()
	}
	if err := u.start(ctx); err != nil {
		return nil, fmt.Errorf("ibkr: %s: %w", what, err)
	}
	return u.st, nil
}

// PositionsStream streams the positions of every account of the login
// (reqPositions): the complete list first, ended by an item with
// SnapshotEnd, then every change. A Session runs one positions stream at
// a time; Positions may be called meanwhile (its answer also reaches the
// stream, as one more complete list).
func (s *Session) PositionsStream(ctx context.Context) (*Stream[PositionUpdate], error) {
	const what = "positions"
	st := newStream[PositionUpdate](what, s.cfg.StreamBuffer)
	u := newSub(s, st, pace.LaneInteractive, func(int64) conn.Request { return conn.Positions{} })
	u.cancel = func(int64) conn.Request { return conn.CancelPositions{} }
	return startIdless(ctx, s, &s.idless.pos, u, what)
}

// Deliveries from the wrapper.

func (w *wrapper) UpdateAccountValue(tag, value, currency, account string) {
	if u := w.s.acctSub(); u != nil {
		u.st.push(AccountUpdate{Value: &AccountValue{Account: account, Tag: tag, Value: value, Currency: currency}})
	}
}

func (w *wrapper) UpdatePortfolio(c conn.Contract, pos string, marketPrice, marketValue, avgCost, unrealized, realized float64, account string) {
	if u := w.s.acctSub(); u != nil {
		u.st.push(AccountUpdate{Portfolio: &PortfolioItem{
			Account: account, Contract: contractFromWire(c), Position: decimalFromSigned(pos),
			MarketPrice: priceDecimal(marketPrice), MarketValue: decimalFromSigned(marketValue), AvgCost: priceDecimal(avgCost),
			UnrealizedPNL: decimalFromSigned(unrealized), RealizedPNL: decimalFromSigned(realized),
		}})
	}
}

func (w *wrapper) UpdateAccountTime(stamp string) {
	if u := w.s.acctSub(); u != nil {
		u.st.push(AccountUpdate{Time: stamp})
	}
}

func (w *wrapper) AccountDownloadEnd(account string) {
	if u := w.s.acctSub(); u != nil {
		u.st.push(AccountUpdate{DownloadEnd: true, Account: account})
	}
}
