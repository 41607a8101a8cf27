// Package schedule runs a job on a cron (SPEC §7 schedule): on each tick it waits for
// the extract's marker, runs, retries what can pass by waiting and records every run
// (a log line, runs.jsonl, a Prometheus metrics file, a webhook). A tick is run once
// across schedulers that share a claimer: a lock file in the output folder on one
// host, PostgreSQL across hosts. The runner knows nothing of what the job computes: it
// takes the run function and an error classifier, and its retry policy rests on the
// classifier's ErrorKind.
//
// cron.go is the only file that imports gocron, postgres.go the only one that imports
// pgx.
package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/recoverykpi/recoverykpi/config"
)

// Clock is what the scheduler needs of a clock; gocron's clockwork clocks (the real
// one, and the fake one of the tests) satisfy it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// DefaultStopTimeout is how long a running job may finish after SIGTERM or SIGINT
// before it is cancelled.
const DefaultStopTimeout = 5 * time.Minute

// Result is what a successful run reports to the runner.
type Result struct {
	Quarter   string   // label of the quarter run
	AsOf      string   // RFC 3339
	RowsRead  int64    // rows read from the extract set
	Published []string // paths written
	Noop      bool     // the edition was already published: the same bytes, or the same identity (SPEC §6)
}

// Options configure a Runner.
type Options struct {
	// Name is the job's name, the key of the claim shared by several schedulers.
	Name string
	// Run computes and publishes the due quarter.
	Run func(ctx context.Context) (*Result, error)
	// Classify names the kind of a failed run's error, by errors.Is on the
	// sentinels of the packages that returned it; the retry policy (see retryable)
	// rests on it. Cancellation and a missing extract are recognised by the runner
	// itself. Nil: every error is KindOther.
	Classify func(error) ErrorKind
	// ExitStatus returns the exit status `recoverykpi run` would have returned for an
	// error, for the run records. Nil: 0 for success, 1 for any error.
	ExitStatus func(error) int
	// Logger receives the runner's log lines; nil discards them.
	Logger *slog.Logger
	// StopTimeout is how long a running job may finish after the context of Serve is
	// cancelled; 0 means DefaultStopTimeout.
	StopTimeout time.Duration
	// Clock is the runner's clock; nil means the real one. Tests pass clockwork's
	// fake clock.
	Clock Clock
}

// Runner runs the due quarter on each tick of the config's cron: it waits for the
// marker, retries what can pass, and records every run (log line, runs.jsonl,
// metrics file, webhook).
type Runner struct {
	cfg         *config.Config // as loaded at start; each run may read the file again
	sched       config.Schedule
	loc         *time.Location
	name        string
	host        string
	logger      *slog.Logger
	clock       Clock // nil: the real clock
	stopTimeout time.Duration
	http        *http.Client
	run         func(ctx context.Context) (*Result, error)
	classify    func(error) ErrorKind
	exitStatus  func(error) int
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

// New returns a runner of the schedule: section of cfg. It checks the time zone and
// the cron.
func New(cfg *config.Config, o Options) (*Runner, error) {
	if cfg.Schedule == nil {
		return nil, fmt.Errorf("%w: no schedule: section (schedule.cron is required)", config.ErrInvalid)
	}
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
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Runner{
		cfg: cfg, sched: sc, loc: loc, name: o.Name, host: host,
		logger:      o.Logger.With("job", o.Name),
		clock:       o.Clock,
		stopTimeout: o.StopTimeout,
		http:        &http.Client{Timeout: 10 * time.Second},
		run:         o.Run,
		classify:    o.Classify,
		exitStatus:  o.ExitStatus,
		started:     make(chan struct{}),
	}
	if s.stopTimeout <= 0 {
		s.stopTimeout = DefaultStopTimeout
	}
	return s, nil
}

// Serve runs the scheduler until ctx is cancelled, then stops taking ticks, lets a
// running job finish for up to the stop timeout, cancels it after that, and returns
// nil. A Runner serves once.
func (s *Runner) Serve(ctx context.Context) error {
	s.stopping = ctx
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	s.runCtx = runCtx
	for _, w := range s.cfg.Warnings() {
		s.logger.Warn(w)
	}

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

// Started returns a channel that is closed once Serve has started the cron.
func (s *Runner) Started() <-chan struct{} { return s.started }

// NextRun returns the time of the next tick after now. Call it after Started.
func (s *Runner) NextRun() (time.Time, error) { return s.cron.nextRun() }

// Idle says whether no run of the job is in progress: the scheduler has finished
// with the last one. Call it after Started.
func (s *Runner) Idle() bool { return s.cron.idle() }

func (s *Runner) now() time.Time {
	if s.clock != nil {
		return s.clock.Now()
	}
	return time.Now()
}

func (s *Runner) after(d time.Duration) <-chan time.Time {
	if s.clock != nil {
		return s.clock.After(d)
	}
	return time.After(d)
}

// tick runs one claimed tick: attempts, retries, records. It returns the outcome.
func (s *Runner) tick(tick time.Time) string {
	s.wg.Add(1)
	defer s.wg.Done()
	rec := Record{RunID: newRunID(), Job: s.name, Host: s.host, ScheduledAt: tick.UTC(), StartedAt: s.now().UTC()}
	logger := s.logger.With("run_id", rec.RunID, "scheduled_at", rec.ScheduledAt)
	logger.Info("run started")
	res, attempts, err := s.attempts(logger)
	rec.FinishedAt = s.now().UTC()
	rec.Attempts = attempts
	s.fill(&rec, res, err)
	s.finish(logger, rec)
	return rec.Outcome
}

// attempts runs the due quarter, retrying every retry_delay up to retries times while
// the failure can pass (see retryable).
func (s *Runner) attempts(logger *slog.Logger) (*Result, int, error) {
	delay := time.Duration(s.sched.RetryDelay)
	for attempt := 1; ; attempt++ {
		res, err := s.attempt()
		if err == nil {
			return res, attempt, nil
		}
		if s.stopping.Err() != nil || errors.Is(err, context.Canceled) {
			return nil, attempt, err
		}
		if !retryable(s.errorKind(err)) {
			return nil, attempt, err
		}
		if attempt > s.sched.Retries {
			if errors.Is(err, errMarkerMissing) || errors.Is(err, errInputMissing) {
				return nil, attempt, fmt.Errorf("gave up waiting after %d checks (retries %d, retry_delay %v): %w", attempt, s.sched.Retries, delay, err)
			}
			return nil, attempt, fmt.Errorf("gave up after %d attempts (retries %d, retry_delay %v): %w", attempt, s.sched.Retries, delay, err)
		}
		if errors.Is(err, errMarkerMissing) || errors.Is(err, errInputMissing) {
			logger.Info("waiting for the extract", "reason", err.Error(), "attempt", attempt, "retries", s.sched.Retries, "retry_in", delay.String())
		} else {
			logger.Warn("run failed; will retry", "error", err.Error(), "attempt", attempt, "retries", s.sched.Retries, "retry_in", delay.String())
		}
		select {
		case <-s.stopping.Done():
			return nil, attempt, fmt.Errorf("stopped while waiting to retry: %w", context.Canceled)
		case <-s.after(delay):
		}
	}
}

// attempt checks the input folder and the marker, then runs the due quarter.
func (s *Runner) attempt() (*Result, error) {
	input := s.cfg.Input
	if input == "" && s.cfg.Warehouse != nil {
		// The config's warehouse is the source (run --warehouse): no folder to wait
		// for; a warehouse that cannot be reached fails the attempt, and is retried.
		return s.run(s.runCtx)
	}
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
//   - the input folder or the wait_for marker is not there yet (KindExtractMissing);
//   - the extract is incomplete (KindExtractIncomplete): the purchases table is
//     missing, or a Parquet file cannot be read (too small, truncated, corrupt,
//     changed or removed while being read), which is what a file still being written
//     looks like;
//   - any other failure (KindOther: an I/O error writing the outputs, a full disk, a
//     network file system that went away).
//
// Not retried, because they do not change by waiting: bad config (KindConfig), a data
// error (KindData: a missing column, a column of the wrong type, part files whose
// schemas disagree, too many invalid rows, no timestamps), and a refusal
// (KindConflict: a published output would change), and an internal error (KindInternal:
// a bug in recoverykpi, which waiting does not fix and which must never pass for an
// extract still being written). Cancellation is not retried either.
func retryable(kind ErrorKind) bool {
	switch kind {
	case KindExtractMissing, KindExtractIncomplete, KindOther:
		return true
	}
	return false
}

// errorKind names the kind of a run's error for the retry policy, logs, runs.jsonl and
// the webhook: the runner's own kinds first, then the classifier's.
func (s *Runner) errorKind(err error) ErrorKind {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return KindCancelled
	case errors.Is(err, errMarkerMissing), errors.Is(err, errInputMissing):
		return KindExtractMissing
	case s.classify == nil:
		return KindOther
	}
	return s.classify(err)
}

// skipped logs a tick that was not run because its claim failed; a claim that could
// not be decided (the lock database is down) counts as a failed run.
func (s *Runner) skipped(tick time.Time, err error) {
	if errors.Is(err, errTickClaimed) || errors.Is(err, errRunInProgress) {
		s.logger.Info("tick skipped", "scheduled_at", tick.UTC(), "reason", err.Error())
		return
	}
	now := s.now().UTC()
	rec := Record{RunID: newRunID(), Job: s.name, Host: s.host, ScheduledAt: tick.UTC(), StartedAt: now, FinishedAt: now}
	s.fill(&rec, nil, fmt.Errorf("claim the tick: %w", err))
	rec.ErrorKind = KindLock
	s.finish(s.logger.With("run_id", rec.RunID, "scheduled_at", rec.ScheduledAt), rec)
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
