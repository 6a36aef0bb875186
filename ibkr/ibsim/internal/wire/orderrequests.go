package wire

import (
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi/protobuf"
)

// The decoders of the order and account requests (see requests.go).

// PlaceOrder reads placeOrder (3); see ParsePlaceOrder.
//
// A protobuf placeOrder (PlaceOrderRequest, version 203 and later) holds the
// contract and the order as IB's Contract and Order messages.
func (c Codec) PlaceOrder(f *Fields) (engine.OrderRequest, error) {
	if f.IsProto {
		var r protobuf.PlaceOrderRequest
		if err := f.unmarshalReq("PlaceOrderRequest", &r); err != nil {
			return engine.OrderRequest{}, err
		}
		f.ReqID = int64(r.GetOrderId())
		req := orderRequestFromProto(&r)
		additionalFromProto(c.Version, &r, &req)
		return req, nil
	}
	return ParsePlaceOrder(f, c.Version)
}

// CancelOrder reads cancelOrder (4): below version 192 [1]version; then
// orderId, manualOrderCancelTime (version >= 169), and extOperator and
// manualOrderIndicator (version >= 192). The optional trailing fields
// carry nothing the engine uses and are not read.
func (c Codec) CancelOrder(f *Fields) (orderID int64, err error) {
	if f.IsProto {
		var r protobuf.CancelOrderRequest
		if err := f.unmarshalReq("CancelOrderRequest", &r); err != nil {
			return 0, err
		}
		f.ReqID = int64(r.GetOrderId())
		return f.ReqID, nil
	}
	if c.Version < SvCMETaggingFields {
		f.Int("version")
	}
	orderID = f.Int("orderId")
	f.ReqID = orderID
	return orderID, f.Err
}

// ReqGlobalCancel reads reqGlobalCancel (58): below version 192
// [1]version, else extOperator and manualOrderIndicator (not read).
func (c Codec) ReqGlobalCancel(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("GlobalCancelRequest", &protobuf.GlobalCancelRequest{})
	}
	if c.Version < SvCMETaggingFields {
		f.Int("version")
	}
	return f.Err
}

// ReqOpenOrders reads reqOpenOrders (5): [1]version.
func (c Codec) ReqOpenOrders(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("OpenOrdersRequest", &protobuf.OpenOrdersRequest{})
	}
	return versionOnly(f)
}

// ReqAllOpenOrders reads reqAllOpenOrders (16): [1]version.
func (c Codec) ReqAllOpenOrders(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("AllOpenOrdersRequest", &protobuf.AllOpenOrdersRequest{})
	}
	return versionOnly(f)
}

// ReqAutoOpenOrders reads reqAutoOpenOrders (15): [1]version [2]autoBind.
func (c Codec) ReqAutoOpenOrders(f *Fields) (autoBind bool, err error) {
	if f.IsProto {
		var r protobuf.AutoOpenOrdersRequest
		err := f.unmarshal("AutoOpenOrdersRequest", &r)
		return r.GetAutoBind(), err
	}
	f.Int("version")
	b := f.Bool("autoBind")
	return b, f.Err
}

// ReqCompletedOrders reads reqCompletedOrders (99): [1]apiOnly.
func (c Codec) ReqCompletedOrders(f *Fields) (apiOnly bool, err error) {
	if f.IsProto {
		var r protobuf.CompletedOrdersRequest
		err := f.unmarshal("CompletedOrdersRequest", &r)
		return r.GetApiOnly(), err
	}
	b := f.Bool("apiOnly")
	return b, f.Err
}

// ReqPositions reads reqPositions (61): [1]version; PositionsRequest
// from version 207.
func (c Codec) ReqPositions(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("PositionsRequest", &protobuf.PositionsRequest{})
	}
	return versionOnly(f)
}

// CancelPositions reads cancelPositions (64): [1]version;
// CancelPositions from version 207.
func (c Codec) CancelPositions(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("CancelPositions", &protobuf.CancelPositions{})
	}
	return versionOnly(f)
}

// ReqExecutions reads reqExecutions (7): [1]version [2]reqId [3]clientId
// [4]acctCode [5]time [6]symbol [7]secType [8]exchange [9]side, and at
// version 200 [10]lastNDays [11]specificDatesCount (0..1000) and the
// dates. The side is upper case; lastNDays is UnsetInt when not sent; the
// time ("yyyymmdd hh:mm:ss", New York time unless a zone follows, or
// "yyyymmdd-hh:mm:ss" UTC) is zero when empty or not understood.
//
// A protobuf reqExecutions (ExecutionRequest, version 201 and later) has
// the same filter; absent fields are empty, lastNDays unset.
func (c Codec) ReqExecutions(f *Fields) (reqID int64, flt engine.ExecFilter, err error) {
	if f.IsProto {
		var r protobuf.ExecutionRequest
		if err := f.unmarshalReq("ExecutionRequest", &r); err != nil {
			return 0, flt, err
		}
		reqID = int64(r.GetReqId())
		f.ReqID = reqID
		p := r.GetExecutionFilter()
		if p == nil {
			p = &protobuf.ExecutionFilter{} // no filter: every execution
		}
		flt.ClientID = int64(p.GetClientId())
		flt.Acct = p.GetAcctCode()
		flt.Symbol = p.GetSymbol()
		flt.SecType = p.GetSecType()
		flt.Exchange = p.GetExchange()
		flt.Side = strings.ToUpper(strings.TrimSpace(p.GetSide()))
		flt.LastNDays = getI32(p.LastNDays)
		if n := len(p.GetSpecificDates()); n > 1000 {
			return reqID, flt, &FieldError{Index: -1, Name: "executionFilter.specificDates", Value: strconv.Itoa(n) + " dates", Want: "at most 1000"}
		}
		for _, d := range p.GetSpecificDates() {
			flt.Dates = append(flt.Dates, int64(d))
		}
		flt.Since = parseFilterTime(p.GetTime())
		return reqID, flt, nil
	}
	f.Int("version")
	reqID = f.Int("reqId")
	f.ReqID = reqID
	flt.ClientID = f.Int("clientId")
	flt.Acct = f.Str("acctCode")
	tm := f.Str("time")
	flt.Symbol = f.Str("symbol")
	flt.SecType = f.Str("secType")
	flt.Exchange = f.Str("exchange")
	flt.Side = strings.ToUpper(strings.TrimSpace(f.Str("side")))
	flt.LastNDays = engine.UnsetInt
	if c.Version >= 200 {
		flt.LastNDays = f.MaxInt("lastNDays")
		n := f.Int("specificDatesCount")
		if n < 0 || n > 1000 {
			return reqID, flt, &FieldError{Index: f.Pos - 1, Name: "specificDatesCount", Value: strconv.FormatInt(n, 10), Want: "0..1000"}
		}
		for range n {
			flt.Dates = append(flt.Dates, f.Int("specificDate"))
		}
	}
	if f.Err != nil {
		return reqID, flt, f.Err
	}
	flt.Since = parseFilterTime(tm)
	return reqID, flt, nil
}

// parseFilterTime parses an execution filter time; zero when empty or not
// understood.
func parseFilterTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse("20060102-15:04:05", s); err == nil {
		return t
	}
	loc := market.NewYork
	fs := strings.Fields(s)
	if len(fs) >= 3 {
		if l, err := time.LoadLocation(fs[2]); err == nil {
			loc = l
		}
		s = fs[0] + " " + fs[1]
	}
	for _, layout := range []string{"20060102 15:04:05", "20060102  15:04:05", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	return time.Time{}
}

// ReqAccountUpdates reads reqAccountUpdates (6): [1]version [2]subscribe
// [3]acctCode; AccountDataRequest from version 207.
func (c Codec) ReqAccountUpdates(f *Fields) (subscribe bool, err error) {
	if f.IsProto {
		return reqAccountUpdatesProto(f)
	}
	f.Int("version")
	sub := f.Bool("subscribe")
	f.OptStr()
	return sub, f.Err
}

// ReqAccountSummary reads reqAccountSummary (62): [1]version [2]reqId
// [3]group [4]tags; AccountSummaryRequest from version 207.
func (c Codec) ReqAccountSummary(f *Fields) (reqID int64, tags string, err error) {
	if f.IsProto {
		return reqAccountSummaryProto(f)
	}
	f.Int("version")
	reqID = f.Int("reqId")
	f.ReqID = reqID
	f.Str("group")
	tags = f.Str("tags")
	return reqID, tags, f.Err
}

// CancelAccountSummary reads cancelAccountSummary (63): [1]version
// [2]reqId; CancelAccountSummary from version 207.
func (c Codec) CancelAccountSummary(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return protoCancel(f, "CancelAccountSummary", &protobuf.CancelAccountSummary{})
	}
	f.Int("version")
	reqID = f.Int("reqId")
	return reqID, f.Err
}

// ReqPnL reads reqPnL (92): [1]reqId [2]account [3]modelCode.
func (c Codec) ReqPnL(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return pnlRequestProto(f)
	}
	reqID = f.Int("reqId")
	f.ReqID = reqID
	f.Str("account")
	f.OptStr()
	return reqID, f.Err
}

// ReqPnLSingle reads reqPnLSingle (94): [1]reqId [2]account [3]modelCode
// [4]conId.
func (c Codec) ReqPnLSingle(f *Fields) (reqID, conID int64, err error) {
	if f.IsProto {
		return pnlSingleRequestProto(f)
	}
	reqID = f.Int("reqId")
	f.ReqID = reqID
	f.Str("account")
	f.Str("modelCode")
	conID = f.Int("conId")
	return reqID, conID, f.Err
}

// CancelPnLSingle reads cancelPnLSingle (95): [1]reqId.
func (c Codec) CancelPnLSingle(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return cancelPnLSingleProto(f)
	}
	reqID = f.Int("reqId")
	return reqID, f.Err
}

// CancelPnL reads cancelPnL (93): [1]reqId.
func (c Codec) CancelPnL(f *Fields) (reqID int64, err error) {
	if f.IsProto {
		return cancelPnLProto(f)
	}
	reqID = f.Int("reqId")
	return reqID, f.Err
}
