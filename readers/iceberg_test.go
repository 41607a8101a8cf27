package readers

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/hadoop"
	"github.com/apache/iceberg-go/table"
)

// The Iceberg tables of these tests are written by iceberg-go itself (its Hadoop
// catalog, on the local file system): appends, merge-on-read deletes (position
// delete files in format v2, deletion vectors in v3), copy-on-write deletes,
// equality deletes and schema changes, as a warehouse's Iceberg writer makes them.
// Each table is then moved to another folder before it is read, so the metadata's
// absolute locations must be mapped to where the table is found.

// icebergWarehouse is an iceberg-go Hadoop catalog in a temporary folder.
type icebergWarehouse struct {
	t   *testing.T
	dir string
	cat *hadoop.Catalog
}

func newIcebergWarehouse(t *testing.T) *icebergWarehouse {
	t.Helper()
	dir := t.TempDir()
	cat, err := hadoop.NewCatalog("test", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateNamespace(t.Context(), catalog.ToIdentifier("db"), nil); err != nil {
		t.Fatal(err)
	}
	return &icebergWarehouse{t: t, dir: dir, cat: cat}
}

var icebergDepartures = iceberg.NewSchema(0,
	iceberg.NestedField{ID: 1, Name: "customer_id", Type: iceberg.PrimitiveTypes.String, Required: true},
	iceberg.NestedField{ID: 2, Name: "departed_at", Type: iceberg.PrimitiveTypes.TimestampTz, Required: true},
	iceberg.NestedField{ID: 3, Name: "reason", Type: iceberg.PrimitiveTypes.String},
)

func (w *icebergWarehouse) create(name string, sc *iceberg.Schema, props iceberg.Properties) *table.Table {
	w.t.Helper()
	tbl, err := w.cat.CreateTable(w.t.Context(), catalog.ToIdentifier("db", name), sc, catalog.WithProperties(props))
	if err != nil {
		w.t.Fatal(err)
	}
	return tbl
}

// appendJSON appends one data file of the rows (Arrow JSON) to the table.
func (w *icebergWarehouse) appendJSON(tbl *table.Table, rows string) *table.Table {
	w.t.Helper()
	sc, err := table.SchemaToArrowSchema(tbl.Schema(), nil, true, false)
	if err != nil {
		w.t.Fatal(err)
	}
	at, err := array.TableFromJSON(memory.DefaultAllocator, sc, []string{rows})
	if err != nil {
		w.t.Fatal(err)
	}
	defer at.Release()
	tx := tbl.NewTransaction()
	if err := tx.AppendTable(w.t.Context(), at, at.NumRows(), nil); err != nil {
		w.t.Fatal(err)
	}
	return w.commit(tx)
}

func (w *icebergWarehouse) commit(tx *table.Transaction) *table.Table {
	w.t.Helper()
	tbl, err := tx.Commit(w.t.Context())
	if err != nil {
		w.t.Fatal(err)
	}
	return tbl
}

// deleteWhere deletes the rows whose column col is one of values, as the
// table's write.delete.mode says (copy-on-write or merge-on-read).
func (w *icebergWarehouse) deleteWhere(tbl *table.Table, col string, values ...string) *table.Table {
	w.t.Helper()
	tx := tbl.NewTransaction()
	if err := tx.Delete(w.t.Context(), iceberg.IsIn(iceberg.Reference(col), values...), nil); err != nil {
		w.t.Fatal(err)
	}
	return w.commit(tx)
}

// equalityDelete commits an equality delete file on customer_id (field id 1).
func (w *icebergWarehouse) equalityDelete(tbl *table.Table, ids ...string) *table.Table {
	w.t.Helper()
	sc := arrow.NewSchema([]arrow.Field{{Name: "customer_id", Type: arrow.BinaryTypes.String,
		Metadata: arrow.NewMetadata([]string{"PARQUET:field_id"}, []string{"1"})}}, nil)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues(ids, nil)
	col := b.NewArray()
	rec := array.NewRecordBatch(sc, []arrow.Array{col}, int64(len(ids)))
	col.Release()
	defer rec.Release()
	records := iter.Seq2[arrow.RecordBatch, error](func(yield func(arrow.RecordBatch, error) bool) { yield(rec, nil) })
	tx := tbl.NewTransaction()
	if err := tx.CommitEqualityDeletes(w.t.Context(), []int{1}, records, nil); err != nil {
		w.t.Fatal(err)
	}
	return w.commit(tx)
}

// copyTo copies the namespace folder (the tables) to a new input root, with a
// plain purchases table, and returns the root.
func (w *icebergWarehouse) copyTo() string {
	w.t.Helper()
	root := filepath.Join(w.t.TempDir(), "copied-extract")
	if err := os.CopyFS(root, os.DirFS(filepath.Join(w.dir, "db"))); err != nil {
		w.t.Fatal(err)
	}
	writePurchaseParts(w.t, root, 1, 3)
	return root
}

// moveTo moves the namespace folder (the tables) to a new input root, adds a
// plain purchases table when it has none, and returns the root.
func (w *icebergWarehouse) moveTo() string {
	w.t.Helper()
	root := filepath.Join(w.t.TempDir(), "archived-extract")
	if err := os.Rename(filepath.Join(w.dir, "db"), root); err != nil {
		w.t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "purchases")); err != nil {
		writePurchaseParts(w.t, root, 1, 3)
	}
	return root
}

func departureRows(ids ...string) string {
	var rows []string
	for i, id := range ids {
		rows = append(rows, fmt.Sprintf(`{"customer_id": %q, "departed_at": "2026-0%d-15T10:00:00Z", "reason": "price"}`, id, 1+i%9))
	}
	return "[" + strings.Join(rows, ",") + "]"
}

func ids(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

func deliveredText(t *testing.T, res result, col string) []string {
	t.Helper()
	var out []string
	for _, v := range column(res.rows, col) {
		s, _ := v.(string)
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// deleteKinds returns the kinds of the delete files applied to the table's data
// files, sorted, without repeats.
func deleteKinds(ts *TableSource) []string {
	var out []string
	for _, f := range ts.Files {
		for _, d := range f.ice.deletes {
			out = append(out, d.kind)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestIcebergLocations(t *testing.T) {
	for _, c := range []struct {
		table, file string
		want        string // "" for outside
	}{
		{"s3a://bucket/wh/t", "s3://bucket/wh/t/data/a.parquet", "x/data/a.parquet"},
		{"s3://bucket/wh/t/", "s3a://bucket/wh/t/metadata/snap.avro", "x/metadata/snap.avro"},
		{"file:///srv/wh/t", "/srv/wh/t/data/p=1/a.parquet", "x/data/p=1/a.parquet"},
		{"/srv/wh/t", "file:/srv/wh/t/data/a.parquet", "x/data/a.parquet"},
		{"/srv/wh/t", "/srv/wh/t2/data/a.parquet", ""},
		{"/srv/wh/t", "/srv/wh/t/../u/a.parquet", ""},
		{"s3://bucket/wh/t", "s3://other/wh/t/data/a.parquet", ""},
		{"abfss://c@acct.dfs.core.windows.net/t", "abfss://c@acct.dfs.core.windows.net/t/data/a.parquet", "x/data/a.parquet"},
		{"abfss://c@acct.dfs.core.windows.net/t", "abfss://d@acct.dfs.core.windows.net/t/data/a.parquet", ""},
	} {
		loc, err := parseLocation(c.table)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := (&icebergFS{dir: "x", location: loc}).relative(c.file)
		if (c.want == "") == ok || got != c.want {
			t.Errorf("table %s, file %s: %q %v, want %q", c.table, c.file, got, ok, c.want)
		}
	}
}

func without(all []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
}

// Format v2, merge-on-read: a position delete file and an equality delete file,
// over two data files; the table read from another folder than it was written in.
func TestIcebergPositionAndEqualityDeletes(t *testing.T) {
	w := newIcebergWarehouse(t)
	tbl := w.create("departures", icebergDepartures, iceberg.Properties{"format-version": "2", table.WriteDeleteModeKey: table.WriteModeMergeOnRead})
	tbl = w.appendJSON(tbl, departureRows(ids("a", 0, 10)...))
	tbl = w.appendJSON(tbl, departureRows(ids("b", 0, 5)...))
	tbl = w.deleteWhere(tbl, "customer_id", "a03", "a04")
	tbl = w.equalityDelete(tbl, "b01", "a07", "zz")
	snapshot := tbl.CurrentSnapshot().SnapshotID
	root := w.moveTo()

	ex, err := Discover(t.Context(), os.DirFS(root), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := ex.Table("departures")
	if got, want := ts.Format(), fmt.Sprintf("iceberg (format v2, snapshot %d)", snapshot); got != want {
		t.Errorf("format %q, want %q", got, want)
	}
	if len(ts.Files) != 2 {
		t.Errorf("files %v, want the 2 data files", ts.Files)
	}
	if got := deleteKinds(ts); !slices.Equal(got, []string{"equality", "position"}) {
		t.Errorf("delete files %v, want an equality and a position delete file", got)
	}
	res := readTable(t, root, "departures", Options{}, nil)
	want := without(append(ids("a", 0, 10), ids("b", 0, 5)...), "a03", "a04", "b01", "a07")
	if got := deliveredText(t, res, "customer_id"); !slices.Equal(got, want) {
		t.Errorf("customers %v\nwant %v", got, want)
	}
	if res.quality.RowsDeleted != 4 || res.quality.RowsSetAside != 0 {
		t.Errorf("quality %+v, want 4 rows deleted", res.quality)
	}
}

// Format v3, merge-on-read: deletes are deletion vectors (Puffin files).
func TestIcebergDeletionVectors(t *testing.T) {
	w := newIcebergWarehouse(t)
	tbl := w.create("departures", icebergDepartures, iceberg.Properties{"format-version": "3", table.WriteDeleteModeKey: table.WriteModeMergeOnRead})
	tbl = w.appendJSON(tbl, departureRows(ids("a", 0, 10)...))
	tbl = w.deleteWhere(tbl, "customer_id", "a01", "a09")
	w.deleteWhere(tbl, "customer_id", "a05")
	root := w.moveTo()
	ex, err := Discover(t.Context(), os.DirFS(root), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := deleteKinds(ex.Table("departures")); !slices.Equal(got, []string{"deletion vector"}) {
		t.Errorf("delete files %v, want a deletion vector", got)
	}
	res := readTable(t, root, "departures", Options{}, nil)
	if got, want := deliveredText(t, res, "customer_id"), without(ids("a", 0, 10), "a01", "a09", "a05"); !slices.Equal(got, want) {
		t.Errorf("customers %v\nwant %v", got, want)
	}
	if res.quality.RowsDeleted != 3 {
		t.Errorf("quality %+v, want 3 rows deleted", res.quality)
	}
}

// Copy-on-write (the default): the rewritten file replaces the old one, which is
// still in the folder and must not be read.
func TestIcebergCopyOnWrite(t *testing.T) {
	w := newIcebergWarehouse(t)
	tbl := w.create("departures", icebergDepartures, nil)
	tbl = w.appendJSON(tbl, departureRows(ids("a", 0, 6)...))
	w.deleteWhere(tbl, "customer_id", "a02")
	root := w.moveTo()
	n := 0
	_ = filepath.WalkDir(filepath.Join(root, "departures", "data"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			n++
		}
		return nil
	})
	if n < 2 {
		t.Fatalf("%d data files in the folder: want the replaced one still there", n)
	}
	res := readTable(t, root, "departures", Options{}, nil)
	if got, want := deliveredText(t, res, "customer_id"), without(ids("a", 0, 6), "a02"); !slices.Equal(got, want) {
		t.Errorf("customers %v\nwant %v", got, want)
	}
}

// Schema evolution: a column renamed after a file was written is read under its
// old name there (by field id); a column added later is null in older files.
func TestIcebergRenamedAndAddedColumns(t *testing.T) {
	w := newIcebergWarehouse(t)
	sc := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "customer", Type: iceberg.PrimitiveTypes.String, Required: true},
		iceberg.NestedField{ID: 2, Name: "departed_at", Type: iceberg.PrimitiveTypes.TimestampTz, Required: true},
	)
	tbl := w.create("departures", sc, nil)
	tbl = w.appendJSON(tbl, `[{"customer": "old1", "departed_at": "2026-01-01T00:00:00Z"}]`)
	tx := tbl.NewTransaction()
	if err := tx.UpdateSchema(true, false).RenameColumn([]string{"customer"}, "customer_id").
		AddColumn([]string{"reason"}, iceberg.PrimitiveTypes.String, "", false, nil).Commit(); err != nil {
		t.Fatal(err)
	}
	tbl = w.commit(tx)
	w.appendJSON(tbl, `[{"customer_id": "new1", "departed_at": "2026-02-01T00:00:00Z", "reason": "moved"}]`)
	root := w.moveTo()
	res := readTable(t, root, "departures", Options{}, nil)
	got := map[string]any{}
	for _, r := range res.rows {
		got[r["customer_id"].(string)] = r["reason"]
	}
	if len(got) != 2 || got["old1"] != nil || got["new1"] != "moved" {
		t.Errorf("rows %v: want old1 (reason null, read from column customer by field id) and new1", res.rows)
	}
}

// What cannot be applied exactly is refused, naming the table and what stopped it.
func TestIcebergRefused(t *testing.T) {
	t.Run("two metadata files of the newest version", func(t *testing.T) {
		w := newIcebergWarehouse(t)
		tbl := w.create("departures", icebergDepartures, nil)
		w.appendJSON(tbl, departureRows("a"))
		root := w.moveTo()
		md := filepath.Join(root, "departures", "metadata")
		entries, _ := os.ReadDir(md)
		var newest string
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".metadata.json") {
				newest = e.Name()
			}
		}
		b, _ := os.ReadFile(filepath.Join(md, newest))
		v, _ := icebergMetadataVersion(newest)
		if err := os.WriteFile(filepath.Join(md, fmt.Sprintf("%05d-6f2b8d0c-0d5e-4c55-9a55-2b1a3b7c9d10.metadata.json", v)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(md, "version-hint.text"))
		_, err := Discover(t.Context(), os.DirFS(root), Options{})
		if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "table departures") || !strings.Contains(err.Error(), "metadata files of version") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a data file outside the table's location", func(t *testing.T) {
		w := newIcebergWarehouse(t)
		tbl := w.create("departures", icebergDepartures, nil)
		w.appendJSON(tbl, departureRows("a"))
		root := w.moveTo()
		// Rewrite the table's location so that its data files are outside it.
		md := filepath.Join(root, "departures", "metadata")
		entries, _ := os.ReadDir(md)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".metadata.json") {
				p := filepath.Join(md, e.Name())
				b, _ := os.ReadFile(p)
				b = []byte(strings.ReplaceAll(string(b), `"location":"/`, `"location":"/elsewhere/`))
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		_, err := Discover(t.Context(), os.DirFS(root), Options{})
		if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), "outside the table's location") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a table without data files is an absent table", func(t *testing.T) {
		w := newIcebergWarehouse(t)
		w.create("purchases", iceberg.NewSchema(0,
			iceberg.NestedField{ID: 1, Name: "customer_id", Type: iceberg.PrimitiveTypes.String, Required: true}), nil)
		root := w.moveTo()
		_, err := Discover(context.Background(), os.DirFS(root), Options{})
		if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "current snapshot has no data files") {
			t.Errorf("err = %v", err)
		}
	})
}

// A table partitioned by identity(reason) reads its partition column from the
// data files; a data file added without that column (as a table migrated from
// Hive with add_files has them) is refused rather than read with nulls.
func TestIcebergIdentityPartitions(t *testing.T) {
	w := newIcebergWarehouse(t)
	spec := iceberg.NewPartitionSpec(iceberg.PartitionField{SourceIDs: []int{3}, FieldID: 1000, Name: "reason", Transform: iceberg.IdentityTransform{}})
	tbl, err := w.cat.CreateTable(t.Context(), catalog.ToIdentifier("db", "departures"), icebergDepartures, catalog.WithPartitionSpec(&spec))
	if err != nil {
		t.Fatal(err)
	}
	tbl = w.appendJSON(tbl, `[{"customer_id": "a", "departed_at": "2026-01-01T00:00:00Z", "reason": "price"},
		{"customer_id": "b", "departed_at": "2026-01-02T00:00:00Z", "reason": "moved"}]`)
	res := readTable(t, w.copyTo(), "departures", Options{}, nil)
	got := map[string]any{}
	for _, r := range res.rows {
		got[r["customer_id"].(string)] = r["reason"]
	}
	if got["a"] != "price" || got["b"] != "moved" {
		t.Fatalf("rows %v", res.rows)
	}

	// A Parquet file with field ids 1 and 2 only, added to partition reason=price.
	data := filepath.Join(w.dir, "db", "departures", "data", "migrated.parquet")
	withID := func(name string, dt arrow.DataType, id, json string) col {
		return col{field: arrow.Field{Name: name, Type: dt, Nullable: true, Metadata: arrow.NewMetadata([]string{"PARQUET:field_id"}, []string{id})}, json: json}
	}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	b, err := arrowBytes(arrowOpts{}, withID("customer_id", arrow.BinaryTypes.String, "1", `["c"]`), withID("departed_at", ts, "2", `["2026-01-03T00:00:00Z"]`))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, b, 0o644); err != nil {
		t.Fatal(err)
	}
	df, err := iceberg.NewDataFileBuilder(spec, iceberg.EntryContentData, data, iceberg.ParquetFile,
		map[int]any{1000: "price"}, nil, nil, 1, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	tx := tbl.NewTransaction()
	if err := tx.AddDataFiles(t.Context(), []iceberg.DataFile{df.Build()}, nil); err != nil {
		t.Fatal(err)
	}
	w.commit(tx)
	_, err = tryReadTable(t, w.moveTo(), "departures", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "column reason is not in the data file") {
		t.Errorf("err = %v, want the missing partition column named", err)
	}
}
