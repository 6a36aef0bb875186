package ibkr

import (
	"slices"
	"strings"
)

// CodeInfo describes one of IB's message codes: whether it is a warning or
// an error, which sentinel errors it matches, and what it ends. The
// Session's routing and APIError.Is both read this one table.
type CodeInfo struct {
	// Code is IB's message code.
	Code int64
	// Warning: informational; it never fails a call or ends an order. It
	// goes to Config.OnWarning.
	Warning bool
	// Sentinels are the package errors an APIError with this code matches
	// (errors.Is), most specific first. Empty for warnings.
	Sentinels []error
	// EndsRequest: the request named by the message's id is over (no more
	// answers come for it).
	EndsRequest bool
	// EndsOrder: the order named by the message's id is not (or no longer)
	// working at the Gateway: its Trade ends with the error.
	EndsOrder bool
	// Meaning is a short description, after IB's message code list.
	Meaning string
}

// Kind is "warning" or "error".
func (c CodeInfo) Kind() string {
	if c.Warning {
		return "warning"
	}
	return "error"
}

// codeTable is every code the Session treats specially, after IB's message
// code list (TWS API "Message Codes": system, warning and error codes).
// Codes not listed fall back to codeFallback.
var codeTable = buildCodeTable([]CodeInfo{
	// Pacing and limits.
	{Code: 100, Sentinels: []error{ErrRateExceeded}, Meaning: "max rate of messages per second exceeded"},
	{Code: 101, Sentinels: []error{ErrMaxTickers}, EndsRequest: true, Meaning: "max number of market data lines reached"},
	{Code: 102, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, Meaning: "duplicate ticker id"},

	// Orders refused before or while they are placed: the order does not
	// work at the Gateway.
	{Code: 103, Sentinels: []error{ErrDuplicateOrderID, ErrOrderRejected}, EndsOrder: true, Meaning: "duplicate order id"},
	{Code: 106, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "cannot transmit order id"},
	{Code: 107, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "cannot transmit an incomplete order"},
	{Code: 109, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "price out of the percentage range of the order defaults; not transmitted"},
	{Code: 110, Sentinels: []error{ErrPriceIncrement, ErrOrderRejected}, EndsOrder: true, Meaning: "price does not conform to the minimum price variation"},
	{Code: 111, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "time in force and order type are incompatible"},
	{Code: 113, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "time in force must be DAY for MOC and LOC orders"},
	{Code: 116, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order cannot be transmitted to a dead exchange"},
	{Code: 117, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "block order size must be at least 50"},
	{Code: 121, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "invalid BD flag"},
	{Code: 122, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "no request tag for the order"},
	{Code: 124, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "no market rule for the contract"},
	{Code: 125, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "buy price must equal the best ask"},
	{Code: 126, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "sell price must equal the best bid"},
	{Code: 132, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order cannot be transmitted without a clearing account"},
	{Code: 133, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "submit new order failed"},
	{Code: 140, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "size should be an integer"},
	{Code: 141, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "price should be a double"},
	{Code: 145, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "error validating entry fields"},
	{Code: 146, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "invalid trigger method"},
	{Code: 147, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "conditional contract info incomplete"},
	{Code: 148, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "conditional order must be limit or market"},
	{Code: 152, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "hidden attribute not allowed for this order"},
	{Code: 154, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "orders cannot be transmitted for a halted security"},
	{Code: 157, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order can be iceberg or discretionary, not both"},
	{Code: 158, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "offset amount or percent offset missing"},
	{Code: 159, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "percent offset must be within 0..100"},
	{Code: 160, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "size cannot be zero"},
	{Code: 163, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "price violates the percentage constraint of the order defaults"},
	{Code: 164, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "no market data to check price percent violations"},
	{Code: 167, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "VWAP order time must be in the future"},
	{Code: 168, Sentinels: []error{ErrPriceIncrement, ErrOrderRejected}, EndsOrder: true, Meaning: "discretionary amount does not conform to the minimum price variation"},
	{Code: 201, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order rejected"},
	{Code: 202, Sentinels: []error{ErrOrderCancelled}, EndsOrder: true, Meaning: "order cancelled"},
	{Code: 203, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "security not available or allowed for this account"},
	{Code: 328, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "trailing stops attach to limit or stop-limit orders only"},
	{Code: 355, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order size does not conform to the market rule"},
	{Code: 361, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "invalid trigger price"},
	{Code: 382, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "price violates the number-of-ticks constraint of the order defaults"},
	{Code: 383, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "size violates the size constraint of the order defaults"},
	{Code: 387, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order type not supported for this exchange and security type"},
	{Code: 388, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order size below the minimum"},
	{Code: 392, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "contract expired"},
	{Code: 395, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "OCA orders not accepted now"},
	{Code: 396, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "only market and limit orders accepted now"},
	{Code: 403, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "invalid stop price"},
	{Code: 405, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "child quantity must equal the parent's"},
	{Code: 411, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "outside-RTH flag not valid for this order"},
	{Code: 412, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "contract not available for trading"},
	{Code: 413, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "what-if order must transmit"},
	{Code: 434, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order size cannot be zero"},
	{Code: 435, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "an account must be specified"},
	{Code: 460, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "no trading permissions"},
	{Code: 10289, Sentinels: []error{ErrOrderRejected}, EndsOrder: true, Meaning: "order rejected by the Gateway's checks"},

	// Modifications and cancels that fail: the original order is untouched.
	{Code: 104, Sentinels: []error{ErrOrderNotCancellable, ErrOrderNotFound}, Meaning: "cannot modify a filled order"},
	{Code: 105, Sentinels: []error{ErrOrderRejected}, Meaning: "modification does not match the original order"},
	{Code: 134, Sentinels: []error{ErrOrderRejected}, Meaning: "modify order failed"},
	{Code: 135, Sentinels: []error{ErrOrderNotFound}, Meaning: "no order with that id"},
	{Code: 136, Sentinels: []error{ErrOrderNotCancellable, ErrOrderNotFound}, Meaning: "order cannot be cancelled"},
	{Code: 161, Sentinels: []error{ErrOrderNotCancellable, ErrOrderNotFound}, Meaning: "order not in a cancellable state"},
	{Code: 329, Sentinels: []error{ErrOrderRejected}, Meaning: "modify failed: cannot change to the new order type"},
	{Code: 10147, Sentinels: []error{ErrOrderNotFound}, Meaning: "order to cancel not found"},
	{Code: 10148, Sentinels: []error{ErrOrderNotCancellable, ErrOrderNotFound}, Meaning: "order to cancel cannot be cancelled in its state"},
	{Code: 10149, Sentinels: []error{ErrOrderNotFound}, Meaning: "invalid order id"},

	// Order warnings: the order goes on.
	{Code: 399, Warning: true, Meaning: "order message (e.g. held until the market opens)"},
	{Code: 404, Warning: true, Meaning: "shares not available for short sale; order held while located"},
	{Code: 2109, Warning: true, Meaning: "outside-RTH attribute ignored for this order"},
	{Code: 10311, Warning: true, Meaning: "order will be directly routed"},
	{Code: 10349, Warning: true, Meaning: "order TIF set by the order presets"},

	// Contracts and requests.
	{Code: 200, Sentinels: []error{ErrNoSecurityDefinition}, EndsRequest: true, EndsOrder: true, Meaning: "no security definition (or an ambiguous one)"},
	{Code: 300, Sentinels: []error{ErrNotFound}, EndsRequest: true, Meaning: "no such ticker id to cancel"},
	{Code: 309, Sentinels: []error{ErrMaxTickers}, EndsRequest: true, Meaning: "max number of market depth requests reached"},
	{Code: 310, Sentinels: []error{ErrNotFound}, EndsRequest: true, Meaning: "no such market depth subscription"},
	{Code: 320, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, EndsOrder: true, Meaning: "server error reading the request"},
	{Code: 321, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, EndsOrder: true, Meaning: "server error validating the request"},
	{Code: 322, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, EndsOrder: true, Meaning: "server error processing the request (duplicate id, too many subscriptions)"},
	{Code: 365, Sentinels: []error{ErrNotFound}, EndsRequest: true, Meaning: "no scanner subscription for the id"},
	{Code: 366, Sentinels: []error{ErrNotFound}, EndsRequest: true, Meaning: "no historical data query for the id"},
	{Code: 386, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, Meaning: "duplicate ticker id for a historical query"},
	{Code: 414, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, Meaning: "snapshot not applicable to generic ticks"},
	{Code: 420, Sentinels: []error{ErrPacingViolation}, EndsRequest: true, Meaning: "invalid real-time query (pacing)"},
	{Code: 430, Sentinels: []error{ErrNoData}, EndsRequest: true, Meaning: "fundamentals not available"},
	{Code: 431, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, Meaning: "what to show missing or incorrect"},
	{Code: 10092, Sentinels: []error{ErrInvalidRequest}, EndsRequest: true, Meaning: "deep market data not supported for this combination"},

	// Historical data service: 162 is refined by its text (see sentinelFor).
	{Code: 162, Sentinels: []error{ErrHistoricalData}, EndsRequest: true, Meaning: "historical market data service error"},
	{Code: 165, Warning: true, Meaning: "historical market data service query message"},
	{Code: 166, Sentinels: []error{ErrHistoricalData}, EndsRequest: true, Meaning: "HMDS expired contract violation"},

	// Market data permissions.
	{Code: 354, Sentinels: []error{ErrMarketDataNotSubscribed}, EndsRequest: true, Meaning: "requested market data is not subscribed"},
	{Code: 10089, Sentinels: []error{ErrMarketDataNotSubscribed}, EndsRequest: true, Meaning: "requested market data requires an additional subscription"},
	{Code: 10090, Warning: true, Sentinels: []error{ErrMarketDataNotSubscribed}, Meaning: "part of the requested market data is not subscribed"},
	{Code: 10091, Warning: true, Sentinels: []error{ErrMarketDataNotSubscribed}, Meaning: "part of the requested market data requires an additional subscription"},
	{Code: 10167, Warning: true, Meaning: "not subscribed: displaying delayed market data"},
	{Code: 10168, Sentinels: []error{ErrMarketDataNotSubscribed}, EndsRequest: true, Meaning: "not subscribed; delayed market data not enabled"},
	{Code: 10186, Sentinels: []error{ErrMarketDataNotSubscribed}, EndsRequest: true, Meaning: "not subscribed; delayed market data not available"},
	// 10197 ends a snapshot; a stream keeps its subscription (see Error).
	{Code: 10197, Sentinels: []error{ErrCompetingSession}, EndsRequest: true, Meaning: "no market data during a competing live session"},
	{Code: 10358, Warning: true, Meaning: "fundamentals subscription inactive"},
	{Code: 492, Warning: true, Meaning: "scanner results need additional permissions for precision"},

	// Connection.
	{Code: 326, Sentinels: []error{ErrClientIDInUse}, Meaning: "client id already in use"},
	{Code: 502, Sentinels: []error{ErrDisconnected}, Meaning: "could not connect (client library)"},
	{Code: 504, Sentinels: []error{ErrDisconnected}, Meaning: "not connected (client library)"},
	{Code: 1100, Sentinels: []error{ErrDisconnected}, Meaning: "connectivity between IB and the Gateway lost"},
	{Code: 1101, Warning: true, Meaning: "connectivity restored, data lost (market data re-requested)"},
	{Code: 1102, Warning: true, Meaning: "connectivity restored, data maintained"},
	{Code: 1300, Sentinels: []error{ErrDisconnected}, Meaning: "socket port reset; reconnect on the new port"},
	{Code: 2110, Warning: true, Sentinels: []error{ErrDisconnected}, Meaning: "connectivity between the Gateway and the server broken; restored automatically"},
})

func buildCodeTable(rows []CodeInfo) map[int64]CodeInfo {
	m := make(map[int64]CodeInfo, len(rows))
	for _, r := range rows {
		if _, dup := m[r.Code]; dup {
			panic("ibkr: code table lists " + r.Meaning + " twice")
		}
		m[r.Code] = r
	}
	return m
}

// LookupCode returns what the Session knows of an IB message code. Codes
// outside the table get the fallback: 2100..2199 are warnings (farm status
// and similar notices); any other code is an error that ends the request
// or order it names, so that no call waits in vain.
func LookupCode(code int64) CodeInfo {
	if c, ok := codeTable[code]; ok {
		return c
	}
	if code >= 2100 && code <= 2199 {
		return CodeInfo{Code: code, Warning: true, Meaning: "notice"}
	}
	return CodeInfo{Code: code, EndsRequest: true, Meaning: "unlisted error"}
}

// KnownCodes returns the table's entries in code order.
func KnownCodes() []CodeInfo {
	out := make([]CodeInfo, 0, len(codeTable))
	for _, c := range codeTable {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b CodeInfo) int { return int(a.Code - b.Code) })
	return out
}

// known reports whether code is in the table.
func known(code int64) bool {
	_, ok := codeTable[code]
	return ok
}

// sentinelsFor returns the sentinels a message matches; 162 and 200 are
// refined by their text.
func sentinelsFor(code int64, msg string) []error {
	switch code {
	case 162:
		lower := strings.ToLower(msg)
		switch {
		case strings.Contains(lower, "pacing violation"):
			return []error{ErrPacingViolation}
		case strings.Contains(lower, "returned no data"), strings.Contains(lower, "no data"):
			return []error{ErrNoData}
		}
	case 200:
		if strings.Contains(strings.ToLower(msg), "ambiguous") {
			return []error{ErrAmbiguousContract}
		}
	}
	return LookupCode(code).Sentinels
}
