package wire

import (
	"strconv"
	"strings"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
	"google.golang.org/protobuf/proto"
)

// The accounts and positions family. From version 207 (VerProtoAccounts)
// a client sends reqAccountUpdates, reqManagedAccts, reqPositions,
// cancelPositions, reqAccountSummary, cancelAccountSummary and the
// by-model requests (reqPositionsMulti, reqAccountUpdatesMulti and their
// cancels) as protobuf messages, and reads the account messages as
// protobuf: AccountValue, PortfolioValue, AccountUpdateTime,
// AccountDataEnd, ManagedAccounts, Position, PositionEnd, AccountSummary,
// AccountSummaryEnd, PositionMulti, PositionMultiEnd, AccountUpdateMulti
// and AccountUpdateMultiEnd. Below 207 the by-model messages have text
// layouts with a version field of 1.

// accountEvent builds the message of an account event at version: the
// protobuf message from VerProtoAccounts, and the text layout of the
// by-model messages below it; ok is false for any other event.
func accountEvent(version int, ev engine.Event) (frame []byte, ok bool) {
	if version >= VerProtoAccounts {
		if pm, id := accountProto(ev); pm != nil {
			return protoFrame(id, pm), true
		}
		return nil, false
	}
	var m *Msg
	switch ev := ev.(type) {
	case engine.PositionMulti:
		in := ev.In
		m = NewMsg(ibapi.POSITION_MULTI).Int(1).Int(ev.ReqID).Str(ev.Account)
		m.Int(in.ConID).Str(in.Symbol).Str(in.SecType).Str(in.Expiry).Float(in.Strike).Str(in.Right).
			Str(in.Multiplier).Str(positionExchange(in)).Str(in.Currency).Str(in.LocalSymbol).Str(in.TradingClass)
		m.Decimal(ev.Qty).Float(ev.AvgCost).Str(ev.ModelCode)
	case engine.PositionMultiEnd:
		m = NewMsg(ibapi.POSITION_MULTI_END).Int(1).Int(ev.ReqID)
	case engine.AccountUpdateMulti:
		m = NewMsg(ibapi.ACCOUNT_UPDATE_MULTI).Int(1).Int(ev.ReqID).Str(ev.Account).Str(ev.ModelCode).
			Str(ev.Key).Str(ev.Value).Str(ev.Currency)
	case engine.AccountUpdateMultiEnd:
		m = NewMsg(ibapi.ACCOUNT_UPDATE_MULTI_END).Int(1).Int(ev.ReqID)
	default:
		return nil, false
	}
	return finish(version, m), true
}

// positionExchange is the exchange a position reports: the primary
// exchange, empty for an option.
func positionExchange(in *market.Instrument) string {
	if in.IsOption() {
		return ""
	}
	return in.PrimaryExch
}

// holdingContract is the contract of a position or portfolio message: the
// primary exchange goes in the exchange of a position (empty for an
// option), and in the primary exchange of a portfolio value, as in their
// text layouts.
func holdingContract(in *market.Instrument, position bool) *protobuf.Contract {
	p := &protobuf.Contract{
		ConId:                        pI32(in.ConID),
		Symbol:                       pStrNE(in.Symbol),
		SecType:                      pStrNE(in.SecType),
		LastTradeDateOrContractMonth: pStrNE(in.Expiry),
		Strike:                       pF64(in.Strike),
		Right:                        pStrNE(in.Right),
		Currency:                     pStrNE(in.Currency),
		LocalSymbol:                  pStrNE(in.LocalSymbol),
		TradingClass:                 pStrNE(in.TradingClass),
	}
	if position {
		p.Exchange = pStrNE(positionExchange(in))
	} else {
		p.PrimaryExch = pStrNE(in.PrimaryExch)
	}
	if m, err := strconv.ParseFloat(in.Multiplier, 64); err == nil && m != 0 {
		p.Multiplier = &m
	}
	return p
}

// accountProto is the protobuf message of an account event and the id of
// its text twin, or nil.
func accountProto(ev engine.Event) (proto.Message, int64) {
	switch ev := ev.(type) {
	case engine.AccountValue:
		return &protobuf.AccountValue{
			Key:         pStr(ev.Key),
			Value:       pStr(ev.Value),
			Currency:    pStrNE(ev.Currency),
			AccountName: pStr(ev.Account),
		}, ibapi.ACCT_VALUE
	case engine.PortfolioValue:
		return &protobuf.PortfolioValue{
			Contract:      holdingContract(ev.In, false),
			Position:      pQty(ev.Qty),
			MarketPrice:   pF64(ev.Mark),
			MarketValue:   pF64(ev.Value),
			AverageCost:   pF64(ev.AvgCost),
			UnrealizedPNL: pF64(ev.Unreal),
			RealizedPNL:   pF64(ev.Realized),
			AccountName:   pStr(ev.Account),
		}, ibapi.PORTFOLIO_VALUE
	case engine.AccountUpdateTime:
		return &protobuf.AccountUpdateTime{TimeStamp: pStr(ev.Time)}, ibapi.ACCT_UPDATE_TIME
	case engine.AccountDownloadEnd:
		return &protobuf.AccountDataEnd{AccountName: pStr(ev.Account)}, ibapi.ACCT_DOWNLOAD_END
	case engine.PositionData:
		return &protobuf.Position{
			Account:  pStr(ev.Account),
			Contract: holdingContract(ev.In, true),
			Position: pQty(ev.Qty),
			AvgCost:  pF64(ev.AvgCost),
		}, ibapi.POSITION_DATA
	case engine.PositionEnd:
		return &protobuf.PositionEnd{}, ibapi.POSITION_END
	case engine.AccountSummary:
		return &protobuf.AccountSummary{
			ReqId:    pI32(ev.ReqID),
			Account:  pStr(ev.Account),
			Tag:      pStr(ev.Tag),
			Value:    pStr(ev.Value),
			Currency: pStrNE(ev.Currency),
		}, ibapi.ACCOUNT_SUMMARY
	case engine.AccountSummaryEnd:
		return &protobuf.AccountSummaryEnd{ReqId: pI32(ev.ReqID)}, ibapi.ACCOUNT_SUMMARY_END
	case engine.PositionMulti:
		return &protobuf.PositionMulti{
			ReqId:     pI32(ev.ReqID),
			Account:   pStr(ev.Account),
			Contract:  holdingContract(ev.In, true),
			Position:  pQty(ev.Qty),
			AvgCost:   pF64(ev.AvgCost),
			ModelCode: pStrNE(ev.ModelCode),
		}, ibapi.POSITION_MULTI
	case engine.PositionMultiEnd:
		return &protobuf.PositionMultiEnd{ReqId: pI32(ev.ReqID)}, ibapi.POSITION_MULTI_END
	case engine.AccountUpdateMulti:
		return &protobuf.AccountUpdateMulti{
			ReqId:     pI32(ev.ReqID),
			Account:   pStr(ev.Account),
			ModelCode: pStrNE(ev.ModelCode),
			Key:       pStr(ev.Key),
			Value:     pStr(ev.Value),
			Currency:  pStrNE(ev.Currency),
		}, ibapi.ACCOUNT_UPDATE_MULTI
	case engine.AccountUpdateMultiEnd:
		return &protobuf.AccountUpdateMultiEnd{ReqId: pI32(ev.ReqID)}, ibapi.ACCOUNT_UPDATE_MULTI_END
	}
	return nil, 0
}

// protoManagedAccounts builds ManagedAccounts (15).
func protoManagedAccounts(accounts string) []byte {
	return protoFrame(ibapi.MANAGED_ACCTS, &protobuf.ManagedAccounts{AccountsList: pStr(accounts)})
}

// The request decoders of the family: each reads the protobuf request
// from VerProtoAccounts, else the text layout (see orderrequests.go).

// protoReqID is a protobuf request id: -1 (NO_VALID_ID) when absent.
func protoReqID(p *int32) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

func reqAccountUpdatesProto(f *Fields) (bool, error) {
	var r protobuf.AccountDataRequest
	err := f.unmarshal("AccountDataRequest", &r)
	return r.GetSubscribe(), err
}

func reqAccountSummaryProto(f *Fields) (int64, string, error) {
	var r protobuf.AccountSummaryRequest
	if err := f.unmarshalReq("AccountSummaryRequest", &r); err != nil {
		return -1, "", err
	}
	f.ReqID = protoReqID(r.ReqId)
	return f.ReqID, r.GetTags(), nil
}

// protoCancel reads a protobuf cancel that carries only a request id.
func protoCancel(f *Fields, name string, pm protoCancelMsg) (int64, error) {
	if err := f.unmarshalReq(name, pm); err != nil {
		return -1, err
	}
	f.ReqID = int64(pm.GetReqId())
	return f.ReqID, nil
}

// MultiRequest is a reqPositionsMulti or reqAccountUpdatesMulti.
type MultiRequest struct {
	ReqID        int64
	Account      string
	ModelCode    string
	LedgerAndNLV bool // reqAccountUpdatesMulti only
}

// ReqPositionsMulti reads reqPositionsMulti (74): [1]version [2]reqId
// [3]account [4]modelCode; from version 207 PositionsMultiRequest.
func (c Codec) ReqPositionsMulti(f *Fields) (MultiRequest, error) {
	var r MultiRequest
	if f.IsProto {
		var pm protobuf.PositionsMultiRequest
		if err := f.unmarshalReq("PositionsMultiRequest", &pm); err != nil {
			return r, err
		}
		r.ReqID = protoReqID(pm.ReqId)
		f.ReqID = r.ReqID
		r.Account, r.ModelCode = strings.TrimSpace(pm.GetAccount()), strings.TrimSpace(pm.GetModelCode())
		return r, nil
	}
	f.Int("version")
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.Account = strings.TrimSpace(f.Str("account"))
	r.ModelCode = strings.TrimSpace(f.OptStr())
	return r, f.Err
}

// CancelPositionsMulti reads cancelPositionsMulti (75): [1]version
// [2]reqId; from version 207 CancelPositionsMulti.
func (c Codec) CancelPositionsMulti(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return protoCancel(f, "CancelPositionsMulti", &protobuf.CancelPositionsMulti{})
	}
	f.Int("version")
	reqID = f.Int("reqId")
	return reqID, f.Err
}

// ReqAccountUpdatesMulti reads reqAccountUpdatesMulti (76): [1]version
// [2]reqId [3]account [4]modelCode [5]ledgerAndNLV; from version 207
// AccountUpdatesMultiRequest.
func (c Codec) ReqAccountUpdatesMulti(f *Fields) (MultiRequest, error) {
	var r MultiRequest
	if f.IsProto {
		var pm protobuf.AccountUpdatesMultiRequest
		if err := f.unmarshalReq("AccountUpdatesMultiRequest", &pm); err != nil {
			return r, err
		}
		r.ReqID = protoReqID(pm.ReqId)
		f.ReqID = r.ReqID
		r.Account, r.ModelCode = strings.TrimSpace(pm.GetAccount()), strings.TrimSpace(pm.GetModelCode())
		r.LedgerAndNLV = pm.GetLedgerAndNLV()
		return r, nil
	}
	f.Int("version")
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.Account = strings.TrimSpace(f.Str("account"))
	r.ModelCode = strings.TrimSpace(f.Str("modelCode"))
	r.LedgerAndNLV = f.Bool("ledgerAndNLV")
	return r, f.Err
}

// CancelAccountUpdatesMulti reads cancelAccountUpdatesMulti (77):
// [1]version [2]reqId; from version 207 CancelAccountUpdatesMulti.
func (c Codec) CancelAccountUpdatesMulti(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return protoCancel(f, "CancelAccountUpdatesMulti", &protobuf.CancelAccountUpdatesMulti{})
	}
	f.Int("version")
	reqID = f.Int("reqId")
	return reqID, f.Err
}
