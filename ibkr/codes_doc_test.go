package ibkr

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// codeTableMarkdown renders the code table as docs/session.md shows it.
func codeTableMarkdown() string {
	names := sentinelNames()
	var b strings.Builder
	b.WriteString("| code | kind | matches | ends | meaning |\n|---|---|---|---|---|\n")
	for _, c := range KnownCodes() {
		var ss []string
		for _, e := range c.Sentinels {
			ss = append(ss, "`"+names[e]+"`")
		}
		var ends []string
		if c.EndsRequest {
			ends = append(ends, "request")
		}
		if c.EndsOrder {
			ends = append(ends, "order")
		}
		b.WriteString("| " + itoa(c.Code) + " | " + c.Kind() + " | " + strings.Join(ss, ", ") + " | " + strings.Join(ends, ", ") + " | " + c.Meaning + " |\n")
	}
	return b.String()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func sentinelNames() map[error]string {
	return map[error]string{
		ErrClosed: "ErrClosed", ErrDisconnected: "ErrDisconnected", ErrClientIDInUse: "ErrClientIDInUse",
		ErrReadOnly: "ErrReadOnly", ErrInvalidArgument: "ErrInvalidArgument", ErrNoSecurityDefinition: "ErrNoSecurityDefinition",
		ErrAmbiguousContract: "ErrAmbiguousContract", ErrPacingViolation: "ErrPacingViolation", ErrNoData: "ErrNoData",
		ErrHistoricalData: "ErrHistoricalData", ErrMarketDataNotSubscribed: "ErrMarketDataNotSubscribed",
		ErrCompetingSession: "ErrCompetingSession", ErrMaxTickers: "ErrMaxTickers", ErrRateExceeded: "ErrRateExceeded",
		ErrInvalidRequest: "ErrInvalidRequest", ErrDuplicateOrderID: "ErrDuplicateOrderID", ErrOrderRejected: "ErrOrderRejected",
		ErrPriceIncrement: "ErrPriceIncrement", ErrOrderCancelled: "ErrOrderCancelled", ErrOrderNotFound: "ErrOrderNotFound",
		ErrOrderNotCancellable: "ErrOrderNotCancellable", ErrOrderLost: "ErrOrderLost", ErrNotFound: "ErrNotFound",
	}
}

// docs/session.md shows the code table exactly as the code has it. Run
// with IBKR_WRITE_CODE_TABLE=1 to print the table to paste.
func TestCodeTableInDocs(t *testing.T) {
	want := codeTableMarkdown()
	if os.Getenv("IBKR_WRITE_CODE_TABLE") != "" {
		t.Log("\n" + want)
	}
	doc, err := os.ReadFile("../docs/session.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), want) {
		t.Errorf("docs/session.md does not hold the code table as the code has it; want:\n%s", want)
	}
	for _, c := range KnownCodes() {
		if !c.Warning && len(c.Sentinels) == 0 {
			t.Errorf("code %d is an error matching no sentinel", c.Code)
		}
		if c.Warning && c.EndsOrder {
			t.Errorf("code %d is a warning that ends an order", c.Code)
		}
		for _, e := range c.Sentinels {
			if sentinelNames()[e] == "" {
				t.Errorf("code %d maps to an unnamed sentinel %v", c.Code, e)
			}
		}
	}
}
