package cmdutil

import (
	"io"
	"log/slog"
)

// Log formats accepted by --log-format.
const (
	LogText = "text"
	LogJSON = "json"
)

// NewLogger returns a logger writing format ("text" or "json") to w, or a
// *FlagError naming --log-format when format is neither.
func NewLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case LogText:
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case LogJSON:
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, FlagErrorf("invalid --log-format %q: want %q or %q", format, LogText, LogJSON)
}
