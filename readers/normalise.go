package readers

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Normalised Arrow types, by kind.
var (
	typeID     = arrow.BinaryTypes.String
	typeTime   = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	typeNumber = arrow.PrimitiveTypes.Float64
	typeText   = arrow.BinaryTypes.String
	typeBool   = arrow.FixedWidthTypes.Boolean
)

func normalisedType(k contract.Kind) arrow.DataType {
	switch k {
	case contract.KindID:
		return typeID
	case contract.KindTime:
		return typeTime
	case contract.KindNumber:
		return typeNumber
	case contract.KindText:
		return typeText
	}
	return typeBool
}

// Bounds of timestamps that fit in int64 microseconds, for overflow checks.
const (
	maxSecondsUS = math.MaxInt64 / usPerSec
	maxMillisUS  = math.MaxInt64 / 1000
	maxDaysUS    = math.MaxInt64 / (secPerDay * usPerSec)
	usPerDay     = secPerDay * usPerSec
	msPerDay     = secPerDay * 1000
)

// normaliser converts source arrays to normalised arrays. Its output arrays
// are new references that the caller releases.
type normaliser struct {
	mem  memory.Allocator
	wall *WallClock
	num  []byte // scratch for integer text
	dict bool   // pass dictionaries of utf8 through (Options.Dictionaries)
}

// normalise converts one source column of kind k, described by sc.
func (n *normaliser) normalise(k contract.Kind, sc sourceColumn, a arrow.Array) (arrow.Array, error) {
	if !arrow.TypeEqual(a.DataType(), sc.arrow) {
		return nil, Incomplete(fmt.Errorf("type changed while reading: footer says %s, data is %s", sc.arrow, a.DataType()))
	}
	switch k {
	case contract.KindID, contract.KindText:
		return n.text(a)
	case contract.KindTime:
		return n.time(a, sc.local)
	case contract.KindNumber:
		return n.number(a)
	case contract.KindBool:
		if b, ok := a.(*array.Boolean); ok {
			b.Retain()
			return b, nil
		}
	}
	return nil, fmt.Errorf("cannot normalise %s as %s", a.DataType(), k)
}

type stringValuer interface {
	arrow.Array
	Value(int) string
}

// text converts strings (passed through when already utf8), dictionaries of
// strings, integers (their decimal text) and integral decimals.
func (n *normaliser) text(a arrow.Array) (arrow.Array, error) {
	if s, ok := a.(*array.String); ok {
		s.Retain()
		return s, nil
	}
	if n.dict && isDictText(a) {
		a.Retain()
		return a, nil
	}
	b := array.NewStringBuilder(n.mem)
	defer b.Release()
	l := a.Len()
	b.Reserve(l)
	switch src := a.(type) {
	case stringValuer:
		if ls, ok := a.(*array.LargeString); ok {
			offs := ls.ValueOffsets()
			b.ReserveData(int(offs[len(offs)-1] - offs[0]))
		}
		for i := 0; i < l; i++ {
			if src.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(src.Value(i))
			}
		}
	case *array.Binary: // BYTE_ARRAY read as text: no annotation, ENUM, JSON
		appendBinary(b, src)
	case *array.LargeBinary:
		appendBinary(b, src)
	case *array.FixedSizeBinary: // UUID
		appendUUIDs(b, src)
	case array.ExtensionArray: // arrow.uuid over fixed-size binary
		fsb, ok := src.Storage().(*array.FixedSizeBinary)
		if !ok || fsb.DataType().(*arrow.FixedSizeBinaryType).ByteWidth != uuidWidth {
			return nil, fmt.Errorf("cannot read %s as text", a.DataType())
		}
		appendUUIDs(b, fsb)
	case *array.Dictionary:
		dict, ok := src.Dictionary().(stringValuer)
		if !ok {
			return nil, fmt.Errorf("cannot read dictionary of %s as text", src.Dictionary().DataType())
		}
		for i := 0; i < l; i++ {
			if src.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(dict.Value(src.GetValueIndex(i)))
			}
		}
	case *array.Int8:
		appendInts(n, b, src, src.Int8Values())
	case *array.Int16:
		appendInts(n, b, src, src.Int16Values())
	case *array.Int32:
		appendInts(n, b, src, src.Int32Values())
	case *array.Int64:
		appendInts(n, b, src, src.Int64Values())
	case *array.Uint8:
		appendUints(n, b, src, src.Uint8Values())
	case *array.Uint16:
		appendUints(n, b, src, src.Uint16Values())
	case *array.Uint32:
		appendUints(n, b, src, src.Uint32Values())
	case *array.Uint64:
		appendUints(n, b, src, src.Uint64Values())
	case *array.Decimal32, *array.Decimal64, *array.Decimal128, *array.Decimal256:
		scale := decimalScale(a.DataType())
		for i := 0; i < l; i++ {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(decimalText(a, i, scale))
			}
		}
	default:
		return nil, fmt.Errorf("cannot read %s as text", a.DataType())
	}
	return b.NewArray(), nil
}

// appendBinary appends the bytes of src as they are; process checks that they
// are UTF-8.
func appendBinary(b *array.StringBuilder, src interface {
	arrow.Array
	Value(int) []byte
}) {
	for i := 0; i < src.Len(); i++ {
		if src.IsNull(i) {
			b.AppendNull()
		} else {
			b.BinaryBuilder.Append(src.Value(i))
		}
	}
}

// appendUUIDs appends each 16-byte UUID of src as its canonical text (RFC
// 9562 §4): 32 lower-case hexadecimal digits in groups of 8-4-4-4-12,
// "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", so that it matches the same id
// written as a string by another warehouse (DuckDB, Trino and Spark print
// UUIDs so).
func appendUUIDs(b *array.StringBuilder, src *array.FixedSizeBinary) {
	var buf [36]byte
	b.ReserveData(src.Len() * len(buf))
	for i := 0; i < src.Len(); i++ {
		if src.IsNull(i) {
			b.AppendNull()
			continue
		}
		u := src.Value(i)
		hex.Encode(buf[0:8], u[0:4])
		buf[8] = '-'
		hex.Encode(buf[9:13], u[4:6])
		buf[13] = '-'
		hex.Encode(buf[14:18], u[6:8])
		buf[18] = '-'
		hex.Encode(buf[19:23], u[8:10])
		buf[23] = '-'
		hex.Encode(buf[24:36], u[10:16])
		b.BinaryBuilder.Append(buf[:])
	}
}

func appendInts[T int8 | int16 | int32 | int64](n *normaliser, b *array.StringBuilder, a arrow.Array, vals []T) {
	b.ReserveData(len(vals) * 8)
	for i, v := range vals {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		n.num = strconv.AppendInt(n.num[:0], int64(v), 10)
		b.BinaryBuilder.Append(n.num)
	}
}

func appendUints[T uint8 | uint16 | uint32 | uint64](n *normaliser, b *array.StringBuilder, a arrow.Array, vals []T) {
	b.ReserveData(len(vals) * 8)
	for i, v := range vals {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		n.num = strconv.AppendUint(n.num[:0], uint64(v), 10)
		b.BinaryBuilder.Append(n.num)
	}
}

// decimalText is the exact decimal text of element i of a decimal array.
func decimalText(a arrow.Array, i int, scale int32) string {
	switch d := a.(type) {
	case *array.Decimal32:
		return d.Value(i).ToString(scale)
	case *array.Decimal64:
		return d.Value(i).ToString(scale)
	case *array.Decimal128:
		return d.Value(i).ToString(scale)
	case *array.Decimal256:
		return d.Value(i).ToString(scale)
	}
	return ""
}

// time converts timestamps and dates to microseconds since the epoch (UTC).
// Values beyond the int64 microsecond range (about ±292,000 years) are
// clamped to it, which keeps them out of the valid range.
func (n *normaliser) time(a arrow.Array, local bool) (arrow.Array, error) {
	var (
		vals []int64
		conv func(int64) int64
	)
	switch src := a.(type) {
	case *array.Timestamp:
		vals = arrow.Int64Traits.CastFromBytes(arrow.TimestampTraits.CastToBytes(src.TimestampValues()))
		switch src.DataType().(*arrow.TimestampType).Unit {
		case arrow.Second:
			conv = func(v int64) int64 { return scaleClamp(v, maxSecondsUS, usPerSec) }
		case arrow.Millisecond:
			conv = func(v int64) int64 { return scaleClamp(v, maxMillisUS, 1000) }
		case arrow.Microsecond:
			if !local {
				return n.retype(src, typeTime), nil
			}
		case arrow.Nanosecond:
			conv = func(v int64) int64 { return floorDiv(v, 1000) }
		}
	case *array.Date32:
		vals = make([]int64, src.Len()) // dates are rare; simplicity over speed
		for i, d := range src.Date32Values() {
			vals[i] = int64(d)
		}
		conv = func(d int64) int64 { return scaleClamp(d, maxDaysUS, usPerDay) }
	case *array.Date64:
		vals = arrow.Int64Traits.CastFromBytes(arrow.Date64Traits.CastToBytes(src.Date64Values()))
		conv = func(ms int64) int64 { return scaleClamp(floorDiv(ms, msPerDay), maxDaysUS, usPerDay) }
	default:
		return nil, fmt.Errorf("cannot read %s as a timestamp", a.DataType())
	}
	b := array.NewTimestampBuilder(n.mem, typeTime)
	defer b.Release()
	b.Reserve(len(vals))
	for i, v := range vals {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		if conv != nil {
			v = conv(v)
		}
		if local && v != math.MinInt64 && v != math.MaxInt64 {
			if r, ok := n.wall.InstantMicros(v); ok {
				v = r
			} else if v < 0 {
				v = math.MinInt64
			} else {
				v = math.MaxInt64
			}
		}
		b.UnsafeAppend(arrow.Timestamp(v))
	}
	return b.NewArray(), nil
}

// scaleClamp returns v*factor, clamped to the int64 range; limit is
// MaxInt64/factor.
func scaleClamp(v, limit, factor int64) int64 {
	switch {
	case v > limit:
		return math.MaxInt64
	case v < -limit:
		return math.MinInt64
	}
	return v * factor
}

// retype shares a's buffers under another type of the same layout.
func (n *normaliser) retype(a arrow.Array, dt arrow.DataType) arrow.Array {
	d := a.Data()
	nd := array.NewData(dt, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

// number converts floats, integers and decimals to float64.
func (n *normaliser) number(a arrow.Array) (arrow.Array, error) {
	if f, ok := a.(*array.Float64); ok {
		f.Retain()
		return f, nil
	}
	b := array.NewFloat64Builder(n.mem)
	defer b.Release()
	switch src := a.(type) {
	case *array.Float32:
		appendFloats(b, src, src.Float32Values(), func(v float32) float64 { return float64(v) })
	case *array.Float16:
		appendFloats(b, src, src.Values(), func(v float16.Num) float64 { return float64(v.Float32()) })
	case *array.Int8:
		appendFloats(b, src, src.Int8Values(), func(v int8) float64 { return float64(v) })
	case *array.Int16:
		appendFloats(b, src, src.Int16Values(), func(v int16) float64 { return float64(v) })
	case *array.Int32:
		appendFloats(b, src, src.Int32Values(), func(v int32) float64 { return float64(v) })
	case *array.Int64:
		appendFloats(b, src, src.Int64Values(), func(v int64) float64 { return float64(v) })
	case *array.Uint8:
		appendFloats(b, src, src.Uint8Values(), func(v uint8) float64 { return float64(v) })
	case *array.Uint16:
		appendFloats(b, src, src.Uint16Values(), func(v uint16) float64 { return float64(v) })
	case *array.Uint32:
		appendFloats(b, src, src.Uint32Values(), func(v uint32) float64 { return float64(v) })
	case *array.Uint64:
		appendFloats(b, src, src.Uint64Values(), func(v uint64) float64 { return float64(v) })
	case *array.Decimal32:
		s := decimalScale(a.DataType())
		appendFloats(b, src, src.Values(), func(v decimal.Decimal32) float64 { return decimalFloat(int64(v), true, s, v.ToString) })
	case *array.Decimal64:
		s := decimalScale(a.DataType())
		appendFloats(b, src, src.Values(), func(v decimal.Decimal64) float64 { return decimalFloat(int64(v), true, s, v.ToString) })
	case *array.Decimal128:
		s := decimalScale(a.DataType())
		appendFloats(b, src, src.Values(), func(v decimal128.Num) float64 {
			small, ok := int128Small(v)
			return decimalFloat(small, ok, s, v.ToString)
		})
	case *array.Decimal256:
		s := decimalScale(a.DataType())
		appendFloats(b, src, src.Values(), func(v decimal256.Num) float64 {
			small, ok := int256Small(v)
			return decimalFloat(small, ok, s, v.ToString)
		})
	default:
		return nil, fmt.Errorf("cannot read %s as a number", a.DataType())
	}
	return b.NewArray(), nil
}

func appendFloats[T any](b *array.Float64Builder, a arrow.Array, vals []T, f func(T) float64) {
	b.Reserve(len(vals))
	for i, v := range vals {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(f(v))
		}
	}
}

// exactPow10 holds the powers of ten that float64 represents exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

const maxExactInt = 1 << 53

// decimalFloat converts a decimal correctly rounded: when the unscaled value
// and 10^scale are both exact in float64 one division rounds once (this is
// also DuckDB's cast); otherwise the exact decimal text is parsed.
func decimalFloat(small int64, fits bool, scale int32, text func(int32) string) float64 {
	if fits && small > -maxExactInt && small < maxExactInt && scale >= 0 && int(scale) < len(exactPow10) {
		return float64(small) / exactPow10[scale]
	}
	f, err := strconv.ParseFloat(text(scale), 64)
	if err != nil && !isRangeErr(err) {
		return math.NaN()
	}
	return f
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// int128Small returns v as int64 when it fits.
func int128Small(v decimal128.Num) (int64, bool) {
	hi, lo := v.HighBits(), v.LowBits()
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		return int64(lo), true
	}
	return 0, false
}

// int256Small returns v as int64 when it fits.
func int256Small(v decimal256.Num) (int64, bool) {
	w := v.Array() // little-endian 64-bit words
	lo := w[0]
	if w[1] == 0 && w[2] == 0 && w[3] == 0 && lo <= math.MaxInt64 {
		return int64(lo), true
	}
	if w[1] == math.MaxUint64 && w[2] == math.MaxUint64 && w[3] == math.MaxUint64 && lo > math.MaxInt64 {
		return int64(lo), true
	}
	return 0, false
}
