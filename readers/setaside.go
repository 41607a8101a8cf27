package readers

import (
	"slices"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// SetAside holds the rows of one table that validation set aside, in read
// order, for quarantine/<table>.parquet (written by writers/quarantine). Its
// memory grows with the number of invalid rows only.
//
// Row i of column j holds the normalised value of the contract column
// Columns[j]: read it with the accessor of the column's kind (Text for ids and
// text, Micros for timestamps, Number for numbers, Bool for booleans) when
// Valid(j, i) is true; a null value has no meaningful value.
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
	Kind   contract.Kind
}

// setAsideValues holds one column's values; only the slice of the column's
// kind is filled, with one entry per row.
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

// Valid reports whether column j of set-aside row i holds a value (is not
// null).
func (s *SetAside) Valid(j, i int) bool { return s.values[j].valid[i] }

// Text returns the value of column j (an id or text column) of set-aside row
// i: the normalised text, an integer id as its decimal text.
func (s *SetAside) Text(j, i int) string { return s.values[j].strs[i] }

// Micros returns the value of column j (a timestamp column) of set-aside row
// i, in microseconds since the epoch, UTC: a wall-clock time or DATE already
// converted from Options.Location. A value beyond the int64 range is clamped
// to it.
func (s *SetAside) Micros(j, i int) int64 { return s.values[j].ints[i] }

// Number returns the value of column j (a number column) of set-aside row i,
// converted to float64 as for the pipeline.
func (s *SetAside) Number(j, i int) float64 { return s.values[j].nums[i] }

// Bool returns the value of column j (a boolean column) of set-aside row i.
func (s *SetAside) Bool(j, i int) bool { return s.values[j].bools[i] }

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

// addRow appends the reason and origin of one row; setAsideRows appends its
// values.
func (s *SetAside) addRow(reason, file string, rowNum int64) {
	s.reasons = append(s.reasons, reason)
	s.files = append(s.files, file)
	s.rowNums = append(s.rowNums, rowNum)
}
