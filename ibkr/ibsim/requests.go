package ibsim

import (
	"fmt"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// handler serves one request. It reads its fields from f; a *fieldError
// (left in f.err and returned) is answered with error 320 by dispatch.
type handler func(c *client, f *wire.Fields) error

// handlerFor returns the handler of a message id, or nil.
func handlerFor(id int64) handler {
	switch id {
	case ibapi.START_API:
		return handleStartAPI
	case ibapi.REQ_IDS:
		return handleReqIDs
	case ibapi.REQ_CURRENT_TIME:
		return handleReqCurrentTime
	case ibapi.REQ_CURRENT_TIME_IN_MILLIS:
		return handleReqCurrentTimeInMillis
	case ibapi.REQ_MARKET_DATA_TYPE:
		return handleReqMarketDataType
	case ibapi.REQ_MANAGED_ACCTS:
		return handleReqManagedAccts
	case ibapi.REQ_CONTRACT_DATA:
		return handleReqContractDetails
	case ibapi.REQ_SEC_DEF_OPT_PARAMS:
		return handleReqSecDefOptParams
	case ibapi.REQ_MARKET_RULE:
		return handleReqMarketRule
	case ibapi.REQ_MATCHING_SYMBOLS:
		return handleReqMatchingSymbols
	case ibapi.REQ_SMART_COMPONENTS:
		return handleReqSmartComponents
	case ibapi.REQ_MKT_DATA:
		return handleReqMktData
	case ibapi.CANCEL_MKT_DATA:
		return handleCancelMktData
	case ibapi.REQ_MKT_DEPTH:
		return handleReqMktDepth
	case ibapi.CANCEL_MKT_DEPTH:
		return handleCancelMktDepth
	case ibapi.REQ_MKT_DEPTH_EXCHANGES:
		return handleReqMktDepthExchanges
	case ibapi.REQ_HISTORICAL_DATA:
		return handleReqHistoricalData
	case ibapi.CANCEL_HISTORICAL_DATA:
		return handleCancelHistoricalData
	case ibapi.REQ_HEAD_TIMESTAMP:
		return handleReqHeadTimestamp
	case ibapi.REQ_REAL_TIME_BARS:
		return handleReqRealTimeBars
	case ibapi.CANCEL_REAL_TIME_BARS:
		return handleCancelRealTimeBars
	case ibapi.CANCEL_HEAD_TIMESTAMP:
		return handleCancelHeadTimestamp
	case ibapi.REQ_HISTOGRAM_DATA:
		return handleReqHistogramData
	case ibapi.CANCEL_HISTOGRAM_DATA:
		return handleCancelHistogramData
	case ibapi.REQ_HISTORICAL_TICKS:
		return handleReqHistoricalTicks
	case ibapi.REQ_TICK_BY_TICK_DATA:
		return handleReqTickByTickData
	case ibapi.CANCEL_TICK_BY_TICK_DATA:
		return handleCancelTickByTickData
	case ibapi.PLACE_ORDER:
		return handlePlaceOrder
	case ibapi.CANCEL_ORDER:
		return handleCancelOrder
	case ibapi.REQ_GLOBAL_CANCEL:
		return handleReqGlobalCancel
	case ibapi.REQ_OPEN_ORDERS:
		return handleReqOpenOrders
	case ibapi.REQ_ALL_OPEN_ORDERS:
		return handleReqAllOpenOrders
	case ibapi.REQ_AUTO_OPEN_ORDERS:
		return handleReqAutoOpenOrders
	case ibapi.REQ_COMPLETED_ORDERS:
		return handleReqCompletedOrders
	case ibapi.REQ_POSITIONS:
		return handleReqPositions
	case ibapi.CANCEL_POSITIONS:
		return handleCancelPositions
	case ibapi.REQ_EXECUTIONS:
		return handleReqExecutions
	case ibapi.REQ_ACCT_DATA:
		return handleReqAccountUpdates
	case ibapi.REQ_ACCOUNT_SUMMARY:
		return handleReqAccountSummary
	case ibapi.CANCEL_ACCOUNT_SUMMARY:
		return handleCancelAccountSummary
	case ibapi.REQ_PNL:
		return handleReqPnL
	case ibapi.CANCEL_PNL:
		return handleCancelPnL
	case ibapi.REQ_PNL_SINGLE:
		return handleReqPnLSingle
	case ibapi.CANCEL_PNL_SINGLE:
		return handleCancelPnLSingle
	case ibapi.REQ_SOFT_DOLLAR_TIERS:
		return handleReqSoftDollarTiers
	case ibapi.REQ_FAMILY_CODES:
		return handleReqFamilyCodes
	case ibapi.REQ_USER_INFO:
		return handleReqUserInfo
	case ibapi.SET_SERVER_LOGLEVEL:
		return handleSetServerLogLevel
	case ibapi.REQ_CONFIG:
		return handleReqConfig
	case ibapi.UPDATE_CONFIG:
		return handleUpdateConfig
	case ibapi.REQ_POSITIONS_MULTI:
		return handleReqPositionsMulti
	case ibapi.CANCEL_POSITIONS_MULTI:
		return handleCancelPositionsMulti
	case ibapi.REQ_ACCOUNT_UPDATES_MULTI:
		return handleReqAccountUpdatesMulti
	case ibapi.CANCEL_ACCOUNT_UPDATES_MULTI:
		return handleCancelAccountUpdatesMulti
	case ibapi.CANCEL_CONTRACT_DATA:
		return handleCancelContractData
	case ibapi.REQ_NEWS_BULLETINS:
		return handleReqNewsBulletins
	case ibapi.CANCEL_NEWS_BULLETINS:
		return handleCancelNewsBulletins
	case ibapi.REQ_NEWS_PROVIDERS:
		return handleReqNewsProviders
	case ibapi.REQ_NEWS_ARTICLE:
		return handleReqNewsArticle
	case ibapi.REQ_HISTORICAL_NEWS:
		return handleReqHistoricalNews
	case ibapi.REQ_SCANNER_PARAMETERS:
		return handleReqScannerParameters
	case ibapi.REQ_SCANNER_SUBSCRIPTION:
		return handleReqScannerSubscription
	case ibapi.CANCEL_SCANNER_SUBSCRIPTION:
		return handleCancelScannerSubscription
	case ibapi.REQ_CALC_IMPLIED_VOLAT:
		return handleReqCalcImpliedVolat
	case ibapi.REQ_CALC_OPTION_PRICE:
		return handleReqCalcOptionPrice
	case ibapi.CANCEL_CALC_IMPLIED_VOLAT:
		return handleCancelCalcImpliedVolat
	case ibapi.CANCEL_CALC_OPTION_PRICE:
		return handleCancelCalcOptionPrice
	case ibapi.REQ_FA:
		return handleReqFA
	}
	return nil
}

// handleStartAPI: [1]version [2]clientId [3]optionalCapabilities.
func handleStartAPI(c *client, f *wire.Fields) error {
	id, err := c.codec.StartAPI(f)
	if err != nil {
		return err
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
	c.send(c.codec.ManagedAccounts(s.cfg.Account))
	c.send(c.codec.NextValidID(s.engine.NextOrderID(id)))
	c.sendError(-1, 2104, "Market data farm connection is OK:usfarm")
	c.sendError(-1, 2106, "HMDS data farm connection is OK:ushmds")
	c.sendError(-1, 2158, "Sec-def data farm connection is OK:secdefnj")
	// The client id's open orders follow, as openOrder + orderStatus each
	// (no openOrderEnd), as the real Gateway sends them on (re)connect.
	s.engine.OpenOrders(c.origin(), false, false)
	return nil
}

// handleReqIDs: [1]version [2]numIds; answers nextValidId.
func handleReqIDs(c *client, f *wire.Fields) error {
	if err := c.codec.ReqIDs(f); err != nil {
		return err
	}
	c.send(c.codec.NextValidID(c.srv.engine.NextOrderID(c.clientID)))
	return nil
}

// handleReqCurrentTime: [1]version; answers the market clock's epoch second.
func handleReqCurrentTime(c *client, f *wire.Fields) error {
	if err := c.codec.ReqCurrentTime(f); err != nil {
		return err
	}
	c.send(c.codec.CurrentTime(c.srv.now().Unix()))
	return nil
}

// handleReqCurrentTimeInMillis: no fields (version 197 and later);
// answers the market clock's epoch millisecond (currentTimeInMillis, 109).
func handleReqCurrentTimeInMillis(c *client, f *wire.Fields) error {
	if err := c.codec.ReqCurrentTimeInMillis(f); err != nil {
		return err
	}
	c.send(c.codec.CurrentTimeInMillis(c.srv.now().UnixMilli()))
	return nil
}

// handleReqMarketDataType: [1]version [2]type (1 live, 2 frozen, 3 delayed,
// 4 delayed frozen).
func handleReqMarketDataType(c *client, f *wire.Fields) error {
	t, err := c.codec.ReqMarketDataType(f)
	if err != nil {
		return err
	}
	if t < 1 || t > 4 {
		c.sendError(-1, 10092, fmt.Sprintf("Invalid market data type %d: want 1 (live), 2 (frozen), 3 (delayed) or 4 (delayed frozen).", t))
		return nil
	}
	c.mdType.Store(int32(t))
	return nil
}

// handleReqManagedAccts: [1]version.
func handleReqManagedAccts(c *client, f *wire.Fields) error {
	if err := c.codec.ReqManagedAccts(f); err != nil {
		return err
	}
	c.send(c.codec.ManagedAccounts(c.srv.cfg.Account))
	return nil
}
