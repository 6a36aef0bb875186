package wire

import (
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// MarketDataType builds marketDataType (58): the type a request is served
// (1 live, 2 frozen, 3 delayed, 4 delayed frozen).
func (c Codec) MarketDataType(reqID, typ int64) []byte {
	if c.protoMD() {
		return protoMarketDataType(reqID, typ)
	}
	return finish(c.Version, NewMsg(ibapi.MARKET_DATA_TYPE).Int(1).Int(reqID).Int(typ))
}

// TickReqParams builds tickReqParams (81), or nil before version 114,
// which has no such message.
func (c Codec) TickReqParams(reqID int64, minTick float64, bboExchange string, snapshotPermissions int64) []byte {
	if c.protoMD() {
		return protoTickReqParams(reqID, minTick, bboExchange, snapshotPermissions)
	}
	if c.Version < MinVerTickReqParams {
		return nil
	}
	return finish(c.Version, NewMsg(ibapi.TICK_REQ_PARAMS).Int(reqID).Float(minTick).Str(bboExchange).Int(snapshotPermissions))
}

// TickPrice builds tickPrice (1), version 6: a price with its size and
// attribute bits (1 can auto-execute, 2 past limit, 4 pre-open).
func (c Codec) TickPrice(reqID, tick int64, price, size float64, attrib int64) []byte {
	if c.protoMD() {
		return protoTickPrice(reqID, tick, price, size, attrib)
	}
	return finish(c.Version, NewMsg(ibapi.TICK_PRICE).Int(6).Int(reqID).Int(tick).Float(price).Decimal(size).Int(attrib))
}

// TickSize builds tickSize (2), version 6.
func (c Codec) TickSize(reqID, tick int64, size float64) []byte {
	if c.protoMD() {
		return protoTickSize(reqID, tick, size)
	}
	return finish(c.Version, NewMsg(ibapi.TICK_SIZE).Int(6).Int(reqID).Int(tick).Decimal(size))
}

// TickString builds tickString (46), version 6.
func (c Codec) TickString(reqID, tick int64, value string) []byte {
	if c.protoMD() {
		return protoTickString(reqID, tick, value)
	}
	return finish(c.Version, NewMsg(ibapi.TICK_STRING).Int(6).Int(reqID).Int(tick).Str(value))
}

// TickGeneric builds tickGeneric (45), version 6.
func (c Codec) TickGeneric(reqID, tick int64, value float64) []byte {
	if c.protoMD() {
		return protoTickGeneric(reqID, tick, value)
	}
	return finish(c.Version, NewMsg(ibapi.TICK_GENERIC).Int(6).Int(reqID).Int(tick).Float(value))
}

// TickOptionComputation builds tickOptionComputation (21): a version field
// (6) before version 156, the tick attribute (0 the model's values, 1
// implied from a quoted or traded price) from 156, then the greeks.
func (c Codec) TickOptionComputation(reqID, tick, attrib int64, g market.Greeks) []byte {
	if c.protoMD() {
		return protoTickOptionComputation(reqID, tick, attrib, g)
	}
	m := NewMsg(ibapi.TICK_OPTION_COMPUTATION)
	if c.Version < MinVerPriceBasedVol {
		m.Int(6)
	}
	m.Int(reqID).Int(tick)
	if c.Version >= MinVerPriceBasedVol {
		m.Int(attrib)
	}
	m.Float(g.IV).Float(g.Delta).Float(g.OptPrice).Float(g.PVDividend).
		Float(g.Gamma).Float(g.Vega).Float(g.Theta).Float(g.UndPrice)
	return finish(c.Version, m)
}

// TickSnapshotEnd builds tickSnapshotEnd (57).
func (c Codec) TickSnapshotEnd(reqID int64) []byte {
	if c.protoMD() {
		return protoTickSnapshotEnd(reqID)
	}
	return finish(c.Version, NewMsg(ibapi.TICK_SNAPSHOT_END).Int(1).Int(reqID))
}
