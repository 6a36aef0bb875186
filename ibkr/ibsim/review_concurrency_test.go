package ibsim

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
)

// TestReviewConcurrentMixAt225: 50 goroutines on one scmhub client at 225
// each make a different request (contract details, snapshots, historical
// data, depth, tick-by-tick history, scanner, histogram, head timestamp,
// historical ticks), some cancelled at once; every request that is not
// cancelled must be answered on its own id, nothing on -1 and no 320.
func TestReviewConcurrentMixAt225(t *testing.T) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 100000, HistBurstCount: 1000, HistLongCount: 1000}})
	c, r := dial(t, s, 1)
	sub := ibapi.NewScannerSubscription()
	sub.Instrument, sub.LocationCode, sub.ScanCode = "STK", "STK.US.MAJOR", "TOP_PERC_GAIN"
	type job struct {
		call func(id int64)
		kind string
	}
	isl := func() *ibapi.Contract { x := spyContract(); x.Exchange = "ISLAND"; return x }
	jobs := []job{
		{func(id int64) { c.ReqContractDetails(id, spyContract()) }, "ContractDetails"},
		{func(id int64) { c.ReqMktData(id, spyContract(), "", true, false, nil) }, "TickSnapshotEnd"},
		{func(id int64) {
			c.ReqHistoricalData(id, spyContract(), "", fmt.Sprintf("%d S", 1800+id%7*60), "1 min", "TRADES", true, 1, false, nil)
		}, "HistoricalDataEnd"},
		{func(id int64) { c.ReqHeadTimeStamp(id, spyContract(), "TRADES", true, 1) }, "HeadTimestamp"},
		{func(id int64) { c.ReqHistogramData(id, spyContract(), true, "1 day") }, "HistogramData"},
		{func(id int64) {
			c.ReqHistoricalTicks(id, spyContract(), "20260309 15:00:00 US/Eastern", "", 10, "TRADES", true, false, nil)
		}, "HistoricalTicksLast"},
		{func(id int64) { c.ReqScannerSubscription(id, sub, nil, nil) }, "ScannerDataEnd"},
		{func(id int64) { c.ReqSecDefOptParams(id, "SPY", "", "STK", spyConID) }, "SecDefOptParamEnd"},
		{func(id int64) { c.ReqMatchingSymbols(id, "SP") }, "SymbolSamples"},
		{func(id int64) { c.ReqPnLSingle(id, DefaultAccount, "", spyConID) }, "PnLSingle"},
	}
	var wg sync.WaitGroup
	want := map[int64]string{}
	var mu sync.Mutex
	for i := range 50 {
		id := int64(500 + i)
		j := jobs[i%len(jobs)]
		mu.Lock()
		want[id] = j.kind
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.call(id)
		}()
	}
	// Depth and tick-by-tick, each cancelled as soon as it is sent, by three
	// goroutines: at most three of each are open at any time, the limit.
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.ReqMktDepth(int64(700+i), isl(), 5, false, nil)
			c.CancelMktDepth(int64(700+i), false)
			c.ReqTickByTickData(int64(800+i), spyContract(), "BidAsk", 5, false)
			c.CancelTickByTickData(int64(800 + i))
		}()
	}
	wg.Wait()
	for id, kind := range want {
		r.wait(t, 0, fmt.Sprintf("%s on %d", kind, id), func(e ev) bool { return e.ReqID == id && e.Kind == kind })
	}
	ordSync(t, c, r)
	for _, e := range r.all() {
		if e.Kind == "Error" && (e.Code == 320 || e.ReqID == -1 && e.Code < 2100) {
			t.Errorf("%v", e)
		}
		if e.Kind == "Error" && (e.Code == 309 || e.Code == 10190) {
			t.Errorf("a limit counted a cancelled request: %v", e)
		}
	}
	// Every depth and tick-by-tick slot is free again.
	for i := range 3 {
		c.ReqMktDepth(int64(900+i), isl(), 5, false, nil)
		c.ReqTickByTickData(int64(950+i), spyContract(), "Last", 0, false)
	}
	ordSync(t, c, r)
	for _, e := range r.all() {
		if e.Kind == "Error" && e.ReqID >= 900 {
			t.Errorf("after the cancels: %v", e)
		}
	}
}

// TestReviewExtremeIDsAt225: request ids near the ends of int32 (the type of
// every protobuf request id; scmhub leaves MaxInt32, its UNSET_INT, out) and
// negative ids other than -1 are answered on themselves.
func TestReviewExtremeIDsAt225(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225})
	c, r := dial(t, s, 1)
	for i, id := range []int64{math.MaxInt32 - 1, math.MinInt32, -5, 0} {
		c.ReqContractDetails(id, spyContract())
		r.waitKind(t, "ContractDetailsEnd", id)
		c.ReqMktData(id, spyContract(), "", true, false, nil)
		r.waitKind(t, "TickSnapshotEnd", id)
		c.ReqHistoricalData(id, spyContract(), "", fmt.Sprintf("%d D", i+1), "1 hour", // not identical: an identical one waits 15 s
			"TRADES", true, 1, false, nil)
		r.waitKind(t, "HistoricalDataEnd", id)
	}
	ordSync(t, c, r)
	for _, e := range r.all() {
		if e.Kind == "Error" && e.Code < 2100 {
			t.Errorf("%v", e)
		}
	}
}
