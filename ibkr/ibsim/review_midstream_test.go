package ibsim

import (
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// TestReviewDropMidStream: clients at 225 ask for long answers (every SPY
// option's contract details, the option chain, the scanner, depth and
// tick-by-tick streams) and drop their sockets before reading them, some at
// once and some after reading a little. The server must let every one go
// (TestMain's goleak checks the goroutines), keep serving others, and
// close.
func TestReviewDropMidStream(t *testing.T) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 100000}})
	for i := range 8 {
		nc, br := reviewRawSession(t, s, 225, int32(10+i))
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_CONTRACT_DATA, &protobuf.ContractDataRequest{ReqId: proto.Int32(1), Contract: &protobuf.Contract{Symbol: proto.String("SPY"), SecType: proto.String("OPT"), Exchange: proto.String("SMART"), Currency: proto.String("USD")}}))
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_SEC_DEF_OPT_PARAMS, &protobuf.SecDefOptParamsRequest{ReqId: proto.Int32(2), UnderlyingSymbol: proto.String("SPY"), UnderlyingSecType: proto.String("STK"), UnderlyingConId: proto.Int32(int32(spyConID))}))
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_MKT_DEPTH, &protobuf.MarketDepthRequest{ReqId: proto.Int32(3), Contract: reviewSPYProto("ISLAND"), NumRows: proto.Int32(10)}))
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_TICK_BY_TICK_DATA, &protobuf.TickByTickRequest{ReqId: proto.Int32(4), Contract: reviewSPYProto("SMART"), TickType: proto.String("AllLast"), NumberOfTicks: proto.Int32(1000)}))
		if i%2 == 1 {
			for range 50 * i {
				readRawFrame(t, br)
			}
		}
		nc.Close()
	}
	ticked := make(chan struct{})
	t.Cleanup(func() { <-ticked })
	go func() {
		defer close(ticked)
		for range 20 {
			clk.Advance(5 * time.Second)
			s.Tick()
		}
	}()
	for deadline := time.Now().Add(waitTimeout); s.Stats().Clients != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d dropped clients still held", s.Stats().Clients)
		}
		time.Sleep(5 * time.Millisecond) // polling the server's stats
	}
	c, r := dial(t, s, 1)
	c.ReqContractDetails(9, spyContract())
	r.waitKind(t, "ContractDetailsEnd", 9)
	// The depth and tick-by-tick slots of the dropped clients are free.
	for i := range 3 {
		x := spyContract()
		x.Exchange = "ISLAND"
		c.ReqMktDepth(int64(20+i), x, 5, false, nil)
		c.ReqTickByTickData(int64(30+i), spyContract(), "Last", 0, false)
	}
	ordSync(t, c, r)
	for _, e := range r.all() {
		if e.Kind == "Error" && e.ReqID >= 20 {
			t.Errorf("%v", e)
		}
	}
}
