package ibkr

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/internal/conn"
	"github.com/ibbot/ibbot/ibkr/internal/pace"
)

// HistoricalRequest asks for bars.
type HistoricalRequest struct {
	Contract Contract
	// End is the end of the window; zero means now.
	End time.Time
	// Duration is an IB duration: an integer and a unit, S, D, W, M or Y,
	// e.g. "3600 S", "5 D", "1 Y".
	Duration string
	// BarSize is an IB bar size, e.g. "1 secs", "5 mins", "1 hour", "1 day".
	BarSize string
	// WhatToShow is TRADES (default), MIDPOINT, BID, ASK or BID_ASK.
	WhatToShow string
	// UseRTH limits bars to regular trading hours.
	UseRTH bool
}

var (
	durationRE = regexp.MustCompile(`^[1-9][0-9]{0,5} [SDWMY]$`)
	barSizes   = map[string]time.Duration{
		"1 secs": time.Second, "5 secs": 5 * time.Second, "10 secs": 10 * time.Second,
		"15 secs": 15 * time.Second, "30 secs": 30 * time.Second,
		"1 min": time.Minute, "2 mins": 2 * time.Minute, "3 mins": 3 * time.Minute,
		"5 mins": 5 * time.Minute, "10 mins": 10 * time.Minute, "15 mins": 15 * time.Minute,
		"20 mins": 20 * time.Minute, "30 mins": 30 * time.Minute,
		"1 hour": time.Hour, "2 hours": 2 * time.Hour, "3 hours": 3 * time.Hour,
		"4 hours": 4 * time.Hour, "8 hours": 8 * time.Hour,
		"1 day": 24 * time.Hour, "1 week": 7 * 24 * time.Hour, "1 month": 30 * 24 * time.Hour,
	}
	whatToShow = map[string]bool{"TRADES": true, "MIDPOINT": true, "BID": true, "ASK": true, "BID_ASK": true,
		"ADJUSTED_LAST": true, "HISTORICAL_VOLATILITY": true, "OPTION_IMPLIED_VOLATILITY": true}
)

// validate checks the request and fills defaults.
func (r *HistoricalRequest) validate() error {
	if r.WhatToShow == "" {
		r.WhatToShow = "TRADES"
	}
	if !durationRE.MatchString(r.Duration) {
		return invalid("HistoricalRequest.Duration", r.Duration, `an integer 1..999999 and a unit S, D, W, M or Y, e.g. "3600 S" or "5 D"`)
	}
	if _, ok := barSizes[r.BarSize]; !ok {
		return invalid("HistoricalRequest.BarSize", r.BarSize, "one of 1 secs, 5 secs, 10 secs, 15 secs, 30 secs, 1 min, 2 mins, 3 mins, 5 mins, 10 mins, 15 mins, 20 mins, 30 mins, 1 hour, 2 hours, 3 hours, 4 hours, 8 hours, 1 day, 1 week, 1 month")
	}
	if !whatToShow[r.WhatToShow] {
		return invalid("HistoricalRequest.WhatToShow", r.WhatToShow, "TRADES, MIDPOINT, BID, ASK, BID_ASK, ADJUSTED_LAST, HISTORICAL_VOLATILITY or OPTION_IMPLIED_VOLATILITY")
	}
	return nil
}

// endString formats End as IB wants it (UTC, "yyyymmdd-hh:mm:ss").
func (r *HistoricalRequest) endString() string {
	if r.End.IsZero() {
		return ""
	}
	return r.End.UTC().Format("20060102-15:04:05")
}

func (r *HistoricalRequest) key() pace.Key {
	w := 1
	if r.WhatToShow == "BID_ASK" {
		w = 2
	}
	return pace.Key{
		Identical: fmt.Sprintf("%s|%s|%s|%s|%s|%t", r.Contract.key(), r.endString(), r.Duration, r.BarSize, r.WhatToShow, r.UseRTH),
		Series:    fmt.Sprintf("%s|%s|%s", r.Contract.key(), r.Contract.Exchange, r.WhatToShow),
		Weight:    w,
		Small:     barSizes[r.BarSize] <= 30*time.Second,
	}
}

// HistoricalBars returns the bars of a window. The request first passes
// IB's historical pacing (identical requests 15 s apart, fewer than 6 per
// 2 s for one contract and tick type, 60 per 10 minutes, 50 open): it waits
// for its turn instead of failing. A deadline or cancel is an error (and
// cancels the request at the Gateway); a window without data is ErrNoData.
func (s *Session) HistoricalBars(ctx context.Context, req HistoricalRequest) ([]Bar, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	rec, err := s.hist.Admit(ctx, req.key())
	if err != nil {
		return nil, fmt.Errorf("ibkr: historical bars of %s: waiting for pacing: %w", req.Contract, err)
	}
	open := true
	defer func() {
		if open {
			s.hist.Release()
		}
	}()
	gen, err := s.awaitReady(ctx)
	if err != nil {
		s.hist.Forget(rec)
		return nil, err
	}
	id := s.router.NewID()
	o := newOneShot[Bar]()
	s.router.Add(id, o)
	defer s.router.Remove(id)
	err = s.send(ctx, gen, pace.LaneBulk, conn.HistoricalData{ReqID: id, Contract: req.Contract.toWire(),
		End: req.endString(), Duration: req.Duration, BarSize: req.BarSize, WhatToShow: req.WhatToShow, UseRTH: req.UseRTH})
	if err != nil {
		s.hist.Forget(rec)
		return nil, fmt.Errorf("ibkr: historical bars of %s: %w", req.Contract, err)
	}
	bars, err := o.Wait(ctx)
	s.hist.Answered(rec)
	if err != nil {
		if ctx.Err() != nil {
			open = false
			s.sendCancel(gen, conn.CancelHistoricalData{ReqID: id}, s.hist.Release)
		}
		return nil, fmt.Errorf("ibkr: historical bars of %s: %w", req.Contract, err)
	}
	return bars, nil
}

// barFromWire converts a wire bar. Dates come as epoch seconds (intraday,
// formatDate 2) or yyyymmdd (daily and longer).
func barFromWire(b conn.Bar) (Bar, error) {
	t, err := parseBarTime(b.Date)
	if err != nil {
		return Bar{}, err
	}
	out := Bar{
		Time:  t,
		Open:  priceDecimal(b.Open),
		High:  priceDecimal(b.High),
		Low:   priceDecimal(b.Low),
		Close: priceDecimal(b.Close),
		Count: b.BarCount,
	}
	out.Volume = sizeDecimal(b.Volume)
	out.WAP = sizeDecimal(b.WAP)
	return out, nil
}

var newYork = mustLoad("America/New_York")

func parseBarTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) == 8 {
		if t, err := time.ParseInLocation("20060102", s, newYork); err == nil {
			return t, nil
		}
	}
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(sec, 0), nil
	}
	// "yyyymmdd hh:mm:ss Zone" (formatDate 1).
	if len(s) >= 17 {
		loc := newYork
		if i := strings.LastIndexByte(s, ' '); i > 17 {
			if l, err := time.LoadLocation(s[i+1:]); err == nil {
				loc = l
			}
			s = s[:i]
		}
		if t, err := time.ParseInLocation("20060102 15:04:05", s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("ibkr: bar time %q: want epoch seconds, yyyymmdd or \"yyyymmdd hh:mm:ss zone\"", s)
}

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return l
}
