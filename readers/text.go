package readers

import (
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// typeDictText is the type of id and text columns delivered as dictionaries
// (Options.Dictionaries).
var typeDictText = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// isDictText reports whether a is a dictionary that normalisation passes
// through: int32 indices into utf8 values.
func isDictText(a arrow.Array) bool {
	return arrow.TypeEqual(a.DataType(), typeDictText)
}

// isIntKey reports whether a is an integer column whose values int64 holds
// exactly, so that its normalised text is strconv's decimal text of the value.
// A key column that is not delivered is kept so (see TableReader.process).
func isIntKey(a arrow.Array) bool {
	switch a.(type) {
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64, *array.Uint8, *array.Uint16, *array.Uint32:
		return true
	}
	return false
}

// idText is the normalised text of row i (not null) of an id or text column,
// or of an integer key kept as integers.
func idText(a arrow.Array, i int) string {
	switch c := a.(type) {
	case *array.Int8:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(c.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(c.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(c.Value(i)), 10)
	}
	return newTextArray(a).value(i)
}

// textArray reads a normalised id or text column: utf8, or a dictionary of
// utf8 (Options.Dictionaries). Callers check validity on a.
type textArray struct {
	a   arrow.Array
	s   *array.String // the values, or the dictionary's values
	idx []int32       // the dictionary indices by row; nil when plain
}

// newTextArray reads a; an integer key kept as integers has no text (only
// its validity is read).
func newTextArray(a arrow.Array) textArray {
	switch c := a.(type) {
	case *array.Dictionary:
		return textArray{a: a, s: c.Dictionary().(*array.String), idx: c.Indices().(*array.Int32).Int32Values()}
	case *array.String:
		return textArray{a: a, s: c}
	}
	return textArray{a: a}
}

// value is the text of row i (not null).
func (t textArray) value(i int) string {
	if t.idx != nil {
		return t.s.Value(int(t.idx[i]))
	}
	return t.s.Value(i)
}

// valueLen is the length in bytes of the text of row i (not null).
func (t textArray) valueLen(i int) int {
	if t.idx != nil {
		return t.s.ValueLen(int(t.idx[i]))
	}
	return t.s.ValueLen(i)
}

// markInvalidText gives code to the rows of a (a normalised id or text column:
// utf8 or a dictionary of utf8) whose reason is still 0 and whose value is not
// valid UTF-8. SPEC §2 (v2): "`invalid text`: an id or text value that is not
// valid UTF-8 (after rule 3, before rule 4)". Nearly every batch is valid, so
// the whole buffer is checked first: when it is valid and every value starts on
// a character's first byte, every value is valid.
func markInvalidText(a arrow.Array, reasons []uint8, code uint8) {
	switch c := a.(type) {
	case *array.String:
		if allValidUTF8(c) {
			return
		}
		for i := range reasons {
			if reasons[i] == 0 && c.IsValid(i) && !utf8.ValidString(c.Value(i)) {
				reasons[i] = code
			}
		}
	case *array.Dictionary:
		dict := c.Dictionary().(*array.String)
		if allValidUTF8(dict) {
			return
		}
		bad := make([]bool, dict.Len())
		for v := range bad {
			bad[v] = dict.IsValid(v) && !utf8.ValidString(dict.Value(v))
		}
		for i := range reasons {
			if reasons[i] == 0 && c.IsValid(i) && bad[c.GetValueIndex(i)] {
				reasons[i] = code
			}
		}
	}
}

// allValidUTF8 reports whether every value of s is valid UTF-8 (a null's bytes,
// if any, included; false only makes the caller check value by value).
func allValidUTF8(s *array.String) bool {
	if s.Len() == 0 {
		return true
	}
	offs := s.ValueOffsets()
	data := s.ValueBytes()
	if !utf8.Valid(data) {
		return false
	}
	base := offs[0]
	for _, o := range offs[1 : len(offs)-1] {
		if p := int(o - base); p < len(data) && !utf8.RuneStart(data[p]) {
			return false
		}
	}
	return true
}
