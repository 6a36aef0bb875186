package ibsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/market"
	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// News: a fixed set of providers, headlines generated from the market
// seed for the simulator's underlyings, and their articles. News
// bulletins are accepted and nothing is sent: the simulated exchanges
// publish no bulletins, and the Gateway sends nothing on a subscription
// until a bulletin exists.

// newsProviders are the providers the simulated account is entitled to,
// in the order reqNewsProviders lists them.
var newsProviders = []wire.NewsProvider{
	{Code: "BRFG", Name: "Briefing.com General Market Columns"},
	{Code: "BRFUPDN", Name: "Briefing.com Analyst Actions"},
	{Code: "DJNL", Name: "Dow Jones Newsletters"},
}

const (
	newsTimeLayout  = "2006-01-02 15:04:05.0" // historicalNews times, UTC
	newsMaxResults  = 300                     // IB's cap on totalResults
	newsMaxLookback = 400                     // days searched back from the end
	newsArticleErr  = 10172                   // the Gateway's "Failed to request news article"
)

// newsItem is one generated headline.
type newsItem struct {
	at       time.Time
	provider string
	conID    int64
	headline string
}

// articleID is the item's article id: the provider code, "$", then the
// conId and the minute, in hex, so that reqNewsArticle can rebuild it.
func (it newsItem) articleID() string {
	return fmt.Sprintf("%s$%08x%08x", it.provider, uint32(it.conID), uint32(it.at.Unix()/60))
}

func newsProviderKnown(code string) bool {
	for _, p := range newsProviders {
		if p.Code == code {
			return true
		}
	}
	return false
}

var newsTemplates = map[string][]string{
	"BRFG": {
		"%s: shares move with the broader market in early trading",
		"%s: sector rotation puts the stock in focus",
		"Market column: %s among the names to watch today",
		"%s: options activity picks up ahead of the session",
	},
	"BRFUPDN": {
		"%s upgraded to Buy at a major broker",
		"%s downgraded to Neutral on valuation",
		"%s price target raised after the latest quarter",
		"%s initiated with Outperform",
	},
	"DJNL": {
		"%s: what the latest filings show",
		"Newsletter: %s and the week ahead",
		"%s: insiders, buybacks and the dividend",
	},
}

// newsOfDay returns the items of one provider for one underlying on the
// New York calendar day of day (0 to 2 items, between 06:00 and 20:00).
func (s *Server) newsOfDay(provider string, conID int64, symbol string, day time.Time) []newsItem {
	y, m, d := day.In(market.NewYork).Date()
	base := time.Date(y, m, d, 6, 0, 0, 0, market.NewYork)
	k := market.Mix64(uint64(s.cfg.Seed)*0x9e3779b97f4a7c15 ^ uint64(conID)<<20 ^ uint64(y*10000+int(m)*100+d))
	for _, ch := range provider {
		k = market.Mix64(k ^ uint64(ch))
	}
	n := int(k % 3)
	tpl := newsTemplates[provider]
	var out []newsItem
	for i := range n {
		h := market.Mix64(k + uint64(i+1))
		at := base.Add(time.Duration(h%(14*60)) * time.Minute)
		out = append(out, newsItem{at: at, provider: provider, conID: conID, headline: fmt.Sprintf(tpl[(h>>20)%uint64(len(tpl))], symbol)})
	}
	// Newest first.
	if len(out) == 2 && out[0].at.Before(out[1].at) {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// parseNewsTime reads a reqHistoricalNews time: "yyyy-MM-dd HH:mm:ss.0"
// (the fraction optional) in UTC, or "yyyyMMdd HH:mm:ss" in New York time.
func parseNewsTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02 15:04:05.0", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, true
		}
	}
	for _, l := range []string{"20060102 15:04:05", "20060102-15:04:05", "20060102"} {
		if t, err := time.ParseInLocation(l, s, market.NewYork); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// handleReqNewsProviders: reqNewsProviders (85); answers newsProviders.
func handleReqNewsProviders(c *client, f *wire.Fields) error {
	if err := c.codec.ReqNewsProviders(f); err != nil {
		return err
	}
	c.send(c.codec.NewsProviders(newsProviders))
	return nil
}

// handleReqNewsBulletins: reqNewsBulletins (12); nothing is sent (no
// bulletins exist).
func handleReqNewsBulletins(c *client, f *wire.Fields) error {
	_, err := c.codec.ReqNewsBulletins(f)
	return err
}

// handleCancelNewsBulletins: cancelNewsBulletins (13); nothing is sent.
func handleCancelNewsBulletins(c *client, f *wire.Fields) error {
	return c.codec.CancelNewsBulletins(f)
}

// handleReqHistoricalNews: reqHistoricalNews (86); answers the headlines
// of the providers for the conId between the two times, newest first, at
// most totalResults (1 to 300), then historicalNewsEnd with hasMore.
func handleReqHistoricalNews(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqHistoricalNews(f)
	if err != nil {
		return err
	}
	var provs []string
	for _, p := range strings.Split(r.Providers, "+") {
		p = strings.ToUpper(strings.TrimSpace(p))
		if newsProviderKnown(p) {
			provs = append(provs, p)
		}
	}
	if len(provs) == 0 {
		c.sendError(r.ReqID, 10276, "News feed is not allowed.")
		return nil
	}
	if r.Total < 1 || r.Total > newsMaxResults {
		c.sendError(r.ReqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - The total number of results must be between 1 and %d.", "bN", newsMaxResults))
		return nil
	}
	now := c.srv.now()
	end := now
	if r.End != "" {
		t, ok := parseNewsTime(r.End)
		if !ok {
			c.sendError(r.ReqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Invalid end date time %q.", "bN", r.End))
			return nil
		}
		end = t
	}
	if end.After(now) {
		end = now
	}
	start := end.AddDate(0, 0, -newsMaxLookback)
	if r.Start != "" {
		t, ok := parseNewsTime(r.Start)
		if !ok {
			c.sendError(r.ReqID, 321, fmt.Sprintf("Error validating request.-'%s' : cause - Invalid start date time %q.", "bN", r.Start))
			return nil
		}
		if t.After(start) {
			start = t
		}
	}
	u := c.srv.ref.ByCon[r.ConID]
	var items []newsItem
	if u != nil && u.SecType == "STK" {
		items = c.srv.historicalNews(u.ConID, u.Symbol, provs, start, end, int(r.Total)+1)
	}
	hasMore := len(items) > int(r.Total)
	if hasMore {
		items = items[:r.Total]
	}
	for _, it := range items {
		c.send(c.codec.HistoricalNews(r.ReqID, it.at.UTC().Format(newsTimeLayout), it.provider, it.articleID(), it.headline))
	}
	c.send(c.codec.HistoricalNewsEnd(r.ReqID, hasMore))
	return nil
}

// historicalNews returns up to limit items in (start, end], newest first.
func (s *Server) historicalNews(conID int64, symbol string, provs []string, start, end time.Time, limit int) []newsItem {
	var out []newsItem
	ny := end.In(market.NewYork)
	day := time.Date(ny.Year(), ny.Month(), ny.Day(), 12, 0, 0, 0, market.NewYork)
	for n := 0; n <= newsMaxLookback && len(out) < limit; n++ {
		d := day.AddDate(0, 0, -n)
		if d.Add(12 * time.Hour).Before(start) {
			break
		}
		var dayItems []newsItem
		for _, p := range provs {
			dayItems = append(dayItems, s.newsOfDay(p, conID, symbol, d)...)
		}
		// Newest first across the providers (stable: provider order on a tie).
		for i := 1; i < len(dayItems); i++ {
			for j := i; j > 0 && dayItems[j].at.After(dayItems[j-1].at); j-- {
				dayItems[j], dayItems[j-1] = dayItems[j-1], dayItems[j]
			}
		}
		for _, it := range dayItems {
			if it.at.After(end) || !it.at.After(start) {
				continue
			}
			out = append(out, it)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// handleReqNewsArticle: reqNewsArticle (84); answers newsArticle (type 0,
// text) for an article id historicalNews gave, else error 10172.
func handleReqNewsArticle(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqNewsArticle(f)
	if err != nil {
		return err
	}
	if !newsProviderKnown(r.Provider) {
		c.sendError(r.ReqID, 10276, "News feed is not allowed.")
		return nil
	}
	it, ok := c.srv.newsArticle(r.Provider, r.ArticleID)
	if !ok || !it.at.Before(c.srv.now()) {
		c.sendError(r.ReqID, newsArticleErr, "Failed to request news article: No data available")
		return nil
	}
	in := c.srv.ref.ByConID(it.conID, c.srv.now())
	text := fmt.Sprintf("%s\n\n%s (%s), %s ET. %s. This article was generated by the simulator from its market seed; it reports no real event.",
		it.headline, in.Symbol, in.LongName, it.at.In(market.NewYork).Format("2006-01-02 15:04"), providerName(it.provider))
	c.send(c.codec.NewsArticle(r.ReqID, 0, text))
	return nil
}

func providerName(code string) string {
	for _, p := range newsProviders {
		if p.Code == code {
			return p.Name
		}
	}
	return code
}

// newsArticle rebuilds the item of an article id.
func (s *Server) newsArticle(provider, id string) (newsItem, bool) {
	p, hex, ok := strings.Cut(id, "$")
	if !ok || p != provider || len(hex) != 16 {
		return newsItem{}, false
	}
	con, err1 := strconv.ParseUint(hex[:8], 16, 32)
	minute, err2 := strconv.ParseUint(hex[8:], 16, 32)
	if err1 != nil || err2 != nil {
		return newsItem{}, false
	}
	u := s.ref.ByCon[int64(con)]
	if u == nil || u.SecType != "STK" {
		return newsItem{}, false
	}
	at := time.Unix(int64(minute)*60, 0)
	for _, it := range s.newsOfDay(provider, u.ConID, u.Symbol, at) {
		if it.at.Equal(at) {
			return it, true
		}
	}
	return newsItem{}, false
}
