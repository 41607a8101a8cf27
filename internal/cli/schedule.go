package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/readers"
)

// clock is what the scheduler needs of a clock; gocron's clockwork clocks (the real
// one, and the fake one of the tests) satisfy it.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// defaultStopTimeout is how long `schedule` lets a running job finish after SIGTERM or
// SIGINT before it cancels it.
const defaultStopTimeout = 5 * time.Minute

func scheduleCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("schedule", "--config FILE [--log-format text|json] [--name NAME] [--stop-timeout DURATION]", stderr)
	cfgPath := fs.String("config", "", "config `FILE` with a schedule: section (required)")
	logFormat := fs.String("log-format", "text", "log format on stderr: `text` or json")
	name := fs.String("name", "", "job `NAME`, the key of the lock shared by several hosts (default: the config file name without extension)")
	stopTimeout := fs.Duration("stop-timeout", defaultStopTimeout, "on SIGTERM or SIGINT, how long a running job may finish before it is cancelled (`DURATION`)")
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
	s, err := newScheduleRunner(*cfgPath, cfg, *name, logger)
	if err != nil {
		return err
	}
	s.stopTimeout = *stopTimeout
	return s.serve(ctx)
}

// newLogger returns the structured logger of `schedule` and `backfill`.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("%w: --log-format: %q is not text or json", ErrUsage, format)
}

// scheduleRunner runs the due quarter on each tick of the config's cron: it waits for
// the marker, retries what can pass, and records every run (log line, runs.jsonl,
// metrics file, webhook).
type scheduleRunner struct {
	configPath  string
	cfg         *config.Config // as loaded at start; each run reads the file again
	sched       config.Schedule
	loc         *time.Location
	name        string
	host        string
	logger      *slog.Logger
	clock       clock // nil: the real clock
	stopTimeout time.Duration
	http        *http.Client
	// run computes and publishes the due quarter; tests replace it.
	run func(ctx context.Context) (*result, error)
	// claimer decides which scheduler runs a tick; nil: from the config.
	claimer tickClaimer

	cron    *cronJob
	started chan struct{} // closed once cron is running

	stopping context.Context // cancelled on SIGTERM/SIGINT: waits end, no new attempts
	runCtx   context.Context // cancelled after the stop timeout: the running job ends
	wg       sync.WaitGroup  // running ticks

	mu          sync.Mutex
	lastSuccess time.Time
}

func newScheduleRunner(configPath string, cfg *config.Config, name string, logger *slog.Logger) (*scheduleRunner, error) {
	sc := *cfg.Schedule
	tz := sc.Timezone
	if tz == "" {
		tz = cfg.Timezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%w: schedule.timezone: %q is not a known IANA time zone", config.ErrInvalid, tz)
	}
	if _, err := checkCron(sc.Cron, loc, time.Now()); err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	host = fmt.Sprintf("%s/%d", host, os.Getpid())
	s := &scheduleRunner{
		configPath: configPath, cfg: cfg, sched: sc, loc: loc, name: name, host: host,
		logger:      logger.With("job", name),
		stopTimeout: defaultStopTimeout,
		http:        &http.Client{Timeout: 10 * time.Second},
		started:     make(chan struct{}),
	}
	s.run = s.runDue
	return s, nil
}

// runDue reads the config and the extract set and publishes the default quarter
// (SPEC §3). An identical rerun is a no-op.
func (s *scheduleRunner) runDue(ctx context.Context) (*result, error) {
	j, err := newJob(runFlags{config: s.configPath})
	if err != nil {
		return nil, err
	}
	l, err := j.load(ctx)
	if err != nil {
		return nil, err
	}
	return j.runQuarter(ctx, l, "", false)
}

// serve runs the scheduler until ctx is cancelled, then stops taking ticks, lets a
// running job finish for up to stopTimeout, cancels it after that, and returns nil.
func (s *scheduleRunner) serve(ctx context.Context) error {
	s.stopping = ctx
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	s.runCtx = runCtx

	lockDesc := "file " + filepath.Join(s.cfg.Output, lockFileName)
	if s.claimer == nil {
		if s.sched.Lock != nil && s.sched.Lock.Postgres != "" {
			pg, err := newPGClaimer(ctx, s.sched.Lock.Postgres, s.host)
			if err != nil {
				return err
			}
			s.claimer, lockDesc = pg, "postgres"
		} else {
			s.claimer = newFileClaimer(s.cfg.Output, s.host)
		}
	} else {
		lockDesc = fmt.Sprintf("%T", s.claimer)
	}
	defer s.claimer.close()
	s.mu.Lock()
	s.lastSuccess = lastSuccessOf(s.runsPath(), s.name)
	s.mu.Unlock()

	cj, err := newCronJob(cronOptions{
		spec: s.sched.Cron, loc: s.loc, name: s.name, clock: s.clock, claimer: s.claimer,
		stopTimeout: s.stopTimeout, logger: s.logger, skipped: s.skipped,
	}, s.tick)
	if err != nil {
		return err
	}
	s.cron = cj
	cj.start()
	next, _ := cj.nextRun()
	s.logger.Info("scheduler started", "cron", s.sched.Cron, "timezone", s.loc.String(), "next_run", next,
		"wait_for", s.sched.WaitFor, "retries", s.sched.Retries, "retry_delay", time.Duration(s.sched.RetryDelay).String(),
		"lock", lockDesc, "host", s.host)
	close(s.started)

	<-ctx.Done()
	s.logger.Info("stopping: no new ticks; a running job may finish", "stop_timeout", s.stopTimeout.String())
	cancelTimer := time.AfterFunc(s.stopTimeout, cancelRun)
	defer cancelTimer.Stop()
	if err := cj.shutdown(); err != nil {
		s.logger.Warn("the running job did not finish in time; cancelling it", "error", err.Error())
	}
	cancelRun()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		return fmt.Errorf("the running job did not stop within a minute of its cancellation")
	}
	s.logger.Info("scheduler stopped")
	return nil
}

func (s *scheduleRunner) now() time.Time {
	if s.clock != nil {
		return s.clock.Now()
	}
	return time.Now()
}

func (s *scheduleRunner) after(d time.Duration) <-chan time.Time {
	if s.clock != nil {
		return s.clock.After(d)
	}
	return time.After(d)
}

// Errors of a tick that are not errors of a run.
var (
	errMarkerMissing = errors.New("marker file is not there yet")
	errInputMissing  = errors.New("input folder is not there yet")
)

// tick runs one claimed tick: attempts, retries, records. It returns the outcome.
func (s *scheduleRunner) tick(tick time.Time) string {
	s.wg.Add(1)
	defer s.wg.Done()
	rec := runRecord{RunID: newRunID(), Job: s.name, Host: s.host, ScheduledAt: tick.UTC(), StartedAt: s.now().UTC()}
	logger := s.logger.With("run_id", rec.RunID, "scheduled_at", rec.ScheduledAt)
	logger.Info("run started")
	res, err, attempts := s.attempts(logger)
	rec.FinishedAt = s.now().UTC()
	rec.Attempts = attempts
	rec.fill(res, err)
	s.finish(logger, rec)
	return rec.Outcome
}

// attempts runs the due quarter, retrying every retry_delay up to retries times while
// the failure can pass (see retryable).
func (s *scheduleRunner) attempts(logger *slog.Logger) (*result, error, int) {
	delay := time.Duration(s.sched.RetryDelay)
	for attempt := 1; ; attempt++ {
		res, err := s.attempt()
		if err == nil {
			return res, nil, attempt
		}
		if s.stopping.Err() != nil || errors.Is(err, context.Canceled) {
			return nil, err, attempt
		}
		if !retryable(err) {
			return nil, err, attempt
		}
		if attempt > s.sched.Retries {
			if errors.Is(err, errMarkerMissing) || errors.Is(err, errInputMissing) {
				return nil, fmt.Errorf("gave up waiting after %d checks (retries %d, retry_delay %v): %w", attempt, s.sched.Retries, delay, err), attempt
			}
			return nil, fmt.Errorf("gave up after %d attempts (retries %d, retry_delay %v): %w", attempt, s.sched.Retries, delay, err), attempt
		}
		if errors.Is(err, errMarkerMissing) || errors.Is(err, errInputMissing) {
			logger.Info("waiting for the extract", "reason", err.Error(), "attempt", attempt, "retries", s.sched.Retries, "retry_in", delay.String())
		} else {
			logger.Warn("run failed; will retry", "error", err.Error(), "attempt", attempt, "retries", s.sched.Retries, "retry_in", delay.String())
		}
		select {
		case <-s.stopping.Done():
			return nil, fmt.Errorf("stopped while waiting to retry: %w", context.Canceled), attempt
		case <-s.after(delay):
		}
	}
}

// attempt checks the input folder and the marker, then runs the due quarter.
func (s *scheduleRunner) attempt() (*result, error) {
	input := s.cfg.Input
	if st, err := os.Stat(input); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w: %s", errInputMissing, input)
	}
	if s.sched.WaitFor != "" {
		marker := filepath.Join(input, s.sched.WaitFor)
		if _, err := os.Stat(marker); err != nil {
			return nil, fmt.Errorf("%w: %s", errMarkerMissing, marker)
		}
	}
	return s.run(s.runCtx)
}

// retryable says whether a failed attempt may pass if tried again later:
//   - the input folder or the wait_for marker is not there yet;
//   - the extract is incomplete: the purchases table is missing, or a Parquet file
//     cannot be read (too small, truncated, corrupt, changed or removed while being
//     read), which is what a file still being written looks like (see incomplete);
//   - any error of exit status 1 (an I/O error writing the outputs, a full disk, a
//     network file system that went away).
//
// Not retried, because they do not change by waiting: bad config (exit 2), a data
// error (exit 3: a missing column, a column of the wrong type, part files whose
// schemas disagree, too many invalid rows, no timestamps), and a refusal (exit 4: a
// published output would change). Cancellation is not retried either.
func retryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, errMarkerMissing), errors.Is(err, errInputMissing):
		return true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	switch ExitCode(err) {
	case ExitData:
		return incomplete(err)
	case ExitFailure:
		return true
	}
	return false
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

// errorKind names the kind of a run's error for logs, runs.jsonl and the webhook.
func errorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	case errors.Is(err, errMarkerMissing), errors.Is(err, errInputMissing):
		return "extract_missing"
	}
	switch ExitCode(err) {
	case ExitUsage:
		return "config"
	case ExitData:
		if incomplete(err) {
			return "extract_incomplete"
		}
		return "data"
	case ExitConflict:
		return "conflict"
	}
	return "other"
}

// skipped logs a tick that was not run because its claim failed; a claim that could
// not be decided (the lock database is down) counts as a failed run.
func (s *scheduleRunner) skipped(tick time.Time, err error) {
	if errors.Is(err, errTickClaimed) || errors.Is(err, errRunInProgress) {
		s.logger.Info("tick skipped", "scheduled_at", tick.UTC(), "reason", err.Error())
		return
	}
	now := s.now().UTC()
	rec := runRecord{RunID: newRunID(), Job: s.name, Host: s.host, ScheduledAt: tick.UTC(), StartedAt: now, FinishedAt: now}
	rec.fill(nil, fmt.Errorf("claim the tick: %w", err))
	rec.ErrorKind = "lock"
	s.finish(s.logger.With("run_id", rec.RunID, "scheduled_at", rec.ScheduledAt), rec)
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
