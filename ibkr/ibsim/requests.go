package ibsim

import (
	"fmt"
	"time"
)

// Incoming (client to server) message ids.
const (
	msgReqMktData          = 1
	msgCancelMktData       = 2
	msgPlaceOrder          = 3
	msgCancelOrder         = 4
	msgReqOpenOrders       = 5
	msgReqAcctData         = 6
	msgReqExecutions       = 7
	msgReqIDs              = 8
	msgReqContractData     = 9
	msgReqAutoOpenOrders   = 15
	msgReqAllOpenOrders    = 16
	msgReqManagedAccts     = 17
	msgReqHistoricalData   = 20
	msgCancelHistorical    = 25
	msgReqCurrentTime      = 49
	msgReqGlobalCancel     = 58
	msgReqMarketDataType   = 59
	msgReqPositions        = 61
	msgReqAccountSummary   = 62
	msgCancelAccountSumm   = 63
	msgCancelPositions     = 64
	msgStartAPI            = 71
	msgReqSecDefOptParams  = 78
	msgReqHeadTimestamp    = 87
	msgCancelHeadTimestamp = 90
	msgReqMarketRule       = 91
	msgReqPnL              = 92
	msgCancelPnL           = 93
	msgReqCompletedOrders  = 99
)

// Outgoing (server to client) message ids.
const (
	inTickPrice         = 1
	inTickSize          = 2
	inOrderStatus       = 3
	inErrMsg            = 4
	inOpenOrder         = 5
	inAcctValue         = 6
	inPortfolioValue    = 7
	inAcctUpdateTime    = 8
	inNextValidID       = 9
	inContractData      = 10
	inExecutionData     = 11
	inManagedAccts      = 15
	inHistoricalData    = 17
	inTickOptionComp    = 21
	inTickGeneric       = 45
	inTickString        = 46
	inCurrentTime       = 49
	inContractDataEnd   = 52
	inOpenOrderEnd      = 53
	inAcctDownloadEnd   = 54
	inExecutionDataEnd  = 55
	inTickSnapshotEnd   = 57
	inMarketDataType    = 58
	inCommissionReport  = 59
	inPositionData      = 61
	inPositionEnd       = 62
	inAccountSummary    = 63
	inAccountSummaryEnd = 64
	inSecDefOptParam    = 75
	inSecDefOptParamEnd = 76
	inTickReqParams     = 81
	inHeadTimestamp     = 88
	inHistoricalUpdate  = 90
	inMarketRule        = 93
	inPnL               = 94
	inCompletedOrder    = 101
	inCompletedOrderEnd = 102
	inHistoricalDataEnd = 108
)

// handler serves one request. It reads its fields from f; a *fieldError
// (left in f.err and returned) is answered with error 320 by dispatch.
type handler func(c *client, f *fields) error

// handlerFor returns the handler of a message id, or nil.
func handlerFor(id int64) handler {
	switch id {
	case msgStartAPI:
		return handleStartAPI
	case msgReqIDs:
		return handleReqIDs
	case msgReqCurrentTime:
		return handleReqCurrentTime
	case msgReqMarketDataType:
		return handleReqMarketDataType
	case msgReqManagedAccts:
		return handleReqManagedAccts
	case msgReqContractData:
		return handleReqContractDetails
	case msgReqSecDefOptParams:
		return handleReqSecDefOptParams
	case msgReqMarketRule:
		return handleReqMarketRule
	case msgReqMktData:
		return handleReqMktData
	case msgCancelMktData:
		return handleCancelMktData
	case msgReqHistoricalData:
		return handleReqHistoricalData
	case msgCancelHistorical:
		return handleCancelHistoricalData
	case msgReqHeadTimestamp:
		return handleReqHeadTimestamp
	case msgCancelHeadTimestamp:
		return handleIgnore
	case msgPlaceOrder:
		return handlePlaceOrder
	case msgCancelOrder:
		return handleCancelOrder
	case msgReqGlobalCancel:
		return handleReqGlobalCancel
	case msgReqOpenOrders:
		return handleReqOpenOrders
	case msgReqAllOpenOrders:
		return handleReqAllOpenOrders
	case msgReqAutoOpenOrders:
		return handleReqAutoOpenOrders
	case msgReqCompletedOrders:
		return handleReqCompletedOrders
	case msgReqPositions:
		return handleReqPositions
	case msgCancelPositions:
		return handleCancelPositions
	case msgReqExecutions:
		return handleReqExecutions
	case msgReqAcctData:
		return handleReqAccountUpdates
	case msgReqAccountSummary:
		return handleReqAccountSummary
	case msgCancelAccountSumm:
		return handleCancelAccountSummary
	case msgReqPnL:
		return handleReqPnL
	case msgCancelPnL:
		return handleCancelPnL
	}
	return nil
}

// handleIgnore accepts a request that needs no answer.
func handleIgnore(c *client, f *fields) error { return nil }

// handleStartAPI: [1]version [2]clientId [3]optionalCapabilities.
func handleStartAPI(c *client, f *fields) error {
	f.int("version")
	id := f.int("clientId")
	if c.version >= 72 {
		f.optStr()
	}
	if f.err != nil {
		return f.err
	}
	if c.started {
		return nil // a second startApi is ignored
	}
	c.started = true
	s := c.srv
	if s.clientIDHeld(id) || !s.register(c, id) {
		c.clientID = id
		c.stats.setClientID(id)
		c.sendError(-1, 326, "Unable to connect as the client id is already in use. Retry with a unique client id.")
		c.reject("client id in use")
		return nil
	}
	c.clientID = id
	c.registered = true
	c.stats.setClientID(id)
	c.log.Info("ibsim client connected", "clientId", id, "version", c.version, "paceAPI", c.paceAPI)
	c.send(newMsg(inManagedAccts).int(1).str(s.cfg.Account))
	c.send(newMsg(inNextValidID).int(1).int(s.engine.nextOrderID(id)))
	c.sendError(-1, 2104, "Market data farm connection is OK:usfarm")
	c.sendError(-1, 2106, "HMDS data farm connection is OK:ushmds")
	c.sendError(-1, 2158, "Sec-def data farm connection is OK:secdefnj")
	// The client id's open orders follow, as openOrder + orderStatus each
	// (no openOrderEnd), as the real Gateway sends them on (re)connect.
	s.engine.openOrders(c.origin(), false, false)
	return nil
}

// handleReqIDs: [1]version [2]numIds; answers nextValidId.
func handleReqIDs(c *client, f *fields) error {
	f.int("version")
	f.int("numIds")
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inNextValidID).int(1).int(c.srv.engine.nextOrderID(c.clientID)))
	return nil
}

// handleReqCurrentTime: [1]version; answers the market clock's epoch second.
func handleReqCurrentTime(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inCurrentTime).int(1).int(c.srv.now().Unix()))
	return nil
}

// handleReqMarketDataType: [1]version [2]type (1 live, 2 frozen, 3 delayed,
// 4 delayed frozen).
func handleReqMarketDataType(c *client, f *fields) error {
	f.int("version")
	t := f.int("marketDataType")
	if f.err != nil {
		return f.err
	}
	if t < 1 || t > 4 {
		c.sendError(-1, 10092, fmt.Sprintf("Invalid market data type %d: want 1 (live), 2 (frozen), 3 (delayed) or 4 (delayed frozen).", t))
		return nil
	}
	c.mdType.Store(int32(t))
	return nil
}

// handleReqManagedAccts: [1]version.
func handleReqManagedAccts(c *client, f *fields) error {
	f.int("version")
	if f.err != nil {
		return f.err
	}
	c.send(newMsg(inManagedAccts).int(1).str(c.srv.cfg.Account))
	return nil
}

// newYork is the exchange time zone.
var newYork = mustLoadLocation("America/New_York")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The tz database is embedded below via time/tzdata, so this only
		// happens if that import is removed.
		panic(fmt.Sprintf("ibsim: load %s: %v", name, err))
	}
	return loc
}
