package readers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/recoverykpi/recoverykpi/internal/arrowcheck"
	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// col is one column of a test file written with pqarrow.
type col struct {
	field arrow.Field
	json  string // the values as an Arrow JSON array
}

func c(name string, dt arrow.DataType, json string) col {
	return col{field: arrow.Field{Name: name, Type: dt, Nullable: true}, json: json}
}

// arrowOpts are the writer options of writeArrow.
type arrowOpts struct {
	int96       bool // timestamps in ns as INT96
	storeSchema bool // keep the Arrow schema (dictionaries, large strings)
	rowGroup    int64
}

// writeArrow writes a Parquet file with pqarrow at dir/rel.
func writeArrow(t testing.TB, dir, rel string, o arrowOpts, cols ...col) {
	t.Helper()
	b, err := arrowBytes(o, cols...)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, rel, b)
}

func arrowBytes(o arrowOpts, cols ...col) ([]byte, error) {
	mem := memory.NewGoAllocator()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = c.field
		a, err := arrayFromJSON(mem, c.field.Type, c.json)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		arrs[i] = a
	}
	sc := arrow.NewSchema(fields, nil)
	n := int64(0)
	if len(arrs) > 0 {
		n = int64(arrs[0].Len())
	}
	rec := array.NewRecordBatch(sc, arrs, n)
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer tbl.Release()
	props := parquet.NewWriterProperties(parquet.WithVersion(parquet.V2_LATEST), parquet.WithAllocator(mem))
	var aopts []pqarrow.WriterOption
	if o.int96 {
		aopts = append(aopts, pqarrow.WithDeprecatedInt96Timestamps(true))
	}
	if o.storeSchema {
		aopts = append(aopts, pqarrow.WithStoreSchema())
	}
	chunk := o.rowGroup
	if chunk == 0 {
		chunk = 1 << 20
	}
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, chunk, props, pqarrow.NewArrowWriterProperties(aopts...)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func arrayFromJSON(mem memory.Allocator, dt arrow.DataType, js string) (arrow.Array, error) {
	if d, ok := dt.(*arrow.DictionaryType); ok {
		plain, err := arrayFromJSON(mem, d.ValueType, js)
		if err != nil {
			return nil, err
		}
		defer plain.Release()
		b := array.NewDictionaryBuilder(mem, d).(*array.BinaryDictionaryBuilder)
		defer b.Release()
		s := plain.(*array.String)
		for i := 0; i < s.Len(); i++ {
			if s.IsNull(i) {
				b.AppendNull()
			} else if err := b.AppendString(s.Value(i)); err != nil {
				return nil, err
			}
		}
		return b.NewArray(), nil
	}
	a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	return a, err
}

func writeFile(t testing.TB, dir, rel string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// result is everything a TableReader produced.
type result struct {
	schema   *arrow.Schema
	rows     []map[string]any // delivered rows: string, int64 (µs), float64, bool or nil
	quality  TableQuality
	setAside *SetAside
}

// readTable discovers dir and reads table with a checked allocator.
func readTable(t testing.TB, dir, table string, opts Options, cols []string) result {
	t.Helper()
	res, err := tryReadTable(t, dir, table, opts, cols)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return res
}

func tryReadTable(t testing.TB, dir, table string, opts Options, cols []string) (result, error) {
	t.Helper()
	mem := arrowcheck.New()
	defer mem.AssertSize(t, 0)
	opts.Allocator = mem
	if opts.ScoreMax == 0 {
		opts.ScoreMin, opts.ScoreMax = 1, 5
	}
	ctx := context.Background()
	ex, err := Discover(ctx, os.DirFS(dir), opts)
	if err != nil {
		return result{}, err
	}
	ts := ex.Table(table)
	if ts == nil {
		return result{}, errors.New("table absent")
	}
	r, err := ts.Open(ctx, cols)
	if err != nil {
		return result{}, err
	}
	defer r.Close()
	res := result{schema: r.Schema()}
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		if !opts.Dictionaries && !rec.Schema().Equal(r.Schema()) { // (dictionaries differ: TestDictionariesDeliverTheSameRows)
			t.Errorf("batch schema %s differs from reader schema %s", rec.Schema(), r.Schema())
		}
		if rec.NumRows() == 0 {
			t.Errorf("empty batch delivered")
		}
		res.rows = append(res.rows, recordRows(rec)...)
		rec.Release()
	}
	res.quality = r.Quality()
	res.setAside = r.SetAside()
	if got := int64(len(res.rows)) + res.quality.RowsSetAside; got != res.quality.RowsRead {
		t.Errorf("delivered %d + set aside %d != read %d", len(res.rows), res.quality.RowsSetAside, res.quality.RowsRead)
	}
	if int64(res.setAside.Len()) != res.quality.RowsSetAside {
		t.Errorf("set-aside rows %d, counted %d", res.setAside.Len(), res.quality.RowsSetAside)
	}
	return res, nil
}

func recordRows(rec arrow.RecordBatch) []map[string]any {
	rows := make([]map[string]any, rec.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	for j, f := range rec.Schema().Fields() {
		a := rec.Column(j)
		for i := range rows {
			if a.IsNull(i) {
				rows[i][f.Name] = nil
				continue
			}
			switch a := a.(type) {
			case *array.String:
				rows[i][f.Name] = a.Value(i)
			case *array.Dictionary: // Options.Dictionaries
				rows[i][f.Name] = a.Dictionary().(*array.String).Value(a.GetValueIndex(i))
			case *array.Timestamp:
				rows[i][f.Name] = int64(a.Value(i))
			case *array.Float64:
				rows[i][f.Name] = a.Value(i)
			case *array.Boolean:
				rows[i][f.Name] = a.Value(i)
			default:
				panic("unexpected array type " + a.DataType().String())
			}
		}
	}
	return rows
}

// us returns the instant of an RFC 3339 text in µs since the epoch.
func us(t testing.TB, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMicro()
}

func column(rows []map[string]any, name string) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r[name]
	}
	return out
}

func nan() float64      { return math.NaN() }
func inf(s int) float64 { return math.Inf(s) }

func osDirFS(dir string) fs.FS { return os.DirFS(dir) }

// readAllFS discovers fsys and reads every table to the end, returning the
// first error.
func readAllFS(t testing.TB, fsys fs.FS) error {
	ctx := context.Background()
	ex, err := Discover(ctx, fsys, Options{BatchSize: 64, ScoreMin: 1, ScoreMax: 5})
	if err != nil {
		return err
	}
	for _, ts := range ex.Tables() {
		r, err := ts.Open(ctx, nil)
		if err != nil {
			return err
		}
		for {
			rec, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return err
			}
			rec.Release()
		}
		sa := r.SetAside()
		r.Close()
		if err := checkSetAside(sa); err != nil {
			return err
		}
	}
	return nil
}

// checkSetAside reads every value of the set-aside rows through the
// accessors that writers/quarantine uses, as writing the quarantine would.
func checkSetAside(s *SetAside) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("set-aside rows of %s: %v", s.Table, p)
		}
	}()
	for i := range s.Len() {
		_ = s.Reason(i)
		_, _ = s.SourceFile(i)
		for j, c := range s.Columns {
			if !s.Valid(j, i) {
				continue
			}
			switch c.Kind {
			case contract.KindID, contract.KindText:
				_ = s.Text(j, i)
			case contract.KindTime:
				_ = s.Micros(j, i)
			case contract.KindNumber:
				_ = s.Number(j, i)
			case contract.KindBool:
				_ = s.Bool(j, i)
			}
		}
	}
	return nil
}
