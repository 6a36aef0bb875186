package ibsim

import (
	"fmt"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// unservedReq describes a request the simulator does not serve: where its
// request id is and what the Gateway answers on that id.
type unservedReq struct {
	// idField returns the index of the request id among the text fields
	// after the message id at version v: -1 when the request carries none
	// (it is answered on -1), idLast when it is the last field.
	idField func(v int) int
	// code and text are the error sent on the request id; code 0 sends
	// nothing (a cancel of a request that was refused).
	code int
	text string
}

const idLast = -2

func at(i int) func(int) int { return func(int) int { return i } }

const (
	mdSubText   = "Requested market data requires additional subscription for API. See link in 'Market Data Connections' dialog for more details.:%s"
	hmdsText    = "Historical Market Data Service error message:%s"
	validateTxt = "Error validating request.-'%s' : cause - %s"
)

// unservedRequests are the requests with a request id that the simulator
// answers with an error on that id, by message id. The field positions are
// scmhub/ibapi v0.10.47's text layouts (client.go) at the versions the
// simulator speaks.
var unservedRequests = map[int64]unservedReq{
	// replaceFA: [1]version [2]faDataType [3]cxml [4]reqId (version >= 157).
	ibapi.REPLACE_FA: {idField: func(v int) int {
		if v >= 157 {
			return idLast
		}
		return -1
	}, code: 321, text: fmt.Sprintf(validateTxt, "bN", "FA data operations ignored for non FA customers.")},
	ibapi.EXERCISE_OPTIONS:              {idField: at(1), code: 321, text: fmt.Sprintf(validateTxt, "bN", "Option exercise is not supported by the simulator.")},
	ibapi.QUERY_DISPLAY_GROUPS:          {idField: at(1), code: 321, text: fmt.Sprintf(validateTxt, "bN", "Display groups are not available in IB Gateway.")},
	ibapi.SUBSCRIBE_TO_GROUP_EVENTS:     {idField: at(1), code: 321, text: fmt.Sprintf(validateTxt, "bN", "Display groups are not available in IB Gateway.")},
	ibapi.UPDATE_DISPLAY_GROUP:          {idField: at(1), code: 321, text: fmt.Sprintf(validateTxt, "bN", "Display groups are not available in IB Gateway.")},
	ibapi.UNSUBSCRIBE_FROM_GROUP_EVENTS: {idField: at(1)},
	ibapi.REQ_WSH_META_DATA:             {idField: at(0), code: 10276, text: "News feed is not allowed."},
	ibapi.CANCEL_WSH_META_DATA:          {idField: at(0)},
	ibapi.REQ_WSH_EVENT_DATA:            {idField: at(0), code: 10276, text: "News feed is not allowed."},
	ibapi.CANCEL_WSH_EVENT_DATA:         {idField: at(0)},
	ibapi.CANCEL_HISTORICAL_TICKS:       {idField: at(0)},
}

// answerUnserved answers a request the simulator has no handler for: on
// its request id when it carries one, else on -1 with error 320.
func (c *client) answerUnserved(id int64, f *wire.Fields) {
	u, ok := unservedRequests[id]
	if !ok {
		c.sendError(-1, 320, fmt.Sprintf("Error reading request. Message id %d is not supported by this simulator.", id))
		return
	}
	reqID, ok := unservedReqID(c.version, u, f)
	if !ok {
		if u.code == 0 {
			return
		}
		c.sendError(-1, 320, fmt.Sprintf("Error reading request. Message id %d: no request id.", id))
		return
	}
	if u.code != 0 {
		c.sendError(reqID, u.code, u.text)
	}
}

// unservedReqID reads the request id of an unserved request: the text
// field u names, or field 1 of a protobuf request (the reqId of every
// protobuf request that has one).
func unservedReqID(v int, u unservedReq, f *wire.Fields) (int64, bool) {
	if f.IsProto {
		return wire.ProtoField1(f.Proto)
	}
	i := u.idField(v)
	if i == -1 {
		return -1, true
	}
	if i == idLast {
		i = f.Remaining() - 1
		if i < 0 {
			return 0, false
		}
	}
	if i >= f.Remaining() {
		return 0, false
	}
	f.Skip(i, "fields before the request id")
	id := f.Int("reqId")
	return id, f.Err == nil
}
