package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

func scheduleCommand(ctx context.Context, args []string, e *Env) error {
	fs := newFlags("schedule", e)
	cfgPath := fs.String("config", "", "config `FILE` with a schedule: section (default: RECOVERYKPI_CONFIG); read again before each run, so not standard input")
	var ff formatFlags
	ff.register(fs, false)
	name := fs.String("name", "", "job `NAME`, the key of the lock shared by several hosts (default: the config file name without extension)")
	stopTimeout := fs.Duration("stop-timeout", schedule.DefaultStopTimeout, "on SIGTERM or SIGINT, how long a running job may finish before it is cancelled (`DURATION`)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cfgPath == "" {
		*cfgPath, _ = e.lookup(config.EnvConfig)
	}
	switch *cfgPath {
	case "":
		return fmt.Errorf("%w: --config (or RECOVERYKPI_CONFIG) is required", ErrUsage)
	case "-":
		return fmt.Errorf("%w: --config -: schedule reads its config again before each run; give a file", ErrUsage)
	}
	if err := ff.setup(e); err != nil {
		return err
	}
	if *stopTimeout <= 0 {
		return fmt.Errorf("%w: --stop-timeout: %v is not a positive duration", ErrUsage, *stopTimeout)
	}
	cfg, _, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if cfg.Schedule == nil {
		return fmt.Errorf("%w: %s: no schedule: section (schedule.cron is required)", config.ErrInvalid, *cfgPath)
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(*cfgPath), filepath.Ext(*cfgPath))
	}
	s, err := schedule.New(cfg, scheduleOptions(*cfgPath, *name, e, *stopTimeout))
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// scheduleOptions wires the scheduler to the quarter job: each tick reads the config
// file (and the environment) again and publishes the default quarter (SPEC §3); an
// identical rerun is a no-op.
func scheduleOptions(configPath, name string, e *Env, stopTimeout time.Duration) schedule.Options {
	return schedule.Options{
		Name: name, Logger: e.log, StopTimeout: stopTimeout,
		Run:        func(ctx context.Context) (*schedule.Result, error) { return runDue(ctx, configPath, e) },
		Classify:   scheduleKind,
		ExitStatus: ExitCode,
	}
}

// runDue reads the config and the extract set and publishes the default quarter.
func runDue(ctx context.Context, configPath string, e *Env) (*schedule.Result, error) {
	j, err := openJob(ctx, runFlags{config: configPath}, e)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	l, err := j.Load(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	warnEach(e, l.Warnings())
	l.SingleUse()
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
	case errors.Is(err, readers.ErrInternal), errors.Is(err, ErrInternal):
		return schedule.KindInternal
	case errors.Is(err, ErrUsage), errors.Is(err, config.ErrInvalid), errors.Is(err, pipeline.ErrOpenQuarter):
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
