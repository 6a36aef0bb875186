package ibsim

import "github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"

// Positions and account updates by account and model (reqPositionsMulti,
// 74, and reqAccountUpdatesMulti, 76, with their cancels, 75 and 77).
//
// The simulator has one account and no models. A request for the account
// (or for "", every account) answers one positionMulti per holding, then
// positionMultiEnd, or every account value as accountUpdateMulti (with
// ledgerAndNLV, the per-currency ledger values and NetLiquidation only),
// then accountUpdateMultiEnd, each row carrying the model code asked for.
// The request then streams until it is cancelled: positionMulti when a
// fill changes a position, accountUpdateMulti for the values that change
// (after a fill, and every three minutes as the account updates are). A
// request for another account gets error 321 "Invalid account code" on
// its id. A cancel sends nothing.

// handleReqPositionsMulti: [1]version [2]reqId [3]account [4]modelCode
// (PositionsMultiRequest from version 207).
func handleReqPositionsMulti(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqPositionsMulti(f)
	if err != nil {
		return err
	}
	c.srv.engine.PositionsMulti(c.origin(), r.ReqID, r.Account, r.ModelCode)
	return nil
}

// handleCancelPositionsMulti: [1]version [2]reqId.
func handleCancelPositionsMulti(c *client, f *wire.Fields) error {
	reqID, err := c.codec.CancelPositionsMulti(f)
	if err != nil {
		return err
	}
	c.srv.engine.CancelPositionsMulti(c.origin(), reqID)
	return nil
}

// handleReqAccountUpdatesMulti: [1]version [2]reqId [3]account
// [4]modelCode [5]ledgerAndNLV (AccountUpdatesMultiRequest from version
// 207).
func handleReqAccountUpdatesMulti(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqAccountUpdatesMulti(f)
	if err != nil {
		return err
	}
	c.srv.engine.AccountUpdatesMulti(c.origin(), r.ReqID, r.Account, r.ModelCode, r.LedgerAndNLV)
	return nil
}

// handleCancelAccountUpdatesMulti: [1]version [2]reqId.
func handleCancelAccountUpdatesMulti(c *client, f *wire.Fields) error {
	reqID, err := c.codec.CancelAccountUpdatesMulti(f)
	if err != nil {
		return err
	}
	c.srv.engine.CancelAccountUpdatesMulti(c.origin(), reqID)
	return nil
}

// handleCancelContractData: cancelContractData (106), which clients send
// as protobuf from version 215. Contract details are answered at once, so
// a cancel is of an answered or unknown request: nothing is sent, as the
// Gateway sends nothing.
func handleCancelContractData(c *client, f *wire.Fields) error {
	_, err := c.codec.CancelContractData(f)
	return err
}
