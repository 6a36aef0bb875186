package ibsim

import (
	"encoding/binary"
	"fmt"
	"sort"
	"testing"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// protoRequestIDs are the message ids a client sends as protobuf at the
// highest version: every id of scmhub's PROTOBUF_MSG_IDS and the requests
// that exist only as protobuf.
func protoRequestIDs() []int64 {
	var ids []int64
	for id := range ibapi.PROTOBUF_MSG_IDS {
		ids = append(ids, int64(id))
	}
	ids = append(ids, ibapi.CANCEL_CONTRACT_DATA, ibapi.CANCEL_HISTORICAL_TICKS, ibapi.REQ_CONFIG, ibapi.UPDATE_CONFIG)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// FuzzProtoServer feeds one arbitrary protobuf body, under any request id a
// client sends as protobuf, to a connection at HighestServerVersion that
// started as scmhub's client does (a protobuf startApi), then a
// reqCurrentTime. Whatever the body, the server must neither panic nor
// hang, and it answers the current time after it (checked in
// TestProtoServerAnswersAfterEveryRequest for the seeds).
//
//	go test -run XXX -fuzz FuzzProtoServer -fuzztime 60s ./ibkr/ibsim/
func FuzzProtoServer(f *testing.F) {
	ids := protoRequestIDs()
	for i := range ids {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 5))
		f.Add(uint8(i), []byte{0x0a, 0x03, 'S', 'P', 'Y'})
		f.Add(uint8(i), []byte{0xff, 0xff})
	}
	for _, p := range newsScanOptPayloads() {
		id := int64(binary.BigEndian.Uint32(p)) - 200
		for i, x := range ids {
			if x == id {
				f.Add(uint8(i), p[4:])
			}
		}
	}
	s, err := Start(Config{Clock: NewVirtualClock(ordAt)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var conn int64
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if len(body) > wire.MaxFrameLen-8 {
			return
		}
		conn++
		data := protoHello(t, HighestServerVersion, int32(conn%30+1))
		data = append(data, binFrame(ids[int(which)%len(ids)]+200, body)...)
		data = append(data, protoBody(t, ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{})...)
		serveBytes(s, 4_000_000+conn, data)
	})
}

// protoHello is the handshake and protobuf startApi of a client at v.
func protoHello(t testing.TB, v int, clientID int32) []byte {
	vr := fmt.Sprintf("v100..%d", v)
	b := append([]byte("API\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(vr)))...)
	b = append(b, vr...)
	return append(b, protoBody(t, ibapi.START_API, &protobuf.StartApiRequest{ClientId: proto.Int32(clientID), OptionalCapabilities: proto.String("")})...)
}

// protoBody frames a protobuf request of message id.
func protoBody(t testing.TB, id int64, pm proto.Message) []byte {
	b, err := proto.Marshal(pm)
	if err != nil {
		t.Fatal(err)
	}
	return binFrame(id+200, b)
}

// TestProtoServerAnswersAfterEveryRequest: one connection at the highest
// version gets every protobuf request id with an empty body, a body with
// only a request id, a body of the wrong shape and bytes that are no
// message, each followed by reqCurrentTime; the connection keeps serving.
func TestProtoServerAnswersAfterEveryRequest(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: 1 << 40})
	r := newMDRaw(t, s, HighestServerVersion)
	bodies := [][]byte{
		{},
		protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 5),
		{0x0a, 0x03, 'S', 'P', 'Y'},
		{0xff, 0xff},
	}
	for _, id := range protoRequestIDs() {
		if id == ibapi.START_API {
			continue // a second startApi is ignored; tested with the handshake
		}
		for _, b := range bodies {
			r.write(append(binary.BigEndian.AppendUint32(nil, uint32(id+200)), b...))
			r.sendProto(ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{})
			for { // errors such as 320 are fine; the answer must come
				if got, _ := r.next(); got == ibapi.CURRENT_TIME+200 {
					break
				}
			}
		}
	}
}
