package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// waitIdle waits until gocron has finished with the job's last run, so that the next
// tick is not skipped by singleton mode (fake minutes pass in milliseconds here).
func waitIdle(t *testing.T, cj *cronJob) {
	t.Helper()
	waitUntil(t, "the job to be idle", cj.idle)
	time.Sleep(20 * time.Millisecond)
}

// waitTimer waits until the fake clock has the cron's timer for the next tick: after a
// tick gocron sets it asynchronously, and advancing the clock before that would race.
func waitTimer(t *testing.T, fc *clockwork.FakeClock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := fc.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("no timer for the next tick: %v", err)
	}
}

// pastTick is how far the tests move a fake clock beyond a tick. A real clock has
// always moved on a little when the timer's function runs; a fake one that stands
// exactly on the tick lets gocron, when it handles the tick's completion before its
// rescheduling, schedule the same tick again.
const pastTick = time.Millisecond

// firing is one call of a cron job's function.
type firing struct{ now, tick time.Time }

// TestCronAcrossDST checks, with gocron's fake clock, that the cron is evaluated in its
// time zone and fires at the right instants across daylight saving time changes:
// gocron's default policy skips a wall-clock time that does not exist and runs a
// repeated one once.
func TestCronAcrossDST(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, spec, tz, start string
		want                  []string
	}{
		{"Berlin spring forward skips 02:30 that does not exist", "30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z",
			[]string{"2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"}},
		{"Berlin fall back runs 02:30 once", "30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"Berlin 06:00 moves in UTC, not in local time", "0 6 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z",
			[]string{"2026-03-28T05:00:00Z", "2026-03-29T04:00:00Z", "2026-03-30T04:00:00Z"}},
		{"quarterly cron of SPEC §7", "0 6 5 1,4,7,10 *", "Europe/Berlin", "2026-01-01T00:00:00Z",
			[]string{"2026-01-05T05:00:00Z", "2026-04-05T04:00:00Z", "2026-07-05T04:00:00Z", "2026-10-05T04:00:00Z", "2027-01-05T05:00:00Z"}},
		{"New York spring forward skips 02:00", "0 2 * * *", "America/New_York", "2026-03-07T00:00:00Z",
			[]string{"2026-03-07T07:00:00Z", "2026-03-09T06:00:00Z"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fc := clockwork.NewFakeClockAt(utc(tc.start))
			fired := make(chan firing, 10)
			cj, err := newCronJob(cronOptions{spec: tc.spec, loc: mustLoc(t, tc.tz), name: "dst", clock: fc},
				func(tick time.Time) string { fired <- firing{fc.Now(), tick}; return OutcomePublished })
			if err != nil {
				t.Fatal(err)
			}
			cj.start()
			defer cj.shutdown()
			var last time.Time
			for _, w := range tc.want {
				want := utc(w)
				waitTimer(t, fc)
				var next time.Time
				waitUntil(t, "the next run to be scheduled", func() bool {
					next, _ = cj.nextRun()
					return next.After(last)
				})
				if !next.Equal(want) {
					t.Fatalf("next run %s (%s), want %s", next.UTC().Format(time.RFC3339), next.Format(time.RFC3339), w)
				}
				fc.Advance(want.Sub(fc.Now()) + pastTick)
				select {
				case f := <-fired:
					if !f.now.Equal(want.Add(pastTick)) || !f.tick.Equal(want) {
						t.Fatalf("fired at %s for tick %s, want %s", f.now.UTC(), f.tick.UTC(), w)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("no run at %s", w)
				}
				waitIdle(t, cj)
				last = want
			}
			select {
			case f := <-fired:
				t.Fatalf("unexpected run at %s", f.now.UTC())
			default:
			}
		})
	}
}

// TestCronSingletonSkipsOverlap checks that a tick arriving while the job still runs
// is skipped, not queued.
func TestCronSingletonSkipsOverlap(t *testing.T) {
	fc := clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 12, 0, 30, 0, time.UTC))
	release := make(chan struct{})
	var calls atomic.Int32
	var mu sync.Mutex
	var ticks []time.Time
	cj, err := newCronJob(cronOptions{spec: "* * * * *", loc: time.UTC, name: "singleton", clock: fc},
		func(tick time.Time) string {
			mu.Lock()
			ticks = append(ticks, tick)
			mu.Unlock()
			if calls.Add(1) == 1 {
				<-release
			}
			return OutcomePublished
		})
	if err != nil {
		t.Fatal(err)
	}
	cj.start()
	defer cj.shutdown()
	advanceTo := func(want time.Time) {
		waitTimer(t, fc)
		waitUntil(t, "run scheduled at "+want.Format(time.TimeOnly), func() bool {
			n, _ := cj.nextRun()
			return n.Equal(want)
		})
		fc.Advance(want.Sub(fc.Now()) + pastTick)
	}
	advanceTo(time.Date(2026, 11, 23, 12, 1, 0, 0, time.UTC))
	waitUntil(t, "the first run", func() bool { return calls.Load() == 1 })
	advanceTo(time.Date(2026, 11, 23, 12, 2, 0, 0, time.UTC)) // the first run is still going
	// The timer of 12:03 is set once the 12:02 tick has been dealt with.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fc.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if c := calls.Load(); c != 1 {
		t.Fatalf("the 12:02 tick ran while 12:01 was running (%d calls)", c)
	}
	close(release)
	waitIdle(t, cj)
	advanceTo(time.Date(2026, 11, 23, 12, 3, 0, 0, time.UTC))
	waitUntil(t, "the 12:03 run", func() bool { return calls.Load() == 2 })
	mu.Lock()
	defer mu.Unlock()
	want := []time.Time{time.Date(2026, 11, 23, 12, 1, 0, 0, time.UTC), time.Date(2026, 11, 23, 12, 3, 0, 0, time.UTC)}
	if len(ticks) != 2 || !ticks[0].Equal(want[0]) || !ticks[1].Equal(want[1]) {
		t.Fatalf("ran ticks %v, want %v", ticks, want)
	}
}

func TestPrevTick(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	cases := []struct {
		spec string
		now  time.Time
		want time.Time
	}{
		{"* * * * *", time.Date(2026, 1, 1, 6, 0, 0, 10e6, time.UTC), time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)},
		// a clock 20 s behind still names the 06:00 tick
		{"* * * * *", time.Date(2026, 1, 1, 5, 59, 40, 0, time.UTC), time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)},
		{"0 6 5 1,4,7,10 *", time.Date(2026, 4, 5, 4, 0, 3, 0, time.UTC), time.Date(2026, 4, 5, 4, 0, 0, 0, time.UTC)},
		{"0 6 5 1,4,7,10 *", time.Date(2026, 4, 5, 3, 59, 50, 0, time.UTC), time.Date(2026, 4, 5, 4, 0, 0, 0, time.UTC)},
		// late by an hour: still the tick that was due
		{"0 6 5 1,4,7,10 *", time.Date(2026, 4, 5, 5, 0, 0, 0, time.UTC), time.Date(2026, 4, 5, 4, 0, 0, 0, time.UTC)},
		{"0 6 5 1,4,7,10 *", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 5, 4, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		cr, err := checkCron(tc.spec, berlin, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		c := &cronJob{cron: cr, loc: berlin}
		if got := c.nominalTick(tc.now); !got.Equal(tc.want) {
			t.Errorf("%s at %s: tick %s, want %s", tc.spec, tc.now, got.UTC(), tc.want)
		}
	}
}

// TestRetryPolicy checks which kinds of error are retried, and that the runner
// recognises cancellation and a missing extract before it asks the classifier.
func TestRetryPolicy(t *testing.T) {
	for kind, retry := range map[ErrorKind]bool{
		KindExtractMissing: true, KindExtractIncomplete: true, KindOther: true,
		KindConfig: false, KindData: false, KindConflict: false, KindCancelled: false,
	} {
		if got := retryable(kind); got != retry {
			t.Errorf("retryable(%s) = %v, want %v", kind, got, retry)
		}
	}
	s := &Runner{classify: func(error) ErrorKind { return KindData }}
	cases := []struct {
		err  error
		kind ErrorKind
	}{
		{fmt.Errorf("%w: in/_SUCCESS", errMarkerMissing), KindExtractMissing},
		{fmt.Errorf("%w: in", errInputMissing), KindExtractMissing},
		{fmt.Errorf("publish: %w", context.Canceled), KindCancelled},
		{errors.New("anything else"), KindData},
	}
	for _, tc := range cases {
		if got := s.errorKind(tc.err); got != tc.kind {
			t.Errorf("errorKind(%v) = %q, want %q", tc.err, got, tc.kind)
		}
	}
	if got := (&Runner{}).errorKind(errors.New("x")); got != KindOther {
		t.Errorf("without a classifier: %q, want %q", got, KindOther)
	}
}

func TestScheduleFileLockRunsATickOnce(t *testing.T) {
	dir := t.TempDir()
	a, b := newFileClaimer(dir, "a"), newFileClaimer(dir, "b")
	tick := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	ctx := context.Background()
	h, err := a.claim(ctx, "recovery", tick)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.claim(ctx, "recovery", tick); !errors.Is(err, errRunInProgress) {
		t.Errorf("claim while held: %v, want errRunInProgress", err)
	}
	if err := h.release(ctx, OutcomePublished); err != nil {
		t.Fatal(err)
	}
	if _, err := b.claim(ctx, "recovery", tick); !errors.Is(err, errTickClaimed) {
		t.Errorf("claim after the run: %v, want errTickClaimed", err)
	}
	h, err = b.claim(ctx, "other-job", tick)
	if err != nil {
		t.Fatalf("another job's tick: %v", err)
	}
	h.release(ctx, OutcomePublished)
	h, err = b.claim(ctx, "recovery", tick.Add(time.Minute))
	if err != nil {
		t.Fatalf("the next tick: %v", err)
	}
	h.release(ctx, OutcomePublished)
}
