package schedule

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/redact"
)

// RunsFileName is the run history in the output folder: one JSON object per line,
// each a Record.
const RunsFileName = "runs.jsonl"

// Record is one scheduled run, as logged, appended to runs.jsonl and sent to the
// webhook. Times are wall-clock times in UTC (they never reach the scorecard files).
type Record struct {
	RunID       string    `json:"run_id"`
	Job         string    `json:"job"`
	Host        string    `json:"host"`
	ScheduledAt time.Time `json:"scheduled_at"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Duration    float64   `json:"duration_seconds"`
	Attempts    int       `json:"attempts"`
	Quarter     string    `json:"quarter,omitempty"`
	AsOf        string    `json:"as_of,omitempty"`
	// Outcome is published, noop, failed or cancelled.
	Outcome    string    `json:"outcome"`
	RowsRead   int64     `json:"rows_read"`
	Published  []string  `json:"published,omitempty"`
	ExitStatus int       `json:"exit_status"` // what `recoverykpi run` would have returned
	ErrorKind  ErrorKind `json:"error_kind,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// Outcomes of a run.
const (
	OutcomePublished = "published"
	OutcomeNoop      = "noop"
	OutcomeFailed    = "failed"
	OutcomeCancelled = "cancelled"
)

// fill sets what a run's result or error says.
func (s *Runner) fill(r *Record, res *Result, err error) {
	r.Duration = r.FinishedAt.Sub(r.StartedAt).Seconds()
	if res != nil {
		r.Quarter, r.AsOf, r.RowsRead, r.Published = res.Quarter, res.AsOf, res.RowsRead, res.Published
	}
	switch {
	case s.exitStatus != nil:
		r.ExitStatus = s.exitStatus(err)
	case err != nil:
		r.ExitStatus = 1
	}
	switch {
	case err == nil && res != nil && res.Noop:
		r.Outcome = OutcomeNoop
	case err == nil:
		r.Outcome = OutcomePublished
	default:
		r.Error = err.Error()
		r.ErrorKind = s.errorKind(err)
		r.Outcome = OutcomeFailed
		if r.ErrorKind == KindCancelled {
			r.Outcome = OutcomeCancelled
		}
	}
}

func (r *Record) succeeded() bool {
	return r.Outcome == OutcomePublished || r.Outcome == OutcomeNoop
}

func (s *Runner) runsPath() string { return filepath.Join(s.cfg.Output, RunsFileName) }

// finish records a run: a line in runs.jsonl, the metrics file, one log line and the
// webhook, in that order (so that whoever reads the log line finds the files
// written). Failures to record are logged; they do not change the run's outcome.
func (s *Runner) finish(logger *slog.Logger, rec Record) {
	if err := appendRun(s.runsPath(), rec); err != nil {
		logger.Error("record the run", "file", s.runsPath(), "error", err.Error())
	}
	s.mu.Lock()
	if rec.succeeded() {
		s.lastSuccess = rec.FinishedAt
	}
	last := s.lastSuccess
	s.mu.Unlock()
	if s.sched.MetricsFile != "" {
		if err := writeMetrics(s.sched.MetricsFile, s.name, rec, last); err != nil {
			logger.Error("write the metrics file", "file", s.sched.MetricsFile, "error", err.Error())
		}
	}
	attrs := []any{"quarter", rec.Quarter, "duration", time.Duration(rec.Duration * float64(time.Second)).Round(time.Millisecond).String(),
		"rows_read", rec.RowsRead, "outcome", rec.Outcome, "attempts", rec.Attempts}
	if s.cron != nil {
		if next, err := s.cron.nextRun(); err == nil {
			attrs = append(attrs, "next_run", next)
		}
	}
	switch rec.Outcome {
	case OutcomePublished, OutcomeNoop:
		logger.Info("run finished", attrs...)
	case OutcomeCancelled:
		logger.Warn("run finished", append(attrs, "error", rec.Error)...)
	default:
		logger.Error("run finished", append(attrs, "error_kind", string(rec.ErrorKind), "exit_status", rec.ExitStatus, "error", rec.Error)...)
	}
	if n := s.sched.Notify; n != nil && n.Webhook != "" && (!rec.succeeded() || n.OnSuccess) {
		if err := s.notify(n.Webhook, rec); err != nil {
			logger.Error("notify the webhook", "error", err.Error())
		}
	}
}

// appendRun appends one line to runs.jsonl. A line is written with one write on a file
// opened for appending, so lines from two schedulers do not interleave.
func appendRun(path string, rec Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// lastSuccessOf returns the finish time of the job's last successful run in
// runs.jsonl (zero if none), reading at most the last megabyte.
func lastSuccessOf(path, job string) time.Time {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 1<<20 {
		if _, err := f.Seek(st.Size()-1<<20, io.SeekStart); err != nil {
			return time.Time{}
		}
	}
	var last time.Time
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Job != job || !r.succeeded() {
			continue
		}
		if r.FinishedAt.After(last) {
			last = r.FinishedAt
		}
	}
	return last
}

// writeMetrics writes the Prometheus text file for node_exporter's textfile
// collector, atomically: a temporary file in the same folder (whose name does not end
// in .prom, so the collector ignores it), then a rename.
func writeMetrics(path, job string, rec Record, lastSuccess time.Time) error {
	var b strings.Builder
	lbl := fmt.Sprintf(`{job=%q}`, job)
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s%s %s\n", name, help, name, name, lbl, strconv.FormatFloat(v, 'f', -1, 64))
	}
	unix := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixMilli()) / 1000
	}
	gauge("recoverykpi_last_success_timestamp_seconds", "Unix time at which the last successful run (published or no-op) finished; 0 if none.", unix(lastSuccess))
	gauge("recoverykpi_last_run_timestamp_seconds", "Unix time at which the last run finished.", unix(rec.FinishedAt))
	gauge("recoverykpi_last_run_duration_seconds", "Duration of the last run, waits and retries included.", rec.Duration)
	success := 0.0
	if rec.succeeded() {
		success = 1
	}
	gauge("recoverykpi_last_run_success", "1 if the last run published or found nothing to do, 0 if it failed or was cancelled.", success)
	gauge("recoverykpi_last_run_rows_read", "Rows read from the extract set by the last run.", float64(rec.RowsRead))
	gauge("recoverykpi_last_run_attempts", "Attempts of the last run (1 without retries).", float64(rec.Attempts))
	name := "recoverykpi_last_run_outcome"
	fmt.Fprintf(&b, "# HELP %s Outcome of the last run: 1 for the outcome it had, 0 for the others.\n# TYPE %s gauge\n", name, name)
	for _, o := range []string{OutcomePublished, OutcomeNoop, OutcomeFailed, OutcomeCancelled} {
		v := 0
		if rec.Outcome == o {
			v = 1
		}
		fmt.Fprintf(&b, "%s{job=%q,outcome=%q} %d\n", name, job, o, v)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// WebhookMessage is the JSON body posted to schedule.notify.webhook. Text is a
// one-line summary (the field chat services display); Run holds every detail.
type WebhookMessage struct {
	Text string `json:"text"`
	Run  Record `json:"run"`
}

// notify posts the run record to the webhook. The URL is a credential (chat services
// authenticate by its path): the errors it returns have it redacted, net/http's
// included, which quote the URL.
func (s *Runner) notify(url string, rec Record) error {
	err := s.post(url, rec)
	secrets := []string{url}
	if u, perr := neturl.Parse(url); perr == nil {
		secrets = append(secrets, u.String(), u.Redacted())
		if u.EscapedPath() != "" && u.EscapedPath() != "/" {
			secrets = append(secrets, u.EscapedPath(), u.Path)
		}
	}
	return redact.Error(err, secrets...)
}

func (s *Runner) post(url string, rec Record) error {
	text := fmt.Sprintf("recoverykpi %s: %s", rec.Job, rec.Outcome)
	if rec.Quarter != "" {
		text += " " + rec.Quarter
	}
	if rec.Error != "" {
		text += ": " + rec.Error
	}
	body, err := json.Marshal(WebhookMessage{Text: text, Run: rec})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", redact.Webhook(url), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "recoverykpi")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", redact.Webhook(url), resp.Status)
	}
	return nil
}
