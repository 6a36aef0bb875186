package ibsim

import (
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// Market data callbacks. Tick events carry the tick type in Code.

type optComp struct {
	Attrib                                           int64
	IV, Delta, Price, PVDiv, Gamma, Vega, Theta, Und float64
}

type reqParams struct {
	MinTick     float64
	BBO         string
	Permissions int64
}

func (r *recorder) TickPrice(reqID int64, tickType ibapi.TickType, price float64, attrib ibapi.TickAttrib) {
	r.add(ev{Kind: "TickPrice", ReqID: reqID, Code: tickType, Data: price})
}
func (r *recorder) TickSize(reqID int64, tickType ibapi.TickType, size ibapi.Decimal) {
	r.add(ev{Kind: "TickSize", ReqID: reqID, Code: tickType, Data: size.Float()})
}
func (r *recorder) TickGeneric(reqID int64, tickType ibapi.TickType, value float64) {
	r.add(ev{Kind: "TickGeneric", ReqID: reqID, Code: tickType, Data: value})
}
func (r *recorder) TickString(reqID int64, tickType ibapi.TickType, value string) {
	r.add(ev{Kind: "TickString", ReqID: reqID, Code: tickType, Msg: value})
}
func (r *recorder) TickOptionComputation(reqID int64, tickType ibapi.TickType, tickAttrib int64, impliedVol, delta, optPrice, pvDividend, gamma, vega, theta, undPrice float64) {
	r.add(ev{Kind: "TickOptionComputation", ReqID: reqID, Code: tickType,
		Data: optComp{tickAttrib, impliedVol, delta, optPrice, pvDividend, gamma, vega, theta, undPrice}})
}
func (r *recorder) TickSnapshotEnd(reqID int64) { r.add(ev{Kind: "TickSnapshotEnd", ReqID: reqID}) }
func (r *recorder) MarketDataType(reqID, marketDataType int64) {
	r.add(ev{Kind: "MarketDataType", ReqID: reqID, Data: marketDataType})
}
func (r *recorder) TickReqParams(reqID int64, minTick float64, bboExchange string, snapshotPermissions int64) {
	r.add(ev{Kind: "TickReqParams", ReqID: reqID, Data: reqParams{minTick, bboExchange, snapshotPermissions}})
}

// mdAt is the instant most market data tests run at: a Tuesday morning.
var mdAt = time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)

const spyConID = 756733

func spyContract() *ibapi.Contract {
	c := ibapi.NewContract()
	c.ConID = spyConID
	c.Symbol = "SPY"
	c.SecType = "STK"
	c.Exchange = "SMART"
	c.Currency = "USD"
	return c
}

func instContract(in *market.Instrument) *ibapi.Contract {
	c := ibapi.NewContract()
	c.ConID = in.ConID
	c.Symbol = in.Symbol
	c.SecType = in.SecType
	c.LastTradeDateOrContractMonth = in.Expiry
	if in.Strike > 0 {
		c.Strike = in.Strike
	}
	c.Right = in.Right
	c.Multiplier = in.Multiplier
	c.Exchange = "SMART"
	c.Currency = "USD"
	return c
}

// tickValues returns the last value of each tick type of a kind for reqID.
func tickValues(r *recorder, reqID int64, kind string) map[int64]float64 {
	out := map[int64]float64{}
	for _, e := range r.all() {
		if e.Kind == kind && e.ReqID == reqID {
			if v, ok := e.Data.(float64); ok {
				out[e.Code] = v
			}
		}
	}
	return out
}

// comps returns the last option computation of each tick type for reqID.
func comps(r *recorder, reqID int64) map[int64]optComp {
	out := map[int64]optComp{}
	for _, e := range r.all() {
		if e.Kind == "TickOptionComputation" && e.ReqID == reqID {
			out[e.Code] = e.Data.(optComp)
		}
	}
	return out
}

// eventsFor returns the events of reqID from index from on.
func eventsFor(r *recorder, reqID int64, from int) []ev {
	var out []ev
	for i, e := range r.all() {
		if i >= from && e.ReqID == reqID {
			out = append(out, e)
		}
	}
	return out
}

// syncClient waits until every message the server queued before now has reached
// the client: the answer to reqCurrentTime comes after them.
func syncClient(t *testing.T, c *ibapi.EClient, r *recorder) {
	t.Helper()
	from := len(r.all())
	c.ReqCurrentTime()
	r.wait(t, from, "currentTime", func(e ev) bool { return e.Kind == "CurrentTime" })
}

// nearMoney returns a call and a put of the underlying's nearest expiry at
// least a week out, at the strike nearest its price.
func nearMoney(t *testing.T, s *Server, und *market.Instrument, now time.Time) (call, put *market.Instrument) {
	t.Helper()
	px := s.prices.Quote(und, now).Last
	opts := s.ref.Resolve(market.ContractQuery{Symbol: und.Symbol, SecType: "OPT", Exchange: "SMART", Currency: "USD"}, now)
	if len(opts) == 0 || px <= 0 {
		t.Fatalf("no options for %s (price %v)", und.Symbol, px)
	}
	minExp := now.AddDate(0, 0, 7).Format("20060102")
	sort.Slice(opts, func(i, j int) bool {
		a, b := opts[i], opts[j]
		if a.Expiry != b.Expiry {
			return a.Expiry < b.Expiry
		}
		return math.Abs(a.Strike-px) < math.Abs(b.Strike-px)
	})
	for _, o := range opts {
		if o.Expiry < minExp {
			continue
		}
		if o.Right == "C" && call == nil {
			call = o
		}
		if o.Right == "P" && put == nil {
			put = o
		}
		if call != nil && put != nil {
			if call.Expiry != put.Expiry || call.Strike != put.Strike {
				t.Fatalf("call %v/%v and put %v/%v differ", call.Expiry, call.Strike, put.Expiry, put.Strike)
			}
			return call, put
		}
	}
	t.Fatalf("no call and put of %s a week out", und.Symbol)
	return nil, nil
}

func spyInst(t *testing.T, s *Server) *market.Instrument {
	t.Helper()
	in := s.ref.ByConID(spyConID, s.now())
	if in == nil {
		t.Fatal("SPY unknown to the reference data")
	}
	return in
}

func TestMktDataStockSnapshot(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt)})
	c, r := dial(t, s, 1)
	c.ReqMktData(7, spyContract(), "", true, false, nil)
	r.waitKind(t, "TickSnapshotEnd", 7)
	evs := eventsFor(r, 7, 0)
	if evs[0].Kind != "MarketDataType" || evs[0].Data.(int64) != 1 {
		t.Fatalf("first event = %v, want marketDataType 1", evs[0])
	}
	if evs[len(evs)-1].Kind != "TickSnapshotEnd" {
		t.Fatalf("last event = %v, want tickSnapshotEnd", evs[len(evs)-1])
	}
	p := r.waitKind(t, "TickReqParams", 7).Data.(reqParams)
	if p.MinTick != 0.01 || p.Permissions != 3 || p.BBO == "" {
		t.Errorf("tickReqParams = %+v", p)
	}
	px := tickValues(r, 7, "TickPrice")
	sz := tickValues(r, 7, "TickSize")
	bid, ask, last := px[1], px[2], px[4]
	if !(bid > 0 && bid < ask) {
		t.Fatalf("bid %v ask %v", bid, ask)
	}
	if spread := ask - bid; spread > 0.005*ask {
		t.Errorf("spread %v is implausible for SPY at %v", spread, ask)
	}
	if last <= 0 || math.Abs(last-(bid+ask)/2) > 0.01*ask {
		t.Errorf("last %v far from the quote %v/%v", last, bid, ask)
	}
	for _, tt := range []int64{0, 3, 5, 8} {
		if sz[tt] <= 0 {
			t.Errorf("size tick %d = %v, want > 0 (sizes %v)", tt, sz[tt], sz)
		}
	}
	for _, tt := range []int64{6, 7, 9, 14} {
		if px[tt] <= 0 {
			t.Errorf("price tick %d = %v, want > 0", tt, px[tt])
		}
	}
	if px[6] < px[7] {
		t.Errorf("high %v < low %v", px[6], px[7])
	}
	if g := tickValues(r, 7, "TickGeneric"); g[49] != 0 {
		t.Errorf("halted = %v", g[49])
	}
	if s.Stats().MarketDataLines != 0 {
		t.Errorf("lines after snapshot end = %d", s.Stats().MarketDataLines)
	}
	// The snapshot's id is free again: cancelling it is an unknown id.
	c.CancelMktData(7)
	if e := r.waitError(t, 7, 300); e.Msg != "Can't find EId with tickerId:7" {
		t.Errorf("300 text = %q", e.Msg)
	}
}

func TestMktDataOptionSnapshotGreeks(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt)})
	c, r := dial(t, s, 1)
	spy := spyInst(t, s)
	call, put := nearMoney(t, s, spy, s.now())
	undQ := s.prices.Quote(spy, s.now())
	c.ReqMktData(1, instContract(call), "", true, false, nil)
	c.ReqMktData(2, instContract(put), "", true, false, nil)
	r.waitKind(t, "TickSnapshotEnd", 1)
	r.waitKind(t, "TickSnapshotEnd", 2)
	for _, tc := range []struct {
		id     int64
		lo, hi float64
	}{{1, 0, 1}, {2, -1, 0}} {
		px := tickValues(r, tc.id, "TickPrice")
		if !(px[1] > 0 && px[1] < px[2]) {
			t.Errorf("req %d: bid %v ask %v", tc.id, px[1], px[2])
		}
		cs := comps(r, tc.id)
		for _, tt := range []int64{10, 11, 13} {
			if _, ok := cs[tt]; !ok {
				t.Errorf("req %d: no option computation %d (have %v)", tc.id, tt, cs)
			}
		}
		m := cs[13]
		// (A deep in-the-money put may have a positive theta.)
		if !(m.Delta > tc.lo && m.Delta < tc.hi) || m.Gamma <= 0 || m.IV <= 0 || m.Vega <= 0 || (tc.id == 1 && m.Theta >= 0) {
			t.Errorf("req %d: model greeks %+v", tc.id, m)
		}
		if m.Price <= 0 || m.Price < px[1]*0.5 || m.Price > px[2]*2 {
			t.Errorf("req %d: model price %v vs quote %v/%v", tc.id, m.Price, px[1], px[2])
		}
		if math.Abs(m.Und-undQ.Last) > 0.005*undQ.Last {
			t.Errorf("req %d: undPrice %v, underlying last %v", tc.id, m.Und, undQ.Last)
		}
		if b := cs[10]; b.IV <= 0 || b.Attrib != 1 || m.Attrib != 0 {
			t.Errorf("req %d: bid computation %+v, model attrib %d", tc.id, b, m.Attrib)
		}
	}
}

func TestMktDataStreamingAndCancel(t *testing.T) {
	clk := NewVirtualClock(mdAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour})
	c, r := dial(t, s, 1)
	c.ReqMktData(3, spyContract(), "", false, false, nil)
	r.wait(t, 0, "SPY close", func(e ev) bool { return e.Kind == "TickPrice" && e.ReqID == 3 && e.Code == 9 })
	syncClient(t, c, r)
	if n := s.Stats().MarketDataLines; n != 1 {
		t.Fatalf("lines = %d, want 1", n)
	}
	first := tickValues(r, 3, "TickPrice")
	// Nothing new at the same instant.
	mark := len(r.all())
	s.Tick()
	syncClient(t, c, r)
	if evs := eventsFor(r, 3, mark); len(evs) != 0 {
		t.Fatalf("updates without a clock move: %v", evs)
	}
	// A minute later the market moved.
	for range 5 {
		clk.Advance(time.Minute)
		s.Tick()
	}
	syncClient(t, c, r)
	evs := eventsFor(r, 3, mark)
	if len(evs) == 0 {
		t.Fatal("no streaming updates after the clock moved")
	}
	for _, e := range evs {
		if e.Kind == "MarketDataType" || e.Kind == "TickReqParams" {
			t.Errorf("streaming resent %v", e)
		}
	}
	now := tickValues(r, 3, "TickPrice")
	if now[1] == first[1] && now[2] == first[2] && now[4] == first[4] {
		t.Errorf("bid/ask/last unchanged after 5 minutes: %v", now)
	}
	if vol := tickValues(r, 3, "TickSize")[8]; vol <= 0 {
		t.Errorf("volume %v", vol)
	}
	// Cancel stops the updates and frees the line.
	c.CancelMktData(3)
	syncClient(t, c, r)
	mark = len(r.all())
	clk.Advance(time.Minute)
	s.Tick()
	syncClient(t, c, r)
	if evs := eventsFor(r, 3, mark); len(evs) != 0 {
		t.Fatalf("updates after cancel: %v", evs)
	}
	if n := s.Stats().MarketDataLines; n != 0 {
		t.Fatalf("lines after cancel = %d", n)
	}
}

func TestMktDataOptionStreaming(t *testing.T) {
	clk := NewVirtualClock(mdAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour})
	c, r := dial(t, s, 1)
	call, _ := nearMoney(t, s, spyInst(t, s), s.now())
	c.ReqMktData(4, instContract(call), "101", false, false, nil)
	r.wait(t, 0, "model greeks", func(e ev) bool { return e.Kind == "TickOptionComputation" && e.ReqID == 4 && e.Code == 13 })
	syncClient(t, c, r)
	if oi := tickValues(r, 4, "TickSize"); oi[27] <= 0 {
		t.Errorf("call open interest (tick 27) = %v", oi)
	}
	mark := len(r.all())
	clk.Advance(10 * time.Minute)
	s.Tick()
	syncClient(t, c, r)
	got := false
	for _, e := range eventsFor(r, 4, mark) {
		if e.Kind == "TickOptionComputation" && e.Code == 13 {
			got = true
		}
	}
	if !got {
		t.Error("no model greeks update after the clock moved")
	}
}

func TestMktDataGenericTicks(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt)})
	c, r := dial(t, s, 1)
	c.ReqMktData(5, spyContract(), "100,101,106,411,236", false, false, nil)
	r.wait(t, 0, "tick 58", func(e ev) bool { return e.Kind == "TickGeneric" && e.ReqID == 5 && e.Code == 58 })
	syncClient(t, c, r)
	sz := tickValues(r, 5, "TickSize")
	for _, tt := range []int64{27, 28, 29, 30} {
		if sz[tt] <= 0 {
			t.Errorf("tick %d = %v, want > 0", tt, sz[tt])
		}
	}
	g := tickValues(r, 5, "TickGeneric")
	if iv := g[24]; iv <= 0.02 || iv > 2 {
		t.Errorf("implied vol (24) = %v", iv)
	}
	if hv := g[58]; hv <= 0.02 || hv > 2 {
		t.Errorf("historical vol (58) = %v", hv)
	}
	if g[46] != 3 {
		t.Errorf("shortable (46) = %v", g[46])
	}
	// IB refuses 104 in a generic tick list, naming the whole list.
	c.ReqMktData(6, spyContract(), "100,104", false, false, nil)
	e := r.waitError(t, 6, 321)
	if !strings.Contains(e.Msg, "Incorrect generic tick list of 100,104.  Legal ones for (STK) are: 100(Option Volume),") {
		t.Errorf("321 text = %q", e.Msg)
	}
	syncClient(t, c, r)
	if n := s.Stats().MarketDataLines; n != 1 {
		t.Errorf("lines = %d, want 1 (the refused request holds none)", n)
	}
}

func TestMktDataRequestErrors(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt)})
	c, r := dial(t, s, 1)
	check := func(id, code int64, want string) {
		t.Helper()
		e := r.waitError(t, id, code)
		if !strings.Contains(e.Msg, want) {
			t.Errorf("req %d: error %d %q, want it to contain %q", id, code, e.Msg, want)
		}
	}
	c.ReqMktData(10, spyContract(), "100", true, false, nil)
	check(10, 321, "cause - Snapshot market data subscription is not applicable to generic ticks")
	c.ReqMktData(11, spyContract(), "999", false, false, nil)
	check(11, 321, "Incorrect generic tick list of 999.")
	noExch := spyContract()
	noExch.Exchange = ""
	c.ReqMktData(12, noExch, "", false, false, nil)
	check(12, 321, "cause - Please enter exchange")
	bogus := spyContract()
	bogus.ConID = 999999999
	c.ReqMktData(13, bogus, "", false, false, nil)
	check(13, 200, "No security definition has been found for the request")
	bySymbol := ibapi.NewContract()
	bySymbol.Symbol, bySymbol.SecType, bySymbol.Exchange, bySymbol.Currency = "NOSUCH", "STK", "SMART", "USD"
	c.ReqMktData(14, bySymbol, "", false, false, nil)
	check(14, 200, "No security definition has been found for the request")
	c.ReqMktData(15, spyContract(), "", false, false, nil)
	r.waitKind(t, "MarketDataType", 15)
	c.ReqMktData(15, spyContract(), "", false, false, nil)
	check(15, 322, "Error processing request.-'")
	check(15, 322, "' : cause - Duplicate ticker id")
	c.CancelMktData(16)
	check(16, 300, "Can't find EId with tickerId:16")
	for _, e := range r.all() {
		if e.Kind == "MarketDataType" && e.ReqID != 15 {
			t.Errorf("a refused request got %v", e)
		}
	}
	syncClient(t, c, r)
	if n := s.Stats().MarketDataLines; n != 1 {
		t.Errorf("lines = %d, want 1", n)
	}
}

func TestMktDataLineLimit(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt), SnapshotEndDelay: 400 * time.Millisecond,
		Limits: Limits{MaxMarketDataLines: 2}})
	c, r := dial(t, s, 1)
	c.ReqMktData(1, spyContract(), "", false, false, nil)
	c.ReqMktData(2, spyContract(), "", true, false, nil)
	c.ReqMktData(3, spyContract(), "", false, false, nil)
	if e := r.waitError(t, 3, 101); e.Msg != "Max number of tickers has been reached." {
		t.Errorf("101 text = %q", e.Msg)
	}
	r.waitKind(t, "MarketDataType", 2)
	if n := s.Stats().MarketDataLines; n != 2 {
		t.Errorf("lines with an open snapshot = %d, want 2", n)
	}
	// The snapshot's line is free after its end.
	r.waitKind(t, "TickSnapshotEnd", 2)
	if n := s.Stats().MarketDataLines; n != 1 {
		t.Errorf("lines after the snapshot end = %d, want 1", n)
	}
	c.ReqMktData(4, spyContract(), "", false, false, nil)
	r.waitKind(t, "MarketDataType", 4)
	c.ReqMktData(5, spyContract(), "", true, false, nil)
	r.waitError(t, 5, 101)
	c.CancelMktData(1)
	c.ReqMktData(6, spyContract(), "", false, false, nil)
	r.waitKind(t, "MarketDataType", 6)
	for _, id := range []int64{3, 5} {
		if evs := eventsFor(r, id, 0); len(evs) != 1 {
			t.Errorf("refused request %d got %v", id, evs)
		}
	}
	if st := s.Stats(); st.MarketDataLines != 2 || st.MarketDataLinesPeak != 2 {
		t.Errorf("lines %d peak %d", st.MarketDataLines, st.MarketDataLinesPeak)
	}
}

func TestMktDataDelayedAccount(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt), Delayed: true})
	c, r := dial(t, s, 1)
	// Live data asked for: refused, nothing kept.
	c.ReqMktData(1, spyContract(), "", false, false, nil)
	e := r.waitError(t, 1, 354)
	if !strings.HasPrefix(e.Msg, "Requested market data is not subscribed.Delayed market data is available.") {
		t.Errorf("354 text = %q", e.Msg)
	}
	c.ReqMarketDataType(3)
	c.ReqMktData(2, spyContract(), "", false, false, nil)
	call, _ := nearMoney(t, s, spyInst(t, s), s.now())
	c.ReqMktData(3, instContract(call), "", true, false, nil)
	r.waitKind(t, "TickSnapshotEnd", 3)
	r.wait(t, 0, "delayed open", func(e ev) bool { return e.Kind == "TickPrice" && e.ReqID == 2 && e.Code == 76 })
	syncClient(t, c, r)
	for _, id := range []int64{2, 3} {
		evs := eventsFor(r, id, 0)
		if evs[0].Kind != "MarketDataType" || evs[0].Data.(int64) != 3 {
			t.Errorf("req %d: first event %v, want marketDataType 3", id, evs[0])
		}
		if evs[1].Kind != "Error" || evs[1].Code != 10167 || evs[1].Msg != "Requested market data is not subscribed. Displaying delayed market data." {
			t.Errorf("req %d: second event %v, want warning 10167", id, evs[1])
		}
		for _, e := range evs {
			if (e.Kind == "TickPrice" || e.Kind == "TickSize" || e.Kind == "TickOptionComputation") && e.Code < 66 {
				t.Errorf("req %d: live tick %v on a delayed line", id, e)
			}
		}
	}
	px := tickValues(r, 2, "TickPrice")
	for _, tt := range []int64{66, 67, 68, 72, 73, 75, 76} {
		if px[tt] <= 0 {
			t.Errorf("delayed price tick %d = %v", tt, px[tt])
		}
	}
	sz := tickValues(r, 2, "TickSize")
	for _, tt := range []int64{69, 70, 71, 74} {
		if sz[tt] <= 0 {
			t.Errorf("delayed size tick %d = %v", tt, sz[tt])
		}
	}
	if px[66] >= px[67] {
		t.Errorf("delayed bid %v >= ask %v", px[66], px[67])
	}
	cs := comps(r, 3)
	for _, tt := range []int64{80, 81, 83} {
		if _, ok := cs[tt]; !ok {
			t.Errorf("no delayed option computation %d: %v", tt, cs)
		}
	}
	// Delayed data is the market of 15 minutes ago.
	old := s.prices.Quote(spyInst(t, s), mdAt.Add(-delayedBy))
	if px[68] != old.Last {
		t.Errorf("delayed last %v, market 15 minutes ago %v", px[68], old.Last)
	}
	if n := s.Stats().MarketDataLines; n != 1 {
		t.Errorf("lines = %d, want 1", n)
	}
	if len(r.errorsWith(354)) != 1 {
		t.Errorf("354 count = %d", len(r.errorsWith(354)))
	}
}

func TestMktDataLiveAccountIgnoresDelayedType(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt)})
	c, r := dial(t, s, 1)
	c.ReqMarketDataType(4)
	c.ReqMktData(1, spyContract(), "", true, false, nil)
	r.waitKind(t, "TickSnapshotEnd", 1)
	if e := r.waitKind(t, "MarketDataType", 1); e.Data.(int64) != 1 {
		t.Errorf("market data type %v, want 1 (live data is available)", e.Data)
	}
	if len(r.errorsWith(10167)) != 0 || tickValues(r, 1, "TickPrice")[1] <= 0 {
		t.Errorf("not served live: %v", eventsFor(r, 1, 0))
	}
}

func TestMktDataOutsideTradingHours(t *testing.T) {
	// 21:00 New York: stocks (04:00-20:00) and options are closed.
	clk := NewVirtualClock(time.Date(2026, 3, 10, 21, 0, 0, 0, market.NewYork))
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour})
	c, r := dial(t, s, 1)
	call, _ := nearMoney(t, s, spyInst(t, s), s.now())
	c.ReqMktData(1, spyContract(), "", true, false, nil)
	c.ReqMktData(2, instContract(call), "", true, false, nil)
	r.waitKind(t, "TickSnapshotEnd", 1)
	r.waitKind(t, "TickSnapshotEnd", 2)
	for _, id := range []int64{1, 2} {
		if e := r.waitKind(t, "MarketDataType", id); e.Data.(int64) != 1 {
			t.Errorf("req %d: type %v, want 1", id, e.Data)
		}
		px := tickValues(r, id, "TickPrice")
		if px[1] != -1 || px[2] != -1 {
			t.Errorf("req %d: live bid/ask of a closed market = %v/%v, want -1", id, px[1], px[2])
		}
		if px[9] <= 0 {
			t.Errorf("req %d: close %v", id, px[9])
		}
	}
	if px := tickValues(r, 1, "TickPrice"); px[4] <= 0 {
		t.Errorf("stock last %v", px[4])
	}
	// Frozen: the last quote, announced as type 2.
	c.ReqMarketDataType(2)
	c.ReqMktData(3, spyContract(), "", false, false, nil)
	r.wait(t, 0, "frozen close", func(e ev) bool { return e.Kind == "TickPrice" && e.ReqID == 3 && e.Code == 9 })
	if e := r.waitKind(t, "MarketDataType", 3); e.Data.(int64) != 2 {
		t.Errorf("frozen type %v, want 2", e.Data)
	}
	px := tickValues(r, 3, "TickPrice")
	if !(px[1] > 0 && px[1] < px[2]) {
		t.Errorf("frozen bid/ask %v/%v", px[1], px[2])
	}
	// A closed market sends nothing new.
	syncClient(t, c, r)
	mark := len(r.all())
	clk.Advance(30 * time.Minute)
	s.Tick()
	syncClient(t, c, r)
	if evs := eventsFor(r, 3, mark); len(evs) != 0 {
		t.Errorf("updates while closed: %v", evs)
	}
	// The next morning the market opens and the line turns live.
	clk.Set(time.Date(2026, 3, 11, 10, 0, 0, 0, market.NewYork))
	s.Tick()
	syncClient(t, c, r)
	types := []int64{}
	for _, e := range eventsFor(r, 3, mark) {
		if e.Kind == "MarketDataType" {
			types = append(types, e.Data.(int64))
		}
	}
	if len(types) != 1 || types[0] != 1 {
		t.Errorf("types after the open = %v, want [1]", types)
	}
}

// TestMktDataOldVersions runs the real client against servers capped at
// older versions: sizes in lots before 159, the option computation with a
// version field before 156, no tickReqParams before 114.
func TestMktDataOldVersions(t *testing.T) {
	sizes := map[int]map[int64]float64{}
	for _, v := range []int{200, 151, 110} {
		s := startSim(t, Config{Clock: NewVirtualClock(mdAt), MaxServerVersion: v})
		c, r := dial(t, s, 1)
		call, _ := nearMoney(t, s, spyInst(t, s), s.now())
		c.ReqMktData(1, spyContract(), "", true, false, nil)
		c.ReqMktData(2, instContract(call), "", true, false, nil)
		r.waitKind(t, "TickSnapshotEnd", 1)
		r.waitKind(t, "TickSnapshotEnd", 2)
		sizes[v] = tickValues(r, 1, "TickSize")
		m := comps(r, 2)[13]
		if !(m.Delta > 0 && m.Delta < 1) || m.Gamma <= 0 || m.IV <= 0 || m.Und <= 0 {
			t.Errorf("v%d: model greeks %+v", v, m)
		}
		if got := countKind(r, "TickReqParams") > 0; got != (v >= 114) {
			t.Errorf("v%d: tickReqParams sent = %v", v, got)
		}
	}
	for _, tt := range []int64{0, 3} {
		if want := math.Round(sizes[200][tt] / 100); sizes[151][tt] != want || sizes[110][tt] != want {
			t.Errorf("size tick %d: v200 %v shares, v151 %v and v110 %v lots, want %v", tt, sizes[200][tt], sizes[151][tt], sizes[110][tt], want)
		}
	}
	if sizes[151][8] != sizes[200][8] {
		t.Errorf("volume v151 %v, v200 %v: both in lots", sizes[151][8], sizes[200][8])
	}
}

func TestMktDataCombo(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt)})
	c, r := dial(t, s, 1)
	call, put := nearMoney(t, s, spyInst(t, s), s.now())
	bag := ibapi.NewContract()
	bag.Symbol, bag.SecType, bag.Exchange, bag.Currency = "SPY", "BAG", "SMART", "USD"
	bag.ComboLegs = []ibapi.ComboLeg{{ConID: call.ConID, Ratio: 1, Action: "BUY", Exchange: "SMART"},
		{ConID: put.ConID, Ratio: 1, Action: "BUY", Exchange: "SMART"}}
	c.ReqMktData(1, bag, "", true, false, nil)
	c.ReqMktData(2, instContract(call), "", true, false, nil)
	c.ReqMktData(3, instContract(put), "", true, false, nil)
	for _, id := range []int64{1, 2, 3} {
		r.waitKind(t, "TickSnapshotEnd", id)
	}
	b, cp, pp := tickValues(r, 1, "TickPrice"), tickValues(r, 2, "TickPrice"), tickValues(r, 3, "TickPrice")
	if math.Abs(b[1]-(cp[1]+pp[1])) > 0.011 || math.Abs(b[2]-(cp[2]+pp[2])) > 0.011 {
		t.Errorf("straddle %v/%v, legs %v/%v and %v/%v", b[1], b[2], cp[1], cp[2], pp[1], pp[2])
	}
}

func TestParseGenericTicks(t *testing.T) {
	if len(legalGeneric) != 28 {
		t.Errorf("%d legal generic ticks, want IB's 28", len(legalGeneric))
	}
	for _, tc := range []struct {
		in      string
		ids     []int
		noBasic bool
		ok      bool
	}{
		{"", nil, false, true},
		{"100,101,106", []int{100, 101, 106}, false, true},
		{" 411 , 236,", []int{411, 236}, false, true},
		{"mdoff,292:BRFG", []int{292}, true, true},
		{"623,614,577,221", []int{623, 614, 577, 221}, false, true},
		{"104", nil, false, false},
		{"100,576", nil, false, false},
		{"abc", nil, false, false},
	} {
		ids, noBasic, ok := parseGenericTicks(tc.in)
		if ok != tc.ok || noBasic != tc.noBasic || (ok && !slices.Equal(ids, tc.ids)) {
			t.Errorf("parseGenericTicks(%q) = %v, %v, %v; want %v, %v, %v", tc.in, ids, noBasic, ok, tc.ids, tc.noBasic, tc.ok)
		}
	}
}

// rawMsg frames one request for a raw socket.
func rawMsg(fields ...string) []byte {
	return wire.EncodeFrame(fields...)
}

func TestMktDataLinesReleasedWhenConnectionEnds(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt), SnapshotEndDelay: time.Hour})
	nc, br, hs := rawHandshake(t, s.Addr(), "v100..200")
	if hs[0] != "200" {
		t.Fatalf("handshake %v", hs)
	}
	var out []byte
	out = append(out, rawMsg("71", "2", "9", "")...)
	// reqMktData at version 200: streaming SPY, then a snapshot that stays
	// open for an hour.
	for _, id := range []string{"1", "2"} {
		snap := "0"
		if id == "2" {
			snap = "1"
		}
		out = append(out, rawMsg("1", "11", id, "756733", "SPY", "STK", "", "0", "", "", "SMART", "", "USD", "", "",
			"0", "", snap, "0", "")...)
	}
	if _, err := nc.Write(out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for !(seen["1"] && seen["2"]) {
		p, err := wire.ReadFrame(br)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		f := wire.SplitFields(p)
		if f[0] == "58" {
			seen[f[2]] = true
		}
	}
	if n := s.Stats().MarketDataLines; n != 2 {
		t.Fatalf("lines = %d, want 2", n)
	}
	nc.Close()
	deadline := time.Now().Add(waitTimeout)
	for s.Stats().MarketDataLines != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("lines after the connection ended = %d", s.Stats().MarketDataLines)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMktDataRawLayouts checks the exact fields of the messages against the
// decoder's expectations at version 200 and at 151.
func TestMktDataRawLayouts(t *testing.T) {
	for _, v := range []string{"200", "151"} {
		s := startSim(t, Config{Clock: NewVirtualClock(mdAt), MaxServerVersion: 200})
		nc, br, _ := rawHandshake(t, s.Addr(), "v100.."+v)
		call, _ := nearMoney(t, s, spyInst(t, s), s.now())
		var out []byte
		out = append(out, rawMsg("71", "2", "9", "")...)
		req := []string{"1", "11", "5", itoa(call.ConID), "SPY", "OPT", call.Expiry, "", call.Right, "100", "SMART", "", "USD", "", "",
			"0", "", "1", "0", ""} // ... snapshot, regulatorySnapshot (>= 114), mktDataOptions (>= 70)
		out = append(out, rawMsg(req...)...)
		if _, err := nc.Write(out); err != nil {
			t.Fatal(err)
		}
		byID := map[string][][]string{}
		for {
			_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
			p, err := wire.ReadFrame(br)
			if err != nil {
				t.Fatalf("v%s read: %v", v, err)
			}
			f := wire.SplitFields(p)
			byID[f[0]] = append(byID[f[0]], f)
			if f[0] == "57" {
				break
			}
		}
		// 21 has 12 fields at both: a version field before 156, tickAttrib from 156.
		want := map[string]int{"1": 7, "2": 5, "21": 12, "58": 4, "81": 5, "57": 3}
		for id, n := range want {
			if len(byID[id]) == 0 {
				t.Errorf("v%s: no message %s", v, id)
			}
			for _, f := range byID[id] {
				if len(f) != n {
					t.Errorf("v%s: message %s has %d fields %q, want %d", v, id, len(f), f, n)
				}
			}
		}
		for _, f := range byID["21"] {
			if v == "151" && f[1] != "6" {
				t.Errorf("v151 option computation %q: want version 6 first", f)
			}
			if v == "200" && f[1] != "5" {
				t.Errorf("v200 option computation %q: want reqId first", f)
			}
		}
		nc.Close()
	}
}
