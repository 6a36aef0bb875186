package ibsim

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// Tick-by-tick data: reqTickByTickData (97) and cancelTickByTickData (98).
// A subscription sends a tickByTick (99) for every second of the market
// clock that changes what it follows, as the market step reaches it:
// Last and AllLast every trade, BidAsk every change of the quote (with
// ignoreSize only a change of a price), MidPoint every change of the
// midpoint. With numberOfTicks the last that many ticks before the
// request go first. Subscriptions are shared by all clients up to
// Limits.MaxTickByTick (10190 past it).

// tbtCatchUp is how far behind the market clock a subscription's ticks
// are still sent one by one; past it the subscription skips ahead, as a
// real feed does not backfill.
const tbtCatchUp = time.Minute

// tbtMaxHistory bounds numberOfTicks.
const tbtMaxHistory = 1000

// tbtTypes maps the tickType argument to the message's tick type. IB's
// tick types are case sensitive.
var tbtTypes = map[string]int{
	"Last": wire.TickByTickLast, "AllLast": wire.TickByTickAllLast,
	"BidAsk": wire.TickByTickBidAsk, "MidPoint": wire.TickByTickMid,
}

// tbtFailed is the text of error 10189.
const tbtFailed = "Failed to request tick-by-tick data."

// tbtSub is one tick-by-tick subscription.
type tbtSub struct {
	hi         *market.HistInstrument
	typ        int
	ignoreSize bool
	exchange   string
	next       time.Time // the next second to look at
	prev       *market.TickSec
}

// tbtState is a connection's tick-by-tick subscriptions.
type tbtState struct {
	mu   sync.Mutex
	subs map[int64]*tbtSub
}

func newTBTState() *tbtState { return &tbtState{subs: make(map[int64]*tbtSub)} }

// keep reports whether second t is a tick of the subscription's type
// after prev (the last tick of that type, nil for none).
func (s *tbtSub) keep(prev *market.TickSec, t market.TickSec) bool {
	return tickKept(s.typ, s.ignoreSize, prev, t)
}

// tickKept is the tick rule shared by tick-by-tick data and historical
// ticks.
func tickKept(typ int, ignoreSize bool, prev *market.TickSec, t market.TickSec) bool {
	switch typ {
	case wire.TickByTickLast, wire.TickByTickAllLast:
		return t.Traded
	case wire.TickByTickBidAsk:
		if prev == nil || t.Bid != prev.Bid || t.Ask != prev.Ask {
			return true
		}
		return !ignoreSize && (t.BidSize != prev.BidSize || t.AskSize != prev.AskSize)
	}
	return prev == nil || t.Mid != prev.Mid
}

// tickRow is one second as a tick of type typ. With ignoreSize quotes
// still carry their sizes: the flag only drops size-only changes.
func tickRow(typ int, t market.TickSec, exchange string) wire.TickRow {
	r := wire.TickRow{Time: t.Time.Unix()}
	switch typ {
	case wire.TickByTickLast, wire.TickByTickAllLast:
		r.Price, r.Size, r.Exchange = t.Last, t.LastSize, exchange
	case wire.TickByTickBidAsk:
		r.Bid, r.Ask, r.BidSize, r.AskSize = t.Bid, t.Ask, t.BidSize, t.AskSize
	default:
		r.Price = t.Mid
	}
	return r
}

// tradeExchange is the exchange a trade of the instrument is reported on.
func tradeExchange(in *market.Instrument) string {
	if in.PrimaryExch != "" {
		return in.PrimaryExch
	}
	return in.Exchange
}

// handleReqTickByTickData: reqTickByTickData (97).
func handleReqTickByTickData(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqTickByTickData(f)
	if err != nil {
		return err
	}
	id := r.ReqID
	typ, ok := tbtTypes[r.TickType]
	if !ok {
		c.sendError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Invalid tick-by-tick type %q: Last, AllLast, BidAsk or MidPoint.", c.hd.code(), r.TickType))
		return nil
	}
	if r.NumberOfTicks < 0 || r.NumberOfTicks > tbtMaxHistory {
		c.sendError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - numberOfTicks must be between 0 and %d.", c.hd.code(), tbtMaxHistory))
		return nil
	}
	if strings.EqualFold(r.Contract.SecType, "BAG") {
		c.sendError(id, 10189, tbtFailed+"Tick-by-tick data is not available for combos.")
		return nil
	}
	now := c.srv.now()
	in, msg := c.resolveHist(r.Contract, now)
	if in == nil {
		c.sendError(id, 200, msg)
		return nil
	}
	if in.IsOption() || in.SecType == "IND" {
		// IB: options have tick-by-tick data only historically; indices
		// only on CME.
		c.sendError(id, 10189, tbtFailed+"Tick-by-tick data is not available in real time for "+in.SecType+" "+histLocalSymbol(in)+".")
		return nil
	}
	c.tb.mu.Lock()
	_, dup := c.tb.subs[id]
	c.tb.mu.Unlock()
	if dup {
		c.sendError(id, 322, fmt.Sprintf("Error processing request.-'%s' : cause - Duplicate ticker id", c.hd.code()))
		return nil
	}
	if !c.srv.tbt.acquire() {
		c.sendError(id, 10190, "Max number of tick-by-tick requests has been reached.")
		return nil
	}
	sub := &tbtSub{
		hi: c.srv.prices.HistInstrument(in), typ: typ, ignoreSize: r.IgnoreSize,
		exchange: tradeExchange(in), next: now.Truncate(time.Second),
	}
	c.tb.mu.Lock()
	defer c.tb.mu.Unlock()
	c.tb.subs[id] = sub
	if r.NumberOfTicks > 0 {
		// The last ticks of the seconds that ended before the request,
		// oldest first; the stream goes on from the second in progress.
		hist := sub.hi.TicksBackward(sub.next, int(r.NumberOfTicks), false, sub.keep)
		for _, t := range hist {
			c.send(c.codec.TickByTick(id, typ, tickRow(typ, t, sub.exchange)))
		}
		if len(hist) > 0 {
			last := hist[len(hist)-1]
			sub.prev = &last
		}
	} else if t, ok := sub.hi.SecondAt(sub.next.Add(-time.Second), false); ok && typ != wire.TickByTickLast && typ != wire.TickByTickAllLast {
		// A quote stream starts from the quote of the last second that
		// ended before the request: its first tick is the next change.
		sub.prev = &t
	}
	return nil
}

// handleCancelTickByTickData: cancelTickByTickData (98); nothing is
// sent.
func handleCancelTickByTickData(c *client, f *wire.Fields) error {
	id, err := c.codec.CancelTickByTickData(f)
	if err != nil {
		return err
	}
	c.tb.mu.Lock()
	_, ok := c.tb.subs[id]
	delete(c.tb.subs, id)
	c.tb.mu.Unlock()
	if ok {
		c.srv.tbt.release()
	}
	return nil
}

// closeAll ends every subscription of a closing connection.
func (s *tbtState) closeAll(c *client) {
	s.mu.Lock()
	n := len(s.subs)
	clear(s.subs)
	s.mu.Unlock()
	for range n {
		c.srv.tbt.release()
	}
}

// tick sends every subscription the ticks of the seconds that ended by
// now, in order.
func (s *tbtState) tick(c *client, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.subs))
	for id := range s.subs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	end := now.Truncate(time.Second) // seconds before it have ended
	for _, id := range ids {
		sub := s.subs[id]
		if !sub.next.Before(end) {
			continue
		}
		if sub.next.Before(end.Add(-tbtCatchUp)) {
			sub.next = end.Add(-tbtCatchUp)
		}
		// Every second with data, the rule applied here against the last
		// tick sent.
		all := func(*market.TickSec, market.TickSec) bool { return true }
		for _, t := range sub.hi.TicksForward(sub.next, end, int(tbtCatchUp/time.Second)+1, false, all) {
			if !sub.keep(sub.prev, t) {
				continue
			}
			c.send(c.codec.TickByTick(id, sub.typ, tickRow(sub.typ, t, sub.exchange)))
			sub.prev = &t
		}
		sub.next = end
	}
}
