package ibsim

import (
	"bufio"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
	"github.com/scmhub/ibapi"
)

// Historical data callbacks.

func (r *recorder) HistoricalData(reqID int64, bar *ibapi.Bar) {
	r.add(ev{Kind: "HistoricalData", ReqID: reqID, Data: *bar})
}
func (r *recorder) HistoricalDataEnd(reqID int64, start, end string) {
	r.add(ev{Kind: "HistoricalDataEnd", ReqID: reqID, Msg: start + "|" + end})
}
func (r *recorder) HistoricalDataUpdate(reqID int64, bar *ibapi.Bar) {
	r.add(ev{Kind: "HistoricalDataUpdate", ReqID: reqID, Data: *bar})
}
func (r *recorder) HeadTimestamp(reqID int64, ts string) {
	r.add(ev{Kind: "HeadTimestamp", ReqID: reqID, Msg: ts})
}

// histSync returns once the server has handled everything sent before:
// it asks for the time and waits for this answer.
func histSync(t *testing.T, c *ibapi.EClient, r *recorder) {
	t.Helper()
	n := len(r.all())
	c.ReqCurrentTime()
	r.wait(t, n, "currentTime", func(e ev) bool { return e.Kind == "CurrentTime" })
}

// histContract is a SMART/USD contract of a symbol.
func histContract(symbol, secType string) *ibapi.Contract {
	c := ibapi.NewContract()
	c.Symbol = symbol
	c.SecType = secType
	c.Exchange = "SMART"
	if secType == "IND" {
		c.Exchange = "CBOE"
	}
	c.Currency = "USD"
	return c
}

// histResult waits for the end of a historical request (historicalDataEnd
// or an error on its id) and returns its bars, the end marker and the
// error, if any.
func histResult(t *testing.T, r *recorder, id int64) ([]ibapi.Bar, string, *ev) {
	t.Helper()
	e, _ := r.wait(t, 0, fmt.Sprintf("the end of historical request %d", id), func(e ev) bool {
		return e.ReqID == id && (e.Kind == "HistoricalDataEnd" || e.Kind == "Error" && e.Code != 2104 && e.Code != 2106 && e.Code != 2158)
	})
	var bars []ibapi.Bar
	for _, x := range r.all() {
		if x.ReqID == id && x.Kind == "HistoricalData" {
			bars = append(bars, x.Data.(ibapi.Bar))
		}
	}
	if e.Kind == "Error" {
		return bars, "", &e
	}
	return bars, e.Msg, nil
}

// histSim starts a simulator for historical tests: the market clock at
// at, a virtual limit clock, and the limits given.
func histSim(t *testing.T, at time.Time, lim Limits) (*Server, *VirtualClock, *VirtualClock) {
	t.Helper()
	clk := NewVirtualClock(at)
	lc := NewVirtualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if lim.MaxMsgRate == 0 {
		lim.MaxMsgRate = 100000
	}
	s := startSim(t, Config{Clock: clk, LimitClock: lc, Limits: lim, TickInterval: time.Hour})
	return s, clk, lc
}

func TestHistoricalIntradayBars(t *testing.T) {
	s, _, lc := histSim(t, time.Date(2026, 4, 2, 21, 0, 0, 0, market.NewYork), Limits{})
	c, r := dial(t, s, 1)
	spy := histContract("SPY", "STK")

	c.ReqHistoricalData(1, spy, "", "1 D", "1 min", "TRADES", true, 1, false, nil)
	bars, end, e := histResult(t, r, 1)
	if e != nil {
		t.Fatalf("error %v", e)
	}
	if len(bars) != 390 || bars[0].Date != "20260402 09:30:00 US/Eastern" || bars[389].Date != "20260402 15:59:00 US/Eastern" {
		t.Fatalf("%d bars from %q to %q, want 390 from 09:30 to 15:59", len(bars), bars[0].Date, bars[len(bars)-1].Date)
	}
	if end != "20260401 21:00:00 US/Eastern|20260402 21:00:00 US/Eastern" {
		t.Errorf("end marker %q", end)
	}
	for _, b := range bars {
		if b.High < math.Max(b.Open, b.Close) || b.Low > math.Min(b.Open, b.Close) || b.Volume.Float() <= 0 || b.BarCount <= 0 ||
			b.Wap.Float() < b.Low || b.Wap.Float() > b.High {
			t.Fatalf("bad bar %+v", b)
		}
	}
	// The last bar closes at the official close the next day's quotes show.
	q := s.prices.Quote(testSPY, time.Date(2026, 4, 6, 10, 0, 0, 0, market.NewYork))
	if bars[389].Close != q.Close {
		t.Errorf("last bar close %v, next session's close %v", bars[389].Close, q.Close)
	}

	// Extended hours and epoch dates.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(2, spy, "", "1 D", "1 min", "TRADES", false, 2, false, nil)
	bars, _, e = histResult(t, r, 2)
	if e != nil || len(bars) != 960 {
		t.Fatalf("useRTH=0: %d bars, error %v; want 960 (04:00-20:00)", len(bars), e)
	}
	if want := strconv.FormatInt(time.Date(2026, 4, 2, 4, 0, 0, 0, market.NewYork).Unix(), 10); bars[0].Date != want {
		t.Errorf("formatDate 2: first date %q, want %q", bars[0].Date, want)
	}

	// An early close: 09:30-13:00.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(3, spy, "20251128 18:00:00 US/Eastern", "1 D", "1 min", "MIDPOINT", true, 1, false, nil)
	bars, _, e = histResult(t, r, 3)
	if e != nil || len(bars) != 210 || bars[209].Date != "20251128 12:59:00 US/Eastern" {
		t.Fatalf("early close: %d bars, error %v", len(bars), e)
	}
	if bars[0].Volume.Float() != -1 || bars[0].Wap.Float() != -1 || bars[0].BarCount != -1 {
		t.Errorf("MIDPOINT bar %+v, want volume, WAP and count -1", bars[0])
	}

	// Hour bars start at the open, then on the hour.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(4, spy, "20260402 16:00:00 US/Eastern", "1 D", "1 hour", "BID", true, 1, false, nil)
	bars, _, e = histResult(t, r, 4)
	var dates []string
	for _, b := range bars {
		dates = append(dates, b.Date[9:14])
	}
	if e != nil || strings.Join(dates, ",") != "09:30,10:00,11:00,12:00,13:00,14:00,15:00" {
		t.Errorf("1 hour bars at %v (error %v)", dates, e)
	}

	// UTC end time, seconds: the 1800 seconds before 15:00 New York.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(5, spy, "20260402-19:00:00", "1800 S", "5 secs", "ASK", true, 1, false, nil)
	bars, _, e = histResult(t, r, 5)
	if e != nil || len(bars) != 360 || bars[0].Date != "20260402 14:30:00 US/Eastern" {
		t.Fatalf("5 secs: %d bars, error %v", len(bars), e)
	}
	at := time.Date(2026, 4, 2, 14, 59, 59, 0, market.NewYork)
	if q := s.prices.Quote(testSPY, at); bars[359].Close != q.Ask {
		t.Errorf("ASK bar close %v, quote ask %v", bars[359].Close, q.Ask)
	}
}

func TestHistoricalDailyBarsSkipHolidays(t *testing.T) {
	s, _, lc := histSim(t, time.Date(2026, 4, 11, 12, 0, 0, 0, market.NewYork), Limits{})
	c, r := dial(t, s, 1)
	c.ReqHistoricalData(1, histContract("SPY", "STK"), "", "2 W", "1 day", "TRADES", true, 1, false, nil)
	bars, _, e := histResult(t, r, 1)
	if e != nil {
		t.Fatal(e)
	}
	var dates []string
	for _, b := range bars {
		dates = append(dates, b.Date)
	}
	// April 3 2026 is Good Friday.
	want := "20260330,20260331,20260401,20260402,20260406,20260407,20260408,20260409,20260410"
	if strings.Join(dates, ",") != want {
		t.Errorf("daily bars %v, want %s", dates, want)
	}
	// A daily bar is the regular session of the minute bars.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(2, histContract("SPY", "STK"), "20260407 20:00:00 US/Eastern", "1 D", "1 min", "TRADES", true, 1, false, nil)
	mins, _, e := histResult(t, r, 2)
	if e != nil {
		t.Fatal(e)
	}
	d := bars[5] // April 7
	hi, lo, vol := 0.0, math.Inf(1), 0.0
	for _, m := range mins {
		hi, lo, vol = math.Max(hi, m.High), math.Min(lo, m.Low), vol+m.Volume.Float()
	}
	if d.Open != mins[0].Open || d.Close != mins[len(mins)-1].Close || d.High != hi || d.Low != lo || d.Volume.Float() != vol {
		t.Errorf("daily bar %+v, minute bars open %v close %v range %v..%v volume %v", d, mins[0].Open, mins[len(mins)-1].Close, lo, hi, vol)
	}
	// Weekly bars are labelled with the week's last trading day.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(3, histContract("SPY", "STK"), "", "1 M", "1 week", "TRADES", true, 1, false, nil)
	weeks, _, e := histResult(t, r, 3)
	if e != nil || len(weeks) < 4 {
		t.Fatalf("weekly: %d bars, error %v", len(weeks), e)
	}
	if got := weeks[len(weeks)-2].Date; got != "20260402" {
		t.Errorf("the Good Friday week is labelled %q, want 20260402", got)
	}
}

func TestHistoricalNoData(t *testing.T) {
	s, _, lc := histSim(t, time.Date(2026, 4, 2, 12, 0, 0, 0, market.NewYork), Limits{})
	c, r := dial(t, s, 1)
	c.ReqHistoricalData(1, histContract("SPY", "STK"), "20251225 15:00:00 US/Eastern", "3600 S", "1 min", "TRADES", true, 1, false, nil)
	_, _, e := histResult(t, r, 1)
	if e == nil || e.Code != 162 || e.Msg != "Historical Market Data Service error message:HMDS query returned no data: SPY@SMART Trades" {
		t.Errorf("Christmas: %v, want 162 no data", e)
	}
	// META listed in May 2012.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(2, histContract("META", "STK"), "20110601 16:00:00 US/Eastern", "1 M", "1 day", "TRADES", true, 1, false, nil)
	if _, _, e := histResult(t, r, 2); e == nil || e.Code != 162 || !strings.Contains(e.Msg, "HMDS query returned no data") {
		t.Errorf("before listing: %v, want 162 no data", e)
	}
	// But "1 D" on a weekend is Friday's session.
	lc.Advance(time.Minute)
	c.ReqHistoricalData(3, histContract("SPY", "STK"), "20260328 12:00:00 US/Eastern", "1 D", "30 mins", "TRADES", true, 1, false, nil)
	if bars, _, e := histResult(t, r, 3); e != nil || len(bars) != 13 || !strings.HasPrefix(bars[0].Date, "20260327") {
		t.Errorf("Saturday 1 D: %d bars, error %v", len(bars), e)
	}
}

func TestHistoricalValidation(t *testing.T) {
	s, _, lc := histSim(t, time.Date(2026, 4, 2, 12, 0, 0, 0, market.NewYork), Limits{})
	c, r := dial(t, s, 1)
	spy := histContract("SPY", "STK")
	for i, tc := range []struct {
		contract            *ibapi.Contract
		end, dur, bar, what string
		format              int
		keepUp              bool
		code                int64
		text                string
	}{
		{spy, "", "1 D", "1 minute", "TRADES", 1, false, 321, "Historical data bar size setting is invalid. Legal ones are: 1 secs, 5 secs"},
		{spy, "", "1 sec", "1 min", "TRADES", 1, false, 321, "duration"},
		{spy, "", "1 X", "1 min", "TRADES", 1, false, 321, "duration"},
		{spy, "", "400 D", "1 day", "TRADES", 1, false, 321, "durations longer than 365 days must be made in years"},
		{spy, "", "1 D", "1 min", "TRADES", 3, false, 321, "Date formatting selection of 3 rejected"},
		{spy, "", "1 D", "1 min", "PRICES", 1, false, 321, "PRICES"},
		{spy, "20260401 12:00:00 US/Eastern", "1 D", "1 min", "TRADES", 1, true, 321, "End date not supported with live updates"},
		{spy, "2026-04-01 12:00", "1 D", "1 min", "TRADES", 1, false, 10314, "End Date/Time: The date, time, or time-zone entered is invalid."},
		{spy, "20260401 12:00:00 Mars/Olympus", "1 D", "1 min", "TRADES", 1, false, 10314, "End Date/Time"},
		{histContract("NOPE", "STK"), "", "1 D", "1 min", "TRADES", 1, false, 200, "No security definition has been found for the request"},
		{spy, "", "1 D", "1 secs", "TRADES", 1, false, 162, "Historical Market Data Service error message:Time length exceed max."},
		{spy, "", "2 M", "1 min", "TRADES", 1, false, 162, "Time length exceed max"},
	} {
		id := int64(10 + i)
		lc.Advance(time.Minute)
		c.ReqHistoricalData(id, tc.contract, tc.end, tc.dur, tc.bar, tc.what, true, tc.format, tc.keepUp, nil)
		_, _, e := histResult(t, r, id)
		if e == nil || e.Code != tc.code || !strings.Contains(e.Msg, tc.text) {
			t.Errorf("%+v: got %v, want %d %q", tc, e, tc.code, tc.text)
		}
	}
	if s.Stats().HistoricalOpen != 0 {
		t.Errorf("%d requests left open", s.Stats().HistoricalOpen)
	}
	c.CancelHistoricalData(77)
	if e := r.waitError(t, 77, 366); e.Msg != "No historical data query found for ticker id:77" {
		t.Errorf("366 text %q", e.Msg)
	}
}

func TestHistoricalPacing(t *testing.T) {
	lim := Limits{
		HistIdenticalWindow: 15 * time.Second, HistBurstWindow: 2 * time.Second, HistBurstCount: 6,
		HistLongWindow: 10 * time.Minute, HistLongCount: 12,
	}
	type env struct {
		s   *Server
		lc  *VirtualClock
		req func(end, dur, bar, what string) int64
		ok  func(id int64)
		bad func(id int64)
		r   *recorder
	}
	setup := func(t *testing.T) env {
		s, _, lc := histSim(t, time.Date(2026, 4, 2, 12, 0, 0, 0, market.NewYork), lim)
		c, r := dial(t, s, 1)
		spy := histContract("SPY", "STK")
		id := int64(0)
		return env{
			s: s, lc: lc, r: r,
			req: func(end, dur, bar, what string) int64 {
				id++
				c.ReqHistoricalData(id, spy, end, dur, bar, what, true, 1, false, nil)
				return id
			},
			ok: func(id int64) {
				t.Helper()
				if bars, _, e := histResult(t, r, id); e != nil || len(bars) == 0 {
					t.Fatalf("request %d: %d bars, error %v", id, len(bars), e)
				}
			},
			bad: func(id int64) {
				t.Helper()
				if _, _, e := histResult(t, r, id); e == nil || e.Code != 162 || e.Msg != hmdsPacing {
					t.Fatalf("request %d: %v, want a pacing violation", id, e)
				}
			},
		}
	}
	t.Run("identical within 15 s", func(t *testing.T) {
		e := setup(t)
		e.ok(e.req("", "60 S", "1 secs", "TRADES"))
		e.lc.Advance(14 * time.Second)
		e.bad(e.req("", "60 S", "1 secs", "TRADES"))
		e.lc.Advance(16 * time.Second)
		e.ok(e.req("", "60 S", "1 secs", "TRADES"))
	})
	t.Run("six of one series in 2 s", func(t *testing.T) {
		e := setup(t)
		for i := range 5 {
			e.ok(e.req(fmt.Sprintf("20260401 1%d:00:00 US/Eastern", i), "60 S", "1 secs", "MIDPOINT"))
		}
		e.bad(e.req("20260401 15:00:00 US/Eastern", "60 S", "1 secs", "MIDPOINT"))
		// Another tick type is another series.
		e.ok(e.req("20260401 15:00:00 US/Eastern", "60 S", "1 secs", "BID"))
		e.lc.Advance(3 * time.Second)
		e.ok(e.req("20260401 15:00:00 US/Eastern", "60 S", "1 secs", "MIDPOINT"))
	})
	t.Run("BID_ASK counts twice", func(t *testing.T) {
		e := setup(t)
		e.ok(e.req("20260331 10:00:00 US/Eastern", "60 S", "1 secs", "BID_ASK"))
		e.ok(e.req("20260331 11:00:00 US/Eastern", "60 S", "1 secs", "BID_ASK"))
		e.bad(e.req("20260331 12:00:00 US/Eastern", "60 S", "1 secs", "BID_ASK"))
	})
	t.Run("long window", func(t *testing.T) {
		e := setup(t)
		for i := range 12 {
			e.lc.Advance(3 * time.Second)
			e.ok(e.req(fmt.Sprintf("20260330 %02d:%02d:00 US/Eastern", i%6+10, i), "60 S", "1 secs", "TRADES"))
		}
		e.lc.Advance(3 * time.Second)
		e.bad(e.req("20260330 15:59:00 US/Eastern", "60 S", "1 secs", "TRADES"))
		e.lc.Advance(10 * time.Minute)
		e.ok(e.req("20260330 15:58:00 US/Eastern", "60 S", "1 secs", "TRADES"))
	})
	t.Run("large bars wait", func(t *testing.T) {
		e := setup(t)
		for i := range 5 {
			e.ok(e.req(fmt.Sprintf("20260327 1%d:00:00 US/Eastern", i), "3600 S", "1 min", "TRADES"))
		}
		late := e.req("20260327 15:00:00 US/Eastern", "3600 S", "1 min", "TRADES")
		time.Sleep(100 * time.Millisecond) // the throttled request stays pending
		for _, x := range e.r.all() {
			if x.ReqID == late {
				t.Fatalf("throttled request answered early: %v", x)
			}
		}
		if e.s.Stats().HistoricalOpen != 0 {
			t.Errorf("a throttled request holds an open slot")
		}
		e.lc.Advance(3 * time.Second)
		e.ok(late)
		if e.s.Stats().HistoricalOpen != 0 {
			t.Errorf("%d slots held after the answer", e.s.Stats().HistoricalOpen)
		}
	})
}

func TestHistoricalMaxOpenAndCancel(t *testing.T) {
	lim := Limits{HistBurstCount: 1000, HistLongCount: 1000, HistResponseDelay: time.Hour}
	s, _, _ := histSim(t, time.Date(2026, 4, 2, 12, 0, 0, 0, market.NewYork), lim)
	c, r := dial(t, s, 1)
	spy := histContract("SPY", "STK")
	for i := range 50 {
		c.ReqHistoricalData(int64(100+i), spy, fmt.Sprintf("20260401 12:%02d:00 US/Eastern", i), "1800 S", "1 min", "TRADES", true, 1, false, nil)
	}
	c.ReqHistoricalData(200, spy, "", "1800 S", "1 min", "TRADES", true, 1, false, nil)
	if e := r.waitError(t, 200, 162); !strings.Contains(e.Msg, "simultaneous historical data requests") {
		t.Errorf("51st request: %q", e.Msg)
	}
	if n := s.Stats().HistoricalOpen; n != 50 {
		t.Errorf("open %d, want 50", n)
	}
	// Cancelling a pending request frees its slot (and IB says so).
	c.CancelHistoricalData(100)
	if e := r.waitError(t, 100, 162); !strings.Contains(e.Msg, "API historical data query cancelled: 100") {
		t.Errorf("cancel: %q", e.Msg)
	}
	c.ReqHistoricalData(201, spy, "", "1800 S", "1 min", "TRADES", true, 1, false, nil)
	histSync(t, c, r)
	for _, e := range r.all() {
		if e.ReqID == 201 {
			t.Fatalf("request after a cancel refused: %v", e)
		}
	}
	if n := s.Stats().HistoricalOpen; n != 50 {
		t.Errorf("open %d, want 50", n)
	}
	// A second cancel of the same id finds nothing.
	c.CancelHistoricalData(100)
	r.waitError(t, 100, 366)
}

func TestHistoricalKeepUpToDate(t *testing.T) {
	s, clk, _ := histSim(t, time.Date(2026, 4, 2, 10, 0, 30, 0, market.NewYork), Limits{})
	c, r := dial(t, s, 1)
	c.ReqHistoricalData(1, histContract("SPY", "STK"), "", "3600 S", "1 min", "TRADES", true, 1, true, nil)
	bars, _, e := histResult(t, r, 1)
	if e != nil {
		t.Fatal(e)
	}
	if len(bars) != 31 || bars[30].Date != "20260402 10:00:00 US/Eastern" {
		t.Fatalf("%d bars, last %q; want 31 up to the current 10:00 bar", len(bars), bars[len(bars)-1].Date)
	}
	if n := s.Stats().HistoricalOpen; n != 1 {
		t.Errorf("a streaming request holds %d slots, want 1", n)
	}
	updates := func() []ibapi.Bar {
		var out []ibapi.Bar
		for _, e := range r.all() {
			if e.Kind == "HistoricalDataUpdate" && e.ReqID == 1 {
				out = append(out, e.Data.(ibapi.Bar))
			}
		}
		return out
	}
	clk.Advance(20 * time.Second)
	s.Tick()
	u, _ := r.wait(t, 0, "an update", func(e ev) bool { return e.Kind == "HistoricalDataUpdate" })
	b := u.Data.(ibapi.Bar)
	if b.Date != "20260402 10:00:00 US/Eastern" || b.Open != bars[30].Open || b.High < bars[30].High || b.Volume.Float() < bars[30].Volume.Float() {
		t.Errorf("update %+v, initial bar %+v", b, bars[30])
	}
	clk.Advance(time.Minute)
	s.Tick()
	r.wait(t, 0, "the next bar", func(e ev) bool {
		return e.Kind == "HistoricalDataUpdate" && e.Data.(ibapi.Bar).Date == "20260402 10:01:00 US/Eastern"
	})
	// Cancel: no message, no more updates, the slot is free.
	c.CancelHistoricalData(1)
	histSync(t, c, r)
	n := len(updates())
	clk.Advance(time.Minute)
	s.Tick()
	histSync(t, c, r)
	if len(updates()) != n {
		t.Error("updates after cancel")
	}
	if len(r.errorsWith(162)) != 0 || len(r.errorsWith(366)) != 0 {
		t.Errorf("cancel of a stream answered: %v", r.errorsWith(162))
	}
	if n := s.Stats().HistoricalOpen; n != 0 {
		t.Errorf("%d slots held after cancel", n)
	}
}

func TestHeadTimestamp(t *testing.T) {
	s, _, _ := histSim(t, time.Date(2026, 4, 2, 12, 0, 0, 0, market.NewYork), Limits{})
	c, r := dial(t, s, 1)
	c.ReqHeadTimeStamp(1, histContract("SPY", "STK"), "TRADES", true, 1)
	if e := r.waitKind(t, "HeadTimestamp", 1); e.Msg != "19930129 09:30:00 US/Eastern" {
		t.Errorf("SPY head %q", e.Msg)
	}
	c.ReqHeadTimeStamp(2, histContract("META", "STK"), "MIDPOINT", false, 2)
	want := strconv.FormatInt(time.Date(2012, 5, 18, 4, 0, 0, 0, market.NewYork).Unix(), 10)
	if e := r.waitKind(t, "HeadTimestamp", 2); e.Msg != want {
		t.Errorf("META head %q, want %s", e.Msg, want)
	}
	c.ReqHeadTimeStamp(3, histContract("NOPE", "STK"), "TRADES", true, 1)
	r.waitError(t, 3, 200)
}

// histRaw speaks the protocol by hand at an old version.
type histRaw struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func (rc *histRaw) send(fields ...string) {
	rc.t.Helper()
	if _, err := rc.nc.Write(wire.EncodeFrame(fields...)); err != nil {
		rc.t.Fatal(err)
	}
}

// next returns the next message whose id is one of ids, skipping the
// bootstrap's farm messages.
func (rc *histRaw) next(ids ...string) []string {
	rc.t.Helper()
	for {
		p, err := wire.ReadFrame(rc.br)
		if err != nil {
			rc.t.Fatalf("reading while waiting for %v: %v", ids, err)
		}
		f := wire.SplitFields(p)
		if f[0] == "4" && len(f) > 3 && (f[2] == "-1" || f[3] == "-1") {
			continue
		}
		for _, id := range ids {
			if f[0] == id {
				return f
			}
		}
	}
}

func histRawStart(t *testing.T, s *Server, versions, clientID string) *histRaw {
	nc, br, _ := rawHandshake(t, s.Addr(), versions)
	rc := &histRaw{t: t, nc: nc, br: br}
	rc.send("71", "2", clientID, "")
	rc.next("9")
	return rc
}

func TestHistoricalOldVersionLayouts(t *testing.T) {
	s, _, lc := histSim(t, time.Date(2026, 4, 2, 21, 0, 0, 0, market.NewYork), Limits{})
	contract := []string{"0", "SPY", "STK", "", "", "", "", "SMART", "", "USD", "", ""}

	// Version 151 (a client advertising v100..151): no version field, start
	// and end in message 17, bar times with two spaces and no zone, stock
	// volumes in lots of 100.
	rc := histRawStart(t, s, "v100..151", "5")
	req := append([]string{"20", "7"}, contract...)
	req = append(req, "0", "", "1 hour", "1 D", "1", "TRADES", "1", "0", "")
	rc.send(req...)
	f := rc.next("17", "4")
	if f[0] != "17" || f[1] != "7" {
		t.Fatalf("v151 reply %q", f)
	}
	if f[2] != "20260401  21:00:00" || f[3] != "20260402  21:00:00" {
		t.Errorf("v151 start/end %q %q", f[2], f[3])
	}
	n, _ := strconv.Atoi(f[4])
	if n != 7 || len(f) != 5+8*n {
		t.Fatalf("v151: %d bars in %d fields", n, len(f))
	}
	if f[5] != "20260402  09:30:00" {
		t.Errorf("v151 first bar time %q", f[5])
	}
	lots, _ := strconv.ParseFloat(f[10], 64)

	// The same bars at 200 carry shares (after the identical-request window).
	lc.Advance(time.Minute)
	c, r := dial(t, s, 9)
	c.ReqHistoricalData(8, histContract("SPY", "STK"), "", "1 D", "1 hour", "TRADES", true, 1, false, nil)
	bars, _, e := histResult(t, r, 8)
	if e != nil || len(bars) != 7 {
		t.Fatalf("v200: %d bars, %v", len(bars), e)
	}
	if got := bars[0].Volume.Float(); lots != math.Round(got/100) {
		t.Errorf("v151 volume %v lots, v200 %v shares", lots, got)
	}

	// Version 110: a version field in the request and the reply, and a
	// hasGaps field in every bar.
	rc = histRawStart(t, s, "v100..110", "6")
	req = append([]string{"20", "6", "9"}, contract...)
	req = append(req, "0", "", "1 day", "1 W", "1", "MIDPOINT", "1", "")
	rc.send(req...)
	f = rc.next("17", "4")
	if f[0] != "17" || f[1] != "3" || f[2] != "9" {
		t.Fatalf("v110 reply %q", f[:min(len(f), 6)])
	}
	n, _ = strconv.Atoi(f[5])
	if n != 5 || len(f) != 6+9*n || f[6] != "20260327" || f[13] != "false" {
		t.Errorf("v110: %d bars in %d fields: %q", n, len(f), f[:min(len(f), 16)])
	}

	// Version 124: scmhub/ibapi still sends the version field, IB's own
	// clients no longer do; both are understood.
	rc = histRawStart(t, s, "v100..124", "7")
	for i, withVersion := range []bool{true, false} {
		id := strconv.Itoa(20 + i)
		req = []string{"20"}
		if withVersion {
			req = append(req, "6")
		}
		req = append(req, id)
		req = append(req, contract...)
		req = append(req, "0", "", "1 day", "1 W", "1", "BID", "1", "0", "")
		lc.Advance(time.Minute)
		rc.send(req...)
		f = rc.next("17", "4")
		if f[0] != "17" || f[1] != id || f[4] != "5" {
			t.Errorf("v124 with version field %v: %q", withVersion, f[:min(len(f), 6)])
		}
	}
}

// Engine-level checks, without a connection.

func TestHistoricalOptionBars(t *testing.T) {
	at := time.Date(2026, 4, 2, 21, 0, 0, 0, market.NewYork)
	s, _, lc := histSim(t, at, Limits{})
	spot := s.prices.Quote(testSPY, at).Last
	opts, _ := s.ref.Lookup(market.ContractQuery{Symbol: "SPY", SecType: "OPT", Exchange: "SMART", Currency: "USD", Right: "C"}, at, 0)
	var pick *market.Instrument
	for _, in := range opts {
		if in.Expiry < "20260424" || in.Expiry > "20260531" {
			continue
		}
		if pick == nil || math.Abs(in.Strike-spot) < math.Abs(pick.Strike-spot) {
			pick = in
		}
	}
	if pick == nil {
		t.Fatalf("no SPY call listed (%d options)", len(opts))
	}
	c, r := dial(t, s, 1)
	oc := ibapi.NewContract()
	oc.ConID = pick.ConID
	oc.Exchange = "SMART"
	// Options have regular-session data only, whatever useRTH says.
	c.ReqHistoricalData(1, oc, "", "1 D", "5 mins", "MIDPOINT", false, 1, false, nil)
	bars, _, e := histResult(t, r, 1)
	if e != nil || len(bars) != 78 || bars[0].Date != "20260402 09:30:00 US/Eastern" {
		t.Fatalf("%s: %d bars, error %v", pick.LocalSymbol, len(bars), e)
	}
	q := s.prices.Quote(pick, time.Date(2026, 4, 2, 15, 59, 59, 0, market.NewYork))
	if want := (q.Bid + q.Ask) / 2; !pxNear(bars[77].Close, want, 1e-9) {
		t.Errorf("last MIDPOINT bar close %v, closing quote mid %v", bars[77].Close, want)
	}
	lc.Advance(time.Minute)
	c.ReqHistoricalData(2, oc, "", "1 D", "1 hour", "TRADES", true, 1, false, nil)
	bars, _, e = histResult(t, r, 2)
	if e != nil || len(bars) == 0 {
		t.Fatalf("option trades: %d bars, error %v", len(bars), e)
	}
	for _, b := range bars {
		if b.Volume.Float() <= 0 || b.BarCount <= 0 || b.Low <= 0 || b.High < b.Low {
			t.Errorf("option trade bar %+v", b)
		}
	}
	// The head of an option's data is within two years of its expiry.
	c.ReqHeadTimeStamp(3, oc, "TRADES", true, 1)
	if h := r.waitKind(t, "HeadTimestamp", 3).Msg; h < "2024" || h > "20260402" {
		t.Errorf("option head %q", h)
	}
}
