package engine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// endCancelled ends an order as Cancelled (no 202: the engine, not the
// client, cancelled it), tells its client, and ends its children.
func (e *Engine) endCancelled(c Dest, o *simOrder, now time.Time) {
	o.status = stCancelled
	e.finish(o, now)
	e.sendStatus(c, o, stCancelled)
	e.endChildren(o, now, false)
}

// finish moves an order from the live list to the completed orders.
func (e *Engine) finish(o *simOrder, now time.Time) {
	if o.done {
		return
	}
	o.done = true
	o.completedTime = now.In(market.NewYork).Format("20060102 15:04:05") + " America/New_York"
	switch o.status {
	case stFilled:
		o.completedStatus = "Filled Size: " + formatQty(o.filled)
	case stCancelled:
		o.completedStatus = "Cancelled by Trader"
	default:
		o.completedStatus = o.status
	}
	for i, x := range e.live {
		if x == o {
			e.live = append(e.live[:i], e.live[i+1:]...)
			break
		}
	}
	delete(e.byKey, o.key)
	delete(e.held, o.key)
	e.done = append(e.done, o)
	e.doneKey[o.key] = o
}

// formatQty formats a quantity as the messages write it: the shortest
// exact decimal, no exponent.
func formatQty(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Cancel handles one cancelOrder of the requester's client id:
// PendingCancel, Cancelled and error 202, and the same for the children
// of an unfilled parent; 10148 for an order that already ended, 10147 for
// an id the client id has no order with.
func (e *Engine) Cancel(from Origin, id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	c := from.reply()
	key := orderKey{from.ClientID, id}
	if o := e.held[key]; o != nil {
		e.userCancel(c, o, now)
		return
	}
	if o := e.byKey[key]; o != nil {
		e.userCancel(c, o, now)
		return
	}
	if o := e.doneKey[key]; o != nil {
		e.sendError(c, id, 10148, fmt.Sprintf("OrderId %d that needs to be cancelled cannot be cancelled, state: %s.", id, o.status))
		return
	}
	e.sendError(c, id, 10147, fmt.Sprintf("OrderId %d that needs to be cancelled is not found.", id))
}

// userCancel runs the cancel sequence of a client's cancel request, then
// ends the order's children.
func (e *Engine) userCancel(c Dest, o *simOrder, now time.Time) {
	e.cancelSequence(c, o, now)
	e.endChildren(o, now, true)
}

// cancelSequence ends an order as a client's cancel does: PendingCancel,
// Cancelled, error 202.
func (e *Engine) cancelSequence(c Dest, o *simOrder, now time.Time) {
	e.sendStatus(c, o, stPendingCancel)
	o.status = stCancelled
	e.finish(o, now)
	e.sendStatus(c, o, stCancelled)
	e.sendError(c, o.key.id, 202, "Order Canceled - reason:")
}

// endChildren applies the end of order o (cancelled, inactive or filled)
// to its children. A parent that ended without any fill takes them with
// it: each is cancelled, with the client's cancel sequence when a client's
// cancel ended the parent (user), else with orderStatus Cancelled. A
// parent that filled, in full or in part, leaves its exit children working
// for the position it opened: a child larger than that is cut to it
// (openOrder + orderStatus with the new quantity), and one with nothing
// left to close is cancelled (orderStatus Cancelled).
func (e *Engine) endChildren(o *simOrder, now time.Time, user bool) {
	for _, ch := range o.children {
		if ch.done {
			continue
		}
		c := toClient(ch.key.client)
		if o.filled <= QtyEps {
			if user {
				e.userCancel(c, ch, now)
			} else {
				e.endCancelled(c, ch, now)
			}
			continue
		}
		room, capped := childRoom(ch)
		if !capped || ch.remaining() <= room+QtyEps {
			continue
		}
		if room <= QtyEps {
			e.endCancelled(c, ch, now)
			continue
		}
		ch.req.TotalQty = ch.filled + room
		if !ch.held {
			e.sendState(c, ch)
		}
	}
}

// GlobalCancel cancels every open order of every client.
func (e *Engine) GlobalCancel() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	// Held orders (transmit=false) were never reported, but their client
	// knows it placed them and waits for their end: each gets orderStatus
	// Cancelled, in placement order.
	held := make([]*simOrder, 0, len(e.held))
	for _, o := range e.held {
		held = append(held, o)
	}
	sort.Slice(held, func(i, j int) bool { return held[i].seq < held[j].seq })
	for _, o := range held {
		if !o.done {
			o.status = stCancelled
			e.finish(o, now)
			e.sendStatus(toClient(o.key.client), o, stCancelled)
		}
	}
	// Every open order ends, children included (in placement order, so a
	// parent's sequence comes before its children's).
	for _, o := range append([]*simOrder(nil), e.live...) {
		if o.done {
			continue
		}
		// Without a connection for the order's client id the messages go
		// nowhere; the order ends the same.
		e.cancelSequence(toClient(o.key.client), o, now)
	}
}
