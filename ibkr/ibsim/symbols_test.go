package ibsim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
)

func (r *recorder) SymbolSamples(reqID int64, cds []ibapi.ContractDescription) {
	r.add(ev{Kind: "SymbolSamples", ReqID: reqID, Data: cds})
}

func (r *recorder) SmartComponents(reqID int64, cs []ibapi.SmartComponent) {
	r.add(ev{Kind: "SmartComponents", ReqID: reqID, Data: cs})
}

// TestMatchingSymbols checks symbolSamples by content at a version
// before and after the description field (176).
func TestMatchingSymbols(t *testing.T) {
	for _, v := range []int{170, 176, 204} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour, MaxServerVersion: v})
			c, r := dial(t, s, 1)
			c.ReqMatchingSymbols(3, "spy")
			got := r.waitKind(t, "SymbolSamples", 3).Data.([]ibapi.ContractDescription)
			if len(got) != 1 {
				t.Fatalf("SPY: %d samples, want 1", len(got))
			}
			ct := got[0].Contract
			if ct.ConID != spyConID || ct.Symbol != "SPY" || ct.SecType != "STK" || ct.PrimaryExchange != "ARCA" || ct.Currency != "USD" ||
				strings.Join(got[0].DerivativeSecTypes, ",") != "OPT" {
				t.Errorf("SPY sample = %+v %v", ct, got[0].DerivativeSecTypes)
			}
			if wantDesc := map[bool]string{true: "SPDR S&P 500 ETF TRUST", false: ""}[v >= 176]; ct.Description != wantDesc {
				t.Errorf("description %q, want %q", ct.Description, wantDesc)
			}

			// A prefix: symbols starting with it; a name match after them.
			c.ReqMatchingSymbols(4, "A")
			var syms []string
			for _, cd := range r.waitKind(t, "SymbolSamples", 4).Data.([]ibapi.ContractDescription) {
				syms = append(syms, cd.Contract.Symbol)
			}
			if len(syms) < 2 || syms[0] != "AAPL" || syms[1] != "AMD" {
				t.Errorf("pattern A: %v, want AAPL and AMD first", syms)
			}
			c.ReqMatchingSymbols(5, "micro")
			var names []string
			for _, cd := range r.waitKind(t, "SymbolSamples", 5).Data.([]ibapi.ContractDescription) {
				names = append(names, cd.Contract.Symbol)
			}
			if strings.Join(names, ",") != "MSFT,AMD" {
				t.Errorf("pattern micro: %v, want MSFT,AMD", names)
			}
			// VIX has no options here.
			c.ReqMatchingSymbols(6, "VIX")
			if v := r.waitKind(t, "SymbolSamples", 6).Data.([]ibapi.ContractDescription); len(v) != 1 || v[0].Contract.SecType != "IND" || len(v[0].DerivativeSecTypes) != 0 {
				t.Errorf("VIX = %+v", v)
			}
			c.ReqMatchingSymbols(7, "ZZZZ")
			if v := r.waitKind(t, "SymbolSamples", 7).Data.([]ibapi.ContractDescription); len(v) != 0 {
				t.Errorf("ZZZZ = %+v", v)
			}
		})
	}
}

// TestSmartComponents: the SMART book's exchanges for the code
// tickReqParams sends, 321 on the id for another code.
func TestSmartComponents(t *testing.T) {
	s := startSim(t, Config{Clock: NewVirtualClock(ordAt), TickInterval: time.Hour})
	c, r := dial(t, s, 1)
	c.ReqMktData(1, spyContract(), "", false, false, nil)
	bbo := r.waitKind(t, "TickReqParams", 1).Data.(reqParams).BBO
	c.ReqSmartComponents(2, bbo)
	cs := r.waitKind(t, "SmartComponents", 2).Data.([]ibapi.SmartComponent)
	byExch := map[string]ibapi.SmartComponent{}
	for _, x := range cs {
		byExch[x.Exchange] = x
	}
	if len(cs) != 16 || byExch["NYSE"].ExchangeLetter != "N" || byExch["ARCA"].ExchangeLetter != "P" || byExch["IEX"].BitNumber != 8 {
		t.Errorf("smart components of %q = %+v", bbo, cs)
	}
	c.ReqSmartComponents(3, "nope")
	r.waitError(t, 3, 321)
}
