package ibsim

import (
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// TestReviewParseErrorOnReqIDZeroText: at 200 (text) a reqContractDetails
// whose conId is not a number gets 320 on its request id, and 0 is a
// request id like any other (scmhub's own samples use it): the error must
// not move to -1.
func TestReviewParseErrorOnReqIDZeroText(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 200})
	nc, br, _ := rawHandshake(t, s.Addr(), "v100..200")
	reviewWrite(t, nc, wire.EncodeFrame("71", "2", "1", ""))
	for _, id := range []string{"5", "0"} {
		reviewWrite(t, nc, wire.EncodeFrame("9", "8", id, "x"))
		reviewWrite(t, nc, wire.EncodeFrame("49", "1"))
		var got []string
		for {
			_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
			p, err := wire.ReadFrame(br)
			if err != nil {
				t.Fatal(err)
			}
			f := wire.SplitFields(p)
			if f[0] == "49" {
				break
			}
			if f[0] == "4" && len(f) > 2 && f[2] == "320" {
				got = append(got, f[1])
			}
		}
		if len(got) != 1 || got[0] != id {
			t.Errorf("reqId %s: 320 on %v, want on %s", id, got, id)
		}
	}
}

// TestReviewHugeStrings: a protobuf request with strings near the frame
// limit is answered (an error on its id) and the connection keeps serving.
func TestReviewHugeStrings(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225})
	nc, br := reviewRawSession(t, s, 225, 1)
	big := strings.Repeat("S", 1<<20-200)
	reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_CONTRACT_DATA, &protobuf.ContractDataRequest{ReqId: proto.Int32(3), Contract: &protobuf.Contract{Symbol: proto.String(big), SecType: proto.String("STK"), Exchange: proto.String("SMART"), Currency: proto.String("USD")}}))
	reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_MKT_DATA, &protobuf.MarketDataRequest{ReqId: proto.Int32(4), Contract: reviewSPYProto("SMART"), GenericTickList: proto.String(big[:1<<19])}))
	reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_HISTORICAL_NEWS, &protobuf.HistoricalNewsRequest{ReqId: proto.Int32(5), ConId: proto.Int32(int32(spyConID)), ProviderCodes: proto.String(big[:1<<19])}))
	errs := reviewUntilTime(t, nc, br)
	ids := map[int32]bool{}
	for _, e := range errs {
		if e.GetErrorCode() == 320 || e.GetId() == -1 {
			t.Errorf("error %d on %d: %.100s", e.GetErrorCode(), e.GetId(), e.GetErrorMsg())
		}
		ids[e.GetId()] = true
	}
	if !ids[3] {
		t.Errorf("no error on the contract details of an unknown symbol: %v", errs)
	}
	if st := s.Stats(); st.Clients != 1 {
		t.Errorf("clients %d", st.Clients)
	}
}
