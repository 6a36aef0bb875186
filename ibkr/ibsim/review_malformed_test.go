package ibsim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// reviewRawSession handshakes at version v and starts the API as client
// id clientID over a raw socket, reading the bootstrap up to the 2158
// notice.
func reviewRawSession(t *testing.T, s *Server, v int, clientID int32) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, br, hello := rawHandshake(t, s.Addr(), fmt.Sprintf("v100..%d", v))
	if hello[0] != fmt.Sprint(v) {
		t.Fatalf("handshake %q", hello)
	}
	reviewWrite(t, nc, rawProtoFrame(t, ibapi.START_API, &protobuf.StartApiRequest{ClientId: proto.Int32(clientID), OptionalCapabilities: proto.String("")}))
	for {
		id, body := readRawFrame(t, br)
		if id == ibapi.ERR_MSG+200 {
			var em protobuf.ErrorMessage
			if proto.Unmarshal(body, &em) == nil && em.GetErrorCode() == 2158 {
				return nc, br
			}
		}
	}
}

func reviewWrite(t *testing.T, nc net.Conn, b []byte) {
	t.Helper()
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

// reviewRawBody frames raw protobuf bytes under a request id.
func reviewRawBody(id int64, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
	out = binary.BigEndian.AppendUint32(out, uint32(id+200))
	return append(out, body...)
}

// reviewUntilTime reads frames until a protobuf currentTime and returns the
// protobuf errors seen on the way.
func reviewUntilTime(t *testing.T, nc net.Conn, br *bufio.Reader) []*protobuf.ErrorMessage {
	t.Helper()
	reviewWrite(t, nc, rawProtoFrame(t, ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{}))
	var errs []*protobuf.ErrorMessage
	for {
		_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
		id, body := readRawFrame(t, br)
		switch id {
		case ibapi.CURRENT_TIME + 200:
			return errs
		case ibapi.ERR_MSG + 200:
			em := &protobuf.ErrorMessage{}
			if err := proto.Unmarshal(body, em); err != nil {
				t.Fatalf("error message: %v", err)
			}
			errs = append(errs, em)
		}
	}
}

var reviewProtoName = regexp.MustCompile(`protobuf ([A-Za-z]+):`)

// TestReviewMalformedProtoOnItsID sends, for every request scmhub sends as
// protobuf at 225, a body whose field 1 is the varint 777 followed by a
// truncated length-delimited field: the message does not unmarshal but its
// request id can be read. Every such request must get exactly one error
// 320 naming the protobuf type, on 777 when field 1 of the type is its
// request (or order) id, on -1 otherwise; the connection must keep serving.
// The same again with the id 0 (a valid request id: scmhub's own examples
// start at 0), which must not turn into -1.
func TestReviewMalformedProtoOnItsID(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 100000}})
	nc, br := reviewRawSession(t, s, 225, 5)
	var ids []int
	for id := range ibapi.PROTOBUF_MSG_IDS {
		if id != ibapi.START_API {
			ids = append(ids, int(id))
		}
	}
	// The protobuf-only requests of 215..221.
	ids = append(ids, int(ibapi.CANCEL_CONTRACT_DATA), int(ibapi.CANCEL_HISTORICAL_TICKS), int(ibapi.REQ_CONFIG), int(ibapi.UPDATE_CONFIG))
	sort.Ints(ids)
	for _, reqID := range []int64{777, 0} {
		t.Run(fmt.Sprintf("reqId%d", reqID), func(t *testing.T) { reviewMalformed(t, nc, br, ids, reqID) })
	}
	if st := s.Stats(); st.Clients != 1 {
		t.Errorf("clients %d after the malformed requests", st.Clients)
	}
}

func reviewMalformed(t *testing.T, nc net.Conn, br *bufio.Reader, ids []int, reqID int64) {
	{
		for _, id := range ids {
			if handlerFor(int64(id)) == nil {
				continue // refused whatever the body (unserved.go)
			}
			body := protowire.AppendTag(nil, 1, protowire.VarintType)
			body = protowire.AppendVarint(body, uint64(reqID))
			body = protowire.AppendTag(body, 2, protowire.BytesType)
			body = protowire.AppendVarint(body, 50)
			body = append(body, 'x')
			reviewWrite(t, nc, reviewRawBody(int64(id), body))
			errs := reviewUntilTime(t, nc, br)
			if len(errs) != 1 || errs[0].GetErrorCode() != 320 {
				t.Errorf("msg %d (reqId %d): errors %v, want one 320", id, reqID, errs)
				continue
			}
			m := reviewProtoName.FindStringSubmatch(errs[0].GetErrorMsg())
			if m == nil {
				t.Errorf("msg %d: 320 %q names no protobuf type", id, errs[0].GetErrorMsg())
				continue
			}
			mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("protobuf." + m[1]))
			if err != nil {
				t.Errorf("msg %d: type %s: %v", id, m[1], err)
				continue
			}
			want := int64(-1)
			if f1 := mt.Descriptor().Fields().ByNumber(1); f1 != nil && f1.Kind() == protoreflect.Int32Kind {
				switch f1.Name() {
				case "reqId", "orderId", "id", "tickerId":
					want = reqID
				}
			}
			if got := int64(errs[0].GetId()); got != want {
				t.Errorf("msg %d %s (field 1 %v): 320 on %d, want on %d", id, m[1], mt.Descriptor().Fields().ByNumber(1).Name(), got, want)
			}
		}
	}
}
