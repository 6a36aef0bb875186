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
	streams := cmdutil.System()
	// The wire library prints a broken Gateway frame's field to os.Stdout
	// (a fmt.Println in its decoder) before it gives the message up. ibbot
	// writes its results through streams.Out only, so the process's
	// os.Stdout can point at stderr: a stray line never lands in --json
	// output a script parses.
	os.Stdout = os.Stderr
	os.Exit(root.Main(context.Background(), version, os.Args[1:], streams))
}
