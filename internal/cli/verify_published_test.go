package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The verify tests of issue 14: a published file listed in the manifest and missing,
// and the supersedes chain, are differences (exit 5), with and without a rerun.

// TestVerifyMissingPublishedFile deletes one published file of an edition at a time:
// verify and verify --manifest-only exit 5 and name it.
func TestVerifyMissingPublishedFile(t *testing.T) {
	for _, name := range []string{
		"recovery-scorecard-" + auditLabel + ".xlsx",
		"recovery-scorecard-" + auditLabel + ".json",
		"quarantine/" + auditLabel + "/purchases.parquet",
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			mustRun(t, "run", "--output", out)
			manifest := filepath.Join(out, "manifest-"+auditLabel+".json")
			if code, stdout, stderr := auditMain(t, "verify", "--manifest-only", manifest); code != ExitOK || !strings.Contains(stdout, "OK: ") {
				t.Fatalf("verify --manifest-only before the deletion: exit %d\n%s%s", code, stdout, stderr)
			}
			if err := os.Remove(filepath.Join(out, filepath.FromSlash(name))); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"verify", manifest}, {"verify", "--manifest-only", manifest}} {
				code, stdout, stderr := auditMain(t, args...)
				if code != ExitMismatch {
					t.Errorf("%v: exit %d, want %d\n%s%s", args, code, ExitMismatch, stdout, stderr)
				}
				if !strings.Contains(stdout, "published file missing: "+name) || !strings.Contains(stdout, "DIFFERENT:") {
					t.Errorf("%v: the report does not name %s as missing:\n%s", args, name, stdout)
				}
			}
		})
	}
}

// TestVerifySupersedesChain publishes edition 1 and a restatement r2, then alters or
// removes r1's manifest: verifying r2 (with or without the rerun) exits 5 and names
// it; untouched, the chain verifies.
func TestVerifySupersedesChain(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, r1 string)
		want   string
	}{
		{name: "untouched"},
		{name: "r1 manifest altered", change: func(t *testing.T, r1 string) {
			b := readFile(t, r1)
			writeFile(t, r1, []byte(strings.Replace(string(b), `"edition": 1`, `"edition":  1`, 1)))
		}, want: "superseded manifest altered: manifest-" + auditLabel + ".json"},
		{name: "r1 manifest removed", change: func(t *testing.T, r1 string) {
			if err := os.Remove(r1); err != nil {
				t.Fatal(err)
			}
		}, want: "superseded manifest missing: manifest-" + auditLabel + ".json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			mustRun(t, "run", "--output", out)
			mustRun(t, "run", "--output", out, "--as-of", "2026-11-01T00:00:00Z", "--restate")
			r1 := filepath.Join(out, "manifest-"+auditLabel+".json")
			r2 := filepath.Join(out, "manifest-"+auditLabel+"-r2.json")
			if tc.change != nil {
				tc.change(t, r1)
			}
			for _, args := range [][]string{{"verify", r2}, {"verify", "--manifest-only", r2}} {
				code, stdout, stderr := auditMain(t, args...)
				if tc.change == nil {
					if code != ExitOK || !strings.Contains(stdout, "1 superseded manifest(s) as recorded") {
						t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
					}
					continue
				}
				if code != ExitMismatch || !strings.Contains(stdout, tc.want) {
					t.Errorf("%v: exit %d, want %d and %q\n%s%s", args, code, ExitMismatch, tc.want, stdout, stderr)
				}
			}
		})
	}
}

// TestVerifyManifestOnlyUsage: --manifest-only reads no input, so --input with it is
// bad usage.
func TestVerifyManifestOnlyUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	mustRun(t, "run", "--output", out)
	code, _, stderr := auditMain(t, "verify", "--manifest-only", "--input", out, filepath.Join(out, "manifest-"+auditLabel+".json"))
	if code != ExitUsage || !strings.Contains(stderr, "--manifest-only") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
