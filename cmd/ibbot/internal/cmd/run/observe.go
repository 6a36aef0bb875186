package run

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/alert"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/metrics"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/sched"
)

// DefaultConnLostAfter is how long the Gateway connection may stay lost
// before the connection_lost alert.
const DefaultConnLostAfter = time.Minute

// alertConfig is the Notifier's configuration from monitoring.*.
func alertConfig(m bot.MonitoringConfig, logger *slog.Logger) alert.Config {
	return alert.Config{
		Enabled:           m.AlertsEnabled,
		DiscordWebhookURL: m.DiscordWebhookURL,
		SlackWebhookURL:   m.SlackWebhookURL,
		TelegramBotToken:  m.TelegramBotToken,
		TelegramChatID:    m.TelegramChatID,
		TelegramAPIURL:    m.TelegramAPIURL,
		HeartbeatURL:      m.HeartbeatURL,
		Logger:            logger,
	}
}

// observer connects the running bot to its alerts and metrics: decisions
// and cycles go to both; the session's status changes become the
// connection alerts. Every method is safe for concurrent use and never
// blocks a cycle.
type observer struct {
	log     *slog.Logger
	m       *metrics.Metrics // nil without --http
	n       *alert.Notifier  // never nil (a disabled one is a no-op)
	now     func() time.Time // the bot's clock (event times)
	dryRun  bool
	lostFor time.Duration

	mu     sync.Mutex
	parked map[string]bool
}

// decision alerts on the decisions a trader is told about: entries
// placed (or, in a dry run, tickets), exits, fills, the daily-loss guard
// and failed orders.
func (o *observer) decision(r bot.Record) {
	ev := alert.Event{Symbol: r.Symbol, Cycle: r.Cycle, Title: r.Summary, At: r.At}
	switch r.Kind {
	case bot.KindOrder:
		if !strings.HasPrefix(r.Summary, "placed") {
			return // "placing": the placed one follows
		}
		ev.Kind = alert.KindEntry
	case bot.KindDryRun:
		ev.Kind, ev.Title = alert.KindEntry, "dry run: "+r.Summary
	case bot.KindExit:
		ev.Kind = alert.KindExit
	case bot.KindFill:
		ev.Kind = alert.KindFill
	case bot.KindGuard:
		ev.Kind = alert.KindDailyLoss
	case bot.KindError:
		ev.Kind = "error"
	default:
		return
	}
	o.n.Notify(ev)
}

// cycle records a finished cycle, alerts on symbols parked or whose
// breaker opened in it, and pings the heartbeat: the scheduler runs cycles
// only while the market is open, so every cycle run is a market-hours one.
func (o *observer) cycle(ctx context.Context, r sched.CycleReport) {
	if o.m != nil {
		o.m.ObserveCycle(r)
	}
	if r.Skipped {
		return
	}
	for _, s := range r.Symbols {
		switch {
		case s.Outcome == sched.OutcomeError && s.Class == sched.Permanent:
			o.mu.Lock()
			seen := o.parked[s.Symbol]
			o.parked[s.Symbol] = true
			o.mu.Unlock()
			if !seen {
				o.n.Notify(alert.Event{Kind: alert.KindSymbolParked, Symbol: s.Symbol, Cycle: r.Cycle,
					Title: "parked for the rest of the run", Text: errText(s.Err), At: o.now()})
			}
		case s.Breaker == sched.BreakerOpen && s.Outcome != sched.OutcomeSkipped:
			o.n.Notify(alert.Event{Kind: alert.KindBreakerOpen, Symbol: s.Symbol, Cycle: r.Cycle,
				Title: fmt.Sprintf("circuit breaker open after %d failures", s.Failures), Text: errText(s.Err), At: o.now()})
		}
	}
	o.n.Heartbeat(ctx)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// watch turns the session's status changes into alerts until ctx ends: a
// connection lost and not back within lostFor is connection_lost; its
// return after that alert is connection_restored. Reconnects shorter than
// lostFor (the Gateway's nightly restart) alert nothing.
func (o *observer) watch(ctx context.Context, s *ibkr.Session) {
	ch := s.StatusChanged()
	var (
		timer    *time.Timer
		fired    = make(chan int)
		gen      int
		lostAt   time.Time
		lostErr  error
		reported bool
	)
	stopTimer := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
	}
	defer stopTimer()
	for {
		select {
		case <-ctx.Done():
			return
		case g := <-fired:
			if g != gen || timer == nil || reported {
				continue
			}
			reported = true
			o.n.Notify(alert.Event{Kind: alert.KindConnectionLost, Title: fmt.Sprintf("Gateway connection lost for more than %v", o.lostFor),
				Text: errText(lostErr), At: o.now(), Fields: map[string]string{"since": lostAt.Format(time.RFC3339)}})
		case ev, ok := <-ch:
			if !ok {
				return
			}
			switch ev.Status {
			case ibkr.StatusReady:
				stopTimer()
				if reported {
					o.n.Notify(alert.Event{Kind: alert.KindConnectionRestored, Title: "Gateway connection restored",
						At: o.now(), Fields: map[string]string{"lost_since": lostAt.Format(time.RFC3339)}})
				}
				reported = false
			case ibkr.StatusReconnecting, ibkr.StatusConnectivityLost:
				if timer == nil && !reported {
					lostAt, lostErr = o.now(), ev.Err
					gen++
					g := gen
					timer = time.AfterFunc(o.lostFor, func() {
						select {
						case fired <- g:
						case <-ctx.Done():
						}
					})
				}
			case ibkr.StatusClosed:
				return
			}
		}
	}
}

// alertSources adapts the Notifier's stats for the metrics.
func alertSources(n *alert.Notifier) func() map[string]metrics.AlertStats {
	return func() map[string]metrics.AlertStats {
		st := n.Stats()
		out := make(map[string]metrics.AlertStats, len(st.Channels)+1)
		for ch, c := range st.Channels {
			out[string(ch)] = metrics.AlertStats{Sent: c.Sent, Failed: c.Failed, Dropped: c.Dropped}
		}
		if st.Heartbeat.OK+st.Heartbeat.Failed+st.Heartbeat.Skipped > 0 {
			out[string(alert.ChannelHeartbeat)] = metrics.AlertStats{Sent: st.Heartbeat.OK, Failed: st.Heartbeat.Failed, Dropped: st.Heartbeat.Skipped}
		}
		return out
	}
}
