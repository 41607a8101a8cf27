package readers

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	apq "github.com/apache/arrow-go/v18/parquet"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// int96Of is t as a legacy INT96 (nanoseconds of the day, Julian day), for any
// year a Julian day number holds.
func int96Of(t time.Time) deprecated.Int96 {
	sec := t.Unix()
	days := sec / 86400
	if sec%86400 < 0 {
		days--
	}
	ns := uint64(sec-days*86400)*1e9 + uint64(t.Nanosecond())
	return deprecated.Int96{uint32(ns), uint32(ns >> 32), uint32(days + 2440588)}
}

// Spark's INT96 with its sentinel dates: SPEC §2 (v2) "An INT96 timestamp outside
// the supported range is `timestamp out of range` for its row, like any other."
// Before, the whole run stopped with "parquet INT96 timestamp at index 0".
func TestInt96OutOfRange(t *testing.T) {
	// The file Spark 3.4.3 wrote (parquet-testing's int96_from_spark.parquet):
	// the microseconds its int96_from_spark.md lists (and DuckDB reads), the
	// 9999-12-31 sentinel included. Its last value, year 290000, overflowed
	// Spark's own arithmetic (negative nanoseconds of the day, a Julian day
	// past 2^31): out of range, kept as the largest instant. (DuckDB reads it
	// as a date in 226414 BC.)
	got := readLeaves(t, filepath.Join(parquetTesting, "int96_from_spark.parquet"))["a"]
	want := []string{"1704141296123456", "1704070800000000", "253402225200000000", "1735599600000000", "(null)", "9223372036854775807"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Spark's INT96 read as %v, want %v", got, want)
	}

	// Through the table reader: parquet-go writes INT96 purchases with Spark's
	// sentinels over two row groups, read in batches that straddle them.
	dir := t.TempDir()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	times := []any{
		int96Of(day(2026, 1, 2).Add(1500 * time.Nanosecond)), // floors to 1 µs
		int96Of(day(9999, 12, 31)),
		nil,
		int96Of(day(1, 1, 1)),
		int96Of(day(2199, 12, 31).Add(86399999999999)), // the last µs of 2199
		int96Of(day(2200, 1, 1)),
		int96Of(day(1970, 1, 1)),
	}
	var rows []map[string]any
	for i, tm := range times {
		rows = append(rows, map[string]any{"customer_id": fmt.Sprint("c", i), "purchased_at": tm, "amount": 1.0})
	}
	pgWriteRowGroups(t, dir, "purchases.parquet", map[string]parquet.Node{
		"customer_id":  parquet.String(),
		"purchased_at": parquet.Leaf(parquet.Int96Type),
		"amount":       parquet.Leaf(parquet.DoubleType),
	}, rows, 4)
	res := readTable(t, dir, "purchases", Options{BatchSize: 3}, nil)
	if got, want := column(res.rows, "purchased_at"), []any{day(2026, 1, 2).UnixMicro() + 1, day(2200, 1, 1).UnixMicro() - 1, int64(0)}; !reflect.DeepEqual(got, want) {
		t.Errorf("valid times %v, want %v", got, want)
	}
	type aside struct {
		reason string
		row    int64
		value  string
	}
	var gotAside []aside
	for i := range res.setAside.Len() {
		_, row := res.setAside.SourceFile(i)
		v := "null"
		if res.setAside.Valid(1, i) {
			v = formatMicros(res.setAside.Micros(1, i))
		}
		gotAside = append(gotAside, aside{res.setAside.Reason(i), row, v})
	}
	wantAside := []aside{
		{contract.ReasonTimestampRange, 1, "9999-12-31T00:00:00Z"},
		{"missing purchased_at", 2, "null"},
		{contract.ReasonTimestampRange, 3, "0001-01-01T00:00:00Z"},
		{contract.ReasonTimestampRange, 5, "2200-01-01T00:00:00Z"},
	}
	if !reflect.DeepEqual(gotAside, wantAside) {
		t.Errorf("set aside %v, want %v", gotAside, wantAside)
	}
	if ex := res.quality.Examples[contract.ReasonTimestampRange]; len(ex) == 0 || ex[0].Row != 1 || ex[0].Values["purchased_at"] != "9999-12-31T00:00:00Z" {
		t.Errorf("examples %+v", ex)
	}
}

func TestInt96Micros(t *testing.T) {
	for _, tt := range []struct {
		v    deprecated.Int96
		want int64
	}{
		{int96Of(time.Unix(0, 0)), 0},
		{int96Of(time.Unix(-1, 999)), -1000000}, // floor of -999999.001 µs
		{deprecated.Int96{0, 0, 0}, -2440588 * 86400 * 1e6},
		{deprecated.Int96{0, 0, math.MaxUint32}, math.MaxInt64},            // year 11 million
		{deprecated.Int96{0xffffffff, 0xffffffff, 2440588}, math.MaxInt64}, // ns beyond a day
	} {
		var v apq.Int96
		for w, x := range tt.v {
			binary.LittleEndian.PutUint32(v[4*w:], x)
		}
		if got := int96Micros(v); got != tt.want {
			t.Errorf("int96Micros(%v) = %d, want %d", tt.v, got, tt.want)
		}
	}
}
