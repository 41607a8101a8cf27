package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/internal/schedule"
	"github.com/recoverykpi/recoverykpi/pipeline"
	"github.com/recoverykpi/recoverykpi/readers"
)

func scheduleCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("schedule", "--config FILE [--log-format text|json] [--name NAME] [--stop-timeout DURATION]", stderr)
	cfgPath := fs.String("config", "", "config `FILE` with a schedule: section (required)")
	logFormat := fs.String("log-format", "text", "log format on stderr: `text` or json")
	name := fs.String("name", "", "job `NAME`, the key of the lock shared by several hosts (default: the config file name without extension)")
	stopTimeout := fs.Duration("stop-timeout", schedule.DefaultStopTimeout, "on SIGTERM or SIGINT, how long a running job may finish before it is cancelled (`DURATION`)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" {
		return fmt.Errorf("%w: --config is required", ErrUsage)
	}
	logger, err := newLogger(stderr, *logFormat)
	if err != nil {
		return err
	}
	if *stopTimeout <= 0 {
		return fmt.Errorf("%w: --stop-timeout: %v is not a positive duration", ErrUsage, *stopTimeout)
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Schedule == nil {
		return fmt.Errorf("%w: %s: no schedule: section (schedule.cron is required)", config.ErrInvalid, *cfgPath)
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(*cfgPath), filepath.Ext(*cfgPath))
	}
	s, err := schedule.New(cfg, scheduleOptions(*cfgPath, *name, logger, *stopTimeout))
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// newLogger returns the structured logger of `schedule`.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("%w: --log-format: %q is not text or json", ErrUsage, format)
}

// scheduleOptions wires the scheduler to the quarter job: each tick reads the config
// file again and publishes the default quarter (SPEC §3); an identical rerun is a
// no-op.
func scheduleOptions(configPath, name string, logger *slog.Logger, stopTimeout time.Duration) schedule.Options {
	return schedule.Options{
		Name: name, Logger: logger, StopTimeout: stopTimeout,
		Run:        func(ctx context.Context) (*schedule.Result, error) { return runDue(ctx, configPath) },
		Classify:   scheduleKind,
		ExitStatus: ExitCode,
	}
}

// runDue reads the config and the extract set and publishes the default quarter.
func runDue(ctx context.Context, configPath string) (*schedule.Result, error) {
	j, err := job.Open(job.Options{Config: configPath})
	if err != nil {
		return nil, err
	}
	l, err := j.Load(ctx)
	if err != nil {
		return nil, err
	}
	res, err := j.RunQuarter(ctx, l, "", false)
	if err != nil {
		return nil, err
	}
	return &schedule.Result{Quarter: res.Quarter, AsOf: res.AsOf, RowsRead: res.RowsRead, Published: res.Published, Noop: res.Noop}, nil
}

// scheduleKind classifies a failed run for the scheduler's retry policy, by the same
// sentinels as ExitCode: bad config is not retried, nor is unusable data unless the
// extract looks incomplete, nor a refusal to replace a published output; anything
// else may pass on a later attempt.
func scheduleKind(err error) schedule.ErrorKind {
	switch {
	case errors.Is(err, ErrUsage), errors.Is(err, config.ErrInvalid):
		return schedule.KindConfig
	case errors.Is(err, readers.ErrUnusable), errors.Is(err, pipeline.ErrNoData), errors.Is(err, job.ErrTooManyInvalid):
		if incomplete(err) {
			return schedule.KindExtractIncomplete
		}
		return schedule.KindData
	case errors.Is(err, publish.ErrOutputExists):
		return schedule.KindConflict
	}
	return schedule.KindOther
}

// incomplete says whether an unusable-extract error looks like an extract still being
// written (readers.ErrIncomplete: a required table not landed, a file without footer,
// a torn page, fewer rows than its footer, a file changed while read) or a file that
// vanished or ended early while read, which a later attempt may get past.
func incomplete(err error) bool {
	if errors.Is(err, readers.ErrIncomplete) {
		return true
	}
	return errors.Is(err, readers.ErrUnusable) && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, io.ErrUnexpectedEOF))
}
