package readers

import (
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
)

// SetAside holds the rows of one table that validation set aside, in read
// order, for quarantine/<table>.parquet. Its memory grows with the number of
// invalid rows only.
type SetAside struct {
	Table string
	// Columns are the contract columns that were read, in contract order.
	Columns []SetAsideColumn

	values  []setAsideValues // by column
	reasons []string
	files   []string // source file of each row
	rowNums []int64  // 0-based row number in its file
}

// SetAsideColumn is one column of the set-aside rows.
type SetAsideColumn struct {
	Name   string // contract name
	Source string // name in the files
	Kind   Kind
}

type setAsideValues struct {
	valid []bool
	strs  []string
	ints  []int64 // timestamps: µs since the epoch, UTC
	nums  []float64
	bools []bool
}

// Len returns the number of rows set aside.
func (s *SetAside) Len() int { return len(s.reasons) }

// Reason returns the reason text of set-aside row i.
func (s *SetAside) Reason(i int) string { return s.reasons[i] }

// SourceFile returns the file (slash path relative to the input root) and the
// 0-based row number in it of set-aside row i.
func (s *SetAside) SourceFile(i int) (string, int64) { return s.files[i], s.rowNums[i] }

// clone returns a copy that later appends to s do not change.
func (s *SetAside) clone() *SetAside {
	c := &SetAside{Table: s.Table, Columns: slices.Clone(s.Columns),
		reasons: slices.Clip(s.reasons), files: slices.Clip(s.files), rowNums: slices.Clip(s.rowNums)}
	c.values = make([]setAsideValues, len(s.values))
	for i, v := range s.values {
		c.values[i] = setAsideValues{valid: slices.Clip(v.valid), strs: slices.Clip(v.strs),
			ints: slices.Clip(v.ints), nums: slices.Clip(v.nums), bools: slices.Clip(v.bools)}
	}
	return c
}

// Quarantine column names added to the original columns.
const (
	ColumnReason     = "reason"
	ColumnSourceFile = "source_file"
)

// WriteParquet writes the set-aside rows to w as one Parquet file, in read
// order. Each column read keeps its name in the files (the source name) and
// is OPTIONAL, in this representation:
//
//   - ids and text: BYTE_ARRAY (STRING), the normalised text (an integer id
//     as its decimal text);
//   - timestamps: INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), the instant
//     (a wall-clock time or DATE already converted from Options.Location); a
//     value beyond the int64 microsecond range is clamped to it (DuckDB shows
//     those as -infinity and infinity);
//   - numbers: DOUBLE (a DECIMAL converted as for the pipeline);
//   - booleans: BOOLEAN.
//
// Then come two REQUIRED string columns: reason (the reason text) and
// source_file (the slash path relative to the input root). An original
// column whose name is reason or source_file (complaints.reason) is renamed
// with the suffix "_original".
func (s *SetAside) WriteParquet(w io.Writer) error {
	names := make([]string, 0, len(s.Columns)+2)
	used := map[string]bool{ColumnReason: true, ColumnSourceFile: true}
	group := parquet.Group{}
	for _, c := range s.Columns {
		name := c.Source
		for used[name] {
			name += "_original"
		}
		used[name] = true
		names = append(names, name)
		group[name] = parquet.Optional(quarantineNode(c.Kind))
	}
	names = append(names, ColumnReason, ColumnSourceFile)
	group[ColumnReason] = parquet.String()
	group[ColumnSourceFile] = parquet.String()
	sch := parquet.NewSchema(s.Table+"_quarantine", orderedGroup{Group: group, order: names})

	pw := parquet.NewWriter(w, sch)
	const chunk = 1024
	rows := make([]parquet.Row, 0, chunk)
	nc := len(s.Columns)
	for i := range s.reasons {
		row := make(parquet.Row, 0, nc+2)
		for j, c := range s.Columns {
			v := s.values[j]
			if !v.valid[i] {
				row = append(row, parquet.NullValue().Level(0, 0, j))
				continue
			}
			var pv parquet.Value
			switch c.Kind {
			case KindID, KindText:
				pv = parquet.ByteArrayValue([]byte(v.strs[i]))
			case KindTime:
				pv = parquet.Int64Value(v.ints[i])
			case KindNumber:
				pv = parquet.DoubleValue(v.nums[i])
			case KindBool:
				pv = parquet.BooleanValue(v.bools[i])
			}
			row = append(row, pv.Level(0, 1, j))
		}
		row = append(row,
			parquet.ByteArrayValue([]byte(s.reasons[i])).Level(0, 0, nc),
			parquet.ByteArrayValue([]byte(s.files[i])).Level(0, 0, nc+1))
		rows = append(rows, row)
		if len(rows) == chunk {
			if _, err := pw.WriteRows(rows); err != nil {
				return fmt.Errorf("write quarantine of %s: %w", s.Table, err)
			}
			rows = rows[:0]
		}
	}
	if len(rows) > 0 {
		if _, err := pw.WriteRows(rows); err != nil {
			return fmt.Errorf("write quarantine of %s: %w", s.Table, err)
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("write quarantine of %s: %w", s.Table, err)
	}
	return nil
}

func quarantineNode(k Kind) parquet.Node {
	switch k {
	case KindTime:
		return parquet.Timestamp(parquet.Microsecond)
	case KindNumber:
		return parquet.Leaf(parquet.DoubleType)
	case KindBool:
		return parquet.Leaf(parquet.BooleanType)
	}
	return parquet.String()
}

// orderedGroup is a parquet.Group whose fields keep the given order instead
// of parquet-go's alphabetical one, so the quarantine's columns are in
// contract order.
type orderedGroup struct {
	parquet.Group
	order []string
}

func (g orderedGroup) Fields() []parquet.Field {
	fields := slices.Clone(g.Group.Fields())
	slices.SortStableFunc(fields, func(a, b parquet.Field) int {
		return slices.Index(g.order, a.Name()) - slices.Index(g.order, b.Name())
	})
	return fields
}

// add appends one row; vals are the normalised arrays' values read by get.
func (s *SetAside) addRow(reason, file string, rowNum int64) {
	s.reasons = append(s.reasons, reason)
	s.files = append(s.files, file)
	s.rowNums = append(s.rowNums, rowNum)
}
