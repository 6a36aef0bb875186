package ibkr

import (
	"github.com/ibbot/ibbot/ibkr/internal/route"

	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
)

// CurrentTime asks the Gateway for its time: a full round trip, fit for a
// health check. Concurrent callers share one request. The reply carries no
// request id; a reply lost by the Gateway (a hung request) costs only the
// calls that waited for it: the next call sends a fresh request.
func (s *Session) CurrentTime(ctx context.Context) (time.Time, error) {
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var v []int64
	for {
		r := s.joinTime(gen)
		// A request unanswered route.TimeStale after it was written is presumed
		// lost: join then sends a fresh one, so a caller without a
		// deadline gets the next answer too.
		t := time.NewTimer(route.TimeStale)
		select {
		case <-r.Answer.Done():
			t.Stop()
			v, err = r.Answer.Wait(ctx)
		case <-ctx.Done():
			t.Stop()
			s.times.Abandoned(r)
			return time.Time{}, fmt.Errorf("ibkr: current time: %w", ctx.Err())
		case <-t.C:
			continue
		}
		break
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("ibkr: current time: %w", err)
	}
	if len(v) == 0 {
		return time.Time{}, fmt.Errorf("ibkr: current time: empty answer")
	}
	return time.Unix(v[0], 0), nil
}

// joinTime returns the running reqCurrentTime, sending a new one on the
// connection of generation gen when there is none (or it went stale).
func (s *Session) joinTime(gen uint64) *route.TimeReq {
	r, start := s.times.Join()
	if start {
		s.sendAsyncJob(&job{Lane: pace.LaneInteractive, Gen: gen, Done: make(chan error, 1), Build: func() (conn.Request, error) {
			r.MarkWritten()
			return conn.CurrentTime{}, nil
		}}, func(err error) { s.times.Fail(r, err) })
	}
	return r
}

// oneShotReq runs the request req(id) that is answered under its request id
// with zero or more items and an end message.
func oneShotReq[T any](ctx context.Context, s *Session, l pace.Lane, req func(id int64) conn.Request) ([]T, error) {
	gen, err := s.awaitReady(ctx)
	if err != nil {
		return nil, err
	}
	id := s.router.NewID()
	o := newOneShot[T]()
	s.router.Add(id, o)
	defer s.router.Remove(id)
	if err := s.send(ctx, gen, l, req(id)); err != nil {
		return nil, err
	}
	return o.Wait(ctx)
}

// ContractDetails returns every contract that matches c. No match is
// ErrNoSecurityDefinition.
func (s *Session) ContractDetails(ctx context.Context, c Contract) ([]ContractDetails, error) {
	ic := c.toWire()
	out, err := oneShotReq[ContractDetails](ctx, s, pace.LaneInteractive, func(id int64) conn.Request {
		return conn.ContractDetailsReq{ReqID: id, Contract: ic}
	})
	if err != nil {
		return nil, fmt.Errorf("ibkr: contract details for %s: %w", c, err)
	}
	return out, nil
}

// Qualify returns the one contract that matches c, fully described. Several
// matches are ErrAmbiguousContract (the error names them); none is
// ErrNoSecurityDefinition.
func (s *Session) Qualify(ctx context.Context, c Contract) (ContractDetails, error) {
	ds, err := s.ContractDetails(ctx, c)
	if err != nil {
		return ContractDetails{}, err
	}
	switch len(ds) {
	case 0:
		return ContractDetails{}, fmt.Errorf("ibkr: qualify %s: %w", c, ErrNoSecurityDefinition)
	case 1:
		return ds[0], nil
	}
	names := make([]string, 0, len(ds))
	for _, d := range ds {
		names = append(names, d.Contract.String())
	}
	return ContractDetails{}, fmt.Errorf("ibkr: qualify %s: %w: %d matches %v; name the exchange and currency", c, ErrAmbiguousContract, len(ds), names)
}

// SecDefOptParams returns the option chains of an underlying, one per
// exchange (and trading class). underlyingConID is required by IB.
func (s *Session) SecDefOptParams(ctx context.Context, symbol, secType string, underlyingConID int64) ([]OptionChain, error) {
	if symbol == "" {
		return nil, invalid("option chain symbol", symbol, "the underlying's symbol")
	}
	if underlyingConID <= 0 {
		return nil, invalid("option chain underlying conId", underlyingConID, "the underlying's conId (from Qualify)")
	}
	if secType == "" {
		secType = "STK"
	}
	out, err := oneShotReq[OptionChain](ctx, s, pace.LaneInteractive, func(id int64) conn.Request {
		return conn.SecDefOptParams{ReqID: id, Symbol: symbol, SecType: secType, UnderlyingConID: underlyingConID}
	})
	if err != nil {
		return nil, fmt.Errorf("ibkr: option chain of %s: %w", symbol, err)
	}
	return out, nil
}

func chainFromWire(exchange string, underConID int64, tradingClass, multiplier string, exps []string, strikes []float64) OptionChain {
	ch := OptionChain{Exchange: exchange, UnderlyingConID: underConID, TradingClass: tradingClass, Multiplier: multiplier}
	ch.Expirations = append(ch.Expirations, exps...)
	sort.Strings(ch.Expirations)
	for _, k := range strikes {
		ch.Strikes = append(ch.Strikes, floatDecimal(k))
	}
	sort.Slice(ch.Strikes, func(i, j int) bool { return ch.Strikes[i].LessThan(ch.Strikes[j]) })
	return ch
}
