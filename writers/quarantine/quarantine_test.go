package quarantine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
	"github.com/recoverykpi/recoverykpi/readers"
)

// writeFixture writes rows with parquet-go at dir/rel.
func writeFixture[T any](t *testing.T, dir, rel string, rows []T) {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// setAside reads table of the extract set in dir to the end with the readers
// and returns the rows they set aside.
func setAside(t *testing.T, dir, table string, opts readers.Options) *readers.SetAside {
	t.Helper()
	ctx := context.Background()
	if opts.ScoreMax == 0 {
		opts.ScoreMin, opts.ScoreMax = 1, 5
	}
	ex, err := readers.Discover(ctx, os.DirFS(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.Table(table).Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	return r.SetAside()
}

// write writes s and returns the file, checking its column names and types.
func write(t *testing.T, s *readers.SetAside, wantSchema string) []byte {
	t.Helper()
	var buf bytes.Buffer
	cols := make([]Column, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = Column{Source: c.Source, Kind: c.Kind}
	}
	if err := Write(&buf, s.Table, cols, s); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Schema().String(); got != wantSchema {
		t.Errorf("schema\n%s\nwant\n%s", got, wantSchema)
	}
	if f.NumRows() != int64(s.Len()) {
		t.Errorf("%d rows, want %d", f.NumRows(), s.Len())
	}
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

type purchase struct {
	CustomerID  *string `parquet:"customer_id,optional"`
	PurchasedAt int64   `parquet:"purchased_at,timestamp(microsecond)"`
	Amount      float64 `parquet:"amount"`
	OrderID     *string `parquet:"order_id,optional"`
}

// onePurchase is the purchases table that the extract set requires.
var onePurchase = []purchase{{ptr("a"), 10, 1, ptr("o1")}}

// The quarantine of purchases over two files, with a mapped column name:
// every column read under its name in the files, nulls kept, timestamps in
// µs UTC, then the reason and the source file, in read order.
func TestWritePurchases(t *testing.T) {
	dir := t.TempDir()
	type purchase struct {
		CustomerID  *string `parquet:"customer_id,optional"`
		PurchasedAt int64   `parquet:"purchased_at,timestamp(microsecond)"`
		Amount      float64 `parquet:"net_amount"`
		OrderID     *string `parquet:"order_id,optional"`
	}
	writeFixture(t, dir, "purchases/part-0.parquet", []purchase{
		{ptr("a"), 10, 1, ptr("o1")},
		{nil, 11, 2, ptr("o2")},
		{ptr("c"), -1, 3, ptr("o3")},
	})
	writeFixture(t, dir, "purchases/part-1.parquet", []purchase{
		{ptr("d"), 12, math.NaN(), nil},
		{ptr("e"), 13, 4, ptr("o1")},
		{ptr("f"), 14, 5, ptr("o5")},
	})
	s := setAside(t, dir, "purchases", readers.Options{Tables: map[string]readers.Mapping{
		"purchases": {Columns: map[string]string{"amount": "net_amount"}}}})
	b := write(t, s, `message purchases_quarantine {
	optional binary customer_id (STRING);
	optional int64 purchased_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional double net_amount;
	optional binary order_id (STRING);
	required binary reason (STRING);
	required binary source_file (STRING);
}`)
	type row struct {
		CustomerID  *string  `parquet:"customer_id,optional"`
		PurchasedAt *int64   `parquet:"purchased_at,optional"`
		Amount      *float64 `parquet:"net_amount,optional"`
		OrderID     *string  `parquet:"order_id,optional"`
		Reason      string   `parquet:"reason"`
		SourceFile  string   `parquet:"source_file"`
	}
	rows, err := parquet.Read[row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[2].Amount == nil || !math.IsNaN(*rows[2].Amount) {
		t.Fatalf("rows %+v", rows)
	}
	rows[2].Amount = nil // NaN is not DeepEqual to itself
	f0, f1 := "purchases/part-0.parquet", "purchases/part-1.parquet"
	want := []row{
		{nil, ptr[int64](11), ptr[float64](2), ptr("o2"), "missing customer_id", f0},
		{ptr("c"), ptr[int64](-1), ptr[float64](3), ptr("o3"), contract.ReasonTimestampRange, f0},
		{ptr("d"), ptr[int64](12), nil, nil, contract.ReasonNotFinite, f1},
		{ptr("e"), ptr[int64](13), ptr[float64](4), ptr("o1"), contract.ReasonDuplicateKey, f1},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %+v\nwant %+v", deref(rows), deref(want))
	}
}

// deref renders rows with their pointers followed, for error messages.
func deref[T any](rows []T) []map[string]any {
	var out []map[string]any
	for _, r := range rows {
		m := map[string]any{}
		v := reflect.ValueOf(r)
		for i := range v.NumField() {
			f := v.Field(i)
			if f.Kind() == reflect.Pointer {
				if f.IsNil() {
					m[v.Type().Field(i).Name] = nil
					continue
				}
				f = f.Elem()
			}
			m[v.Type().Field(i).Name] = f.Interface()
		}
		out = append(out, m)
	}
	return out
}

// complaints.reason clashes with the quarantine's reason column: it is
// renamed reason_original.
func TestWriteRenamesClashingColumns(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "purchases.parquet", onePurchase)
	type complaint struct {
		CustomerID  string  `parquet:"customer_id"`
		ReportedAt  int64   `parquet:"reported_at,timestamp(microsecond)"`
		Reason      *string `parquet:"reason,optional"`
		ComplaintID string  `parquet:"complaint_id"`
	}
	writeFixture(t, dir, "complaints.parquet", []complaint{
		{"a", 10, ptr("late"), "c1"}, {"b", 11, ptr("rude"), "c1"}, {"c", 12, nil, "c1"},
	})
	s := setAside(t, dir, "complaints", readers.Options{})
	b := write(t, s, `message complaints_quarantine {
	optional binary customer_id (STRING);
	optional int64 reported_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional binary reason_original (STRING);
	optional binary complaint_id (STRING);
	required binary reason (STRING);
	required binary source_file (STRING);
}`)
	type row struct {
		CustomerID     *string `parquet:"customer_id,optional"`
		ReasonOriginal *string `parquet:"reason_original,optional"`
		Reason         string  `parquet:"reason"`
	}
	rows, err := parquet.Read[row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{ptr("b"), ptr("rude"), contract.ReasonDuplicateKey},
		{ptr("c"), nil, contract.ReasonDuplicateKey},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %+v\nwant %+v", deref(rows), deref(want))
	}
}

// Numbers and booleans of surveys: DOUBLE and BOOLEAN, nulls kept.
func TestWriteNumbersAndBooleans(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "purchases.parquet", onePurchase)
	type survey struct {
		CustomerID      string  `parquet:"customer_id"`
		RespondedAt     int64   `parquet:"responded_at,timestamp(microsecond)"`
		Score           float64 `parquet:"score"`
		RecoveryRelated *bool   `parquet:"recovery_related,optional"`
	}
	writeFixture(t, dir, "surveys.parquet", []survey{
		{"a", 10, 4, ptr(true)}, {"b", 11, 9, ptr(false)}, {"c", 12, 0, nil}, {"d", 13, 5, ptr(true)},
	})
	s := setAside(t, dir, "surveys", readers.Options{})
	b := write(t, s, `message surveys_quarantine {
	optional binary customer_id (STRING);
	optional int64 responded_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional double score;
	optional boolean recovery_related;
	required binary reason (STRING);
	required binary source_file (STRING);
}`)
	type row struct {
		CustomerID      *string  `parquet:"customer_id,optional"`
		Score           *float64 `parquet:"score,optional"`
		RecoveryRelated *bool    `parquet:"recovery_related,optional"`
		Reason          string   `parquet:"reason"`
		SourceFile      string   `parquet:"source_file"`
	}
	rows, err := parquet.Read[row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{ptr("b"), ptr[float64](9), ptr(false), contract.ReasonScoreRange, "surveys.parquet"},
		{ptr("c"), ptr[float64](0), nil, contract.ReasonScoreRange, "surveys.parquet"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %+v\nwant %+v", deref(rows), deref(want))
	}
}

// An empty set of rows still makes a valid file with the schema.
func TestWriteEmpty(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "purchases.parquet", onePurchase)
	s := setAside(t, dir, "purchases", readers.Options{})
	if s.Len() != 0 {
		t.Fatalf("%d rows set aside", s.Len())
	}
	write(t, s, `message purchases_quarantine {
	optional binary customer_id (STRING);
	optional int64 purchased_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional double amount;
	optional binary order_id (STRING);
	required binary reason (STRING);
	required binary source_file (STRING);
}`)
}

// SPEC §2 (v2) "invalid text": the quarantine keeps the bytes of a value that
// is not UTF-8, in a column without the STRING annotation (BLOB to DuckDB),
// and DuckDB reads the file; the other text columns stay STRING.
func TestWriteInvalidTextDuckDBReads(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "purchases.parquet", onePurchase)
	type complaint struct {
		CustomerID  string  `parquet:"customer_id"`
		ReportedAt  int64   `parquet:"reported_at,timestamp(microsecond)"`
		Reason      *string `parquet:"reason,optional"`
		ComplaintID string  `parquet:"complaint_id"`
	}
	writeFixture(t, dir, "complaints.parquet", []complaint{
		{"a", 10, ptr("late"), "c1"},
		{"b\xff", 11, ptr("rude"), "c2"},
		{"c", 12, nil, "c1"},
		{"d", -5, ptr("caf\xc3"), "c4"},
	})
	s := setAside(t, dir, "complaints", readers.Options{})
	b := write(t, s, `message complaints_quarantine {
	optional binary customer_id;
	optional int64 reported_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));
	optional binary reason_original;
	optional binary complaint_id (STRING);
	required binary reason (STRING);
	required binary source_file (STRING);
}`)
	p := filepath.Join(t.TempDir(), "complaints.parquet")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// The last row's reason is not UTF-8 either, though the row was set aside
	// first as out of range (rule 2): its column holds those bytes, so it is
	// not STRING. complaint_id, all UTF-8, stays STRING.
	rows := duckdbtest.Run(t, "SELECT hex(customer_id) AS id, typeof(customer_id) AS t, hex(reason_original) AS r, complaint_id, reason, source_file FROM "+duckdbtest.Quote(p))
	want := []map[string]any{
		{"id": "62FF", "t": "BLOB", "r": "72756465", "complaint_id": "c2", "reason": contract.ReasonInvalidText, "source_file": "complaints.parquet"},
		{"id": "63", "t": "BLOB", "r": nil, "complaint_id": "c1", "reason": contract.ReasonDuplicateKey, "source_file": "complaints.parquet"},
		{"id": "64", "t": "BLOB", "r": "636166C3", "complaint_id": "c4", "reason": contract.ReasonTimestampRange, "source_file": "complaints.parquet"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("DuckDB reads\n%v\nwant\n%v", rows, want)
	}
}
