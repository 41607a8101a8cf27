package job

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/workbookdump"
)

// An optional column named in another case (REDEEMED_AT) is read like
// redeemed_at, with a warning that Load returns and validate prints; the
// tables read are the same as with the contract's name.
func TestColumnInAnotherCaseIsReadWithAWarning(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate.Write(context.Background(), dir, generate.Options{Customers: 300, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	original := New(config.Default(), os.DirFS(dir), dir, t.TempDir(), nil)
	want, err := original.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Warnings()) != 0 {
		t.Fatalf("warnings on a generated set: %q", want.Warnings())
	}

	// The footer names each column in the schema and in every column chunk's path;
	// the upper-case name has the same length, so the footer stays valid.
	p := filepath.Join(dir, "offers.parquet")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("redeemed_at")) {
		t.Fatal("offers.parquet has no redeemed_at")
	}
	if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte("redeemed_at"), []byte("REDEEMED_AT")), 0o644); err != nil {
		t.Fatal(err)
	}
	j := New(config.Default(), os.DirFS(dir), dir, t.TempDir(), nil)
	got, err := j.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const warning = "table offers: column redeemed_at is read from REDEEMED_AT (the names differ only in case), first in offers.parquet"
	if !reflect.DeepEqual(got.Warnings(), []string{warning}) {
		t.Errorf("warnings %q, want %q", got.Warnings(), warning)
	}
	if !reflect.DeepEqual(got.Quality(), want.Quality()) {
		t.Errorf("quality\n%+v\nwant\n%+v", got.Quality(), want.Quality())
	}
	var report strings.Builder
	if err := j.Validate(context.Background(), &report); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report.String(), "warning: "+warning) {
		t.Errorf("validate report does not warn:\n%s", report.String())
	}

	// SPEC §2 (v2): "with a warning in the log and on the Audit sheet".
	res, err := j.RunQuarter(context.Background(), got, "", false)
	if err != nil {
		t.Fatal(err)
	}
	audit := auditSheet(t, res.Published)
	for _, want := range []string{"Warnings from reading the extract set", warning} {
		if !strings.Contains(audit, want) {
			t.Errorf("the Audit sheet does not show %q:\n%s", want, audit)
		}
	}
	res, err = original.RunQuarter(context.Background(), want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if audit := auditSheet(t, res.Published); strings.Contains(audit, "Warnings from reading") {
		t.Errorf("the Audit sheet of a set without warnings has a warnings section:\n%s", audit)
	}
}

// auditSheet returns the text dump of the Audit sheet of the workbook among the
// published files.
func auditSheet(t *testing.T, published []string) string {
	t.Helper()
	for _, p := range published {
		if !strings.HasSuffix(p, ".xlsx") {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		d, err := workbookdump.Dump(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		_, audit, ok := strings.Cut(d, "Audit")
		if !ok {
			t.Fatalf("no Audit sheet in %s", p)
		}
		return audit
	}
	t.Fatalf("no workbook among %q", published)
	return ""
}
