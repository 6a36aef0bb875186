package ibsim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestReviewGarbageProtoEveryID at 225: random bodies, and random but
// well-formed protobuf fields (varints of every size, strings, nested
// bytes, fixed64 doubles such as NaN and Inf), under every request id 1..110.
// The server must not panic or close the connection, and must keep
// answering.
func TestReviewGarbageProtoEveryID(t *testing.T) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: 225, Limits: Limits{MaxMsgRate: 1 << 30, MaxMarketDataLines: 100000, MaxDepthRequests: 100000, MaxTickByTick: 100000, HistMaxOpen: 100000, HistBurstCount: 1 << 30, HistLongCount: 1 << 30}})
	nc, br := reviewRawSession(t, s, 225, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	go func() {
		// Drain: the answers are not looked at until the end.
		for {
			_ = nc.SetReadDeadline(time.Now().Add(30 * time.Second))
			if _, err := br.Discard(1); err != nil {
				return
			}
		}
	}()
	for round := range 40 {
		for id := int64(1); id <= 110; id++ {
			if id == ibapi.START_API {
				continue
			}
			var body []byte
			if round%2 == 0 {
				body = make([]byte, rng.IntN(64))
				for i := range body {
					body[i] = byte(rng.UintN(256))
				}
			} else {
				for range rng.IntN(8) + 1 {
					num := protowire.Number(rng.IntN(30) + 1)
					switch rng.IntN(4) {
					case 0:
						body = protowire.AppendTag(body, num, protowire.VarintType)
						body = protowire.AppendVarint(body, []uint64{0, 1, 1 << 31, 1<<32 - 1, 1<<63 + 5, 1<<64 - 1}[rng.IntN(6)])
					case 1:
						body = protowire.AppendTag(body, num, protowire.BytesType)
						body = protowire.AppendString(body, []string{"", "SPY", "STK", "SMART", "\xff\xfe", "20260320", "TRADES", "1 D"}[rng.IntN(8)])
					case 2:
						body = protowire.AppendTag(body, num, protowire.Fixed64Type)
						body = protowire.AppendFixed64(body, []uint64{0x7ff8000000000001, 0x7ff0000000000000, 0xfff0000000000000, 0x7fefffffffffffff, 0}[rng.IntN(5)])
					case 3:
						inner := protowire.AppendTag(nil, protowire.Number(rng.IntN(40)+1), protowire.VarintType)
						inner = protowire.AppendVarint(inner, uint64(rng.Int64()))
						body = protowire.AppendTag(body, num, protowire.BytesType)
						body = protowire.AppendBytes(body, inner)
					}
				}
			}
			reviewWrite(t, nc, reviewRawBody(id, body))
		}
		if round%10 == 9 {
			clk.Advance(5 * time.Second)
			s.Tick()
		}
	}
	// Wait until the server has handled every frame of the first client.
	for deadline := time.Now().Add(60 * time.Second); ; {
		st := s.Stats()
		if st.Conns[0].Messages >= 40*109 {
			break
		}
		if time.Now().After(deadline) || st.Clients == 0 {
			t.Fatalf("server handled %d of %d frames (clients %d)", st.Conns[0].Messages, 40*109, st.Clients)
		}
		time.Sleep(10 * time.Millisecond) // polling the server's counter
	}
	// Still serving: a second client works and the first is still there.
	c, r := dial(t, s, 2)
	c.ReqContractDetails(1, spyContract())
	r.waitKind(t, "ContractDetailsEnd", 1)
	time.Sleep(100 * time.Millisecond)
	if st := s.Stats(); st.Clients != 2 {
		t.Errorf("clients %d, want 2 (the garbage sender was dropped?)", st.Clients)
	}
}
