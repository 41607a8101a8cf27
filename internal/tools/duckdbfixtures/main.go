// Command duckdbfixtures writes small Parquet files of awkward timestamps, decimals
// and dates, for checking by hand that the readers normalise them as DuckDB reads
// them. It was the always-skipping test TestWriteDuckDBFixtures (readers, commit
// e72dc1b, "wall-clock conversion checked against DuckDB's timezone() rule").
//
//	go run ./internal/tools/duckdbfixtures DIR
//
// writes into DIR (created if missing), each file one nullable column "t", written
// with pqarrow as the readers' tests write their files (Parquet V2, one row group):
//
//	int96.parquet   UTC timestamps in ns, stored as deprecated INT96
//	nsutc.parquet   UTC timestamps in ns (negative values: floor to the µs)
//	nswall.parquet  wall-clock timestamps (no zone) in ns
//	mswall.parquet  wall-clock timestamps in ms
//	dec.parquet     decimal(38,10), beyond float64's exact range
//	dec18.parquet   decimal(18,3), at float64's exact-integer edge
//	date.parquet    date32, before, at and after the epoch
//
// Then compare, file by file, DuckDB's view (for example
// `duckdb -c "SELECT t, epoch_us(t) FROM 'DIR/nsutc.parquet'"`) with the values the
// readers deliver for the same column.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// fixture is one file: a column t of type typ holding values (an Arrow JSON array).
type fixture struct {
	name   string
	typ    arrow.DataType
	values string
	int96  bool // timestamps in ns as INT96
}

func tsUTC(u arrow.TimeUnit) arrow.DataType  { return &arrow.TimestampType{Unit: u, TimeZone: "UTC"} }
func tsWall(u arrow.TimeUnit) arrow.DataType { return &arrow.TimestampType{Unit: u} }
func dec(p, s int32) arrow.DataType          { return &arrow.Decimal128Type{Precision: p, Scale: s} }

var fixtures = []fixture{
	{"int96.parquet", tsUTC(arrow.Nanosecond), `[-1, 0, 1999, 1767225600123456789]`, true},
	{"nsutc.parquet", tsUTC(arrow.Nanosecond), `[-1, -1000, -1001, 1999]`, false},
	{"nswall.parquet", tsWall(arrow.Nanosecond), `[-1, -1000, -1001, 1999]`, false},
	{"mswall.parquet", tsWall(arrow.Millisecond), `[-1, 0, 1]`, false},
	{"dec.parquet", dec(38, 10), `["1234567890123456789.0123456789", "0.1", "9999999999999999999999999999.9999999999", "-0.0000000001"]`, false},
	{"dec18.parquet", dec(18, 3), `["123456789012345.678", "9007199254740.993"]`, false},
	{"date.parquet", arrow.FixedWidthTypes.Date32, `[-1, 0, 20520]`, false},
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/tools/duckdbfixtures DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "duckdbfixtures:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range fixtures {
		b, err := parquetBytes(f)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// parquetBytes returns the Parquet file of f.
func parquetBytes(f fixture) ([]byte, error) {
	mem := memory.NewGoAllocator()
	a, _, err := array.FromJSON(mem, f.typ, strings.NewReader(f.values))
	if err != nil {
		return nil, err
	}
	defer a.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "t", Type: f.typ, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{a}, int64(a.Len()))
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer tbl.Release()
	props := parquet.NewWriterProperties(parquet.WithVersion(parquet.V2_LATEST), parquet.WithAllocator(mem))
	var aopts []pqarrow.WriterOption
	if f.int96 {
		aopts = append(aopts, pqarrow.WithDeprecatedInt96Timestamps(true))
	}
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, 1<<20, props, pqarrow.NewArrowWriterProperties(aopts...)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
