package wire

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// decodeMktData runs the request decoders of the protobuf market data
// family on one payload.
func decodeMktData(c Codec, payload []byte) {
	id, f, err := c.Request(payload)
	if err != nil {
		return
	}
	switch id {
	case ibapi.REQ_MKT_DATA:
		_, _ = c.ReqMktData(f)
	case ibapi.CANCEL_MKT_DATA:
		_, _ = c.CancelMktData(f)
	case ibapi.REQ_MARKET_DATA_TYPE:
		_, _ = c.ReqMarketDataType(f)
	case ibapi.REQ_MKT_DEPTH:
		_, _ = c.ReqMktDepth(f)
	case ibapi.CANCEL_MKT_DEPTH:
		_, _, _ = c.CancelMktDepth(f)
	case ibapi.REQ_MKT_DEPTH_EXCHANGES:
		_ = c.ReqMktDepthExchanges(f)
	}
}

// mktDataSeeds are the family's requests as scmhub/ibapi sends them.
func mktDataSeeds() [][]byte {
	spy := &protobuf.Contract{ConId: pI32(756733), Symbol: pStr("SPY"), SecType: pStr("STK"), Exchange: pStr("SMART"), Currency: pStr("USD")}
	bag := &protobuf.Contract{Symbol: pStr("SPY"), SecType: pStr("BAG"), Exchange: pStr("SMART"), Currency: pStr("USD"),
		ComboLegs: []*protobuf.ComboLeg{{ConId: pI32(1), Ratio: pI32(1), Action: pStr("BUY"), Exchange: pStr("SMART")}, {ConId: pI32(2), Ratio: pI32(2), Action: pStr("SELL")}}}
	return [][]byte{
		protoRequest(ibapi.REQ_MKT_DATA, &protobuf.MarketDataRequest{ReqId: pI32(1), Contract: spy, GenericTickList: pStr("100,101,106"), MarketDataOptions: map[string]string{"a": "b"}}),
		protoRequest(ibapi.REQ_MKT_DATA, &protobuf.MarketDataRequest{ReqId: pI32(2), Contract: bag, Snapshot: pBool(true), RegulatorySnapshot: pBool(true)}),
		protoRequest(ibapi.CANCEL_MKT_DATA, &protobuf.CancelMarketData{ReqId: pI32(1)}),
		protoRequest(ibapi.REQ_MARKET_DATA_TYPE, &protobuf.MarketDataTypeRequest{MarketDataType: pI32(3)}),
		protoRequest(ibapi.REQ_MKT_DEPTH, &protobuf.MarketDepthRequest{ReqId: pI32(3), Contract: spy, NumRows: pI32(5), IsSmartDepth: pBool(true)}),
		protoRequest(ibapi.CANCEL_MKT_DEPTH, &protobuf.CancelMarketDepth{ReqId: pI32(3), IsSmartDepth: pBool(true)}),
		protoRequest(ibapi.REQ_MKT_DEPTH_EXCHANGES, &protobuf.MarketDepthExchangesRequest{}),
	}
}

// FuzzProtoMktDataRequest feeds arbitrary payloads to the decoders of the
// protobuf market data requests: none may panic, whatever the bytes.
func FuzzProtoMktDataRequest(f *testing.F) {
	for _, s := range mktDataSeeds() {
		f.Add(s)
	}
	f.Add([]byte{0, 0, 0, byte(ibapi.REQ_MKT_DEPTH + protobufIDOffset), 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeMktData(Codec{Version: MinVerOddLotQuotes}, payload)
	})
}

// TestProtoMktDataRequests decodes the seeds and checks the values.
func TestProtoMktDataRequests(t *testing.T) {
	c := Codec{Version: VerProtoMarketData}
	seeds := mktDataSeeds()
	req := func(i int) *Fields {
		t.Helper()
		_, f, err := c.Request(seeds[i])
		if err != nil || !f.IsProto {
			t.Fatalf("seed %d: %v", i, err)
		}
		return f
	}
	if r, err := c.ReqMktData(req(0)); err != nil || r.ReqID != 1 || r.Contract.ConID != 756733 || r.Contract.Exchange != "SMART" || r.GenericTicks != "100,101,106" || r.Snapshot {
		t.Errorf("MarketDataRequest = %+v, %v", r, err)
	}
	if r, err := c.ReqMktData(req(1)); err != nil || len(r.Legs) != 2 || r.Legs[1] != (MktDataLeg{ConID: 2, Ratio: 2, Action: "SELL"}) || !r.Snapshot || r.Contract.Strike != 0 {
		t.Errorf("MarketDataRequest BAG = %+v, %v", r, err)
	}
	if id, err := c.CancelMktData(req(2)); err != nil || id != 1 {
		t.Errorf("CancelMarketData = %d, %v", id, err)
	}
	if typ, err := c.ReqMarketDataType(req(3)); err != nil || typ != 3 {
		t.Errorf("MarketDataTypeRequest = %d, %v", typ, err)
	}
	if r, err := c.ReqMktDepth(req(4)); err != nil || r.ReqID != 3 || r.NumRows != 5 || !r.IsSmartDepth || r.Contract.Symbol != "SPY" {
		t.Errorf("MarketDepthRequest = %+v, %v", r, err)
	}
	if id, smart, err := c.CancelMktDepth(req(5)); err != nil || id != 3 || !smart {
		t.Errorf("CancelMarketDepth = %d %v, %v", id, smart, err)
	}
	if err := c.ReqMktDepthExchanges(req(6)); err != nil {
		t.Errorf("MarketDepthExchangesRequest: %v", err)
	}
	bad := append(binary.BigEndian.AppendUint32(nil, uint32(ibapi.REQ_MKT_DEPTH+protobufIDOffset)), 0x0a, 0xff)
	_, f, _ := c.Request(bad)
	var pe *ProtoError
	if _, err := c.ReqMktDepth(f); !errors.As(err, &pe) || pe.Message != "MarketDepthRequest" {
		t.Errorf("bad MarketDepthRequest: %v", err)
	}
	// The request id read before the bad bytes is kept for the 320.
	bad = append(binary.BigEndian.AppendUint32(nil, uint32(ibapi.REQ_MKT_DATA+protobufIDOffset)), 0x08, 0x2a, 0x12, 0xff)
	_, f, _ = c.Request(bad)
	if _, err := c.ReqMktData(f); !errors.As(err, &pe) || pe.Message != "MarketDataRequest" || f.ReqID != 42 {
		t.Errorf("bad MarketDataRequest: %v, reqId %d", err, f.ReqID)
	}
}

// TestTextDepthLayouts checks the text depth requests and rows at the
// versions that change them.
func TestTextDepthLayouts(t *testing.T) {
	// reqMktDepth at 200 as scmhub encodes it.
	f := NewFields([]string{"5", "7", "756733", "SPY", "STK", "", "", "", "", "ARCA", "", "USD", "", "", "5", "0", ""})
	r, err := Codec{Version: 200}.ReqMktDepth(f)
	if err != nil || r.ReqID != 7 || r.NumRows != 5 || r.IsSmartDepth || r.Contract.Exchange != "ARCA" || r.Contract.ConID != 756733 {
		t.Errorf("reqMktDepth 200 = %+v, %v", r, err)
	}
	// At 146..148 there is no primaryExchange.
	f = NewFields([]string{"5", "7", "756733", "SPY", "STK", "", "", "", "", "SMART", "USD", "", "", "10", "1", ""})
	r, err = Codec{Version: 147}.ReqMktDepth(f)
	if err != nil || r.NumRows != 10 || !r.IsSmartDepth || r.Contract.Currency != "USD" {
		t.Errorf("reqMktDepth 147 = %+v, %v", r, err)
	}
	row := DepthRow{Position: 1, Operation: 0, Side: 1, Price: 600.01, Size: 300, MarketMaker: "ARCA"}
	if got := SplitFields(Codec{Version: 200}.MarketDepthL2(4, row, true)[4:]); len(got) != 10 || got[0] != "13" || got[4] != "ARCA" || got[9] != "1" {
		t.Errorf("marketDepthL2 200 = %q", got)
	}
	if got := SplitFields(Codec{Version: 140}.MarketDepthL2(4, row, true)[4:]); len(got) != 9 {
		t.Errorf("marketDepthL2 140 = %q, want no isSmartDepth", got)
	}
	if got := SplitFields(Codec{Version: 200}.MktDepthExchanges([]DepthExchange{{"ISLAND", "STK", "NASDAQ", "Deep2", 1}})[4:]); len(got) != 7 || got[5] != "Deep2" {
		t.Errorf("mktDepthExchanges 200 = %q", got)
	}
	if got := SplitFields(Codec{Version: 110}.MktDepthExchanges([]DepthExchange{{"ISLAND", "STK", "NASDAQ", "Deep2", 1}})[4:]); len(got) != 5 || got[4] != "1" {
		t.Errorf("mktDepthExchanges 110 = %q", got)
	}
}
