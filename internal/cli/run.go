package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/objstore"
	"github.com/recoverykpi/recoverykpi/internal/verify"
)

// openJob checks the flags, loads the config (file or standard input, then the
// environment) and opens the job they describe, flags overriding the rest.
// ctx bounds the requests to an object-store input for the job's life: Close the job.
func openJob(ctx context.Context, f runFlags, e *Env) (*job.Job, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	cfg, path, err := loadConfig(f.config, e)
	if err != nil {
		return nil, err
	}
	return job.Open(job.Options{Config: path, Loaded: cfg, Input: f.input, Output: f.output, AsOf: f.asOf, AllowOpen: f.allowOpen,
		Warehouse: useWarehouse(f, path, cfg.Input, cfg.Warehouse != nil), Context: ctx})
}

// useWarehouse reports whether a job reads the config's warehouse: with --warehouse,
// or with a config that has a warehouse and no input when no --input is given (so
// that `schedule` follows the config).
func useWarehouse(f runFlags, path, cfgInput string, hasWarehouse bool) bool {
	return f.warehouse || (f.input == "" && cfgInput == "" && hasWarehouse && path != "")
}

// warn prints the config's warnings (an http:// webhook, a PostgreSQL lock without TLS
// verification) to stderr, or as log records with --log-format json. The scheduler logs
// them once when it starts instead.
func warn(e *Env, j *job.Job) { warnEach(e, j.Warnings()) }

// warnEach writes each warning to the log (JSON logs) or standard error.
func warnEach(e *Env, warnings []string) {
	for _, w := range warnings {
		if e.jsonLogs {
			e.log.Warn(w)
			continue
		}
		fmt.Fprintf(e.Stderr, "recoverykpi: warning: %s\n", w)
	}
}

func runCommand(ctx context.Context, args []string, e *Env) error {
	var f runFlags
	fs := newFlags("run", e)
	f.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.setup(e); err != nil {
		return err
	}
	s := &job.Summary{Command: "run"}
	j, err := openJob(ctx, f, e)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	defer j.Close()
	warn(e, j)
	s.Input = j.InputRoot()
	e.log.Debug("reading the extract set", "input", s.Input)
	loaded, err := j.Load(ctx)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	defer loaded.Close()
	warnEach(e, loaded.Warnings())
	s.SetTables(loaded.Quality())
	loaded.SingleUse()
	res, err := j.RunQuarter(ctx, loaded, f.quarter, f.restate)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	s.SetQuarter(res)
	if f.outputFormat != "json" {
		res.Report(e.Stdout)
	}
	return finish(e, s, f.formatFlags, nil)
}

// validateCommand checks the extract set against the contract and prints a data-quality
// report, writing nothing. It returns an error (exit 3) when the extracts are unusable.
// It needs an extract set (--input, RECOVERYKPI_INPUT or the config's input);
// --sample validates the embedded sample instead.
func validateCommand(ctx context.Context, args []string, e *Env) error {
	var f runFlags
	fs := newFlags("validate", e)
	f.registerInput(fs)
	sample := fs.Bool("sample", false, "validate the sample extract set embedded in the binary")
	f.formatFlags.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.setup(e); err != nil {
		return err
	}
	s := &job.Summary{Command: "validate"}
	cfg, path, err := loadConfig(f.config, e)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	if err := f.check(); err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	if useWarehouse(f, path, cfg.Input, cfg.Warehouse != nil) {
		return validateWarehouse(ctx, f, cfg, path, s, e)
	}
	given := f.input != "" || cfg.Input != ""
	switch {
	case *sample && given:
		return fmt.Errorf("%w: --sample validates the embedded sample: give it without an input (--input, RECOVERYKPI_INPUT or the config's input)", ErrUsage)
	case *sample:
		path = ""
	case !given:
		return fmt.Errorf("%w: validate needs an extract set: give --input DIR, RECOVERYKPI_INPUT or a config with input (or --sample for the embedded sample)", ErrUsage)
	}
	s.Input = objstore.Root(cmp.Or(f.input, cfg.Input)) // a URL's secrets masked
	j, err := job.Open(job.Options{Config: path, Loaded: cfg, Input: f.input, Context: ctx})
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	defer j.Close()
	warn(e, j)
	s.Input = j.InputRoot()
	report := e.Stdout
	if f.outputFormat == "json" {
		report = io.Discard
	}
	qs, layouts, err := j.Check(ctx, report)
	s.SetTables(qs)
	s.SetLayouts(layouts)
	s.Outcome = "usable"
	return finish(e, s, f.formatFlags, err)
}

// validateWarehouse is validate --warehouse (or a config whose source is its
// warehouse): the warehouse tables checked, their rows set aside counted.
func validateWarehouse(ctx context.Context, f runFlags, cfg *config.Config, path string, s *job.Summary, e *Env) error {
	j, err := job.Open(job.Options{Config: path, Loaded: cfg, Warehouse: true, Context: ctx})
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	defer j.Close()
	warn(e, j)
	s.Input = j.InputRoot()
	report := e.Stdout
	if f.outputFormat == "json" {
		report = io.Discard
	}
	qs, err := j.CheckWarehouse(ctx, report)
	s.SetTables(qs)
	s.Outcome = "usable"
	return finish(e, s, f.formatFlags, err)
}

func verifyCommand(ctx context.Context, args []string, e *Env) error {
	fl := newFlags("verify", e)
	input := fl.String("input", "", "read the extract set from `DIR` instead of the manifest's input root (e.g. an archived copy); the recorded root is still what the outputs show")
	manifestOnly := fl.Bool("manifest-only", false, "check the manifest alone: the published files beside it and the supersedes chain, without reading the inputs or rerunning")
	var ff formatFlags
	ff.register(fl, false)
	var manifestPath string
	// Flags may come before or after the manifest.
	for rest := args; ; {
		if err := parseSome(fl, rest); err != nil {
			return err
		}
		if fl.NArg() == 0 {
			break
		}
		if manifestPath != "" {
			return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fl.Arg(0))
		}
		manifestPath, rest = fl.Arg(0), fl.Args()[1:]
	}
	if err := ff.setup(e); err != nil {
		return err
	}
	if manifestPath == "" {
		return fmt.Errorf("%w: verify needs the manifest to check: recoverykpi verify out/manifest-2026-Q3.json", ErrUsage)
	}
	var rep *verify.Report
	var err error
	switch {
	case *manifestOnly && *input != "":
		return fmt.Errorf("%w: --manifest-only reads no input; drop --input %s", ErrUsage, *input)
	case *manifestOnly:
		rep, err = verify.Published(manifestPath)
	default:
		dsn, _ := e.lookup(config.EnvWarehouseDSN)
		rep, err = verify.Manifest(ctx, manifestPath, *input, dsn)
	}
	if rep != nil {
		rep.Write(e.Stdout)
	}
	outcome := "verified"
	if err != nil {
		outcome = "failed"
	}
	e.log.Info("verify "+manifestPath+": "+outcome, "command", "verify", "manifest", manifestPath, "outcome", outcome, "exit_status", ExitCode(err))
	return err
}
