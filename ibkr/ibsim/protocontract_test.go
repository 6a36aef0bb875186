package ibsim

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// contractQueries are the contract details requests of the conformance
// check: a stock, an option, a whole strike of a chain and an index.
func contractQueries() []*ibapi.Contract {
	vix := ibapi.NewContract()
	vix.Symbol, vix.SecType, vix.Exchange, vix.Currency = "VIX", "IND", "CBOE", "USD"
	chain := option("SPY", "20260320", 600, "", "SMART")
	return []*ibapi.Contract{spyContract(), stock("AAPL", "SMART", "USD"), option("SPY", "20260320", 600, "C", "SMART"), chain, vix}
}

// contractSnapshot returns every contract details callback of
// contractQueries at version v, and checks the no-match error.
func contractSnapshot(t *testing.T, v int) [][]*ibapi.ContractDetails {
	t.Helper()
	s := startSim(t, Config{Clock: NewVirtualClock(time.Date(2026, 3, 10, 10, 0, 0, 0, market.NewYork)), MaxServerVersion: v})
	c, r := dial(t, s, 1)
	var out [][]*ibapi.ContractDetails
	for i, q := range contractQueries() {
		cds := details(t, c, r, int64(100+i), q)
		if len(cds) == 0 {
			t.Fatalf("v%d: no details for %+v", v, q)
		}
		out = append(out, cds)
	}
	notFound(t, c, r, 200, stock("NOSUCH", "SMART", "USD"))
	got := protoNames(r)
	if proto := v >= wire.VerProtoContract; (got["ContractData"] > 0) != proto || (got["ContractDataEnd"] > 0) != proto {
		t.Errorf("v%d: protobuf messages %v, want protobuf contract data %v", v, got, proto)
	}
	for _, e := range r.errorsWith(320) {
		t.Errorf("v%d: %v", v, e)
	}
	return out
}

// TestConformanceContractDetailsProto checks that the protobuf contract
// details (205 on) give the raw scmhub EClient the same details as the
// text layout of 204, field by field, and that 200 gives them too.
func TestConformanceContractDetailsProto(t *testing.T) {
	want := contractSnapshot(t, 204)
	if cd := want[0][0]; cd.MinTick != 0.01 || cd.TradingHours == "" || cd.LiquidHours == "" || cd.MarketRuleIDs == "" ||
		cd.ValidExchanges == "" || cd.OrderTypes == "" || cd.LongName == "" || cd.StockType == "" || len(cd.SecIDList) != 1 ||
		cd.MinSize.String() != "0.0001" || cd.SuggestedSizeIncrement.String() != "100" || cd.Contract.PrimaryExchange != "ARCA" {
		t.Fatalf("SPY details at 204: %+v", cd)
	}
	if got := contractSnapshot(t, wire.VerProtoContract); got[0][0].LongName != "SPDR S&P 500 ETF TRUST" || got[1][0].LongName != "APPLE INC" {
		t.Errorf("long names at 205: %q, %q", got[0][0].LongName, got[1][0].LongName)
	}
	if cd := want[2][0]; cd.UnderConID != spyConID || cd.RealExpirationDate != "20260320" || cd.Contract.LastTradeDate != "20260320" ||
		cd.Contract.Multiplier != "100" || cd.ContractMonth != "202603" || cd.AggGroup != 2 || cd.UnderSymbol != "SPY" {
		t.Fatalf("SPY option details at 204: %+v", cd)
	}
	for _, v := range []int{200, wire.VerProtoContract, wire.VerProtoAccounts, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			got := contractSnapshot(t, v)
			for i := range want {
				if len(got[i]) != len(want[i]) {
					t.Errorf("query %d: %d details, want %d", i, len(got[i]), len(want[i]))
					continue
				}
				for j := range want[i] {
					g, w := *got[i][j], *want[i][j]
					if len(g.IneligibilityReasonList) == 0 && len(w.IneligibilityReasonList) == 0 {
						g.IneligibilityReasonList, w.IneligibilityReasonList = nil, nil
					}
					if len(g.SecIDList) == 0 && len(w.SecIDList) == 0 {
						g.SecIDList, w.SecIDList = nil, nil
					}
					if v >= wire.VerProtoContract {
						// scmhub's text decoder garbles the long name from
						// version 156 (it unquotes the bytes' fmt.Sprint);
						// the protobuf one reads it as sent.
						if g.LongName == "" || w.LongName == g.LongName {
							t.Errorf("query %d #%d: long name %q (text %q)", i, j, g.LongName, w.LongName)
						}
						g.LongName = w.LongName
						// Fields the text layout does not carry: unset in
						// text, zero when absent from the protobuf message.
						g.MinAlgoSize, g.LastPricePrecision, g.LastSizePrecision = w.MinAlgoSize, w.LastPricePrecision, w.LastSizePrecision
					}
					if d := fieldDiff(g, w); d != "" {
						t.Errorf("query %d #%d (%s): %s", i, j, w.Contract.LocalSymbol, d)
					}
				}
			}
		})
	}
}

// binSession is a hand-made client at a version of 201 or more: 4-byte
// message ids, text or protobuf bodies.
type binSession struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// binStart connects at version v and starts the API with a text startApi
// (which clients send as text below 213).
func binStart(t *testing.T, s *Server, v int) *binSession {
	t.Helper()
	nc, br, hs := rawHandshake(t, s.Addr(), fmt.Sprintf("v%d", v))
	if hs[0] != strconv.Itoa(v) {
		t.Fatalf("handshake %q, want version %d", hs, v)
	}
	b := &binSession{t: t, nc: nc, br: br}
	if v >= wire.VerProtoRest3 {
		b.proto(ibapi.START_API, &protobuf.StartApiRequest{ClientId: proto.Int32(1), OptionalCapabilities: proto.String("")})
	} else {
		b.text(ibapi.START_API, "2", "1", "")
	}
	b.until(func(id int64, _ []byte) bool { return id == ibapi.NEXT_VALID_ID || id == ibapi.NEXT_VALID_ID+200 })
	return b
}

func (b *binSession) write(id int64, body []byte) {
	b.t.Helper()
	out := binary.BigEndian.AppendUint32(nil, uint32(4+len(body)))
	out = binary.BigEndian.AppendUint32(out, uint32(id))
	if _, err := b.nc.Write(append(out, body...)); err != nil {
		b.t.Fatal(err)
	}
}

// text sends a text request: the binary id, then NUL-terminated fields.
func (b *binSession) text(id int64, fields ...string) {
	var body []byte
	for _, f := range fields {
		body = append(append(body, f...), 0)
	}
	b.write(id, body)
}

// proto sends a protobuf request with the id of its text twin.
func (b *binSession) proto(id int64, pm proto.Message) {
	body, err := proto.Marshal(pm)
	if err != nil {
		b.t.Fatal(err)
	}
	b.write(id+200, body)
}

// until reads messages until one matches and returns those read before
// it; id is the message id (200 and more: protobuf).
func (b *binSession) until(match func(id int64, body []byte) bool) (seen []int64) {
	b.t.Helper()
	_ = b.nc.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		p, err := wire.ReadFrame(b.br)
		if err != nil || len(p) < 4 {
			b.t.Fatalf("read: %v (%d bytes)", err, len(p))
		}
		id := int64(binary.BigEndian.Uint32(p))
		if match(id, p[4:]) {
			return seen
		}
		seen = append(seen, id)
	}
}

// TestCancelContractData: from version 215 a client sends
// cancelContractData (as protobuf); contract details are answered at once,
// so a cancel of an answered or unknown request is answered with nothing,
// as on the Gateway. Below 215 scmhub's client refuses the call itself.
func TestCancelContractData(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: wire.VerCancelContractData})
	b := binStart(t, s, wire.VerCancelContractData)
	id := int32(5)
	b.proto(ibapi.REQ_CONTRACT_DATA, &protobuf.ContractDataRequest{ReqId: &id, Contract: &protobuf.Contract{ConId: proto.Int32(spyConID), Exchange: proto.String("SMART")}})
	var cd protobuf.ContractData
	seen := b.until(func(mid int64, body []byte) bool {
		if mid == ibapi.CONTRACT_DATA+200 {
			if err := proto.Unmarshal(body, &cd); err != nil {
				t.Fatal(err)
			}
		}
		return mid == ibapi.CONTRACT_DATA_END+200
	})
	if cd.GetReqId() != 5 || cd.GetContract().GetConId() != spyConID || cd.GetContractDetails().GetMinTick() != "0.01" {
		t.Errorf("contract data %v (before it: %v)", &cd, seen)
	}
	b.proto(ibapi.CANCEL_CONTRACT_DATA, &protobuf.CancelContractData{ReqId: &id})
	other := int32(6)
	b.proto(ibapi.CANCEL_CONTRACT_DATA, &protobuf.CancelContractData{ReqId: &other})
	b.proto(ibapi.CANCEL_CONTRACT_DATA, &protobuf.CancelContractData{})
	b.write(ibapi.CANCEL_CONTRACT_DATA+200, []byte{0xff}) // not a message: 320
	b.text(ibapi.REQ_CURRENT_TIME, "1")
	var errs []string
	b.until(func(mid int64, body []byte) bool {
		if mid == ibapi.ERR_MSG+200 {
			var e protobuf.ErrorMessage
			if err := proto.Unmarshal(body, &e); err == nil {
				errs = append(errs, fmt.Sprintf("%d %d %s", e.GetId(), e.GetErrorCode(), e.GetErrorMsg()))
			}
		}
		return mid == ibapi.CURRENT_TIME || mid == ibapi.CURRENT_TIME+200
	})
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "-1 320 ") {
		t.Errorf("errors after the cancels: %q, want one 320 (the malformed cancel)", errs)
	}
}

// fieldDiff names the fields of two contract details that differ.
func fieldDiff(g, w ibapi.ContractDetails) string {
	var out []string
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s = %#v, text %#v", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface()))
		}
	}
	return strings.Join(out, "; ")
}
