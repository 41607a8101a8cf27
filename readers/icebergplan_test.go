package readers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
)

// planText renders a scan plan as one line per data file: its path, then the
// paths of its position delete files, deletion vectors and equality delete files,
// each sorted. Paths are relative to the table folder.
func planText(t *testing.T, tio *icebergFS, files []string, pos, dv, eq [][]string) string {
	t.Helper()
	rel := func(loc string) string {
		r, ok := tio.relative(loc)
		if !ok {
			t.Fatalf("%s is outside the table", loc)
		}
		return strings.TrimPrefix(r, tio.dir+"/")
	}
	var lines []string
	for i, f := range files {
		parts := []string{rel(f)}
		for _, kind := range [][]string{pos[i], dv[i], eq[i]} {
			var names []string
			for _, d := range kind {
				names = append(names, rel(d))
			}
			slices.Sort(names)
			parts = append(parts, "["+strings.Join(names, " ")+"]")
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func paths(files []iceberg.DataFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.FilePath())
	}
	return out
}

// TestIcebergPlanAsIcebergGo plans tables written by iceberg-go (appends before
// and after position deletes, equality deletes and deletion vectors, identity
// partitions, format v2 and v3) and compares the plan, data file by data file,
// with iceberg-go's own Scan().PlanFiles on the same folder.
func TestIcebergPlanAsIcebergGo(t *testing.T) {
	w := newIcebergWarehouse(t)
	mor := func(v string) iceberg.Properties {
		return iceberg.Properties{"format-version": v, table.WriteDeleteModeKey: table.WriteModeMergeOnRead}
	}

	// v2: position and equality deletes, with appends before and after each.
	tbl := w.create("departures", icebergDepartures, mor("2"))
	tbl = w.appendJSON(tbl, departureRows(ids("a", 0, 10)...))
	tbl = w.appendJSON(tbl, departureRows(ids("b", 0, 5)...))
	tbl = w.deleteWhere(tbl, "customer_id", "a03", "b04")
	tbl = w.appendJSON(tbl, departureRows(ids("c", 0, 5)...))
	tbl = w.equalityDelete(tbl, "b01", "a07", "c02")
	tbl = w.appendJSON(tbl, departureRows("a07", "d00"))
	w.deleteWhere(tbl, "customer_id", "a05", "c03", "d00")

	// v2, partitioned by identity(reason): position deletes are partition-scoped.
	spec := iceberg.NewPartitionSpec(iceberg.PartitionField{SourceIDs: []int{3}, FieldID: 1000, Name: "reason", Transform: iceberg.IdentityTransform{}})
	ptbl, err := w.cat.CreateTable(t.Context(), catalog.ToIdentifier("db", "complaints"), icebergDepartures,
		catalog.WithPartitionSpec(&spec), catalog.WithProperties(mor("2")))
	if err != nil {
		t.Fatal(err)
	}
	rows := func(reason string, ids ...string) string {
		return strings.ReplaceAll(departureRows(ids...), `"price"`, fmt.Sprintf("%q", reason))
	}
	ptbl = w.appendJSON(ptbl, rows("price", ids("p", 0, 6)...))
	ptbl = w.appendJSON(ptbl, rows("moved", ids("m", 0, 6)...))
	ptbl = w.deleteWhere(ptbl, "customer_id", "p01", "m02")
	ptbl = w.appendJSON(ptbl, rows("price", ids("q", 0, 3)...))
	w.deleteWhere(ptbl, "customer_id", "q01", "m04")

	// v3: deletion vectors, replaced by a second delete of the same file.
	vtbl := w.create("outreach", icebergDepartures, mor("3"))
	vtbl = w.appendJSON(vtbl, departureRows(ids("a", 0, 10)...))
	vtbl = w.deleteWhere(vtbl, "customer_id", "a01")
	vtbl = w.appendJSON(vtbl, departureRows(ids("b", 0, 4)...))
	w.deleteWhere(vtbl, "customer_id", "a05", "b02")

	root := w.moveTo()
	fsys := os.DirFS(root)
	for _, name := range []string{"departures", "complaints", "outreach"} {
		t.Run(name, func(t *testing.T) {
			mpath, err := currentIcebergMetadata(fsys, name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := fsys.Open(mpath)
			if err != nil {
				t.Fatal(err)
			}
			meta, err := readIcebergMetadata(f, mpath)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			tio := &icebergFS{fsys: fsys, dir: name}
			if tio.location, err = parseLocation(meta.location); err != nil {
				t.Fatal(err)
			}
			manifests, err := readManifestList(tio, meta.list)
			if err != nil {
				t.Fatal(err)
			}
			tasks, err := planIceberg(tio, meta, manifests)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			var pos, dv, eq [][]string
			for _, task := range tasks {
				files = append(files, task.file.FilePath())
				pos, dv, eq = append(pos, paths(task.positions)), append(dv, paths(task.vectors)), append(eq, paths(task.equalities))
			}
			got := planText(t, tio, files, pos, dv, eq)

			fsF := func(context.Context) (icebergio.IO, error) { return tio, nil }
			tbl, err := table.NewFromLocation(t.Context(), table.Identifier{name}, mpath, fsF, nil)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := tbl.Scan().PlanFiles(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			files, pos, dv, eq = nil, nil, nil, nil
			for _, task := range theirs {
				files = append(files, task.File.FilePath())
				pos, dv, eq = append(pos, paths(task.DeleteFiles)), append(dv, paths(task.DeletionVectorFiles)), append(eq, paths(task.EqualityDeleteFiles))
			}
			want := planText(t, tio, files, pos, dv, eq)
			if got != want {
				t.Errorf("plan:\n%s\niceberg-go's plan:\n%s", got, want)
			}
			if !strings.Contains(got, "[") || len(tasks) < 2 {
				t.Errorf("plan %s: want several data files", got)
			}
			t.Logf("%s:\n%s", filepath.Base(name), got)
		})
	}
}
