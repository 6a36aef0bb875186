package ibsim

import (
	"encoding/xml"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// Recorder callbacks of the news, scanner and option calculation tests.

type scanRow struct {
	rank       int64
	conID      int64
	symbol     string
	secType    string
	exchange   string
	marketName string
}

type histNews struct{ time, provider, articleID, headline string }

func (r *recorder) ScannerParameters(x string) { r.add(ev{Kind: "ScannerParameters", Msg: x}) }
func (r *recorder) ScannerData(reqID, rank int64, cd *ibapi.ContractDetails, distance, benchmark, projection, legs string) {
	r.add(ev{Kind: "ScannerData", ReqID: reqID, Data: scanRow{rank, cd.Contract.ConID, cd.Contract.Symbol, cd.Contract.SecType, cd.Contract.Exchange, cd.MarketName}})
}
func (r *recorder) ScannerDataEnd(reqID int64) { r.add(ev{Kind: "ScannerDataEnd", ReqID: reqID}) }
func (r *recorder) NewsProviders(ps []ibapi.NewsProvider) {
	r.add(ev{Kind: "NewsProviders", Data: ps})
}
func (r *recorder) NewsArticle(reqID, articleType int64, text string) {
	r.add(ev{Kind: "NewsArticle", ReqID: reqID, Code: articleType, Msg: text})
}
func (r *recorder) HistoricalNews(reqID int64, tm, provider, articleID, headline string) {
	r.add(ev{Kind: "HistoricalNews", ReqID: reqID, Data: histNews{tm, provider, articleID, headline}})
}
func (r *recorder) HistoricalNewsEnd(reqID int64, hasMore bool) {
	r.add(ev{Kind: "HistoricalNewsEnd", ReqID: reqID, Data: hasMore})
}

// The protobuf twins record that the message came as protobuf.
func (r *recorder) sawProto(name string, reqID int32) {
	r.add(ev{Kind: "Proto", ReqID: int64(reqID), Msg: name})
}
func (r *recorder) NewsProvidersProtoBuf(*protobuf.NewsProviders) { r.sawProto("NewsProviders", -1) }
func (r *recorder) NewsArticleProtoBuf(p *protobuf.NewsArticle) {
	r.sawProto("NewsArticle", p.GetReqId())
}
func (r *recorder) HistoricalNewsProtoBuf(p *protobuf.HistoricalNews) {
	r.sawProto("HistoricalNews", p.GetReqId())
}
func (r *recorder) HistoricalNewsEndProtoBuf(p *protobuf.HistoricalNewsEnd) {
	r.sawProto("HistoricalNewsEnd", p.GetReqId())
}
func (r *recorder) ScannerParametersProtoBuf(*protobuf.ScannerParameters) {
	r.sawProto("ScannerParameters", -1)
}
func (r *recorder) ScannerDataProtoBuf(p *protobuf.ScannerData) {
	r.sawProto("ScannerData", p.GetReqId())
}
func (r *recorder) PnLProtoBuf(p *protobuf.PnL) { r.sawProto("PnL", p.GetReqId()) }
func (r *recorder) PnLSingleProtoBuf(p *protobuf.PnLSingle) {
	r.sawProto("PnLSingle", p.GetReqId())
}

// roundTripFrom waits until everything sent before it has been answered
// and returns the events from index from.
func roundTripFrom(t *testing.T, c *ibapi.EClient, r *recorder, from int) []ev {
	t.Helper()
	roundTrip(t, c, r)
	return r.all()[from:]
}

func eventsOf(es []ev, kind string, reqID int64) []ev {
	var out []ev
	for _, e := range es {
		if e.Kind == kind && (reqID == anyReq || e.ReqID == reqID) {
			out = append(out, e)
		}
	}
	return out
}

func sawProto(es []ev, name string) bool {
	for _, e := range es {
		if e.Kind == "Proto" && e.Msg == name {
			return true
		}
	}
	return false
}

// myReqIDRows are the reqIDCalls rows of the news, scanner, PnL and
// option families.
var myReqIDRows = []string{
	"ReqNewsArticle", "ReqHistoricalNews", "ReqWshMetaData", "CancelWshMetaData", "ReqWshEventData", "CancelWshEventData",
	"ReqScannerSubscription", "CancelScannerSubscription", "ReqPnL", "CancelPnL", "ReqPnLSingle", "CancelPnLSingle",
	"CalculateImpliedVolatility", "CancelCalculateImpliedVolatility", "CalculateOptionPrice", "CancelCalculateOptionPrice",
	"ExerciseOptions", "ReplaceFA",
}

// TestNewsScanOptReqIDs answers every request of the news (209), scanner
// and PnL (210) and option/FA (211) families on its request id at their
// protobuf gates and at 212, and at 176 and 200 in text.
func TestNewsScanOptReqIDs(t *testing.T) {
	calls := reqIDCalls()
	for _, v := range []int{176, 200, 209, 210, 211, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(ordAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v, Limits: Limits{MaxMsgRate: 1000}})
			c, r := dial(t, s, 1)
			for i, name := range myReqIDRows {
				call, ok := calls[name]
				if !ok {
					t.Fatalf("no reqIDCalls row %s", name)
				}
				id := int64(2000 + i)
				from := len(r.all())
				call.call(c, id)
				if call.kind != "" {
					e, _ := r.wait(t, from, fmt.Sprintf("%s on %d", name, id), func(e ev) bool { return e.ReqID == id && e.Kind != "Proto" })
					if e.Kind != call.kind || (call.kind == "Error" && e.Code != call.code) {
						t.Errorf("%s: first answer on %d = %s %d %q, want %s %d", name, id, e.Kind, e.Code, e.Msg, call.kind, call.code)
					}
				}
				for _, e := range roundTripFrom(t, c, r, from) {
					if e.Kind == "Error" && (e.Code == 320 || e.ReqID == -1) {
						t.Errorf("%s: %v", name, e)
					}
					if call.kind == "" && e.ReqID == id {
						t.Errorf("%s: answered %v, want nothing", name, e)
					}
				}
			}
			// The id-less requests of the families.
			from := len(r.all())
			c.ReqNewsProviders()
			c.ReqScannerParameters()
			c.ReqNewsBulletins(true)
			c.CancelNewsBulletins()
			c.RequestFA(ibapi.GROUPS)
			es := roundTripFrom(t, c, r, from)
			if len(eventsOf(es, "NewsProviders", anyReq)) != 1 || len(eventsOf(es, "ScannerParameters", anyReq)) != 1 {
				t.Errorf("newsProviders / scannerParameters: %v", es)
			}
			for _, e := range eventsOf(es, "Error", anyReq) {
				if e.Code != 321 || e.ReqID != -1 || !strings.Contains(e.Msg, "FA data operations ignored for non FA customers.") {
					t.Errorf("id-less requests: %v, want only requestFA's 321 on -1", e)
				}
			}
			if n := len(eventsOf(es, "Error", anyReq)); n != 1 {
				t.Errorf("id-less requests: %d errors, want requestFA's", n)
			}
			if v >= 210 && !sawProto(r.all(), "PnL") {
				t.Errorf("v%d: pnl not sent as protobuf", v)
			}
			if v < 210 && sawProto(r.all(), "PnL") {
				t.Errorf("v%d: pnl sent as protobuf", v)
			}
		})
	}
}

// TestNewsConformance: providers, historical headlines, articles.
func TestNewsConformance(t *testing.T) {
	for _, v := range []int{176, 200, 209, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(ordAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)

			from := len(r.all())
			c.ReqNewsProviders()
			e, _ := r.wait(t, from, "newsProviders", func(e ev) bool { return e.Kind == "NewsProviders" })
			ps := e.Data.([]ibapi.NewsProvider)
			want := map[string]string{"BRFG": "Briefing.com General Market Columns", "BRFUPDN": "Briefing.com Analyst Actions", "DJNL": "Dow Jones Newsletters"}
			if len(ps) != len(want) {
				t.Fatalf("providers %v", ps)
			}
			for _, p := range ps {
				code, name := p.Code, p.Name
				if v < 209 {
					// scmhub's text decoder reads the name first; the
					// Gateway (and the simulator) send the code first.
					code, name = name, code
				}
				if want[code] != name {
					t.Errorf("provider %q %q", code, name)
				}
			}

			// Headlines: newest first, in the window, at most totalResults.
			from = len(r.all())
			c.ReqHistoricalNews(7, spyConID, "BRFG+DJNL", "2026-01-01 00:00:00.0", "", 5, nil)
			r.wait(t, from, "historicalNewsEnd", func(e ev) bool { return e.Kind == "HistoricalNewsEnd" && e.ReqID == 7 })
			es := roundTripFrom(t, c, r, from)
			items := eventsOf(es, "HistoricalNews", 7)
			end := eventsOf(es, "HistoricalNewsEnd", 7)
			if len(items) != 5 || len(end) != 1 || end[0].Data != true {
				t.Fatalf("historical news: %d items, end %v", len(items), end)
			}
			var prev time.Time
			for i, it := range items {
				h := it.Data.(histNews)
				at, err := time.ParseInLocation("2006-01-02 15:04:05.0", h.time, time.UTC)
				if err != nil || at.After(ordAt) || at.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("item %d time %q (%v)", i, h.time, err)
				}
				if i > 0 && at.After(prev) {
					t.Errorf("item %d at %v after item %d at %v", i, at, i-1, prev)
				}
				prev = at
				if (h.provider != "BRFG" && h.provider != "DJNL") || !strings.HasPrefix(h.articleID, h.provider+"$") || !strings.Contains(h.headline, "SPY") {
					t.Errorf("item %d %+v", i, h)
				}
			}
			if v >= 209 && !sawProto(es, "HistoricalNews") {
				t.Errorf("historicalNews not protobuf at %d", v)
			}

			// The same request gives the same headlines.
			from = len(r.all())
			c.ReqHistoricalNews(8, spyConID, "BRFG+DJNL", "2026-01-01 00:00:00.0", "", 5, nil)
			r.wait(t, from, "historicalNewsEnd", func(e ev) bool { return e.Kind == "HistoricalNewsEnd" && e.ReqID == 8 })
			again := eventsOf(r.all()[from:], "HistoricalNews", 8)
			for i := range again {
				if again[i].Data != items[i].Data {
					t.Errorf("item %d: %v then %v", i, items[i].Data, again[i].Data)
				}
			}

			// A short window: everything in it, hasMore false.
			from = len(r.all())
			c.ReqHistoricalNews(9, spyConID, "BRFUPDN", "2026-03-09 00:00:00.0", "2026-03-10 00:00:00.0", 300, nil)
			r.wait(t, from, "historicalNewsEnd", func(e ev) bool { return e.Kind == "HistoricalNewsEnd" && e.ReqID == 9 })
			if e := eventsOf(r.all()[from:], "HistoricalNewsEnd", 9); e[0].Data != false {
				t.Errorf("short window hasMore = %v", e[0].Data)
			}

			// The article of the first headline.
			first := items[0].Data.(histNews)
			from = len(r.all())
			c.ReqNewsArticle(10, first.provider, first.articleID, nil)
			e, _ = r.wait(t, from, "newsArticle", func(e ev) bool { return e.ReqID == 10 && e.Kind != "Proto" })
			if e.Kind != "NewsArticle" || e.Code != 0 || !strings.Contains(e.Msg, first.headline) {
				t.Errorf("article: %v", e)
			}
			// An unknown article, an unknown provider.
			from = len(r.all())
			c.ReqNewsArticle(11, "BRFG", "BRFG$00000000ffffffff", nil)
			c.ReqNewsArticle(12, "BZ", "BZ$1", nil)
			c.ReqHistoricalNews(13, spyConID, "BZ", "", "", 10, nil)
			es = roundTripFrom(t, c, r, from)
			for id, code := range map[int64]int64{11: 10172, 12: 10276, 13: 10276} {
				if e := eventsOf(es, "Error", id); len(e) != 1 || e[0].Code != code {
					t.Errorf("req %d: %v, want error %d", id, e, code)
				}
			}
			// Bulletins: nothing is sent.
			from = len(r.all())
			c.ReqNewsBulletins(true)
			if es := roundTripFrom(t, c, r, from); len(es) != 1 {
				t.Errorf("news bulletins answered: %v", es)
			}
		})
	}
}

// TestScannerConformance: parameters, a subscription's rows, its
// refreshes, the errors and the limit.
func TestScannerConformance(t *testing.T) {
	for _, v := range []int{176, 200, 210, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(ordAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)

			from := len(r.all())
			c.ReqScannerParameters()
			e, _ := r.wait(t, from, "scannerParameters", func(e ev) bool { return e.Kind == "ScannerParameters" })
			var doc struct {
				XMLName   xml.Name `xml:"ScanParameterResponse"`
				Instr     []string `xml:"InstrumentList>Instrument>type"`
				Locations []string `xml:"LocationTree>Location>LocationTree>Location>locationCode"`
				Scans     []string `xml:"ScanTypeList>ScanType>scanCode"`
			}
			if err := xml.Unmarshal([]byte(e.Msg), &doc); err != nil {
				t.Fatalf("parameters XML: %v", err)
			}
			if strings.Join(doc.Instr, ",") != "STK" || strings.Join(doc.Locations, ",") != "STK.US.MAJOR" ||
				strings.Join(doc.Scans, ",") != "TOP_PERC_GAIN,TOP_PERC_LOSE,MOST_ACTIVE,HOT_BY_VOLUME" {
				t.Errorf("parameters: %+v", doc)
			}

			sub := func(code string, rows int64) *ibapi.ScannerSubscription {
				ss := ibapi.NewScannerSubscription()
				ss.Instrument, ss.LocationCode, ss.ScanCode, ss.NumberOfRows = "STK", "STK.US.MAJOR", code, rows
				return ss
			}
			from = len(r.all())
			c.ReqScannerSubscription(20, sub("MOST_ACTIVE", 4), nil, nil)
			r.wait(t, from, "scannerDataEnd", func(e ev) bool { return e.Kind == "ScannerDataEnd" && e.ReqID == 20 })
			rows := eventsOf(r.all()[from:], "ScannerData", 20)
			if len(rows) != 4 {
				t.Fatalf("MOST_ACTIVE rows: %v", rows)
			}
			for i, e := range rows {
				row := e.Data.(scanRow)
				if row.rank != int64(i) || row.conID == 0 || row.secType != "STK" || row.exchange != "SMART" || row.marketName == "" {
					t.Errorf("row %d: %+v", i, row)
				}
			}
			if v >= 210 && !sawProto(r.all()[from:], "ScannerData") {
				t.Errorf("scannerData not protobuf at %d", v)
			}
			// Gainers and losers partition the moves; all 50 rows fit.
			from = len(r.all())
			c.ReqScannerSubscription(21, sub("TOP_PERC_GAIN", 50), nil, nil)
			c.ReqScannerSubscription(22, sub("TOP_PERC_LOSE", 50), nil, nil)
			c.ReqScannerSubscription(23, sub("HOT_BY_VOLUME", 50), nil, nil)
			es := roundTripFrom(t, c, r, from)
			gain, lose, hot := eventsOf(es, "ScannerData", 21), eventsOf(es, "ScannerData", 22), eventsOf(es, "ScannerData", 23)
			if len(gain)+len(lose) == 0 || len(gain)+len(lose) > len(hot) || len(hot) < 10 {
				t.Errorf("gainers %d, losers %d, hot %d", len(gain), len(lose), len(hot))
			}
			seen := map[string]bool{}
			for _, e := range append(gain, lose...) {
				sym := e.Data.(scanRow).symbol
				if seen[sym] {
					t.Errorf("%s both a gainer and a loser", sym)
				}
				seen[sym] = true
			}

			// A refresh after the interval; none after the cancel.
			from = len(r.all())
			clk.Advance(scanRefresh)
			s.Tick()
			r.wait(t, from, "refresh", func(e ev) bool { return e.Kind == "ScannerDataEnd" && e.ReqID == 20 })
			c.CancelScannerSubscription(20)
			roundTripFrom(t, c, r, from)
			from = len(r.all())
			clk.Advance(scanRefresh)
			s.Tick()
			for _, e := range roundTripFrom(t, c, r, from) {
				if e.ReqID == 20 {
					t.Errorf("after cancel: %v", e)
				}
			}

			// Errors on the id.
			from = len(r.all())
			c.ReqScannerSubscription(30, sub("NO_SUCH_SCAN", 10), nil, nil)
			bad := sub("MOST_ACTIVE", 10)
			bad.LocationCode = "STK.HK.SEHK"
			c.ReqScannerSubscription(31, bad, nil, nil)
			es = roundTripFrom(t, c, r, from)
			for _, id := range []int64{30, 31} {
				if e := eventsOf(es, "Error", id); len(e) != 1 || e[0].Code != 162 {
					t.Errorf("req %d: %v", id, e)
				}
			}
			// 10 active subscriptions at most (21, 22, 23 are active).
			from = len(r.all())
			for id := int64(40); id < 48; id++ {
				c.ReqScannerSubscription(id, sub("MOST_ACTIVE", 1), nil, nil)
			}
			es = roundTripFrom(t, c, r, from)
			for id := int64(40); id < 47; id++ {
				if len(eventsOf(es, "ScannerDataEnd", id)) != 1 {
					t.Errorf("req %d not answered", id)
				}
			}
			if e := eventsOf(es, "Error", 47); len(e) != 1 || e[0].Code != 162 || !strings.Contains(e[0].Msg, "10") {
				t.Errorf("11th subscription: %v", e)
			}
		})
	}
}

// TestOptionCalcConformance: calculateOptionPrice and
// calculateImpliedVolatility from the model, and their errors.
func TestOptionCalcConformance(t *testing.T) {
	for _, v := range []int{176, 200, 211, 212} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			clk := NewVirtualClock(ordAt)
			s := startSim(t, Config{Clock: clk, TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)
			opt := option("SPY", "20260320", 600, "C", "SMART")

			from := len(r.all())
			c.CalculateOptionPrice(50, opt, 0.2, 600, nil)
			e, _ := r.wait(t, from, "price", func(e ev) bool { return e.ReqID == 50 })
			if e.Kind != "TickOptionComputation" || e.Code != int64(ibapi.CUST_OPTION_COMPUTATION) {
				t.Fatalf("calculateOptionPrice: %v", e)
			}
			pc := e.Data.(optComp)
			if pc.Attrib != 0 || pc.IV != 0.2 || pc.Und != 600 || pc.Price < 5 || pc.Price > 20 || pc.Delta < 0.4 || pc.Delta > 0.65 || pc.Gamma <= 0 || pc.Vega <= 0 || pc.Theta >= 0 {
				t.Errorf("price computation %+v", pc)
			}
			from = len(r.all())
			c.CalculateImpliedVolatility(51, opt, pc.Price, 600, nil)
			e, _ = r.wait(t, from, "iv", func(e ev) bool { return e.ReqID == 51 })
			ic := e.Data.(optComp)
			if e.Kind != "TickOptionComputation" || e.Code != int64(ibapi.CUST_OPTION_COMPUTATION) || ic.Attrib != 1 || math.Abs(ic.IV-0.2) > 1e-4 || ic.Price != pc.Price || math.Abs(ic.Delta-pc.Delta) > 1e-3 {
				t.Errorf("implied volatility: %v", e)
			}
			put := option("SPY", "20260320", 600, "P", "SMART")
			from = len(r.all())
			c.CalculateOptionPrice(52, put, 0.2, 600, nil)
			e, _ = r.wait(t, from, "put", func(e ev) bool { return e.ReqID == 52 })
			if e.Kind != "TickOptionComputation" || e.Data.(optComp).Delta >= 0 {
				t.Errorf("put: %v", e)
			}

			// Errors on the id.
			stk := ibapi.NewContract()
			stk.Symbol, stk.SecType, stk.Exchange, stk.Currency = "SPY", "STK", "SMART", "USD"
			from = len(r.all())
			c.CalculateOptionPrice(60, option("SPY", "20260320", 601.5, "C", "SMART"), 0.2, 600, nil)
			c.CalculateOptionPrice(61, stk, 0.2, 600, nil)
			c.CalculateOptionPrice(62, opt, 0, 600, nil)
			c.CalculateOptionPrice(63, opt, 0.2, -1, nil)
			c.CalculateImpliedVolatility(64, opt, 0.0001, 600, nil)
			c.CalculateImpliedVolatility(65, opt, -3, 600, nil)
			c.CancelCalculateOptionPrice(50)
			c.CancelCalculateImpliedVolatility(51)
			es := roundTripFrom(t, c, r, from)
			for id, code := range map[int64]int64{60: 200, 61: 321, 62: 321, 63: 321, 64: 321, 65: 321} {
				if e := eventsOf(es, "Error", id); len(e) != 1 || e[0].Code != code {
					t.Errorf("req %d: %v, want %d", id, e, code)
				}
			}
			if n := len(eventsOf(es, "Error", anyReq)); n != 6 {
				t.Errorf("%d errors, want 6: %v", n, es)
			}
		})
	}
}

// TestNewsDeterministic: a seed gives the same headlines; another seed
// others.
func TestNewsDeterministic(t *testing.T) {
	end := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	start := end.AddDate(0, 0, -30)
	var srv *Server
	get := func(seed int64) []newsItem {
		srv = startSim(t, Config{Clock: NewVirtualClock(ordAt), Seed: seed})
		return srv.historicalNews(spyConID, "SPY", []string{"BRFG", "BRFUPDN", "DJNL"}, start, end, 300)
	}
	a, b := get(1), get(1)
	s1 := srv
	c := get(2)
	if len(a) < 30 || len(a) != len(b) {
		t.Fatalf("seed 1: %d then %d headlines over 30 days", len(a), len(b))
	}
	same := len(a) == len(c)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("headline %d: %+v then %+v", i, a[i], b[i])
		}
		if same && a[i] != c[i] {
			same = false
		}
		if it, ok := s1.newsArticle(a[i].provider, a[i].articleID()); !ok || it != a[i] {
			t.Errorf("article of %+v: %+v %v", a[i], it, ok)
		}
	}
	if same {
		t.Error("seeds 1 and 2 give the same headlines")
	}
}
