package readers

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/internal/duckdbtest"
)

// SPEC §2 (v2): "`invalid text`: an id or text value that is not valid UTF-8
// (after rule 3, before rule 4)".
func TestInvalidTextIsSetAside(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	// DuckDB: BLOB ids (BYTE_ARRAY without annotation) with bytes that are not UTF-8.
	duckdbtest.Copy(t, filepath.Join(dir, "departures.parquet"), `SELECT * FROM (VALUES
		('ok'::BLOB, TIMESTAMPTZ '2026-01-02 00:00:00+00', 'price'),
		('\xFFid'::BLOB, TIMESTAMPTZ '2026-01-03 00:00:00+00', 'price'),
		('caf\xC3\xA9'::BLOB, TIMESTAMPTZ '2026-01-04 00:00:00+00', NULL),
		('\xC3'::BLOB, TIMESTAMPTZ '1969-12-31 00:00:00+00', 'late')
	) t(customer_id, departed_at, reason)`)
	de := readTable(t, dir, "departures", Options{}, nil)
	if got, want := column(de.rows, "customer_id"), []any{"ok", "café"}; !reflect.DeepEqual(got, want) {
		t.Errorf("valid ids %v, want %v", got, want)
	}
	// the last row is out of range first (rule 2)
	if got, want := de.quality.ByReason, map[string]int64{contract.ReasonInvalidText: 1, contract.ReasonTimestampRange: 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("reasons %v, want %v", got, want)
	}
	if de.setAside.Reason(0) != contract.ReasonInvalidText || de.setAside.Text(0, 0) != "\xffid" {
		t.Errorf("set aside %q as %q", de.setAside.Text(0, 0), de.setAside.Reason(0))
	}
	if ex := de.quality.Examples[contract.ReasonInvalidText]; len(ex) != 1 || ex[0].Values["customer_id"] != "\uFFFDid" || ex[0].Row != 1 {
		t.Errorf("example %+v", ex)
	}

	// parquet-go: STRING (annotated, not checked by the writer) and
	// dictionary-encoded text; the rule comes after "not a finite number" and
	// before "score out of range".
	pgWrite(t, dir, "surveys.parquet", map[string]parquet.Node{
		"customer_id":  parquet.String(),
		"responded_at": parquet.Timestamp(parquet.Microsecond),
		"score":        parquet.Leaf(parquet.DoubleType),
		"response_id":  parquet.Encoded(parquet.String(), &parquet.RLEDictionary),
	}, []map[string]any{
		{"customer_id": "a", "responded_at": int64(1), "score": 3.0, "response_id": "r1"},
		{"customer_id": "b\x80", "responded_at": int64(2), "score": nan(), "response_id": "r2"},
		{"customer_id": "c", "responded_at": int64(3), "score": 9.0, "response_id": "r\xe9"},
		{"customer_id": "d", "responded_at": int64(4), "score": 4.0, "response_id": "r\xe9"},
		{"customer_id": "e", "responded_at": int64(5), "score": 4.0, "response_id": "日本"},
	})
	for _, dict := range []bool{false, true} {
		su := readTable(t, dir, "surveys", Options{Dictionaries: dict}, []string{"customer_id", "response_id"})
		if got, want := column(su.rows, "customer_id"), []any{"a", "e"}; !reflect.DeepEqual(got, want) {
			t.Errorf("dictionaries %v: valid %v, want %v", dict, got, want)
		}
		var reasons []string
		for i := range su.setAside.Len() {
			reasons = append(reasons, su.setAside.Reason(i))
		}
		// the invalid key of row 3 is not a duplicate key either: rule 6 counts only the rows still valid
		if want := []string{contract.ReasonNotFinite, contract.ReasonInvalidText, contract.ReasonInvalidText}; !reflect.DeepEqual(reasons, want) {
			t.Errorf("dictionaries %v: reasons %v, want %v", dict, reasons, want)
		}
	}
}

// Two values that are each a part of one character make a valid buffer
// together: each is still invalid.
func TestMarkInvalidTextChecksEachValue(t *testing.T) {
	b := array.NewStringBuilder(memory.NewGoAllocator())
	defer b.Release()
	for _, v := range []string{"x", "\xc3", "\xa9", "é", ""} {
		b.Append(v)
	}
	b.AppendNull()
	a := b.NewStringArray()
	defer a.Release()
	reasons := make([]uint8, a.Len())
	markInvalidText(a, reasons, 7)
	if want := []uint8{0, 7, 7, 0, 0, 0}; !reflect.DeepEqual(reasons, want) {
		t.Errorf("reasons %v, want %v", reasons, want)
	}
	sl := array.NewSlice(a, 3, 5).(*array.String)
	defer sl.Release()
	if !allValidUTF8(sl) {
		t.Error("slice of valid values reported invalid")
	}
}
