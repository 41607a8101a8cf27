package readers

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// int96Column reads one INT96 leaf (a flat column: one level per row) row group
// after row group with arrow-go's column reader, not through pqarrow: pqarrow
// converts INT96 to nanoseconds and fails the whole read ("parquet INT96
// timestamp at index 0") on a value outside that range, such as Spark's
// sentinels 9999-12-31 and 0001-01-01, naming neither column nor row. Here each
// value becomes microseconds (int96Micros), and one outside SPEC §2's range is
// set aside like any other timestamp out of range (TableReader.process).
type int96Column struct {
	rdr    *file.Reader
	leaf   int
	name   string
	maxDef int16
	rg     int // the row group being read; -1 before the first
	cr     *file.Int96ColumnChunkReader
	vals   []parquet.Int96
	defs   []int16
}

func newInt96Column(rdr *file.Reader, leaf int) *int96Column {
	col := rdr.MetaData().Schema.Column(leaf)
	return &int96Column{rdr: rdr, leaf: leaf, name: col.Path(), maxDef: col.MaxDefinitionLevel(), rg: -1}
}

// read returns the next n rows as a µs UTC timestamp array (type typeTime)
// allocated from mem.
func (c *int96Column) read(mem memory.Allocator, n int) (arrow.Array, error) {
	b := array.NewTimestampBuilder(mem, typeTime)
	defer b.Release()
	b.Reserve(n)
	for left := n; left > 0; {
		if c.cr == nil || !c.cr.HasNext() {
			if c.cr != nil {
				if err := c.cr.Err(); err != nil {
					return nil, fmt.Errorf("column %s: %w", c.name, err)
				}
			}
			c.rg++
			if c.rg >= c.rdr.NumRowGroups() {
				return nil, fmt.Errorf("column %s: %d values fewer than the rows of the other columns", c.name, left)
			}
			cr, err := c.rdr.RowGroup(c.rg).Column(c.leaf)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
			i96, ok := cr.(*file.Int96ColumnChunkReader)
			if !ok {
				return nil, fmt.Errorf("column %s: not an INT96 column chunk", c.name)
			}
			c.cr = i96
			continue
		}
		if cap(c.vals) < left {
			c.vals, c.defs = make([]parquet.Int96, left), make([]int16, left)
		}
		var defs []int16
		if c.maxDef > 0 {
			defs = c.defs[:left]
		}
		levels, _, err := c.cr.ReadBatch(int64(left), c.vals[:left], defs, nil)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
		v := 0
		for i := range int(levels) {
			if defs != nil && defs[i] < c.maxDef {
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			b.UnsafeAppend(arrow.Timestamp(int96Micros(c.vals[v])))
			v++
		}
		left -= int(levels)
	}
	return b.NewArray(), nil
}

// julianUnixEpoch is the Julian day number of 1970-01-01.
const julianUnixEpoch = 2440588

// int96Micros converts a legacy INT96 timestamp (nanoseconds of the day, then the
// Julian day, little-endian) to microseconds since the epoch, UTC, flooring the
// nanoseconds. A value beyond the int64 microsecond range (after year 294,000),
// or whose nanoseconds are not those of a day (how Spark's arithmetic overflows
// for dates after about year 287,000), is clamped to math.MaxInt64: a
// timestamp out of range, set aside.
func int96Micros(v parquet.Int96) int64 {
	nanos := binary.LittleEndian.Uint64(v[0:8])
	days := int64(binary.LittleEndian.Uint32(v[8:12])) - julianUnixEpoch
	if nanos >= secPerDay*1e9 || days >= maxDaysUS {
		return math.MaxInt64
	}
	return days*usPerDay + int64(nanos/1000)
}
