package readers

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
)

// withPurchases writes the required purchases table beside the table under test.
func withPurchases(t *testing.T, dir string) {
	t.Helper()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
}

// byCustomer maps each delivered row's customer_id to its value of column name.
func byCustomer(rows []map[string]any, name string) map[string]any {
	out := map[string]any{}
	for _, r := range rows {
		out[r["customer_id"].(string)] = r[name]
	}
	return out
}

// A table DuckDB writes with PARTITION_BY has its partition columns only in the
// folder names (segment=gold/, escaped as Hive escapes them, a null as
// __HIVE_DEFAULT_PARTITION__): each is read back as the contract column, typed
// as the contract says — text, timestamps (a TIMESTAMP as a wall-clock time, a
// DATE as midnight, in the configured zone) and numbers.
func TestHivePartitionsWrittenByDuckDB(t *testing.T) {
	dir := t.TempDir()
	withPurchases(t, dir)
	duckdbtest.Run(t,
		`COPY (SELECT * FROM (VALUES
			('c1', 'gold', 'Ann'),
			('c2', 'a/b c%=é', 'Bo'),
			('c3', NULL, 'Cy'),
			('c4', 'gold', 'Di'))
			t(customer_id, segment, name)) TO `+duckdbtest.Quote(filepath.Join(dir, "customers"))+` (FORMAT parquet, PARTITION_BY (segment))`,
		`COPY (SELECT * FROM (VALUES
			('c1', TIMESTAMP '2026-09-30 12:34:56', 'moved'),
			('c2', TIMESTAMP '2026-10-01 00:00:00', 'price'))
			t(customer_id, departed_at, reason)) TO `+duckdbtest.Quote(filepath.Join(dir, "departures"))+` (FORMAT parquet, PARTITION_BY (departed_at))`,
		`COPY (SELECT * FROM (VALUES
			('c1', DATE '2026-09-30', 'o1', 12.5),
			('c2', DATE '2026-10-01', 'o2', 3))
			t(customer_id, issued_at, offer_id, face_value)) TO `+duckdbtest.Quote(filepath.Join(dir, "offers"))+` (FORMAT parquet, PARTITION_BY (issued_at, face_value))`,
		`SET TimeZone = 'UTC'`,
		`COPY (SELECT 'c1' AS customer_id, TIMESTAMPTZ '2026-09-30 12:34:56.5+02' AS reported_at, 'late' AS reason)
			TO `+duckdbtest.Quote(filepath.Join(dir, "complaints"))+` (FORMAT parquet, PARTITION_BY (reported_at))`,
	)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Location: ny}

	ex, err := Discover(t.Context(), os.DirFS(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	cust := ex.Table("customers")
	if !cust.HasColumn("segment") {
		t.Fatal("segment from the partition folders is not present")
	}
	if got := cust.PartitionColumns(); !reflect.DeepEqual(got, []string{"segment"}) {
		t.Errorf("partition columns %v", got)
	}
	if got := ex.Table("offers").PartitionColumns(); !reflect.DeepEqual(got, []string{"issued_at", "face_value"}) {
		t.Errorf("offers partition columns %v", got)
	}
	if w := ex.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}

	res := readTable(t, dir, "customers", opts, nil)
	want := map[string]any{"c1": "gold", "c2": "a/b c%=é", "c3": nil, "c4": "gold"}
	if got := byCustomer(res.rows, "segment"); !reflect.DeepEqual(got, want) {
		t.Errorf("segment %v, want %v", got, want)
	}
	if got := byCustomer(res.rows, "name"); got["c2"] != "Bo" {
		t.Errorf("name %v", got)
	}
	// With dictionaries (as the pipeline reads), the folder's column is plain text.
	dict := opts
	dict.Dictionaries = true
	res = readTable(t, dir, "customers", dict, nil)
	if got := byCustomer(res.rows, "segment"); !reflect.DeepEqual(got, want) {
		t.Errorf("segment with dictionaries %v, want %v", got, want)
	}

	res = readTable(t, dir, "departures", opts, nil)
	wantTS := map[string]any{
		"c1": time.Date(2026, 9, 30, 12, 34, 56, 0, ny).UnixMicro(),
		"c2": time.Date(2026, 10, 1, 0, 0, 0, 0, ny).UnixMicro(),
	}
	if got := byCustomer(res.rows, "departed_at"); !reflect.DeepEqual(got, wantTS) {
		t.Errorf("departed_at %v, want %v (wall-clock times in New York)", got, wantTS)
	}

	res = readTable(t, dir, "complaints", opts, nil)
	// DuckDB writes a TIMESTAMPTZ as 2026-09-30 10:34:56.5+00: an instant, whatever the zone.
	if got := byCustomer(res.rows, "reported_at"); got["c1"] != time.Date(2026, 9, 30, 10, 34, 56, 500_000_000, time.UTC).UnixMicro() {
		t.Errorf("reported_at %v", got)
	}

	res = readTable(t, dir, "offers", opts, nil)
	wantDay := map[string]any{
		"c1": time.Date(2026, 9, 30, 0, 0, 0, 0, ny).UnixMicro(),
		"c2": time.Date(2026, 10, 1, 0, 0, 0, 0, ny).UnixMicro(),
	}
	if got := byCustomer(res.rows, "issued_at"); !reflect.DeepEqual(got, wantDay) {
		t.Errorf("issued_at %v, want %v (midnight in New York)", got, wantDay)
	}
	if got := byCustomer(res.rows, "face_value"); !reflect.DeepEqual(got, map[string]any{"c1": 12.5, "c2": 3.0}) {
		t.Errorf("face_value %v", got)
	}
}

// Spark's partitionBy layout written with arrow-go's pqarrow writer: the
// folder supplies the column under its mapped name, in another case with a
// warning, and as the table's key (duplicates across folders are found).
func TestHivePartitionsWrittenByArrowGo(t *testing.T) {
	cust := func(ids string) []col {
		return []col{c("customer_id", arrow.BinaryTypes.String, ids), c("name", arrow.BinaryTypes.String, `["n1","n2"]`)}
	}
	t.Run("mapped name", func(t *testing.T) {
		dir := t.TempDir()
		withPurchases(t, dir)
		writeArrow(t, dir, "customers/tier=gold/part-00000-1.c000.snappy.parquet", arrowOpts{}, cust(`["a","b"]`)...)
		writeArrow(t, dir, "customers/tier=silver/part-00000-2.c000.snappy.parquet", arrowOpts{}, cust(`["c","d"]`)...)
		writeFile(t, dir, "customers/_SUCCESS", nil)
		opts := Options{Tables: map[string]Mapping{"customers": {Columns: map[string]string{"segment": "tier"}}}}
		res := readTable(t, dir, "customers", opts, nil)
		want := map[string]any{"a": "gold", "b": "gold", "c": "silver", "d": "silver"}
		if got := byCustomer(res.rows, "segment"); !reflect.DeepEqual(got, want) {
			t.Errorf("segment %v, want %v", got, want)
		}
	})
	t.Run("case differs", func(t *testing.T) {
		dir := t.TempDir()
		withPurchases(t, dir)
		writeArrow(t, dir, "customers/SEGMENT=gold/part-0.parquet", arrowOpts{}, cust(`["a","b"]`)...)
		ex, err := Discover(t.Context(), os.DirFS(dir), Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := ex.Warnings()
		if len(w) != 1 || !strings.Contains(w[0], "column segment is read from partition folders SEGMENT=…") || !strings.Contains(w[0], "customers/SEGMENT=gold/part-0.parquet") {
			t.Errorf("warnings %q", w)
		}
		res := readTable(t, dir, "customers", Options{}, nil)
		if got := byCustomer(res.rows, "segment"); got["a"] != "gold" {
			t.Errorf("segment %v", got)
		}
	})
	t.Run("key from folders", func(t *testing.T) {
		dir := t.TempDir()
		withPurchases(t, dir)
		one := []col{c("segment", arrow.BinaryTypes.String, `["gold"]`)}
		writeArrow(t, dir, "customers/customer_id=7/part-0.parquet", arrowOpts{}, one...)
		writeArrow(t, dir, "customers/customer_id=8/part-0.parquet", arrowOpts{}, one...)
		writeArrow(t, dir, "customers/customer_id=8/part-1.parquet", arrowOpts{}, one...)
		res := readTable(t, dir, "customers", Options{}, nil)
		if got := column(res.rows, "customer_id"); !reflect.DeepEqual(got, []any{"7", "8"}) {
			t.Errorf("customer_id %v", got)
		}
		if res.quality.ByReason[contract.ReasonDuplicateKey] != 1 {
			t.Errorf("set aside %v, want one duplicate key", res.quality.ByReason)
		}
	})
}

// A column that the files hold and a partition folder names too is read from
// the file when the two agree (DuckDB's WRITE_PARTITION_COLUMNS); when a row
// disagrees with its folder, neither can be trusted and the run stops naming
// the file, the row, the column and both values.
func TestHivePartitionColumnAlsoInFile(t *testing.T) {
	t.Run("agree", func(t *testing.T) {
		dir := t.TempDir()
		withPurchases(t, dir)
		duckdbtest.Run(t, `COPY (SELECT * FROM (VALUES ('c1', 'gold'), ('c2', 'silver'), ('c3', NULL))
			t(customer_id, segment)) TO `+duckdbtest.Quote(filepath.Join(dir, "customers"))+
			` (FORMAT parquet, PARTITION_BY (segment), WRITE_PARTITION_COLUMNS true)`)
		res := readTable(t, dir, "customers", Options{}, nil)
		want := map[string]any{"c1": "gold", "c2": "silver", "c3": nil}
		if got := byCustomer(res.rows, "segment"); !reflect.DeepEqual(got, want) {
			t.Errorf("segment %v, want %v", got, want)
		}
	})
	t.Run("disagree", func(t *testing.T) {
		dir := t.TempDir()
		withPurchases(t, dir)
		writeArrow(t, dir, "customers/segment=gold/part-0.parquet", arrowOpts{},
			c("customer_id", arrow.BinaryTypes.String, `["a","b","c"]`),
			c("segment", arrow.BinaryTypes.String, `["gold","gold","silver"]`))
		_, err := tryReadTable(t, dir, "customers", Options{}, nil)
		if !errors.Is(err, ErrUnusable) {
			t.Fatalf("want unusable, got %v", err)
		}
		for _, want := range []string{"customers/segment=gold/part-0.parquet", "row 2", "column segment", `"silver"`, `"gold"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	})
}

// Partition folders that cannot be read as the contract says stop the run with
// an error naming the table, the folder or file and the column.
func TestHivePartitionErrors(t *testing.T) {
	cust := []col{c("customer_id", arrow.BinaryTypes.String, `["a"]`)}
	dep := []col{c("customer_id", arrow.BinaryTypes.String, `["a"]`), c("reason", arrow.BinaryTypes.String, `["moved"]`)}
	tests := []struct {
		name  string
		write func(t *testing.T, dir string)
		want  []string
	}{
		{"a part outside the folders", func(t *testing.T, dir string) {
			writeArrow(t, dir, "customers/segment=gold/part-0.parquet", arrowOpts{}, cust...)
			writeArrow(t, dir, "customers/part-1.parquet", arrowOpts{}, cust...)
		}, []string{"table customers", "column segment comes from partition folders (customers/segment=gold/)", "customers/part-1.parquet is in no segment=… folder"}},
		{"not a timestamp", func(t *testing.T, dir string) {
			writeArrow(t, dir, "departures/departed_at=soon/part-0.parquet", arrowOpts{}, dep...)
		}, []string{"departures/departed_at=soon/part-0.parquet", "table departures", "column departed_at", `partition folder departures/departed_at=soon/: value "soon" is not a date or timestamp`}},
		{"not a number", func(t *testing.T, dir string) {
			writeArrow(t, dir, "offers/face_value=ten/part-0.parquet", arrowOpts{},
				c("customer_id", arrow.BinaryTypes.String, `["a"]`), c("issued_at", tsUTC(arrow.Microsecond), `[1767225600000000]`))
		}, []string{"offers/face_value=ten/", "column face_value", `value "ten" is not a number`}},
		{"not UTF-8", func(t *testing.T, dir string) {
			writeArrow(t, dir, "customers/segment=%FF/part-0.parquet", arrowOpts{}, cust...)
		}, []string{"customers/segment=%FF/", "column segment", "is not valid UTF-8 text"}},
		{"one key twice on a path", func(t *testing.T, dir string) {
			writeArrow(t, dir, "customers/segment=a/Segment=b/part-0.parquet", arrowOpts{}, cust...)
		}, []string{"table customers", "customers/segment=a/Segment=b/part-0.parquet: partition column Segment appears twice"}},
		{"a required column in no folder and no file", func(t *testing.T, dir string) {
			writeArrow(t, dir, "departures/dt=2026-09-30/part-0.parquet", arrowOpts{}, dep...)
		}, []string{"departures/dt=2026-09-30/part-0.parquet", "missing required column departed_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			withPurchases(t, dir)
			tt.write(t, dir)
			_, err := Discover(t.Context(), os.DirFS(dir), Options{})
			if !errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) {
				t.Fatalf("want a data error, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestHiveUnescape(t *testing.T) {
	for in, want := range map[string]string{
		"gold":                    "gold",
		"a%2Fb%20c%25%3D%C3%A9":   "a/b c%=é",
		"100%":                    "100%",
		"%zz%4":                   "%zz%4",
		"a+b":                     "a+b",
		"2026-09-30 12%3A00%3A00": "2026-09-30 12:00:00",
	} {
		if got := hiveUnescape(in); got != want {
			t.Errorf("hiveUnescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// Hive writes an empty bucket as a file of 0 bytes: it is a part without rows,
// not a file still landing; a table whose every part is empty has no schema and
// is still refused as incomplete.
func TestZeroBytePart(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases/000000_0", arrowOpts{}, basePurchases(col{})...)
	writeFile(t, dir, "purchases/000001_0", nil)
	writeArrow(t, dir, "customers/segment=gold/000000_0", arrowOpts{}, c("customer_id", arrow.BinaryTypes.String, `["a"]`))
	writeFile(t, dir, "customers/000001_0", nil) // empty, and in no partition folder: no rows to lack the column
	res := readTable(t, dir, "purchases", Options{HashFiles: true}, nil)
	if len(res.rows) != 3 {
		t.Errorf("%d rows, want 3", len(res.rows))
	}
	var paths []string
	for _, f := range res.quality.Files {
		paths = append(paths, f.Path)
	}
	if !slices.Equal(paths, []string{"purchases/000000_0", "purchases/000001_0"}) {
		t.Errorf("files read %v", paths)
	}
	if len(res.quality.SHA256) != 2 || res.quality.SHA256[1] != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("hashes %v, want the empty file's second", res.quality.SHA256)
	}
	res = readTable(t, dir, "customers", Options{}, nil)
	if got := byCustomer(res.rows, "segment"); got["a"] != "gold" {
		t.Errorf("segment %v", got)
	}

	allEmpty := t.TempDir()
	writeFile(t, allEmpty, "purchases/000000_0", nil)
	writeFile(t, allEmpty, "purchases/000001_0", nil)
	_, err := Discover(t.Context(), os.DirFS(allEmpty), Options{})
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "every file of the table is empty (0 bytes)") || !strings.Contains(err.Error(), "purchases/000000_0") {
		t.Errorf("all parts empty: %v", err)
	}
	single := t.TempDir()
	writeFile(t, single, "purchases.parquet", nil)
	_, err = Discover(t.Context(), os.DirFS(single), Options{})
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "table purchases: every file of the table is empty (0 bytes)") || !strings.Contains(err.Error(), "purchases.parquet") {
		t.Errorf("an empty purchases.parquet: %v", err)
	}
}
