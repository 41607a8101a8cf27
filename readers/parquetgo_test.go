package readers

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// pgWrite writes rows of a dynamic parquet-go schema; each row maps column
// name to a Go value (nil = null) and every column is optional.
func pgWrite(t *testing.T, dir, rel string, nodes map[string]parquet.Node, rows []map[string]any) {
	t.Helper()
	pgWriteRowGroups(t, dir, rel, nodes, rows, 0)
}

// pgWriteRowGroups writes rows like pgWrite, with a row group every
// groupRows rows (0: one row group).
func pgWriteRowGroups(t *testing.T, dir, rel string, nodes map[string]parquet.Node, rows []map[string]any, groupRows int) {
	t.Helper()
	g := parquet.Group{}
	for n, node := range nodes {
		g[n] = parquet.Optional(node)
	}
	sch := parquet.NewSchema("t", g)
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, sch)
	for k, r := range rows {
		var row parquet.Row
		for i, f := range sch.Fields() {
			v, ok := r[f.Name()]
			if !ok || v == nil {
				row = append(row, parquet.NullValue().Level(0, 0, i))
				continue
			}
			var pv parquet.Value
			switch v := v.(type) {
			case deprecated.Int96:
				pv = parquet.Int96Value(v)
			case []byte:
				pv = parquet.FixedLenByteArrayValue(v)
			case string:
				pv = parquet.ByteArrayValue([]byte(v))
			default:
				pv = parquet.ValueOf(v)
			}
			row = append(row, pv.Level(0, 1, i))
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
		if groupRows > 0 && (k+1)%groupRows == 0 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, rel, buf.Bytes())
}

func TestNormaliseParquetGoWrittenTypes(t *testing.T) {
	ny := newYork(t)
	gapLocal := wall(2026, 3, 8, 2, 30, 0)
	overlapLocal := wall(2026, 11, 1, 1, 30, 0)
	julian := func(tm time.Time) deprecated.Int96 { // days since the Julian epoch, ns of day
		days := tm.Unix()/86400 + 2440588
		ns := uint64(tm.UnixNano() - (tm.Unix()/86400)*86400e9)
		return deprecated.Int96{uint32(ns), uint32(ns >> 32), uint32(days)}
	}
	base := map[string]parquet.Node{
		"customer_id":  parquet.String(),
		"purchased_at": parquet.Timestamp(parquet.Microsecond),
		"amount":       parquet.Leaf(parquet.DoubleType),
	}
	baseRow := func(i int) map[string]any {
		return map[string]any{"customer_id": string(rune('a' + i)), "purchased_at": int64(1767225600000000 + i), "amount": float64(i)}
	}
	tests := []struct {
		name   string
		column string
		node   parquet.Node
		values []any
		want   []any
	}{
		{"id int32", "order_id", parquet.Int(32), []any{int32(42), nil, int32(-1)}, []any{"42", nil, "-1"}},
		{"id int64", "order_id", parquet.Int(64), []any{int64(1) << 40, nil, int64(0)}, []any{"1099511627776", nil, "0"}},
		{"id uint32", "order_id", parquet.Uint(32), []any{uint32(4294967295), nil, uint32(0)}, []any{"4294967295", nil, "0"}},
		{"id uint64", "order_id", parquet.Uint(64), []any{uint64(18446744073709551615), nil, uint64(1)}, []any{"18446744073709551615", nil, "1"}},
		{"id int8", "order_id", parquet.Int(8), []any{int32(-5), nil, int32(5)}, []any{"-5", nil, "5"}},
		{"id dictionary string", "order_id", parquet.Encoded(parquet.String(), &parquet.RLEDictionary), []any{"x", nil, "x2"}, []any{"x", nil, "x2"}},
		{"text enum", "order_id", parquet.Enum(), []any{"x", nil, "y"}, []any{"x", nil, "y"}},
		{"ts ms adjusted", "purchased_at", parquet.Timestamp(parquet.Millisecond), []any{int64(1), int64(2), int64(3)},
			[]any{int64(1000), int64(2000), int64(3000)}},
		{"ts ns adjusted", "purchased_at", parquet.Timestamp(parquet.Nanosecond), []any{int64(1999), int64(2000), int64(1767225600123456789)},
			[]any{int64(1), int64(2), int64(1767225600123456)}},
		{"ts us wall clock", "purchased_at", parquet.TimestampAdjusted(parquet.Microsecond, false), []any{gapLocal, overlapLocal, wall(2026, 1, 15, 0, 0, 0)},
			[]any{us(t, "2026-03-08T07:30:00Z"), us(t, "2026-11-01T06:30:00Z"), us(t, "2026-01-15T05:00:00Z")}},
		{"ts ms wall clock", "purchased_at", parquet.TimestampAdjusted(parquet.Millisecond, false), []any{gapLocal / 1000, overlapLocal / 1000, int64(0)},
			[]any{us(t, "2026-03-08T07:30:00Z"), us(t, "2026-11-01T06:30:00Z"), us(t, "1970-01-01T05:00:00Z")}},
		{"date", "purchased_at", parquet.Date(), []any{int32(20454), int32(20520), int32(20758)}, // 2026-01-01, 03-08, 11-01
			[]any{us(t, "2026-01-01T05:00:00Z"), us(t, "2026-03-08T05:00:00Z"), us(t, "2026-11-01T04:00:00Z")}},
		{"int96", "purchased_at", parquet.Leaf(parquet.Int96Type), []any{
			julian(time.Date(2026, 3, 8, 2, 30, 0, 123456789, time.UTC)), julian(time.Unix(0, 0)), julian(time.Unix(86400*3, 1000))},
			[]any{us(t, "2026-03-08T02:30:00.123456Z"), int64(0), int64(86400*3*1e6 + 1)}},
		{"float", "amount", parquet.Leaf(parquet.FloatType), []any{float32(2.5), float32(0.1), float32(-1)}, []any{2.5, float64(float32(0.1)), -1.0}},
		{"int32 amount", "amount", parquet.Int(32), []any{int32(7), int32(-7), int32(0)}, []any{7.0, -7.0, 0.0}},
		{"decimal int32", "amount", parquet.Decimal(2, 9, parquet.Int32Type), []any{int32(12345), int32(-1), int32(0)}, []any{123.45, -0.01, 0.0}},
		{"decimal int64", "amount", parquet.Decimal(4, 18, parquet.Int64Type), []any{int64(123456789), int64(-5), int64(10000)}, []any{12345.6789, -0.0005, 1.0}},
		{"decimal fixed", "amount", parquet.Decimal(3, 20, parquet.FixedLenByteArrayType(9)), []any{
			[]byte{0, 0, 0, 0, 0, 0, 0, 0x30, 0x39}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0}},
			[]any{12.345, -0.001, 0.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			nodes := map[string]parquet.Node{}
			for k, v := range base {
				nodes[k] = v
			}
			nodes[tt.column] = tt.node
			var rows []map[string]any
			for i, v := range tt.values {
				r := baseRow(i)
				r[tt.column] = v
				rows = append(rows, r)
			}
			pgWrite(t, dir, "purchases.parquet", nodes, rows)
			res := readTable(t, dir, "purchases", Options{Location: ny}, nil)
			if got := column(res.rows, tt.column); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.column, got, tt.want)
			}
		})
	}
}

func TestBooleanFromParquetGo(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	pgWrite(t, dir, "surveys.parquet", map[string]parquet.Node{
		"customer_id": parquet.String(), "responded_at": parquet.Timestamp(parquet.Millisecond),
		"score": parquet.Int(64), "recovery_related": parquet.Leaf(parquet.BooleanType),
	}, []map[string]any{
		{"customer_id": "a", "responded_at": int64(1), "score": int64(4), "recovery_related": true},
		{"customer_id": "b", "responded_at": int64(1), "score": int64(5), "recovery_related": nil},
		{"customer_id": "c", "responded_at": int64(1), "score": int64(1), "recovery_related": false},
	})
	res := readTable(t, dir, "surveys", Options{}, nil)
	if got := column(res.rows, "recovery_related"); !reflect.DeepEqual(got, []any{true, nil, false}) {
		t.Errorf("recovery_related = %v", got)
	}
}
