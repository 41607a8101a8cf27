package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// render returns an edition's files with body as the workbook's bytes, and records
// the supersedes it was given.
func render(body string, got **manifest.Supersedes) Render {
	return func(edition int, sup *manifest.Supersedes) ([]File, error) {
		*got = sup
		l := "2026-Q3" + EditionSuffix(edition)
		return []File{
			{Name: WorkbookName(l), Data: []byte(body)},
			{Name: QuarantineName(l, "purchases"), Data: []byte("q")},
			{Name: manifest.FileName(l), Data: []byte("manifest of " + body)},
		}, nil
	}
}

func TestEdition(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var sup *manifest.Supersedes
	extract := []File{{Name: "quarantine/purchases.parquet", Data: []byte("latest")}}
	// A temporary file of an interrupted run is removed.
	if err := os.WriteFile(filepath.Join(dir, TempPrefix+"x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	res, err := Edition(ctx, dir, "2026-Q3", false, render("a", &sup), extract)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "recovery-scorecard-2026-Q3.xlsx"), filepath.Join(dir, "quarantine/2026-Q3/purchases.parquet"), filepath.Join(dir, "manifest-2026-Q3.json")}
	if res.Edition != 1 || res.Noop || sup != nil || !slices.Equal(res.Published, want) {
		t.Fatalf("first run: %+v, supersedes %v; want edition 1 publishing %v", res, sup, want)
	}
	if _, err := os.Stat(filepath.Join(dir, TempPrefix+"x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "quarantine/purchases.parquet")); string(b) != "latest" {
		t.Errorf("quarantine/purchases.parquet = %q", b)
	}

	res, err = Edition(ctx, dir, "2026-Q3", false, render("a", &sup), extract)
	if err != nil || !res.Noop || res.Edition != 1 || res.Manifest != filepath.Join(dir, "manifest-2026-Q3.json") {
		t.Fatalf("same rerun: %+v, %v; want a no-op", res, err)
	}

	if _, err := Edition(ctx, dir, "2026-Q3", false, render("b", &sup), extract); !errors.Is(err, ErrOutputExists) {
		t.Fatalf("changed rerun: %v, want ErrOutputExists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "recovery-scorecard-2026-Q3.xlsx")); string(b) != "a" {
		t.Fatalf("the refused run replaced the workbook: %q", b)
	}

	res, err = Edition(ctx, dir, "2026-Q3", true, render("b", &sup), extract)
	if err != nil || res.Edition != 2 || res.Noop {
		t.Fatalf("restatement: %+v, %v; want edition 2", res, err)
	}
	if sup == nil || sup.Edition != 1 || sup.Manifest != "manifest-2026-Q3.json" || sup.SHA256 != manifest.Sum([]byte("manifest of a")) {
		t.Errorf("edition 2 supersedes %+v", sup)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "recovery-scorecard-2026-Q3-r2.xlsx")); string(b) != "b" {
		t.Errorf("edition 2 workbook %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "recovery-scorecard-2026-Q3.xlsx")); string(b) != "a" {
		t.Errorf("the restatement replaced edition 1: %q", b)
	}
}

// A name taken between the check and the link is not replaced.
func TestCommitNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	outs := []File{{Name: "x.json", Data: []byte("new")}}
	temps, err := stage(dir, outs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := commit(dir, outs, temps); !errors.Is(err, ErrOutputExists) {
		t.Fatalf("commit over an existing file: %v, want ErrOutputExists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "x.json")); string(b) != "old" {
		t.Errorf("x.json = %q, want the old bytes", b)
	}
	if _, err := os.Stat(temps[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
}
