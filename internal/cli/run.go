package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/verify"
)

// openJob checks the flags and opens the job they describe. The config's warnings
// (an http:// webhook, a PostgreSQL lock without TLS verification) go to stderr.
func openJob(f runFlags, stderr io.Writer) (*job.Job, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	j, err := job.Open(job.Options{Config: f.config, Input: f.input, Output: f.output, AsOf: f.asOf})
	if err != nil {
		return nil, err
	}
	for _, w := range j.Warnings() {
		fmt.Fprintf(stderr, "recoverykpi: warning: %s\n", w)
	}
	return j, nil
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newFlags("run", "[--config FILE] [--input DIR] [--output DIR] [--quarter YYYY-Qn] [--as-of RFC3339] [--restate]", stderr)
	f.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	j, err := openJob(f, stderr)
	if err != nil {
		return err
	}
	loaded, err := j.Load(ctx)
	if err != nil {
		return err
	}
	res, err := j.RunQuarter(ctx, loaded, f.quarter, f.restate)
	if err != nil {
		return err
	}
	res.Report(stdout)
	return nil
}

// validateCommand checks the extract set against the contract and prints a data-quality
// report, writing nothing. It returns an error (exit 3) when the extracts are unusable.
func validateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newFlags("validate", "[--config FILE] [--input DIR]", stderr)
	fs.StringVar(&f.config, "config", "", "config `FILE` (YAML, SPEC §7)")
	fs.StringVar(&f.input, "input", "", "extract set `DIR` (overrides the config)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	j, err := openJob(f, stderr)
	if err != nil {
		return err
	}
	return j.Validate(ctx, stdout)
}

func verifyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := newFlags("verify", "[--input DIR] MANIFEST", stderr)
	input := fl.String("input", "", "read the extract set from `DIR` instead of the manifest's input root (e.g. an archived copy); the recorded root is still what the outputs show")
	var manifestPath string
	// Flags may come before or after the manifest.
	fl.SetOutput(io.Discard) // the error is reported once, by Main
	for rest := args; ; {
		if err := fl.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fl.SetOutput(stderr)
				fl.Usage()
				return errHelpShown
			}
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
		if fl.NArg() == 0 {
			break
		}
		if manifestPath != "" {
			return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fl.Arg(0))
		}
		manifestPath, rest = fl.Arg(0), fl.Args()[1:]
	}
	if manifestPath == "" {
		return fmt.Errorf("%w: verify needs the manifest to check: recoverykpi verify out/manifest-2026-Q3.json", ErrUsage)
	}
	rep, err := verify.Manifest(ctx, manifestPath, *input)
	if rep != nil {
		rep.Write(stdout)
	}
	return err
}
