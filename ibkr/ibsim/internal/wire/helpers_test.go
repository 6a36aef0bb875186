package wire

import (
	"os"
	"testing"
	"time"

	"github.com/scmhub/ibapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The ibapi client logs through a package-level zerolog logger; quiet it
	// once, before any client runs (7 is zerolog.Disabled).
	ibapi.SetLogLevel(7)
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// waitTimeout bounds every wait for a callback. Waits end as soon as the
// callback arrives; the bound only turns a hang into a failure.
const waitTimeout = 10 * time.Second
