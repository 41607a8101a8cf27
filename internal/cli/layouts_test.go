package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
)

// An extract set whose customers DuckDB wrote partitioned by segment
// (customers/segment=small%20business/data_0.parquet, ...) gives the same
// scorecard as the same set with customers in one file: the segment comes from
// the folders. validate reports each table's format, parts and partition
// columns, in text and in JSON.
func TestPartitionedExtractSet(t *testing.T) {
	dir := t.TempDir()
	flat, parted := filepath.Join(dir, "flat"), filepath.Join(dir, "parted")
	if _, err := generate.Write(context.Background(), flat, generate.Options{Customers: 300, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(parted, os.DirFS(flat)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(parted, "customers.parquet")); err != nil {
		t.Fatal(err)
	}
	duckdbtest.Run(t, "COPY (SELECT * FROM "+duckdbtest.Quote(filepath.Join(flat, "customers.parquet"))+") TO "+
		duckdbtest.Quote(filepath.Join(parted, "customers"))+" (FORMAT parquet, PARTITION_BY (segment))")
	segs, err := os.ReadDir(filepath.Join(parted, "customers"))
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) < 2 {
		t.Fatalf("customers/ holds %d partition folders", len(segs))
	}

	// validate, text
	var o, e bytes.Buffer
	if code := Main(context.Background(), []string{"validate", "--input", parted}, &o, &e); code != ExitOK {
		t.Fatalf("validate: exit %d: %s", code, e.String())
	}
	for _, want := range []string{
		"table       format                                   parts  partition columns",
		"customers   plain parts                              " + padLeft(len(segs), 5) + "  segment",
		"purchases   plain parts                                  4  year", // generate's year=… folders: no contract column
		"complaints  single file                                  1  none",
	} {
		if !strings.Contains(o.String(), want+"\n") {
			t.Errorf("validate report lacks %q:\n%s", want, o.String())
		}
	}

	// validate, JSON
	o.Reset()
	e.Reset()
	if code := Main(context.Background(), []string{"validate", "--input", parted, "--output-format", "json"}, &o, &e); code != ExitOK {
		t.Fatalf("validate --output-format json: exit %d: %s", code, e.String())
	}
	var s struct {
		Tables []struct {
			Table            string   `json:"table"`
			RowsRead         int64    `json:"rows_read"`
			Format           string   `json:"format"`
			Parts            int      `json:"parts"`
			PartitionColumns []string `json:"partition_columns"`
		} `json:"tables"`
	}
	if err := json.Unmarshal(o.Bytes(), &s); err != nil {
		t.Fatalf("%v: %s", err, o.String())
	}
	found := false
	for _, tb := range s.Tables {
		switch tb.Table {
		case "customers":
			found = true
			if tb.Format != "plain parts" || tb.Parts != len(segs) || !reflect.DeepEqual(tb.PartitionColumns, []string{"segment"}) || tb.RowsRead != 300 {
				t.Errorf("customers %+v", tb)
			}
		case "purchases":
			if tb.Format != "plain parts" || tb.Parts != 4 || !reflect.DeepEqual(tb.PartitionColumns, []string{"year"}) {
				t.Errorf("purchases %+v", tb)
			}
		}
	}
	if !found {
		t.Errorf("no customers in %s", o.String())
	}

	// run: the same scorecard
	scorecard := func(in string) []byte {
		t.Helper()
		out := filepath.Join(dir, "out-"+filepath.Base(in))
		var o, e bytes.Buffer
		if code := Main(context.Background(), []string{"run", "--input", in, "--output", out}, &o, &e); code != ExitOK {
			t.Fatalf("run %s: exit %d: %s", in, code, e.String())
		}
		files, err := filepath.Glob(filepath.Join(out, "recovery-scorecard-*.json"))
		if err != nil || len(files) != 1 {
			t.Fatalf("scorecards %v, %v", files, err)
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Customers are read in another order (folder by folder), so sums over
	// customers are added in another order: equal to the last bits of a double
	// (compareJSON, as against the reference), every count exactly.
	a, b := scorecard(flat), scorecard(parted)
	var av, bv any
	if err := json.Unmarshal(a, &av); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &bv); err != nil {
		t.Fatal(err)
	}
	if diffs := compareJSON("", av, bv, nil); len(diffs) > 0 {
		t.Errorf("the scorecard of the partitioned set differs from the flat one's:\n%s", strings.Join(diffs, "\n"))
	}
	if !bytes.Contains(a, []byte(`"segment": "small business"`)) {
		t.Errorf("no segment with a space (escaped in its folder name) in the scorecard")
	}
}

func padLeft(n, width int) string { return fmt.Sprintf("%*d", width, n) }
