package readers

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
)

// The types of SPEC §2 (v2) "Also accepted: UUID ids (as their canonical
// text), BYTE_ARRAY without a string annotation for ids and text (as UTF-8),
// JSON-annotated text", each written by the writers that produce them.

const (
	uuidText  = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
	uuidText2 = "00000000-0000-0000-0000-0000000000ff"
)

var uuidBytes = []byte{0xf8, 0x1d, 0x4f, 0xae, 0x7d, 0xec, 0x11, 0xd0, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}

// duckDBCopy writes the query's rows to dir/rel with DuckDB's Parquet writer.
func duckDBCopy(t *testing.T, dir, rel, query string) {
	t.Helper()
	duckdbtest.Copy(t, filepath.Join(dir, filepath.FromSlash(rel)), query)
}

// parquetSchema returns DuckDB's view of a file's column: physical and logical type.
func parquetSchema(t *testing.T, p, column string) string {
	t.Helper()
	rows := duckdbtest.Run(t, fmt.Sprintf("SELECT type, logical_type FROM parquet_schema(%s) WHERE name = %s", duckdbtest.Quote(p), duckdbtest.Quote(column)))
	if len(rows) != 1 {
		t.Fatalf("%s: column %s: %v", p, column, rows)
	}
	return fmt.Sprintf("%v %v", rows[0]["type"], rows[0]["logical_type"])
}

func TestUUIDIDsAsCanonicalText(t *testing.T) {
	dir := t.TempDir()
	// DuckDB: a UUID column, the same ids in purchases as upper-case-input UUIDs.
	duckDBCopy(t, dir, "customers.parquet",
		"SELECT 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6'::UUID AS customer_id UNION ALL SELECT NULL UNION ALL SELECT '00000000-0000-0000-0000-0000000000FF'::UUID")
	if got := parquetSchema(t, filepath.Join(dir, "customers.parquet"), "customer_id"); got != "FIXED_LEN_BYTE_ARRAY UUIDType()" {
		t.Fatalf("DuckDB wrote %s", got)
	}
	// pqarrow: the arrow.uuid extension type.
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(
		c("customer_id", extensions.NewUUIDType(), fmt.Sprintf(`["%s", null, "%s"]`, uuidText, uuidText2)))...)
	// parquet-go: parquet.UUID(); the key (response_id) is a UUID too.
	pgWrite(t, dir, "surveys.parquet", map[string]parquet.Node{
		"customer_id":  parquet.UUID(),
		"responded_at": parquet.Timestamp(parquet.Microsecond),
		"score":        parquet.Leaf(parquet.DoubleType),
		"response_id":  parquet.UUID(),
	}, []map[string]any{
		{"customer_id": uuidBytes, "responded_at": int64(1), "score": 3.0, "response_id": uuidBytes},
		{"customer_id": uuidBytes, "responded_at": int64(2), "score": 4.0, "response_id": uuidBytes},
	})

	want := []any{uuidText, nil, uuidText2}
	cu := readTable(t, dir, "customers", Options{}, []string{"customer_id"})
	// the null id is set aside as missing
	if got := column(cu.rows, "customer_id"); !reflect.DeepEqual(got, []any{want[0], want[2]}) {
		t.Errorf("DuckDB UUIDs read as %v", got)
	}
	if got := cu.quality.ByReason["missing customer_id"]; got != 1 {
		t.Errorf("missing customer_id = %d, want 1", got)
	}
	// DuckDB's own text of its UUIDs is the same.
	rows := duckdbtest.Run(t, fmt.Sprintf("SELECT customer_id::VARCHAR AS id FROM %s WHERE customer_id IS NOT NULL", duckdbtest.Quote(filepath.Join(dir, "customers.parquet"))))
	if len(rows) != 2 || rows[0]["id"] != uuidText || rows[1]["id"] != uuidText2 {
		t.Errorf("DuckDB reads %v", rows)
	}
	pu := readTable(t, dir, "purchases", Options{}, []string{"customer_id"})
	if got := column(pu.rows, "customer_id"); !reflect.DeepEqual(got, []any{want[0], want[2]}) {
		t.Errorf("pqarrow UUIDs read as %v", got)
	}
	su := readTable(t, dir, "surveys", Options{}, []string{"customer_id", "response_id"})
	if got := column(su.rows, "response_id"); !reflect.DeepEqual(got, []any{uuidText}) {
		t.Errorf("parquet-go UUIDs read as %v", got)
	}
	// a UUID key is compared as its text: the second response is a duplicate
	if got := su.quality.ByReason[contract.ReasonDuplicateKey]; got != 1 {
		t.Errorf("duplicate UUID keys = %d, want 1", got)
	}
	if got := su.setAside.Text(0, 0); got != uuidText {
		t.Errorf("set-aside UUID = %q", got)
	}
}

func TestUUIDOnlyForIDs(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	duckDBCopy(t, dir, "customers.parquet", "SELECT 'a' AS customer_id, gen_random_uuid() AS segment")
	_, err := tryReadTable(t, dir, "customers", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "column segment: want text, found FIXED_LEN_BYTE_ARRAY (uuid)") ||
		!strings.Contains(err.Error(), "customers.parquet") {
		t.Errorf("UUID segment: %v", err)
	}
}

func TestBinaryAndJSONAsText(t *testing.T) {
	dir := t.TempDir()
	// DuckDB: BLOB ids and text (as Impala and DuckDB write strings without an
	// annotation), JSON text.
	duckDBCopy(t, dir, "complaints.parquet", `SELECT * FROM (VALUES
		('c1'::BLOB, TIMESTAMPTZ '2026-01-02 00:00:00+00', '{"code": "late"}'::JSON, 'k1'::BLOB),
		('c2'::BLOB, TIMESTAMPTZ '2026-01-03 00:00:00+00', NULL, 'k2'::BLOB),
		('caf\xC3\xA9'::BLOB, TIMESTAMPTZ '2026-01-04 00:00:00+00', '"plain"'::JSON, 'k1'::BLOB)
	) t(customer_id, reported_at, reason, complaint_id)`)
	p := filepath.Join(dir, "complaints.parquet")
	if got := parquetSchema(t, p, "customer_id"); got != "BYTE_ARRAY <nil>" {
		t.Fatalf("DuckDB wrote customer_id as %s", got)
	}
	if got := parquetSchema(t, p, "reason"); got != "BYTE_ARRAY JsonType()" {
		t.Fatalf("DuckDB wrote reason as %s", got)
	}
	// pqarrow: binary; parquet-go: an unannotated BYTE_ARRAY and JSON.
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(c("customer_id", arrow.BinaryTypes.Binary, `["YQ==", null, "Yg=="]`))...)
	pgWrite(t, dir, "departures.parquet", map[string]parquet.Node{
		"customer_id": parquet.Leaf(parquet.ByteArrayType),
		"departed_at": parquet.Timestamp(parquet.Microsecond),
		"reason":      parquet.JSON(),
	}, []map[string]any{{"customer_id": "x", "departed_at": int64(1), "reason": `{"why": "price"}`}})

	co := readTable(t, dir, "complaints", Options{}, nil)
	if got, want := column(co.rows, "customer_id"), []any{"c1", "c2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("BLOB ids %v, want %v", got, want)
	}
	if got, want := column(co.rows, "reason"), []any{`{"code": "late"}`, nil}; !reflect.DeepEqual(got, want) {
		t.Errorf("JSON reasons %v, want %v", got, want)
	}
	// the third row's key k1 repeats the first: compared as text
	if co.setAside.Len() != 1 || co.setAside.Reason(0) != contract.ReasonDuplicateKey || co.setAside.Text(0, 0) != "café" {
		t.Errorf("set aside %d rows", co.setAside.Len())
	}
	pu := readTable(t, dir, "purchases", Options{}, []string{"customer_id"})
	if got, want := column(pu.rows, "customer_id"), []any{"a", "b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pqarrow binary ids %v, want %v", got, want)
	}
	de := readTable(t, dir, "departures", Options{}, nil)
	if got, want := de.rows, []map[string]any{{"customer_id": "x", "departed_at": int64(1), "reason": `{"why": "price"}`}}; !reflect.DeepEqual(got, want) {
		t.Errorf("parquet-go rows %v, want %v", got, want)
	}
}

func TestJSONAndBSONRefused(t *testing.T) {
	tests := []struct {
		name  string
		nodes map[string]parquet.Node
		want  string
	}{
		{"JSON id", map[string]parquet.Node{"customer_id": parquet.JSON(), "departed_at": parquet.Timestamp(parquet.Microsecond)},
			"column customer_id: want an id, found BYTE_ARRAY (json)"},
		{"BSON text", map[string]parquet.Node{"customer_id": parquet.String(), "departed_at": parquet.Timestamp(parquet.Microsecond), "reason": parquet.BSON()},
			"column reason: want text, found BYTE_ARRAY (bson)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
			pgWrite(t, dir, "departures.parquet", tt.nodes, []map[string]any{{"customer_id": "x", "departed_at": int64(1)}})
			_, err := tryReadTable(t, dir, "departures", Options{}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "departures.parquet: table departures") {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
