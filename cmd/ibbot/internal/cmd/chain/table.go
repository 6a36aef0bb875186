package chain

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/shopspring/decimal"

	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/optchain"
	"github.com/ibbot/ibbot/sched"
)

// writeTable prints the chain for a terminal: a header, then per expiry a
// table calls | strike | puts, the at-the-money strike marked with *.
func writeTable(w io.Writer, ch *optchain.Chain) error {
	loc := sched.NYSE().Location()
	u := ch.Underlying
	fmt.Fprintf(w, "%s  %s (%s, %s data)  as of %s\n", ch.Symbol, u.Price, u.PriceSource, dataType(u.DataType),
		ch.AsOf.In(loc).Format("2006-01-02 15:04:05 MST"))
	if ch.Note != "" {
		fmt.Fprintf(w, "note: %s\n", ch.Note)
	}
	for _, e := range ch.Expiries {
		fmt.Fprintf(w, "\n%s  %d DTE  class %s  x%s\n", e.Date.Format("2006-01-02 Mon"), e.DTE, e.TradingClass, e.Multiplier)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
		cols := "bid\task\tlast\tvol\toi\tiv\tdelta\t"
		fmt.Fprintf(tw, "%s|\tstrike\t|\t%s\n", cols, cols)
		atm := atmIndex(e.Strikes, u.Price)
		for i, r := range e.Strikes {
			mark := " "
			if i == atm {
				mark = "*"
			}
			fmt.Fprintf(tw, "%s|\t%s%s\t|\t%s\n", side(r.Call), r.Strike, mark, side(r.Put))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(ch.Errors) > 0 {
		fmt.Fprintf(w, "\n%d contracts without a quote:\n", len(ch.Errors))
		for _, e := range ch.Errors {
			fmt.Fprintf(w, "  %s: %v\n", e.Contract.LocalSymbol, e.Err)
		}
	}
	return nil
}

// side is one option's cells, or dashes when it was not asked for, or its
// error.
func side(o *optchain.Option) string {
	if o == nil {
		return strings.Repeat("-\t", 7)
	}
	if o.Err != nil {
		return "error\t\t\t\t\t\t\t"
	}
	q := o.Quote
	cell := func(v decimal.Decimal, f ibkr.QuoteField) string {
		if !q.Has(f) {
			return "-"
		}
		return v.String()
	}
	iv, delta := "-", "-"
	if o.Greeks.Has(ibkr.GreekImpliedVol) {
		iv = fmt.Sprintf("%.1f%%", o.Greeks.IV*100)
	}
	if o.Greeks.Has(ibkr.GreekDelta) {
		delta = fmt.Sprintf("%.2f", o.Greeks.Delta)
	}
	if o.Greeks.Source == optchain.GreeksComputed {
		iv += "c"
	}
	return strings.Join([]string{cell(q.Bid, ibkr.QuoteBid), cell(q.Ask, ibkr.QuoteAsk), cell(q.Last, ibkr.QuoteLast),
		cell(q.Volume, ibkr.QuoteVolume), cell(q.OpenInterest, ibkr.QuoteOpenInterest), iv, delta}, "\t") + "\t"
}

func atmIndex(rows []optchain.StrikeRow, price decimal.Decimal) int {
	best := -1
	for i, r := range rows {
		if best < 0 || r.Strike.Sub(price).Abs().LessThan(rows[best].Strike.Sub(price).Abs()) {
			best = i
		}
	}
	return best
}

func dataType(t ibkr.MarketDataType) string {
	if s := optchain.DataTypeName(t); s != "" {
		return s
	}
	return "unknown"
}
