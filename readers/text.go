package readers

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// typeDictText is the type of id and text columns delivered as dictionaries
// (Options.Dictionaries).
var typeDictText = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// isDictText reports whether a is a dictionary that normalisation passes
// through: int32 indices into utf8 values.
func isDictText(a arrow.Array) bool {
	return arrow.TypeEqual(a.DataType(), typeDictText)
}

// textArray reads a normalised id or text column: utf8, or a dictionary of
// utf8 (Options.Dictionaries). Callers check validity on a.
type textArray struct {
	a   arrow.Array
	s   *array.String // the values, or the dictionary's values
	idx []int32       // the dictionary indices by row; nil when plain
}

func newTextArray(a arrow.Array) textArray {
	if d, ok := a.(*array.Dictionary); ok {
		return textArray{a: a, s: d.Dictionary().(*array.String), idx: d.Indices().(*array.Int32).Int32Values()}
	}
	return textArray{a: a, s: a.(*array.String)}
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

// filterDict returns the rows of a dictionary array whose reason is 0; keep
// is their number. The result shares src's dictionary.
func filterDict(mem memory.Allocator, src *array.Dictionary, reasons []uint8, keep int) arrow.Array {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.Reserve(keep)
	idx := src.Indices().(*array.Int32).Int32Values()
	for i, c := range reasons {
		switch {
		case c != 0:
		case src.IsNull(i):
			b.UnsafeAppendBoolToBitmap(false)
		default:
			b.UnsafeAppend(idx[i])
		}
	}
	indices := b.NewArray()
	defer indices.Release()
	return array.NewDictionaryArray(src.DataType(), indices, src.Dictionary())
}
