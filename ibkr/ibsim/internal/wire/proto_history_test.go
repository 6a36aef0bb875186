package wire

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// decodeHistAny runs the historical family's request decoders.
func decodeHistAny(c Codec, id int64, f *Fields) {
	switch id {
	case ibapi.REQ_HISTORICAL_DATA:
		_, _ = c.ReqHistoricalData(f)
	case ibapi.CANCEL_HISTORICAL_DATA:
		_, _ = c.CancelHistoricalData(f)
	case ibapi.REQ_REAL_TIME_BARS:
		_, _ = c.ReqRealTimeBars(f)
	case ibapi.CANCEL_REAL_TIME_BARS:
		_, _ = c.CancelRealTimeBars(f)
	case ibapi.REQ_HEAD_TIMESTAMP:
		_, _ = c.ReqHeadTimestamp(f)
	case ibapi.CANCEL_HEAD_TIMESTAMP:
		_, _ = c.CancelHeadTimestamp(f)
	case ibapi.REQ_HISTOGRAM_DATA:
		_, _ = c.ReqHistogramData(f)
	case ibapi.CANCEL_HISTOGRAM_DATA:
		_, _ = c.CancelHistogramData(f)
	case ibapi.REQ_HISTORICAL_TICKS:
		_, _ = c.ReqHistoricalTicks(f)
	case ibapi.REQ_TICK_BY_TICK_DATA:
		_, _ = c.ReqTickByTickData(f)
	case ibapi.CANCEL_TICK_BY_TICK_DATA:
		_, _ = c.CancelTickByTickData(f)
	}
}

// unframe returns the protobuf id and body of a reply frame.
func unframe(t *testing.T, b []byte) (int64, []byte) {
	t.Helper()
	if len(b) < 8 || int(binary.BigEndian.Uint32(b)) != len(b)-4 {
		t.Fatalf("bad frame % x", b)
	}
	return int64(binary.BigEndian.Uint32(b[4:8])), b[8:]
}

// TestProtoHistoryReplies checks the family's replies at 208 and at 214:
// protobuf frames with the text twin's id plus 200 and the content given;
// below 208, text.
func TestProtoHistoryReplies(t *testing.T) {
	for _, v := range []int{VerProtoHistorical, 212, VerUTCZSuffix} {
		c := Codec{Version: v}
		id, body := unframe(t, c.HistoricalSchedule(3, Schedule{Start: "20260309-09:30:00", End: "20260310-16:00:00", TimeZone: "US/Eastern",
			Sessions: []SessionRow{{"20260309-09:30:00", "20260309-16:00:00", "20260309"}, {"20260310-09:30:00", "20260310-16:00:00", "20260310"}}}))
		var sc protobuf.HistoricalSchedule
		if id != ibapi.HISTORICAL_SCHEDULE+200 || proto.Unmarshal(body, &sc) != nil {
			t.Fatalf("v%d schedule frame id %d", v, id)
		}
		if sc.GetReqId() != 3 || sc.GetStartDateTime() != "20260309-09:30:00" || sc.GetEndDateTime() != "20260310-16:00:00" ||
			sc.GetTimeZone() != "US/Eastern" || len(sc.GetHistoricalSessions()) != 2 || sc.GetHistoricalSessions()[1].GetRefDate() != "20260310" {
			t.Errorf("v%d schedule %v", v, &sc)
		}
		id, body = unframe(t, c.HistoricalTicks(4, "TRADES", []TickRow{{Time: 1773151200, Price: 500.25, Size: 100, Exchange: "ARCA"}}, true))
		var tl protobuf.HistoricalTicksLast
		if id != ibapi.HISTORICAL_TICKS_LAST+200 || proto.Unmarshal(body, &tl) != nil || !tl.GetIsDone() || len(tl.GetHistoricalTicksLast()) != 1 ||
			tl.GetHistoricalTicksLast()[0].GetSize() != "100" || tl.GetHistoricalTicksLast()[0].GetTime() != 1773151200 {
			t.Errorf("v%d ticks %v", v, &tl)
		}
		id, body = unframe(t, c.TickByTick(5, TickByTickMid, TickRow{Time: 1773151200, Price: 500.255}))
		var tb protobuf.TickByTickData
		if id != ibapi.TICK_BY_TICK+200 || proto.Unmarshal(body, &tb) != nil || tb.GetTickType() != 4 || tb.GetHistoricalTickMidPoint().GetPrice() != 500.255 {
			t.Errorf("v%d tick-by-tick %v", v, &tb)
		}
		id, body = unframe(t, c.HistoricalData(6, "", "", []BarRow{{Date: "20260310 09:30:00 US/Eastern", Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: -1, WAP: -1, Count: -1}}))
		var hd protobuf.HistoricalData
		if id != ibapi.HISTORICAL_DATA+200 || proto.Unmarshal(body, &hd) != nil || len(hd.GetHistoricalDataBars()) != 1 ||
			hd.GetHistoricalDataBars()[0].GetVolume() != "-1" || hd.GetHistoricalDataBars()[0].GetDate() != "20260310 09:30:00 US/Eastern" {
			t.Errorf("v%d bars %v", v, &hd)
		}
	}
	if b := (Codec{Version: VerProtoCompleted}).HeadTimestamp(1, "x"); int64(binary.BigEndian.Uint32(b[4:8])) != ibapi.HEAD_TIMESTAMP {
		t.Errorf("v204 headTimestamp not text: % x", b[:12])
	}
}

// TestProtoHistoryRequestErrors: a family request that does not unmarshal
// is a ProtoError with the request id recovered from field 1.
func TestProtoHistoryRequestErrors(t *testing.T) {
	c := Codec{Version: VerProtoHistorical}
	good, _ := proto.Marshal(&protobuf.HistoricalTicksRequest{ReqId: pI32(42)})
	bad := append(binary.BigEndian.AppendUint32(nil, uint32(ibapi.REQ_HISTORICAL_TICKS+protobufIDOffset)), good...)
	bad = append(bad, 0x12, 0x05, 0x01) // a truncated contract
	id, f, err := c.Request(bad)
	if err != nil || id != ibapi.REQ_HISTORICAL_TICKS {
		t.Fatalf("Request: %d %v", id, err)
	}
	_, err = c.ReqHistoricalTicks(f)
	var pe *ProtoError
	if !errors.As(err, &pe) || pe.Message != "HistoricalTicksRequest" || f.ReqID != 42 {
		t.Errorf("err %v, reqId %d", err, f.ReqID)
	}
}
