package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/readers"
)

// syncBuffer is a log destination that tests read while the scheduler writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// records returns the JSON log records whose msg is msg.
func (b *syncBuffer) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

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
	waitUntil(t, "the job to be idle", func() bool {
		running, err := cj.job.IsRunning()
		return err == nil && !running
	})
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
				func(tick time.Time) string { fired <- firing{fc.Now(), tick}; return outcomePublished })
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
			return outcomePublished
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

// discoverError writes files into a fresh extract folder and returns the error the
// readers give for it.
func discoverError(t *testing.T, files map[string]string) error {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := readers.Discover(context.Background(), os.DirFS(dir), readers.Options{})
	if err == nil {
		t.Fatalf("no error from %v", files)
	}
	return err
}

func TestRetryable(t *testing.T) {
	unusable := func(msg string) error { return fmt.Errorf("%w: %s", readers.ErrUnusable, msg) }
	cases := []struct {
		name  string
		err   error
		retry bool
		kind  string
	}{
		{"marker missing", fmt.Errorf("%w: in/_SUCCESS", errMarkerMissing), true, "extract_missing"},
		{"input folder missing", fmt.Errorf("%w: in", errInputMissing), true, "extract_missing"},
		{"truncated file", discoverError(t, map[string]string{"purchases/part-0.parquet": "PAR1"}), true, "extract_incomplete"},
		{"purchases not landed", discoverError(t, map[string]string{"customers.parquet": ""}), true, "extract_incomplete"},
		{"missing column", unusable("purchases.parquet: table purchases: missing required column amount"), false, "data"},
		{"wrong type", unusable("purchases.parquet: table purchases: column amount: want a number, found BYTE_ARRAY"), false, "data"},
		{"too many invalid rows", fmt.Errorf("%w: table purchases: 9 of 10 rows set aside", ErrTooManyInvalid), false, "data"},
		{"refusal", fmt.Errorf("%w: out/recovery-scorecard-2026-Q3.json", ErrOutputExists), false, "conflict"},
		{"bad config", fmt.Errorf("%w: timezone", config.ErrInvalid), false, "config"},
		{"write error", fmt.Errorf("write out/x.json: %w", errors.New("no space left on device")), true, "other"},
		{"cancelled", fmt.Errorf("publish: %w", context.Canceled), false, "cancelled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(tc.err); got != tc.retry {
				t.Errorf("retryable = %v, want %v", got, tc.retry)
			}
			if got := errorKind(tc.err); got != tc.kind {
				t.Errorf("errorKind = %q, want %q", got, tc.kind)
			}
		})
	}
}

// scheduleFixture is a config with a schedule, an extract set and an output folder in
// a temporary folder, and a runner on a fake clock.
type scheduleFixture struct {
	dir, input, output, configPath string
	fc                             *clockwork.FakeClock
	logs                           *syncBuffer
	s                              *scheduleRunner
	cancel                         context.CancelFunc
	done                           chan error
}

// newScheduleFixture writes the config (schedule lines indented under schedule:) and
// a small generated extract set (without the marker), and builds the runner.
func newScheduleFixture(t *testing.T, schedule string, configExtra string) *scheduleFixture {
	t.Helper()
	dir := t.TempDir()
	f := &scheduleFixture{dir: dir, input: filepath.Join(dir, "in"), output: filepath.Join(dir, "out"), configPath: filepath.Join(dir, "recovery.yaml")}
	if _, err := generate.Write(context.Background(), f.input, generate.Options{Customers: 120, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	yml := "input: in\noutput: out\n" + configExtra + "schedule:\n"
	for _, l := range strings.Split(strings.TrimSpace(schedule), "\n") {
		yml += "  " + strings.TrimSpace(l) + "\n"
	}
	if err := os.WriteFile(f.configPath, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(f.configPath)
	if err != nil {
		t.Fatal(err)
	}
	f.logs = &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(f.logs, nil))
	f.s, err = newScheduleRunner(f.configPath, cfg, "recovery", logger)
	if err != nil {
		t.Fatal(err)
	}
	f.fc = clockwork.NewFakeClockAt(time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC))
	f.s.clock = f.fc
	f.s.stopTimeout = 2 * time.Second
	return f
}

func (f *scheduleFixture) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel, f.done = cancel, make(chan error, 1)
	go func() { f.done <- f.s.serve(ctx) }()
	select {
	case <-f.s.started:
	case err := <-f.done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("scheduler did not start")
	}
	t.Cleanup(func() { f.stop(t) })
}

// stop sends the equivalent of SIGTERM and checks that serve returns nil.
func (f *scheduleFixture) stop(t *testing.T) {
	t.Helper()
	if f.cancel == nil {
		return
	}
	f.cancel()
	f.cancel = nil
	select {
	case err := <-f.done:
		if err != nil {
			t.Errorf("serve returned %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after cancellation")
	}
}

// tick advances the fake clock to the next run.
func (f *scheduleFixture) tick(t *testing.T) time.Time {
	t.Helper()
	waitIdle(t, f.s.cron)
	waitTimer(t, f.fc)
	var next time.Time
	waitUntil(t, "the next run to be scheduled", func() bool {
		n, err := f.s.cron.nextRun()
		next = n
		return err == nil && n.After(f.fc.Now())
	})
	f.fc.Advance(next.Sub(f.fc.Now()) + pastTick)
	return next
}

// sleepThrough waits until the runner sleeps before a retry, then advances the clock
// by d. The gocron timer of the next tick is the other waiter.
func (f *scheduleFixture) sleepThrough(t *testing.T, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.fc.BlockUntilContext(ctx, 2); err != nil {
		t.Fatalf("the runner is not waiting to retry: %v", err)
	}
	f.fc.Advance(d)
}

func (f *scheduleFixture) runs(t *testing.T) []runRecord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.output, runsFileName))
	if err != nil {
		t.Fatal(err)
	}
	var out []runRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r runRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("runs.jsonl: %v: %s", err, line)
		}
		out = append(out, r)
	}
	return out
}

func TestScheduleWaitsForMarkerThenRuns(t *testing.T) {
	f := newScheduleFixture(t, `
cron: "0 6 * * *"
timezone: Europe/Berlin
wait_for: _SUCCESS
retries: 5
retry_delay: 10m
metrics_file: metrics/recoverykpi.prom`, "")
	f.start(t)
	if got := f.logs.records("scheduler started"); len(got) != 1 || got[0]["next_run"] != "2026-11-23T06:00:00+01:00" {
		t.Fatalf("start log %v, want next_run 06:00 Berlin", got)
	}
	tick := f.tick(t)
	waitUntil(t, "the first wait", func() bool { return len(f.logs.records("waiting for the extract")) == 1 })
	f.sleepThrough(t, 10*time.Minute)
	waitUntil(t, "the second wait", func() bool { return len(f.logs.records("waiting for the extract")) == 2 })
	if err := os.WriteFile(filepath.Join(f.input, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f.sleepThrough(t, 10*time.Minute)
	waitUntil(t, "the run", func() bool { return len(f.logs.records("run finished")) == 1 })

	line := f.logs.records("run finished")[0]
	if line["outcome"] != outcomePublished || line["quarter"] != "2026-Q3" || line["attempts"] != 3.0 || line["run_id"] == "" || line["rows_read"].(float64) <= 0 {
		t.Errorf("run line %v", line)
	}
	for _, name := range []string{"recovery-scorecard-2026-Q3.xlsx", "recovery-scorecard-2026-Q3.json"} {
		if _, err := os.Stat(filepath.Join(f.output, name)); err != nil {
			t.Error(err)
		}
	}
	runs := f.runs(t)
	if len(runs) != 1 || runs[0].Outcome != outcomePublished || !runs[0].ScheduledAt.Equal(tick) || runs[0].Duration != 1200 {
		t.Errorf("runs.jsonl %+v, want one published run scheduled at %s lasting 20 fake minutes", runs, tick)
	}
	prom, err := os.ReadFile(filepath.Join(f.dir, "metrics", "recoverykpi.prom"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`recoverykpi_last_run_success{job="recovery"} 1`,
		`recoverykpi_last_run_outcome{job="recovery",outcome="published"} 1`,
		fmt.Sprintf(`recoverykpi_last_success_timestamp_seconds{job="recovery"} %d`, tick.Add(20*time.Minute).Unix()),
		fmt.Sprintf(`recoverykpi_last_run_rows_read{job="recovery"} %d`, runs[0].RowsRead),
	} {
		if !strings.Contains(string(prom), want) {
			t.Errorf("metrics file lacks %q:\n%s", want, prom)
		}
	}

	// The next tick finds the same extract: a no-op.
	f.tick(t)
	defer func() {
		if t.Failed() {
			t.Log(f.logs.String())
		}
	}()
	waitUntil(t, "the second run", func() bool { return len(f.logs.records("run finished")) == 2 })
	if got := f.logs.records("run finished")[1]["outcome"]; got != outcomeNoop {
		t.Errorf("second run outcome %v, want noop", got)
	}
	f.stop(t)
	assertNoTemps(t, f.dir)
}

// webhookRecorder is a test webhook that keeps the messages it receives.
type webhookRecorder struct {
	mu   sync.Mutex
	msgs []webhookMessage
}

func (w *webhookRecorder) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var m webhookMessage
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &m); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(rw, "bad message", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.msgs = append(w.msgs, m)
	w.mu.Unlock()
}

func (w *webhookRecorder) messages() []webhookMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]webhookMessage(nil), w.msgs...)
}

func TestScheduleRetriesThenGivesUp(t *testing.T) {
	hook := &webhookRecorder{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	f := newScheduleFixture(t, fmt.Sprintf(`
cron: "0 6 * * *"
timezone: Europe/Berlin
retries: 2
retry_delay: 1m
notify: {webhook: %q, on_success: false}`, srv.URL), "")
	// A part file still being written: it has no footer yet.
	part := firstPartFile(t, filepath.Join(f.input, "purchases"))
	if err := os.Truncate(part, 100); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	f.tick(t)
	for i := 1; i <= 2; i++ {
		waitUntil(t, "a failed attempt", func() bool { return len(f.logs.records("run failed; will retry")) == i })
		f.sleepThrough(t, time.Minute)
	}
	waitUntil(t, "giving up", func() bool { return len(f.logs.records("run finished")) == 1 })
	line := f.logs.records("run finished")[0]
	if line["level"] != "ERROR" || line["outcome"] != outcomeFailed || line["attempts"] != 3.0 || line["error_kind"] != "extract_incomplete" ||
		!strings.Contains(line["error"].(string), "gave up after 3 attempts") || !strings.Contains(line["error"].(string), "not a readable parquet file") {
		t.Errorf("final line %v", line)
	}
	if retries := f.logs.records("run failed; will retry"); retries[0]["level"] != "WARN" || !strings.Contains(retries[0]["error"].(string), filepath.Base(part)) {
		t.Errorf("retry line %v", retries[0])
	}
	waitUntil(t, "the webhook", func() bool { return len(hook.messages()) == 1 })
	m := hook.messages()[0]
	if m.Run.Outcome != outcomeFailed || m.Run.ExitStatus != ExitData || !strings.Contains(m.Text, "failed") {
		t.Errorf("webhook message %+v", m)
	}
	if runs := f.runs(t); len(runs) != 1 || runs[0].Outcome != outcomeFailed || runs[0].Attempts != 3 {
		t.Errorf("runs.jsonl %+v", runs)
	}
}

func TestScheduleDataErrorNotRetried(t *testing.T) {
	hook := &webhookRecorder{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	// The generated set has a few invalid rows; a limit of 0 makes that a data error.
	f := newScheduleFixture(t, fmt.Sprintf(`
cron: "0 6 * * *"
retries: 3
retry_delay: 1m
notify: {webhook: %q, on_success: true}`, srv.URL), "quality: {max_invalid_share: 0}\n")
	f.start(t)
	f.tick(t)
	waitUntil(t, "the run", func() bool { return len(f.logs.records("run finished")) == 1 })
	if n := len(f.logs.records("run failed; will retry")); n != 0 {
		t.Errorf("a data error was retried %d times", n)
	}
	line := f.logs.records("run finished")[0]
	if line["outcome"] != outcomeFailed || line["attempts"] != 1.0 || line["error_kind"] != "data" || line["exit_status"] != 3.0 ||
		!strings.Contains(line["error"].(string), "too many invalid rows") {
		t.Errorf("run line %v", line)
	}
	waitUntil(t, "the webhook", func() bool { return len(hook.messages()) == 1 })
}

func TestScheduleStopCancelsARunAfterTheTimeout(t *testing.T) {
	f := newScheduleFixture(t, `cron: "* * * * *"`, "")
	f.s.stopTimeout = 300 * time.Millisecond
	entered := make(chan struct{})
	f.s.run = func(ctx context.Context) (*result, error) {
		close(entered)
		<-ctx.Done()
		return nil, fmt.Errorf("publish: %w", ctx.Err())
	}
	f.start(t)
	f.tick(t)
	<-entered
	began := time.Now()
	f.stop(t)
	if d := time.Since(began); d < 300*time.Millisecond || d > 10*time.Second {
		t.Errorf("stopped after %v, want the stop timeout of 300ms and little more", d)
	}
	if runs := f.runs(t); len(runs) != 1 || runs[0].Outcome != outcomeCancelled {
		t.Errorf("runs.jsonl %+v, want one cancelled run", runs)
	}
}

func TestScheduleStopLetsARunFinish(t *testing.T) {
	f := newScheduleFixture(t, `cron: "* * * * *"`, "")
	entered, release := make(chan struct{}), make(chan struct{})
	f.s.run = func(ctx context.Context) (*result, error) {
		close(entered)
		select {
		case <-release:
			return &result{quarter: "2026-Q3", rowsRead: 1}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.start(t)
	f.tick(t)
	<-entered
	time.AfterFunc(200*time.Millisecond, func() { close(release) })
	f.stop(t)
	if runs := f.runs(t); len(runs) != 1 || runs[0].Outcome != outcomePublished {
		t.Errorf("runs.jsonl %+v, want the run to finish", runs)
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
	if err := h.release(ctx, outcomePublished); err != nil {
		t.Fatal(err)
	}
	if _, err := b.claim(ctx, "recovery", tick); !errors.Is(err, errTickClaimed) {
		t.Errorf("claim after the run: %v, want errTickClaimed", err)
	}
	h, err = b.claim(ctx, "other-job", tick)
	if err != nil {
		t.Fatalf("another job's tick: %v", err)
	}
	h.release(ctx, outcomePublished)
	h, err = b.claim(ctx, "recovery", tick.Add(time.Minute))
	if err != nil {
		t.Fatalf("the next tick: %v", err)
	}
	h.release(ctx, outcomePublished)
}

func TestScheduleCommandRejectsBadConfig(t *testing.T) {
	cases := []struct{ name, schedule, want string }{
		{"bad cron", `cron: "61 * * * *"`, "schedule.cron"},
		{"six fields", `cron: "0 0 6 * * *"`, "schedule.cron"},
		{"bad time zone", "cron: \"0 6 * * *\"\ntimezone: Mars/Olympus", "schedule.timezone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "c.yaml")
			yml := "input: in\noutput: out\nschedule:\n"
			for _, l := range strings.Split(tc.schedule, "\n") {
				yml += "  " + l + "\n"
			}
			os.WriteFile(path, []byte(yml), 0o644)
			var stderr bytes.Buffer
			code := Main(context.Background(), []string{"schedule", "--config", path}, io.Discard, &stderr)
			if code != ExitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d naming %s", code, stderr.String(), ExitUsage, tc.want)
			}
		})
	}
}

func firstPartFile(t *testing.T, dir string) string {
	t.Helper()
	var first string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") && first == "" {
			first = p
		}
		return nil
	})
	if first == "" {
		t.Fatalf("no part file under %s", dir)
	}
	return first
}

// assertNoTemps fails if a temporary file of the publisher is left under dir.
func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), tempPrefix) || strings.Contains(d.Name(), ".tmp-")) {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}
