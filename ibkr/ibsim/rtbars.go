package ibsim

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// rtBarSec is the only bar size of real-time bars.
const rtBarSec = 5

// rtCatchUp is how far behind the market clock a subscription's bars are
// still sent one by one.
const rtCatchUp = time.Minute

// rtWhat are the kinds of real-time bars.
var rtWhat = map[string]bool{"TRADES": true, "MIDPOINT": true, "BID": true, "ASK": true}

// rtBarSub is one real-time bars subscription.
type rtBarSub struct {
	hi   *market.HistInstrument
	spec market.HistSpec
	next time.Time // the end of the next bar to send
}

// rtState is a connection's real-time bars subscriptions.
type rtState struct {
	mu   sync.Mutex
	subs map[int64]*rtBarSub
}

func newRTState() *rtState { return &rtState{subs: make(map[int64]*rtBarSub)} }

// rtAlign is the end of the 5-second bar holding t.
func rtAlign(t time.Time) time.Time {
	return t.Truncate(rtBarSec * time.Second).Add(rtBarSec * time.Second)
}

// handleReqRealTimeBars: reqRealTimeBars (50); answers a realtimeBar (50)
// for every 5 seconds of the market clock that has data, as each ends.
func handleReqRealTimeBars(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqRealTimeBars(f)
	if err != nil {
		return err
	}
	id := r.ReqID
	if r.BarSize != rtBarSec {
		c.sendError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Invalid bar size %d: real-time bars are 5 seconds.", c.hd.code(), r.BarSize))
		return nil
	}
	if !rtWhat[r.WhatToShow] {
		c.sendError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Real-time bars of %q are not supported.", c.hd.code(), r.WhatToShow))
		return nil
	}
	now := c.srv.now()
	in, msg := c.resolveHist(r.Contract, now)
	if in == nil {
		c.sendError(id, 200, msg)
		return nil
	}
	sub := &rtBarSub{
		hi:   c.srv.prices.HistInstrument(in),
		spec: market.HistSpec{Sec: rtBarSec, Kind: market.BarIntraday, DurN: rtBarSec, DurUnit: 'S', What: r.WhatToShow, RTH: r.UseRTH, Format: 2},
		next: rtAlign(now),
	}
	c.rt.mu.Lock()
	c.rt.subs[id] = sub
	c.rt.mu.Unlock()
	return nil
}

// handleCancelRealTimeBars: cancelRealTimeBars (51): [1]version [2]reqId.
func handleCancelRealTimeBars(c *client, f *wire.Fields) error {
	id, err := c.codec.CancelRealTimeBars(f)
	if err != nil {
		return err
	}
	c.rt.mu.Lock()
	delete(c.rt.subs, id)
	c.rt.mu.Unlock()
	return nil
}

// tick sends every subscription the bars that ended by now, in order. A
// clock that jumped more than rtCatchUp ahead sends only the last bar: a
// real Gateway does not backfill.
func (s *rtState) tick(c *client, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.subs))
	for id := range s.subs {
		ids = append(ids, id)
	}
	slices.Sort(ids) // deterministic order across subscriptions
	for _, id := range ids {
		sub := s.subs[id]
		if sub.next.After(now) {
			continue
		}
		if last := now.Truncate(rtBarSec * time.Second); sub.next.Before(last.Add(-rtCatchUp)) {
			sub.next = last
		}
		for !sub.next.After(now) {
			end := sub.next
			sub.next = end.Add(rtBarSec * time.Second)
			start := end.Add(-rtBarSec * time.Second)
			for _, b := range sub.hi.Bars(sub.spec, end) {
				if b.Start.Equal(start) {
					c.send(c.codec.RealTimeBar(id, start.Unix(), b))
				}
			}
		}
	}
}
