package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/generate"
)

// backfillFixture generates a small extract set once per test.
func backfillFixture(t *testing.T) (in, out string) {
	t.Helper()
	dir := t.TempDir()
	in, out = filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if _, err := generate.Write(context.Background(), in, generate.Options{Customers: 120, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	return in, out
}

func runBackfill(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), append([]string{"backfill"}, args...), &o, &e)
	return code, o.String(), e.String()
}

var backfillQuarters = []string{"2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return nil
	})
	return files
}

func TestBackfillFourQuarters(t *testing.T) {
	in, out := backfillFixture(t)
	code, stdout, stderr := runBackfill(t, "--input", in, "--output", out, "--from", "2025-Q4", "--to", "2026-Q3")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, q := range backfillQuarters {
		for _, name := range []string{"recovery-scorecard-" + q + ".xlsx", "recovery-scorecard-" + q + ".json", "manifest-" + q + ".json"} {
			if _, err := os.Stat(filepath.Join(out, name)); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
		if !strings.Contains(stdout, "] "+q+" published") {
			t.Errorf("no progress line for %s in:\n%s", q, stdout)
		}
	}
	if !strings.Contains(stdout, "4 published, 0 already published, 0 failed, 0 not run") {
		t.Errorf("summary:\n%s", stdout)
	}
	// Every quarter has the same as_of: the extract was read once.
	asOf := ""
	for _, q := range backfillQuarters {
		b, _ := os.ReadFile(filepath.Join(out, "recovery-scorecard-"+q+".json"))
		i := strings.Index(string(b), `"as_of"`)
		if i < 0 {
			t.Fatalf("%s: no as_of", q)
		}
		v := string(b[i : i+40])
		if asOf != "" && v != asOf {
			t.Errorf("%s: %s, want %s", q, v, asOf)
		}
		asOf = v
	}

	before := snapshot(t, out)
	code, stdout, stderr = runBackfill(t, "--input", in, "--output", out, "--from", "2025-Q4", "--to", "2026-Q3")
	if code != ExitOK {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "0 published, 4 already published, 0 failed, 0 not run") {
		t.Errorf("rerun summary:\n%s", stdout)
	}
	after := snapshot(t, out)
	if len(after) != len(before) {
		t.Errorf("rerun changed the output folder: %d files, then %d", len(before), len(after))
	}
	for name, data := range before {
		if after[name] != data {
			t.Errorf("rerun changed %s", name)
		}
	}
}

func TestBackfillStopsOrKeepsGoing(t *testing.T) {
	in, out := backfillFixture(t)
	// Another publication of 2026-Q1 is already there: that quarter is refused (exit 4).
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(out, "recovery-scorecard-2026-Q1.json")
	if err := os.WriteFile(blocked, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runBackfill(t, "--input", in, "--output", out, "--from", "2025-Q4", "--to", "2026-Q3")
	if code != ExitConflict {
		t.Fatalf("exit %d, want %d: %s", code, ExitConflict, stderr)
	}
	if !strings.Contains(stdout, "1 published, 0 already published, 1 failed, 2 not run") ||
		!strings.Contains(stdout, "2026-Q2  not run") || !strings.Contains(stderr, "2026-Q1") {
		t.Errorf("stop summary:\n%s\nstderr: %s", stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "recovery-scorecard-2026-Q2.json")); err == nil {
		t.Error("2026-Q2 ran after the failure without --keep-going")
	}

	code, stdout, stderr = runBackfill(t, "--input", in, "--output", out, "--from", "2025-Q4", "--to", "2026-Q3", "--keep-going")
	if code != ExitConflict {
		t.Fatalf("--keep-going: exit %d, want %d: %s", code, ExitConflict, stderr)
	}
	if !strings.Contains(stdout, "2 published, 1 already published, 1 failed, 0 not run") {
		t.Errorf("--keep-going summary:\n%s", stdout)
	}
	for _, q := range []string{"2025-Q4", "2026-Q2", "2026-Q3"} {
		if _, err := os.Stat(filepath.Join(out, "recovery-scorecard-"+q+".json")); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if b, _ := os.ReadFile(blocked); string(b) != "{}\n" {
		t.Error("the refused quarter's file was replaced")
	}
	assertNoTemps(t, out)
}

func TestBackfillUsage(t *testing.T) {
	cases := [][]string{
		{"--from", "2026-Q1"},
		{"--from", "2026-Q5", "--to", "2026-Q1"},
		{"--from", "2026-Q3", "--to", "2026-Q1"},
		{"--from", "2026-Q1", "--to", "2026-Q2", "--quarter", "2026-Q1"},
	}
	for _, args := range cases {
		if code, _, stderr := runBackfill(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, code, stderr, ExitUsage)
		}
	}
}
