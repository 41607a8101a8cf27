package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/icebergtest"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/objstore"
	"github.com/recoverykpi/recoverykpi/readers"
	"github.com/recoverykpi/recoverykpi/writers/manifest"
)

// published runs the default quarter of the extract set at input (a folder or a URL)
// through job.Open, as `recoverykpi run --input` does, and returns the published
// files by name and the manifest.
func published(t *testing.T, input string) (map[string][]byte, *manifest.Manifest) {
	t.Helper()
	ctx := context.Background()
	out := t.TempDir()
	j, err := job.Open(job.Options{Input: input, Output: out, Context: ctx})
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
	raw, err := os.ReadFile(res.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	return files, m
}

// The same extract set read from a folder and from each object store gives the same
// bytes of the scorecard JSON, the workbook and the quarantine, and the manifest
// records the same input files with the same SHA-256; its input_root is the URL
// without secrets, and no output holds a credential.
func TestSameOutputsFromEveryStore(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate.Write(context.Background(), dir, generate.Options{Customers: 600, Seed: 7, PartRows: 3000}); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "extracts")
	if err := os.CopyFS(root, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	want, wantM := published(t, root)
	var compared []string
	for name := range want {
		if strings.HasSuffix(name, ".json") && !strings.Contains(name, "manifest") || strings.HasSuffix(name, ".xlsx") || strings.HasSuffix(name, ".parquet") {
			compared = append(compared, name)
		}
	}
	if len(compared) < 2 {
		t.Fatalf("published %d files to compare: %v", len(compared), want)
	}
	slices.Sort(compared)
	t.Logf("compared: %s", strings.Join(compared, ", "))
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			pre := randomName() + "/extracts"
			s.put(t, dir, pre)
			u := s.url(pre)
			got, gotM := published(t, u)
			for _, name := range compared {
				if !bytes.Equal(got[name], want[name]) {
					t.Errorf("%s differs from the folder's (%d bytes, want %d)", name, len(got[name]), len(want[name]))
				}
			}
			if !reflect.DeepEqual(gotM.Inputs, wantM.Inputs) {
				t.Errorf("manifest inputs\n%+v\nwant\n%+v", gotM.Inputs, wantM.Inputs)
			}
			if gotM.InputRoot != objstore.Root(u) {
				t.Errorf("input_root %q, want %q", gotM.InputRoot, objstore.Root(u))
			}
			for name, b := range got {
				if bytes.Contains(b, []byte(secretKey)) || bytes.Contains(b, []byte(azuriteKey)) {
					t.Errorf("%s holds a credential", name)
				}
			}
		})
	}
}

// A URL input that names no extract set: a missing prefix is an extract not landed
// (readers.ErrIncomplete, retried by the scheduler) whose error names the URL without
// its secrets; a URL that cannot name one is a usage error.
func TestJobOpenURLErrors(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			u := s.url(randomName() + "/extracts")
			_, err := job.Open(job.Options{Input: u, Output: t.TempDir()})
			if !errors.Is(err, readers.ErrIncomplete) {
				t.Fatalf("missing prefix: %v, want ErrIncomplete", err)
			}
			base, _, _ := strings.Cut(objstore.Root(u), "?")
			if !strings.Contains(err.Error(), base) {
				t.Errorf("%v does not name %s", err, base)
			}
		})
	}
	_, err := job.Open(job.Options{Input: "s3://bucket/x/?sig=hunter2", Output: t.TempDir()})
	if !errors.Is(err, job.ErrUsage) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a URL with an unknown, secret parameter: %v", err)
	}
}

// An extract set whose complaints table is an Iceberg table (written by
// iceberg-go, with a position delete file) reads the same from a folder and from
// each object store: the same scorecard JSON and the same manifest inputs (the
// table's metadata, manifests and delete file among them), its snapshot recorded.
// The metadata names the table by a location that is neither the folder nor the
// bucket: it is mapped to wherever the table is found.
func TestIcebergTableFromEveryStore(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate.Write(context.Background(), dir, generate.Options{Customers: 300, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	w := icebergtest.FromParquet(t, filepath.Join(dir, "complaints.parquet"), filepath.Join(dir, "complaints"), "complaint_id")
	want, wantM := published(t, dir)
	if len(wantM.Tables) != 1 || wantM.Tables[0].Version != w.SnapshotID {
		t.Fatalf("manifest tables %+v, want the Iceberg snapshot %d", wantM.Tables, w.SnapshotID)
	}
	const scorecard = "recovery-scorecard-2026-Q3.json"
	if want[scorecard] == nil {
		t.Fatalf("no %s among the published files", scorecard)
	}
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			pre := randomName() + "/extracts"
			s.put(t, dir, pre)
			got, gotM := published(t, s.url(pre))
			if !bytes.Equal(got[scorecard], want[scorecard]) {
				t.Errorf("%s differs from the folder's", scorecard)
			}
			if !reflect.DeepEqual(gotM.Inputs, wantM.Inputs) || !reflect.DeepEqual(gotM.Tables, wantM.Tables) {
				t.Errorf("manifest inputs\n%+v\n%+v\nwant\n%+v\n%+v", gotM.Inputs, gotM.Tables, wantM.Inputs, wantM.Tables)
			}
		})
	}
}
