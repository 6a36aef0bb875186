package ibsim

// STUB: replaced by the contract details implementation.

func handleReqContractDetails(c *client, f *fields) error { return nil }
func handleReqSecDefOptParams(c *client, f *fields) error { return nil }
