package ibsim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// Historical data: reqHistoricalData (20), cancelHistoricalData (25) and
// reqHeadTimestamp (87), answered from the same price path as the quotes.
//
// Bars: intraday bars are aligned to multiples of their size from New York
// midnight and cut to the trading hours asked for (09:30-16:00 with useRTH,
// else 04:00-20:00 for stocks; options and the index trade in the regular
// session only), so the first 1-hour bar of a regular session is 09:30 and
// the next 10:00. Daily bars are one per trading day; weekly and monthly
// bars are labelled with their last trading day. A duration of N S is the
// N seconds before the end; N D the last N sessions with data at the end
// (on a Saturday "1 D" is Friday); N W, N M and N Y the trading days after
// the same date N weeks, months or years before the end.

// Error texts of the historical data service.
const (
	hmdsPrefix        = "Historical Market Data Service error message:"
	hmdsPacing        = hmdsPrefix + "Historical data request pacing violation"
	hmdsTimeLengthMax = hmdsPrefix + "Time length exceed max."
	endDateTimeHelp   = "End Date/Time: The date, time, or time-zone entered is invalid. The correct format is yyyymmdd hh:mm:ss xx/xxx where yyyymmdd and xx/xxx are optional. E.g.: 20031126 15:59:00 US/Eastern  Note that there is a space between the date and time, and between the time and time-zone.  If no date is specified, current date is assumed. If no time-zone is specified, local time-zone is assumed(deprecated).  You can also provide yyyymmddd-hh:mm:ss time is in UTC. Note that there is a dash between the date and time in UTC notation."
	legalBarSizes     = "1 secs, 5 secs, 10 secs, 15 secs, 30 secs, 1 min, 2 mins, 3 mins, 5 mins, 10 mins, 15 mins, 20 mins, 30 mins, 1 hour, 2 hours, 3 hours, 4 hours, 8 hours, 1 day, 1W, 1M"
)

// barSizes maps IB's bar size settings to seconds (intraday) or a kind.
var barSizes = map[string]struct {
	sec  int
	kind market.BarKind
}{
	"1 secs": {1, market.BarIntraday}, "5 secs": {5, market.BarIntraday}, "10 secs": {10, market.BarIntraday},
	"15 secs": {15, market.BarIntraday}, "30 secs": {30, market.BarIntraday},
	"1 min": {60, market.BarIntraday}, "2 mins": {120, market.BarIntraday}, "3 mins": {180, market.BarIntraday},
	"5 mins": {300, market.BarIntraday}, "10 mins": {600, market.BarIntraday}, "15 mins": {900, market.BarIntraday},
	"20 mins": {1200, market.BarIntraday}, "30 mins": {1800, market.BarIntraday},
	"1 hour": {3600, market.BarIntraday}, "2 hours": {7200, market.BarIntraday}, "3 hours": {10800, market.BarIntraday},
	"4 hours": {14400, market.BarIntraday}, "8 hours": {28800, market.BarIntraday},
	"1 day": {86400, market.BarDay}, "1 week": {0, market.BarWeek}, "1W": {0, market.BarWeek},
	"1 month": {0, market.BarMonth}, "1M": {0, market.BarMonth},
}

// maxSpan is the longest request (in calendar seconds: a day is 86400, a
// week 7 days, a month 31 days, a year 366 days) for a bar size: about
// 2000 bars for second bars, as IB allows; longer bars are limited only by
// the data.
func maxSpan(sec int, kind market.BarKind) int64 {
	const day = 86400
	if kind != market.BarIntraday {
		return math.MaxInt64
	}
	switch {
	case sec == 1:
		return 2000
	case sec == 5:
		return 10000
	case sec == 10:
		return 20000
	case sec == 15:
		return 30000
	case sec == 30:
		return day
	case sec == 60:
		return 31 * day
	case sec <= 180:
		return 62 * day
	case sec <= 600:
		return 366 * day
	}
	return math.MaxInt64
}

// whatToShow values the simulator answers, and the name HMDS uses for
// each in its messages.
var whatToShowNames = map[string]string{
	"TRADES": "Trades", "MIDPOINT": "Midpoint", "BID": "Bid", "ASK": "Ask", "BID_ASK": "Bid_Ask",
	"ADJUSTED_LAST": "Adjusted_Last", "HISTORICAL_VOLATILITY": "Historical_Volatility",
	"OPTION_IMPLIED_VOLATILITY": "Option_Implied_Volatility",
}

// parseDuration parses "N U".
func parseDuration(s string) (int, byte, bool) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok || len(unit) != 1 || !strings.Contains("SDWMY", unit) {
		return 0, 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	return n, unit[0], true
}

// parseEndDateTime reads an endDateTime: "" (now), "yyyymmdd hh:mm:ss",
// "yyyymmdd hh:mm:ss <zone>" or "yyyymmdd-hh:mm:ss" (UTC). A time without
// a zone is New York time.
func parseEndDateTime(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return now, true
	}
	if len(s) == 18 && s[8] == '-' && s[17] == 'Z' {
		s = s[:17] // the UTC form with the "Z" suffix of version 214
	}
	if len(s) == 17 && s[8] == '-' {
		t, err := time.ParseInLocation("20060102-15:04:05", s, time.UTC)
		return t, err == nil
	}
	parts := strings.Fields(s)
	if len(parts) < 2 || len(parts) > 3 || len(parts[0]) != 8 {
		return time.Time{}, false
	}
	loc := market.NewYork
	if len(parts) == 3 {
		l, ok := zoneByName(parts[2])
		if !ok {
			return time.Time{}, false
		}
		loc = l
	}
	t, err := time.ParseInLocation("20060102 15:04:05", parts[0]+" "+parts[1], loc)
	return t, err == nil
}

// zoneByName resolves the time zones IB accepts in endDateTime.
func zoneByName(name string) (*time.Location, bool) {
	switch strings.ToUpper(name) {
	case "UTC", "GMT", "Z":
		return time.UTC, true
	case "EST", "EDT", "EST5EDT", "US/EASTERN":
		return market.NewYork, true
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}

// histReq is one open historical request of a connection: waiting for its
// answer, or streaming keepUpToDate updates.
type histReq struct {
	id       int64
	hi       *market.HistInstrument
	spec     market.HistSpec
	endStr   string
	keepUp   bool
	exchange string
	pace     histRequest
	admitted bool          // holds one of the Gateway's open request slots
	live     bool          // answered; keepUpToDate updates flow
	stop     chan struct{} // closed when the request ends
}

// histState is a connection's historical requests.
type histState struct {
	mu sync.Mutex
	// sendMu orders keepUpToDate updates after their request's end marker.
	sendMu sync.Mutex
	reqs   map[int64]*histReq
	// histograms are the histogram requests being computed, closed by
	// their cancel (histticks.go).
	histograms map[int64]chan struct{}
	closed     bool
	seq        int
}

func newHistState() *histState { return &histState{reqs: make(map[int64]*histReq)} }

// code returns a two-letter request class code for validation errors.
func (h *histState) code() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	return "b" + string(rune('A'+(h.seq+7)%26))
}

// end removes a request and releases what it holds. It reports whether
// the request was still open.
func (h *histState) end(c *client, r *histReq) bool {
	h.mu.Lock()
	cur, ok := h.reqs[r.id]
	if !ok || cur != r {
		h.mu.Unlock()
		return false
	}
	delete(h.reqs, r.id)
	close(r.stop)
	admitted := r.admitted
	r.admitted = false
	h.mu.Unlock()
	if admitted {
		c.srv.hist.done()
	}
	return true
}

// closeAll ends every request of a closing connection.
func (h *histState) closeAll(c *client) {
	h.mu.Lock()
	h.closed = true
	var rs []*histReq
	for _, r := range h.reqs {
		rs = append(rs, r)
	}
	h.mu.Unlock()
	for _, r := range rs {
		h.end(c, r)
	}
}

// tick sends every keepUpToDate request its current bar.
func (h *histState) tick(c *client, now time.Time) {
	h.sendMu.Lock()
	defer h.sendMu.Unlock()
	h.mu.Lock()
	var live []*histReq
	for _, r := range h.reqs {
		if r.live {
			live = append(live, r)
		}
	}
	h.mu.Unlock()
	for _, r := range live {
		b, ok := r.currentBar(now)
		if !ok {
			continue
		}
		h.mu.Lock()
		still := h.reqs[r.id] == r && r.live
		h.mu.Unlock()
		if !still {
			continue
		}
		c.send(c.codec.HistoricalDataUpdate(r.id, c.barRow(r, b)))
	}
}

// currentBar is the bar holding the latest second with data at now; ok is
// false while the request's hours are closed (nothing new to send).
func (r *histReq) currentBar(now time.Time) (market.Bar, bool) {
	tc := market.SimCalendar()
	d := tc.OnOrBefore(now)
	if d < 0 {
		return market.Bar{}, false
	}
	ws, we := tc.Sess[d].PreOpen, tc.Sess[d].PostClose
	if r.spec.RTH || r.hi.RegularOnly() {
		ws, we = tc.Sess[d].Open, tc.Sess[d].Close
	}
	if !now.After(ws) || now.After(we) {
		return market.Bar{}, false
	}
	sp := r.spec
	switch sp.Kind {
	case market.BarIntraday:
		sp.DurN, sp.DurUnit = sp.Sec, 'S'
	case market.BarDay:
		sp.DurN, sp.DurUnit = 1, 'D'
	case market.BarWeek:
		sp.DurN, sp.DurUnit = 1, 'W'
	default:
		sp.DurN, sp.DurUnit = 1, 'M'
	}
	bars := r.hi.Bars(sp, now)
	if len(bars) == 0 {
		return market.Bar{}, false
	}
	return bars[len(bars)-1], true
}

// barDate formats a bar's time as the request asked.
func (c *client) barDate(r *histReq, b market.Bar) string {
	if r.spec.Kind != market.BarIntraday {
		return b.Start.In(market.NewYork).Format("20060102")
	}
	if r.spec.Format == 2 {
		return strconv.FormatInt(b.Start.Unix(), 10)
	}
	return c.histTime(r.hi.In, b.Start)
}

// histTime formats an instant the way bar times and query bounds are
// written at the connection's version.
func (c *client) histTime(in *market.Instrument, t time.Time) string {
	return c.codec.BarTime(in, t)
}

// barRow is one bar of a request as sent.
func (c *client) barRow(r *histReq, b market.Bar) wire.BarRow {
	return wire.BarRow{
		Date: c.barDate(r, b), Open: b.Open, High: b.High, Low: b.Low, Close: b.Close,
		Volume: c.barVolume(r, b), WAP: b.WAP, Count: b.Count,
	}
}

// barVolume is a bar's volume as sent: -1 when none, in lots of 100 for
// US stocks before version 175.
func (c *client) barVolume(r *histReq, b market.Bar) float64 {
	if b.Volume < 0 {
		return -1
	}
	if c.version < wire.MinVerHMDSInShares && !r.hi.Option && !r.hi.Index {
		return math.Round(b.Volume / 100)
	}
	return b.Volume
}

// histError sends an error on a request id.
func (c *client) histError(id int64, code int, text string) {
	c.sendError(id, code, text)
}

// resolveHist finds the one instrument a historical request names; the
// text is error 200's when there is none or more than one.
func (c *client) resolveHist(q market.ContractQuery, now time.Time) (*market.Instrument, string) {
	const notFound = "No security definition has been found for the request"
	if q.ConID > 0 {
		in := c.srv.ref.ByConID(q.ConID, now)
		if in == nil || (q.Symbol != "" && !strings.EqualFold(q.Symbol, in.Symbol)) ||
			(q.SecType != "" && !strings.EqualFold(q.SecType, in.SecType)) {
			return nil, notFound
		}
		return in, ""
	}
	found := c.srv.ref.Resolve(q, now)
	switch len(found) {
	case 0:
		return nil, notFound
	case 1:
		return found[0], ""
	}
	return nil, fmt.Sprintf("The contract description specified for %s is ambiguous.", q.Symbol)
}

// handleReqHistoricalData: reqHistoricalData (20), walked as the client
// encodes it at the negotiated version.
func handleReqHistoricalData(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqHistoricalData(f)
	if err != nil {
		return err
	}
	return c.reqHistorical(r.ReqID, r.Contract, r.EndDateTime, r.BarSize, r.Duration, r.UseRTH, r.WhatToShow, r.FormatDate, r.KeepUpToDate)
}

func (c *client) reqHistorical(id int64, q market.ContractQuery, endStr, barSize, dur string, useRTH bool, what string, format int, keepUp bool) error {
	h := c.hd
	invalid := func(cause string) error {
		c.histError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - %s", h.code(), cause))
		return nil
	}
	h.mu.Lock()
	_, dup := h.reqs[id]
	h.mu.Unlock()
	if dup {
		c.histError(id, 322, fmt.Sprintf("Error processing request.-'%s' : cause - Duplicate ticker id", h.code()))
		return nil
	}
	bs, ok := barSizes[strings.TrimSpace(barSize)]
	if !ok {
		return invalid("Historical data bar size setting is invalid. Legal ones are: " + legalBarSizes)
	}
	n, unit, ok := parseDuration(dur)
	if !ok {
		return invalid(fmt.Sprintf("Historical data query duration %q is invalid: it must be a positive integer, a space and one of S, D, W, M, Y (e.g. \"1 D\")", dur))
	}
	if unit == 'D' && n > 365 {
		return invalid("Historical data requests for durations longer than 365 days must be made in years.")
	}
	if unit == 'S' && n > 86400 {
		return invalid("Historical data requests for durations longer than 86400 seconds must be made in days.")
	}
	if format != 1 && format != 2 {
		return invalid(fmt.Sprintf("Date formatting selection of %d rejected.", format))
	}
	if what == "SCHEDULE" {
		return c.reqSchedule(id, q, endStr, market.HistSpec{Sec: bs.sec, Kind: bs.kind, DurN: n, DurUnit: unit, What: what, RTH: useRTH, Format: format}, keepUp)
	}
	if _, ok := whatToShowNames[what]; !ok {
		return invalid(fmt.Sprintf("Historical data request for %q is not supported. Legal whatToShow values are TRADES, MIDPOINT, BID, ASK, BID_ASK, ADJUSTED_LAST, HISTORICAL_VOLATILITY, OPTION_IMPLIED_VOLATILITY", what))
	}
	if keepUp && strings.TrimSpace(endStr) != "" {
		return invalid("End date not supported with live updates")
	}
	if strings.EqualFold(q.SecType, "BAG") {
		if keepUp {
			return invalid("Live updates for combos are not supported")
		}
		c.histError(id, 200, "No security definition has been found for the request")
		return nil
	}
	now := c.srv.now()
	if _, ok := parseEndDateTime(endStr, now); !ok {
		c.histError(id, 10314, endDateTimeHelp)
		return nil
	}
	in, msg := c.resolveHist(q, now)
	if in == nil {
		c.histError(id, 200, msg)
		return nil
	}
	sp := market.HistSpec{Sec: bs.sec, Kind: bs.kind, DurN: n, DurUnit: unit, What: what, RTH: useRTH, Format: format}
	if sp.SpanSeconds() > maxSpan(bs.sec, bs.kind) {
		c.histError(id, 162, hmdsTimeLengthMax)
		return nil
	}
	exch := q.Exchange
	if exch == "" {
		exch = in.Exchange
	}
	weight := 1
	if what == "BID_ASK" {
		weight = 2
	}
	r := &histReq{
		id: id, hi: c.srv.prices.HistInstrument(in), spec: sp, endStr: endStr, keepUp: keepUp,
		exchange: exch, stop: make(chan struct{}),
		pace: histRequest{
			identical: fmt.Sprintf("%d|%s|%s|%s|%s|%s|%t", in.ConID, strings.ToUpper(exch), strings.TrimSpace(endStr), strings.TrimSpace(dur), barSize, what, useRTH),
			series:    fmt.Sprintf("%d|%s|%s", in.ConID, strings.ToUpper(exch), what),
			weight:    weight,
			small:     bs.kind == market.BarIntraday && bs.sec <= 30,
		},
	}
	verdict, retryAt := c.srv.hist.admit(c.srv.limitNow(), r.pace)
	switch verdict {
	case histViolated:
		c.histError(id, 162, hmdsPacing)
		return nil
	case histTooMany:
		c.histError(id, 162, fmt.Sprintf("%sMax number (%d) of simultaneous historical data requests exceeded.", hmdsPrefix, c.srv.cfg.Limits.HistMaxOpen))
		return nil
	}
	r.admitted = verdict == histOK
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		if r.admitted {
			c.srv.hist.done()
		}
		return nil
	}
	h.reqs[id] = r
	h.mu.Unlock()
	delay := c.srv.cfg.Limits.HistResponseDelay
	// Answer off the read loop, as the Gateway's data farm does: building
	// the bars must not delay reading (and timing) the next requests.
	c.srv.wg.Add(1)
	go func() {
		defer c.srv.wg.Done()
		c.waitHist(r, verdict == histThrottle, retryAt, delay)
	}()
	return nil
}

// waitHist answers a request later: after the response delay, or, when it
// was throttled, once the pacing windows admit it. It ends with the
// request, the connection or the server.
func (c *client) waitHist(r *histReq, throttled bool, retryAt time.Time, delay time.Duration) {
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.stop:
		case <-c.done:
		case <-c.srv.ctx.Done():
		}
		return false
	}
	for throttled {
		// The windows run on the limit clock, which tests move by hand:
		// look again often rather than sleeping until retryAt.
		d := retryAt.Sub(c.srv.limitNow())
		if !wait(min(max(d, time.Millisecond), 25*time.Millisecond)) {
			return
		}
		v, next := c.srv.hist.admit(c.srv.limitNow(), r.pace)
		switch v {
		case histOK:
			c.hd.mu.Lock()
			if c.hd.reqs[r.id] != r {
				c.hd.mu.Unlock()
				c.srv.hist.done()
				return
			}
			r.admitted = true
			c.hd.mu.Unlock()
			throttled = false
		case histThrottle:
			retryAt = next
		default:
			retryAt = c.srv.limitNow().Add(25 * time.Millisecond)
		}
	}
	if delay > 0 && !wait(delay) {
		return
	}
	c.answerHist(r)
}

// answerHist sends a request's bars, then ends it or lets it stream.
func (c *client) answerHist(r *histReq) {
	now := c.srv.now()
	end, _ := parseEndDateTime(r.endStr, now)
	if end.After(now) {
		end = now
	}
	bars := r.hi.Bars(r.spec, end)
	select {
	case <-r.stop:
		return
	default:
	}
	if len(bars) == 0 {
		// Released before the answer: a client that has the answer sees
		// the slot free.
		if c.hd.end(c, r) {
			c.histError(r.id, 162, fmt.Sprintf("%sHMDS query returned no data: %s@%s %s", hmdsPrefix, histLocalSymbol(r.hi.In), r.exchange, whatToShowNames[r.spec.What]))
		}
		return
	}
	startStr := c.histTime(r.hi.In, market.QueryStart(r.spec, end))
	endStr := c.histTime(r.hi.In, end)
	rows := make([]wire.BarRow, len(bars))
	for i, b := range bars {
		rows[i] = c.barRow(r, b)
	}
	c.send(c.codec.HistoricalData(r.id, startStr, endStr, rows))
	// The end marker and the switch to live updates happen together, under
	// the lock the tick sends updates with: a client that saw the end and
	// then moves the market gets an update, and no update comes before the
	// end.
	if !r.keepUp {
		// Released before the end marker: a client that has the answer
		// sees the slot free.
		if c.hd.end(c, r) {
			c.send(c.codec.HistoricalDataEnd(r.id, startStr, endStr))
		}
		return
	}
	c.hd.sendMu.Lock()
	c.send(c.codec.HistoricalDataEnd(r.id, startStr, endStr))
	c.hd.mu.Lock()
	if c.hd.reqs[r.id] == r {
		r.live = true
	}
	c.hd.mu.Unlock()
	c.hd.sendMu.Unlock()
}

// histLocalSymbol names an instrument in HMDS messages.
func histLocalSymbol(in *market.Instrument) string {
	if in.LocalSymbol != "" {
		return in.LocalSymbol
	}
	return in.Symbol
}

// handleCancelHistoricalData: [1]version [2]reqId.
func handleCancelHistoricalData(c *client, f *wire.Fields) error {
	id, err := c.codec.CancelHistoricalData(f)
	if err != nil {
		return err
	}
	c.hd.mu.Lock()
	r, ok := c.hd.reqs[id]
	c.hd.mu.Unlock()
	if !ok {
		c.histError(id, 366, fmt.Sprintf("No historical data query found for ticker id:%d", id))
		return nil
	}
	wasLive := r.live
	if c.hd.end(c, r) && !wasLive {
		c.histError(id, 162, fmt.Sprintf("%sAPI historical data query cancelled: %d", hmdsPrefix, id))
	}
	return nil
}

// handleReqHeadTimestamp: [1]reqId [2..13] contract [14]includeExpired
// [15]useRTH [16]whatToShow [17]formatDate; answers headTimestamp (88).
func handleReqHeadTimestamp(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqHeadTimestamp(f)
	if err != nil {
		return err
	}
	id, q, useRTH, what, format := r.ReqID, r.Contract, r.UseRTH, r.WhatToShow, r.FormatDate
	if _, ok := whatToShowNames[what]; !ok {
		c.histError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Head time stamp request for %q is not supported", c.hd.code(), what))
		return nil
	}
	if format != 1 && format != 2 {
		c.histError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Date formatting selection of %d rejected.", c.hd.code(), format))
		return nil
	}
	in, msg := c.resolveHist(q, c.srv.now())
	if in == nil {
		c.histError(id, 200, msg)
		return nil
	}
	hi := c.srv.prices.HistInstrument(in)
	d, ok := hi.HeadDay()
	if !ok {
		c.histError(id, 162, fmt.Sprintf("%sHMDS query returned no data: %s@%s %s", hmdsPrefix, histLocalSymbol(in), in.Exchange, whatToShowNames[what]))
		return nil
	}
	s := market.SimCalendar().Sess[d]
	at := s.PreOpen
	if useRTH || hi.RegularOnly() {
		at = s.Open
	}
	ts := c.histTime(in, at)
	if format == 2 {
		ts = strconv.FormatInt(at.Unix(), 10)
	}
	c.send(c.codec.HeadTimestamp(id, ts))
	return nil
}
