package ibsim

import "time"

// STUB: replaced by the market data implementation.

type mdState struct{}

func newMDState() *mdState                           { return &mdState{} }
func (m *mdState) closeAll(c *client)                {}
func (m *mdState) tick(c *client, now time.Time)     {}
func handleReqMktData(c *client, f *fields) error    { return nil }
func handleCancelMktData(c *client, f *fields) error { return nil }
