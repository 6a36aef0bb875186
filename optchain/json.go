package optchain

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
)

// The JSON form of a Chain, as `ibbot chain --json` prints it and
// docs/optchain.md documents it. Every key is always present; prices and
// sizes are decimal strings; a value the Gateway did not send is null.

// ChainJSON is a Chain's JSON form.
type ChainJSON struct {
	Symbol     string          `json:"symbol"`
	AsOf       string          `json:"as_of"`
	Underlying UnderlyingJSON  `json:"underlying"`
	Exchange   string          `json:"exchange"`
	Class      string          `json:"trading_class"`
	Note       *string         `json:"note"`
	Expiries   []ExpiryJSON    `json:"expiries"`
	Errors     []ContractJSONE `json:"errors"`
}

// UnderlyingJSON is the underlying's part of ChainJSON.
type UnderlyingJSON struct {
	ConID       int64   `json:"con_id"`
	Price       *string `json:"price"`
	PriceSource *string `json:"price_source"`
	DataType    *string `json:"data_type"`
}

// ExpiryJSON is one expiry of ChainJSON.
type ExpiryJSON struct {
	Expiry       string       `json:"expiry"`
	DTE          int          `json:"dte"`
	TradingClass string       `json:"trading_class"`
	Multiplier   string       `json:"multiplier"`
	Strikes      []StrikeJSON `json:"strikes"`
}

// StrikeJSON is one strike of an ExpiryJSON; Call and Put are null when
// not asked for.
type StrikeJSON struct {
	Strike string      `json:"strike"`
	Call   *OptionJSON `json:"call"`
	Put    *OptionJSON `json:"put"`
}

// OptionJSON is one option of a StrikeJSON.
type OptionJSON struct {
	ConID        int64    `json:"con_id"`
	LocalSymbol  string   `json:"local_symbol"`
	Bid          *string  `json:"bid"`
	Ask          *string  `json:"ask"`
	Last         *string  `json:"last"`
	Volume       *string  `json:"volume"`
	OpenInterest *string  `json:"open_interest"`
	IV           *float64 `json:"iv"`
	Delta        *float64 `json:"delta"`
	Gamma        *float64 `json:"gamma"`
	Vega         *float64 `json:"vega"`
	Theta        *float64 `json:"theta"`
	GreeksSource string   `json:"greeks_source"`
	DataType     *string  `json:"data_type"`
	ReceivedAt   *string  `json:"received_at"`
	Error        *string  `json:"error"`
}

// ContractJSONE is one entry of ChainJSON's errors.
type ContractJSONE struct {
	Contract string `json:"contract"`
	Error    string `json:"error"`
}

// DataTypeName is a market data type as the JSON names it: live, frozen,
// delayed or delayed_frozen; "" for none.
func DataTypeName(t ibkr.MarketDataType) string {
	switch t {
	case ibkr.MarketDataLive:
		return "live"
	case ibkr.MarketDataFrozen:
		return "frozen"
	case ibkr.MarketDataDelayed:
		return "delayed"
	case ibkr.MarketDataDelayedFrozen:
		return "delayed_frozen"
	}
	return ""
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func decp(d decimal.Decimal, ok bool) *string {
	if !ok {
		return nil
	}
	s := d.String()
	return &s
}

func fp(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func timep(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// JSON returns the chain's JSON form.
func (ch *Chain) JSON() ChainJSON {
	out := ChainJSON{
		Symbol:   ch.Symbol,
		AsOf:     ch.AsOf.UTC().Format(time.RFC3339),
		Exchange: ch.Exchange,
		Class:    ch.TradingClass,
		Note:     strp(ch.Note),
		Underlying: UnderlyingJSON{
			ConID:       ch.Underlying.Contract.ConID,
			Price:       decp(ch.Underlying.Price, ch.Underlying.Price.Sign() > 0),
			PriceSource: strp(string(ch.Underlying.PriceSource)),
			DataType:    strp(DataTypeName(ch.Underlying.DataType)),
		},
		Expiries: []ExpiryJSON{},
		Errors:   []ContractJSONE{},
	}
	for _, e := range ch.Expiries {
		ej := ExpiryJSON{Expiry: e.Date.Format("2006-01-02"), DTE: e.DTE, TradingClass: e.TradingClass, Multiplier: e.Multiplier, Strikes: []StrikeJSON{}}
		for _, r := range e.Strikes {
			ej.Strikes = append(ej.Strikes, StrikeJSON{Strike: r.Strike.String(), Call: optionJSON(r.Call), Put: optionJSON(r.Put)})
		}
		out.Expiries = append(out.Expiries, ej)
	}
	for _, ce := range ch.Errors {
		out.Errors = append(out.Errors, ContractJSONE{Contract: label(ce.Contract), Error: ce.Err.Error()})
	}
	return out
}

// MarshalJSON encodes the chain in its documented JSON form.
func (ch *Chain) MarshalJSON() ([]byte, error) { return json.Marshal(ch.JSON()) }

func optionJSON(o *Option) *OptionJSON {
	if o == nil {
		return nil
	}
	q := o.Quote
	g := o.Greeks
	src := g.Source
	if src == "" {
		src = GreeksNone
	}
	j := &OptionJSON{
		ConID:        o.Contract.ConID,
		LocalSymbol:  o.Contract.LocalSymbol,
		Bid:          decp(q.Bid, q.Has(ibkr.QuoteBid)),
		Ask:          decp(q.Ask, q.Has(ibkr.QuoteAsk)),
		Last:         decp(q.Last, q.Has(ibkr.QuoteLast)),
		Volume:       decp(q.Volume, q.Has(ibkr.QuoteVolume)),
		OpenInterest: decp(q.OpenInterest, q.Has(ibkr.QuoteOpenInterest)),
		IV:           fp(g.IV, g.Has(ibkr.GreekImpliedVol)),
		Delta:        fp(g.Delta, g.Has(ibkr.GreekDelta)),
		Gamma:        fp(g.Gamma, g.Has(ibkr.GreekGamma)),
		Vega:         fp(g.Vega, g.Has(ibkr.GreekVega)),
		Theta:        fp(g.Theta, g.Has(ibkr.GreekTheta)),
		GreeksSource: string(src),
		DataType:     strp(DataTypeName(q.Type)),
		ReceivedAt:   timep(q.ReceivedAt),
	}
	if o.Err != nil {
		e := o.Err.Error()
		j.Error = &e
	}
	return j
}
