// Command ibbot is the command line of the ibbot SDK: today it runs the
// simulated IB Gateway (ibbot sim).
package main

import (
	"context"
	"os"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/root"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// version is set at link time: go build -ldflags "-X main.version=v0.1.0".
// Empty means "read it from the module build info".
var version string

func main() {
	os.Exit(root.Main(context.Background(), version, os.Args[1:], cmdutil.System()))
}
