package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/suggest"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// errHelpShown ends a command after -h printed its help.
var errHelpShown = errors.New("help shown")

// newFlags returns the flag set of the command name. It reports errors instead of
// exiting, and -h prints the command's help to stdout: synopsis, flags, examples and
// the exit statuses.
func newFlags(name string, e *Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stdout)
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name != name {
				continue
			}
			w := fs.Output()
			fmt.Fprintf(w, "usage: recoverykpi %s %s\n\n%s.\n\nflags:\n", name, c.synopsis, c.summary)
			fs.PrintDefaults()
			fmt.Fprintf(w, "\nexamples:\n  %s\n\n%s", strings.Join(c.examples, "\n  "), exitTable)
		}
	}
	return fs
}

// parseFlags parses args and maps flag errors to ErrUsage, suggesting the flag meant
// when one is mistyped.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseSome(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

// flagError wraps a flag package error in ErrUsage, with "did you mean" for an
// unknown flag.
func flagError(fs *flag.FlagSet, err error) error {
	if bad, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: "); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		return fmt.Errorf("%w: %v%s", ErrUsage, err, didYouMean(strings.TrimLeft(bad, "-"), names, "--%s"))
	}
	return fmt.Errorf("%w: %v", ErrUsage, err)
}

// didYouMean returns " (did you mean X?)" with the candidate closest to word, written
// with format, when one is within a typo's distance; "" otherwise.
func didYouMean(word string, candidates []string, format string) string {
	if c := suggest.Closest(word, candidates); c != "" {
		return " (did you mean " + fmt.Sprintf(format, c) + "?)"
	}
	return ""
}

// formatFlags are --log-format, on every command that logs, and --output-format.
type formatFlags struct{ logFormat, outputFormat string }

func (f *formatFlags) register(fs *flag.FlagSet, withOutput bool) {
	fs.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: `text` or json (one JSON object a line)")
	if withOutput {
		fs.StringVar(&f.outputFormat, "output-format", "text", "`text` (a report on stdout, a one-line summary on stderr) or json (one summary object on stdout)")
	}
}

// setup checks the formats and gives e its logger.
func (f *formatFlags) setup(e *Env) error {
	if f.outputFormat != "" && f.outputFormat != "text" && f.outputFormat != "json" {
		return fmt.Errorf("%w: --output-format: %q is not text or json", ErrUsage, f.outputFormat)
	}
	var err error
	e.log, err = newLogger(e.Stderr, f.logFormat)
	e.jsonLogs = f.logFormat == "json"
	return err
}

// newLogger returns a logger writing to w as text (key=value) or JSON lines.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("%w: --log-format: %q is not text or json", ErrUsage, format)
}

// runFlags are the flags of run, shared by backfill and validate.
type runFlags struct {
	config, input, output, quarter, asOf string
	restate, allowOpen, warehouse        bool
	formatFlags
}

func (f *runFlags) register(fs *flag.FlagSet, withQuarter bool) {
	f.registerInput(fs)
	fs.StringVar(&f.output, "output", "", "output `DIR` (overrides RECOVERYKPI_OUTPUT and the config)")
	if withQuarter {
		fs.StringVar(&f.quarter, "quarter", "", "quarter `YYYY-Qn` (default: the latest quarter ended by as_of)")
	}
	fs.StringVar(&f.asOf, "as-of", "", "the moment the data describes, `RFC3339` (default: the latest instant in the data)")
	fs.BoolVar(&f.restate, "restate", false, "publish a new edition (-r2, -r3, ...) when the outputs would change")
	fs.BoolVar(&f.allowOpen, "allow-open", false, "publish a quarter that has not ended by as_of, every KPI marked provisional (default: refused, exit status 2)")
	f.formatFlags.register(fs, true)
}

func (f *runFlags) registerInput(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "config `FILE` (YAML); - reads it from standard input, its relative paths then relative to the current folder (default: RECOVERYKPI_CONFIG)")
	fs.StringVar(&f.input, "input", "", "extract set `DIR`, or object-store URL (s3://bucket/prefix/, gs://…, azblob://…, file:///…; overrides RECOVERYKPI_INPUT and the config)")
	fs.BoolVar(&f.warehouse, "warehouse", false, "read the tables from the config's warehouse (warehouse: {dialect, schema}; DSN from RECOVERYKPI_WAREHOUSE_DSN or warehouse.dsn_file) and compute the per-customer results there; the extract folder is not read")
}

// check validates the flag values that need no I/O.
func (f *runFlags) check() error {
	var errs []error
	if f.quarter != "" {
		if _, _, err := pipeline.ParseLabel(f.quarter); err != nil {
			errs = append(errs, fmt.Errorf("%w: --quarter: %v", ErrUsage, err))
		}
	}
	if f.warehouse && f.input != "" {
		errs = append(errs, fmt.Errorf("%w: --warehouse and --input: give one source", ErrUsage))
	}
	if f.asOf != "" {
		if _, err := time.Parse(time.RFC3339Nano, f.asOf); err != nil {
			errs = append(errs, fmt.Errorf("%w: --as-of: %q is not an RFC 3339 time such as 2026-11-15T00:00:00Z", ErrUsage, f.asOf))
		}
	}
	return errors.Join(errs...)
}

// parseSome parses the flags of args up to the first argument that is not one, which
// it leaves in fs.Args(); flag errors are ErrUsage, as parseFlags gives them.
func parseSome(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the error is reported once, by Run
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return errHelpShown
	}
	if err != nil {
		return flagError(fs, err)
	}
	return nil
}
