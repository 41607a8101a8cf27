// Package cli is the command line of recoverykpi (SPEC §7): it parses each command's
// flags, wires the application packages (job, publish, schedule, verify) and maps
// their errors to exit statuses. Every command is a function that takes its arguments
// and output writers and returns an error; Main maps errors to exit statuses, so tests
// call commands directly.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/internal/verify"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
)

// Exit statuses of SPEC §7.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitUsage    = 2
	ExitData     = 3
	ExitConflict = 4
	// ExitMismatch is the exit status of `recoverykpi verify` when the inputs or the
	// outputs differ from what the manifest records.
	ExitMismatch = 5
)

// ErrUsage marks bad usage: an unknown command or flag, a malformed value. It is
// job.ErrUsage, which the application packages return for the same reason.
var ErrUsage = job.ErrUsage

// ExitCode returns the exit status for an error returned by a command.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrUsage), errors.Is(err, config.ErrInvalid):
		return ExitUsage
	case errors.Is(err, readers.ErrUnusable), errors.Is(err, pipeline.ErrNoData), errors.Is(err, job.ErrTooManyInvalid):
		return ExitData
	case errors.Is(err, publish.ErrOutputExists):
		return ExitConflict
	case errors.Is(err, verify.ErrMismatch):
		return ExitMismatch
	}
	return ExitFailure
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "compute one quarter's scorecard and publish the workbook, JSON and manifest", runCommand},
		{"backfill", "run each quarter from --from to --to with one as_of, skipping those already published", backfillCommand},
		{"schedule", "run the due quarter on the config's cron until SIGTERM, waiting for the extract and retrying", scheduleCommand},
		{"validate", "check an extract set against the contract and report its data quality; writes nothing", validateCommand},
		{"verify", "rehash a manifest's inputs, rerun its quarter in memory and compare every output byte for byte", verifyCommand},
		{"generate", "write a synthetic extract set", generateCommand},
		{"version", "print the program version", versionCommand},
	}
}

// Main runs the command named by args[0] and returns its exit status. Errors are
// printed to stderr as "recoverykpi: <message>".
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if err != nil && !errors.Is(err, errHelpShown) {
				fmt.Fprintf(stderr, "recoverykpi %s: %v\n", c.name, err)
			}
			if errors.Is(err, errHelpShown) {
				return ExitOK
			}
			return ExitCode(err)
		}
	}
	fmt.Fprintf(stderr, "recoverykpi: unknown command %q\n", args[0])
	usage(stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("usage: recoverykpi <command> [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun `recoverykpi <command> -h` for the flags of a command.\n")
	io.WriteString(w, b.String())
}
