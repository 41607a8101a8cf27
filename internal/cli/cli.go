// Package cli is the command line of recoverykpi (SPEC §7): it parses each command's
// flags, wires the application packages (job, publish, schedule, verify) and maps
// their errors to exit statuses. Every command is a function that takes its arguments
// and an Env (standard streams and environment variables) and returns an error; Main
// maps errors to exit statuses, so tests call commands directly.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
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

// exitTable is the exit-status table of every help text.
const exitTable = `exit status:
  0  success, including a rerun that found everything already published with the same bytes
  1  anything else (an I/O error, a bug)
  2  bad usage or config: an unknown command or flag, a malformed value, an unknown config key,
     a bad RECOVERYKPI_* variable
  3  unusable extracts: a missing table or column, a wrong type, an unreadable file, too many invalid rows,
     a sum out of range, a default as_of with (almost) no purchases in the year up to it (give --as-of)
  4  an output exists with other bytes and --restate was not given (or cannot be: an edition
     without a manifest)
  5  verify only: an input or an output differs from the manifest, a published file or a
     superseded manifest is missing or altered
`

// ErrUsage marks bad usage: an unknown command or flag, a malformed value. It is
// job.ErrUsage, which the application packages return for the same reason.
var ErrUsage = job.ErrUsage

// ExitCode returns the exit status for an error returned by a command.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrUsage), errors.Is(err, config.ErrInvalid), errors.Is(err, pipeline.ErrOpenQuarter):
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

// Env is what a command takes from its process besides its arguments.
type Env struct {
	Stdin          io.Reader // read by --config -
	Stdout, Stderr io.Writer
	// LookupEnv reads the RECOVERYKPI_* variables: os.LookupEnv in the program; nil
	// for none.
	LookupEnv func(string) (string, bool)

	log      *slog.Logger // set by a command once --log-format is parsed
	jsonLogs bool
}

func (e *Env) lookup(name string) (string, bool) {
	if e.LookupEnv == nil {
		return "", false
	}
	return e.LookupEnv(name)
}

// loadConfig loads the config of --config (path) or RECOVERYKPI_CONFIG, standard
// input for "-", with the RECOVERYKPI_* variables applied.
func loadConfig(path string, e *Env) (*config.Config, string, error) {
	return config.LoadWithEnv(path, e.Stdin, e.lookup)
}

// finish reports what the command did and returns err: one log line on stderr and,
// with --output-format json, the summary object on stdout.
func finish(e *Env, s *job.Summary, f formatFlags, err error) error {
	s.Finish(err, ExitCode(err))
	s.Log(e.log)
	if f.outputFormat == "json" {
		b, jerr := json.MarshalIndent(s, "", "  ")
		if jerr != nil {
			return errors.Join(err, jerr)
		}
		e.Stdout.Write(append(b, '\n'))
	}
	return err
}

type command struct {
	name, synopsis, summary string
	examples                []string
	run                     func(ctx context.Context, args []string, e *Env) error
}

func commands() []command {
	return []command{
		{"run", "[--config FILE|-] [--input DIR] [--output DIR] [--quarter YYYY-Qn] [--as-of RFC3339] [--restate] [--log-format text|json] [--output-format text|json]",
			"compute one quarter's scorecard and publish the workbook, JSON and manifest",
			[]string{"recoverykpi run                                   # the embedded sample, into ./out",
				"recoverykpi run --input extracts --output scorecards --quarter 2026-Q2",
				"recoverykpi run --config recovery.yaml --as-of 2026-11-15T00:00:00Z --output-format json",
				"envsubst < recovery.yaml.in | recoverykpi run --config -"}, runCommand},
		{"backfill", "--from YYYY-Qn --to YYYY-Qn [--keep-going] [--config FILE|-] [--input DIR] [--output DIR] [--as-of RFC3339] [--restate] [--log-format text|json] [--output-format text|json]",
			"run each quarter from --from to --to with one as_of, skipping those already published",
			[]string{"recoverykpi backfill --config recovery.yaml --from 2025-Q1 --to 2026-Q3",
				"recoverykpi backfill --input extracts --output scorecards --from 2026-Q1 --to 2026-Q3 --keep-going"}, backfillCommand},
		{"schedule", "[--config FILE] [--log-format text|json] [--name NAME] [--stop-timeout DURATION]",
			"run the due quarter on the config's cron until SIGTERM, waiting for the extract and retrying",
			[]string{"recoverykpi schedule --config /etc/recoverykpi/recovery.yaml --log-format json",
				"RECOVERYKPI_LOCK_POSTGRES=postgres://scheduler@db/recovery recoverykpi schedule --config recovery.yaml"}, scheduleCommand},
		{"validate", "[--config FILE|-] [--input DIR] [--sample] [--log-format text|json] [--output-format text|json]",
			"check an extract set against the contract and report its data quality; writes nothing",
			[]string{"recoverykpi validate --input extracts", "recoverykpi validate --config recovery.yaml --output-format json",
				"recoverykpi validate --sample                     # the embedded sample"}, validateCommand},
		{"verify", "[--input DIR | --manifest-only] [--log-format text|json] MANIFEST",
			"rehash a manifest's inputs, rerun its quarter in memory and compare every output byte for byte",
			[]string{"recoverykpi verify out/manifest-2026-Q3.json", "recoverykpi verify --input /archive/extracts-2026-10 out/manifest-2026-Q3.json",
				"recoverykpi verify --manifest-only out/manifest-2026-Q3-r2.json   # published files and supersedes chain, no rerun"}, verifyCommand},
		{"generate", "--output DIR [--customers N] [--seed S]", "write a synthetic extract set",
			[]string{"recoverykpi generate --output demo --customers 20000 --seed 1"}, generateCommand},
		{"version", "", "print the program version (also: recoverykpi --version)", []string{"recoverykpi version"}, versionCommand},
	}
}

// Main runs the command named by args[0] with no standard input and no environment
// variables, and returns its exit status; see Run.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return Run(ctx, args, &Env{Stdout: stdout, Stderr: stderr})
}

// Run runs the command named by args[0] and returns its exit status. Help goes to
// stdout; errors go to stderr as "recoverykpi <command>: <message>", or as a JSON log
// record with --log-format json.
func Run(ctx context.Context, args []string, e *Env) int {
	if len(args) == 0 {
		usage(e.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			return Run(ctx, []string{args[1], "-h"}, e)
		}
		usage(e.Stdout)
		return ExitOK
	case "--version", "-version":
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := runGuarded(ctx, c, args[1:], e)
		if errors.Is(err, errHelpShown) {
			return ExitOK
		}
		code := ExitCode(err)
		switch {
		case err == nil:
		case e.jsonLogs:
			e.log.Error(err.Error(), "command", c.name, "exit_status", code)
		default:
			fmt.Fprintf(e.Stderr, "recoverykpi %s: %v\n", c.name, err)
		}
		return code
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(e.Stderr, "recoverykpi: unknown command %q%s; `recoverykpi -h` lists the commands\n", args[0], didYouMean(args[0], names, `"%s"`))
	return ExitUsage
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("usage: recoverykpi <command> [flags]\n       recoverykpi --version\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\nexamples:\n")
	for _, c := range commands()[:5] {
		fmt.Fprintf(&b, "  %s\n", c.examples[0])
	}
	b.WriteString("\nenvironment (flag > environment > config file > default; an empty variable is unset):\n")
	fmt.Fprintf(&b, "  %-38s config file, when --config is not given (- reads standard input)\n", config.EnvConfig)
	for _, v := range config.EnvVars() {
		fmt.Fprintf(&b, "  %-38s %s\n", v.Name, v.Key)
	}
	b.WriteString("\n" + exitTable + "\nRun `recoverykpi <command> -h` for the flags of a command.\n")
	io.WriteString(w, b.String())
}

// ErrInternal marks a bug in recoverykpi: a panic in the command's own code, reported
// with its stack as exit status 1, never as bad usage (the runtime's exit status 2 for
// an unrecovered panic) and never as an extract still being written.
var ErrInternal = errors.New("internal error")

// runGuarded runs a command and turns a panic on the command's goroutine into an error
// wrapping ErrInternal with the stack. Panics of the Parquet libraries on bad bytes are
// recovered where those libraries are called (readers), as corrupt files.
func runGuarded(ctx context.Context, c command, args []string, e *Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic in %s: %v\n%s", ErrInternal, c.name, r, debug.Stack())
		}
	}()
	return c.run(ctx, args, e)
}
