package ibsim

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// helloV212 is the handshake and startApi of a client at versions up to 212.
func helloV212(clientID string) []byte {
	vr := "v100..212"
	b := append([]byte("API\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(vr)))...)
	b = append(b, vr...)
	return append(b, binFrame(ibapi.START_API, []byte("2\x00"+clientID+"\x00\x00"))...)
}

func str(s string) *string { return &s }
func i32(v int32) *int32   { return &v }
func f64(v float64) *float64 {
	return &v
}

// newsScanOptPayloads are protobuf requests of the news, scanner, PnL and
// option families as payloads (4-byte id, then the message).
func newsScanOptPayloads() [][]byte {
	opt := &protobuf.Contract{Symbol: str("SPY"), SecType: str("OPT"), LastTradeDateOrContractMonth: str("20260320"),
		Strike: f64(600), Right: str("C"), Exchange: str("SMART"), Currency: str("USD")}
	msgs := []struct {
		id int64
		pm proto.Message
	}{
		{ibapi.REQ_NEWS_PROVIDERS, &protobuf.NewsProvidersRequest{}},
		{ibapi.REQ_NEWS_BULLETINS, &protobuf.NewsBulletinsRequest{}},
		{ibapi.REQ_HISTORICAL_NEWS, &protobuf.HistoricalNewsRequest{ReqId: i32(5), ConId: i32(756733), ProviderCodes: str("BRFG"), TotalResults: i32(3)}},
		{ibapi.REQ_NEWS_ARTICLE, &protobuf.NewsArticleRequest{ReqId: i32(6), ProviderCode: str("BRFG"), ArticleId: str("BRFG$1")}},
		{ibapi.REQ_SCANNER_PARAMETERS, &protobuf.ScannerParametersRequest{}},
		{ibapi.REQ_SCANNER_SUBSCRIPTION, &protobuf.ScannerSubscriptionRequest{ReqId: i32(7), ScannerSubscription: &protobuf.ScannerSubscription{
			Instrument: str("STK"), LocationCode: str("STK.US.MAJOR"), ScanCode: str("MOST_ACTIVE"), NumberOfRows: i32(3)}}},
		{ibapi.CANCEL_SCANNER_SUBSCRIPTION, &protobuf.CancelScannerSubscription{ReqId: i32(7)}},
		{ibapi.REQ_PNL, &protobuf.PnLRequest{ReqId: i32(8), Account: str(DefaultAccount)}},
		{ibapi.REQ_PNL_SINGLE, &protobuf.PnLSingleRequest{ReqId: i32(9), Account: str(DefaultAccount), ConId: i32(756733)}},
		{ibapi.REQ_CALC_OPTION_PRICE, &protobuf.CalculateOptionPriceRequest{ReqId: i32(10), Contract: opt, Volatility: f64(0.2), UnderPrice: f64(600)}},
		{ibapi.REQ_CALC_IMPLIED_VOLAT, &protobuf.CalculateImpliedVolatilityRequest{ReqId: i32(11), Contract: opt, OptionPrice: f64(10), UnderPrice: f64(600)}},
		{ibapi.REQ_FA, &protobuf.FARequest{FaDataType: i32(1)}},
		{ibapi.REPLACE_FA, &protobuf.FAReplace{ReqId: i32(12), FaDataType: i32(1), Xml: str("<x/>")}},
		{ibapi.EXERCISE_OPTIONS, &protobuf.ExerciseOptionsRequest{OrderId: i32(13), Contract: opt, ExerciseAction: i32(1), ExerciseQuantity: i32(1)}},
		{ibapi.REQ_WSH_EVENT_DATA, &protobuf.WshEventDataRequest{ReqId: i32(14), ConId: i32(756733)}},
	}
	var out [][]byte
	for _, m := range msgs {
		b, err := proto.Marshal(m.pm)
		if err != nil {
			panic(err)
		}
		out = append(out, append(binary.BigEndian.AppendUint32(nil, uint32(m.id+200)), b...))
	}
	return out
}

// FuzzProtoNewsScanOptServer feeds one arbitrary payload to a connection at
// version 212 after a valid startApi, seeded with the protobuf requests of
// the news, scanner, PnL and option families: the server must neither
// panic nor hang.
func FuzzProtoNewsScanOptServer(f *testing.F) {
	for _, p := range newsScanOptPayloads() {
		f.Add(p)
		f.Add(p[:len(p)/2+2])
		bad := append([]byte(nil), p...)
		bad[len(bad)-1] ^= 0xff
		f.Add(bad)
	}
	s, err := Start(Config{Clock: NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)), MaxServerVersion: 212})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	var conn int64
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > wire.MaxFrameLen {
			return
		}
		conn++
		data := helloV212("0")
		data = binary.BigEndian.AppendUint32(data, uint32(len(payload)))
		data = append(data, payload...)
		data = append(data, binFrame(ibapi.REQ_CURRENT_TIME, []byte("1\x00"))...)
		serveBytes(s, 3_000_000+conn, data)
	})
}
