package ibsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// TestReviewConfigGates: reqConfig exists from 219 and updateConfig from
// 221. Below its version a request is not one the simulator knows; at it
// the answer comes on the request id.
func TestReviewConfigGates(t *testing.T) {
	for _, v := range []int{218, 219, 220, 221} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v})
			nc, br := reviewRawSession(t, s, v, 1)
			reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_CONFIG, &protobuf.ConfigRequest{ReqId: proto.Int32(41)}))
			reviewWrite(t, nc, rawProtoFrame(t, ibapi.UPDATE_CONFIG, &protobuf.UpdateConfigRequest{ReqId: proto.Int32(42)}))
			reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{}))
			got := map[string]int32{}
			for done := false; !done; {
				_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
				id, body := readRawFrame(t, br)
				switch id {
				case ibapi.CURRENT_TIME + 200:
					done = true
				case ibapi.CONFIG_RESPONSE + 200:
					var m protobuf.ConfigResponse
					_ = proto.Unmarshal(body, &m)
					got["config"] = m.GetReqId()
				case ibapi.UPDATE_CONFIG_RESPONSE + 200:
					var m protobuf.UpdateConfigResponse
					_ = proto.Unmarshal(body, &m)
					got["update"] = m.GetReqId()
				case ibapi.ERR_MSG + 200:
					var em protobuf.ErrorMessage
					_ = proto.Unmarshal(body, &em)
					got[fmt.Sprintf("err%d", em.GetErrorCode())] = em.GetId()
				default:
					t.Errorf("message %d", id)
				}
			}
			if id, ok := got["config"]; ok != (v >= 219) || ok && id != 41 {
				t.Errorf("configResponse %v (on %d), want it from 219 on 41; got %v", ok, id, got)
			}
			if id, ok := got["update"]; ok != (v >= 221) || ok && id != 42 {
				t.Errorf("updateConfigResponse %v (on %d), want it from 221 on 42; got %v", ok, id, got)
			}
			t.Logf("v%d: %v", v, got)
		})
	}
}
