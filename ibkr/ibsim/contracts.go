package ibsim

import (
	"fmt"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
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
func handleReqContractDetails(c *client, f *wire.Fields) error {
	reqID, q, err := c.codec.ReqContractDetails(f)
	if err != nil {
		return err
	}
	now := c.srv.now()
	ref := c.srv.ref
	found, tooMany := ref.Lookup(q, now, market.MaxResolve)
	if tooMany {
		c.sendError(reqID, 200, fmt.Sprintf("The contract description specified for %s is ambiguous.", strings.ToUpper(q.Symbol)))
		return nil
	}
	if len(found) == 0 {
		c.sendError(reqID, 200, "No security definition has been found for the request")
		return nil
	}
	hours := map[market.HoursKind][2]string{}
	for _, in := range found {
		k := market.HoursKindOf(in)
		h, ok := hours[k]
		if !ok {
			t, l := ref.TradingHours(k, now)
			h = [2]string{t, l}
			hours[k] = h
		}
		if !sendPaced(c, c.codec.ContractData(reqID, in, ref.UnderlyingOf(in), h[0], h[1])) {
			return nil
		}
	}
	sendPaced(c, c.codec.ContractDataEnd(reqID))
	return nil
}

// sendPaced queues a message, first waiting while the connection's output
// queue is more than half full, so that a long answer (a whole option
// chain) flows at the client's pace instead of overflowing the queue. It
// returns false once the connection is closing.
func sendPaced(c *client, m []byte) bool {
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
func handleReqSecDefOptParams(c *client, f *wire.Fields) error {
	req, err := c.codec.ReqSecDefOptParams(f)
	if err != nil {
		return err
	}
	reqID, symbol, fopExch, secType, conID := req.ReqID, req.Symbol, req.FutFopExchange, req.SecType, req.ConID
	ref := c.srv.ref
	var u *market.Underlying
	if conID != 0 {
		u = ref.ByCon[conID]
	} else {
		u = ref.BySymbol[symbol]
	}
	if u != nil && ((symbol != "" && symbol != u.Symbol) || (secType != "" && secType != u.SecType) || (conID == 0 && secType == "")) {
		u = nil
	}
	if u != nil && u.Idx >= 0 {
		cs := ref.ChainOf(u, c.srv.now())
		for _, ex := range market.SecDefExchanges {
			if fopExch != "" && fopExch != ex {
				continue
			}
			m := c.codec.SecDefOptParam(reqID, ex, u.ConID, u.Symbol, market.OptMultiplier, cs.Expirations, cs.Strikes)
			if !sendPaced(c, m) {
				return nil
			}
		}
	}
	c.send(c.codec.SecDefOptParamEnd(reqID))
	return nil
}

// handleReqMarketRule: reqMarketRule (91): [1]marketRuleId (no version
// field; clients send it from version 126). Answers marketRule (93): the
// id, the number of rungs, then each rung's low edge and increment. The
// answer carries no request id. An id the table does not hold gets error
// 321 on request id -1 with the simulator's text (a real Gateway reports an
// unavailable market rule with an error too; its code and text are not
// documented).
func handleReqMarketRule(c *client, f *wire.Fields) error {
	id, err := c.codec.ReqMarketRule(f)
	if err != nil {
		return err
	}
	r, ok := market.MarketRules[id]
	if !ok {
		c.sendError(-1, 321, fmt.Sprintf("Error validating request: no market rule is available for id %d.", id))
		return nil
	}
	c.send(c.codec.MarketRule(id, r.Rungs))
	return nil
}

// handleReqMatchingSymbols: reqMatchingSymbols (81): [1]reqId
// [2]pattern; answers symbolSamples (79) from the reference data.
func handleReqMatchingSymbols(c *client, f *wire.Fields) error {
	reqID, pattern, err := c.codec.ReqMatchingSymbols(f)
	if err != nil {
		return err
	}
	c.send(c.codec.SymbolSamples(reqID, c.srv.ref.MatchingSymbols(pattern)))
	return nil
}

// handleReqSmartComponents: reqSmartComponents (83): [1]reqId
// [2]bboExchange; answers smartComponents (82), or 321 for a code
// tickReqParams never names.
func handleReqSmartComponents(c *client, f *wire.Fields) error {
	reqID, bbo, err := c.codec.ReqSmartComponents(f)
	if err != nil {
		return err
	}
	cs, ok := market.SmartComponents[bbo]
	if !ok {
		c.sendError(reqID, 321, fmt.Sprintf("Error validating request.-'bN' : cause - Invalid BBO exchange %q.", bbo))
		return nil
	}
	c.send(c.codec.SmartComponents(reqID, cs))
	return nil
}
