package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite" // the journal's database: pure Go SQLite
)

// Kinds of journal entries.
const (
	KindSignal = "signal"
	KindSkip   = "skip"
	KindDryRun = "dry_run"
	KindWhatIf = "what_if"
	KindOrder  = "order"
	KindFill   = "fill"
	KindExit   = "exit"
	KindGuard  = "guard"
	KindError  = "error"
)

// Entry kinds every journal reader knows.
var Kinds = []string{KindSignal, KindSkip, KindDryRun, KindWhatIf, KindOrder, KindFill, KindExit, KindGuard, KindError}

// JournalFile is the store's file name in the data dir.
const JournalFile = "journal.db"

// Record is one journaled decision.
type Record struct {
	ID      int64
	At      time.Time
	Run     string
	Cycle   int
	Symbol  string
	Kind    string
	Summary string
	// Data is the decision's details as JSON (a ticket, a signal, ...).
	Data json.RawMessage
	// Key, when set, makes the record unique (a fill's execution id):
	// journaling it again does nothing.
	Key string
}

// Journal is the bot's durable record of its decisions, an SQLite
// database under the data dir. Each record is committed before Append
// returns (WAL, synchronous FULL), so a crash loses nothing journaled.
type Journal struct {
	db       *sql.DB
	path     string
	readOnly bool
}

// OpenJournal opens (creating if needed) the journal in dir.
func OpenJournal(dir string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, JournalFile)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(on)")
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	j := &Journal{db: db, path: path}
	if err := j.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return j, nil
}

// OpenJournalReadOnly opens an existing journal for reading, while a bot
// may be writing it.
func OpenJournalReadOnly(dir string) (*Journal, error) {
	path := filepath.Join(dir, JournalFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("journal: %s: %w (has `ibbot run` run with this --data-dir?)", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	return &Journal{db: db, path: path, readOnly: true}, nil
}

const schema = `
CREATE TABLE IF NOT EXISTS records (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      TEXT NOT NULL,
	run     TEXT NOT NULL,
	cycle   INTEGER NOT NULL,
	symbol  TEXT NOT NULL,
	kind    TEXT NOT NULL,
	summary TEXT NOT NULL,
	data    TEXT NOT NULL,
	key     TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS records_at ON records(at);
CREATE INDEX IF NOT EXISTS records_symbol ON records(symbol, kind);
CREATE TABLE IF NOT EXISTS day_equity (
	date   TEXT PRIMARY KEY,
	equity TEXT NOT NULL,
	at     TEXT NOT NULL
);
`

func (j *Journal) migrate() error {
	if _, err := j.db.Exec(schema); err != nil {
		return fmt.Errorf("journal: create tables in %s: %w", j.path, err)
	}
	return nil
}

// Path is the database file.
func (j *Journal) Path() string { return j.path }

// Close closes the database.
func (j *Journal) Close() error { return j.db.Close() }

// Append journals r (At defaults to now) and returns its id. A record
// whose Key was journaled before is not written again (id 0, no error).
func (j *Journal) Append(ctx context.Context, r Record) (int64, error) {
	if r.At.IsZero() {
		r.At = time.Now()
	}
	if len(r.Data) == 0 {
		r.Data = json.RawMessage("{}")
	}
	var key any
	if r.Key != "" {
		key = r.Key
	}
	res, err := j.db.ExecContext(ctx, `INSERT INTO records(at, run, cycle, symbol, kind, summary, data, key) VALUES(?,?,?,?,?,?,?,?)
		ON CONFLICT(key) DO NOTHING`,
		r.At.UTC().Format(time.RFC3339Nano), r.Run, r.Cycle, r.Symbol, r.Kind, r.Summary, string(r.Data), key)
	if err != nil {
		return 0, fmt.Errorf("journal: write %s for %s: %w", r.Kind, r.Symbol, err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	return res.LastInsertId()
}

// Query selects records.
type Query struct {
	Since   time.Time
	Symbol  string
	Kinds   []string
	AfterID int64
	Limit   int
}

// Records returns the records matching q in id order.
func (j *Journal) Records(ctx context.Context, q Query) ([]Record, error) {
	var where []string
	var args []any
	if !q.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, q.Since.UTC().Format(time.RFC3339Nano))
	}
	if q.Symbol != "" {
		where = append(where, "symbol = ?")
		args = append(args, q.Symbol)
	}
	if len(q.Kinds) > 0 {
		where = append(where, "kind IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Kinds)), ",")+")")
		for _, k := range q.Kinds {
			args = append(args, k)
		}
	}
	if q.AfterID > 0 {
		where = append(where, "id > ?")
		args = append(args, q.AfterID)
	}
	sqlText := "SELECT id, at, run, cycle, symbol, kind, summary, data, COALESCE(key, '') FROM records"
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	sqlText += " ORDER BY id"
	if q.Limit > 0 {
		sqlText += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := j.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: read %s: %w", j.path, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var at, data string
		if err := rows.Scan(&r.ID, &at, &r.Run, &r.Cycle, &r.Symbol, &r.Kind, &r.Summary, &data, &r.Key); err != nil {
			return nil, fmt.Errorf("journal: read %s: %w", j.path, err)
		}
		r.At, _ = time.Parse(time.RFC3339Nano, at)
		r.Data = json.RawMessage(data)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LastOf returns the latest record of kind for symbol whose summary starts
// with prefix, or ok false.
func (j *Journal) LastOf(ctx context.Context, symbol, kind, prefix string) (Record, bool, error) {
	row := j.db.QueryRowContext(ctx, `SELECT id, at, run, cycle, summary, data FROM records WHERE symbol = ? AND kind = ? AND summary LIKE ? ORDER BY id DESC LIMIT 1`,
		symbol, kind, prefix+"%")
	var r Record
	var at, data string
	err := row.Scan(&r.ID, &at, &r.Run, &r.Cycle, &r.Summary, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("journal: read %s: %w", j.path, err)
	}
	r.At, _ = time.Parse(time.RFC3339Nano, at)
	r.Symbol, r.Kind, r.Data = symbol, kind, json.RawMessage(data)
	return r, true, nil
}

// DayEquity returns the start-of-day equity recorded for a New York
// trading date (YYYY-MM-DD).
func (j *Journal) DayEquity(ctx context.Context, date string) (decimal.Decimal, bool, error) {
	var s string
	err := j.db.QueryRowContext(ctx, `SELECT equity FROM day_equity WHERE date = ?`, date).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return decimal.Zero, false, nil
	}
	if err != nil {
		return decimal.Zero, false, fmt.Errorf("journal: read start-of-day equity: %w", err)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, false, fmt.Errorf("journal: start-of-day equity %q of %s: %w", s, date, err)
	}
	return d, true, nil
}

// SetDayEquity records the start-of-day equity of a date, atomically (one
// transaction): replace says whether an existing value is overwritten.
func (j *Journal) SetDayEquity(ctx context.Context, date string, equity decimal.Decimal, at time.Time, replace bool) error {
	q := `INSERT INTO day_equity(date, equity, at) VALUES(?,?,?) ON CONFLICT(date) DO NOTHING`
	if replace {
		q = `INSERT INTO day_equity(date, equity, at) VALUES(?,?,?) ON CONFLICT(date) DO UPDATE SET equity = excluded.equity, at = excluded.at`
	}
	if _, err := j.db.ExecContext(ctx, q, date, equity.String(), at.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("journal: write start-of-day equity: %w", err)
	}
	return nil
}
