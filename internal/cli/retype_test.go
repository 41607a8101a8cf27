package cli

import (
	"context"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// retype rewrites every Parquet file of a generated extract set with other types of
// SPEC §2, keeping the values: customer ids become integers in purchases (int64) and
// complaints (int32) and their decimal text elsewhere; purchases.amount a DECIMAL(12,2);
// complaints.reported_at a wall-clock TIMESTAMP(ms) in loc; departures.departed_at a
// DATE in loc (the local day); surveys.responded_at a TIMESTAMP(ns); offers.face_value a
// FLOAT. The generated ids look like "C0001234".
func retype(t *testing.T, root string) {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		table := strings.TrimSuffix(strings.Split(filepath.ToSlash(rel), "/")[0], ".parquet")
		return rewrite(t, path, table, loc)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rewrite(t *testing.T, path, table string, loc *time.Location) error {
	mem := memory.NewGoAllocator()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, mem)
	if err != nil {
		return err
	}
	tbl, err := fr.ReadTable(context.Background())
	rdr.Close()
	if err != nil {
		return err
	}
	defer tbl.Release()
	var fields []arrow.Field
	var cols []arrow.Array
	for i := 0; i < int(tbl.NumCols()); i++ {
		f := tbl.Schema().Field(i)
		chunks := tbl.Column(i).Data().Chunks()
		arr, err := array.Concatenate(chunks, mem)
		if err != nil {
			return err
		}
		nf, na := retypeColumn(t, table, f, arr, loc, mem)
		fields = append(fields, nf)
		cols = append(cols, na)
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, cols, int64(cols[0].Len()))
	defer rec.Release()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	props := parquet.NewWriterProperties(parquet.WithVersion(parquet.V2_LATEST))
	w, err := pqarrow.NewFileWriter(schema, out, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return err
	}
	if err := w.Write(rec); err != nil {
		return err
	}
	return w.Close()
}

func retypeColumn(t *testing.T, table string, f arrow.Field, a arrow.Array, loc *time.Location, mem memory.Allocator) (arrow.Field, arrow.Array) {
	n := a.Len()
	switch {
	case f.Name == "customer_id":
		s := a.(*array.String)
		num := func(i int) int64 {
			v, err := strconv.ParseInt(strings.TrimLeft(s.Value(i), "C"), 10, 64)
			if err != nil {
				t.Fatalf("%s: customer id %q is not C<digits>", table, s.Value(i))
			}
			return v
		}
		switch table {
		case "purchases":
			b := array.NewInt64Builder(mem)
			for i := range n {
				if s.IsNull(i) || s.Value(i) == "" {
					b.AppendNull()
				} else {
					b.Append(num(i))
				}
			}
			return arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}, b.NewArray()
		case "complaints":
			b := array.NewInt32Builder(mem)
			for i := range n {
				if s.IsNull(i) || s.Value(i) == "" {
					b.AppendNull()
				} else {
					b.Append(int32(num(i)))
				}
			}
			return arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}, b.NewArray()
		default:
			b := array.NewStringBuilder(mem)
			for i := range n {
				if s.IsNull(i) || s.Value(i) == "" {
					b.AppendNull()
				} else {
					b.Append(strconv.FormatInt(num(i), 10))
				}
			}
			return arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Nullable: true}, b.NewArray()
		}
	case table == "purchases" && f.Name == "amount":
		src := a.(*array.Float64)
		typ := &arrow.Decimal128Type{Precision: 12, Scale: 2}
		b := array.NewDecimal128Builder(mem, typ)
		for i := range n {
			v := src.Value(i)
			if src.IsNull(i) || math.IsNaN(v) || math.IsInf(v, 0) {
				b.AppendNull() // a NaN amount becomes a missing amount: both are set aside
				continue
			}
			b.Append(decimal128.FromI64(int64(math.Round(v * 100))))
		}
		return arrow.Field{Name: f.Name, Type: typ, Nullable: true}, b.NewArray()
	case table == "complaints" && f.Name == "reported_at":
		src := a.(*array.Timestamp)
		unit := src.DataType().(*arrow.TimestampType).Unit
		typ := &arrow.TimestampType{Unit: arrow.Millisecond} // no time zone: a wall-clock time
		b := array.NewTimestampBuilder(mem, typ)
		for i := range n {
			if src.IsNull(i) {
				b.AppendNull()
				continue
			}
			lt := src.Value(i).ToTime(unit).In(loc)
			wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
			b.Append(arrow.Timestamp(wall.UnixMilli()))
		}
		return arrow.Field{Name: f.Name, Type: typ, Nullable: true}, b.NewArray()
	case table == "departures" && f.Name == "departed_at":
		src := a.(*array.Timestamp)
		unit := src.DataType().(*arrow.TimestampType).Unit
		b := array.NewDate32Builder(mem)
		for i := range n {
			if src.IsNull(i) {
				b.AppendNull()
				continue
			}
			lt := src.Value(i).ToTime(unit).In(loc)
			day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
			b.Append(arrow.Date32(day.Unix() / 86400))
		}
		return arrow.Field{Name: f.Name, Type: arrow.FixedWidthTypes.Date32, Nullable: true}, b.NewArray()
	case table == "surveys" && f.Name == "responded_at":
		src := a.(*array.Timestamp)
		unit := src.DataType().(*arrow.TimestampType).Unit
		typ := &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}
		b := array.NewTimestampBuilder(mem, typ)
		for i := range n {
			if src.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(arrow.Timestamp(src.Value(i).ToTime(unit).UnixNano()))
		}
		return arrow.Field{Name: f.Name, Type: typ, Nullable: true}, b.NewArray()
	case table == "offers" && f.Name == "face_value":
		b := array.NewFloat32Builder(mem)
		for i := range n {
			if a.IsNull(i) {
				b.AppendNull()
				continue
			}
			var v float64
			switch src := a.(type) {
			case *array.Float64:
				v = src.Value(i)
			case *array.Decimal128:
				v = src.Value(i).ToFloat64(src.DataType().(*arrow.Decimal128Type).Scale)
			default:
				t.Fatalf("offers.face_value: unexpected %s", a.DataType())
			}
			b.Append(float32(v))
		}
		return arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Float32, Nullable: true}, b.NewArray()
	}
	a.Retain()
	return f, a
}
