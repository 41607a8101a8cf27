package job

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/publish"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

func TestSummaryOfABackfill(t *testing.T) {
	refused := errors.New("refused")
	steps := []Step{
		{Label: "2026-Q1", Result: &Result{Quarter: "2026-Q1", AsOf: "2026-11-15T00:00:00Z", Result: publish.Result{Edition: 1, Published: []string{"a.xlsx", "m.json"}}}},
		{Label: "2026-Q2", Result: &Result{Quarter: "2026-Q2", AsOf: "2026-11-15T00:00:00Z", Result: publish.Result{Edition: 2, Noop: true}}},
		{Label: "2026-Q3", Err: refused},
	}
	s := &Summary{Command: "backfill", From: "2026-Q1", To: "2026-Q4"}
	s.SetTables([]pipeline.TableQuality{{Table: "customers", RowsRead: 10}, {Table: "purchases", RowsRead: 100, RowsSetAside: 3}})
	s.SetSteps(steps, []string{"2026-Q4"}, func(error) int { return 4 })
	s.Finish(refused, 4)
	if s.Outcome != "failed" || s.ExitStatus != 4 || s.RowsRead != 110 || s.RowsSetAside != 3 || len(s.Files) != 2 || s.AsOf == "" {
		t.Errorf("summary %+v", s)
	}
	var outcomes []string
	for _, q := range s.Quarters {
		outcomes = append(outcomes, q.Text())
	}
	if got := strings.Join(outcomes, "|"); got != "published|already published, skipped|failed (exit status 4 kind)|not run" {
		t.Errorf("quarters: %s", got)
	}
	var b strings.Builder
	s.WriteBackfill(&b)
	if !strings.HasPrefix(b.String(), "backfill 2026-Q1..2026-Q4: 1 published, 1 already published, 1 failed, 1 not run\n") {
		t.Errorf("text:\n%s", b.String())
	}
	b.Reset()
	s.Log(slog.New(slog.NewTextHandler(&b, nil)))
	if !strings.Contains(b.String(), `msg="backfill 2026-Q1..2026-Q4: failed, 2 files; 110 rows read, 3 set aside"`) || !strings.Contains(b.String(), "set_aside.purchases=3") {
		t.Errorf("log line: %s", b.String())
	}
}
