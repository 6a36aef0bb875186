package ibsim

import (
	"testing"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/scmhub/ibapi"
)

// rtBar is one realtimeBar callback.
type rtBar struct {
	time                   int64
	open, high, low, close float64
	volume, wap            float64
	count                  int64
}

func (r *recorder) RealtimeBar(reqID, tm int64, open, high, low, close float64, volume, wap ibapi.Decimal, count int64) {
	r.add(ev{Kind: "RealtimeBar", ReqID: reqID, Data: rtBar{tm, open, high, low, close, volume.Float(), wap.Float(), count}})
}

func TestRealTimeBars(t *testing.T) {
	clk := NewVirtualClock(ordAt)
	s := startSim(t, Config{Clock: clk, TickInterval: time.Hour})
	c, r := dial(t, s, 1)
	spy := ordInst(t, s, "SPY")
	c.ReqRealTimeBars(4, spyContract(), 5, "TRADES", false, nil)
	c.ReqRealTimeBars(5, spyContract(), 5, "MIDPOINT", false, nil)
	ordSync(t, c, r)
	bars := func(id int64) []rtBar {
		var out []rtBar
		for _, e := range ordEvents(r, "RealtimeBar", id) {
			out = append(out, e.Data.(rtBar))
		}
		return out
	}
	if n := len(bars(4)); n != 0 {
		t.Fatalf("%d bars before a bar ended", n)
	}

	// The first bar [10:00:00, 10:00:05) arrives when it ends.
	clk.Advance(5 * time.Second)
	s.Tick()
	b := ordWaitN(t, r, "bar 1", 1, func(e ev) bool { return e.Kind == "RealtimeBar" && e.ReqID == 4 }).Data.(rtBar)
	want := s.prices.HistInstrument(spy).Bars(market.HistSpec{Sec: 5, Kind: market.BarIntraday, DurN: 5, DurUnit: 'S', What: "TRADES"}, ordAt.Add(5*time.Second))
	if len(want) != 1 {
		t.Fatalf("%d historical 5-second bars, want 1", len(want))
	}
	w := want[0]
	if b.time != ordAt.Unix() || b.open != w.Open || b.high != w.High || b.low != w.Low || b.close != w.Close ||
		b.volume != w.Volume || b.count != w.Count || b.volume <= 0 || b.low > b.high {
		t.Errorf("bar 1 = %+v, want the path's 5-second TRADES bar %+v at %d", b, w, ordAt.Unix())
	}
	m := ordWaitN(t, r, "midpoint bar", 1, func(e ev) bool { return e.Kind == "RealtimeBar" && e.ReqID == 5 }).Data.(rtBar)
	if m.time != ordAt.Unix() || m.volume != -1 || m.count != -1 || !(m.low <= m.open && m.open <= m.high) {
		t.Errorf("midpoint bar = %+v", m)
	}

	// 12 seconds on: the bars ending at 10 and 15 seconds, in order.
	clk.Advance(12 * time.Second)
	s.Tick()
	ordWaitN(t, r, "bar 3", 3, func(e ev) bool { return e.Kind == "RealtimeBar" && e.ReqID == 4 })
	if got := bars(4); got[1].time != ordAt.Unix()+5 || got[2].time != ordAt.Unix()+10 {
		t.Errorf("bar times %d, %d, want %d, %d", got[1].time, got[2].time, ordAt.Unix()+5, ordAt.Unix()+10)
	}

	// A jump of an hour sends only the last bar.
	clk.Advance(time.Hour)
	s.Tick()
	ordWaitN(t, r, "bar 4", 4, func(e ev) bool { return e.Kind == "RealtimeBar" && e.ReqID == 4 })
	ordSync(t, c, r)
	got := bars(4)
	if last := rtAlign(clk.Now()).Add(-10 * time.Second).Unix(); len(got) != 4 || got[3].time != last {
		t.Errorf("after an hour: %d bars, the last at %d, want 4, the last at %d", len(got), got[len(got)-1].time, last)
	}

	// After cancelRealTimeBars nothing more.
	c.CancelRealTimeBars(4)
	ordSync(t, c, r)
	clk.Advance(10 * time.Second)
	s.Tick()
	ordWaitN(t, r, "midpoint bar after the cancel", 5, func(e ev) bool { return e.Kind == "RealtimeBar" && e.ReqID == 5 })
	if n := len(bars(4)); n != 4 {
		t.Errorf("%d bars after cancelRealTimeBars, want 4", n)
	}

	// Another bar size or kind: 321; an unknown contract: 200.
	c.ReqRealTimeBars(6, spyContract(), 10, "TRADES", false, nil)
	r.waitError(t, 6, 321)
	c.ReqRealTimeBars(7, spyContract(), 5, "BID_ASK", false, nil)
	r.waitError(t, 7, 321)
	c.ReqRealTimeBars(8, ordStock("NOPE"), 5, "TRADES", false, nil)
	r.waitError(t, 8, 200)
}
