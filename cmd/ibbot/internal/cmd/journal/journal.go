package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/datadir"
	"github.com/ibbot/ibbot/sched"
)

// JournalOptions are the parsed flags of "ibbot journal".
type JournalOptions struct {
	IO      *cmdutil.IOStreams
	Since   string
	Symbol  string
	Kinds   []string
	JSON    bool
	Summary bool
	DataDir string
	Sim     bool
	Limit   int

	since  time.Time
	Getenv func(string) string
	Now    func() time.Time
}

// NewCmdJournal returns the "journal" command. runF, when not nil,
// replaces the work done after parsing.
func NewCmdJournal(f *cmdutil.Factory, runF func(context.Context, *JournalOptions) error) *cobra.Command {
	o := &JournalOptions{IO: f.IO, Getenv: f.Env(), Now: f.Clock()}
	cmd := &cobra.Command{
		Use:   "journal",
		Short: "Show the bot's decisions: signals, skips, tickets, orders, fills, exits",
		Long: `Read the journal "ibbot run" writes in its data dir (read-only: it works while
the bot runs). A table on a terminal (time in New York, cycle, symbol, kind,
summary); with --json one JSON object per line:

  {"id":12,"at":"2026-03-12T14:03:01.5Z","run":"20260312T140000","cycle":1,
   "symbol":"SPY","kind":"dry_run","summary":"would place order: ...","data":{...}}

data is the decision's details (a ticket, a signal, a fill), "key" is set
for records journaled once (a fill's execution id). --summary totals per
New York day and symbol: signals, tickets (dry run and what-if), orders
placed, fills, and the realised P&L of the fills that closed a position
(first in, first out, less commissions where IB reported them).

Kinds: ` + strings.Join(bot.Kinds, ", ") + `.`,
		Example: `  ibbot journal --since 2h
  ibbot journal --sim --symbol SPY --kind signal,dry_run
  ibbot journal --since 2026-12-01 --json | jq .summary
  ibbot journal --summary`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.resolve(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runJournal(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Since, "since", "", "records from this long ago (e.g. 90m, 2h, 3d) or this New York date or time (2026-12-01, RFC 3339)")
	fl.StringVar(&o.Symbol, "symbol", "", "only this symbol")
	fl.StringSliceVar(&o.Kinds, "kind", nil, "only these kinds, comma-separated: "+strings.Join(bot.Kinds, ","))
	fl.BoolVar(&o.JSON, "json", false, "one JSON object per line")
	fl.BoolVar(&o.Summary, "summary", false, "totals per New York day and symbol")
	fl.StringVar(&o.DataDir, "data-dir", "", "the bot's data dir (default $IBBOT_DATA_DIR, else $XDG_STATE_HOME/ibbot or ~/.local/state/ibbot)")
	fl.BoolVar(&o.Sim, "sim", false, "the data dir's sim/ subfolder (ibbot run --sim)")
	fl.IntVar(&o.Limit, "limit", 0, "at most N records, the latest (0: all)")
	return cmd
}

func (o *JournalOptions) resolve() error {
	if o.Since != "" {
		t, err := ParseSince(o.Since, o.Now())
		if err != nil {
			return cmdutil.FlagErrorf("invalid --since %q: %v", o.Since, err)
		}
		o.since = t
	}
	o.Symbol = strings.ToUpper(strings.TrimSpace(o.Symbol))
	for i, k := range o.Kinds {
		k = strings.ToLower(strings.TrimSpace(k))
		if !slices.Contains(bot.Kinds, k) {
			return cmdutil.FlagErrorf("invalid --kind %q: want one or more of %s", k, strings.Join(bot.Kinds, ", "))
		}
		o.Kinds[i] = k
	}
	if o.Limit < 0 {
		return cmdutil.FlagErrorf("invalid --limit %d: want 0 (all) or more", o.Limit)
	}
	if o.Summary && o.Limit > 0 {
		return cmdutil.FlagErrorf("--summary totals every record: it takes no --limit")
	}
	return nil
}

// maxSinceDays bounds --since Nd (about a century; more would overflow a
// duration).
const maxSinceDays = 36500

// ParseSince reads --since: a duration back from now (90m, 2h, 3d), a New
// York date (2026-12-01: from its midnight) or an RFC 3339 time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	ny := sched.NYSE().Location()
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil && n >= 0 && fmt.Sprintf("%dd", n) == s {
			if n > maxSinceDays {
				return time.Time{}, fmt.Errorf("%d days: want at most %d", n, maxSinceDays)
			}
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("a negative duration")
		}
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, ny); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a duration (90m, 2h, 3d), a date (2026-12-01) or an RFC 3339 time")
}

// Line is one record of --json output (one per line).
type Line struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Run     string          `json:"run"`
	Cycle   int             `json:"cycle"`
	Symbol  string          `json:"symbol"`
	Kind    string          `json:"kind"`
	Summary string          `json:"summary"`
	Data    json.RawMessage `json:"data,omitempty"`
	Key     string          `json:"key,omitempty"`
}

func runJournal(ctx context.Context, o *JournalOptions) error {
	dir, err := datadir.Resolve(o.DataDir, o.Sim, o.Getenv)
	if err != nil {
		return err
	}
	j, err := bot.OpenJournalReadOnly(dir)
	if err != nil {
		return err
	}
	defer j.Close()
	recs, err := j.Records(ctx, bot.Query{Since: o.since, Symbol: o.Symbol, Kinds: o.Kinds})
	if err != nil {
		return err
	}
	if o.Limit > 0 && len(recs) > o.Limit {
		recs = recs[len(recs)-o.Limit:]
	}
	if o.Summary {
		return writeSummary(o.IO.Out, Summarize(recs), o.JSON)
	}
	if o.JSON {
		enc := json.NewEncoder(o.IO.Out)
		for _, r := range recs {
			if len(r.Data) == 0 || !json.Valid(r.Data) {
				r.Data = nil
			}
			if err := enc.Encode(Line{ID: r.ID, At: r.At.UTC(), Run: r.Run, Cycle: r.Cycle, Symbol: r.Symbol, Kind: r.Kind, Summary: r.Summary, Data: r.Data, Key: r.Key}); err != nil {
				return err
			}
		}
		return nil
	}
	return writeTable(o.IO.Out, recs)
}

func writeTable(w io.Writer, recs []bot.Record) error {
	ny := sched.NYSE().Location()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (NEW YORK)\tCYCLE\tSYMBOL\tKIND\tSUMMARY")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", r.At.In(ny).Format("2006-01-02 15:04:05"), r.Cycle, r.Symbol, r.Kind, oneLine(r.Summary))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(recs) == 0 {
		_, err := fmt.Fprintln(w, "(no records)")
		return err
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// DaySummary is one New York day and symbol of --summary.
type DaySummary struct {
	Date    string `json:"date"`
	Symbol  string `json:"symbol"`
	Signals int    `json:"signals"`
	Skips   int    `json:"skips"`
	Tickets int    `json:"tickets"`
	Orders  int    `json:"orders"`
	Fills   int    `json:"fills"`
	Exits   int    `json:"exits"`
	// RealizedPnL is the P&L of the fills that closed a position that day,
	// first in first out, less the commissions IB reported (USD).
	RealizedPnL decimal.Decimal `json:"realized_pnl"`
	// Open is true when the fills leave a position open at the day's end.
	Open bool `json:"open_position"`
}

type fillData struct {
	Side       string          `json:"side"`
	Shares     decimal.Decimal `json:"shares"`
	Price      decimal.Decimal `json:"price"`
	ConID      int64           `json:"con_id"`
	Multiplier string          `json:"multiplier"`
	SecType    string          `json:"sec_type"`
	Commission decimal.Decimal `json:"commission"`
}

type lot struct{ qty, px decimal.Decimal }

// Summarize totals records per New York day and symbol, in date then
// symbol order.
func Summarize(recs []bot.Record) []DaySummary {
	ny := sched.NYSE().Location()
	type k struct{ date, sym string }
	days := map[k]*DaySummary{}
	lots := map[int64][]lot{} // open long lots per contract, oldest first
	shorts := map[int64][]lot{}
	conSym := map[int64]string{}
	get := func(r bot.Record) *DaySummary {
		key := k{r.At.In(ny).Format("2006-01-02"), r.Symbol}
		d := days[key]
		if d == nil {
			d = &DaySummary{Date: key.date, Symbol: key.sym}
			days[key] = d
		}
		return d
	}
	for _, r := range recs {
		d := get(r)
		switch r.Kind {
		case bot.KindSignal:
			d.Signals++
		case bot.KindSkip:
			d.Skips++
		case bot.KindDryRun, bot.KindWhatIf:
			d.Tickets++
		case bot.KindOrder:
			if strings.HasPrefix(r.Summary, "placed:") {
				d.Orders++
			}
		case bot.KindExit:
			d.Exits++
		case bot.KindFill:
			d.Fills++
			var f fillData
			if json.Unmarshal(r.Data, &f) != nil || f.ConID == 0 || f.Shares.Sign() <= 0 {
				continue
			}
			conSym[f.ConID] = r.Symbol
			mult := decimal.NewFromInt(1)
			if m, err := decimal.NewFromString(f.Multiplier); err == nil && m.Sign() > 0 {
				mult = m
			} else if f.SecType == "OPT" {
				mult = decimal.NewFromInt(100)
			}
			pnl := decimal.Zero
			buy := f.Side == "BOT"
			open, against := &lots, &shorts
			if !buy {
				open, against = &shorts, &lots
			}
			qty := f.Shares
			// Close against the other side's lots first, oldest first.
			for qty.Sign() > 0 && len((*against)[f.ConID]) > 0 {
				l := &(*against)[f.ConID][0]
				n := decimal.Min(qty, l.qty)
				diff := f.Price.Sub(l.px) // a sell closing a long
				if buy {
					diff = l.px.Sub(f.Price) // a buy closing a short
				}
				pnl = pnl.Add(diff.Mul(n).Mul(mult))
				l.qty = l.qty.Sub(n)
				qty = qty.Sub(n)
				if l.qty.Sign() == 0 {
					(*against)[f.ConID] = (*against)[f.ConID][1:]
				}
			}
			if qty.Sign() > 0 {
				(*open)[f.ConID] = append((*open)[f.ConID], lot{qty, f.Price})
			}
			if f.Commission.Sign() > 0 && f.Commission.LessThan(decimal.NewFromInt(1_000_000)) {
				pnl = pnl.Sub(f.Commission)
			}
			d.RealizedPnL = d.RealizedPnL.Add(pnl)
			d.Open = len(lots[f.ConID]) > 0 || len(shorts[f.ConID]) > 0
		}
	}
	out := make([]DaySummary, 0, len(days))
	for _, d := range days {
		d.RealizedPnL = d.RealizedPnL.Round(2)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].Symbol < out[j].Symbol
	})
	return out
}

func writeSummary(w io.Writer, days []DaySummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, d := range days {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DATE\tSYMBOL\tSIGNALS\tSKIPS\tTICKETS\tORDERS\tFILLS\tEXITS\tREALIZED P&L\t")
	for _, d := range days {
		open := ""
		if d.Open {
			open = " (open)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s%s\t\n", d.Date, d.Symbol, d.Signals, d.Skips, d.Tickets, d.Orders, d.Fills, d.Exits, d.RealizedPnL.StringFixed(2), open)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(days) == 0 {
		_, err := fmt.Fprintln(w, "(no records)")
		return err
	}
	return nil
}
