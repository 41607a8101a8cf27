package job

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Summary is what a run, backfill or validate did, as `--output-format json` prints
// it on stdout (one object, also when the command failed after its flags were read)
// and as the one-line summary on stderr says it.
type Summary struct {
	Command string `json:"command"`
	// Outcome is published, noop (everything already published with the same bytes)
	// or failed for run and backfill; usable, unusable (exit 3) or failed for validate.
	Outcome      string           `json:"outcome"`
	ExitStatus   int              `json:"exit_status"`
	Error        string           `json:"error,omitempty"`
	Input        string           `json:"input,omitempty"`
	From         string           `json:"from,omitempty"` // backfill
	To           string           `json:"to,omitempty"`   // backfill
	Quarter      string           `json:"quarter,omitempty"`
	AsOf         string           `json:"as_of,omitempty"`
	Edition      int              `json:"edition,omitempty"`
	Manifest     string           `json:"manifest,omitempty"`
	Files        []string         `json:"files"`              // the files this run published
	Quarters     []QuarterSummary `json:"quarters,omitempty"` // backfill, in order
	RowsRead     int64            `json:"rows_read"`
	RowsSetAside int64            `json:"rows_set_aside"`
	Tables       []TableSummary   `json:"tables"` // the tables read, in contract order
}

// QuarterSummary is what a backfill did for one quarter: published, noop, failed or
// not run.
type QuarterSummary struct {
	Quarter  string   `json:"quarter"`
	AsOf     string   `json:"as_of,omitempty"`
	Outcome  string   `json:"outcome"`
	Edition  int      `json:"edition,omitempty"`
	Manifest string   `json:"manifest,omitempty"`
	Files    []string `json:"files,omitempty"`
	// ExitStatus and Error say why a quarter failed.
	ExitStatus int    `json:"exit_status,omitempty"`
	Error      string `json:"error,omitempty"`
}

// TableSummary counts the rows of one table; validate adds its layout.
type TableSummary struct {
	Table        string `json:"table"`
	RowsRead     int64  `json:"rows_read"`
	RowsSetAside int64  `json:"rows_set_aside"`
	// Format, Parts and PartitionColumns are set by validate only (TableLayout).
	Format           string   `json:"format,omitempty"`
	Parts            int      `json:"parts,omitempty"`
	PartitionColumns []string `json:"partition_columns,omitempty"`
}

// Summarize returns what publishing one quarter did.
func (r *Result) Summarize() QuarterSummary {
	q := QuarterSummary{Quarter: r.Quarter, AsOf: r.AsOf, Edition: r.Edition, Manifest: r.Manifest, Files: r.Published, Outcome: "published"}
	if r.Noop {
		q.Outcome = "noop"
	}
	return q
}

// SetQuarter records what publishing one quarter did.
func (s *Summary) SetQuarter(r *Result) {
	q := r.Summarize()
	s.Outcome, s.Quarter, s.AsOf, s.Edition, s.Manifest, s.Files = q.Outcome, q.Quarter, q.AsOf, q.Edition, q.Manifest, q.Files
}

// Summarize returns what a backfill step did; exitStatus gives the exit status of
// an error, as the command line maps it.
func (st Step) Summarize(exitStatus func(error) int) QuarterSummary {
	if st.Err != nil {
		return QuarterSummary{Quarter: st.Label, Outcome: "failed", ExitStatus: exitStatus(st.Err), Error: st.Err.Error()}
	}
	return st.Result.Summarize()
}

// Text says what was done for the quarter, as backfill's progress lines say it.
func (q QuarterSummary) Text() string {
	switch {
	case q.Outcome == "failed":
		return fmt.Sprintf("failed (exit status %d kind)", q.ExitStatus)
	case q.Outcome == "noop":
		return "already published, skipped"
	case q.Outcome == "published" && q.Edition > 1:
		return fmt.Sprintf("published edition %d", q.Edition)
	}
	return q.Outcome
}

// SetSteps records a backfill's steps, then the labels it did not run.
func (s *Summary) SetSteps(steps []Step, notRun []string, exitStatus func(error) int) {
	s.Outcome = "noop"
	for _, st := range steps {
		q := st.Summarize(exitStatus)
		if st.Err == nil {
			s.Files, s.AsOf = append(s.Files, q.Files...), q.AsOf
			if !st.Result.Noop {
				s.Outcome = "published"
			}
		}
		s.Quarters = append(s.Quarters, q)
	}
	for _, l := range notRun {
		s.Quarters = append(s.Quarters, QuarterSummary{Quarter: l, Outcome: "not run"})
	}
}

// WriteBackfill prints a backfill's summary: the counts, then one line per quarter
// saying what was done, what failed and what was not run.
func (s *Summary) WriteBackfill(w io.Writer) {
	n := map[string]int{}
	var sb strings.Builder
	for _, q := range s.Quarters {
		n[q.Outcome]++
		fmt.Fprintf(&sb, "  %s  %s", q.Quarter, q.Text())
		if q.AsOf != "" {
			fmt.Fprintf(&sb, " (as_of %s)", q.AsOf)
		}
		sb.WriteByte('\n')
	}
	fmt.Fprintf(w, "backfill %s..%s: %d published, %d already published, %d failed, %d not run\n%s",
		s.From, s.To, n["published"], n["noop"], n["failed"], n["not run"], sb.String())
}

// SetTables records the rows read and set aside of each table.
func (s *Summary) SetTables(qs []pipeline.TableQuality) {
	s.Tables = []TableSummary{}
	for _, q := range qs {
		s.Tables = append(s.Tables, TableSummary{Table: q.Table, RowsRead: q.RowsRead, RowsSetAside: q.RowsSetAside})
		s.RowsRead += q.RowsRead
		s.RowsSetAside += q.RowsSetAside
	}
}

// SetLayouts records each table's layout (validate), matched to the tables
// recorded by SetTables.
func (s *Summary) SetLayouts(ls []TableLayout) {
	for i := range s.Tables {
		for _, l := range ls {
			if l.Table == s.Tables[i].Table {
				s.Tables[i].Format, s.Tables[i].Parts, s.Tables[i].PartitionColumns = l.Format, l.Parts, l.PartitionColumns
			}
		}
	}
}

// Finish records how the command ended: err (nil for success) and its exit status.
func (s *Summary) Finish(err error, exitStatus int) {
	s.ExitStatus = exitStatus
	if err != nil {
		s.Error = err.Error()
		s.Outcome = "failed"
		if s.Command == "validate" && exitStatus == 3 {
			s.Outcome = "unusable"
		}
	}
	if s.Tables == nil {
		s.Tables = []TableSummary{}
	}
	if s.Files == nil {
		s.Files = []string{}
	}
}

// Log writes the summary as one log record: a sentence ("run 2026-Q3: published,
// 4 files; 14284 rows read, 8 set aside") and its numbers as attributes. The row
// counts are left out when no table was read to the end (a run that failed first).
func (s *Summary) Log(log *slog.Logger) {
	var sb strings.Builder
	sb.WriteString(s.Command)
	if s.Quarter != "" {
		fmt.Fprintf(&sb, " %s", s.Quarter)
	} else if s.From != "" {
		fmt.Fprintf(&sb, " %s..%s", s.From, s.To)
	}
	fmt.Fprintf(&sb, ": %s", s.Outcome)
	if n := len(s.Files); n > 0 {
		fmt.Fprintf(&sb, ", %d files", n)
	}
	if len(s.Tables) > 0 {
		fmt.Fprintf(&sb, "; %d rows read, %d set aside", s.RowsRead, s.RowsSetAside)
	}
	attrs := []any{"command", s.Command, "outcome", s.Outcome}
	if s.Quarter != "" {
		attrs = append(attrs, "quarter", s.Quarter, "as_of", s.AsOf)
	}
	if s.Command != "validate" {
		attrs = append(attrs, "files", len(s.Files))
	}
	if len(s.Tables) > 0 {
		attrs = append(attrs, "rows_read", s.RowsRead, "rows_set_aside", s.RowsSetAside)
	}
	var aside []any
	for _, t := range s.Tables {
		if t.RowsSetAside > 0 {
			aside = append(aside, slog.Int64(t.Table, t.RowsSetAside))
		}
	}
	log.Info(sb.String(), append(attrs, slog.Group("set_aside", aside...))...)
}
