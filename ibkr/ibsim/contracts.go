package ibsim

import (
	"fmt"
	"strings"
	"time"

	"github.com/scmhub/ibapi"
)

// Contract details (reqContractDetails, 9) and option chain parameters
// (reqSecDefOptParams, 78).
//
// reqContractDetails answers every match with one contractData (10) in the
// layout of the negotiated version, then contractDataEnd (52). No match:
// error 200 "No security definition has been found for the request" on the
// reqId and no contractDataEnd, as on the Gateway. More than maxResolve
// matches: error 200 "The contract description specified for X is
// ambiguous." (the simulator's bound; a whole SPY chain on SMART is well
// below it).
//
// reqSecDefOptParams answers one message 75 per option exchange (SMART
// among them, in no particular order, each with the same expirations,
// strikes, trading class and multiplier "100"), then 76. An unknown
// underlying, one without options (VIX here) or a futFopExchange no option
// trades on gets only 76: the Gateway sends no error for it.

// handleReqContractDetails parses reqContractDetails as a client at the
// negotiated version encodes it: [1]version 8, [2]reqId (>= 40), conId,
// symbol, secType, lastTradeDateOrContractMonth, strike, right, multiplier,
// exchange and primaryExchange (>= 75; at 70..74 "SMART:NASDAQ" in
// exchange), currency, localSymbol, tradingClass (>= 68), includeExpired,
// secIdType and secId (>= 45), issuerId (>= 176).
func handleReqContractDetails(c *client, f *fields) error {
	v := c.version
	f.int("version")
	reqID := int64(-1)
	if v >= verContractDataChain {
		reqID = f.int("reqId")
		f.reqID = reqID
	}
	var q contractQuery
	q.conID = f.int("conId")
	q.symbol = f.str("symbol")
	q.secType = f.str("secType")
	q.expiry = f.str("lastTradeDateOrContractMonth")
	q.strike = f.maxFloat("strike")
	q.right = f.str("right")
	q.multiplier = f.str("multiplier")
	switch {
	case v >= verPrimaryExch:
		q.exchange = f.str("exchange")
		q.primaryExch = f.str("primaryExchange")
	case v >= verLinking:
		q.exchange = f.str("exchange")
	}
	q.currency = f.str("currency")
	q.localSymbol = f.str("localSymbol")
	if v >= verTradingClass {
		q.tradingClass = f.str("tradingClass")
	}
	q.includeExpired = f.bool("includeExpired")
	if v >= verSecIDType {
		q.secIDType = f.str("secIdType")
		q.secID = f.str("secId")
	}
	if v >= verBondIssuerID {
		f.optStr() // issuerId: bonds only
	}
	if f.err != nil {
		return f.err
	}
	if q.strike == unsetFloat {
		q.strike = 0
	}
	now := c.srv.now()
	ref := c.srv.ref
	found, tooMany := ref.lookup(q, now, maxResolve)
	if tooMany {
		c.sendError(reqID, 200, fmt.Sprintf("The contract description specified for %s is ambiguous.", strings.ToUpper(q.symbol)))
		return nil
	}
	if len(found) == 0 {
		c.sendError(reqID, 200, "No security definition has been found for the request")
		return nil
	}
	hours := map[hoursKind][2]string{}
	for _, in := range found {
		k := hoursKindOf(in)
		h, ok := hours[k]
		if !ok {
			t, l := ref.tradingHours(k, now)
			h = [2]string{t, l}
			hours[k] = h
		}
		if !sendPaced(c, contractDataMsg(v, reqID, in, ref.underlyingOf(in), h[0], h[1])) {
			return nil
		}
	}
	sendPaced(c, newMsg(ibapi.CONTRACT_DATA_END).int(1).int(reqID))
	return nil
}

// sendPaced queues a message, first waiting while the connection's output
// queue is more than half full, so that a long answer (a whole option
// chain) flows at the client's pace instead of overflowing the queue. It
// returns false once the connection is closing.
func sendPaced(c *client, m *msg) bool {
	for len(c.out) > cap(c.out)/2 {
		if c.closing.Load() {
			return false
		}
		t := time.NewTimer(2 * time.Millisecond)
		select {
		case <-c.done:
			t.Stop()
			return false
		case <-t.C:
		}
	}
	c.send(m)
	return !c.closing.Load()
}

// handleReqSecDefOptParams: [1]reqId [2]underlyingSymbol [3]futFopExchange
// [4]underlyingSecType [5]underlyingConId. The conId names the underlying
// when non-zero (symbol and secType, when set, must agree); a zero conId
// falls back to symbol and secType. futFopExchange, when set, keeps only
// that exchange.
func handleReqSecDefOptParams(c *client, f *fields) error {
	reqID := f.int("reqId")
	f.reqID = reqID
	symbol := strings.ToUpper(strings.TrimSpace(f.str("underlyingSymbol")))
	fopExch := strings.ToUpper(strings.TrimSpace(f.str("futFopExchange")))
	secType := strings.ToUpper(strings.TrimSpace(f.str("underlyingSecType")))
	conID := f.int("underlyingConId")
	if f.err != nil {
		return f.err
	}
	ref := c.srv.ref
	var u *underlying
	if conID != 0 {
		u = ref.byCon[conID]
	} else {
		u = ref.bySymbol[symbol]
	}
	if u != nil && ((symbol != "" && symbol != u.symbol) || (secType != "" && secType != u.secType) || (conID == 0 && secType == "")) {
		u = nil
	}
	if u != nil && u.idx >= 0 {
		cs := ref.chainOf(u, c.srv.now())
		for _, ex := range secDefExchanges {
			if fopExch != "" && fopExch != ex {
				continue
			}
			m := newMsg(ibapi.SECURITY_DEFINITION_OPTION_PARAMETER).int(reqID).str(ex).int(u.conID).str(u.symbol).str(optMultiplier)
			m.int(int64(len(cs.expirations)))
			for _, e := range cs.expirations {
				m.str(e)
			}
			m.int(int64(len(cs.strikes)))
			for _, s := range cs.strikes {
				m.float(s)
			}
			if !sendPaced(c, m) {
				return nil
			}
		}
	}
	c.send(newMsg(ibapi.SECURITY_DEFINITION_OPTION_PARAMETER_END).int(reqID))
	return nil
}

// handleReqMarketRule: reqMarketRule (91): [1]marketRuleId (no version
// field; clients send it from version 126). Answers marketRule (93): the
// id, the number of rungs, then each rung's low edge and increment. The
// answer carries no request id. An id the table does not hold gets error
// 321 on request id -1 with the simulator's text (a real Gateway reports an
// unavailable market rule with an error too; its code and text are not
// documented).
func handleReqMarketRule(c *client, f *fields) error {
	id := f.int("marketRuleId")
	if f.err != nil {
		return f.err
	}
	r, ok := marketRules[id]
	if !ok {
		c.sendError(-1, 321, fmt.Sprintf("Error validating request: no market rule is available for id %d.", id))
		return nil
	}
	m := newMsg(ibapi.MARKET_RULE).int(id).int(int64(len(r.rungs)))
	for _, g := range r.rungs {
		m.float(g.lowEdge).float(g.increment)
	}
	c.send(m)
	return nil
}
