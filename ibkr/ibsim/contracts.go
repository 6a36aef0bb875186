package ibsim

import (
	"fmt"
	"strings"
	"time"
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

// Version thresholds of the contract details layouts (server_versions).
const (
	verContractDataChain = 40  // reqId in reqContractDetails
	verSecIDType         = 45  // secIdType, secId
	verTradingClass      = 68  // tradingClass
	verLinking           = 70  // exchange may carry ":primaryExchange"
	verPrimaryExch       = 75  // separate primaryExchange
	verMDSizeMultiplier  = 110 // mdSizeMultiplier in contractData (until 163)
	verAggGroup          = 121
	verUnderlyingInfo    = 122
	verMarketRules       = 126
	verRealExpiration    = 134
	verStockType         = 152
	verFractionalSize    = 163 // sizeMinTick (163 only)
	verSizeRules         = 164 // minSize, sizeIncrement, suggestedSizeIncrement; no version field
	verBondIssuerID      = 176 // issuerId in reqContractDetails
	verLastTradeDate     = 182 // separate lastTradeDate
	verIneligibility     = 186 // ineligibility reasons
)

// contractDataVersion is the version field of contractData below 164.
const contractDataVersion = 8

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
	sendPaced(c, newMsg(inContractDataEnd).int(1).int(reqID))
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

// contractDataMsg builds contractData (10) for one instrument in the layout
// the client's decoder expects at version v.
func contractDataMsg(v int, reqID int64, in *instrument, u *underlying, tradingHours, liquidHours string) *msg {
	m := newMsg(inContractData)
	if v < verSizeRules {
		m.int(contractDataVersion)
	}
	m.int(reqID)
	m.str(in.symbol).str(in.secType)
	m.str(in.expiry) // lastTradeDateOrContractMonth
	if v >= verLastTradeDate {
		m.str(in.expiry) // lastTradeDate
	}
	m.float(in.strike) // 0 for stocks, as the Gateway sends it
	m.str(in.right)
	m.str(in.exchange).str(in.currency).str(in.localSymbol)
	m.str(in.tradingClass) // marketName
	m.str(in.tradingClass)
	m.int(in.conID)
	m.float(in.minTick)
	if v >= verMDSizeMultiplier && v < verSizeRules {
		if in.secType == "STK" {
			m.int(100)
		} else {
			m.int(1)
		}
	}
	m.str(in.multiplier)
	m.str(in.orderTypes).str(in.validExch)
	m.int(1) // priceMagnifier
	m.int(in.underConID)
	m.str(in.longName)
	m.str(in.primaryExch)
	if in.isOption() && len(in.expiry) >= 6 {
		m.str(in.expiry[:6]) // contractMonth
	} else {
		m.str("")
	}
	m.str(in.industry).str(in.category).str(in.subcategory)
	m.str(in.timeZoneID)
	m.str(tradingHours).str(liquidHours)
	m.str("").str("") // evRule, evMultiplier (empty, as the Gateway sends them)
	if !in.isOption() && u != nil && u.isin != "" {
		m.int(1).str("ISIN").str(u.isin)
	} else {
		m.int(0)
	}
	if v >= verAggGroup {
		if in.isOption() {
			m.int(2)
		} else {
			m.int(1)
		}
	}
	if v >= verUnderlyingInfo {
		m.str(in.underSymbol).str(in.underSecTyp)
	}
	if v >= verMarketRules {
		m.str(in.marketRules)
	}
	if v >= verRealExpiration {
		m.str(in.expiry)
	}
	if v >= verStockType {
		m.str(in.stockType)
	}
	minSize, incr, suggested := 1.0, 1.0, 1.0
	if in.secType == "STK" {
		minSize, incr, suggested = 0.0001, 0.0001, 100
	}
	if v >= verFractionalSize && v < verSizeRules {
		m.decimal(incr) // sizeMinTick
	}
	if v >= verSizeRules {
		m.decimal(minSize).decimal(incr).decimal(suggested)
	}
	if v >= verIneligibility {
		m.int(0)
	}
	return m
}

// hoursKind selects the session hours a contract reports.
type hoursKind int

const (
	hoursStock  hoursKind = iota // extended 04:00-20:00, liquid 09:30-16:00
	hoursOption                  // 09:30-16:00 both
	hoursIndex                   // VIX: computed 03:15-16:15, liquid 09:30-16:15
)

func hoursKindOf(in *instrument) hoursKind {
	switch in.secType {
	case "OPT":
		return hoursOption
	case "IND":
		return hoursIndex
	}
	return hoursStock
}

// hoursDays is how many calendar days tradingHours and liquidHours cover,
// starting with now's New York date.
const hoursDays = 7

// tradingHours returns the tradingHours and liquidHours strings of a kind
// of contract for hoursDays days from now's New York date, in IB's format:
// "20261127:0400-20261127:1700;20261128:CLOSED;...". Weekends and holidays
// are CLOSED; early-close days end at 13:00 (extended hours at 17:00).
func (r *refData) tradingHours(k hoursKind, now time.Time) (trading, liquid string) {
	var tb, lb strings.Builder
	day := nyDay(now)
	span := func(b *strings.Builder, from, to time.Time) {
		fmt.Fprintf(b, "%s-%s", from.Format("20060102:1504"), to.Format("20060102:1504"))
	}
	for i := range hoursDays {
		d := addDays(day, i)
		if i > 0 {
			tb.WriteByte(';')
			lb.WriteByte(';')
		}
		s, ok := r.cal.Session(d)
		if !ok {
			tb.WriteString(fmtDay(d) + ":CLOSED")
			lb.WriteString(fmtDay(d) + ":CLOSED")
			continue
		}
		switch k {
		case hoursStock:
			span(&tb, s.PreOpen, s.PostClose)
			span(&lb, s.Open, s.Close)
		case hoursOption:
			span(&tb, s.Open, s.Close)
			span(&lb, s.Open, s.Close)
		case hoursIndex:
			start := time.Date(d.Year(), d.Month(), d.Day(), 3, 15, 0, 0, newYork)
			end := s.Close.Add(15 * time.Minute)
			span(&tb, start, end)
			span(&lb, s.Open, end)
		}
	}
	return tb.String(), lb.String()
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
			m := newMsg(inSecDefOptParam).int(reqID).str(ex).int(u.conID).str(u.symbol).str(optMultiplier)
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
	c.send(newMsg(inSecDefOptParamEnd).int(reqID))
	return nil
}
