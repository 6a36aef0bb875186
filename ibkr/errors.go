package ibkr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Every error a Session returns wraps one of these or a
// context error, so callers test with errors.Is.
var (
	// ErrClosed: the Session or Pool was closed.
	ErrClosed = errors.New("ibkr: session closed")
	// ErrDisconnected: the connection to the Gateway was lost while the
	// call was in flight, or the Session is reconnecting. Retryable: the
	// Session reconnects by itself.
	ErrDisconnected = errors.New("ibkr: disconnected from the gateway")
	// ErrClientIDInUse: the Gateway refused the client id (326).
	ErrClientIDInUse = errors.New("ibkr: client id already in use")
	// ErrReadOnly: an order call on a read-only Session.
	ErrReadOnly = errors.New("ibkr: session is read-only")
	// ErrNoSecurityDefinition: no contract matches the request (200).
	ErrNoSecurityDefinition = errors.New("ibkr: no security definition")
	// ErrAmbiguousContract: several contracts match and the call needs one.
	ErrAmbiguousContract = errors.New("ibkr: ambiguous contract")
	// ErrPacingViolation: the Gateway refused a request for pacing (162,
	// 420). The Session's pacing is meant to make this impossible.
	ErrPacingViolation = errors.New("ibkr: pacing violation")
	// ErrNoData: a historical query returned no data (162).
	ErrNoData = errors.New("ibkr: query returned no data")
	// ErrHistoricalData: another historical data service error (162).
	ErrHistoricalData = errors.New("ibkr: historical data service error")
	// ErrMarketDataNotSubscribed: no market data permission for the
	// requested type (354, 10089, 10090, 10168).
	ErrMarketDataNotSubscribed = errors.New("ibkr: market data not subscribed")
	// ErrCompetingSession: market data is blocked by a competing live
	// session (10197).
	ErrCompetingSession = errors.New("ibkr: competing live session")
	// ErrMaxTickers: the account's market data lines are exhausted (101).
	ErrMaxTickers = errors.New("ibkr: max number of market data lines reached")
	// ErrRateExceeded: the Gateway's 50 messages/s limit was exceeded (100).
	ErrRateExceeded = errors.New("ibkr: message rate exceeded")
	// ErrInvalidRequest: the Gateway rejected the request as invalid
	// (320, 321, 322, 10092, ...).
	ErrInvalidRequest = errors.New("ibkr: invalid request")
	// ErrDuplicateOrderID: the order id was used before (103).
	ErrDuplicateOrderID = errors.New("ibkr: duplicate order id")
	// ErrOrderRejected: the order was rejected (201, 203, 10147...).
	ErrOrderRejected = errors.New("ibkr: order rejected")
	// ErrOrderCancelled: the order was cancelled (202).
	ErrOrderCancelled = errors.New("ibkr: order cancelled")
	// ErrOrderNotFound: no such order to cancel or modify (10147, 10148,
	// 135).
	ErrOrderNotFound = errors.New("ibkr: order not found")
	// ErrNotFound: a cancel named no such request (300, 366).
	ErrNotFound = errors.New("ibkr: no such request")
)

// APIError is an error or warning message from the Gateway.
type APIError struct {
	// ReqID is the request or order id the message refers to; -1 for a
	// message about the connection as a whole.
	ReqID int64
	// Code is IB's error code.
	Code int64
	// Msg is IB's text.
	Msg string
	// AdvancedOrderRejectJSON carries order reject details when IB sends
	// them.
	AdvancedOrderRejectJSON string
	// Time is when the Gateway sent it (zero before server version 194).
	Time time.Time
}

func (e *APIError) Error() string {
	if e.ReqID >= 0 {
		return fmt.Sprintf("ibkr: IB error %d (req %d): %s", e.Code, e.ReqID, e.Msg)
	}
	return fmt.Sprintf("ibkr: IB error %d: %s", e.Code, e.Msg)
}

// Is maps IB codes to the package's sentinels.
func (e *APIError) Is(target error) bool {
	s := e.sentinel()
	return s != nil && s == target
}

func (e *APIError) sentinel() error {
	lower := strings.ToLower(e.Msg)
	switch e.Code {
	case 326:
		return ErrClientIDInUse
	case 200:
		if strings.Contains(lower, "ambiguous") {
			return ErrAmbiguousContract
		}
		return ErrNoSecurityDefinition
	case 162:
		switch {
		case strings.Contains(lower, "pacing violation"):
			return ErrPacingViolation
		case strings.Contains(lower, "returned no data"):
			return ErrNoData
		}
		return ErrHistoricalData
	case 420:
		return ErrPacingViolation
	case 354, 10089, 10090, 10168, 10186:
		return ErrMarketDataNotSubscribed
	case 10197:
		return ErrCompetingSession
	case 101:
		return ErrMaxTickers
	case 100:
		return ErrRateExceeded
	case 103:
		return ErrDuplicateOrderID
	case 201, 203, 10148, 10289:
		return ErrOrderRejected
	case 202:
		return ErrOrderCancelled
	case 135, 10147:
		return ErrOrderNotFound
	case 300, 366:
		return ErrNotFound
	case 320, 321, 322, 10092:
		return ErrInvalidRequest
	case 502, 504, 1100, 2110:
		return ErrDisconnected
	}
	return nil
}

// IsWarning reports whether an IB code is informational: farm status,
// delayed-data notices, connectivity restored and similar messages that
// never fail a call.
func IsWarning(code int64) bool {
	switch {
	case code >= 2100 && code <= 2199:
		return true
	case code == 1101 || code == 1102:
		return true
	}
	switch code {
	case 10167, 10349, 399, 404, 434, 492, 165, 105, 110, 329, 10358, 10311:
		return true
	}
	return false
}

// IsRetryable reports whether err is worth retrying as is: the connection
// was lost, the Gateway paced the request, or the client id was briefly
// held.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrDisconnected) ||
		errors.Is(err, ErrPacingViolation) ||
		errors.Is(err, ErrRateExceeded) ||
		errors.Is(err, ErrClientIDInUse) ||
		errors.Is(err, ErrMaxTickers)
}
