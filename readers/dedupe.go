package readers

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/recoverykpi/recoverykpi/internal/intern"
)

// keySet is the duplicate-key seen-set of one table. Integer keys (and text
// that is an integral decimal from an integer-typed column) are kept as
// int64 in an intSet; other keys as copies in an intern.Table, one byte arena
// that the garbage collector does not scan.
type keySet struct {
	ints intSet
	strs intern.Table
	rows int // the table's rows: the text set is sized for them at its first key
}

// newKeySet returns the seen-set of a table of about rows rows.
func newKeySet(rows int64) *keySet { return &keySet{rows: int(min(rows, 1<<30))} }

// addInt reports whether k is new, and records it.
func (s *keySet) addInt(k int64) bool { return s.ints.add(k) }

// addString reports whether k is new, and records a copy of it. k may point
// into an Arrow buffer.
func (s *keySet) addString(k string) bool {
	if s.rows > 0 {
		s.strs.Reserve(s.rows, 0)
		s.rows = 0
	}
	_, added := s.strs.ID(k)
	return added
}

// keyColumn reads the key of each row of one batch. For an integer-typed
// source it uses the integer values; otherwise the normalised text.
type keyColumn struct {
	ints    []int64 // by row, when intOK[row]
	intOK   []bool
	text    textArray
	integer bool
}

// load prepares the keys of a batch: src is the source array, norm the
// normalised text, integer whether the column's family is integer.
func (k *keyColumn) load(src arrow.Array, norm textArray, integer bool) {
	k.text, k.integer = norm, integer
	if !integer {
		return
	}
	n := src.Len()
	k.ints = grow(k.ints, n)
	k.intOK = grow(k.intOK, n)
	fill := func(i int, v int64, ok bool) { k.ints[i], k.intOK[i] = v, ok }
	switch a := src.(type) {
	case *array.Int8:
		for i, v := range a.Int8Values() {
			fill(i, int64(v), true)
		}
	case *array.Int16:
		for i, v := range a.Int16Values() {
			fill(i, int64(v), true)
		}
	case *array.Int32:
		for i, v := range a.Int32Values() {
			fill(i, int64(v), true)
		}
	case *array.Int64:
		copy(k.ints, a.Int64Values())
		for i := range k.intOK {
			k.intOK[i] = true
		}
	case *array.Uint8:
		for i, v := range a.Uint8Values() {
			fill(i, int64(v), true)
		}
	case *array.Uint16:
		for i, v := range a.Uint16Values() {
			fill(i, int64(v), true)
		}
	case *array.Uint32:
		for i, v := range a.Uint32Values() {
			fill(i, int64(v), true)
		}
	default: // uint64 and integral decimals: parse the text
		for i := 0; i < n; i++ {
			if norm.a.IsNull(i) {
				fill(i, 0, false)
				continue
			}
			v, err := strconv.ParseInt(norm.value(i), 10, 64)
			fill(i, v, err == nil)
		}
	}
}

// add reports whether the (non-null) key of row i is new, and records it.
func (k *keyColumn) add(s *keySet, i int) bool {
	if k.integer && k.intOK[i] {
		return s.addInt(k.ints[i])
	}
	return s.addString(k.text.value(i))
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
