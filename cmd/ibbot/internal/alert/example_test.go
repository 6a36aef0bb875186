package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/alert"
)

// Example sends one alert to a Slack webhook (here a test server standing
// in for hooks.slack.com) and closes the Notifier, which waits for the
// delivery.
func Example() {
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Printf("slack got %s %q\n", r.Method, p.Text)
	}))
	defer slack.Close()

	n, err := alert.New(alert.Config{
		Enabled:         true,
		SlackWebhookURL: slack.URL + "/services/T000/B000/XXXX",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	n.Notify(alert.Event{
		Kind:   alert.KindEntry,
		Symbol: "SPY",
		Cycle:  12,
		Title:  "BUY_CALL 2x SPY 20261204 C600",
		At:     time.Date(2026, 12, 1, 10, 30, 0, 0, time.FixedZone("EST", -5*3600)),
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		fmt.Println(err)
	}
	st := n.Stats().Channels[alert.ChannelSlack]
	fmt.Printf("sent %d, failed %d, dropped %d\n", st.Sent, st.Failed, st.Dropped)
	// Output:
	// slack got POST "ibbot entry SPY (cycle 12): BUY_CALL 2x SPY 20261204 C600\n2026-12-01 10:30:00 EST"
	// sent 1, failed 0, dropped 0
}

// ExampleRedact shows what config output prints for a secret.
func ExampleRedact() {
	fmt.Println(alert.Redact("https://hooks.slack.com/services/T000/B000/XXXX"))
	fmt.Println(alert.Redact("https://hc-ping.com"))
	fmt.Println(alert.Redact("123456:ABC-DEF"))
	fmt.Printf("%q\n", alert.Redact(""))
	// Output:
	// https://hooks.slack.com/…
	// https://hc-ping.com
	// (redacted)
	// ""
}
