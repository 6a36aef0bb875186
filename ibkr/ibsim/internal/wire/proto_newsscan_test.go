package wire

import (
	"testing"

	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// decodeNewsScanOpt runs the decoders of the news (209), scanner and PnL
// (210) and option/FA (211) protobuf requests on one payload.
func decodeNewsScanOpt(c Codec, payload []byte) {
	id, f, err := c.Request(payload)
	if err != nil {
		return
	}
	switch id {
	case ibapi.REQ_NEWS_BULLETINS:
		_, _ = c.ReqNewsBulletins(f)
	case ibapi.CANCEL_NEWS_BULLETINS:
		_ = c.CancelNewsBulletins(f)
	case ibapi.REQ_NEWS_PROVIDERS:
		_ = c.ReqNewsProviders(f)
	case ibapi.REQ_NEWS_ARTICLE:
		_, _ = c.ReqNewsArticle(f)
	case ibapi.REQ_HISTORICAL_NEWS:
		_, _ = c.ReqHistoricalNews(f)
	case ibapi.REQ_SCANNER_PARAMETERS:
		_ = c.ReqScannerParameters(f)
	case ibapi.REQ_SCANNER_SUBSCRIPTION:
		_, _ = c.ReqScannerSubscription(f)
	case ibapi.CANCEL_SCANNER_SUBSCRIPTION:
		_, _ = c.CancelScannerSubscription(f)
	case ibapi.REQ_PNL:
		_, _ = c.ReqPnL(f)
	case ibapi.CANCEL_PNL:
		_, _ = c.CancelPnL(f)
	case ibapi.REQ_PNL_SINGLE:
		_, _, _ = c.ReqPnLSingle(f)
	case ibapi.CANCEL_PNL_SINGLE:
		_, _ = c.CancelPnLSingle(f)
	case ibapi.REQ_CALC_IMPLIED_VOLAT:
		_, _ = c.ReqCalcImpliedVolat(f)
	case ibapi.REQ_CALC_OPTION_PRICE:
		_, _ = c.ReqCalcOptionPrice(f)
	case ibapi.CANCEL_CALC_IMPLIED_VOLAT:
		_, _ = c.CancelCalcImpliedVolat(f)
	case ibapi.CANCEL_CALC_OPTION_PRICE:
		_, _ = c.CancelCalcOptionPrice(f)
	case ibapi.REQ_FA:
		_, _ = c.ReqFA(f)
	}
}

func newsScanOptSeeds() [][]byte {
	opt := &protobuf.Contract{Symbol: pStr("SPY"), SecType: pStr("OPT"), LastTradeDateOrContractMonth: pStr("20260320"),
		Strike: pF64(600), Right: pStr("C"), Exchange: pStr("SMART"), Currency: pStr("USD")}
	return [][]byte{
		protoRequest(ibapi.REQ_NEWS_BULLETINS, &protobuf.NewsBulletinsRequest{AllMessages: pBool(true)}),
		protoRequest(ibapi.CANCEL_NEWS_BULLETINS, &protobuf.CancelNewsBulletins{}),
		protoRequest(ibapi.REQ_NEWS_PROVIDERS, &protobuf.NewsProvidersRequest{}),
		protoRequest(ibapi.REQ_NEWS_ARTICLE, &protobuf.NewsArticleRequest{ReqId: pI32(4), ProviderCode: pStr("BRFG"), ArticleId: pStr("BRFG$0000b26d01c0ffee"),
			NewsArticleOptions: map[string]string{"a": "b"}}),
		protoRequest(ibapi.REQ_HISTORICAL_NEWS, &protobuf.HistoricalNewsRequest{ReqId: pI32(5), ConId: pI32(756733), ProviderCodes: pStr("BRFG+DJNL"),
			StartDateTime: pStr("2026-01-01 00:00:00.0"), EndDateTime: pStr(""), TotalResults: pI32(10)}),
		protoRequest(ibapi.REQ_SCANNER_PARAMETERS, &protobuf.ScannerParametersRequest{}),
		protoRequest(ibapi.REQ_SCANNER_SUBSCRIPTION, &protobuf.ScannerSubscriptionRequest{ReqId: pI32(6), ScannerSubscription: &protobuf.ScannerSubscription{
			NumberOfRows: pI32(10), Instrument: pStr("STK"), LocationCode: pStr("STK.US.MAJOR"), ScanCode: pStr("TOP_PERC_GAIN"),
			AbovePrice: pF64(5), AboveVolume: pI64(1000), ScannerSubscriptionFilterOptions: map[string]string{"priceAbove": "5"}}}),
		protoRequest(ibapi.CANCEL_SCANNER_SUBSCRIPTION, &protobuf.CancelScannerSubscription{ReqId: pI32(6)}),
		protoRequest(ibapi.REQ_PNL, &protobuf.PnLRequest{ReqId: pI32(7), Account: pStr("DU1234567")}),
		protoRequest(ibapi.CANCEL_PNL, &protobuf.CancelPnL{ReqId: pI32(7)}),
		protoRequest(ibapi.REQ_PNL_SINGLE, &protobuf.PnLSingleRequest{ReqId: pI32(8), Account: pStr("DU1234567"), ConId: pI32(756733)}),
		protoRequest(ibapi.CANCEL_PNL_SINGLE, &protobuf.CancelPnLSingle{ReqId: pI32(8)}),
		protoRequest(ibapi.REQ_CALC_IMPLIED_VOLAT, &protobuf.CalculateImpliedVolatilityRequest{ReqId: pI32(9), Contract: opt, OptionPrice: pF64(12.5), UnderPrice: pF64(600)}),
		protoRequest(ibapi.REQ_CALC_OPTION_PRICE, &protobuf.CalculateOptionPriceRequest{ReqId: pI32(10), Contract: opt, Volatility: pF64(0.2), UnderPrice: pF64(600)}),
		protoRequest(ibapi.CANCEL_CALC_IMPLIED_VOLAT, &protobuf.CancelCalculateImpliedVolatility{ReqId: pI32(9)}),
		protoRequest(ibapi.CANCEL_CALC_OPTION_PRICE, &protobuf.CancelCalculateOptionPrice{ReqId: pI32(10)}),
		protoRequest(ibapi.REQ_FA, &protobuf.FARequest{FaDataType: pI32(1)}),
	}
}

// FuzzProtoNewsScanOpt feeds arbitrary payloads to the news, scanner, PnL
// and option calculation protobuf decoders at version 212: none may panic.
func FuzzProtoNewsScanOpt(f *testing.F) {
	for _, s := range newsScanOptSeeds() {
		f.Add(s)
	}
	f.Add([]byte{0, 0, 1, 30, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeNewsScanOpt(Codec{Version: 212}, payload)
	})
}

// TestProtoNewsScanOptRequests reads the seeds back.
func TestProtoNewsScanOptRequests(t *testing.T) {
	c := Codec{Version: VerProtoRest1}
	s := newsScanOptSeeds()
	read := func(b []byte) *Fields {
		t.Helper()
		_, f, err := c.Request(b)
		if err != nil || !f.IsProto {
			t.Fatalf("Request: %v", err)
		}
		return f
	}
	if all, err := c.ReqNewsBulletins(read(s[0])); err != nil || !all {
		t.Errorf("ReqNewsBulletins = %v, %v", all, err)
	}
	if r, err := c.ReqNewsArticle(read(s[3])); err != nil || r.ReqID != 4 || r.Provider != "BRFG" || r.ArticleID != "BRFG$0000b26d01c0ffee" {
		t.Errorf("ReqNewsArticle = %+v, %v", r, err)
	}
	if r, err := c.ReqHistoricalNews(read(s[4])); err != nil || r.ReqID != 5 || r.ConID != 756733 || r.Providers != "BRFG+DJNL" || r.Total != 10 || r.Start == "" {
		t.Errorf("ReqHistoricalNews = %+v, %v", r, err)
	}
	if r, err := c.ReqScannerSubscription(read(s[6])); err != nil || r.ReqID != 6 || r.Rows != 10 || r.ScanCode != "TOP_PERC_GAIN" || r.AbovePrice != 5 || r.AboveVolume != 1000 || r.LocationCode != "STK.US.MAJOR" {
		t.Errorf("ReqScannerSubscription = %+v, %v", r, err)
	}
	if id, con, err := c.ReqPnLSingle(read(s[10])); err != nil || id != 8 || con != 756733 {
		t.Errorf("ReqPnLSingle = %d %d %v", id, con, err)
	}
	if r, err := c.ReqCalcOptionPrice(read(s[13])); err != nil || r.ReqID != 10 || r.Value != 0.2 || r.UnderPrice != 600 || r.Contract.Strike != 600 || r.Contract.Right != "C" {
		t.Errorf("ReqCalcOptionPrice = %+v, %v", r, err)
	}
	if r, err := c.ReqCalcImpliedVolat(read(s[12])); err != nil || r.ReqID != 9 || r.Value != 12.5 {
		t.Errorf("ReqCalcImpliedVolat = %+v, %v", r, err)
	}
	if ft, err := c.ReqFA(read(s[16])); err != nil || ft != 1 {
		t.Errorf("ReqFA = %d, %v", ft, err)
	}
	// Garbage is an error naming the message, never a panic.
	bad := append(s[6][:4:4], 0xff, 0xff)
	if _, err := c.ReqScannerSubscription(read(bad)); err == nil {
		t.Error("garbage ScannerSubscriptionRequest accepted")
	}
}

// TestNewsScanReplyLayouts checks the text layouts field by field (the
// code before the name in newsProviders, as the Gateway sends it) and that
// the gate versions send protobuf.
func TestNewsScanReplyLayouts(t *testing.T) {
	fields := func(b []byte) []string { return SplitFields(b[4:]) }
	got := fields(Codec{Version: 200}.NewsProviders([]NewsProvider{{"BRFG", "Briefing.com General Market Columns"}}))
	if want := []string{"85", "1", "BRFG", "Briefing.com General Market Columns"}; !equalStrings(got, want) {
		t.Errorf("newsProviders = %q, want %q", got, want)
	}
	got = fields(Codec{Version: 200}.HistoricalNewsEnd(3, true))
	if want := []string{"87", "3", "1"}; !equalStrings(got, want) {
		t.Errorf("historicalNewsEnd = %q, want %q", got, want)
	}
	got = fields(Codec{Version: 176}.ScannerParameters("<x/>"))
	if want := []string{"19", "1", "<x/>"}; !equalStrings(got, want) {
		t.Errorf("scannerParameters = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		id    int64
	}{
		{"newsProviders", Codec{Version: VerProtoNews}.NewsProviders(nil), ibapi.NEWS_PROVIDERS},
		{"newsArticle", Codec{Version: VerProtoNews}.NewsArticle(1, 0, "x"), ibapi.NEWS_ARTICLE},
		{"historicalNews", Codec{Version: VerProtoNews}.HistoricalNews(1, "", "", "", ""), ibapi.HISTORICAL_NEWS},
		{"scannerData", Codec{Version: VerProtoScan}.ScannerData(1, nil), ibapi.SCANNER_DATA},
		{"scannerParameters", Codec{Version: VerProtoScan}.ScannerParameters(""), ibapi.SCANNER_PARAMETERS},
	} {
		if id := uint32(tc.frame[4])<<24 | uint32(tc.frame[5])<<16 | uint32(tc.frame[6])<<8 | uint32(tc.frame[7]); int64(id) != tc.id+protobufIDOffset {
			t.Errorf("%s: id %d, want %d", tc.name, id, tc.id+protobufIDOffset)
		}
	}
	if b := (Codec{Version: VerProtoScan - 1}).ScannerData(1, nil); int64(b[7]) != ibapi.SCANNER_DATA {
		t.Errorf("scannerData at 209: id byte %d, want the text id %d", b[7], ibapi.SCANNER_DATA)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
