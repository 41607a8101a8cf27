package job_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/icebergtest"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/verify"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// runQuarter runs the default quarter of the extract set in dir as `recoverykpi
// run` does and returns the published files by base name and the manifest's path.
func runQuarter(t *testing.T, dir string) (map[string][]byte, string) {
	t.Helper()
	ctx := context.Background()
	j, err := job.Open(job.Options{Input: dir, Output: t.TempDir(), Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	l, err := j.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.RunQuarter(ctx, l, "", false)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, p := range res.Published {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = b
	}
	return files, res.Manifest
}

// A generated extract set whose complaints table is an Iceberg table written by
// iceberg-go (format v2, merge-on-read) holding the same rows as the plain file,
// after two appends, a delete of some rows (position delete file) and their
// re-insertion, gives the same scorecard JSON as the plain set. The manifest
// records the table's snapshot and hashes its metadata and delete files, and
// verify finds a changed delete file.
func TestIcebergTableGivesTheSameScorecard(t *testing.T) {
	plain := t.TempDir()
	if _, err := generate.Write(context.Background(), plain, generate.Options{Customers: 400, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	ice := filepath.Join(t.TempDir(), "extract")
	if err := os.CopyFS(ice, os.DirFS(plain)); err != nil {
		t.Fatal(err)
	}
	w := icebergtest.FromParquet(t, filepath.Join(ice, "complaints.parquet"), filepath.Join(ice, "complaints"), "complaint_id")
	snapshot := w.SnapshotID

	// validate names the format and snapshot, and the rows the delete file deletes.
	j, err := job.Open(job.Options{Input: ice, Output: t.TempDir(), Context: context.Background()})
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	if _, _, err := j.Check(context.Background(), &report); err != nil {
		t.Fatalf("validate: %v\n%s", err, report.String())
	}
	j.Close()
	for _, want := range []string{
		fmt.Sprintf("complaints  iceberg (format v2, snapshot %d)", snapshot),
		"complaints: 5 rows deleted by the table format's deletion vectors or delete files",
		"complaints/data/",
	} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("validate's report lacks %q:\n%s", want, report.String())
		}
	}

	want, _ := runQuarter(t, plain)
	got, mpath := runQuarter(t, ice)
	var compared int
	for name, b := range want {
		if strings.HasPrefix(name, "recovery-scorecard-") && strings.HasSuffix(name, ".json") {
			compared++
			if !bytes.Equal(got[name], b) {
				t.Errorf("%s differs between the plain and the Iceberg complaints table", name)
			}
		}
	}
	if compared == 0 {
		t.Fatalf("no scorecard JSON among %v", slices.Sorted(mapKeys(want)))
	}

	raw, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tables) != 1 || m.Tables[0] != (manifest.TableFormat{Table: "complaints", Format: "iceberg", Version: snapshot, FormatVersion: 2}) {
		t.Errorf("manifest tables %+v, want complaints at snapshot %d", m.Tables, snapshot)
	}
	roles := map[string]string{}
	var dataRows int64
	for _, in := range m.Inputs {
		if in.Table != "complaints" {
			continue
		}
		if in.Role == "" {
			dataRows += in.RowsRead
			continue
		}
		if len(in.SHA256) != 64 || in.Size <= 0 {
			t.Errorf("metadata input %+v not hashed", in)
		}
		roles[in.Role] = in.Path
	}
	for _, r := range []string{"iceberg metadata", "iceberg manifest list", "iceberg manifest", "iceberg position delete file"} {
		if roles[r] == "" {
			t.Errorf("manifest records no %s among %v", r, roles)
		}
	}
	if dataRows != w.Rows {
		t.Errorf("rows read from the data files %d, want %d (the 5 deleted rows are not read)", dataRows, w.Rows)
	}

	// verify reruns it; a changed delete file is a difference.
	ctx := t.Context()
	if _, err := verify.Manifest(ctx, mpath, ice, ""); err != nil {
		t.Fatalf("verify: %v", err)
	}
	del := filepath.Join(ice, filepath.FromSlash(roles["iceberg position delete file"]))
	b, err := os.ReadFile(del)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(del, append(b, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Manifest(ctx, mpath, ice, "")
	if !errors.Is(err, verify.ErrMismatch) {
		t.Fatalf("verify after changing %s: %v", del, err)
	}
	var out strings.Builder
	rep.Write(&out)
	if !strings.Contains(out.String(), "input changed: "+roles["iceberg position delete file"]) {
		t.Errorf("verify report does not name the changed delete file:\n%s", out.String())
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
