package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

func backfillCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newFlags("backfill", "--from YYYY-Qn --to YYYY-Qn [--keep-going] [--config FILE] [--input DIR] [--output DIR] [--as-of RFC3339] [--restate]", stderr)
	from := fs.String("from", "", "first quarter `YYYY-Qn` (required)")
	to := fs.String("to", "", "last quarter `YYYY-Qn` (required)")
	keepGoing := fs.Bool("keep-going", false, "run the remaining quarters after a failure, and fail at the end")
	f.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return fmt.Errorf("%w: --from and --to are required", ErrUsage)
	}
	for _, q := range []struct{ flag, v string }{{"--from", *from}, {"--to", *to}} {
		if _, _, err := pipeline.ParseLabel(q.v); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrUsage, q.flag, err)
		}
	}
	j, err := openJob(f)
	if err != nil {
		return err
	}
	labels, err := quarterRange(j.Calendar(), *from, *to)
	if err != nil {
		return err
	}
	p := newProgress(stdout, len(labels))
	p.note(fmt.Sprintf("reading the extract set %s", j.InputRoot()))
	l, err := j.Load(ctx)
	if err != nil {
		return err
	}
	b := backfill{labels: labels, keepGoing: *keepGoing, restate: f.restate, progress: p}
	err = b.run(ctx, func(ctx context.Context, label string, restate bool) (*job.Result, error) {
		return j.RunQuarter(ctx, l, label, restate)
	})
	p.done()
	b.summary(stdout)
	return err
}

// quarterRange lists the labels from..to, in order.
func quarterRange(cal pipeline.Calendar, from, to string) ([]string, error) {
	a, err := cal.Quarter(from)
	if err != nil {
		return nil, fmt.Errorf("%w: --from: %v", ErrUsage, err)
	}
	b, err := cal.Quarter(to)
	if err != nil {
		return nil, fmt.Errorf("%w: --to: %v", ErrUsage, err)
	}
	if b.Start.Before(a.Start) {
		return nil, fmt.Errorf("%w: --to %s is before --from %s", ErrUsage, to, from)
	}
	var labels []string
	for q := a; !q.Start.After(b.Start); q = cal.Shift(q, 1) {
		labels = append(labels, q.Label)
		if len(labels) > 400 {
			return nil, fmt.Errorf("%w: --from %s --to %s spans more than 400 quarters", ErrUsage, from, to)
		}
	}
	return labels, nil
}

// backfill runs quarters in order with one loaded extract set (so with one as_of),
// and remembers what each did.
type backfill struct {
	labels    []string
	keepGoing bool
	restate   bool
	progress  *progress
	done      []backfillStep
}

type backfillStep struct {
	label string
	res   *job.Result
	err   error
}

func (b *backfill) run(ctx context.Context, runQuarter func(ctx context.Context, label string, restate bool) (*job.Result, error)) error {
	var errs []error
	for i, label := range b.labels {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("stopped before %s: %w", label, err))
			break
		}
		b.progress.start(i, label)
		res, err := runQuarter(ctx, label, b.restate)
		b.done = append(b.done, backfillStep{label: label, res: res, err: err})
		b.progress.step(i+1, label, stepText(res, err))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
			if !b.keepGoing {
				break
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("backfill %s..%s: %d of %d quarters failed: %w", b.labels[0], b.labels[len(b.labels)-1], len(errs), len(b.labels), errors.Join(errs...))
}

func stepText(res *job.Result, err error) string {
	switch {
	case err != nil:
		return fmt.Sprintf("failed (exit status %d kind)", ExitCode(err))
	case res.Noop:
		return "already published, skipped"
	case res.Edition > 1:
		return fmt.Sprintf("published edition %d", res.Edition)
	}
	return "published"
}

// summary prints one line per quarter: what was done, what failed, what was not run.
func (b *backfill) summary(w io.Writer) {
	var published, skipped, failed int
	var sb strings.Builder
	for _, s := range b.done {
		fmt.Fprintf(&sb, "  %s  %s", s.label, stepText(s.res, s.err))
		switch {
		case s.err != nil:
			failed++
		case s.res.Noop:
			skipped++
		default:
			published++
		}
		if s.res != nil && s.res.AsOf != "" {
			fmt.Fprintf(&sb, " (as_of %s)", s.res.AsOf)
		}
		sb.WriteByte('\n')
	}
	for _, l := range b.labels[len(b.done):] {
		fmt.Fprintf(&sb, "  %s  not run\n", l)
	}
	fmt.Fprintf(w, "backfill %s..%s: %d published, %d already published, %d failed, %d not run\n%s",
		b.labels[0], b.labels[len(b.labels)-1], published, skipped, failed, len(b.labels)-len(b.done), sb.String())
}

// progress shows a bar on a terminal and a line per quarter otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	started  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, terminal: isTerminal(w), total: total, started: time.Now()}
}

// isTerminal says whether w is a character device (a terminal), not a file or pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) note(msg string) {
	if !p.terminal {
		fmt.Fprintf(p.w, "%s\n", msg)
	}
}

func (p *progress) start(i int, label string) {
	if p.terminal {
		p.bar(i, label+" …")
	}
}

func (p *progress) step(i int, label, text string) {
	if p.terminal {
		p.bar(i, label+" "+text)
		return
	}
	fmt.Fprintf(p.w, "[%d/%d] %s %s\n", i, p.total, label, text)
}

func (p *progress) bar(i int, text string) {
	const width = 30
	filled := width * i / p.total
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s (%s)", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		i, p.total, text, time.Since(p.started).Round(time.Second))
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprint(p.w, "\n")
	}
}
