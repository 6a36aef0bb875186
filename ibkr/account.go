package ibkr

import (
	"github.com/ibbot/ibbot/ibkr/internal/route"

	"context"
	"fmt"
	"strings"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
	"github.com/shopspring/decimal"
)

// OrderInfo is an order as the Gateway lists it.
type OrderInfo struct {
	OrderID  int64
	PermID   int64
	ClientID int64
	Contract Contract
	Order    Order
	Status   string
}

// OpenOrders lists this client id's open orders (reqOpenOrders). Orders of
// this client id that the Session did not place (an earlier run's) are
// adopted: Trade(id) returns a handle for them from then on. Concurrent
// callers share one request.
func (s *Session) OpenOrders(ctx context.Context) ([]OrderInfo, error) {
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.openOrdersFlight.Do(ctx, func(o *route.OneShot[OrderInfo], written func()) {
		s.sendAsyncJob(&job{Lane: pace.LaneInteractive, Gen: gen, Done: make(chan error, 1), Build: func() (conn.Request, error) {
			written()
			return conn.OpenOrders{}, nil
		}}, o.Fail)
	})
	if err != nil {
		return nil, fmt.Errorf("ibkr: open orders: %w", err)
	}
	return latestPerOrder(v), nil
}

// CompletedOrders lists orders completed today (reqCompletedOrders).
func (s *Session) CompletedOrders(ctx context.Context, apiOnly bool) ([]OrderInfo, error) {
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.completedFlight.Do(ctx, func(o *route.OneShot[OrderInfo], written func()) {
		s.sendAsyncJob(&job{Lane: pace.LaneInteractive, Gen: gen, Done: make(chan error, 1), Build: func() (conn.Request, error) {
			written()
			return conn.CompletedOrders{APIOnly: apiOnly}, nil
		}}, o.Fail)
	})
	if err != nil {
		return nil, fmt.Errorf("ibkr: completed orders: %w", err)
	}
	return v, nil
}

// Position is one holding of an account.
type Position struct {
	Account  string
	Contract Contract
	Quantity decimal.Decimal // negative when short
	AvgCost  decimal.Decimal // per unit, multiplier included for options
}

// Positions lists the positions of every account of the login
// (reqPositions, then cancelPositions). Concurrent callers share one
// request.
func (s *Session) Positions(ctx context.Context) ([]Position, error) {
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.positionsFlight.Do(ctx, func(o *route.OneShot[Position], written func()) {
		s.sendAsyncJob(&job{Lane: pace.LaneInteractive, Gen: gen, Done: make(chan error, 1), Build: func() (conn.Request, error) {
			written()
			return conn.Positions{}, nil
		}}, o.Fail)
	})
	if err != nil {
		return nil, fmt.Errorf("ibkr: positions: %w", err)
	}
	return latestPerPosition(v), nil
}

// AccountValue is one account summary value.
type AccountValue struct {
	Account  string
	Tag      string
	Value    string
	Currency string
}

// Decimal parses the value as a number.
func (v AccountValue) Decimal() (decimal.Decimal, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(v.Value))
	if err != nil {
		return decimal.Zero, fmt.Errorf("ibkr: account value %s = %q: not a number", v.Tag, v.Value)
	}
	return d, nil
}

// AccountSummary returns the summary values of every account for the
// given tags (e.g. NetLiquidation, AvailableFunds, BuyingPower,
// TotalCashValue); no tags means IB's full list. IB allows two account
// summary requests at once: a third caller waits for a slot.
func (s *Session) AccountSummary(ctx context.Context, tags ...string) ([]AccountValue, error) {
	list := strings.Join(tags, ",")
	if list == "" {
		list = "AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,EquityWithLoanValue,PreviousDayEquityWithLoanValue,GrossPositionValue,RegTEquity,RegTMargin,SMA,InitMarginReq,MaintMarginReq,AvailableFunds,ExcessLiquidity,Cushion,FullInitMarginReq,FullMaintMarginReq,FullAvailableFunds,FullExcessLiquidity,LookAheadNextChange,LookAheadInitMarginReq,LookAheadMaintMarginReq,LookAheadAvailableFunds,LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,Leverage"
	}
	select {
	case s.summarySlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closed:
		return nil, ErrClosed
	}
	defer func() { <-s.summarySlots }()
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	id := s.router.NewID()
	o := newOneShot[AccountValue]()
	s.router.Add(id, o)
	defer s.router.Remove(id)
	if err := s.send(ctx, gen, pace.LaneInteractive, conn.AccountSummary{ReqID: id, Group: "All", Tags: list}); err != nil {
		return nil, fmt.Errorf("ibkr: account summary: %w", err)
	}
	v, err := o.Wait(ctx)
	// The request is a subscription: end it either way.
	s.sendCancel(gen, conn.CancelAccountSummary{ReqID: id}, nil)
	if err != nil {
		return nil, fmt.Errorf("ibkr: account summary: %w", err)
	}
	return v, nil
}

// ExecutionFilter narrows Executions. Zero fields match everything.
type ExecutionFilter struct {
	ClientID int64
	Account  string
	Symbol   string
	SecType  string
	Exchange string
	Side     string // BUY or SELL
	// Since is "yyyymmdd hh:mm:ss" (IB's format), or empty.
	Since string
}

// Execution is one fill reported by reqExecutions.
type Execution struct {
	OrderID  int64
	Contract Contract
	Fill
}

// Executions returns today's executions matching f, with commissions where
// the Gateway reported them.
func (s *Session) Executions(ctx context.Context, f ExecutionFilter) ([]Execution, error) {
	ef := conn.ExecutionFilter{ClientID: f.ClientID, AcctCode: f.Account, Symbol: f.Symbol, SecType: f.SecType, Exchange: f.Exchange, Side: f.Side, Time: f.Since}
	out, err := oneShotReq[Execution](ctx, s, pace.LaneInteractive, func(id int64) conn.Request { return conn.Executions{ReqID: id, Filter: ef} })
	if err != nil {
		return nil, fmt.Errorf("ibkr: executions: %w", err)
	}
	s.orders.mu.Lock()
	for i := range out {
		if c, ok := s.orders.comms[out[i].ExecID]; ok {
			out[i].Commission, out[i].RealizedPNL, out[i].Currency = c.Commission, c.RealizedPNL, c.Currency
		}
	}
	s.orders.mu.Unlock()
	return out, nil
}

// latestPerOrder keeps the last report of each order: the Gateway may
// report an order more than once while the list is being sent (a status
// change, a late answer to an earlier request).
func latestPerOrder(v []OrderInfo) []OrderInfo {
	type key struct{ client, id, perm int64 }
	idx := map[key]int{}
	out := v[:0:0]
	for _, oi := range v {
		k := key{oi.ClientID, oi.OrderID, oi.PermID}
		if i, ok := idx[k]; ok {
			out[i] = oi
			continue
		}
		idx[k] = len(out)
		out = append(out, oi)
	}
	return out
}

// latestPerPosition keeps the last report of each account and contract.
func latestPerPosition(v []Position) []Position {
	type key struct {
		account string
		conID   int64
	}
	idx := map[key]int{}
	out := v[:0:0]
	for _, p := range v {
		k := key{p.Account, p.Contract.ConID}
		if i, ok := idx[k]; ok {
			out[i] = p
			continue
		}
		idx[k] = len(out)
		out = append(out, p)
	}
	return out
}
