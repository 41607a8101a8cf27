package readers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// hiveDefaultPartition is the folder value Hive, Spark and DuckDB write for a
// null (or, for Hive and Spark, empty) partition value.
const hiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// partition is one Hive partition folder (key=value/) on a part file's path.
type partition struct {
	key, value string // unescaped
	null       bool   // the folder says __HIVE_DEFAULT_PARTITION__
	dir        string // the folder's slash path, for messages
}

// partitionsOf returns the partition folders between the table folder dir and
// the part file p, outermost first. A folder whose name has no "=" (export/) or
// an empty key is not a partition. The same key twice on one path (compared
// ignoring case, as Hive and Spark compare column names) is an error: which one
// would the column take?
func partitionsOf(dir, p string) ([]partition, error) {
	if dir == "" {
		return nil, nil
	}
	rel := strings.TrimPrefix(p, dir+"/")
	segs := strings.Split(rel, "/")
	var out []partition
	cur := dir
	for _, s := range segs[:len(segs)-1] {
		cur += "/" + s
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			continue
		}
		pt := partition{key: hiveUnescape(k), value: hiveUnescape(v), dir: cur + "/"}
		pt.null = v == hiveDefaultPartition
		for _, o := range out {
			if strings.EqualFold(o.key, pt.key) {
				return nil, fmt.Errorf("%s: partition column %s appears twice on the path (%s and %s)", p, pt.key, o.dir, pt.dir)
			}
		}
		out = append(out, pt)
	}
	return out, nil
}

// hiveUnescape undoes Hive's escaping of partition folder names
// (FileUtils.escapePathName, which Spark and DuckDB follow): "%" and two
// hexadecimal digits is that byte; a "%" not followed by two hexadecimal digits
// is kept as it is, as Hive's unescapePathName keeps it. "+" is not a space.
func hiveUnescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// partitionValue is a partition folder's value typed as its contract column's
// kind.
type partitionValue struct {
	partition
	kind contract.Kind
	text string  // ids and text
	us   int64   // timestamps: µs since the epoch, UTC
	num  float64 // numbers
	b    bool    // booleans
}

// typePartition types the folder value of pt for a contract column of kind k.
// SPEC §2 (v2): "Hive partition folders (segment=gold/) supply a contract column
// that the files lack." The folder holds text, read as the contract's kind says:
// ids and text as they are (valid UTF-8); timestamps as Hive and Spark write a
// DATE (2026-09-30, midnight in loc) or a TIMESTAMP (2026-09-30 12:00:00[.ffffff]
// or with a T, a wall-clock time in loc; with Z or an offset, an instant);
// numbers as decimal text; booleans as true or false. A value that is none of
// these is an error naming the folder.
func typePartition(k contract.Kind, pt partition, wall *WallClock) (partitionValue, error) {
	pv := partitionValue{partition: pt, kind: k}
	if pt.null {
		return pv, nil
	}
	v := pt.value
	bad := func(want string) error {
		return fmt.Errorf("partition folder %s: value %q is not %s", pt.dir, v, want)
	}
	switch k {
	case contract.KindID, contract.KindText:
		if !utf8.ValidString(v) {
			return pv, bad("valid UTF-8 text")
		}
		pv.text = v
	case contract.KindTime:
		us, err := parsePartitionTime(v, wall)
		if err != nil {
			return pv, bad("a date or timestamp (2026-09-30, 2026-09-30 12:00:00, 2026-09-30T12:00:00Z)")
		}
		pv.us = us
	case contract.KindNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil && !isRangeErr(err) {
			return pv, bad("a number")
		}
		pv.num = f
	case contract.KindBool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return pv, bad("true or false")
		}
		pv.b = b
	}
	return pv, nil
}

// parsePartitionTime reads a DATE or TIMESTAMP partition value (see
// typePartition) as µs since the epoch. A value out of the int64 range is kept
// as the nearest end of it: the row is then "timestamp out of range".
func parsePartitionTime(v string, wall *WallClock) (int64, error) {
	// With a zone: RFC 3339, and as DuckDB writes a TIMESTAMPTZ (2026-09-30 10:34:56.5+00).
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07", "2006-01-02T15:04:05.999999999Z07"} {
		if t, err := time.Parse(layout, v); err == nil {
			return clampMicros(t), nil
		}
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		local := clampMicros(t) // t is in UTC: its fields are the wall-clock time
		if us, ok := wall.InstantMicros(local); ok {
			return us, nil
		}
		return local, nil
	}
	return 0, fmt.Errorf("not a date or timestamp")
}

func clampMicros(t time.Time) int64 {
	sec := t.Unix()
	switch {
	case sec > math.MaxInt64/usPerSec-1:
		return math.MaxInt64
	case sec < math.MinInt64/usPerSec+1:
		return math.MinInt64
	}
	return sec*usPerSec + int64(t.Nanosecond()/1000)
}

// constant returns an array of n rows of the normalised type of pv's kind, each
// holding pv's value (null for __HIVE_DEFAULT_PARTITION__).
func (pv *partitionValue) constant(mem memory.Allocator, n int) arrow.Array {
	if pv.null {
		return array.MakeArrayOfNull(mem, normalisedType(pv.kind), n)
	}
	switch pv.kind {
	case contract.KindID, contract.KindText:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		b.ReserveData(n * len(pv.text))
		for range n {
			b.Append(pv.text)
		}
		return b.NewArray()
	case contract.KindTime:
		b := array.NewTimestampBuilder(mem, typeTime)
		defer b.Release()
		b.Reserve(n)
		for range n {
			b.UnsafeAppend(arrow.Timestamp(pv.us))
		}
		return b.NewArray()
	case contract.KindNumber:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for range n {
			b.UnsafeAppend(pv.num)
		}
		return b.NewArray()
	}
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for range n {
		b.UnsafeAppend(pv.b)
	}
	return b.NewArray()
}

// disagreement returns the first row of a (a normalised column read from a
// part file under pv's folder) whose value differs from the folder's, with the
// value as text; -1 when every row agrees. A null agrees with
// __HIVE_DEFAULT_PARTITION__ only, and for ids and text so does an empty value
// (Hive and Spark write an empty value to that folder too).
func (pv *partitionValue) disagreement(a arrow.Array) (int, string) {
	for i := range a.Len() {
		if a.IsNull(i) {
			if pv.null {
				continue
			}
			return i, "null"
		}
		var same bool
		var got string
		switch pv.kind {
		case contract.KindID, contract.KindText:
			got = idText(a, i)
			same = (pv.null && got == "") || (!pv.null && got == pv.text)
			got = strconv.Quote(got)
		case contract.KindTime:
			v := int64(a.(*array.Timestamp).Value(i))
			same, got = !pv.null && v == pv.us, formatMicros(v)
		case contract.KindNumber:
			v := a.(*array.Float64).Value(i)
			same = !pv.null && (v == pv.num || (math.IsNaN(v) && math.IsNaN(pv.num)))
			got = strconv.FormatFloat(v, 'g', -1, 64)
		case contract.KindBool:
			v := a.(*array.Boolean).Value(i)
			same, got = !pv.null && v == pv.b, strconv.FormatBool(v)
		}
		if !same {
			return i, got
		}
	}
	return -1, ""
}

// partitionColumns returns the keys of the partition folders of files, in order
// of first appearance (files in lexical path order, folders outermost first).
func partitionColumns(files []FileInfo) []string {
	var out []string
	for _, f := range files {
		for _, pt := range f.partitions {
			found := false
			for _, k := range out {
				if k == pt.key {
					found = true
					break
				}
			}
			if !found {
				out = append(out, pt.key)
			}
		}
	}
	return out
}
