package ibsim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/engine"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// The market scanner: US stocks (the simulator's stocks and ETFs) ranked
// by their move since the previous close or by their volume, as the
// Gateway's scanner ranks them, refreshed every scanRefresh of market
// time until cancelled.

const (
	scanMaxRows  = 50               // IB's largest numberOfRows
	scanMaxSubs  = 10               // active scanner subscriptions per connection
	scanRefresh  = 30 * time.Second // market time between two scannerData of a subscription
	scanNoItems  = "Historical Market Data Service query message:no items retrieved"
	scanInstrSTK = "STK"
)

// scanTypes are the scan codes served, with their display names.
var scanTypes = []struct{ code, name string }{
	{"TOP_PERC_GAIN", "Top % Gainers"},
	{"TOP_PERC_LOSE", "Top % Losers"},
	{"MOST_ACTIVE", "Most Active"},
	{"HOT_BY_VOLUME", "Hot by Volume"},
}

// scanLocations are the location codes served.
var scanLocations = map[string]bool{"STK.US": true, "STK.US.MAJOR": true}

func scanTypeKnown(code string) bool {
	return slices.ContainsFunc(scanTypes, func(t struct{ code, name string }) bool { return t.code == code })
}

// scannerParametersXML is the answer to reqScannerParameters: IB's
// ScanParameterResponse layout with the instruments, locations, scan types
// and filters the simulator's scanner serves.
func scannerParametersXML() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<ScanParameterResponse>\n")
	b.WriteString(`<InstrumentList varName="fullInstrumentList">` + "\n")
	b.WriteString("<Instrument><name>US Stocks</name><type>STK</type><filters>PRICE,PRICE_USD,VOLUME,VOLUME_USD</filters><group>STK.GLOBAL</group><shortName>US</shortName><cloudScanNotSupported>false</cloudScanNotSupported></Instrument>\n")
	b.WriteString("</InstrumentList>\n")
	b.WriteString(`<LocationTree varName="locationTree">` + "\n")
	b.WriteString("<Location><name>US Stocks</name><locationCode>STK.US</locationCode><instruments>STK</instruments><routeExchange>SMART</routeExchange><delayedOnly>false</delayedOnly><access>true</access>\n")
	b.WriteString(`<LocationTree varName="locationTree">` + "\n")
	b.WriteString("<Location><name>Listed/NASDAQ</name><locationCode>STK.US.MAJOR</locationCode><instruments>STK</instruments><routeExchange>SMART</routeExchange><delayedOnly>false</delayedOnly><access>true</access></Location>\n")
	b.WriteString("</LocationTree>\n</Location>\n</LocationTree>\n")
	b.WriteString(`<ScanTypeList varName="scanTypeList">` + "\n")
	for _, t := range scanTypes {
		fmt.Fprintf(&b, "<ScanType><displayName>%s</displayName><scanCode>%s</scanCode><instruments>STK</instruments><absoluteColumns>false</absoluteColumns><supportsSorting>true</supportsSorting><respSizeLimit>%d</respSizeLimit><snapshotSizeLimit>%d</snapshotSizeLimit><searchDefault>false</searchDefault><access>unrestricted</access></ScanType>\n",
			t.name, t.code, scanMaxRows, scanMaxRows)
	}
	b.WriteString("</ScanTypeList>\n")
	b.WriteString(`<FilterList varName="filterList">` + "\n")
	for _, f := range []struct{ id, name, code string }{
		{"PRICE", "Price", "abovePrice"}, {"PRICE", "Price", "belowPrice"}, {"VOLUME", "Volume", "aboveVolume"},
	} {
		fmt.Fprintf(&b, "<RangeFilter><id>%s</id><category>Price/Volume</category><histogram>false</histogram><access>unrestricted</access><AbstractField type=\"scanner.filter.DoubleField\"><code>%s</code><displayName>%s</displayName><type>DOUBLE</type></AbstractField></RangeFilter>\n",
			f.id, f.code, f.name)
	}
	b.WriteString("</FilterList>\n</ScanParameterResponse>\n")
	return b.String()
}

// scanSub is one active scanner subscription.
type scanSub struct {
	sub  wire.ScannerSub
	next time.Time // market time of the next refresh
}

// scanState is a connection's scanner subscriptions.
type scanState struct {
	mu   sync.Mutex
	subs map[int64]*scanSub
}

func newScanState() *scanState { return &scanState{subs: map[int64]*scanSub{}} }

// handleReqScannerParameters: reqScannerParameters (24); answers
// scannerParameters.
func handleReqScannerParameters(c *client, f *wire.Fields) error {
	if err := c.codec.ReqScannerParameters(f); err != nil {
		return err
	}
	c.send(c.codec.ScannerParameters(scannerParametersXML()))
	return nil
}

// handleReqScannerSubscription: reqScannerSubscription (22); answers
// scannerData at once and every scanRefresh of market time.
func handleReqScannerSubscription(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqScannerSubscription(f)
	if err != nil {
		return err
	}
	id := r.ReqID
	switch {
	case !strings.EqualFold(r.Instrument, scanInstrSTK):
		c.sendError(id, 162, fmt.Sprintf(hmdsText, fmt.Sprintf("Invalid instrument type: %s", r.Instrument)))
		return nil
	case !scanLocations[strings.ToUpper(r.LocationCode)]:
		c.sendError(id, 162, fmt.Sprintf(hmdsText, "Error: Market Scanner is not configured for one of the chosen locations."))
		return nil
	case !scanTypeKnown(strings.ToUpper(r.ScanCode)):
		c.sendError(id, 162, fmt.Sprintf(hmdsText, fmt.Sprintf("Invalid scan code: %s", r.ScanCode)))
		return nil
	}
	r.ScanCode = strings.ToUpper(r.ScanCode)
	if r.Rows == engine.UnsetInt || r.Rows <= 0 || r.Rows > scanMaxRows {
		r.Rows = scanMaxRows
	}
	st := c.scan
	st.mu.Lock()
	if _, dup := st.subs[id]; !dup && len(st.subs) >= scanMaxSubs {
		st.mu.Unlock()
		c.sendError(id, 162, fmt.Sprintf(hmdsText, fmt.Sprintf("Maximum number of scanner subscriptions (%d) reached.", scanMaxSubs)))
		return nil
	}
	now := c.srv.now()
	s := &scanSub{sub: r, next: now.Add(scanRefresh)}
	st.subs[id] = s
	st.mu.Unlock()
	c.sendScan(r, now)
	return nil
}

// handleCancelScannerSubscription: cancelScannerSubscription (23); nothing
// is sent.
func handleCancelScannerSubscription(c *client, f *wire.Fields) error {
	id, err := c.codec.CancelScannerSubscription(f)
	if err != nil {
		return err
	}
	st := c.scan
	st.mu.Lock()
	delete(st.subs, id)
	st.mu.Unlock()
	return nil
}

// scanTick refreshes the subscriptions that are due at now.
func (c *client) scanTick(now time.Time) {
	st := c.scan
	st.mu.Lock()
	var due []wire.ScannerSub
	for _, s := range st.subs {
		if !now.Before(s.next) {
			due = append(due, s.sub)
			s.next = now.Add(scanRefresh)
		}
	}
	st.mu.Unlock()
	slices.SortFunc(due, func(a, b wire.ScannerSub) int { return int(a.ReqID - b.ReqID) })
	for _, r := range due {
		c.sendScan(r, now)
	}
}

// sendScan sends the rows of one scan at now.
func (c *client) sendScan(r wire.ScannerSub, now time.Time) {
	rows := c.srv.scanRows(r, now)
	if len(rows) == 0 {
		c.sendError(r.ReqID, 165, scanNoItems)
	}
	c.send(c.codec.ScannerData(r.ReqID, rows))
}

// scanRows ranks the simulator's US stocks for a scan (ranks from 0).
func (s *Server) scanRows(r wire.ScannerSub, now time.Time) []wire.ScanRow {
	type cand struct {
		in          *market.Instrument
		chg, volume float64
	}
	var cs []cand
	for _, u := range s.ref.BySymbol {
		if u.SecType != scanInstrSTK {
			continue
		}
		in := s.ref.ByConID(u.ConID, now)
		if in == nil {
			continue
		}
		q := s.prices.Quote(in, now)
		px := q.Last
		if px <= 0 && q.Bid > 0 && q.Ask > 0 {
			px = (q.Bid + q.Ask) / 2
		}
		if px <= 0 || q.Close <= 0 {
			continue
		}
		if r.AbovePrice != engine.UnsetFloat && px <= r.AbovePrice {
			continue
		}
		if r.BelowPrice != engine.UnsetFloat && r.BelowPrice > 0 && px >= r.BelowPrice {
			continue
		}
		if r.AboveVolume != engine.UnsetInt && q.Volume <= float64(r.AboveVolume) {
			continue
		}
		cs = append(cs, cand{in: in, chg: (px - q.Close) / q.Close, volume: q.Volume})
	}
	var key func(cand) float64
	switch r.ScanCode {
	case "TOP_PERC_GAIN":
		cs = slices.DeleteFunc(cs, func(c cand) bool { return c.chg <= 0 })
		key = func(c cand) float64 { return c.chg }
	case "TOP_PERC_LOSE":
		cs = slices.DeleteFunc(cs, func(c cand) bool { return c.chg >= 0 })
		key = func(c cand) float64 { return -c.chg }
	case "MOST_ACTIVE":
		key = func(c cand) float64 { return c.volume }
	default: // HOT_BY_VOLUME: volume weighted by the size of the move
		key = func(c cand) float64 { return c.volume * (1 + 100*math.Abs(c.chg)) }
	}
	slices.SortFunc(cs, func(a, b cand) int {
		ka, kb := key(a), key(b)
		switch {
		case ka > kb:
			return -1
		case ka < kb:
			return 1
		}
		return strings.Compare(a.in.Symbol, b.in.Symbol)
	})
	if len(cs) > int(r.Rows) {
		cs = cs[:r.Rows]
	}
	rows := make([]wire.ScanRow, len(cs))
	for i, c := range cs {
		rows[i] = wire.ScanRow{Rank: int64(i), Inst: c.in}
	}
	return rows
}
