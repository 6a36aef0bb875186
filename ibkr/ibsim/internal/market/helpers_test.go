package market

import (
	"math"
	"time"
)

// unsetFloat is the protocol's unset double, as a client sends it.
const unsetFloat = math.MaxFloat64

// ordAt is 10:00 New York on a Tuesday, a regular trading day.
var ordAt = time.Date(2026, 3, 10, 10, 0, 0, 0, NewYork)
