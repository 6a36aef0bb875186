// Package wire is the TWS API socket protocol as the simulator speaks it:
// frames, fields, message ids and the layouts of every message by
// negotiated server version.
//
// # Frames and fields
//
// ReadFrame and EncodeFrame handle the big-endian length prefix; Fields is
// a cursor over a request's NUL-terminated fields whose getters never
// panic (the first problem is kept as a *FieldError, reported with error
// 320); Msg builds a message field by field. Message ids are
// scmhub/ibapi's constants (ibapi.PLACE_ORDER, ibapi.ORDER_STATUS, ...).
//
// # The codec
//
// Codec{Version} builds every message the server sends and reads every
// request it serves, in the layout of one negotiated version: the order
// messages (placeOrder as a client encodes it at each version; openOrder,
// completedOrder, orderStatus, execDetails and commissionReport as a
// client decodes them), the engine's events (Codec.Event), account and
// position messages, contract details, market data ticks and historical
// bars. The server lays out nothing itself. The text protocol (versions
// 100 to 200) is what exists now; version conditions below 100 are always
// true for these versions and are not repeated. A second protocol for
// later versions (the protobuf messages of 201 and up) belongs in the
// methods of the messages it changes, keyed by Version like the text
// layouts.
//
// # Files
//
//	frame.go, fields.go, msg.go  frames, the field reader, the builder
//	versions.go                  the server versions that change layouts
//	codec.go                     Codec, engine events, errors
//	requests.go, orderrequests.go the request decoders
//	placeorder.go                placeOrder at every version
//	openorder.go, completedorder.go, orderfields.go, execution.go  order messages
//	account.go                   account, portfolio, position, summary, PnL
//	session.go, contract.go, mktdata.go, history.go  the other messages
package wire
