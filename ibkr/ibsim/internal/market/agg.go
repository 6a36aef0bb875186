package market

import (
	"math"
	"time"
)

// agg accumulates seconds of a market into one bar of every kind.
type agg struct {
	n              int64 // seconds
	trades         int64 // seconds with a trade
	tO, tH, tL, tC int64 // trades, ticks
	bO, bH, bL, bC int64 // bid
	aO, aH, aL, aC int64 // ask
	mO, mH, mL, mC int64 // bid+ask (twice the mid)
	sumB, sumA     int64
	vol, cnt       int64
	pv             float64 // sum of trade ticks times volume
}

func (a *agg) add(s sec) {
	mid := s.bid + s.ask
	if a.n == 0 {
		a.bO, a.bH, a.bL = s.bid, s.bid, s.bid
		a.aO, a.aH, a.aL = s.ask, s.ask, s.ask
		a.mO, a.mH, a.mL = mid, mid, mid
	}
	a.n++
	a.bH, a.bL, a.bC = max(a.bH, s.bid), min(a.bL, s.bid), s.bid
	a.aH, a.aL, a.aC = max(a.aH, s.ask), min(a.aL, s.ask), s.ask
	a.mH, a.mL, a.mC = max(a.mH, mid), min(a.mL, mid), mid
	a.sumB += s.bid
	a.sumA += s.ask
	if s.traded {
		if a.trades == 0 {
			a.tO, a.tH, a.tL = s.trd, s.trd, s.trd
		}
		a.trades++
		a.tH, a.tL, a.tC = max(a.tH, s.trd), min(a.tL, s.trd), s.trd
		a.vol += s.vol
		a.cnt += s.cnt
		a.pv += float64(s.trd) * float64(s.vol)
	}
}

// merge appends b (later in time) to a.
func (a *agg) merge(b *agg) {
	if b.n == 0 {
		return
	}
	if a.n == 0 {
		*a = *b
		return
	}
	a.n += b.n
	a.bH, a.bL, a.bC = max(a.bH, b.bH), min(a.bL, b.bL), b.bC
	a.aH, a.aL, a.aC = max(a.aH, b.aH), min(a.aL, b.aL), b.aC
	a.mH, a.mL, a.mC = max(a.mH, b.mH), min(a.mL, b.mL), b.mC
	a.sumB += b.sumB
	a.sumA += b.sumA
	if b.trades > 0 {
		if a.trades == 0 {
			a.tO, a.tH, a.tL = b.tO, b.tH, b.tL
		}
		a.trades += b.trades
		a.tH, a.tL, a.tC = max(a.tH, b.tH), min(a.tL, b.tL), b.tC
		a.vol += b.vol
		a.cnt += b.cnt
		a.pv += b.pv
	}
}

// Bar is one bar as sent: prices, and volume, WAP and count (-1 when
// the kind of bar has none).
type Bar struct {
	Start                  time.Time // first second (intraday) or the day
	day                    int       // trading day (daily and longer bars: the last day)
	Open, High, Low, Close float64
	Volume, WAP            float64
	Count                  int64
}

// bar turns an aggregate into a bar of one kind; ok is false when it has
// no data of that kind (no trades).
func (a *agg) bar(what string, inv float64) (Bar, bool) {
	if a.n == 0 {
		return Bar{}, false
	}
	p := func(t int64) float64 { return float64(t) / inv }
	b := Bar{Volume: -1, WAP: -1, Count: -1}
	switch what {
	case "TRADES":
		if a.trades == 0 {
			return Bar{}, false
		}
		b.Open, b.High, b.Low, b.Close = p(a.tO), p(a.tH), p(a.tL), p(a.tC)
		b.Volume = float64(a.vol)
		b.Count = a.cnt
		if a.vol > 0 {
			b.WAP = math.Round(a.pv/float64(a.vol)/inv*1e4) / 1e4
		} else {
			b.WAP = b.Close
		}
	case "MIDPOINT":
		b.Open, b.High, b.Low, b.Close = p(a.mO)/2, p(a.mH)/2, p(a.mL)/2, p(a.mC)/2
	case "BID":
		b.Open, b.High, b.Low, b.Close = p(a.bO), p(a.bH), p(a.bL), p(a.bC)
	case "ASK":
		b.Open, b.High, b.Low, b.Close = p(a.aO), p(a.aH), p(a.aL), p(a.aC)
	case "BID_ASK":
		// IB: open the time-average bid, high the highest ask, low the
		// lowest bid, close the time-average ask.
		avg := func(sum int64) float64 { return math.Round(float64(sum)/float64(a.n)/inv*1e4) / 1e4 }
		b.Open, b.High, b.Low, b.Close = avg(a.sumB), p(a.aH), p(a.bL), avg(a.sumA)
	default:
		return Bar{}, false
	}
	return b, true
}

// secondSource is a market second by second on one trading day.
type secondSource interface {
	second(i int) sec
}

// span is part of one trading day: offsets [a, b) of its day path.
type span struct {
	day  int
	a, b int
}
