package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/bot"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// run runs "config args..." and returns stdout and the error.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return env[k] }}
	cmd := NewCmdConfig(f)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String() + errOut.String(), err
}

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) {
		return cmdutil.ExitUsage
	}
	var ec *cmdutil.ExitCodeError
	if errors.As(err, &ec) {
		return ec.Code
	}
	return cmdutil.ExitError
}

// config example lists every key and passes config check as printed.
func TestExamplePassesCheck(t *testing.T) {
	out, err := run(t, nil, "example")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range bot.Keys() {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(out, leaf+":") {
			t.Errorf("config example lacks %s", k)
		}
	}
	got, err := run(t, nil, "check", "--config", write(t, out))
	if err != nil {
		t.Fatalf("config check of config example: %v\n%s", err, got)
	}
	if !strings.Contains(got, ": ok (") {
		t.Errorf("check output %q", got)
	}
}

// config check lists every problem, with key, value and what is allowed,
// and exits 2.
func TestCheckListsEveryProblem(t *testing.T) {
	p := write(t, `symbols: [SPY, "not a ticker!"]
risk:
  stop_loss_pct: 7
  bogus_key: 1
schedule:
  interval_seconds: -5
broker:
  port: 70000
`)
	out, err := run(t, map[string]string{"IBBOT_BROKER_CLIENT_ID": "abc"}, "check", "--config", p)
	if code := exitCode(err); code != cmdutil.ExitUsage {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
	msg := err.Error()
	for _, want := range []string{"symbols", "risk.stop_loss_pct", `"7"`, "risk.bogus_key", "unknown key", "schedule.interval_seconds", "broker.port", "70000", "broker.client_id (IBBOT_BROKER_CLIENT_ID)", "want"} {
		if !strings.Contains(msg, want) {
			t.Errorf("check error lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, "6 problems") {
		t.Errorf("want all 6 problems counted:\n%s\n%s", msg, out)
	}
}

func TestCheckNeedsAFile(t *testing.T) {
	_, err := run(t, nil, "check")
	if exitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--config") {
		t.Errorf("check without a file: %v", err)
	}
	_, err = run(t, nil, "check", "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	if exitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("check of a missing file: %v", err)
	}
}

// config show: the effective value of every key and its source, file <
// env < flag.
func TestShowSources(t *testing.T) {
	p := write(t, "symbols: [SPY]\nrisk:\n  stop_loss_pct: 0.2\nschedule:\n  interval_seconds: 300\n")
	out, err := run(t, map[string]string{"IBBOT_RISK_STOP_LOSS_PCT": "0.3"}, "show", "--json", "--config", p, "--interval", "120s")
	if err != nil {
		t.Fatal(err)
	}
	var entries []ShowEntry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	if len(entries) != len(bot.Keys()) {
		t.Errorf("%d entries, want every key (%d)", len(entries), len(bot.Keys()))
	}
	got := map[string]ShowEntry{}
	for _, e := range entries {
		got[e.Key] = e
	}
	for key, want := range map[string]ShowEntry{
		"symbols":                   {Value: "[SPY]", Source: "file"},
		"risk.stop_loss_pct":        {Value: "0.3", Source: "env"},
		"schedule.interval_seconds": {Value: "120", Source: "flag"},
		"broker.port":               {Source: "default"},
	} {
		e := got[key]
		if e.Source != want.Source || (want.Value != "" && e.Value != want.Value) {
			t.Errorf("%s = %+v, want value %q from %s", key, e, want.Value, want.Source)
		}
	}
	changed, err := run(t, nil, "show", "--changed", "--config", p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(changed, "broker.port") || !strings.Contains(changed, "risk.stop_loss_pct") {
		t.Errorf("show --changed:\n%s", changed)
	}
}

// A webhook URL or a token never appears in config show or check output,
// set from the file or the environment, valid or refused, nor in a YAML
// syntax error on its line.
func TestSecretsNeverShown(t *testing.T) {
	const (
		slack = "https://hooks.slack.com/services/T0/B0/XslackSECRET1"
		disc  = "https://discord.com/api/webhooks/1/XdiscSECRET2"
		tok   = "123456:XtgSECRET3"
		hb    = "https://hc-ping.com/XhbSECRET4"
	)
	secrets := []string{"XslackSECRET1", "XdiscSECRET2", "XtgSECRET3", "XhbSECRET4", "XbadSECRET5", "XyamlSECRET6"}
	leak := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows secret %s:\n%s", where, s, text)
			}
		}
	}
	p := write(t, "monitoring:\n  alerts_enabled: true\n  slack_webhook_url: "+slack+"\n  discord_webhook_url: "+disc+"\n")
	env := map[string]string{"IBBOT_MONITORING_TELEGRAM_BOT_TOKEN": tok, "IBBOT_MONITORING_TELEGRAM_CHAT_ID": "42", "IBBOT_MONITORING_HEARTBEAT_URL": hb}
	for _, args := range [][]string{{"show", "--config", p}, {"show", "--json", "--config", p}, {"show", "--changed", "--config", p}, {"check", "--config", p}} {
		out, err := run(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		leak(strings.Join(args, " "), out)
		if args[0] == "show" && !strings.Contains(out, "(redacted)") {
			t.Errorf("%v: secrets not marked (redacted):\n%s", args, out)
		}
	}
	// Refused secrets: the error names the key, not the value.
	bad := write(t, "monitoring:\n  slack_webhook_url: ftp://hooks.example/XbadSECRET5\n")
	out, err := run(t, map[string]string{"IBBOT_MONITORING_TELEGRAM_BOT_TOKEN": "not-a-token-XbadSECRET5"}, "check", "--config", bad)
	if exitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("check of a bad secret: exit %d, %v", exitCode(err), err)
	}
	leak("check error", err.Error()+out)
	if !strings.Contains(err.Error(), "monitoring.slack_webhook_url") || !strings.Contains(err.Error(), "monitoring.telegram_bot_token") {
		t.Errorf("check error does not name the keys: %v", err)
	}
	// A YAML syntax error on a secret's line.
	broken := write(t, "monitoring:\n  slack_webhook_url: \"https://hooks.slack.com/services/XyamlSECRET6\n  other: [\n")
	out, err = run(t, nil, "check", "--config", broken)
	if err == nil {
		t.Fatal("check of broken YAML passed")
	}
	leak("YAML error", err.Error()+out)
}
