// Package root is the ibbot root command: it assembles the subcommands and
// is the one place that turns errors into exit codes.
package root
