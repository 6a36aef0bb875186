package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
)

// Clock tells the engine the market time.
type Clock interface {
	Now() time.Time
}

// Config is what an engine needs from its server. Every field is
// required except TakeReject.
type Config struct {
	// Account is the paper account id.
	Account string
	// Seed fixes the permanent ids and execution ids.
	Seed int64
	// Clock is the market clock.
	Clock Clock
	// Ref and Prices are the market: the contracts orders name and the
	// quotes they fill against.
	Ref    *market.RefData
	Prices *market.PriceModel
	// Sink receives every event.
	Sink Sink
	// MaxAccountSummary is the number of account summary subscriptions
	// one connection may hold at once; one more is refused with 322.
	MaxAccountSummary int
	// TakeReject returns the injected rejection of the next order, if
	// any (the fault panel's RejectNextOrders); nil injects none.
	TakeReject func() (code int, text string, ok bool)
}

// Origin is who sent a request: the connection, which gets the answers,
// and its client id, which owns the orders it places.
type Origin struct {
	Conn     int64
	ClientID int64
}

// reply addresses an event to the connection a request came from.
func (o Origin) reply() Dest { return Dest(o) }

// Dest addresses an event: the connection Conn when it is not zero, else
// whichever connection holds ClientID when the event is sent (nobody, when
// no connection holds it: the event is dropped).
type Dest struct {
	Conn     int64
	ClientID int64
}

// toClient addresses an event to the connection of a client id.
func toClient(clientID int64) Dest { return Dest{ClientID: clientID} }

// Sink receives the engine's events. The engine calls it with its lock
// held, in the order of the engine's events, so the order of every
// client's messages is the order of the events. A sink must not block and
// must not call the engine.
type Sink interface {
	// Send delivers ev to its destination, or drops it when there is
	// none.
	Send(to Dest, ev Event)
	// Live reports whether connection conn can still receive events; the
	// engine drops the subscriptions of one that cannot.
	Live(conn int64) bool
}

// Engine is the order and account state of a server. Its methods are
// safe for concurrent use: each takes the engine's lock and reports what
// happens to the sink while it holds it.
type Engine struct {
	cfg Config

	accepted atomic.Int64 // orders kept
	fills    atomic.Int64 // executions
	rejects  atomic.Int64 // orders refused with an error

	mu       sync.Mutex
	seq      int64
	live     []*simOrder // working and waiting orders, by seq
	byKey    map[orderKey]*simOrder
	held     map[orderKey]*simOrder
	done     []*simOrder
	doneKey  map[orderKey]*simOrder
	refused  map[orderKey]bool // new orders refused with an error; their children are refused too
	execs    []*execRecord
	permNext int64
	execPfx  string
	execLast int64
	orderIDs map[int64]int64 // highest order id used, by client id
	idFloor  int64           // lowest order id accepted since the last restart

	acct  *account
	subs  subscriptions
	multi multiSubs // positions and account updates by model
}

// New returns an engine with no orders and a fresh account.
func New(cfg Config) *Engine {
	h := market.Mix64(uint64(cfg.Seed) ^ 0x6f72646572)
	return &Engine{
		cfg:      cfg,
		byKey:    make(map[orderKey]*simOrder),
		held:     make(map[orderKey]*simOrder),
		doneKey:  make(map[orderKey]*simOrder),
		refused:  make(map[orderKey]bool),
		orderIDs: make(map[int64]int64),
		permNext: 1_100_000_000 + int64(h%50_000_000),
		execPfx:  fmt.Sprintf("0000%04x", 0xe000|(h>>32)&0x0fff),
		acct:     newAccount(cfg.Account),
		subs:     newSubscriptions(),
		multi:    newMultiSubs(),
	}
}

// now is the market clock, read under e.mu so that every event sees a
// market instant no older than the previous event's.
func (e *Engine) now() time.Time { return e.cfg.Clock.Now() }

// emit sends one event to the sink. The caller holds e.mu.
func (e *Engine) emit(to Dest, ev Event) { e.cfg.Sink.Send(to, ev) }

// Counts returns how many orders the engine kept, how many executions it
// made and how many orders it refused.
func (e *Engine) Counts() (accepted, fills, rejects int64) {
	return e.accepted.Load(), e.fills.Load(), e.rejects.Load()
}

// takeReject returns the injected rejection of the next order, if any.
func (e *Engine) takeReject() (int, string, bool) {
	if e.cfg.TakeReject == nil {
		return 0, "", false
	}
	return e.cfg.TakeReject()
}

// ---- order ids ----

// NextOrderID returns the next valid order id for a client id: one more
// than the highest id that client has used, starting at 1.
func (e *Engine) NextOrderID(clientID int64) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return max(e.orderIDs[clientID]+1, e.idFloor)
}

// BumpOrderIDs moves every client id's next valid order id well past any id
// used so far, as after a Gateway restart; lower ids are refused with 103.
func (e *Engine) BumpOrderIDs() {
	e.mu.Lock()
	defer e.mu.Unlock()
	top := e.idFloor
	for _, id := range e.orderIDs {
		top = max(top, id+1)
	}
	e.idFloor = top + 1000
}

// useOrderID takes id as a new order id of clientID. It fails (error 103)
// when id is not above every id the client used, or below the floor a
// restart set. The caller holds e.mu.
func (e *Engine) useOrderID(clientID, id int64) bool {
	if id <= e.orderIDs[clientID] || id < e.idFloor || id <= 0 {
		return false
	}
	e.orderIDs[clientID] = id
	return true
}
