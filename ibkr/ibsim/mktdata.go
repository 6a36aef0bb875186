package ibsim

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// Top-of-book market data: reqMktData (1) and cancelMktData (2), streaming
// subscriptions and snapshots, in the layouts of the negotiated version.
//
// What a request gets, as a real Gateway answers it:
//
//   - 58 marketDataType with the type actually served, then (delayed only)
//     warning 10167, then 81 tickReqParams (versions >= 114), then the
//     default ticks: bid, ask and last as tickPrice carrying their size
//     (followed by the same size as tickSize), volume, high, low, close,
//     open, halted, the last trade's time and, for options, the bid, ask,
//     last and model option computations; then the generic ticks asked for.
//   - Delayed data (an account without live subscriptions, Config.Delayed,
//     asking for type 3 or 4) is the market of 15 minutes ago under the
//     delayed tick ids (66-76, 80-83, 88, 90).
//   - Streaming subscriptions then get what changed at every server tick;
//     a closed market changes nothing, so nothing is sent.
//   - Snapshots hold a line until their tickSnapshotEnd (57), sent
//     Config.SnapshotEndDelay after the ticks.
//
// Sizes: bid, ask and last sizes of US stocks are in shares from version
// 159 (MIN_SERVER_VER_MARKET_DATA_IN_SHARES) and in round lots of 100
// before; the day volume (ticks 8 and 74) of US stocks is in lots of 100
// below version 220 and in shares from 220
// (MIN_SERVER_VER_MARKET_DATA_VOLUMES_IN_SHARES). Options count contracts.

// delayedBy is how old delayed market data is (IB: 15 to 20 minutes).
const delayedBy = 15 * time.Minute

// Tick type ids (ibapi tick_type.go).
const (
	tickBidSize        = 0
	tickBid            = 1
	tickAsk            = 2
	tickAskSize        = 3
	tickLast           = 4
	tickLastSize       = 5
	tickHigh           = 6
	tickLow            = 7
	tickVolume         = 8
	tickClose          = 9
	tickBidOption      = 10
	tickAskOption      = 11
	tickLastOption     = 12
	tickModelOption    = 13
	tickOpen           = 14
	tickOptionImpVol   = 24
	tickCallOI         = 27
	tickPutOI          = 28
	tickCallVolume     = 29
	tickPutVolume      = 30
	tickLastTimestamp  = 45
	tickShortable      = 46
	tickHalted         = 49
	tickRTHistVol      = 58
	tickShortableShare = 89
)

// delayedTicks maps live tick types to their delayed counterparts.
var delayedTicks = map[int]int{
	tickBidSize: 69, tickBid: 66, tickAsk: 67, tickAskSize: 70, tickLast: 68, tickLastSize: 71,
	tickHigh: 72, tickLow: 73, tickVolume: 74, tickClose: 75, tickOpen: 76,
	tickBidOption: 80, tickAskOption: 81, tickLastOption: 82, tickModelOption: 83,
	tickLastTimestamp: 88, tickHalted: 90,
}

// delayedTick maps a live tick type to its delayed counterpart; types
// without one (generic ticks) keep their id.
func delayedTick(t int) int {
	if d, ok := delayedTicks[t]; ok {
		return d
	}
	return t
}

// legalGenericTicks is the list IB's error 321 names as legal. Live
// Gateways (2022-2026) name the same list for STK, OPT, IND and FUT; it does
// not contain 104 (historical volatility, tick 23), which IB refuses in a
// generic tick list: historical volatility comes from 411 (tick 58).
const legalGenericTicks = "100(Option Volume),101(Option Open Interest),105(Average Opt Volume),106(impvolat)," +
	"165(Misc. Stats),221/220(Creditman Mark Price),225(Auction),232/221(Pl Price),233(RTVolume),236(inventory)," +
	"258/47(Fundamentals),292(Wide_news),293(TradeCount),294(TradeRate),295(VolumeRate),318(LastRTHTrade)," +
	"375(RTTrdVolume),411(rthistvol),456/59(IBDividends),460(Bond Factor Multiplier),577(EtfNavLast(navlast))," +
	"586(IPOHLMPRC),587(Pl Price Delayed),588(Futures Open Interest),595(Short-Term Volume X Mins)," +
	"614(EtfNavMisc(high/low)),619(Creditman Slow Mark Price),623(EtfFrozenNavLast(fznavlast))"

// legalGeneric is the set of ids in legalGenericTicks (the aliases after a
// slash are tick types, not request ids).
var legalGeneric = func() map[int]bool {
	m := map[int]bool{}
	for _, item := range strings.Split(legalGenericTicks, "),") {
		num := item
		if i := strings.IndexAny(num, "/("); i >= 0 {
			num = num[:i]
		}
		if v, err := strconv.Atoi(num); err == nil {
			m[v] = true
		}
	}
	return m
}()

// comboLeg is one leg of a BAG request.
type comboLeg struct {
	conID  int64
	ratio  int64
	action string // BUY or SELL
	inst   *market.Instrument
}

// mdSub is one market data request: a streaming subscription or an open
// snapshot. Its fields are guarded by the mdState mutex.
type mdSub struct {
	reqID    int64
	inst     *market.Instrument // nil for a combo
	legs     []comboLeg
	secType  string
	exchange string
	generic  []int
	noBasic  bool // "mdoff": generic ticks only
	snapshot bool
	timer    *time.Timer

	requested int  // market data type in effect when requested (1..4)
	delayed   bool // served from delayed data
	served    int  // type last announced with 58
	// last sent values, by tick type (live ids); option computations apart.
	sent   map[int]float64
	greeks map[int]market.Greeks
	trades bool // the market traded at the last update
}

// mdState holds one connection's market data requests.
type mdState struct {
	mu     sync.Mutex
	subs   map[int64]*mdSub
	closed bool
	seq    int            // for the request code IB puts in 321/322 texts
	timers sync.WaitGroup // snapshot-end timers that may still fire
}

func newMDState() *mdState { return &mdState{subs: map[int64]*mdSub{}} }

// reqCode returns a two-character request class code like the one IB puts
// in validation errors ("Error validating request.-'bW' : ...").
func (m *mdState) reqCode() string {
	m.seq++
	return "b" + string(rune('A'+(m.seq+21)%26))
}

// closeAll ends every request of a closing connection and releases their
// lines. It waits for snapshot timers that already fired.
func (m *mdState) closeAll(c *client) {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.dropAll(c)
	m.timers.Wait()
}

// dropAll ends every subscription and frees its line, as the Gateway does
// after 1101 (connectivity restored, data lost); the connection stays and
// takes new requests.
func (m *mdState) dropAll(c *client) {
	m.mu.Lock()
	for id, s := range m.subs {
		m.stopTimer(s)
		c.srv.lines.release()
		delete(m.subs, id)
	}
	m.mu.Unlock()
}

// stopTimer stops a snapshot's end timer; the caller holds m.mu.
func (m *mdState) stopTimer(s *mdSub) {
	if s.timer != nil && s.timer.Stop() {
		m.timers.Done()
	}
	s.timer = nil
}

// tick sends every streaming subscription what changed at now.
func (m *mdState) tick(c *client, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || c.srv.competingSession() {
		return
	}
	for _, s := range m.subs {
		if s.snapshot {
			continue
		}
		c.mdUpdate(s, now, false)
	}
}

// handleReqMktData parses reqMktData exactly as the client encodes it at the
// negotiated version: [1]version(11) [2]reqId [3]conId [4..14] contract
// (tradingClass at >= 68), BAG legs, delta-neutral contract, genericTickList,
// snapshot, regulatorySnapshot (>= 114), mktDataOptions (>= 70).
func handleReqMktData(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqMktData(f)
	if err != nil {
		return err
	}
	var legs []comboLeg
	for _, l := range r.Legs {
		legs = append(legs, comboLeg{conID: l.ConID, ratio: l.Ratio, action: l.Action})
	}
	c.md.request(c, r.ReqID, r.Contract, legs, r.GenericTicks, r.Snapshot)
	return nil
}

// handleCancelMktData: [1]version [2]reqId.
func handleCancelMktData(c *client, f *wire.Fields) error {
	reqID, err := c.codec.CancelMktData(f)
	if err != nil {
		return err
	}
	m := c.md
	m.mu.Lock()
	s, ok := m.subs[reqID]
	if ok {
		m.stopTimer(s)
		delete(m.subs, reqID)
		c.srv.lines.release()
	}
	m.mu.Unlock()
	if !ok {
		c.sendError(reqID, 300, fmt.Sprintf("Can't find EId with tickerId:%d", reqID))
	}
	return nil
}

// request validates a market data request in the order the Gateway does and
// starts it.
func (m *mdState) request(c *client, reqID int64, q market.ContractQuery, legs []comboLeg, genericList string, snapshot bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if _, dup := m.subs[reqID]; dup {
		c.sendError(reqID, 322, fmt.Sprintf("Error processing request.-'%s' : cause - Duplicate ticker id", m.reqCode()))
		return
	}
	if strings.TrimSpace(q.Exchange) == "" {
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Please enter exchange", m.reqCode()))
		return
	}
	generic, noBasic, ok := parseGenericTicks(genericList)
	if snapshot && strings.TrimSpace(genericList) != "" {
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Snapshot market data subscription is not applicable to generic ticks", m.reqCode()))
		return
	}
	if !ok {
		st := strings.ToUpper(q.SecType)
		if st == "" {
			st = "STK"
		}
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Incorrect generic tick list of %s.  Legal ones for (%s) are: %s",
			m.reqCode(), genericList, st, legalGenericTicks))
		return
	}
	now := c.srv.now()
	s := &mdSub{reqID: reqID, generic: generic, noBasic: noBasic, snapshot: snapshot,
		exchange: strings.ToUpper(q.Exchange), sent: map[int]float64{}, greeks: map[int]market.Greeks{}}
	if q.SecType == "BAG" {
		if len(legs) == 0 {
			c.sendError(reqID, 200, "No security definition has been found for the request")
			return
		}
		for i := range legs {
			in := c.srv.ref.ByConID(legs[i].conID, now)
			if in == nil || legs[i].ratio <= 0 {
				c.sendError(reqID, 200, "No security definition has been found for the request")
				return
			}
			legs[i].inst = in
		}
		s.legs = legs
		s.secType = "BAG"
	} else {
		in, msg := c.srv.ref.ResolveOne(q, now)
		if in == nil {
			c.sendError(reqID, 200, msg)
			return
		}
		s.inst = in
		s.secType = in.SecType
	}
	// Permissions: an account without live subscriptions gets delayed data
	// only when it asked for it; an account with them always gets live
	// data (IB ignores a request for delayed data when live data is
	// available).
	s.requested = int(c.mdType.Load())
	if c.srv.cfg.Delayed {
		if s.requested == 1 || s.requested == 2 {
			c.sendError(reqID, 354, "Requested market data is not subscribed.Delayed market data is available."+permissionSuffix(s))
			return
		}
		s.delayed = true
	}
	if !c.srv.lines.acquire() {
		c.sendError(reqID, 101, "Max number of tickers has been reached.")
		return
	}
	m.subs[reqID] = s
	if c.srv.competingSession() {
		// The subscription is kept; no data flows until the competing
		// session ends.
		c.sendError(reqID, 10197, "No market data during competing live session")
	} else {
		c.mdUpdate(s, now, true)
	}
	if snapshot {
		m.timers.Add(1)
		s.timer = time.AfterFunc(c.srv.cfg.SnapshotEndDelay, func() {
			defer m.timers.Done()
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.closed || m.subs[reqID] != s {
				return
			}
			s.timer = nil
			delete(m.subs, reqID)
			c.srv.lines.release()
			c.send(c.codec.TickSnapshotEnd(reqID))
		})
	}
}

// permissionSuffix is the detail IB appends to 354: the missing data
// permission, e.g. "Error&BEST/STK/Top&BEST/STK/Top" for a SMART stock.
func permissionSuffix(s *mdSub) string {
	exch := s.exchange
	if exch == "SMART" {
		exch = "BEST"
	}
	p := exch + "/" + s.secType + "/Top"
	if exch == "BEST" {
		return "Error&" + p + "&" + p
	}
	return "Error&" + p
}

// parseGenericTicks splits a generic tick list. ok is false when an id is
// not one IB accepts. "mdoff" turns the default ticks off; a news id may
// carry its providers after a colon ("292:BRFG").
func parseGenericTicks(list string) (ids []int, noBasic, ok bool) {
	for _, tok := range strings.Split(list, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if strings.EqualFold(tok, "mdoff") {
			noBasic = true
			continue
		}
		if i := strings.IndexByte(tok, ':'); i >= 0 {
			tok = tok[:i]
		}
		v, err := strconv.Atoi(tok)
		if err != nil || !legalGeneric[v] {
			return nil, false, false
		}
		ids = append(ids, v)
	}
	return ids, noBasic, true
}
