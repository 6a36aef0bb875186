package wire

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// decodeAccounts runs the request decoder of every protobuf request of the
// contract details and accounts families on one payload.
func decodeAccounts(c Codec, payload []byte) {
	id, f, err := c.Request(payload)
	if err != nil {
		return
	}
	switch id {
	case ibapi.REQ_CONTRACT_DATA:
		_, _, _ = c.ReqContractDetails(f)
	case ibapi.CANCEL_CONTRACT_DATA:
		_, _ = c.CancelContractData(f)
	case ibapi.REQ_ACCT_DATA:
		_, _ = c.ReqAccountUpdates(f)
	case ibapi.REQ_MANAGED_ACCTS:
		_ = c.ReqManagedAccts(f)
	case ibapi.REQ_POSITIONS:
		_ = c.ReqPositions(f)
	case ibapi.CANCEL_POSITIONS:
		_ = c.CancelPositions(f)
	case ibapi.REQ_ACCOUNT_SUMMARY:
		_, _, _ = c.ReqAccountSummary(f)
	case ibapi.CANCEL_ACCOUNT_SUMMARY:
		_, _ = c.CancelAccountSummary(f)
	case ibapi.REQ_POSITIONS_MULTI:
		_, _ = c.ReqPositionsMulti(f)
	case ibapi.CANCEL_POSITIONS_MULTI:
		_, _ = c.CancelPositionsMulti(f)
	case ibapi.REQ_ACCOUNT_UPDATES_MULTI:
		_, _ = c.ReqAccountUpdatesMulti(f)
	case ibapi.CANCEL_ACCOUNT_UPDATES_MULTI:
		_, _ = c.CancelAccountUpdatesMulti(f)
	}
}

// accountRequestSeeds are the family's requests as scmhub/ibapi sends
// them.
func accountRequestSeeds() [][]byte {
	return [][]byte{
		protoRequest(ibapi.REQ_CONTRACT_DATA, &protobuf.ContractDataRequest{ReqId: pI32(4), Contract: &protobuf.Contract{
			Symbol: pStr("SPY"), SecType: pStr("OPT"), LastTradeDateOrContractMonth: pStr("20260320"), Strike: pF64(600),
			Right: pStr("C"), Multiplier: pF64(100), Exchange: pStr("SMART"), Currency: pStr("USD")}}),
		protoRequest(ibapi.REQ_CONTRACT_DATA, &protobuf.ContractDataRequest{ReqId: pI32(5), Contract: &protobuf.Contract{
			SecIdType: pStr("ISIN"), SecId: pStr("US78462F1030"), IncludeExpired: pBool(true)}}),
		protoRequest(ibapi.CANCEL_CONTRACT_DATA, &protobuf.CancelContractData{ReqId: pI32(4)}),
		protoRequest(ibapi.REQ_ACCT_DATA, &protobuf.AccountDataRequest{Subscribe: pBool(true), AcctCode: pStr("DU1234567")}),
		protoRequest(ibapi.REQ_MANAGED_ACCTS, &protobuf.ManagedAccountsRequest{}),
		protoRequest(ibapi.REQ_POSITIONS, &protobuf.PositionsRequest{}),
		protoRequest(ibapi.CANCEL_POSITIONS, &protobuf.CancelPositions{}),
		protoRequest(ibapi.REQ_ACCOUNT_SUMMARY, &protobuf.AccountSummaryRequest{ReqId: pI32(6), Group: pStr("All"), Tags: pStr("$LEDGER:ALL,NetLiquidation")}),
		protoRequest(ibapi.CANCEL_ACCOUNT_SUMMARY, &protobuf.CancelAccountSummary{ReqId: pI32(6)}),
		protoRequest(ibapi.REQ_POSITIONS_MULTI, &protobuf.PositionsMultiRequest{ReqId: pI32(7), Account: pStr("DU1234567"), ModelCode: pStr("M1")}),
		protoRequest(ibapi.CANCEL_POSITIONS_MULTI, &protobuf.CancelPositionsMulti{ReqId: pI32(7)}),
		protoRequest(ibapi.REQ_ACCOUNT_UPDATES_MULTI, &protobuf.AccountUpdatesMultiRequest{ReqId: pI32(8), Account: pStr("DU1234567"), LedgerAndNLV: pBool(true)}),
		protoRequest(ibapi.CANCEL_ACCOUNT_UPDATES_MULTI, &protobuf.CancelAccountUpdatesMulti{ReqId: pI32(8)}),
	}
}

// FuzzProtoAccountRequest feeds arbitrary payloads to the protobuf request
// decoders of the contract details and accounts families, and arbitrary
// text to their reply encoders: no decoder may panic, and every reply
// must unmarshal (text that is not UTF-8 is replaced, never refused).
func FuzzProtoAccountRequest(f *testing.F) {
	for _, s := range accountRequestSeeds() {
		f.Add(s)
	}
	f.Add([]byte{0, 0, 1, 53, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeAccounts(Codec{Version: VerCancelContractData}, payload)
		s := string(payload)
		in := &market.Instrument{ConID: 1, Symbol: s, SecType: "OPT", Expiry: s, Multiplier: s, LongName: s, MarketRules: s}
		for _, r := range []struct {
			frame []byte
			pm    proto.Message
		}{
			{protoContractData(int64(len(payload)), in, &market.Underlying{ISIN: s}, s, s), &protobuf.ContractData{}},
			{mustEvent(t, engine.AccountValue{Key: s, Value: s, Currency: s, Account: s}), &protobuf.AccountValue{}},
			{mustEvent(t, engine.AccountUpdateMulti{ReqID: 1, Account: s, ModelCode: s, Key: s, Value: s}), &protobuf.AccountUpdateMulti{}},
			{mustEvent(t, engine.PositionMulti{ReqID: 1, Account: s, ModelCode: s, In: in, Qty: 1}), &protobuf.PositionMulti{}},
			{protoManagedAccounts(s), &protobuf.ManagedAccounts{}},
		} {
			if err := proto.Unmarshal(r.frame[8:], r.pm); err != nil {
				t.Fatalf("%T does not unmarshal: %v", r.pm, err)
			}
		}
	})
}

// mustEvent is the frame of an event at version 207.
func mustEvent(t *testing.T, ev engine.Event) []byte {
	b, _ := Codec{Version: VerProtoAccounts}.Event(ev)
	if len(b) < 8 {
		t.Fatalf("no frame for %T", ev)
	}
	return b
}

// TestProtoAccountRequests reads every request of the two families as
// scmhub sends it, and a malformed one reports its request id.
func TestProtoAccountRequests(t *testing.T) {
	c := Codec{Version: VerProtoAccounts}
	seeds := accountRequestSeeds()
	read := func(i int) *Fields {
		_, f, err := c.Request(seeds[i])
		if err != nil || !f.IsProto {
			t.Fatalf("seed %d: %v", i, err)
		}
		return f
	}
	reqID, q, err := c.ReqContractDetails(read(0))
	if err != nil || reqID != 4 || q.Symbol != "SPY" || q.SecType != "OPT" || q.Strike != 600 || q.Right != "C" || q.Multiplier != "100" || q.Expiry != "20260320" {
		t.Errorf("ReqContractDetails = %d %+v %v", reqID, q, err)
	}
	if reqID, q, err := c.ReqContractDetails(read(1)); err != nil || reqID != 5 || q.SecIDType != "ISIN" || !q.IncludeExpired || q.Strike != 0 {
		t.Errorf("ReqContractDetails (ISIN) = %d %+v %v", reqID, q, err)
	}
	if id, err := c.CancelContractData(read(2)); err != nil || id != 4 {
		t.Errorf("CancelContractData = %d %v", id, err)
	}
	if sub, err := c.ReqAccountUpdates(read(3)); err != nil || !sub {
		t.Errorf("ReqAccountUpdates = %v %v", sub, err)
	}
	if err := c.ReqManagedAccts(read(4)); err != nil {
		t.Error(err)
	}
	if err := c.ReqPositions(read(5)); err != nil {
		t.Error(err)
	}
	if err := c.CancelPositions(read(6)); err != nil {
		t.Error(err)
	}
	if id, tags, err := c.ReqAccountSummary(read(7)); err != nil || id != 6 || tags != "$LEDGER:ALL,NetLiquidation" {
		t.Errorf("ReqAccountSummary = %d %q %v", id, tags, err)
	}
	if id, err := c.CancelAccountSummary(read(8)); err != nil || id != 6 {
		t.Errorf("CancelAccountSummary = %d %v", id, err)
	}
	if r, err := c.ReqPositionsMulti(read(9)); err != nil || r.ReqID != 7 || r.Account != "DU1234567" || r.ModelCode != "M1" {
		t.Errorf("ReqPositionsMulti = %+v %v", r, err)
	}
	if id, err := c.CancelPositionsMulti(read(10)); err != nil || id != 7 {
		t.Errorf("CancelPositionsMulti = %d %v", id, err)
	}
	if r, err := c.ReqAccountUpdatesMulti(read(11)); err != nil || r.ReqID != 8 || !r.LedgerAndNLV || r.ModelCode != "" {
		t.Errorf("ReqAccountUpdatesMulti = %+v %v", r, err)
	}
	if id, err := c.CancelAccountUpdatesMulti(read(12)); err != nil || id != 8 {
		t.Errorf("CancelAccountUpdatesMulti = %d %v", id, err)
	}
	// An unsubscribe leaves subscribe out.
	_, f, _ := c.Request(protoRequest(ibapi.REQ_ACCT_DATA, &protobuf.AccountDataRequest{}))
	if sub, err := c.ReqAccountUpdates(f); err != nil || sub {
		t.Errorf("ReqAccountUpdates(unsubscribe) = %v %v", sub, err)
	}

	// A request id followed by garbage: the error names the message and
	// the id is kept for it.
	for _, tc := range []struct {
		id   int64
		name string
		read func(*Fields) error
	}{
		{ibapi.REQ_CONTRACT_DATA, "ContractDataRequest", func(f *Fields) error { _, _, err := c.ReqContractDetails(f); return err }},
		{ibapi.REQ_POSITIONS_MULTI, "PositionsMultiRequest", func(f *Fields) error { _, err := c.ReqPositionsMulti(f); return err }},
		{ibapi.REQ_ACCOUNT_UPDATES_MULTI, "AccountUpdatesMultiRequest", func(f *Fields) error { _, err := c.ReqAccountUpdatesMulti(f); return err }},
		{ibapi.REQ_ACCOUNT_SUMMARY, "AccountSummaryRequest", func(f *Fields) error { _, _, err := c.ReqAccountSummary(f); return err }},
		{ibapi.CANCEL_ACCOUNT_SUMMARY, "CancelAccountSummary", func(f *Fields) error { _, err := c.CancelAccountSummary(f); return err }},
	} {
		bad := append(binary.BigEndian.AppendUint32(nil, uint32(tc.id+protobufIDOffset)), 0x08, 42, 0xff)
		_, f, _ := c.Request(bad)
		err := tc.read(f)
		if err == nil || !strings.Contains(err.Error(), "protobuf "+tc.name) || f.ReqID != 42 {
			t.Errorf("%s garbage: %v, request id %d; want the message named and id 42", tc.name, err, f.ReqID)
		}
	}
}

// TestProtoAccountReplies checks the protobuf replies' content as a client
// reads it, and that below 207 the account messages stay text.
func TestProtoAccountReplies(t *testing.T) {
	opt := &market.Instrument{ConID: 9, Symbol: "SPY", SecType: "OPT", Expiry: "20260320", Strike: 600, Right: "C", Multiplier: "100",
		Exchange: "SMART", PrimaryExch: "CBOE", Currency: "USD", LocalSymbol: "SPY   260320C00600000", TradingClass: "SPY"}
	var pm protobuf.PositionMulti
	b := mustEvent(t, engine.PositionMulti{ReqID: 3, Account: "DU1", ModelCode: "M", In: opt, Qty: -2, AvgCost: 150.5})
	if id := frameID(b); id != int64(ibapi.POSITION_MULTI)+protobufIDOffset {
		t.Fatalf("id %d", id)
	}
	if err := proto.Unmarshal(b[8:], &pm); err != nil {
		t.Fatal(err)
	}
	if pm.GetReqId() != 3 || pm.GetPosition() != "-2" || pm.GetAvgCost() != 150.5 || pm.GetModelCode() != "M" ||
		pm.GetContract().GetExchange() != "" || pm.GetContract().GetMultiplier() != 100 || pm.GetContract().GetStrike() != 600 {
		t.Errorf("PositionMulti %v", &pm)
	}
	var pv protobuf.PortfolioValue
	b = mustEvent(t, engine.PortfolioValue{In: opt, Qty: 1, Account: "DU1"})
	if err := proto.Unmarshal(b[8:], &pv); err != nil || pv.GetContract().GetPrimaryExch() != "CBOE" || pv.GetMarketPrice() != 0 || pv.MarketPrice == nil {
		t.Errorf("PortfolioValue %v %v", &pv, err)
	}
	var pe protobuf.PositionEnd
	b = mustEvent(t, engine.PositionEnd{})
	if frameID(b) != int64(ibapi.POSITION_END)+protobufIDOffset || proto.Unmarshal(b[8:], &pe) != nil {
		t.Errorf("PositionEnd frame % x", b)
	}
	for _, v := range []int{200, VerProtoCompleted, VerProtoContract} {
		b, _ := Codec{Version: v}.Event(engine.PositionEnd{})
		if v >= VerProtobuf && frameID(b) != int64(ibapi.POSITION_END) {
			t.Errorf("v%d: positionEnd id %d, want text 62", v, frameID(b))
		}
		b = Codec{Version: v}.ManagedAccounts("DU1")
		if v >= VerProtobuf && frameID(b) != int64(ibapi.MANAGED_ACCTS) {
			t.Errorf("v%d: managedAccounts id %d, want text 15", v, frameID(b))
		}
	}
	var ma protobuf.ManagedAccounts
	b = Codec{Version: VerProtoAccounts}.ManagedAccounts("DU1")
	if frameID(b) != int64(ibapi.MANAGED_ACCTS)+protobufIDOffset || proto.Unmarshal(b[8:], &ma) != nil || ma.GetAccountsList() != "DU1" {
		t.Errorf("ManagedAccounts frame % x", b)
	}
}

// frameID is the 4-byte message id of a frame of version 201 or later.
func frameID(b []byte) int64 { return int64(binary.BigEndian.Uint32(b[4:8])) }
