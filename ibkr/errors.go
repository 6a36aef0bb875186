package ibkr

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every error a Session returns wraps one of these or a
// context error, so callers test with errors.Is. An *APIError matches the
// sentinels its code maps to in the code table (see LookupCode).
var (
	// ErrClosed: the Session or Pool was closed.
	ErrClosed = errors.New("ibkr: session closed")
	// ErrDisconnected: the connection to the Gateway was lost while the
	// call was in flight, or the Session is reconnecting, or nothing
	// listens at the address. Retryable: the Session reconnects by itself.
	ErrDisconnected = errors.New("ibkr: disconnected from the gateway")
	// ErrClientIDInUse: the Gateway refused the client id (326).
	ErrClientIDInUse = errors.New("ibkr: client id already in use")
	// ErrReadOnly: an order call on a read-only Session.
	ErrReadOnly = errors.New("ibkr: session is read-only")
	// ErrInvalidArgument: a call's input failed validation before anything
	// was sent; the error is a *ValidationError naming the field.
	ErrInvalidArgument = errors.New("ibkr: invalid argument")
	// ErrNoSecurityDefinition: no contract matches the request (200).
	ErrNoSecurityDefinition = errors.New("ibkr: no security definition")
	// ErrAmbiguousContract: several contracts match and the call needs one
	// (200 "ambiguous", or Qualify found several).
	ErrAmbiguousContract = errors.New("ibkr: ambiguous contract")
	// ErrPacingViolation: the Gateway refused a request for pacing (162
	// "pacing violation", 420). The Session's pacing is meant to make this
	// impossible.
	ErrPacingViolation = errors.New("ibkr: pacing violation")
	// ErrNoData: a historical query returned no data (162 "no data").
	ErrNoData = errors.New("ibkr: query returned no data")
	// ErrHistoricalData: another historical data service error (any other
	// 162, 166).
	ErrHistoricalData = errors.New("ibkr: historical data service error")
	// ErrMarketDataNotSubscribed: no market data permission for the
	// requested type (354, 10089, 10090, 10091, 10168, 10186).
	ErrMarketDataNotSubscribed = errors.New("ibkr: market data not subscribed")
	// ErrCompetingSession: market data is blocked by a competing live
	// session (10197).
	ErrCompetingSession = errors.New("ibkr: competing live session")
	// ErrMaxTickers: the account's market data lines are exhausted (101,
	// or 309 for market depth).
	ErrMaxTickers = errors.New("ibkr: max number of market data lines reached")
	// ErrRateExceeded: the Gateway's 50 messages/s limit was exceeded (100).
	ErrRateExceeded = errors.New("ibkr: message rate exceeded")
	// ErrInvalidRequest: the Gateway rejected the request as invalid
	// (102, 320, 321, 322, 386, 414, 431, 10092).
	ErrInvalidRequest = errors.New("ibkr: invalid request")
	// ErrDuplicateOrderID: the order id was used before (103); the order
	// was not placed.
	ErrDuplicateOrderID = errors.New("ibkr: duplicate order id")
	// ErrOrderRejected: the Gateway refused the order (201, 203, 103, 110
	// and the other order-ending codes of the code table); it does not
	// work.
	ErrOrderRejected = errors.New("ibkr: order rejected")
	// ErrPriceIncrement: a price does not conform to the contract's
	// minimum price variation (110, 168). Round with RoundToTick.
	ErrPriceIncrement = errors.New("ibkr: price does not conform to the minimum price variation")
	// ErrOrderCancelled: the order was cancelled (202).
	ErrOrderCancelled = errors.New("ibkr: order cancelled")
	// ErrOrderNotFound: there is no open order with that id to cancel or
	// modify: the Gateway knows none (135, 10147, 10149), or it is done
	// (then the error also matches ErrOrderNotCancellable).
	ErrOrderNotFound = errors.New("ibkr: order not found")
	// ErrOrderNotCancellable: the order exists but cannot be cancelled or
	// modified in its state, e.g. it is filled or already cancelled (104,
	// 136, 161, 10148). Such an error matches ErrOrderNotFound too.
	ErrOrderNotCancellable = errors.New("ibkr: order cannot be cancelled in its state")
	// ErrOrderLost: the order was written just before the connection was
	// lost and the Gateway has no record of it afterwards (not open, not
	// completed, no executions): IB never received it, so placing it again
	// is safe.
	ErrOrderLost = errors.New("ibkr: order lost before the gateway received it")
	// ErrNotFound: a cancel named no such request (300, 310, 365, 366).
	ErrNotFound = errors.New("ibkr: no such request")
)

// ValidationError is an input that failed validation before anything was
// sent: which field, the value given, and what is allowed. It wraps
// ErrInvalidArgument.
type ValidationError struct {
	// Field names the input, e.g. "Order.TIF" or "HistoricalRequest.BarSize".
	Field string
	// Value is the value given, as text.
	Value string
	// Allowed says what would be accepted.
	Allowed string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("ibkr: %s %q: want %s", e.Field, e.Value, e.Allowed)
}

// Unwrap makes a ValidationError match ErrInvalidArgument.
func (e *ValidationError) Unwrap() error { return ErrInvalidArgument }

// invalid builds a *ValidationError.
func invalid(field string, value any, allowed string) error {
	return &ValidationError{Field: field, Value: fmt.Sprint(value), Allowed: allowed}
}

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

// Is maps IB codes to the package's sentinels through the code table.
func (e *APIError) Is(target error) bool {
	for _, s := range sentinelsFor(e.Code, e.Msg) {
		if s == target {
			return true
		}
	}
	return false
}

// Info returns the code table's entry for the error's code.
func (e *APIError) Info() CodeInfo { return LookupCode(e.Code) }

// IsWarning reports whether an IB code is informational: farm status,
// delayed-data notices, connectivity restored, order notices and similar
// messages that never fail a call. It reads the code table (LookupCode).
func IsWarning(code int64) bool { return LookupCode(code).Warning }

// IsRetryable reports whether err is worth retrying as is: the connection
// was lost, the Gateway paced the request, the client id was briefly held,
// no market data line was free, or an order never reached IB.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrDisconnected) ||
		errors.Is(err, ErrOrderLost) ||
		errors.Is(err, ErrPacingViolation) ||
		errors.Is(err, ErrRateExceeded) ||
		errors.Is(err, ErrClientIDInUse) ||
		errors.Is(err, ErrMaxTickers)
}

// asAPIError unwraps err to an *APIError.
func asAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}
