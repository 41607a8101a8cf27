package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// errHelpShown ends a command after -h printed its flags.
var errHelpShown = errors.New("help shown")

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: recoverykpi %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps flag errors to ErrUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the error is reported once, by Main
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		fs.Usage()
		return errHelpShown
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return nil
}

// runFlags are the flags of run, shared by backfill.
type runFlags struct {
	config, input, output, quarter, asOf string
	restate                              bool
}

func (f *runFlags) register(fs *flag.FlagSet, withQuarter bool) {
	fs.StringVar(&f.config, "config", "", "config `FILE` (YAML, SPEC §7)")
	fs.StringVar(&f.input, "input", "", "extract set `DIR` (overrides the config)")
	fs.StringVar(&f.output, "output", "", "output `DIR` (overrides the config)")
	if withQuarter {
		fs.StringVar(&f.quarter, "quarter", "", "quarter `YYYY-Qn` (default: the latest quarter ended by as_of)")
	}
	fs.StringVar(&f.asOf, "as-of", "", "the moment the data describes, `RFC3339` (default: the latest instant in the data)")
	fs.BoolVar(&f.restate, "restate", false, "publish a new edition (-r2, -r3, ...) when the outputs would change")
}

// check validates the flag values that need no I/O.
func (f *runFlags) check() error {
	var errs []error
	if f.quarter != "" {
		if _, _, err := pipeline.ParseLabel(f.quarter); err != nil {
			errs = append(errs, fmt.Errorf("%w: --quarter: %v", ErrUsage, err))
		}
	}
	if f.asOf != "" {
		if _, err := time.Parse(time.RFC3339Nano, f.asOf); err != nil {
			errs = append(errs, fmt.Errorf("%w: --as-of: %q is not an RFC 3339 time such as 2026-11-15T00:00:00Z", ErrUsage, f.asOf))
		}
	}
	return errors.Join(errs...)
}
