package schedule

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// postgresURL returns the test server's URL from RECOVERYKPI_TEST_POSTGRES. Without
// it the test is skipped, unless RECOVERYKPI_REQUIRE_POSTGRES is set (as .ci/run
// does), in which case it fails.
func postgresURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("RECOVERYKPI_TEST_POSTGRES")
	if url == "" {
		if os.Getenv("RECOVERYKPI_REQUIRE_POSTGRES") != "" {
			t.Fatal("RECOVERYKPI_REQUIRE_POSTGRES is set but RECOVERYKPI_TEST_POSTGRES (postgres://user@host:port/db) is not")
		}
		t.Skip("no PostgreSQL: set RECOVERYKPI_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable")
	}
	return url
}

func newTestPGClaimer(t *testing.T, url, host string) *pgClaimer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := newPGClaimer(ctx, url, host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.close() })
	return c
}

func TestPostgresClaims(t *testing.T) {
	url := postgresURL(t)
	ctx := context.Background()
	a, b := newTestPGClaimer(t, url, "host-a"), newTestPGClaimer(t, url, "host-b")
	job := "test-claims-" + newRunID()
	tick := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)

	h, err := a.claim(ctx, job, tick.Add(17*time.Second)) // seconds are not part of the key
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.claim(ctx, job, tick); !errors.Is(err, errRunInProgress) {
		t.Errorf("claim while a runs: %v, want errRunInProgress", err)
	}
	if _, err := b.claim(ctx, job, tick.Add(time.Minute)); !errors.Is(err, errRunInProgress) {
		t.Errorf("next tick while a runs: %v, want errRunInProgress (no overlap across hosts)", err)
	}
	if err := h.release(ctx, OutcomePublished); err != nil {
		t.Fatal(err)
	}
	if _, err := b.claim(ctx, job, tick); !errors.Is(err, errTickClaimed) {
		t.Errorf("claim after a ran the tick: %v, want errTickClaimed", err)
	}
	h, err = b.claim(ctx, job, tick.Add(time.Minute))
	if err != nil {
		t.Fatalf("next tick: %v", err)
	}
	if err := h.release(ctx, OutcomeFailed); err != nil {
		t.Fatal(err)
	}
	rows, err := a.pool.Query(ctx, `SELECT scheduled_at, host, outcome FROM recoverykpi_runs WHERE job = $1 ORDER BY scheduled_at`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		at            time.Time
		host, outcome string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.at, &r.host, &r.outcome); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 || !got[0].at.Equal(tick) || got[0].host != "host-a" || got[0].outcome != OutcomePublished ||
		!got[1].at.Equal(tick.Add(time.Minute)) || got[1].host != "host-b" || got[1].outcome != OutcomeFailed {
		t.Errorf("claims %+v", got)
	}
}

// TestPostgresTwoSchedulersRunEachTickOnce runs two gocron schedulers on fake clocks
// that share the database. Each minute one of them reaches the tick first (its clock
// is ahead) and the other fires later, sometimes while the first still runs and
// sometimes after it finished; every tick must run exactly once.
func TestPostgresTwoSchedulersRunEachTickOnce(t *testing.T) {
	url := postgresURL(t)
	job := "test-two-" + newRunID()
	start := time.Date(2026, 11, 23, 11, 59, 30, 0, time.UTC)
	type event struct {
		host string
		tick time.Time
		ran  bool
		err  error
	}
	events := make(chan event, 100)
	release := make(chan struct{}, 100)
	jobs := map[string]*cronJob{}
	newScheduler := func(host string) *clockwork.FakeClock {
		pg := newTestPGClaimer(t, url, host)
		fc := clockwork.NewFakeClockAt(start)
		cj, err := newCronJob(cronOptions{
			spec: "* * * * *", loc: mustLoc(t, "Europe/Berlin"), name: job, clock: fc, claimer: pg,
			skipped: func(tick time.Time, err error) { events <- event{host: host, tick: tick, err: err} },
		}, func(tick time.Time) string {
			events <- event{host: host, tick: tick, ran: true}
			<-release
			return OutcomePublished
		})
		if err != nil {
			t.Fatal(err)
		}
		cj.start()
		t.Cleanup(func() { cj.shutdown() })
		jobs[host] = cj
		return fc
	}
	clocks := map[string]*clockwork.FakeClock{"a": newScheduler("a"), "b": newScheduler("b")}
	next := func(what string) event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(20 * time.Second):
			t.Fatalf("no %s", what)
		}
		return event{}
	}
	advanceTo := func(fc *clockwork.FakeClock, at time.Time) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := fc.BlockUntilContext(ctx, 1); err != nil { // the cron's timer is set
			t.Fatal(err)
		}
		fc.Advance(at.Sub(fc.Now()) + pastTick)
	}

	checker := newTestPGClaimer(t, url, "checker")
	// released waits until the run of tick has ended and its claim is released.
	released := func(tick time.Time) {
		t.Helper()
		waitUntil(t, "the claim of "+tick.Format(time.TimeOnly)+" to be released", func() bool {
			ctx := context.Background()
			conn, err := checker.pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			var done, free bool
			if err := conn.QueryRow(ctx, `SELECT finished_at IS NOT NULL FROM recoverykpi_runs WHERE job = $1 AND scheduled_at = $2`, job, tick).Scan(&done); err != nil || !done {
				return false
			}
			if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('recoverykpi:' || $1, 0))`, job).Scan(&free); err != nil {
				t.Fatal(err)
			}
			if free {
				conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended('recoverykpi:' || $1, 0))`, job)
			}
			return free
		})
	}

	// settled waits until gocron is done with a host's tick (ran or skipped): a new
	// tick that came earlier would be skipped by singleton mode, which only happens
	// here because the fake minutes pass in milliseconds.
	settled := func(host string, tick time.Time) {
		t.Helper()
		waitUntil(t, host+" to be done with "+tick.Format(time.TimeOnly), func() bool {
			running, err := jobs[host].job.IsRunning()
			next, err2 := jobs[host].job.NextRun()
			return err == nil && err2 == nil && !running && next.After(tick)
		})
		time.Sleep(20 * time.Millisecond)
	}

	const minutes = 8
	wins := map[string]int{}
	skips := map[error]int{}
	for m := 1; m <= minutes; m++ {
		tick := start.Truncate(time.Minute).Add(time.Duration(m) * time.Minute)
		lead, follow := "a", "b"
		if m%2 == 1 {
			lead, follow = "b", "a"
		}
		// The leader's clock is 3 s ahead: it fires first and reads 12:0m:03 when it
		// claims; the follower fires at its own 12:0m:00, later in real time.
		advanceTo(clocks[lead], tick)
		clocks[lead].Advance(3 * time.Second)
		first := next(fmt.Sprintf("run of the leader %s in minute %d (its clock %s)", lead, m, clocks[lead].Now()))
		finishedFirst := m%4 < 2
		if finishedFirst {
			release <- struct{}{}
			released(tick)
		}
		advanceTo(clocks[follow], tick)
		second := next(fmt.Sprintf("event of the follower %s in minute %d (leader: %+v)", follow, m, first))
		if !finishedFirst {
			release <- struct{}{}
			released(tick)
		}
		for _, e := range []event{first, second} {
			if !e.tick.Equal(tick) {
				t.Errorf("minute %d: %s saw tick %s, want %s", m, e.host, e.tick, tick)
			}
		}
		if !first.ran || first.host != lead || second.ran || second.host != follow {
			t.Fatalf("minute %d: events %+v then %+v; want %s to run and %s to skip", m, first, second, lead, follow)
		}
		wins[first.host]++
		switch {
		case errors.Is(second.err, errTickClaimed):
			skips[errTickClaimed]++
		case errors.Is(second.err, errRunInProgress):
			skips[errRunInProgress]++
		default:
			t.Errorf("minute %d: follower skipped with %v", m, second.err)
		}
		settled(lead, tick)
		settled(follow, tick)
		clocks[follow].Advance(3 * time.Second)
	}
	select {
	case e := <-events:
		t.Errorf("extra event %+v", e)
	default:
	}
	if wins["a"] == 0 || wins["b"] == 0 || skips[errTickClaimed] == 0 || skips[errRunInProgress] == 0 {
		t.Errorf("wins %v, skips %v: want both hosts to win and both kinds of skip", wins, skips)
	}
	var n, distinct int
	if err := checker.pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT scheduled_at) FROM recoverykpi_runs WHERE job = $1 AND outcome = 'published'`, job).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != minutes || distinct != minutes {
		t.Errorf("%d claims for %d ticks, want %d", n, distinct, minutes)
	}
}
