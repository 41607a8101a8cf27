package readers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go/table/dv"
)

// The delete files of an Iceberg table (format v2 and v3), as the spec's "Row-level
// Deletes" defines them, applied to one data file:
//   - a position delete file lists (file_path, pos): row pos of the data file at
//     file_path is deleted;
//   - a deletion vector (v3) is a bitmap of the data file's deleted positions in a
//     Puffin file (read by iceberg-go's table/dv);
//   - an equality delete file lists values of some columns (its equality field
//     ids): a row of the data file whose values of those columns equal a listed
//     row's is deleted, null equal to null.
// Which delete files apply to which data file (by sequence number and partition)
// is the scan planning of icebergplan.go. The rows deleted are not in the table: not read,
// not set aside, counted as deleted (TableQuality.RowsDeleted).

// positionDeleteFilePath and positionDeletePos are the reserved field ids of a
// position delete file's columns.
const (
	positionDeleteFilePath = 2147483546
	positionDeletePos      = 2147483545
)

// load returns the rows of the data file p (of rows rows) that its delete files
// delete, ascending and without repeats.
func (f *icebergFile) load(ctx context.Context, fsys fs.FS, p string, rows int64, mem memory.Allocator) ([]uint64, error) {
	var out []uint64
	for _, d := range f.deletes {
		var got []uint64
		var err error
		switch d.kind {
		case "position":
			got, err = f.positionDeletes(ctx, fsys, d, rows, mem)
		case "deletion vector":
			got, err = f.deletionVector(d, rows)
		case "equality":
			got, err = f.equalityDeletes(ctx, fsys, p, d, mem)
		default:
			err = fmt.Errorf("delete file of unknown kind %q", d.kind)
		}
		if err != nil {
			return nil, fmt.Errorf("the %s delete file %s of the Iceberg table: %w", d.kind, d.path, err)
		}
		out = append(out, got...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// positionDeletes returns the positions the position delete file d lists for
// this data file.
func (f *icebergFile) positionDeletes(ctx context.Context, fsys fs.FS, d icebergDelete, rows int64, mem memory.Allocator) ([]uint64, error) {
	pf, err := openParquet(ctx, fsys, d.path, mem, 0, false)
	if err != nil {
		return nil, err
	}
	defer pf.close()
	pathLeaf, err := leafByFieldID(pf, positionDeleteFilePath, "file_path")
	if err != nil {
		return nil, err
	}
	posLeaf, err := leafByFieldID(pf, positionDeletePos, "pos")
	if err != nil {
		return nil, err
	}
	if err := pf.startRecords(ctx, []int{pathLeaf, posLeaf}); err != nil {
		return nil, err
	}
	var out []uint64
	for {
		rec, err := pf.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		paths, ok1 := rec.Column(0).(*array.String)
		pos, ok2 := rec.Column(1).(*array.Int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("columns file_path and pos are %s and %s, want string and int64", rec.Column(0).DataType(), rec.Column(1).DataType())
		}
		for i := range paths.Len() {
			if paths.IsNull(i) || pos.IsNull(i) || paths.Value(i) != f.location {
				continue
			}
			v := pos.Value(i)
			if v < 0 || v >= rows {
				return nil, fmt.Errorf("deletes row %d of %s, which has %d rows", v, f.location, rows)
			}
			out = append(out, uint64(v))
		}
	}
	return out, nil
}

// deletionVector returns the positions of the deletion vector d.
func (f *icebergFile) deletionVector(d icebergDelete, rows int64) ([]uint64, error) {
	if ref := d.file.ReferencedDataFile(); ref == nil || *ref != f.location {
		return nil, fmt.Errorf("it does not name the data file %s", f.location)
	}
	bm, err := dv.ReadDV(f.snap.io, d.file)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for p := range bm.Positions() {
		if p >= uint64(max(rows, 0)) {
			return nil, fmt.Errorf("deletes row %d of %s, which has %d rows", p, f.location, rows)
		}
		out = append(out, p)
	}
	return out, nil
}

// equalityDeletes returns the rows of the data file p whose values of d's
// equality columns equal those of a row of d.
func (f *icebergFile) equalityDeletes(ctx context.Context, fsys fs.FS, p string, d icebergDelete, mem memory.Allocator) ([]uint64, error) {
	if len(d.fields) == 0 {
		return nil, errors.New("it names no equality field ids")
	}
	set := map[string]struct{}{}
	if err := f.eachKey(ctx, fsys, d.path, d.fields, mem, func(_ int64, key []byte) {
		set[string(key)] = struct{}{}
	}); err != nil {
		return nil, err
	}
	if len(set) == 0 {
		return nil, nil
	}
	var out []uint64
	if err := f.eachKey(ctx, fsys, p, d.fields, mem, func(row int64, key []byte) {
		if _, ok := set[string(key)]; ok {
			out = append(out, uint64(row))
		}
	}); err != nil {
		return nil, fmt.Errorf("data file %s: %w", p, err)
	}
	return out, nil
}

// eachKey calls fn with each row of the Parquet file p and the canonical bytes of
// its values of the columns with the given field ids (found by name in the
// current schema when the file has no field ids).
func (f *icebergFile) eachKey(ctx context.Context, fsys fs.FS, p string, ids []int, mem memory.Allocator, fn func(row int64, key []byte)) error {
	pf, err := openParquet(ctx, fsys, p, mem, 0, false)
	if err != nil {
		return err
	}
	defer pf.close()
	leaves := make([]int, len(ids))
	for i, id := range ids {
		if leaves[i], err = leafByFieldID(pf, id, f.snap.nameOf(id)); err != nil {
			return err
		}
	}
	if err := pf.startRecords(ctx, leaves); err != nil {
		return err
	}
	var row int64
	var key []byte
	for {
		rec, err := pf.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range int(rec.NumRows()) {
			key = key[:0]
			for c := range int(rec.NumCols()) {
				if key, err = appendValueKey(key, rec.Column(c), i); err != nil {
					return fmt.Errorf("equality column %s: %w", rec.ColumnName(c), err)
				}
			}
			fn(row, key)
			row++
		}
	}
}

// nameOf returns the current name of the column with field id id ("" if none).
func (s *icebergSnapshot) nameOf(id int) string {
	for n, fid := range s.fields {
		if fid == id {
			return n
		}
	}
	return ""
}

// leafByFieldID returns the leaf index of the file's top-level primitive column
// with field id id, or, when no column of the file has a field id, the one called
// name.
func leafByFieldID(pf *parquetFile, id int, name string) (int, error) {
	if pf.empty {
		return -1, errors.New("the file is empty (0 bytes)")
	}
	root := pf.rdr.MetaData().Schema.Root()
	withIDs, found := false, false
	for i := range root.NumFields() {
		fid := root.Field(i).FieldID()
		withIDs = withIDs || fid >= 0
		if fid >= 0 && fid == int32(id) {
			name, found = root.Field(i).Name(), true
			break
		}
	}
	if withIDs && !found {
		return -1, fmt.Errorf("no column has field id %d", id)
	}
	_, _, leaf, ok := pf.column(name)
	if !ok || leaf < 0 {
		return -1, fmt.Errorf("no column %q (field id %d) that can be read", name, id)
	}
	return leaf, nil
}

// appendValueKey appends the canonical bytes of value i of a: equal values of
// one Iceberg type (across files that store it as different Parquet types, such
// as int and long after a promotion) give equal bytes, and a null its own.
func appendValueKey(b []byte, a arrow.Array, i int) ([]byte, error) {
	if a.IsNull(i) {
		return append(b, 'N'), nil
	}
	num := func(tag byte, v uint64) []byte {
		b = append(b, tag)
		return binary.BigEndian.AppendUint64(b, v)
	}
	str := func(s []byte) []byte {
		b = append(b, 'S')
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		return append(b, s...)
	}
	switch v := a.(type) {
	case *array.Int8:
		return num('I', uint64(int64(v.Value(i)))), nil
	case *array.Int16:
		return num('I', uint64(int64(v.Value(i)))), nil
	case *array.Int32:
		return num('I', uint64(int64(v.Value(i)))), nil
	case *array.Int64:
		return num('I', uint64(v.Value(i))), nil
	case *array.Uint8:
		return num('I', uint64(v.Value(i))), nil
	case *array.Uint16:
		return num('I', uint64(v.Value(i))), nil
	case *array.Uint32:
		return num('I', uint64(v.Value(i))), nil
	case *array.Float32:
		return num('F', math.Float64bits(float64(v.Value(i)))), nil
	case *array.Float64:
		return num('F', math.Float64bits(v.Value(i))), nil
	case *array.Boolean:
		if v.Value(i) {
			return append(b, 'T'), nil
		}
		return append(b, 'F'), nil
	case *array.String:
		return str([]byte(v.Value(i))), nil
	case *array.LargeString:
		return str([]byte(v.Value(i))), nil
	case *array.Binary:
		return str(v.Value(i)), nil
	case *array.FixedSizeBinary:
		return str(v.Value(i)), nil
	case *array.Date32:
		return num('D', uint64(int64(v.Value(i)))), nil
	case *array.Timestamp:
		unit := v.DataType().(*arrow.TimestampType).Unit
		t := int64(v.Value(i))
		switch unit {
		case arrow.Second:
			t *= 1_000_000
		case arrow.Millisecond:
			t *= 1_000
		case arrow.Nanosecond:
			if t%1_000 != 0 {
				return num('N', uint64(t)), nil
			}
			t /= 1_000
		}
		return num('U', uint64(t)), nil
	case *array.Decimal128:
		typ := v.DataType().(*arrow.Decimal128Type)
		return str([]byte(v.Value(i).ToString(typ.Scale))), nil
	}
	return nil, fmt.Errorf("values of type %s are not compared", a.DataType())
}
