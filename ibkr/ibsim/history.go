package ibsim

import "time"

// STUB: replaced by the historical data implementation.

type histState struct{}

func newHistState() *histState                              { return &histState{} }
func (h *histState) closeAll(c *client)                     {}
func (h *histState) tick(c *client, now time.Time)          {}
func handleReqHistoricalData(c *client, f *fields) error    { return nil }
func handleCancelHistoricalData(c *client, f *fields) error { return nil }
func handleReqHeadTimestamp(c *client, f *fields) error     { return nil }
