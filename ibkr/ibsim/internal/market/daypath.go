package market

import (
	"container/list"
	"math"
	"sync"
	"time"

	"github.com/ibbot/ibbot/sched"
)

// dayPath is one underlying's second-by-second path on one trading day.
// Offsets are seconds since the day's 04:00.
type dayPath struct {
	ss   *symSeries
	day  int
	sess sched.Session

	kBridge, kSec, kSize uint64 // per-day keys of the per-second draws

	n, openOff, closeOff int
	mid                  []float32 // per second

	spreadRTH, spreadExt int64
	volPre, volPost      float64 // mean shares per second
	volRTH               float64 // scale of the RTH volume profile
	prof                 *profileTable
	crossOpen            int64 // opening cross volume
	crossClose           int64 // closing cross volume

	// Per minute: trade price range (ticks) and volume; prefixes give a
	// quote's day high, low and volume in O(1) plus the current minute.
	minHi, minLo []int32
	cumVol       []int64 // cumVol[m]: volume before minute m
	extHi, extLo []int32 // running range from 04:00 through minute m
	rthHi, rthLo []int32 // running range from 09:30 through minute m (index m - openMin)

	// The whole day as one bar: extended hours and regular session.
	sumExt, sumRTH agg
}

// rthProfile is the relative volume intensity at fraction x of the regular
// session: heavy after the open, heavier into the close.
func rthProfile(x float64) float64 {
	return 0.55 + 1.8*math.Exp(-x/0.04) + 2.6*math.Exp(-(1-x)/0.03)
}

// profileTable is the volume profile of a regular session of one length.
type profileTable struct {
	w   []float32
	sum float64
}

var profileTables sync.Map // session length in seconds -> *profileTable

// rthProfileTable returns the volume profile of a session of n seconds.
func rthProfileTable(n int) *profileTable {
	if t, ok := profileTables.Load(n); ok {
		return t.(*profileTable)
	}
	t := &profileTable{w: make([]float32, n)}
	span := float64(max(n-1, 1))
	for i := range n {
		w := rthProfile(float64(i) / span)
		t.w[i] = float32(w)
		t.sum += float64(t.w[i])
	}
	v, _ := profileTables.LoadOrStore(n, t)
	return v.(*profileTable)
}

// rthVolShape is the relative volatility at fraction x of the session.
func rthVolShape(x float64) float64 {
	y := 2*x - 1
	return (0.75 + 1.5*y*y) / 1.25
}

// bridgeScratch reuses the large temporary arrays of day generation.
var bridgeScratch = sync.Pool{New: func() any { return new([2][]float64) }}

func genDayPath(ss *symSeries, d int) *dayPath {
	tc := SimCalendar()
	sess := tc.Sess[d]
	dp := &dayPath{ss: ss, day: d, sess: sess}
	dp.kBridge = hash3(ss.key, uint64(d), tagBridge)
	dp.kSec = hash3(ss.key, uint64(d), tagSecond)
	dp.kSize = hash3(ss.key, uint64(d), tagSize)
	dp.n = int(sess.PostClose.Sub(sess.PreOpen) / time.Second)
	dp.openOff = int(sess.Open.Sub(sess.PreOpen) / time.Second)
	dp.closeOff = int(sess.Close.Sub(sess.PreOpen) / time.Second)
	n, o, c := dp.n, dp.openOff, dp.closeOff

	sc := bridgeScratch.Get().(*[2][]float64)
	defer bridgeScratch.Put(sc)
	if cap(sc[0]) < n {
		sc[0], sc[1] = make([]float64, n), make([]float64, n)
	}
	L, V := sc[0][:n], sc[1][:n]

	lc := ss.logC[d]
	lo := ss.logOpen(d)
	if ss.sp.index {
		pc := ss.logC[prevDay(d)]
		for i := 0; i < o; i++ {
			L[i] = pc
		}
		L[o], L[c-1] = lo, lc
		dp.bridge(L, V, o, c-1)
		for i := c; i < n; i++ {
			L[i] = lc
		}
	} else {
		L[0], L[o], L[c-1], L[n-1] = ss.logAfter(prevDay(d)), lo, lc, ss.logAfter(d)
		if d == 0 {
			L[0] = ss.logC[0]
		}
		dp.bridge(L, V, 0, o)
		dp.bridge(L, V, o, c-1)
		dp.bridge(L, V, c-1, n-1)
	}
	// exp of the log path: exact every 512 seconds, a third-order series
	// of the tiny per-second step in between.
	dp.mid = make([]float32, n)
	var px float64
	for i, x := range L {
		if d := x - L[max(i-1, 0)]; i%512 == 0 || math.Abs(d) > 0.01 {
			px = math.Exp(x)
		} else {
			px *= 1 + d*(1+d*(0.5+d/6))
		}
		dp.mid[i] = float32(px)
	}

	// Volume model.
	dp.spreadRTH = max(ss.sp.spread, 1)
	dp.spreadExt = 2*dp.spreadRTH + 1
	if vol := ss.dayVolume(d); vol > 0 {
		rth := 0.86 * vol
		dp.volPre = 0.04 * vol / float64(o)
		dp.volPost = 0.03 * vol / float64(n-c)
		dp.crossOpen = int64(0.015 * vol)
		dp.crossClose = int64(0.055 * vol)
		dp.prof = rthProfileTable(c - o)
		dp.volRTH = rth / dp.prof.sum
	}

	// Minute summaries.
	mins := n / 60
	dp.minHi, dp.minLo = make([]int32, mins), make([]int32, mins)
	dp.cumVol = make([]int64, mins+1)
	dp.extHi, dp.extLo = make([]int32, mins), make([]int32, mins)
	om := o / 60
	dp.rthHi, dp.rthLo = make([]int32, mins-om), make([]int32, mins-om)
	for m := range mins {
		hi, lo := int32(math.MinInt32), int32(math.MaxInt32)
		var v int64
		for i := m * 60; i < m*60+60; i++ {
			s := dp.second(i)
			hi = max(hi, int32(s.trd))
			lo = min(lo, int32(s.trd))
			v += s.vol
			dp.sumExt.add(s)
			if dp.inRTH(i) {
				dp.sumRTH.add(s)
			}
		}
		dp.minHi[m], dp.minLo[m] = hi, lo
		dp.cumVol[m+1] = dp.cumVol[m] + v
		if m == 0 {
			dp.extHi[m], dp.extLo[m] = hi, lo
		} else {
			dp.extHi[m], dp.extLo[m] = max(dp.extHi[m-1], hi), min(dp.extLo[m-1], lo)
		}
		if m >= om {
			k := m - om
			if k == 0 {
				dp.rthHi[k], dp.rthLo[k] = hi, lo
			} else {
				dp.rthHi[k], dp.rthLo[k] = max(dp.rthHi[k-1], hi), min(dp.rthLo[k-1], lo)
			}
		}
	}
	return dp
}

// bridge fills L(p, q) as a Brownian bridge from L[p] to L[q] with the
// per-second volatility of the day's segments; V is scratch.
func (dp *dayPath) bridge(L, V []float64, p, q int) {
	if q <= p {
		return
	}
	a, b := L[p], L[q]
	span := float64(dp.closeOff - 1 - dp.openOff)
	var w, v float64
	for i := p + 1; i <= q; i++ {
		var s float64
		switch {
		case dp.ss.sp.index && (i <= dp.openOff || i >= dp.closeOff):
			s = 0
		case i > dp.openOff && i < dp.closeOff:
			s = dp.ss.secS * math.Sqrt(rthVolShape(float64(i-dp.openOff)/span))
		default:
			s = 0.3 * dp.ss.secS
		}
		w += s * gauss(mixAt(dp.kBridge, i))
		v += s * s
		L[i], V[i] = w, v
	}
	wq, vq := L[q], V[q]
	for i := p + 1; i < q; i++ {
		frac := 0.0
		if vq > 0 {
			frac = V[i] / vq
		} else {
			frac = float64(i-p) / float64(q-p)
		}
		L[i] = a + L[i] - frac*(wq-(b-a))
	}
	L[q] = b
}

// sec is one second of a market: bid, ask and trade price in ticks, and
// the volume and trade count of the second.
type sec struct {
	bid, ask, trd int64
	vol, cnt      int64
	traded        bool
}

// inRTH reports whether offset i is in the regular session.
func (dp *dayPath) inRTH(i int) bool { return i >= dp.openOff && i < dp.closeOff }

// midAt is the path's mid price at offset i.
func (dp *dayPath) midAt(i int) float64 { return float64(dp.mid[i]) }

// second returns the market at offset i.
func (dp *dayPath) second(i int) sec {
	ss := dp.ss
	m := float64(dp.mid[i]) * ss.inv
	if ss.sp.index {
		t := int64(math.Round(m))
		return sec{bid: t, ask: t, trd: t, traded: true}
	}
	k := dp.spreadExt
	if dp.inRTH(i) {
		k = dp.spreadRTH
	}
	var s sec
	s.bid = int64(math.Floor(m - float64(k)/2 + 0.5))
	s.ask = s.bid + k
	h := mixAt(dp.kSec, i)
	switch u := u01(h); {
	case i == dp.openOff || i == dp.closeOff-1:
		s.trd = int64(math.Round(m)) // the opening and closing crosses print at the mid
	case u < 0.45:
		s.trd = s.bid
	case u < 0.9:
		s.trd = s.ask
	default:
		s.trd = (s.bid + s.ask) / 2
	}
	var mean float64
	switch {
	case i < dp.openOff:
		mean = dp.volPre
	case i >= dp.closeOff:
		mean = dp.volPost
	default:
		mean = dp.volRTH * float64(dp.prof.w[i-dp.openOff])
	}
	h2 := Mix64(h)
	s.vol = max(int64(mean*(0.4+1.2*u01(h2))+u01(Mix64(h2))), 1)
	switch i {
	case dp.openOff:
		s.vol += dp.crossOpen
	case dp.closeOff - 1:
		s.vol += dp.crossClose
	}
	s.cnt = 1 + s.vol/int64(max(ss.sp.tradeSize, 1))
	s.traded = true
	return s
}

// sizes returns the bid and ask sizes (shares) and the size of the last
// trade at offset i.
func (dp *dayPath) sizes(i int) (bid, ask, last float64) {
	if dp.ss.sp.index {
		return 0, 0, 0
	}
	h := mixAt(dp.kSize, i)
	q := dp.ss.sp.quoteSize
	if !dp.inRTH(i) {
		q /= 4
	}
	bid = math.Max(100, math.Round(q*(0.3+1.4*u01(h))/100)*100)
	ask = math.Max(100, math.Round(q*(0.3+1.4*u01(Mix64(h)))/100)*100)
	s := dp.second(i)
	last = math.Min(float64(s.vol), float64(100*(1+Mix64(h^1)%4)))
	return bid, ask, last
}

// volumeThrough is the day's volume up to and including offset i.
func (dp *dayPath) volumeThrough(i int) int64 {
	m := i / 60
	v := dp.cumVol[m]
	for j := m * 60; j <= i; j++ {
		v += dp.second(j).vol
	}
	return v
}

// rangeThrough is the trade price range (ticks) from offset from (0 or
// the open) through offset i.
func (dp *dayPath) rangeThrough(fromOpen bool, i int) (hi, lo int64) {
	m := i / 60
	start := m * 60
	hi, lo = math.MinInt64, math.MaxInt64
	switch {
	case fromOpen && m > dp.openOff/60:
		k := m - 1 - dp.openOff/60
		hi, lo = int64(dp.rthHi[k]), int64(dp.rthLo[k])
	case !fromOpen && m > 0:
		hi, lo = int64(dp.extHi[m-1]), int64(dp.extLo[m-1])
	}
	if fromOpen {
		start = max(start, dp.openOff)
	}
	for j := start; j <= i; j++ {
		t := dp.second(j).trd
		hi, lo = max(hi, t), min(lo, t)
	}
	return hi, lo
}

// rthVolFraction is the share of the regular session's volume traded
// through offset i (0 before the open, 1 from the closing cross on).
func (dp *dayPath) rthVolFraction(i int) float64 {
	switch {
	case i < dp.openOff:
		return 0
	case i >= dp.closeOff-1:
		return 1
	}
	start := dp.cumVol[dp.openOff/60] // the session opens on a minute
	total := dp.cumVol[dp.closeOff/60] - start
	if total <= 0 {
		return float64(i-dp.openOff) / float64(dp.closeOff-dp.openOff)
	}
	return float64(dp.volumeThrough(i)-start) / float64(total)
}

// offset returns the offset of instant t in the day, clamped to the day.
func (dp *dayPath) offset(t time.Time) int {
	i := int(t.Sub(dp.sess.PreOpen) / time.Second)
	return min(max(i, 0), dp.n-1)
}

// pathKey names one symbol's day.
type pathKey struct {
	sym string
	day int
}

// pathCache is a small LRU of day paths, safe for concurrent use. A path
// being generated is shared by every caller waiting for it.
type pathCache struct {
	mu  sync.Mutex
	cap int
	m   map[pathKey]*list.Element
	ll  list.List
}

type pathEntry struct {
	key  pathKey
	once sync.Once
	dp   *dayPath
}

func (pc *pathCache) get(ss *symSeries, d int) *dayPath {
	k := pathKey{ss.sym, d}
	pc.mu.Lock()
	if pc.m == nil {
		pc.m = make(map[pathKey]*list.Element)
	}
	el, ok := pc.m[k]
	if ok {
		pc.ll.MoveToFront(el)
	} else {
		el = pc.ll.PushFront(&pathEntry{key: k})
		pc.m[k] = el
		for pc.ll.Len() > pc.cap {
			last := pc.ll.Back()
			pc.ll.Remove(last)
			delete(pc.m, last.Value.(*pathEntry).key)
		}
	}
	e := el.Value.(*pathEntry)
	pc.mu.Unlock()
	e.once.Do(func() { e.dp = genDayPath(ss, d) })
	return e.dp
}
