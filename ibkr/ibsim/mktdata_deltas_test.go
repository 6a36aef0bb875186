package ibsim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// mdRaw drives a connection with raw frames, as scmhub's client would:
// the startApi of the version (protobuf from 213), then protobuf requests,
// reading each reply's message id as it comes.

// mdRaw is a connection at a version above 200, after startApi.
type mdRaw struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func newMDRaw(t *testing.T, s *Server, v int) *mdRaw {
	t.Helper()
	nc, br, f := rawHandshake(t, s.Addr(), fmt.Sprintf("v100..%d", v))
	if len(f) != 2 || f[0] != strconv.Itoa(v) {
		t.Fatalf("handshake reply %q, want version %d", f, v)
	}
	r := &mdRaw{t: t, nc: nc, br: br}
	if v >= wire.VerProtoRest3 {
		r.sendProto(ibapi.START_API, &protobuf.StartApiRequest{ClientId: proto.Int32(1), OptionalCapabilities: proto.String("")})
		r.until(ibapi.NEXT_VALID_ID + 200)
	} else {
		r.sendText(ibapi.START_API, "2", "1", "")
		r.until(ibapi.NEXT_VALID_ID)
	}
	return r
}

func (r *mdRaw) write(payload []byte) {
	r.t.Helper()
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	if _, err := r.nc.Write(append(b, payload...)); err != nil {
		r.t.Fatal(err)
	}
}

// sendText sends a text message with a 4-byte id.
func (r *mdRaw) sendText(id int64, fields ...string) {
	p := binary.BigEndian.AppendUint32(nil, uint32(id))
	for _, f := range fields {
		p = append(append(p, f...), 0)
	}
	r.write(p)
}

// sendProto sends a protobuf request: its id plus 200, then the message.
func (r *mdRaw) sendProto(id int64, pm proto.Message) {
	r.t.Helper()
	b, err := proto.Marshal(pm)
	if err != nil {
		r.t.Fatal(err)
	}
	r.write(append(binary.BigEndian.AppendUint32(nil, uint32(id+200)), b...))
}

// next reads one message: its id (200 and more: protobuf) and body.
func (r *mdRaw) next() (int64, []byte) {
	r.t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(waitTimeout))
	p, err := wire.ReadFrame(r.br)
	if err != nil || len(p) < 4 {
		r.t.Fatalf("read: %v (%d bytes)", err, len(p))
	}
	return int64(binary.BigEndian.Uint32(p)), p[4:]
}

// until reads messages until one with id arrives and returns its body.
func (r *mdRaw) until(id int64) []byte {
	r.t.Helper()
	for {
		got, body := r.next()
		if got == id {
			return body
		}
		if got == ibapi.ERR_MSG+200 {
			var e protobuf.ErrorMessage
			if proto.Unmarshal(body, &e) == nil && e.GetErrorCode() == 320 {
				r.t.Fatalf("error 320: %s", e.GetErrorMsg())
			}
		}
	}
}

// rawVolume requests SPY's market data at version v and returns the day
// volume (tick 8) the first answer carries.
func rawVolume(t *testing.T, v int) float64 {
	s := startSim(t, Config{Clock: NewVirtualClock(mdAt), TickInterval: time.Hour, MaxServerVersion: v})
	r := newMDRaw(t, s, v)
	r.sendProto(ibapi.REQ_MKT_DATA, &protobuf.MarketDataRequest{
		ReqId:    mdI32(5),
		Contract: &protobuf.Contract{ConId: mdI32(spyConID), Symbol: mdStr("SPY"), SecType: mdStr("STK"), Exchange: mdStr("SMART"), Currency: mdStr("USD")},
	})
	for {
		body := r.until(ibapi.TICK_SIZE + 200)
		var ts protobuf.TickSize
		if err := proto.Unmarshal(body, &ts); err != nil {
			t.Fatal(err)
		}
		if ts.GetReqId() == 5 && ts.GetTickType() == tickVolume {
			vol, err := strconv.ParseFloat(ts.GetSize(), 64)
			if err != nil {
				t.Fatalf("volume %q: %v", ts.GetSize(), err)
			}
			return vol
		}
	}
}

func mdI32(v int32) *int32   { return &v }
func mdStr(s string) *string { return &s }
func mdBool(b bool) *bool    { return &b }
func mdLots(v float64) int64 { return int64(math.Round(v / 100)) }

// TestMktDataVolumesInShares: from version 220 the stock day volume is in
// shares; at 212 (and in text) it is in round lots of 100.
func TestMktDataVolumesInShares(t *testing.T) {
	inLots := rawVolume(t, 212)
	for _, v := range []int{wire.MinVerVolumesInShares, wire.MinVerFractionalLastSize, wire.MinVerOddLotQuotes} {
		shares := rawVolume(t, v)
		if shares < 1000 || mdLots(shares) != int64(inLots) {
			t.Errorf("v%d: volume %v shares, v212 %v lots: want the same volume in shares", v, shares, inLots)
		}
	}
}

// TestMktDepthProtoAbove213 drives depth and the depth exchanges with
// raw protobuf frames at 213 and 225: reqMktDepthExchanges is protobuf
// from 213 and answered by MarketDepthExchanges.
func TestMktDepthProtoAbove213(t *testing.T) {
	for _, v := range []int{wire.VerProtoMktDepthExchanges, wire.MinVerOddLotQuotes} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(mdAt), TickInterval: time.Hour, MaxServerVersion: v})
			r := newMDRaw(t, s, v)
			r.sendProto(ibapi.REQ_MKT_DEPTH_EXCHANGES, &protobuf.MarketDepthExchangesRequest{})
			var ex protobuf.MarketDepthExchanges
			if err := proto.Unmarshal(r.until(ibapi.MKT_DEPTH_EXCHANGES+200), &ex); err != nil {
				t.Fatal(err)
			}
			if d := ex.GetDepthMarketDataDescriptions(); len(d) != len(depthExchanges) || d[0].GetExchange() != "ISLAND" ||
				d[0].GetServiceDataType() != "Deep2" || d[0].GetListingExch() != "NASDAQ" || d[0].GetAggGroup() != 1 || d[0].GetSecType() != "STK" {
				t.Errorf("MarketDepthExchanges = %v", d)
			}
			r.sendProto(ibapi.REQ_MKT_DEPTH, &protobuf.MarketDepthRequest{
				ReqId:        mdI32(9),
				Contract:     &protobuf.Contract{ConId: mdI32(spyConID), Symbol: mdStr("SPY"), SecType: mdStr("STK"), Exchange: mdStr("SMART"), Currency: mdStr("USD")},
				NumRows:      mdI32(3),
				IsSmartDepth: mdBool(true),
			})
			for range 6 {
				var m protobuf.MarketDepthL2
				if err := proto.Unmarshal(r.until(ibapi.MARKET_DEPTH_L2+200), &m); err != nil {
					t.Fatal(err)
				}
				d := m.GetMarketDepthData()
				if m.GetReqId() != 9 || d.GetOperation() != 0 || d.GetPosition() > 2 || d.GetPrice() <= 0 || d.GetSize() == "" || d.GetMarketMaker() == "" || !d.GetIsSmartDepth() {
					t.Errorf("MarketDepthL2 = %v", &m)
				}
			}
			r.sendProto(ibapi.CANCEL_MKT_DEPTH, &protobuf.CancelMarketDepth{ReqId: mdI32(9), IsSmartDepth: mdBool(true)})
			r.sendProto(ibapi.REQ_CURRENT_TIME, &protobuf.CurrentTimeRequest{})
			r.until(ibapi.CURRENT_TIME + 200) // protobuf from 213
		})
	}
}
