package wire

import (
	"strconv"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// ManagedAccounts builds managedAccounts (15): the account ids, comma
// separated.
func (c Codec) ManagedAccounts(accounts string) []byte {
	if c.Version >= VerProtoAccounts {
		return protoManagedAccounts(accounts)
	}
	return finish(c.Version, NewMsg(ibapi.MANAGED_ACCTS).Int(1).Str(accounts))
}

// NextValidID builds nextValidId (9).
func (c Codec) NextValidID(id int64) []byte {
	if c.Version >= VerProtoRest3 {
		return protoFrame(ibapi.NEXT_VALID_ID, &protobuf.NextValidId{OrderId: pI32(id)})
	}
	return finish(c.Version, NewMsg(ibapi.NEXT_VALID_ID).Int(1).Int(id))
}

// CurrentTime builds currentTime (49): epoch seconds.
func (c Codec) CurrentTime(unix int64) []byte {
	if c.Version >= VerProtoRest3 {
		return protoFrame(ibapi.CURRENT_TIME, &protobuf.CurrentTime{CurrentTime: pI64(unix)})
	}
	return finish(c.Version, NewMsg(ibapi.CURRENT_TIME).Int(1).Int(unix))
}

// HandshakeReply is the server's answer to the handshake: the negotiated
// version and the connection time, "yyyymmdd hh:mm:ss <zone>" in New York
// time.
func (c Codec) HandshakeReply(at time.Time) []byte {
	return EncodeFrame(strconv.Itoa(c.Version), at.In(market.NewYork).Format("20060102 15:04:05 MST"))
}

// Malformed is a frame a fragile client cannot decode: a tickPrice whose
// price is not a number (the fault panel's SendMalformed).
func (c Codec) Malformed() []byte {
	return finish(c.Version, NewMsg(ibapi.TICK_PRICE).Str("6").Str("1").Str("1").Str("not-a-price").Str("100").Str("0"))
}

// CurrentTimeInMillis builds currentTimeInMillis (109): epoch milliseconds,
// no version field.
func (c Codec) CurrentTimeInMillis(ms int64) []byte {
	if c.Version >= VerProtoRest3 {
		return protoFrame(ibapi.CURRENT_TIME_IN_MILLIS, &protobuf.CurrentTimeInMillis{CurrentTimeInMillis: pI64(ms)})
	}
	return finish(c.Version, NewMsg(ibapi.CURRENT_TIME_IN_MILLIS).Int(ms))
}
