package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The publishing tests of issue 14: the extract's stale quarantine, and a first
// edition whose publication was interrupted before its manifest.

// TestStaleExtractQuarantine: quarantine/<table>.parquet of a table that has no
// set-aside rows in the extract read now (left by an earlier extract) is removed by
// the next run; the editions' copies stay.
func TestStaleExtractQuarantine(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, "run", "--output", out)
	stale := filepath.Join(out, "quarantine", "offers.parquet")
	writeFile(t, stale, readFile(t, filepath.Join(out, "quarantine", "purchases.parquet")))
	mustRun(t, "run", "--output", out)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("quarantine/offers.parquet of an earlier extract is still there: %v", err)
	}
	for _, keep := range []string{"quarantine/purchases.parquet", "quarantine/" + auditLabel + "/purchases.parquet"} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(keep))); err != nil {
			t.Errorf("%s: %v", keep, err)
		}
	}
}

// TestOrphanedFirstEdition interrupts a first publication after its workbook (the
// JSON, the quarantine copy and the manifest are missing): a rerun with the same bytes
// completes it; a run with other numbers refuses naming the files that exist and the
// missing manifest, and so does --restate, writing nothing.
func TestOrphanedFirstEdition(t *testing.T) {
	interrupted := func(t *testing.T) string {
		out := filepath.Join(t.TempDir(), "out")
		mustRun(t, "run", "--output", out)
		for _, name := range []string{"recovery-scorecard-" + auditLabel + ".json", "quarantine/" + auditLabel + "/purchases.parquet", "manifest-" + auditLabel + ".json"} {
			if err := os.Remove(filepath.Join(out, filepath.FromSlash(name))); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	t.Run("same bytes", func(t *testing.T) {
		out := interrupted(t)
		mustRun(t, "run", "--output", out)
		manifest := filepath.Join(out, "manifest-"+auditLabel+".json")
		if code, stdout, stderr := auditMain(t, "verify", manifest); code != ExitOK {
			t.Errorf("verify the completed edition: exit %d\n%s%s", code, stdout, stderr)
		}
	})
	t.Run("other bytes", func(t *testing.T) {
		out := interrupted(t)
		before := hashTree(t, out)
		for _, args := range [][]string{
			{"run", "--output", out, "--as-of", "2026-11-01T00:00:00Z"},
			{"run", "--output", out, "--as-of", "2026-11-01T00:00:00Z", "--restate"},
		} {
			code, _, stderr := auditMain(t, args...)
			if code != ExitConflict {
				t.Errorf("%v: exit %d, want %d: %s", args, code, ExitConflict, stderr)
			}
			for _, want := range []string{
				"edition " + auditLabel + " has no manifest (" + filepath.Join(out, "manifest-"+auditLabel+".json") + ")",
				"It has " + filepath.Join(out, "recovery-scorecard-"+auditLabel+".xlsx") + ";",
				"Nothing was written", "--restate cannot supersede",
			} {
				if !strings.Contains(stderr, want) {
					t.Errorf("%v: the refusal does not say %q: %s", args, want, stderr)
				}
			}
			if strings.Contains(stderr, "recovery-scorecard-"+auditLabel+".json") {
				t.Errorf("%v: the refusal names a file that does not exist: %s", args, stderr)
			}
			if !mapsEqual(before, hashTree(t, out)) {
				t.Errorf("%v: the refused run wrote files", args)
			}
		}
	})
}
