package wire

import (
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// The news family: news bulletins, news providers, historical news and
// news articles, and the Wall Street Horizon requests. From version 209
// (MIN_SERVER_VER_PROTOBUF_NEWS_DATA) the client sends these requests as
// protobuf and the Gateway answers them in protobuf.

// Protobuf gates of the families above 208.
const (
	VerProtoNews  = 209 // news bulletins, providers, articles, historical news, WSH
	VerProtoScan  = 210 // scanner parameters and subscriptions, PnL, PnL single
	VerProtoRest1 = 211 // FA, exerciseOptions, option calculations
)

// minVerNewsQueryOrigins is the version from which reqNewsArticle and
// reqHistoricalNews end with their options (MIN_SERVER_VER_NEWS_QUERY_ORIGINS).
const minVerNewsQueryOrigins = 119

// ReqNewsBulletins reads reqNewsBulletins (12): [1]version [2]allMsgs;
// protobuf NewsBulletinsRequest from 209.
func (c Codec) ReqNewsBulletins(f *Fields) (allMsgs bool, err error) {
	if f.IsProto {
		var r protobuf.NewsBulletinsRequest
		err := f.unmarshal("NewsBulletinsRequest", &r)
		return r.GetAllMessages(), err
	}
	f.Int("version")
	allMsgs = f.Bool("allMsgs")
	return allMsgs, f.Err
}

// CancelNewsBulletins reads cancelNewsBulletins (13): [1]version;
// protobuf CancelNewsBulletins from 209.
func (c Codec) CancelNewsBulletins(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("CancelNewsBulletins", &protobuf.CancelNewsBulletins{})
	}
	f.Int("version")
	return f.Err
}

// ReqNewsProviders reads reqNewsProviders (85): no fields; protobuf
// NewsProvidersRequest from 209.
func (c Codec) ReqNewsProviders(f *Fields) error {
	if f.IsProto {
		return f.unmarshal("NewsProvidersRequest", &protobuf.NewsProvidersRequest{})
	}
	return f.Err
}

// NewsArticleReq is a reqNewsArticle.
type NewsArticleReq struct {
	ReqID     int64
	Provider  string
	ArticleID string
}

// ReqNewsArticle reads reqNewsArticle (84): [1]reqId [2]providerCode
// [3]articleId [4]newsArticleOptions (version 119 and later); protobuf
// NewsArticleRequest from 209.
func (c Codec) ReqNewsArticle(f *Fields) (NewsArticleReq, error) {
	if f.IsProto {
		var r protobuf.NewsArticleRequest
		err := f.unmarshal("NewsArticleRequest", &r)
		f.ReqID = int64(r.GetReqId())
		return NewsArticleReq{ReqID: int64(r.GetReqId()), Provider: r.GetProviderCode(), ArticleID: r.GetArticleId()}, err
	}
	var r NewsArticleReq
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.Provider = f.Str("providerCode")
	r.ArticleID = f.Str("articleId")
	if c.Version >= minVerNewsQueryOrigins {
		f.OptStr()
	}
	return r, f.Err
}

// HistoricalNewsReq is a reqHistoricalNews.
type HistoricalNewsReq struct {
	ReqID      int64
	ConID      int64
	Providers  string // codes joined by "+"
	Start, End string // "yyyy-MM-dd HH:mm:ss.0" or ""
	Total      int64
}

// ReqHistoricalNews reads reqHistoricalNews (86): [1]reqId [2]conId
// [3]providerCodes [4]startDateTime [5]endDateTime [6]totalResults
// [7]historicalNewsOptions (version 119 and later); protobuf
// HistoricalNewsRequest from 209.
func (c Codec) ReqHistoricalNews(f *Fields) (HistoricalNewsReq, error) {
	if f.IsProto {
		var r protobuf.HistoricalNewsRequest
		err := f.unmarshal("HistoricalNewsRequest", &r)
		f.ReqID = int64(r.GetReqId())
		return HistoricalNewsReq{
			ReqID: int64(r.GetReqId()), ConID: int64(r.GetConId()), Providers: r.GetProviderCodes(),
			Start: r.GetStartDateTime(), End: r.GetEndDateTime(), Total: int64(r.GetTotalResults()),
		}, err
	}
	var r HistoricalNewsReq
	r.ReqID = f.Int("reqId")
	f.ReqID = r.ReqID
	r.ConID = f.Int("conId")
	r.Providers = f.Str("providerCodes")
	r.Start = f.Str("startDateTime")
	r.End = f.Str("endDateTime")
	r.Total = f.Int("totalResults")
	if c.Version >= minVerNewsQueryOrigins {
		f.OptStr()
	}
	return r, f.Err
}

// NewsProvider is one entry of newsProviders.
type NewsProvider struct{ Code, Name string }

// NewsProviders builds newsProviders (85): the count, then each
// provider's code and name (protobuf NewsProviders from 209).
func (c Codec) NewsProviders(list []NewsProvider) []byte {
	if c.Version >= VerProtoNews {
		p := &protobuf.NewsProviders{}
		for _, np := range list {
			p.NewsProviders = append(p.NewsProviders, &protobuf.NewsProvider{ProviderCode: pStr(np.Code), ProviderName: pStr(np.Name)})
		}
		return protoFrame(ibapi.NEWS_PROVIDERS, p)
	}
	m := NewMsg(ibapi.NEWS_PROVIDERS).Int(int64(len(list)))
	for _, np := range list {
		m.Str(np.Code).Str(np.Name)
	}
	return finish(c.Version, m)
}

// NewsArticle builds newsArticle (83): reqId, articleType (0 text or
// HTML, 1 binary as base64), articleText (protobuf NewsArticle from 209).
func (c Codec) NewsArticle(reqID, articleType int64, text string) []byte {
	if c.Version >= VerProtoNews {
		return protoFrame(ibapi.NEWS_ARTICLE, &protobuf.NewsArticle{ReqId: pI32(reqID), ArticleType: pI32(articleType), ArticleText: pStr(text)})
	}
	return finish(c.Version, NewMsg(ibapi.NEWS_ARTICLE).Int(reqID).Int(articleType).Str(text))
}

// HistoricalNews builds historicalNews (86): reqId, time, providerCode,
// articleId, headline (protobuf HistoricalNews from 209).
func (c Codec) HistoricalNews(reqID int64, time, provider, articleID, headline string) []byte {
	if c.Version >= VerProtoNews {
		return protoFrame(ibapi.HISTORICAL_NEWS, &protobuf.HistoricalNews{
			ReqId: pI32(reqID), Time: pStr(time), ProviderCode: pStr(provider), ArticleId: pStr(articleID), Headline: pStr(headline),
		})
	}
	return finish(c.Version, NewMsg(ibapi.HISTORICAL_NEWS).Int(reqID).Str(time).Str(provider).Str(articleID).Str(headline))
}

// HistoricalNewsEnd builds historicalNewsEnd (87): reqId, hasMore
// (protobuf HistoricalNewsEnd from 209).
func (c Codec) HistoricalNewsEnd(reqID int64, hasMore bool) []byte {
	if c.Version >= VerProtoNews {
		return protoFrame(ibapi.HISTORICAL_NEWS_END, &protobuf.HistoricalNewsEnd{ReqId: pI32(reqID), HasMore: pBool(hasMore)})
	}
	return finish(c.Version, NewMsg(ibapi.HISTORICAL_NEWS_END).Int(reqID).bool(hasMore))
}
