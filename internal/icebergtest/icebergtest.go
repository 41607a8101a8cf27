// Package icebergtest writes Apache Iceberg tables from tests, with iceberg-go
// itself (its Hadoop catalog on the local file system), as a warehouse's Iceberg
// writer makes them. Only tests import it.
package icebergtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/hadoop"
	"github.com/apache/iceberg-go/table"
)

// Written is what FromParquet wrote.
type Written struct {
	Rows       int64    // the rows of the table's current snapshot
	SnapshotID int64    // its current snapshot
	Deleted    []string // the keys deleted and inserted again
}

// FromParquet replaces the Parquet file src (a plain table of an extract set)
// by an Iceberg table (format v2, merge-on-read) in the folder dst holding the
// same rows: the first half and the second half appended in two commits, the
// rows of the first 5 values of the text column key deleted (a position delete
// file) and inserted again (a third data file). It is written in a warehouse
// folder of its own, then moved to dst, so its metadata names locations that
// are not where it is read.
func FromParquet(t testing.TB, src, dst, key string) Written {
	t.Helper()
	ctx := context.Background()
	rows := readParquet(t, src)
	defer rows.Release()
	if rows.NumRows() < 10 {
		t.Fatalf("icebergtest: %s has only %d rows", src, rows.NumRows())
	}
	wh := t.TempDir()
	cat, err := hadoop.NewCatalog("test", wh, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateNamespace(ctx, catalog.ToIdentifier("db"), nil); err != nil {
		t.Fatal(err)
	}
	sc, err := table.ArrowSchemaToIcebergWithFreshIDs(rows.Schema(), false)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.CreateTable(ctx, catalog.ToIdentifier("db", "t"), sc,
		catalog.WithProperties(iceberg.Properties{"format-version": "2", table.WriteDeleteModeKey: table.WriteModeMergeOnRead}))
	if err != nil {
		t.Fatal(err)
	}
	asIceberg, err := table.SchemaToArrowSchema(tbl.Schema(), nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	appendRows := func(from, to int64) {
		t.Helper()
		cols, err := sliceColumns(asIceberg, rows, from, to)
		if err != nil {
			t.Fatal(err)
		}
		part := array.NewTable(asIceberg, cols, to-from)
		defer part.Release()
		tx := tbl.NewTransaction()
		if err := tx.AppendTable(ctx, part, part.NumRows(), nil); err != nil {
			t.Fatal(err)
		}
		if tbl, err = tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	half := rows.NumRows() / 2
	appendRows(0, half)
	appendRows(half, rows.NumRows())
	var first []string
	idx := rows.Schema().FieldIndices(key)
	if len(idx) != 1 {
		t.Fatalf("icebergtest: %s has no column %s", src, key)
	}
	for _, chunk := range rows.Column(idx[0]).Data().Chunks() {
		s, ok := chunk.(*array.String)
		if !ok {
			t.Fatalf("icebergtest: column %s is %s, want text", key, chunk.DataType())
		}
		for i := 0; i < s.Len() && len(first) < 5; i++ {
			first = append(first, s.Value(i))
		}
	}
	tx := tbl.NewTransaction()
	if err := tx.Delete(ctx, iceberg.IsIn(iceberg.Reference(key), first...), nil); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	appendRows(0, 5)
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(wh, "db", "t"), dst); err != nil {
		t.Fatal(err)
	}
	return Written{Rows: rows.NumRows(), SnapshotID: tbl.CurrentSnapshot().SnapshotID, Deleted: first}
}

// readParquet reads a Parquet file whole as an Arrow table.
func readParquet(t testing.TB, p string) arrow.Table {
	t.Helper()
	rdr, err := file.OpenParquetFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// sliceColumns returns the columns of t's rows [from, to) as the fields of sc,
// cast where Iceberg's types differ (it keeps microseconds, not milliseconds).
func sliceColumns(sc *arrow.Schema, t arrow.Table, from, to int64) ([]arrow.Column, error) {
	out := make([]arrow.Column, t.NumCols())
	for i := range out {
		ch := array.NewChunkedSlice(t.Column(i).Data(), from, to)
		if want := sc.Field(i).Type; !arrow.TypeEqual(ch.DataType(), want) {
			var chunks []arrow.Array
			for _, c := range ch.Chunks() {
				cast, err := compute.CastArray(context.Background(), c, compute.SafeCastOptions(want))
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", sc.Field(i).Name, err)
				}
				chunks = append(chunks, cast)
			}
			ch.Release()
			ch = arrow.NewChunked(want, chunks)
		}
		out[i] = *arrow.NewColumn(sc.Field(i), ch)
		ch.Release()
	}
	return out, nil
}
