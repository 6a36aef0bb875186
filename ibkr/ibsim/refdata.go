package ibsim

import "time"

// STUB: replaced by the reference data implementation.

// refData holds every instrument the simulator knows.
type refData struct{}

func newRefData(seed int64) *refData { return &refData{} }

// resolve returns every instrument that matches q at instant now.
func (r *refData) resolve(q contractQuery, now time.Time) []*instrument { return nil }

// byConID returns the instrument with this conId, or nil.
func (r *refData) byConID(id int64, now time.Time) *instrument { return nil }
