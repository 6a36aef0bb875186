package root

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/chain"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/config"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/journal"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/run"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/sim"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmd/status"
	"github.com/ibbot/ibbot/cmd/ibbot/internal/cmdutil"
)

// NewCmdRoot returns the ibbot command with every subcommand attached.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ibbot <command> [flags]",
		Short: "Options-trading bots for Interactive Brokers",
		Long: `ibbot is the command line of the ibbot Go SDK for options-trading bots
against Interactive Brokers (IB Gateway or TWS).

"ibbot run" is the bot (a dry run unless told otherwise; "ibbot run --sim"
runs it against an embedded simulated Gateway). "ibbot chain SYMBOL" shows an
option chain with quotes and greeks; "ibbot status" says whether a bot is
running on a data dir; "ibbot sim" runs a simulated IB Gateway on loopback,
which speaks the real TWS API protocol so bots and clients can be tested
without an account. Every command that talks to a Gateway takes --sim to run
against an embedded simulator.`,
		Version: f.Version,
		// Main prints errors and usage hints itself, once.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err}
	})

	cmd.AddCommand(sim.NewCmdSim(f, nil))
	cmd.AddCommand(chain.NewCmdChain(f, nil))
	cmd.AddCommand(run.NewCmdRun(f, nil))
	cmd.AddCommand(status.NewCmdStatus(f, nil))
	cmd.AddCommand(config.NewCmdConfig(f))
	cmd.AddCommand(journal.NewCmdJournal(f, nil))
	return cmd
}

// Main runs ibbot with args (without the program name) and returns the
// process exit code: [cmdutil.ExitOK], [cmdutil.ExitUsage] for command-line
// errors, [cmdutil.ExitError] for everything else. Errors are printed to
// io.ErrOut. ctx ends every command that waits; commands add their own
// SIGINT/SIGTERM handling.
func Main(ctx context.Context, version string, args []string, io *cmdutil.IOStreams) int {
	f := &cmdutil.Factory{IO: io, Version: ResolveVersion(version)}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	failed, err := cmd.ExecuteContextC(ctx)
	return exitCode(io, failed, err)
}

// exitCode prints err, if any, and maps it to an exit code.
func exitCode(io *cmdutil.IOStreams, failed *cobra.Command, err error) int {
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case cmdutil.IsFlagError(err) || isUnknownCommand(err):
		fmt.Fprintf(io.ErrOut, "error: %v\n", err)
		if failed != nil {
			fmt.Fprintf(io.ErrOut, "Run '%s --help' for usage.\n", failed.CommandPath())
		}
		return cmdutil.ExitUsage
	case errors.As(err, new(*cmdutil.ExitCodeError)):
		var ec *cmdutil.ExitCodeError
		errors.As(err, &ec)
		return ec.Code
	case errors.Is(err, context.Canceled):
		// The caller's context ended the command: a requested stop.
		return cmdutil.ExitOK
	default:
		fmt.Fprintf(io.ErrOut, "error: %v\n", err)
		return cmdutil.ExitError
	}
}

// isUnknownCommand reports cobra's error for an unknown subcommand, which
// it does not route through the flag error func.
func isUnknownCommand(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ")
}
