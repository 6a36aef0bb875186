package ibsim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// Historical ticks (reqHistoricalTicks, 96), histogram data
// (reqHistogramData, 88) and the trading schedule (reqHistoricalData with
// whatToShow SCHEDULE), answered from the same second-by-second price path
// as bars, quotes and tick-by-tick data.

// histTicksMax is the most ticks one reqHistoricalTicks returns.
const histTicksMax = 1000

// histTicksWhat maps whatToShow to the tick rule of the ticks it returns.
var histTicksWhat = map[string]int{
	"TRADES": wire.TickByTickLast, "BID_ASK": wire.TickByTickBidAsk, "MIDPOINT": wire.TickByTickMid,
}

// handleReqHistoricalTicks answers with historicalTicks (MIDPOINT),
// historicalTicksBidAsk or historicalTicksLast (TRADES): up to
// numberOfTicks ticks from startDateTime on or before endDateTime, oldest
// first, in one message with done set.
func handleReqHistoricalTicks(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqHistoricalTicks(f)
	if err != nil {
		return err
	}
	id := r.ReqID
	invalid := func(cause string) error {
		c.histError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - %s", c.hd.code(), cause))
		return nil
	}
	typ, ok := histTicksWhat[r.WhatToShow]
	if !ok {
		return invalid(fmt.Sprintf("Historical ticks request for %q is not supported. Legal whatToShow values are TRADES, BID_ASK, MIDPOINT", r.WhatToShow))
	}
	start, end := strings.TrimSpace(r.Start), strings.TrimSpace(r.End)
	if (start == "") == (end == "") {
		return invalid("Exactly one of start and end date/time must be specified for historical ticks.")
	}
	if r.NumberOfTicks <= 0 {
		return invalid(fmt.Sprintf("Historical ticks numberOfTicks %d is invalid: it must be between 1 and %d.", r.NumberOfTicks, histTicksMax))
	}
	n := int(min(r.NumberOfTicks, histTicksMax))
	now := c.srv.now()
	var at time.Time
	if start != "" {
		at, ok = parseEndDateTime(start, now)
	} else {
		at, ok = parseEndDateTime(end, now)
	}
	if !ok {
		help := endDateTimeHelp
		if start != "" {
			help = strings.Replace(help, "End Date/Time", "Start Date/Time", 1)
		}
		c.histError(id, 10314, help)
		return nil
	}
	if strings.EqualFold(r.Contract.SecType, "BAG") {
		c.histError(id, 200, "No security definition has been found for the request")
		return nil
	}
	in, msg := c.resolveHist(r.Contract, now)
	if in == nil {
		c.histError(id, 200, msg)
		return nil
	}
	hi := c.srv.prices.HistInstrument(in)
	keep := func(prev *market.TickSec, t market.TickSec) bool { return tickKept(typ, r.IgnoreSize, prev, t) }
	var ticks []market.TickSec
	if start != "" {
		ticks = hi.TicksForward(at, now, n, r.UseRTH, keep)
	} else {
		if at.After(now) {
			at = now
		}
		ticks = hi.TicksBackward(at, n, r.UseRTH, keep)
	}
	exch := tradeExchange(in)
	rows := make([]wire.TickRow, len(ticks))
	for i, t := range ticks {
		rows[i] = tickRow(typ, t, exch)
		if typ == wire.TickByTickMid {
			rows[i].Size = 0 // midpoint ticks have no size
		}
	}
	c.send(c.codec.HistoricalTicks(id, r.WhatToShow, rows, true))
	return nil
}

// histogramPeriod parses a histogram period: "N days", "N weeks", "N
// months" or "N years" (singular too).
func histogramPeriod(s string) (int, byte, bool) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return 0, 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	switch strings.TrimSuffix(strings.ToLower(strings.TrimSpace(unit)), "s") {
	case "day":
		return n, 'D', true
	case "week":
		return n, 'W', true
	case "month":
		return n, 'M', true
	case "year":
		return n, 'Y', true
	}
	return 0, 0, false
}

// histogramMaxDays bounds a histogram's span in calendar days.
const histogramMaxDays = 366

// handleReqHistogramData answers histogramData (89): the volume traded at
// each price over the period ending now, lowest price first.
func handleReqHistogramData(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqHistogramData(f)
	if err != nil {
		return err
	}
	id := r.ReqID
	n, unit, ok := histogramPeriod(r.Period)
	if !ok {
		c.histError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Histogram period %q is invalid: it must be a positive integer, a space and days, weeks, months or years (e.g. \"3 days\")", c.hd.code(), r.Period))
		return nil
	}
	sp := market.HistSpec{Kind: market.BarDay, DurN: n, DurUnit: unit, What: "TRADES", RTH: r.UseRTH}
	if sp.SpanSeconds() > histogramMaxDays*86400 {
		c.histError(id, 162, hmdsTimeLengthMax)
		return nil
	}
	now := c.srv.now()
	in, msg := c.resolveHist(r.Contract, now)
	if in == nil {
		c.histError(id, 200, msg)
		return nil
	}
	h := c.hd
	h.mu.Lock()
	if h.histograms == nil {
		h.histograms = make(map[int64]chan struct{})
	}
	if _, dup := h.histograms[id]; dup || h.closed {
		h.mu.Unlock()
		if dup {
			c.histError(id, 322, fmt.Sprintf("Error processing request.-'%s' : cause - Duplicate ticker id", h.code()))
		}
		return nil
	}
	stop := make(chan struct{})
	h.histograms[id] = stop
	h.mu.Unlock()
	// A long period reads every second of many sessions: answer off the
	// read loop, as bars are.
	c.srv.wg.Add(1)
	go func() {
		defer c.srv.wg.Done()
		c.answerHistogram(id, in, sp, now, r.UseRTH, stop)
	}()
	return nil
}

// answerHistogram computes and sends a histogram unless it is cancelled or
// the connection or server closes first.
func (c *client) answerHistogram(id int64, in *market.Instrument, sp market.HistSpec, now time.Time, rth bool, stop chan struct{}) {
	h := c.hd
	defer func() {
		h.mu.Lock()
		if h.histograms[id] == stop {
			delete(h.histograms, id)
		}
		h.mu.Unlock()
	}()
	abort := func() bool {
		select {
		case <-stop:
		case <-c.done:
		case <-c.srv.ctx.Done():
		default:
			return false
		}
		return true
	}
	hi := c.srv.prices.HistInstrument(in)
	vols := hi.TradeVolumes(hi.SessionDays(sp, now), now, rth, abort)
	if abort() {
		return
	}
	if len(vols) == 0 {
		c.histError(id, 162, fmt.Sprintf("%sHMDS query returned no data: %s@%s Trades", hmdsPrefix, histLocalSymbol(in), in.Exchange))
		return
	}
	prices := make([]float64, 0, len(vols))
	for p := range vols {
		prices = append(prices, p)
	}
	slices.Sort(prices)
	rows := make([]wire.HistogramRow, len(prices))
	for i, p := range prices {
		rows[i] = wire.HistogramRow{Price: p, Size: vols[p]}
	}
	c.send(c.codec.HistogramData(id, rows))
}

// handleCancelHistogramData stops a histogram still being computed;
// nothing is sent.
func handleCancelHistogramData(c *client, f *wire.Fields) error {
	id, err := c.codec.CancelHistogramData(f)
	if err != nil {
		return err
	}
	c.hd.mu.Lock()
	if stop, ok := c.hd.histograms[id]; ok {
		close(stop)
		delete(c.hd.histograms, id)
	}
	c.hd.mu.Unlock()
	return nil
}

// handleCancelHeadTimestamp: the answers are immediate, so there is
// nothing left to cancel and nothing is sent.

func handleCancelHeadTimestamp(c *client, f *wire.Fields) error {
	_, err := c.codec.CancelHeadTimestamp(f)
	return err
}

// scheduleTime writes a session bound as the schedule does: local time of
// the instrument's zone, "yyyymmdd-hh:mm:ss".
func scheduleTime(t time.Time) string { return t.In(market.NewYork).Format("20060102-15:04:05") }

// answerSchedule answers reqHistoricalData with whatToShow SCHEDULE: the
// sessions of the trading days the duration covers (the regular session
// with useRTH, else the extended hours), in historicalSchedule (106).
func (c *client) answerSchedule(id int64, in *market.Instrument, sp market.HistSpec, end time.Time) {
	hi := c.srv.prices.HistInstrument(in)
	days := hi.SessionDays(sp, end)
	if len(days) == 0 {
		c.histError(id, 162, fmt.Sprintf("%sHMDS query returned no data: %s@%s Schedule", hmdsPrefix, histLocalSymbol(in), in.Exchange))
		return
	}
	tz := in.TimeZoneID
	if tz == "" {
		tz = "US/Eastern"
	}
	s := wire.Schedule{TimeZone: tz}
	for _, d := range days {
		from, to := hi.Window(d, sp.RTH)
		s.Sessions = append(s.Sessions, wire.SessionRow{
			Start: scheduleTime(from), End: scheduleTime(to),
			RefDate: market.SimCalendar().Days[d].Format("20060102"),
		})
	}
	s.Start = s.Sessions[0].Start
	s.End = s.Sessions[len(s.Sessions)-1].End
	c.send(c.codec.HistoricalSchedule(id, s))
}

// reqSchedule validates a SCHEDULE request and answers it at once.
func (c *client) reqSchedule(id int64, q market.ContractQuery, endStr string, sp market.HistSpec, keepUp bool) error {
	if keepUp {
		c.histError(id, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Live updates are not supported for the schedule", c.hd.code()))
		return nil
	}
	if strings.EqualFold(q.SecType, "BAG") {
		c.histError(id, 200, "No security definition has been found for the request")
		return nil
	}
	now := c.srv.now()
	end, ok := parseEndDateTime(endStr, now)
	if !ok {
		c.histError(id, 10314, endDateTimeHelp)
		return nil
	}
	in, msg := c.resolveHist(q, now)
	if in == nil {
		c.histError(id, 200, msg)
		return nil
	}
	c.answerSchedule(id, in, sp, end)
	return nil
}
