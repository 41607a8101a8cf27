package readers

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

var (
	tsUTC  = func(u arrow.TimeUnit) arrow.DataType { return &arrow.TimestampType{Unit: u, TimeZone: "UTC"} }
	tsWall = func(u arrow.TimeUnit) arrow.DataType { return &arrow.TimestampType{Unit: u} }
	dec    = func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	dict   = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
)

func newYork(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	return loc
}

// wall returns a wall-clock time as µs since 1970-01-01T00:00:00 local.
func wall(y int, m time.Month, d, h, mi, s int) int64 {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC).UnixMicro()
}

// basePurchases returns valid purchases columns for three rows, with the
// column called name replaced by repl.
func basePurchases(repl col) []col {
	cols := []col{
		c("customer_id", arrow.BinaryTypes.String, `["a","b","c"]`),
		c("purchased_at", tsUTC(arrow.Microsecond), `[1767225600000000, 1767225600000001, 1767225600000002]`),
		c("amount", arrow.PrimitiveTypes.Float64, `[1, 2, 3]`),
	}
	if repl.field.Name == "" {
		return cols
	}
	for i := range cols {
		if cols[i].field.Name == repl.field.Name {
			cols[i] = repl
			return cols
		}
	}
	return append(cols, repl)
}

func TestNormaliseArrowWrittenTypes(t *testing.T) {
	ny := newYork(t)
	gap := wall(2026, 3, 8, 2, 30, 0)      // does not exist in New York
	overlap := wall(2026, 11, 1, 1, 30, 0) // exists twice in New York
	summer := wall(2026, 7, 1, 12, 0, 0)
	tests := []struct {
		name   string
		column col
		opts   arrowOpts
		want   []any
	}{
		// ids
		{"id string", c("order_id", arrow.BinaryTypes.String, `["x", null, ""]`), arrowOpts{}, []any{"x", nil, ""}},
		{"id int8", c("order_id", arrow.PrimitiveTypes.Int8, `[-128, null, 127]`), arrowOpts{}, []any{"-128", nil, "127"}},
		{"id int16", c("order_id", arrow.PrimitiveTypes.Int16, `[-32768, null, 32767]`), arrowOpts{}, []any{"-32768", nil, "32767"}},
		{"id int32", c("order_id", arrow.PrimitiveTypes.Int32, `[42, null, -7]`), arrowOpts{}, []any{"42", nil, "-7"}},
		{"id int64", c("order_id", arrow.PrimitiveTypes.Int64, `[-9223372036854775808, null, 9223372036854775807]`), arrowOpts{},
			[]any{"-9223372036854775808", nil, "9223372036854775807"}},
		{"id uint8", c("order_id", arrow.PrimitiveTypes.Uint8, `[0, null, 255]`), arrowOpts{}, []any{"0", nil, "255"}},
		{"id uint16", c("order_id", arrow.PrimitiveTypes.Uint16, `[0, null, 65535]`), arrowOpts{}, []any{"0", nil, "65535"}},
		{"id uint32", c("order_id", arrow.PrimitiveTypes.Uint32, `[1, null, 4294967295]`), arrowOpts{}, []any{"1", nil, "4294967295"}},
		{"id uint64", c("order_id", arrow.PrimitiveTypes.Uint64, `[1, null, 18446744073709551615]`), arrowOpts{}, []any{"1", nil, "18446744073709551615"}},
		{"id decimal(38,0)", c("order_id", dec(38, 0), `["12345678901234567890123", null, "-5"]`), arrowOpts{}, []any{"12345678901234567890123", nil, "-5"}},
		{"id dictionary", c("order_id", dict, `["x", null, "y"]`), arrowOpts{storeSchema: true}, []any{"x", nil, "y"}},
		{"id large string", c("order_id", arrow.BinaryTypes.LargeString, `["x", null, "y"]`), arrowOpts{storeSchema: true}, []any{"x", nil, "y"}},
		// timestamps adjusted to UTC: instants
		{"ts ms utc", c("purchased_at", tsUTC(arrow.Millisecond), `[0, 1767225600123, 1]`), arrowOpts{},
			[]any{int64(0), int64(1767225600123000), int64(1000)}},
		{"ts us utc", c("purchased_at", tsUTC(arrow.Microsecond), `[0, 1767225600123456, null]`), arrowOpts{},
			[]any{int64(0), int64(1767225600123456), nil}},
		{"ts ns utc floors", c("purchased_at", tsUTC(arrow.Nanosecond), `[1999, 2000, 1767225600123456789]`), arrowOpts{},
			[]any{int64(1), int64(2), int64(1767225600123456)}},
		{"ts ns utc tz new york", c("purchased_at", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/New_York"}, `[1000, 2000, 3000]`),
			arrowOpts{storeSchema: true}, []any{int64(1), int64(2), int64(3)}},
		// timestamps not adjusted: wall clock in New York
		{"ts ms wall", c("purchased_at", tsWall(arrow.Millisecond), fmt.Sprintf(`[%d, %d, %d]`, summer/1000, gap/1000, overlap/1000)), arrowOpts{},
			[]any{us(t, "2026-07-01T16:00:00Z"), us(t, "2026-03-08T07:30:00Z"), us(t, "2026-11-01T06:30:00Z")}},
		{"ts us wall", c("purchased_at", tsWall(arrow.Microsecond), fmt.Sprintf(`[%d, %d, %d]`, summer+1, gap, overlap)), arrowOpts{},
			[]any{us(t, "2026-07-01T16:00:00.000001Z"), us(t, "2026-03-08T07:30:00Z"), us(t, "2026-11-01T06:30:00Z")}},
		{"ts ns wall", c("purchased_at", tsWall(arrow.Nanosecond), fmt.Sprintf(`[%d, %d, null]`, summer*1000+999, gap*1000)), arrowOpts{},
			[]any{us(t, "2026-07-01T16:00:00Z"), us(t, "2026-03-08T07:30:00Z"), nil}},
		{"date is local midnight", c("purchased_at", arrow.FixedWidthTypes.Date32, `[20454, 20520, null]`), arrowOpts{}, // 2026-01-01, 2026-03-08
			[]any{us(t, "2026-01-01T05:00:00Z"), us(t, "2026-03-08T05:00:00Z"), nil}},
		{"int96 is utc", c("purchased_at", tsUTC(arrow.Nanosecond), `[1767225600123456789, 0, null]`), arrowOpts{int96: true},
			[]any{int64(1767225600123456), int64(0), nil}},
		// numbers
		{"amount float32", c("amount", arrow.PrimitiveTypes.Float32, `[1.5, 0.1, null]`), arrowOpts{}, []any{1.5, float64(float32(0.1)), nil}},
		{"amount int8", c("amount", arrow.PrimitiveTypes.Int8, `[-5, 0, null]`), arrowOpts{}, []any{-5.0, 0.0, nil}},
		{"amount int64", c("amount", arrow.PrimitiveTypes.Int64, `[9007199254740993, -1, null]`), arrowOpts{}, []any{9007199254740992.0, -1.0, nil}},
		{"amount uint64", c("amount", arrow.PrimitiveTypes.Uint64, `[18446744073709551615, 7, null]`), arrowOpts{}, []any{18446744073709551615.0, 7.0, nil}},
		{"amount decimal(10,2)", c("amount", dec(10, 2), `["123.45", "-0.01", null]`), arrowOpts{}, []any{123.45, -0.01, nil}},
		{"amount decimal(38,10)", c("amount", dec(38, 10), `["1234567890123456789.0123456789", "0.1", null]`), arrowOpts{},
			[]any{1234567890123456789.0123456789, 0.1, nil}},
		{"amount decimal256(60,30)", c("amount", &arrow.Decimal256Type{Precision: 60, Scale: 30}, `["0.300000000000000000000000000001", "-2", null]`), arrowOpts{},
			[]any{0.3, -2.0, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeArrow(t, dir, "purchases.parquet", tt.opts, basePurchases(tt.column)...)
			// the required columns must not be null, so read a copy where
			// null rows of a required column are expected to be set aside
			res := readTable(t, dir, "purchases", Options{Location: ny}, nil)
			name := tt.column.field.Name
			var got []any
			for _, r := range res.rows {
				got = append(got, r[name])
			}
			var want []any
			for i, w := range tt.want {
				if w == nil && (name == "purchased_at" || name == "amount") {
					if res.setAside.Reason(res.setAside.Len()-1) != "missing "+name {
						t.Errorf("row %d: null %s not set aside as missing", i, name)
					}
					continue
				}
				want = append(want, w)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %#v, want %#v", name, got, want)
			}
			if f, ok := res.schema.FieldsByName(name); !ok || !arrow.TypeEqual(f[0].Type, normalisedType(mustKind(name))) {
				t.Errorf("schema %s", res.schema)
			}
		})
	}
}

func mustKind(name string) contract.Kind {
	for _, d := range contract.Tables() {
		if c, ok := d.Column(name); ok {
			return c.Kind
		}
	}
	panic(name)
}

func TestIntegerAndTextIDsMatch(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(c("customer_id", arrow.PrimitiveTypes.Int64, `[42, 7, 9000000000]`))...)
	writeArrow(t, dir, "customers.parquet", arrowOpts{}, c("customer_id", arrow.BinaryTypes.String, `["42", "7", "9000000000"]`))
	p := readTable(t, dir, "purchases", Options{}, []string{"customer_id"})
	cu := readTable(t, dir, "customers", Options{}, []string{"customer_id"})
	if got, want := column(p.rows, "customer_id"), column(cu.rows, "customer_id"); !reflect.DeepEqual(got, want) {
		t.Errorf("purchases ids %v, customers ids %v", got, want)
	}
}

func TestSurveysBoolAndScore(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	writeArrow(t, dir, "surveys.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a","b","c","d","e"]`),
		c("responded_at", tsUTC(arrow.Microsecond), `[1, 2, 3, 4, 5]`),
		c("score", arrow.PrimitiveTypes.Int32, `[1, 5, 0, 6, 3]`),
		c("recovery_related", arrow.FixedWidthTypes.Boolean, `[true, false, true, true, null]`),
		c("response_id", arrow.PrimitiveTypes.Int32, `[1, 2, 3, 4, 5]`))
	res := readTable(t, dir, "surveys", Options{ScoreMin: 1, ScoreMax: 5}, nil)
	if got, want := column(res.rows, "recovery_related"), []any{true, false, nil}; !reflect.DeepEqual(got, want) {
		t.Errorf("recovery_related = %v, want %v", got, want)
	}
	if got, want := column(res.rows, "score"), []any{1.0, 5.0, 3.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("score = %v, want %v", got, want)
	}
	if got := res.quality.ByReason[contract.ReasonScoreRange]; got != 2 {
		t.Errorf("score out of range = %d, want 2", got)
	}
}

func TestDecimalToFloat(t *testing.T) {
	tests := []struct {
		small int64
		scale int32
		text  string
		want  float64
	}{
		{12345, 2, "123.45", 123.45},
		{1, 22, "", 1e-22},
		{1, 23, "0.00000000000000000000001", 1e-23},
		{9007199254740993, 0, "9007199254740993", 9007199254740992},
		{-1, 1, "", -0.1},
	}
	for _, tt := range tests {
		got := decimalFloat(tt.small, true, tt.scale, func(int32) string { return tt.text })
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("decimalFloat(%d, %d) = %v, want %v", tt.small, tt.scale, got, tt.want)
		}
	}
}
