package main

import (
	"context"
	"os"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/root"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
	"github.com/scmhub/ibapi"
)

// version is set at link time: go build -ldflags "-X main.version=v0.1.0".
// Empty means "read it from the module build info".
var version string

func main() {
	ibapi.SetLogLevel(7) // the wire library's global logger stays quiet; ibbot logs through slog
	os.Exit(root.Main(context.Background(), version, os.Args[1:], cmdutil.System()))
}
