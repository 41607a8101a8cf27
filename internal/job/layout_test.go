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
}
