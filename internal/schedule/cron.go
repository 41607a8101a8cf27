package schedule

// This is the only file that imports gocron (and its clock, clockwork).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/recoverykpi/recoverykpi/config"
)

// cronOptions configure the one job of a schedule.
type cronOptions struct {
	spec        string         // standard 5-field cron
	loc         *time.Location // the cron is evaluated in loc
	name        string         // job name: the claim key
	clock       Clock          // a clockwork.Clock, or nil for the real clock
	claimer     tickClaimer    // nil: every tick runs
	stopTimeout time.Duration  // how long Shutdown waits for a running job
	logger      *slog.Logger
	// skipped is called when a tick is not run because its claim failed.
	skipped func(tick time.Time, err error)
}

// cronJob is a gocron scheduler with one cron job in singleton mode: a tick that comes
// while the job still runs is skipped (gocron's LimitModeReschedule), never queued.
//
// Daylight saving time follows gocron's default policy for cron jobs
// (DaylightSavingsTimeDefault): a wall-clock time that does not exist on the day
// clocks spring forward is skipped until its next occurrence, and a wall-clock time
// that occurs twice when they fall back runs once, at its first occurrence.
type cronJob struct {
	s     gocron.Scheduler
	job   gocron.Job
	cron  gocron.Cron
	loc   *time.Location
	clock clockwork.Clock

	mu      sync.Mutex
	claimed time.Time // nominal tick of the claim held by the running job
	outcome string    // outcome of the last run, for the claim's record
}

// cronTolerance is how far a host's clock may be from the others for all of them to
// name the same nominal tick. Cron ticks are whole minutes apart, so anything below
// 30 s is unambiguous; NTP keeps real clocks within milliseconds.
const cronTolerance = 30 * time.Second

// checkCron validates a cron expression in a location, with the error naming it.
func checkCron(spec string, loc *time.Location, now time.Time) (gocron.Cron, error) {
	c := gocron.NewDefaultCron(false)
	if err := c.IsValid(spec, loc, now); err != nil {
		return nil, fmt.Errorf("%w: schedule.cron: %q is not a valid cron expression in %s: %v", config.ErrInvalid, spec, loc, err)
	}
	return c, nil
}

// newCronJob builds the scheduler and its job; run receives the nominal tick and
// returns the run's outcome. Start it with start.
func newCronJob(o cronOptions, run func(tick time.Time) string) (*cronJob, error) {
	clk, ok := o.clock.(clockwork.Clock)
	if !ok || clk == nil {
		clk = clockwork.NewRealClock()
	}
	cr, err := checkCron(o.spec, o.loc, clk.Now())
	if err != nil {
		return nil, err
	}
	c := &cronJob{cron: cr, loc: o.loc, clock: clk}
	opts := []gocron.SchedulerOption{gocron.WithLocation(o.loc), gocron.WithClock(clk)}
	if o.stopTimeout > 0 {
		opts = append(opts, gocron.WithStopTimeout(o.stopTimeout))
	}
	if o.logger != nil {
		opts = append(opts, gocron.WithLogger(gocronLogger{o.logger}))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	jobOpts := []gocron.JobOption{
		gocron.WithName(o.name),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithDaylightSavingsTimePolicy(gocron.DaylightSavingsTimeDefault),
	}
	if o.claimer != nil {
		jobOpts = append(jobOpts,
			gocron.WithDistributedJobLocker(&claimLocker{c: c, claimer: o.claimer}),
			gocron.WithEventListeners(gocron.AfterLockError(func(_ uuid.UUID, _ string, err error) {
				if o.skipped == nil {
					return
				}
				var ce *claimError
				if errors.As(err, &ce) {
					o.skipped(ce.tick, ce.err)
					return
				}
				o.skipped(time.Time{}, err)
			})))
	}
	task := func() {
		c.mu.Lock()
		tick := c.claimed
		c.mu.Unlock()
		if tick.IsZero() {
			tick = c.nominalTick(c.clock.Now())
		}
		outcome := run(tick)
		c.mu.Lock()
		c.outcome = outcome
		c.mu.Unlock()
	}
	job, err := s.NewJob(gocron.CronJob(o.spec, false), gocron.NewTask(task), jobOpts...)
	if err != nil {
		_ = s.Shutdown()
		return nil, fmt.Errorf("%w: schedule.cron: %q: %v", config.ErrInvalid, o.spec, err)
	}
	c.s, c.job = s, job
	return c, nil
}

func (c *cronJob) start() { c.s.Start() }

// nextRun returns the time of the next tick after now. (gocron's NextRun may still
// report a tick that singleton mode skipped, until the running job ends.)
func (c *cronJob) nextRun() (time.Time, error) {
	runs, err := c.job.NextRuns(4)
	if err != nil {
		return time.Time{}, err
	}
	now := c.clock.Now()
	for _, t := range runs {
		if t.After(now) {
			return t, nil
		}
	}
	return time.Time{}, nil
}

// idle says whether gocron has finished with the job's last run.
func (c *cronJob) idle() bool {
	running, err := c.job.IsRunning()
	return err == nil && !running
}

// shutdown stops taking ticks and waits for a running job up to the stop timeout;
// it returns an error when the job was still running then.
func (c *cronJob) shutdown() error { return c.s.Shutdown() }

// nominalTick returns the tick a job firing at now belongs to: the latest cron tick at
// or before now + cronTolerance, in whole minutes. Every host computes it from the
// cron, not from its clock reading, so hosts whose clocks differ by less than the
// tolerance agree. Zero if the cron never fired before.
func (c *cronJob) nominalTick(now time.Time) time.Time {
	return prevTick(c.cron, now.Add(cronTolerance).In(c.loc)).Truncate(time.Minute)
}

// prevTick returns the latest tick of cr at or before t (zero if none within about
// 30 years). The cron has only Next, so it looks back in doubling steps until a tick
// appears, then walks forward to the last one not after t.
func prevTick(cr gocron.Cron, t time.Time) time.Time {
	for step := time.Minute; step < 30*366*24*time.Hour; step *= 2 {
		n := cr.Next(t.Add(-step))
		if n.IsZero() || n.After(t) {
			continue
		}
		for {
			m := cr.Next(n)
			if m.IsZero() || m.After(t) {
				return n
			}
			n = m
		}
	}
	return time.Time{}
}

// claimLocker is gocron's Locker on a tickClaimer. gocron passes only the job's name
// as the key, so the nominal tick is computed here from the scheduler's clock at the
// moment the job fires.
type claimLocker struct {
	c       *cronJob
	claimer tickClaimer
}

// claimError carries the tick of a failed claim to the AfterLockError listener.
type claimError struct {
	tick time.Time
	err  error
}

func (e *claimError) Error() string { return e.err.Error() }
func (e *claimError) Unwrap() error { return e.err }

func (l *claimLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	tick := l.c.nominalTick(l.c.clock.Now())
	h, err := l.claimer.claim(ctx, key, tick)
	if err != nil {
		return nil, &claimError{tick: tick, err: err}
	}
	l.c.mu.Lock()
	l.c.claimed, l.c.outcome = tick, ""
	l.c.mu.Unlock()
	return &claimLock{c: l.c, h: h}, nil
}

type claimLock struct {
	c *cronJob
	h heldClaim
}

func (l *claimLock) Unlock(ctx context.Context) error {
	l.c.mu.Lock()
	outcome := l.c.outcome
	l.c.claimed = time.Time{}
	l.c.mu.Unlock()
	return l.h.release(ctx, outcome)
}

// gocronLogger passes gocron's own messages to slog, marked as such; its Info
// messages (scheduler created, started) are Debug here, to keep one line per run.
type gocronLogger struct{ l *slog.Logger }

func (g gocronLogger) Debug(msg string, args ...any) {
	g.l.Debug(msg, append(args, "component", "gocron")...)
}
func (g gocronLogger) Error(msg string, args ...any) {
	g.l.Error(msg, append(args, "component", "gocron")...)
}
func (g gocronLogger) Info(msg string, args ...any) {
	g.l.Debug(msg, append(args, "component", "gocron")...)
}
func (g gocronLogger) Warn(msg string, args ...any) {
	g.l.Warn(msg, append(args, "component", "gocron")...)
}
