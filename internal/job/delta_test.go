package job

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/readers"
	manifestout "github.com/recoverykpi/recoverykpi/writers/manifest"
)

// deltaSet is a generated extract set whose customers table is the golden
// Delta table name of readers/testdata/delta/ (written by Delta Lake), its
// columns mapped.
func deltaSet(t *testing.T, name string) (string, *config.Config) {
	t.Helper()
	dir := t.TempDir()
	if _, err := generate.Write(context.Background(), dir, generate.Options{Customers: 50, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "customers.parquet")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "customers"), os.DirFS(filepath.Join("..", "..", "readers", "testdata", "delta", name))); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Tables = map[string]config.Table{"customers": {Columns: map[string]string{"customer_id": "col1", "segment": "part", "name": "col2"}}}
	return dir, cfg
}

// validate reports a Delta table's format with its version, its snapshot's
// data files (those its log removed are not read) and the rows its deletion
// vectors delete.
func TestValidateReportsDeltaTable(t *testing.T) {
	dir, cfg := deltaSet(t, "dv-partitioned-with-checkpoint")
	j := New(cfg, os.DirFS(dir), dir, t.TempDir(), nil)
	var report strings.Builder
	_, layouts, err := j.Check(context.Background(), &report)
	if err != nil {
		t.Fatalf("%v\n%s", err, report.String())
	}
	var found bool
	for _, l := range layouts {
		if l.Table == "customers" {
			found = true
			if l.Format != "delta (version 15)" || len(l.PartitionColumns) != 1 || l.PartitionColumns[0] != "part" {
				t.Errorf("layout %+v", l)
			}
		}
	}
	if !found {
		t.Fatal("no layout for customers")
	}
	for _, want := range []string{
		"customers   delta (version 15)",
		"customers: 2 rows deleted by the table format's deletion vectors or delete files (not in the table: not read, not set aside)",
		"customers/part=1/part-00000-",
	} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, report.String())
		}
	}
	// The file DELETEs removed from part=0 is not an input.
	if strings.Contains(report.String(), "part=0/part-00000-8387c699") {
		t.Errorf("a removed file is read:\n%s", report.String())
	}
}

// A Delta table with a reader feature the program does not apply stops
// validate as unusable (exit status 3), naming the table and the feature.
func TestValidateRefusesDeltaColumnMapping(t *testing.T) {
	dir, cfg := deltaSet(t, "table-with-dv-small")
	cfg.Tables = map[string]config.Table{"customers": {Columns: map[string]string{"customer_id": "value"}}}
	j := New(cfg, os.DirFS(dir), dir, t.TempDir(), nil)
	var report strings.Builder
	_, _, err := j.Check(context.Background(), &report)
	if !errors.Is(err, readers.ErrUnusable) || !strings.Contains(err.Error(), "table customers") || !strings.Contains(err.Error(), "columnMapping") {
		t.Fatalf("want an unusable extract naming customers and columnMapping, got %v", err)
	}
}

// A quarter read from a Delta table records the table's version in the manifest,
// and the log files replayed and deletion vector files applied among its inputs,
// hashed.
func TestManifestRecordsDeltaSnapshot(t *testing.T) {
	dir, cfg := deltaSet(t, "dv-partitioned-with-checkpoint")
	j := New(cfg, os.DirFS(dir), dir, t.TempDir(), nil)
	ctx := context.Background()
	l, err := j.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.RunQuarter(ctx, l, "", false)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(res.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"tables": [
    {
      "table": "customers",
      "format": "delta",
      "version": 15
    }
  ]`) {
		t.Errorf("manifest does not record the Delta version:\n%s", raw)
	}
	m, err := manifestout.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	for _, in := range m.Inputs {
		if in.Role != "" {
			roles[in.Role]++
			if in.Table != "customers" || len(in.SHA256) != 64 || !strings.HasPrefix(in.Path, "customers/") {
				t.Errorf("metadata input %+v", in)
			}
		}
	}
	if roles["delta checkpoint"] != 1 || roles["delta commit"] == 0 || roles["delta deletion vector"] == 0 {
		t.Errorf("metadata inputs by role %v, want the checkpoint, the later commits and the deletion vector files", roles)
	}
}
