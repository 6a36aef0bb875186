package ibsim

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

func reviewSPYProto(exchange string) *protobuf.Contract {
	return &protobuf.Contract{ConId: proto.Int32(int32(spyConID)), Symbol: proto.String("SPY"), SecType: proto.String("STK"), Exchange: proto.String(exchange), Currency: proto.String("USD")}
}

// reviewLimitRequests asks, over a raw session at 225, for depth, tick-by-
// tick and market data lines up to one past each limit, and returns the
// errors by request id.
func reviewLimitRequests(t *testing.T, nc net.Conn, br *bufio.Reader, base int32, depth, tbt, lines int) map[int32]int32 {
	t.Helper()
	for i := range depth {
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_MKT_DEPTH, &protobuf.MarketDepthRequest{ReqId: proto.Int32(base + int32(i)), Contract: reviewSPYProto("ISLAND"), NumRows: proto.Int32(5)}))
	}
	for i := range tbt {
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_TICK_BY_TICK_DATA, &protobuf.TickByTickRequest{ReqId: proto.Int32(base + 100 + int32(i)), Contract: reviewSPYProto("SMART"), TickType: proto.String("Last"), NumberOfTicks: proto.Int32(0)}))
	}
	for i := range lines {
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_MKT_DATA, &protobuf.MarketDataRequest{ReqId: proto.Int32(base + 200 + int32(i)), Contract: reviewSPYProto("SMART"), GenericTickList: proto.String("")}))
	}
	got := map[int32]int32{}
	for _, e := range reviewUntilTime(t, nc, br) {
		got[e.GetId()] = e.GetErrorCode()
	}
	return got
}

// TestReviewLimitsFreedOnDisconnect: a client at 225 fills the depth (3),
// tick-by-tick (3) and market data line (5 here) limits, is refused one
// more of each (309, 10190, 101), and drops its socket without a cancel.
// A second client must then get every slot back, and a cancel must free
// one again.
func TestReviewLimitsFreedOnDisconnect(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 100000, MaxMarketDataLines: 5}})
	nc, br := reviewRawSession(t, s, 225, 1)
	errs := reviewLimitRequests(t, nc, br, 1000, 4, 4, 6)
	want := map[int32]int32{1003: 309, 1103: 10190, 1205: 101}
	for id, code := range want {
		if errs[id] != code {
			t.Errorf("first client: error on %d = %d, want %d (all %v)", id, errs[id], code, errs)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("first client: errors %v, want only %v", errs, want)
	}
	nc.Close()
	deadline := time.Now().Add(waitTimeout)
	for s.Stats().Clients != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the dropped client never left")
		}
		time.Sleep(5 * time.Millisecond) // polling the server's stats
	}
	// The slots are freed by the connection's cleanup, after Clients drops.
	time.Sleep(50 * time.Millisecond)
	nc2, br2 := reviewRawSession(t, s, 225, 2)
	if errs := reviewLimitRequests(t, nc2, br2, 2000, 3, 3, 5); len(errs) != 0 {
		t.Errorf("second client after the first dropped: errors %v, want none", errs)
	}
	reviewWrite(t, nc2, rawProtoFrame(t, ibapi.CANCEL_MKT_DEPTH, &protobuf.CancelMarketDepth{ReqId: proto.Int32(2000)}))
	reviewWrite(t, nc2, rawProtoFrame(t, ibapi.CANCEL_TICK_BY_TICK_DATA, &protobuf.CancelTickByTick{ReqId: proto.Int32(2100)}))
	reviewWrite(t, nc2, rawProtoFrame(t, ibapi.CANCEL_MKT_DATA, &protobuf.CancelMarketData{ReqId: proto.Int32(2200)}))
	if errs := reviewLimitRequests(t, nc2, br2, 3000, 1, 1, 1); len(errs) != 0 {
		t.Errorf("after a cancel of each: errors %v, want none", errs)
	}
	if errs := reviewLimitRequests(t, nc2, br2, 4000, 1, 1, 1); len(errs) != 3 {
		t.Errorf("one past each limit again: errors %v, want 309, 10190, 101", errs)
	}
}

// reviewHist sends n historical requests (different durations, so none is
// identical) and returns the errors by id.
func reviewHist(t *testing.T, nc net.Conn, br *bufio.Reader, base int32, n int, keepUp bool) map[int32]int32 {
	t.Helper()
	for i := range n {
		reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_HISTORICAL_DATA, &protobuf.HistoricalDataRequest{
			ReqId: proto.Int32(base + int32(i)), Contract: reviewSPYProto("SMART"), EndDateTime: proto.String(""),
			Duration: proto.String(fmt.Sprintf("%d D", int(base)%7+i+1)), BarSizeSetting: proto.String("1 hour"), WhatToShow: proto.String("TRADES"),
			UseRTH: proto.Bool(true), FormatDate: proto.Int32(1), KeepUpToDate: proto.Bool(keepUp),
		}))
	}
	got := map[int32]int32{}
	for _, e := range reviewUntilTime(t, nc, br) {
		got[e.GetId()] = e.GetErrorCode()
	}
	return got
}

// TestReviewHistOpenFreedOnDisconnect: historical requests still waiting
// for their answer (HistResponseDelay) hold HistMaxOpen slots; a client
// that drops its socket with them open must free them, and a cancel must
// free one (with 162 "query cancelled").
func TestReviewHistOpenFreedOnDisconnect(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225,
		Limits: Limits{MaxMsgRate: 100000, HistMaxOpen: 3, HistResponseDelay: time.Hour, HistBurstCount: 1000, HistLongCount: 1000}})
	nc, br := reviewRawSession(t, s, 225, 1)
	if errs := reviewHist(t, nc, br, 10, 4, false); len(errs) != 1 || errs[13] != 162 {
		t.Fatalf("4 requests with 3 open allowed: errors %v, want 162 on 13", errs)
	}
	nc.Close()
	for deadline := time.Now().Add(waitTimeout); s.Stats().Clients != 0; {
		if time.Now().After(deadline) {
			t.Fatal("the dropped client never left")
		}
		time.Sleep(5 * time.Millisecond) // polling the server's stats
	}
	time.Sleep(50 * time.Millisecond)
	nc2, br2 := reviewRawSession(t, s, 225, 2)
	if errs := reviewHist(t, nc2, br2, 20, 3, false); len(errs) != 0 {
		t.Fatalf("after the drop: errors %v, want none", errs)
	}
	reviewWrite(t, nc2, rawProtoFrame(t, ibapi.CANCEL_HISTORICAL_DATA, &protobuf.CancelHistoricalData{ReqId: proto.Int32(20)}))
	errs := reviewHist(t, nc2, br2, 30, 1, false)
	if errs[20] != 162 || len(errs) != 1 {
		t.Errorf("cancel and one more: errors %v, want only 162 (cancelled) on 20", errs)
	}
}
