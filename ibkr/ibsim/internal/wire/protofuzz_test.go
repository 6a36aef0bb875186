package wire

import (
	"encoding/binary"
	"testing"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// protoRequest frames a protobuf request's payload as the client sends it
// from version 201: the 4-byte id (the text id plus 200), then the message.
func protoRequest(id int64, pm proto.Message) []byte {
	b, err := proto.Marshal(pm)
	if err != nil {
		panic(err)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(id+protobufIDOffset)), b...)
}

// decodeAny runs the request decoder of every protobuf request the
// simulator reads on one payload.
func decodeAny(c Codec, payload []byte) {
	id, f, err := c.Request(payload)
	if err != nil {
		return
	}
	switch id {
	case ibapi.PLACE_ORDER:
		_, _ = c.PlaceOrder(f)
	case ibapi.CANCEL_ORDER:
		_, _ = c.CancelOrder(f)
	case ibapi.REQ_GLOBAL_CANCEL:
		_ = c.ReqGlobalCancel(f)
	case ibapi.REQ_EXECUTIONS:
		_, _, _ = c.ReqExecutions(f)
	case ibapi.REQ_OPEN_ORDERS:
		_ = c.ReqOpenOrders(f)
	case ibapi.REQ_ALL_OPEN_ORDERS:
		_ = c.ReqAllOpenOrders(f)
	case ibapi.REQ_AUTO_OPEN_ORDERS:
		_, _ = c.ReqAutoOpenOrders(f)
	case ibapi.REQ_COMPLETED_ORDERS:
		_, _ = c.ReqCompletedOrders(f)
	default:
		decodeHistAny(c, id, f)
	}
}

// FuzzProtoRequest feeds arbitrary payloads to the protobuf request
// decoders at the highest version: none may panic, whatever the bytes. The
// seed corpus (testdata/fuzz/FuzzProtoRequest plus the requests below) is
// what scmhub/ibapi sends.
func FuzzProtoRequest(f *testing.F) {
	spyProto := &protobuf.Contract{ConId: pI32(756733), Symbol: pStr("SPY"), SecType: pStr("STK"), Exchange: pStr("SMART"), Currency: pStr("USD")}
	lmt := 1.5
	qty := "100"
	seeds := [][]byte{
		protoRequest(ibapi.PLACE_ORDER, &protobuf.PlaceOrderRequest{
			OrderId:  pI32(7),
			Contract: &protobuf.Contract{ConId: pI32(756733), Symbol: pStr("SPY"), SecType: pStr("STK"), Exchange: pStr("SMART"), Currency: pStr("USD")},
			Order:    &protobuf.Order{Action: pStr("BUY"), OrderType: pStr("LMT"), LmtPrice: &lmt, TotalQuantity: &qty, Transmit: pBool(true)},
		}),
		protoRequest(ibapi.CANCEL_ORDER, &protobuf.CancelOrderRequest{OrderId: pI32(7)}),
		protoRequest(ibapi.REQ_EXECUTIONS, &protobuf.ExecutionRequest{ReqId: pI32(3), ExecutionFilter: &protobuf.ExecutionFilter{Side: pStr("buy"), SpecificDates: []int32{20260310}}}),
		protoRequest(ibapi.REQ_COMPLETED_ORDERS, &protobuf.CompletedOrdersRequest{ApiOnly: pBool(true)}),
		// The historical data family (208).
		protoRequest(ibapi.REQ_HISTORICAL_DATA, &protobuf.HistoricalDataRequest{ReqId: pI32(4), Contract: spyProto, Duration: pStr("1 D"), BarSizeSetting: pStr("1 min"), WhatToShow: pStr("TRADES"), UseRTH: pBool(true), FormatDate: pI32(1), KeepUpToDate: pBool(true), ChartOptions: map[string]string{"a": "b"}}),
		protoRequest(ibapi.CANCEL_HISTORICAL_DATA, &protobuf.CancelHistoricalData{ReqId: pI32(4)}),
		protoRequest(ibapi.REQ_REAL_TIME_BARS, &protobuf.RealTimeBarsRequest{ReqId: pI32(5), Contract: spyProto, BarSize: pI32(5), WhatToShow: pStr("MIDPOINT")}),
		protoRequest(ibapi.CANCEL_REAL_TIME_BARS, &protobuf.CancelRealTimeBars{ReqId: pI32(5)}),
		protoRequest(ibapi.REQ_HEAD_TIMESTAMP, &protobuf.HeadTimestampRequest{ReqId: pI32(6), Contract: spyProto, WhatToShow: pStr("TRADES"), FormatDate: pI32(2)}),
		protoRequest(ibapi.CANCEL_HEAD_TIMESTAMP, &protobuf.CancelHeadTimestamp{ReqId: pI32(6)}),
		protoRequest(ibapi.REQ_HISTOGRAM_DATA, &protobuf.HistogramDataRequest{ReqId: pI32(7), Contract: spyProto, UseRTH: pBool(true), TimePeriod: pStr("1 week")}),
		protoRequest(ibapi.CANCEL_HISTOGRAM_DATA, &protobuf.CancelHistogramData{ReqId: pI32(7)}),
		protoRequest(ibapi.REQ_HISTORICAL_TICKS, &protobuf.HistoricalTicksRequest{ReqId: pI32(8), Contract: spyProto, EndDateTime: pStr("20260310-15:00:00Z"), NumberOfTicks: pI32(1000), WhatToShow: pStr("BID_ASK"), IgnoreSize: pBool(true)}),
		protoRequest(ibapi.REQ_TICK_BY_TICK_DATA, &protobuf.TickByTickRequest{ReqId: pI32(9), Contract: spyProto, TickType: pStr("BidAsk"), NumberOfTicks: pI32(10), IgnoreSize: pBool(true)}),
		protoRequest(ibapi.CANCEL_TICK_BY_TICK_DATA, &protobuf.CancelTickByTick{ReqId: pI32(9)}),
		{0, 0, 0},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeAny(Codec{Version: VerProtoCompleted}, payload)
		decodeAny(Codec{Version: VerProtoHistorical}, payload)
	})
}

// TestProtoRequestErrors checks that a protobuf request that does not
// unmarshal is reported with the message type named.
func TestProtoRequestErrors(t *testing.T) {
	c := Codec{Version: VerProtoOrders}
	bad := append(binary.BigEndian.AppendUint32(nil, uint32(ibapi.PLACE_ORDER+protobufIDOffset)), 0xff, 0xff)
	id, f, err := c.Request(bad)
	if err != nil || id != ibapi.PLACE_ORDER || !f.IsProto {
		t.Fatalf("Request = %d, proto %v, %v; want placeOrder as protobuf", id, f.IsProto, err)
	}
	if _, err := c.PlaceOrder(f); err == nil || err.Error()[:len("protobuf PlaceOrderRequest")] != "protobuf PlaceOrderRequest" {
		t.Errorf("PlaceOrder(garbage) error = %v, want one naming protobuf PlaceOrderRequest", err)
	}
	if _, _, err := c.Request([]byte{0, 3}); err == nil {
		t.Error("a 2-byte payload at version 203 was accepted, want a message id error")
	}
	// A well-formed protobuf placeOrder reads as the engine's request.
	lmt := 2.25
	qty := "3"
	_, f, _ = c.Request(protoRequest(ibapi.PLACE_ORDER, &protobuf.PlaceOrderRequest{
		OrderId:  pI32(9),
		Contract: &protobuf.Contract{Symbol: pStr("AAPL"), SecType: pStr("STK"), Multiplier: pF64(1)},
		Order:    &protobuf.Order{Action: pStr("SELL"), OrderType: pStr("LMT"), LmtPrice: &lmt, TotalQuantity: &qty},
	}))
	req, err := c.PlaceOrder(f)
	if err != nil || req.OrderID != 9 || req.Contract.Symbol != "AAPL" || req.Contract.Multiplier != "1" || req.Action != "SELL" ||
		req.LmtPrice != 2.25 || req.TotalQty != 3 || req.Transmit || f.ReqID != 9 {
		t.Errorf("PlaceOrder = %+v, %v; want order 9 SELL 3 AAPL LMT 2.25, transmit false (absent)", req, err)
	}
}
