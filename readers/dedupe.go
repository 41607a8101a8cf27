package readers

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// keySet is the exact duplicate-key seen-set of one table (SPEC §2 rule 6):
// every row whose key text equals an earlier recorded key's is a duplicate,
// and no other. Rows are judged as their batch is processed, and the batch is
// handed on at once, so a key cannot be checked later or against the source
// read again: the set must be able to tell every recorded key from any other
// text. It keeps no copy of a key that it can keep as a number:
//
//   - Integer keys (and text that is an integral decimal from an
//     integer-typed column) are placed as their decimal text would be (below),
//     so that 42 and "42" are one key, without formatting them.
//   - Text that ends in ASCII digits, such as the order id "ORD-00012345", is
//     split into its prefix ("ORD-"), the number of trailing digits (8; at
//     most 18, so that the number fits an int64: a longer run leaves its
//     first digits in the prefix) and their value (12345), and the value goes
//     to the intSet of that prefix and width. The text is exactly prefix +
//     the value padded with zeros to the width, so two texts are equal
//     exactly when their prefix, width and value are. A sequence of ids then
//     costs a few bits a key (intSet's bitmap) and no text at all; scattered
//     ids 8 to 13 bytes a key (int64Table).
//   - Other text is in a textSet: a hash table that keeps each key's text
//     once and compares texts only when their hashes' tags are equal, so
//     that two different texts are never taken as one.
//
// When the table's text keys would need more than keySetClasses intSets
// (UUIDs, whose prefixes differ from key to key), the keys of the intSets are
// written back as text into the textSet and every later text key goes there.
// Either way each key is looked for where every earlier equal key is, and the
// rows set aside depend neither on the hash function nor on its seed.
type keySet struct {
	texts   *textSet
	classes map[string]*suffixSets // by prefix; nil when all text keys are in texts
	nclass  int                    // intSets in classes
	last    *suffixSets            // the sets of the latest suffixed key's prefix
	hint    int                    // keys to make room for in the first intSet of the classes
}

// suffixSets are the intSets of one prefix, by the number of digits.
type suffixSets struct {
	prefix string
	width  [maxSuffixDigits + 1]*intSet
}

const (
	maxSuffixDigits = 18  // 10^18-1 < 2^63
	keySetClasses   = 256 // the most intSets for prefixes and widths
)

// newKeySet returns the seen-set of a table of about rows rows.
func newKeySet(rows int64) *keySet { return newKeySetHash(rows, nil) }

// newKeySetHash returns the seen-set of a table of about rows rows whose text
// keys without a decimal suffix are placed by hash (nil: maphash); tests pass
// a hash with collisions.
func newKeySetHash(rows int64, hash func(string) uint64) *keySet {
	// The first integer set (a table's keys are usually of one kind) makes room
	// for an eighth of the rows outside its bitmap at once, to grow less.
	hint := int(min(rows, 1<<30) / 8)
	return &keySet{texts: newTextSet(rows, hash), classes: make(map[string]*suffixSets), hint: hint}
}

// addInt reports whether k is new, and records it where its decimal text would be
// recorded (addString), so that the integer 42 in one part file and the text "42"
// in another are the same key: SPEC §2, ids "compare as their decimal text".
func (s *keySet) addInt(k int64) bool {
	if s.classes != nil && k >= 0 && k < 1e18 {
		// The text is all digits, at most 18 and without leading zeros: addString
		// would find prefix "", this width and the value k.
		if set := s.suffixSet("", decimalDigits(k)); set != nil {
			return set.add(k)
		}
	}
	var buf [20]byte
	return s.addString(string(strconv.AppendInt(buf[:0], k, 10)))
}

// decimalDigits returns the number of digits of k >= 0 in decimal, without dividing:
// log10(2) ≈ 1233/4096 turns the bit length into the digits of the power of ten at or
// below, and one comparison corrects it (a loop of divisions was 0.7 s of CPU at
// 65M order ids).
func decimalDigits(k int64) int {
	t := bits.Len64(uint64(k)) * 1233 >> 12
	if uint64(k) >= pow10[t] {
		t++
	}
	return max(t, 1)
}

// pow10[i] is 10^i.
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// addString reports whether k is new, and records it (a copy of its text, if
// any). k may point into an Arrow buffer.
func (s *keySet) addString(k string) bool {
	if s.classes == nil {
		return s.texts.add(k)
	}
	p := len(k)
	var v int64
	for p > 0 && len(k)-p < maxSuffixDigits && '0' <= k[p-1] && k[p-1] <= '9' {
		p--
	}
	if p == len(k) {
		return s.texts.add(k)
	}
	for _, c := range []byte(k[p:]) {
		v = 10*v + int64(c-'0')
	}
	if set := s.suffixSet(k[:p], len(k)-p); set != nil {
		return set.add(v)
	}
	return s.texts.add(k)
}

// suffixSet returns the intSet of the keys of prefix and width digits, or
// nil when the table would have more than keySetClasses of them: then their
// keys are moved to the text set, for good.
func (s *keySet) suffixSet(prefix string, width int) *intSet {
	sets := s.last
	if sets == nil || prefix != sets.prefix {
		if sets = s.classes[prefix]; sets == nil {
			if s.nclass >= keySetClasses {
				s.toText()
				return nil
			}
			sets = &suffixSets{prefix: strings.Clone(prefix)}
			s.classes[sets.prefix] = sets
		}
		s.last = sets
	}
	if sets.width[width] == nil {
		if s.nclass >= keySetClasses {
			s.toText()
			return nil
		}
		sets.width[width] = &intSet{hint: s.hint}
		s.hint = 0
		s.nclass++
	}
	return sets.width[width]
}

// toText adds the keys of the intSets of text keys to the text set, as the
// text they were, and sends all later text keys there.
func (s *keySet) toText() {
	var buf []byte
	for _, sets := range s.classes {
		for width, set := range sets.width {
			if set == nil {
				continue
			}
			set.keys(func(v int64) {
				buf = append(buf[:0], sets.prefix...)
				digits := strconv.AppendInt(nil, v, 10)
				for range width - len(digits) {
					buf = append(buf, '0')
				}
				buf = append(buf, digits...)
				s.texts.add(string(buf))
			})
		}
	}
	s.classes, s.last = nil, nil
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

// addRows records the keys of the batch's rows that are still kept (reasons[i]
// is 0) and valid, in row order, and gives each row whose key was recorded before
// the reason dup. An integer key is recorded by addInt, a text key by addString;
// the intSet of the latest integer's number of digits is kept at hand (a table's
// integer keys are mostly of one width), where addInt looks it up a key at a time.
func (k *keyColumn) addRows(s *keySet, reasons []uint8, dup uint8) {
	valid := k.text.a.NullN() == 0 // else IsValid per row
	if !k.integer {
		for i := range reasons {
			if reasons[i] == 0 && (valid || k.text.a.IsValid(i)) && !s.addString(k.text.value(i)) {
				reasons[i] = dup
			}
		}
		return
	}
	width, set := 0, (*intSet)(nil)
	for i, v := range k.ints[:len(reasons)] {
		if reasons[i] != 0 || !valid && !k.text.a.IsValid(i) {
			continue
		}
		var isNew bool
		switch {
		case !k.intOK[i]:
			isNew = s.addString(k.text.value(i))
		case s.classes != nil && v >= 0 && v < 1e18: // as addInt does
			if w := decimalDigits(v); w != width || set == nil {
				width, set = w, s.suffixSet("", w)
			}
			if set != nil {
				isNew = set.add(v)
			} else {
				isNew = s.addInt(v) // the keys went to the text set (toText)
			}
		default:
			isNew = s.addInt(v)
		}
		if !isNew {
			reasons[i] = dup
		}
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
