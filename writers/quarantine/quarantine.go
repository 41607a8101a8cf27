// Package quarantine writes the rows that the readers set aside as
// quarantine/<table>.parquet (SPEC §2, "invalid rows"): every column read,
// then the reason and the source file of each row.
// It writes with parquet-go, as the generator does; the readers read with
// arrow-go and import no Parquet writer.
package quarantine

import (
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Column is one column of the set-aside rows.
type Column struct {
	Source string // the column's name in the files
	Kind   contract.Kind
}

// Rows are the set-aside rows of one table in read order; readers.SetAside is one.
// Column j's value of row i is read with the accessor of the column's kind, and only
// when Valid(j, i).
type Rows interface {
	Len() int
	Reason(i int) string
	SourceFile(i int) (path string, row int64)
	Valid(j, i int) bool
	Text(j, i int) string    // ids and text
	Micros(j, i int) int64   // timestamps: µs since the epoch, UTC
	Number(j, i int) float64 // numbers
	Bool(j, i int) bool      // booleans
}

// Column names added to the original columns.
const (
	ColumnReason     = "reason"
	ColumnSourceFile = "source_file"
)

// Write writes the set-aside rows s of table, whose columns are columns, to w as one
// Parquet file, in read order.
// Each column read keeps its name in the files (the source name) and is
// OPTIONAL, in this representation:
//
//   - ids and text: BYTE_ARRAY (STRING), the normalised text (an integer id
//     as its decimal text, a UUID as its canonical text); a column with any
//     value that is not valid UTF-8 (set aside as "invalid text") is
//     BYTE_ARRAY without an annotation instead, holding every value's bytes
//     as read, since a STRING column must hold UTF-8 (DuckDB refuses to read
//     one that does not, and reads this one as BLOB);
//   - timestamps: INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), the instant
//     (a wall-clock time or DATE already converted from the configured time
//     zone); a value beyond the int64 microsecond range is clamped to it
//     (DuckDB shows those as -infinity and infinity);
//   - numbers: DOUBLE (a DECIMAL converted as for the pipeline);
//   - booleans: BOOLEAN.
//
// Then come two REQUIRED string columns: reason (the reason text) and
// source_file (the slash path relative to the input root). An original
// column whose name is reason or source_file (complaints.reason) is renamed
// with the suffix "_original".
func Write(w io.Writer, table string, columns []Column, s Rows) error {
	names := make([]string, 0, len(columns)+2)
	used := map[string]bool{ColumnReason: true, ColumnSourceFile: true}
	group := parquet.Group{}
	for j, c := range columns {
		name := c.Source
		for used[name] {
			name += "_original"
		}
		used[name] = true
		names = append(names, name)
		n := node(c.Kind)
		if (c.Kind == contract.KindID || c.Kind == contract.KindText) && !allUTF8(s, j) {
			n = parquet.Leaf(parquet.ByteArrayType)
		}
		group[name] = parquet.Optional(n)
	}
	names = append(names, ColumnReason, ColumnSourceFile)
	group[ColumnReason] = parquet.String()
	group[ColumnSourceFile] = parquet.String()
	sch := parquet.NewSchema(table+"_quarantine", orderedGroup{Group: group, order: names})

	pw := parquet.NewWriter(w, sch)
	const chunk = 1024
	rows := make([]parquet.Row, 0, chunk)
	nc := len(columns)
	for i := range s.Len() {
		row := make(parquet.Row, 0, nc+2)
		for j, c := range columns {
			if !s.Valid(j, i) {
				row = append(row, parquet.NullValue().Level(0, 0, j))
				continue
			}
			var pv parquet.Value
			switch c.Kind {
			case contract.KindID, contract.KindText:
				pv = parquet.ByteArrayValue([]byte(s.Text(j, i)))
			case contract.KindTime:
				pv = parquet.Int64Value(s.Micros(j, i))
			case contract.KindNumber:
				pv = parquet.DoubleValue(s.Number(j, i))
			case contract.KindBool:
				pv = parquet.BooleanValue(s.Bool(j, i))
			}
			row = append(row, pv.Level(0, 1, j))
		}
		file, _ := s.SourceFile(i)
		row = append(row,
			parquet.ByteArrayValue([]byte(s.Reason(i))).Level(0, 0, nc),
			parquet.ByteArrayValue([]byte(file)).Level(0, 0, nc+1))
		rows = append(rows, row)
		if len(rows) == chunk {
			if _, err := pw.WriteRows(rows); err != nil {
				return fmt.Errorf("write quarantine of %s: %w", table, err)
			}
			rows = rows[:0]
		}
	}
	if len(rows) > 0 {
		if _, err := pw.WriteRows(rows); err != nil {
			return fmt.Errorf("write quarantine of %s: %w", table, err)
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("write quarantine of %s: %w", table, err)
	}
	return nil
}

// allUTF8 reports whether every value of the text column j of s is valid UTF-8.
func allUTF8(s Rows, j int) bool {
	for i := range s.Len() {
		if s.Valid(j, i) && !utf8.ValidString(s.Text(j, i)) {
			return false
		}
	}
	return true
}

// node is the Parquet type of a column of kind k.
func node(k contract.Kind) parquet.Node {
	switch k {
	case contract.KindTime:
		return parquet.Timestamp(parquet.Microsecond)
	case contract.KindNumber:
		return parquet.Leaf(parquet.DoubleType)
	case contract.KindBool:
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
