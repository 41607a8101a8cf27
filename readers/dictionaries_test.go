package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/arrowcheck"
	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// TestDictionariesDeliverTheSameRows reads complaints whose text columns are
// dictionary-encoded in one file and plain in the other, with and without
// Options.Dictionaries, in batches small enough that the dictionary grows
// between batches: the rows, the set-aside rows (missing and empty ids,
// duplicate keys) and the counts must be the same, and only the
// dictionary-encoded file's text columns arrive as dictionaries.
func TestDictionariesDeliverTheSameRows(t *testing.T) {
	dir := t.TempDir()
	type row map[string]any
	var rows []row
	for i := range 40 {
		r := row{
			"customer_id":  fmt.Sprintf("C%02d", i%7),
			"reported_at":  int64(1_700_000_000_000_000 + i*1000),
			"reason":       []any{"price", "service", nil, "", "delay"}[i%5],
			"complaint_id": fmt.Sprintf("K%03d", i%33), // rows 33.. repeat keys
		}
		switch i % 11 {
		case 3:
			r["customer_id"] = nil
		case 5:
			r["customer_id"] = ""
		case 8:
			r["complaint_id"] = nil
		}
		rows = append(rows, r)
	}
	ts := parquet.Timestamp(parquet.Microsecond)
	text := func(dict bool) parquet.Node {
		if dict {
			return parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
		}
		return parquet.String()
	}
	for f, dict := range []bool{true, false} {
		nodes := map[string]parquet.Node{"customer_id": text(dict), "reported_at": ts, "reason": text(dict), "complaint_id": text(dict)}
		var part []map[string]any
		for _, r := range rows[f*20 : f*20+20] {
			part = append(part, r)
		}
		pgWriteRowGroups(t, dir, fmt.Sprintf("complaints/part-%d.parquet", f), nodes, part, 8)
	}
	pgWrite(t, dir, "purchases.parquet", map[string]parquet.Node{"customer_id": parquet.String(), "purchased_at": ts, "amount": parquet.Leaf(parquet.DoubleType)},
		[]map[string]any{{"customer_id": "C01", "purchased_at": int64(1_700_000_000_000_000), "amount": 1.5}})
	plain := readDictTest(t, dir, false)
	dict := readDictTest(t, dir, true)
	if !reflect.DeepEqual(plain.rows, dict.rows) {
		t.Errorf("rows differ:\n plain %v\n dict  %v", plain.rows, dict.rows)
	}
	if !reflect.DeepEqual(plain.quality, dict.quality) {
		t.Errorf("quality differs:\n plain %+v\n dict  %+v", plain.quality, dict.quality)
	}
	if !reflect.DeepEqual(plain.setAside, dict.setAside) {
		t.Errorf("set-aside rows differ:\n plain %+v\n dict  %+v", plain.setAside, dict.setAside)
	}
	if plain.dictCols != 0 {
		t.Errorf("without Dictionaries %d batch columns were dictionaries", plain.dictCols)
	}
	if dict.dictCols == 0 {
		t.Errorf("with Dictionaries no batch column was a dictionary")
	}
	if len(plain.rows) == 0 || plain.quality.RowsSetAside == 0 || plain.quality.ByReason[contract.ReasonDuplicateKey] == 0 {
		t.Fatalf("the fixture should deliver rows and set some aside, duplicates among them: %+v", plain.quality)
	}
}

type dictTestResult struct {
	rows     []map[string]any
	quality  TableQuality
	setAside []string // reason, file, row and values of each set-aside row
	dictCols int
}

func readDictTest(t *testing.T, dir string, dict bool) dictTestResult {
	t.Helper()
	mem := arrowcheck.New()
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	ex, err := Discover(ctx, os.DirFS(dir), Options{Allocator: mem, BatchSize: 3, Dictionaries: dict})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.Table("complaints").Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var res dictTestResult
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range rec.Schema().Fields() {
			a := rec.Column(j)
			if !arrow.TypeEqual(a.DataType(), f.Type) {
				t.Errorf("column %s is %s, its schema says %s", f.Name, a.DataType(), f.Type)
			}
			if _, ok := a.(*array.Dictionary); ok {
				res.dictCols++
			}
		}
		for i := range int(rec.NumRows()) {
			m := map[string]any{}
			for j, f := range rec.Schema().Fields() {
				a := rec.Column(j)
				switch {
				case a.IsNull(i):
					m[f.Name] = nil
				case f.Type.ID() == arrow.STRING || f.Type.ID() == arrow.DICTIONARY:
					m[f.Name] = newTextArray(a).value(i)
				case f.Type.ID() == arrow.TIMESTAMP:
					m[f.Name] = int64(a.(*array.Timestamp).Value(i))
				default:
					t.Fatalf("unexpected type %s", f.Type)
				}
			}
			res.rows = append(res.rows, m)
		}
		rec.Release()
	}
	res.quality = r.Quality()
	s := r.SetAside()
	for i := range s.Len() {
		f, n := s.SourceFile(i)
		res.setAside = append(res.setAside, fmt.Sprintf("%s %s %d %v", s.Reason(i), f, n, s.values))
	}
	return res
}
