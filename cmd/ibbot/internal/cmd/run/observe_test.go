package run

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/status"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/ibbot/ibbot/ibkr"
	"github.com/ibbot/ibbot/ibkr/ibsim"
)

// receiver is every alert service at once: Slack and Telegram accept,
// Discord answers 404 echoing the secret path it was sent to (a receiver
// whose errors must not leak it), the heartbeat counts pings.
type receiver struct {
	mu        sync.Mutex
	slack     []string // texts
	telegram  []map[string]any
	discord   int
	pings     int
	badMethod []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, "/services/"):
		var m struct{ Text string }
		if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil {
			rc.badMethod = append(rc.badMethod, r.Method+" "+r.URL.Path)
		}
		rc.slack = append(rc.slack, m.Text)
	case strings.HasPrefix(r.URL.Path, "/bot") && strings.HasSuffix(r.URL.Path, "/sendMessage"):
		var m map[string]any
		if r.Method != http.MethodPost || json.Unmarshal(body, &m) != nil {
			rc.badMethod = append(rc.badMethod, r.Method+" "+r.URL.Path)
		}
		if r.URL.Path != "/bot"+testToken+"/sendMessage" {
			rc.badMethod = append(rc.badMethod, "telegram path "+r.URL.Path)
		}
		rc.telegram = append(rc.telegram, m)
		fmt.Fprint(w, `{"ok":true,"result":{}}`)
		return
	case strings.HasPrefix(r.URL.Path, "/api/webhooks/"):
		rc.discord++
		http.Error(w, "Unknown Webhook "+r.URL.String(), http.StatusNotFound)
		return
	case strings.HasPrefix(r.URL.Path, "/ping/"):
		rc.pings++
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *receiver) snapshot() (slack []string, telegram []map[string]any, discord, pings int, bad []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.slack...), append([]map[string]any(nil), rc.telegram...), rc.discord, rc.pings, append([]string(nil), rc.badMethod...)
}

// The secrets' distinctive parts: none may appear in any output.
const (
	slackSecret   = "XslackSECRET9f3a"
	discordSecret = "XdiscordSECRET77b"
	testToken     = "123456:XtgSECRET-token_42"
	hbSecret      = "XhbSECRET0c1d"
)

// A live run on the simulator with --http and every alert channel on:
// /metrics parses as Prometheus text and says what the run did, /healthz
// and /readyz answer 200 while it runs, ibbot status --http agrees; alerts
// arrive for the start, the entries, the fills, a Gateway restart longer
// than the connection-lost threshold, its end and the stop; the heartbeat
// is pinged once per cycle; no secret appears in any log line or output.
func TestHTTPMetricsHealthAndAlerts(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	env := map[string]string{
		"IBBOT_STRATEGY_CONFIRM_WITH_EXIT_RULE": "false",
		"IBBOT_MONITORING_ALERTS_ENABLED":       "true",
		"IBBOT_MONITORING_SLACK_WEBHOOK_URL":    hs.URL + "/services/T0/B0/" + slackSecret,
		"IBBOT_MONITORING_DISCORD_WEBHOOK_URL":  hs.URL + "/api/webhooks/1/" + discordSecret,
		"IBBOT_MONITORING_TELEGRAM_BOT_TOKEN":   testToken,
		"IBBOT_MONITORING_TELEGRAM_CHAT_ID":     "-1001234567890",
		"IBBOT_MONITORING_TELEGRAM_API_URL":     hs.URL,
		"IBBOT_MONITORING_HEARTBEAT_URL":        hs.URL + "/ping/" + hbSecret,
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var (
		mu      sync.Mutex
		addr    string
		srv     *ibsim.Server
		scraped = make(chan scrape, 1)
	)
	edit := func(o *RunOptions) {
		o.StrategyOverride = alwaysCall
		o.ConnLostAfter = 100 * time.Millisecond
		o.HTTPStarted = func(a string) { mu.Lock(); addr = a; mu.Unlock() }
		o.Started = func(s *ibsim.Server) { mu.Lock(); srv = s; mu.Unlock() }
	}
	restarted := make(chan error, 1)
	res := runBot(t, ctx, []string{"--sim", "--live", "--symbols", "SPY,QQQ", "--max-concurrent", "2", "--interval", "180s", "--cycles", "4",
		"--sim-start", simStart.Format(time.RFC3339), "--data-dir", dir, "--http", "127.0.0.1:0"}, env, edit, func(m map[string]any) {
		if m["msg"] != "cycle_complete" {
			return
		}
		mu.Lock()
		a, s := addr, srv
		mu.Unlock()
		switch num(m, "cycle") {
		case 1:
			// A Gateway restart longer than the threshold, between cycles.
			go func() { restarted <- s.Restart(time.Second) }()
		case 3:
			// The run goes on while this hook runs: scrape it now.
			scraped <- scrapeBot(a)
		}
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, tail(res.log.text(), 3000))
	}
	if err := <-restarted; err != nil {
		t.Fatalf("restart: %v", err)
	}
	sc := <-scraped
	if sc.err != nil {
		t.Fatal(sc.err)
	}

	// Health while running.
	if sc.healthCode != 200 || !strings.HasPrefix(sc.health, "ok") {
		t.Errorf("/healthz = %d %q, want 200 ok", sc.healthCode, sc.health)
	}
	if sc.readyCode != 200 {
		t.Errorf("/readyz = %d %q, want 200", sc.readyCode, sc.ready)
	}
	if sc.statusErr != nil || !strings.HasPrefix(sc.statusOut, "healthy: ok") {
		t.Errorf("ibbot status --http: err %v, output %q", sc.statusErr, sc.statusOut)
	}

	// Metrics, as Prometheus parses them.
	fams := sc.families
	want := func(name string, labels map[string]string, ok func(float64) bool, what string) {
		t.Helper()
		v, found := metricValue(fams, name, labels)
		if !found {
			t.Errorf("%s%v missing from /metrics", name, labels)
			return
		}
		if !ok(v) {
			t.Errorf("%s%v = %v, want %s", name, labels, v, what)
		}
	}
	atLeast := func(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
	eq := func(n float64) func(float64) bool { return func(v float64) bool { return v == n } }
	want("ibbot_session_status", map[string]string{"status": "ready"}, eq(1), "1")
	want("ibbot_session_status", map[string]string{"status": "reconnecting"}, eq(0), "0")
	want("ibbot_cycles_total", nil, atLeast(2), ">= 2 (cycles 1 and 2 done)")
	want("ibbot_symbol_runs_total", map[string]string{"outcome": "ok"}, atLeast(4), ">= 4")
	want("ibbot_messages_sent_total", map[string]string{"lane": "order"}, atLeast(1), ">= 1 (a live run placed brackets)")
	want("ibbot_messages_sent_total", map[string]string{"lane": "interactive"}, atLeast(1), ">= 1")
	want("ibbot_session_reconnects_total", nil, atLeast(1), ">= 1 (the Gateway restarted)")
	want("ibbot_decisions_total", map[string]string{"kind": "order"}, atLeast(2), ">= 2")
	want("ibbot_market_data_lines", nil, atLeast(0), "present")
	want("ibbot_historical_waiting_requests", nil, atLeast(0), "present")
	want("ibbot_pacing_waits_total", nil, atLeast(0), "present")
	want("ibbot_gateway_last_round_trip_timestamp_seconds", nil, atLeast(1), "a Unix time")
	want("ibbot_alerts_total", map[string]string{"channel": "slack", "result": "sent"}, atLeast(1), ">= 1 (the start alert)")
	want("ibbot_build_info", nil, eq(1), "1")
	if f := fams["ibbot_cycle_duration_seconds"]; f == nil || f.GetType() != dto.MetricType_HISTOGRAM || f.Metric[0].GetHistogram().GetSampleCount() < 2 {
		t.Errorf("ibbot_cycle_duration_seconds: %v, want a histogram with >= 2 samples", f)
	}
	if f := fams["ibbot_gateway_round_trip_seconds"]; f == nil || f.Metric[0].GetHistogram().GetSampleCount() < 1 {
		t.Errorf("ibbot_gateway_round_trip_seconds: %v, want >= 1 probe", f)
	}

	// Alerts.
	slack, telegram, discord, pings, bad := rc.snapshot()
	if len(bad) > 0 {
		t.Errorf("malformed alert requests: %v", bad)
	}
	joined := strings.Join(slack, "\n---\n")
	for _, kind := range []string{"ibbot start", "ibbot entry SPY", "ibbot entry QQQ", "ibbot connection_lost", "ibbot connection_restored", "ibbot stop"} {
		if !strings.Contains(joined, kind) {
			t.Errorf("no %q alert on Slack; got:\n%s", kind, joined)
		}
	}
	// Fills journaled are alerted, none invented (whether the price path
	// fills the entries within four cycles is the market's business; at
	// Slack's 1 message a second the stop's 10 s drain may cut a long
	// tail, which is counted as dropped).
	fills := countKinds(journalRecords(t, filepath.Join(dir, "sim")))[bot.KindFill]
	if got := strings.Count(joined, "ibbot fill "); got > fills || (fills > 0 && got == 0) {
		t.Errorf("%d fill alerts on Slack, %d fills journaled", got, fills)
	}
	if len(telegram) != len(slack) {
		t.Errorf("%d Telegram messages, %d on Slack: each alert goes to every channel", len(telegram), len(slack))
	}
	for _, m := range telegram {
		if m["chat_id"] != "-1001234567890" || m["text"] == "" {
			t.Errorf("telegram payload %v", m)
		}
	}
	if discord == 0 {
		t.Error("Discord was never tried")
	}
	if pings < 3 {
		t.Errorf("heartbeat pinged %d times in 4 cycles, want one per cycle (>= 3 allowing one in flight)", pings)
	}
	if !strings.Contains(res.log.text(), "alert") {
		t.Error("the failing Discord receiver was never logged")
	}

	// No secret anywhere.
	everything := res.log.text() + res.out + sc.raw + sc.statusOut
	for _, secret := range []string{slackSecret, discordSecret, testToken, "XtgSECRET", hbSecret} {
		if strings.Contains(everything, secret) {
			i := strings.Index(everything, secret)
			t.Errorf("secret %q leaked: ...%s...", secret, everything[max(0, i-200):min(len(everything), i+100)])
		}
	}
}

type scrape struct {
	err                   error
	families              map[string]*dto.MetricFamily
	raw                   string
	health, ready         string
	healthCode, readyCode int
	statusOut             string
	statusErr             error
}

// scrapeBot reads /metrics, /healthz and /readyz of a running bot, and
// runs ibbot status --http against it.
func scrapeBot(addr string) (sc scrape) {
	get := func(path string) (int, string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	code, body, err := get("/metrics")
	if err != nil || code != 200 {
		sc.err = fmt.Errorf("/metrics: %d %v", code, err)
		return sc
	}
	sc.raw = body
	p := expfmt.NewTextParser(model.UTF8Validation)
	sc.families, sc.err = p.TextToMetricFamilies(strings.NewReader(body))
	if sc.err != nil {
		sc.err = fmt.Errorf("parse /metrics: %w\n%s", sc.err, body)
		return sc
	}
	var h, r string
	sc.healthCode, h, _ = get("/healthz")
	sc.readyCode, r, _ = get("/readyz")
	sc.health, sc.ready = strings.TrimSpace(h), strings.TrimSpace(r)
	var out strings.Builder
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: io.Discard}}
	cmd := status.NewCmdStatus(f, nil)
	cmd.SetArgs([]string{"--http", addr})
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	sc.statusErr = cmd.Execute()
	sc.statusOut = out.String()
	return sc
}

// metricValue is the value of the sample of name whose labels include
// labels (a counter's, a gauge's or an untyped one's).
func metricValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, lp := range m.Label {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// A stop (SIGTERM cancels the run's context) while the bot waits for a
// client id another session holds is a requested stop: exit 0, not a
// failure that systemd would report.
func TestStopWhileWaitingForClientIDIsClean(t *testing.T) {
	t.Parallel()
	srv, err := ibsim.Start(ibsim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host, port, err := cmdutil.SplitAddr(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	holder, err := ibkr.Dial(ctx, ibkr.Config{Host: host, Port: port, ClientID: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	res := runBot(t, runCtx, []string{"--host", host, "--port", fmt.Sprint(port), "--client-id", "9", "--data-dir", t.TempDir(), "--cycles", "1"}, nil,
		func(o *RunOptions) { o.RetryBackoff = func(int) time.Duration { return time.Hour } },
		func(m map[string]any) {
			if m["event"] == "client_id_in_use" {
				stop() // the signal, while it waits
			}
		})
	if res.err != nil {
		t.Fatalf("run stopped while waiting for its client id: %v, want a clean stop\n%s", res.err, tail(res.log.text(), 2000))
	}
	if len(res.log.records("stopped before connecting")) != 1 {
		t.Errorf("no stopped before connecting record:\n%s", tail(res.log.text(), 2000))
	}
}
