package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

func backfillCommand(ctx context.Context, args []string, e *Env) error {
	var f runFlags
	fs := newFlags("backfill", e)
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
	if err := f.setup(e); err != nil {
		return err
	}
	s := &job.Summary{Command: "backfill", From: *from, To: *to}
	j, err := openJob(ctx, f, e)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	defer j.Close()
	warn(e, j)
	s.Input = j.InputRoot()
	labels, err := j.Quarters(*from, *to)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	p := newProgress(e.Stdout, len(labels))
	if f.outputFormat == "json" {
		// stdout holds only the summary object: the progress goes to the log.
		p.log, p.terminal = e.log, false
	}
	p.note(fmt.Sprintf("reading the extract set %s", j.InputRoot()))
	l, err := j.Load(ctx)
	if err != nil {
		return finish(e, s, f.formatFlags, err)
	}
	defer l.Close()
	warnEach(e, l.Warnings())
	s.SetTables(l.Quality())
	steps, err := j.Backfill(ctx, l, labels, f.restate, *keepGoing, p)
	p.end()
	s.SetSteps(steps, labels[len(steps):], ExitCode)
	if f.outputFormat != "json" {
		s.WriteBackfill(e.Stdout)
	}
	return finish(e, s, f.formatFlags, err)
}

// progress shows a bar on a terminal and a line per quarter otherwise, or a log
// record per quarter when log is set.
type progress struct {
	w        io.Writer
	log      *slog.Logger
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
	if p.log != nil {
		p.log.Info(msg)
	} else if !p.terminal {
		fmt.Fprintf(p.w, "%s\n", msg)
	}
}

// Start shows that quarter i (from 0) is being run.
func (p *progress) Start(i int, label string) {
	if p.terminal {
		p.bar(i, label+" …")
	}
}

// Done shows what quarter i (from 1) did.
func (p *progress) Done(i int, s job.Step) {
	text := s.Summarize(ExitCode).Text()
	if p.log != nil {
		p.log.Info(fmt.Sprintf("[%d/%d] %s %s", i, p.total, s.Label, text), "quarter", s.Label)
		return
	}
	if p.terminal {
		p.bar(i, s.Label+" "+text)
		return
	}
	fmt.Fprintf(p.w, "[%d/%d] %s %s\n", i, p.total, s.Label, text)
}

func (p *progress) bar(i int, text string) {
	const width = 30
	filled := width * i / p.total
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d %s (%s)", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		i, p.total, text, time.Since(p.started).Round(time.Second))
}

// end ends the bar's line on a terminal.
func (p *progress) end() {
	if p.terminal {
		fmt.Fprint(p.w, "\n")
	}
}
