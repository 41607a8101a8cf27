package readers

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// collidingHashes are placement hashes under which many different keys have
// equal 64-bit hashes: whether a key is a duplicate must not depend on them.
var collidingHashes = []struct {
	name string
	hash func(string) uint64
}{
	{"maphash", nil},
	{"constant", func(string) uint64 { return 42 }},
	{"zero", func(string) uint64 { return 0 }},
	{"length", func(s string) uint64 { return uint64(len(s)) }},
	{"first byte", func(s string) uint64 {
		if s == "" {
			return 7
		}
		return uint64(s[0]) << 60
	}},
}

// TestKeySetCollisions checks that text keys with equal hashes are told
// apart by their text: different texts are not duplicates, equal texts are.
func TestKeySetCollisions(t *testing.T) {
	keys := []struct {
		k   string
		new bool
	}{
		{"alpha", true}, {"bravo", true}, {"alpha", false}, {"charlie", true},
		{"bravo", false}, {"Alpha", true}, {"alpha ", true}, {"alpha", false},
		{"ORD-A", true}, {"ORD-B", true}, {"ORD-A", false}, {"ünï", true}, {"ünï", false},
		{strings.Repeat("x", textChunk+10), true}, {"delta", true},
		{strings.Repeat("x", textChunk+10), false}, {strings.Repeat("x", textChunk+9), true},
	}
	for _, h := range collidingHashes {
		t.Run(h.name, func(t *testing.T) {
			s := newKeySetHash(100, h.hash)
			for i, x := range keys {
				if got := s.addString(x.k); got != x.new {
					t.Errorf("key %d (%.20q): new %v, want %v", i, x.k, got, x.new)
				}
			}
		})
	}
}

// TestKeySetSuffixes checks that keys with a decimal suffix are equal exactly
// when their text is: leading zeros, widths and prefixes count.
func TestKeySetSuffixes(t *testing.T) {
	keys := []struct {
		k   string
		new bool
	}{
		{"ORD-12", true}, {"ORD-012", true}, {"ORD-0012", true}, {"ORD-12", false}, {"ORD-012", false},
		{"ORD12", true}, {"ORD-12 ", true}, {"ord-12", true}, {"12", true}, {"012", true}, {"12", false},
		{"0", true}, {"00", true}, {"0", false}, {"A0", true}, {"A00", true}, {"A0", false},
		{"999999999999999999", true}, {"1999999999999999999", true}, {"2999999999999999999", true},
		{"1999999999999999999", false}, {"99999999999999999999999", true}, {"99999999999999999999999", false},
		{"x-18446744073709551616", true}, {"x-18446744073709551616", false},
		{"ORD-1٣", true}, {"ORD-1٣", false}, {"ORD-1", true},
	}
	s := newKeySet(100)
	for i, x := range keys {
		if got := s.addString(x.k); got != x.new {
			t.Errorf("key %d (%q): new %v, want %v", i, x.k, got, x.new)
		}
	}
}

// TestKeySetMatchesMap checks the key set against a map of texts on random
// streams of text keys of many shapes (order ids of several prefixes and
// widths, more prefixes than keySetClasses, no digits, long digit runs,
// empty text), with repeats near and far, under hashes with many collisions.
// Halfway, the many prefixes move all text keys to the text set.
func TestKeySetMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	// Many prefixes only in the second half: the intSets fill first (their
	// bitmaps too), then their keys move to the text set.
	key := func(i int) string {
		switch r.IntN(8) {
		case 0:
			return fmt.Sprintf("ORD-%08d", r.IntN(5000))
		case 1:
			return fmt.Sprintf("ORD-%d", r.IntN(5000))
		case 2:
			if i < 30_000 {
				return fmt.Sprintf("ORD-%08d", 5000+r.IntN(10_000))
			}
			return fmt.Sprintf("P%d-%0*d", r.IntN(400), 1+r.IntN(4), r.IntN(100))
		case 3:
			return fmt.Sprintf("%x", r.IntN(3000))
		case 4:
			return fmt.Sprintf("%d%d", r.IntN(30), r.Uint64()%1000)
		case 5:
			if i < 30_000 {
				return fmt.Sprintf("k-%x-z", r.Uint64()%50_000)
			}
			return fmt.Sprintf("k-%d-%d", r.Uint64(), r.IntN(3))
		case 6:
			return strings.Repeat("z", r.IntN(4))
		default:
			return fmt.Sprintf("u%03d", r.IntN(300))
		}
	}
	var stream []string
	for i := range 60_000 {
		if len(stream) > 0 && r.IntN(5) == 0 {
			back := 1 + r.IntN(min(len(stream), 1+r.IntN(2)*len(stream)))
			stream = append(stream, stream[len(stream)-back])
			continue
		}
		stream = append(stream, key(i))
	}
	for _, h := range collidingHashes {
		if h.name == "constant" || h.name == "zero" {
			continue // quadratic: TestKeySetCollisions covers them
		}
		t.Run(h.name, func(t *testing.T) {
			s := newKeySetHash(int64(len(stream)), h.hash)
			seen := map[string]bool{}
			dups, moved := 0, 0
			for i, k := range stream {
				before, classes := s.texts.n, s.classes != nil
				want := !seen[k]
				seen[k] = true
				if !want {
					dups++
				}
				// The key in a buffer then overwritten, as an Arrow buffer
				// is reused: the set must keep its own copy.
				b := []byte(k)
				if got := s.addString(unsafe.String(unsafe.SliceData(b), len(b))); got != want {
					t.Fatalf("key %d (%q): new %v, want %v", i, k, got, want)
				}
				clear(b)
				if classes && s.classes == nil {
					moved = s.texts.n - before
				}
			}
			if moved < 5000 {
				t.Errorf("%d keys moved to the text set, want many", moved)
			}
			if s.classes != nil {
				t.Errorf("%d suffix classes: want the limit %d reached, the keys moved to text", s.nclass, keySetClasses)
			}
			if dups < 10_000 || s.texts.n < 1000 {
				t.Errorf("stream too easy: %d duplicates, %d keys in the text set", dups, s.texts.n)
			}
		})
	}
}

// TestTextSetRehash checks a text set whose table outgrows the positions its
// tags give, so that growing hashes the keys again from their text.
func TestTextSetRehash(t *testing.T) {
	for _, h := range collidingHashes[:1] {
		s := newTextSet(0, h.hash)
		s.tagged = 2048
		const n = 20_000
		for round := range 2 {
			for i := range n {
				if got := s.add(fmt.Sprintf("key-%d-x", i)); got != (round == 0) {
					t.Fatalf("round %d key %d: new %v", round, i, got)
				}
			}
		}
		if len(s.slots) <= s.tagged {
			t.Fatalf("%d slots: the table did not outgrow its tags", len(s.slots))
		}
	}
}

// TestReaderTextKeyDuplicates reads text order ids of every path of keySet
// (decimal suffixes with leading zeros, plain text, a 19-digit id) in
// batches of 3 across two files, and checks that exactly the second and later
// rows of each text are set aside, in read order, and that a null key and a
// row set aside for an earlier rule are never duplicates nor make one.
func TestReaderTextKeyDuplicates(t *testing.T) {
	dir := t.TempDir()
	ts := func(n int) string {
		return "[" + strings.TrimSuffix(strings.Repeat(`"2026-01-01T00:00:00Z", `, n), ", ") + "]"
	}
	writeArrow(t, dir, "purchases/part-1.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["a", "b", "c", "d", "e", "f", "", "h"]`),
		c("purchased_at", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, ts(8)),
		c("amount", arrow.PrimitiveTypes.Float64, `[1, 2, 3, 4, 5, 6, 7, 8]`),
		c("order_id", arrow.BinaryTypes.String, `["ORD-1", "ORD-01", "ORD-1", null, "X", "x", "Q-7", "X"]`))
	writeArrow(t, dir, "purchases/part-2.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, `["i", "j", "k", "l", "m", "n", "o"]`),
		c("purchased_at", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, ts(7)),
		c("amount", arrow.PrimitiveTypes.Float64, `[1, 2, 3, 4, 5, 6, 7]`),
		c("order_id", arrow.BinaryTypes.String, `["ORD-01", null, "Q-7", "1234567890123456789", "2234567890123456789", "1234567890123456789", "ORD-001"]`))
	res := readTable(t, dir, "purchases", Options{BatchSize: 3}, nil)
	type row struct {
		reason, file string
		row          int64
	}
	var got []row
	for i := range res.setAside.Len() {
		f, n := res.setAside.SourceFile(i)
		got = append(got, row{res.setAside.Reason(i), f, n})
	}
	want := []row{
		{contract.ReasonDuplicateKey, "purchases/part-1.parquet", 2},
		{"missing customer_id", "purchases/part-1.parquet", 6}, // its "Q-7" is not recorded
		{contract.ReasonDuplicateKey, "purchases/part-1.parquet", 7},
		{contract.ReasonDuplicateKey, "purchases/part-2.parquet", 0},
		{contract.ReasonDuplicateKey, "purchases/part-2.parquet", 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("set aside:\n got  %v\n want %v", got, want)
	}
	if len(res.rows) != 10 {
		t.Errorf("delivered %d rows, want 10", len(res.rows))
	}
}

// TestKeySetIntegersAreTheirDecimalText checks SPEC §2's "integers compare as their
// decimal text": an integer key and the same number written as text (in another part
// file) are one key, and a text with leading zeros is another, also after the text
// keys have moved to the text set.
func TestKeySetIntegersAreTheirDecimalText(t *testing.T) {
	type op struct {
		i    int64
		s    string // used when not ""
		want bool
	}
	ops := []op{
		{i: 123, want: true}, {s: "123", want: false}, {s: "0123", want: true}, {i: 123, want: false},
		{s: "77", want: true}, {i: 77, want: false}, {i: 0, want: true}, {s: "0", want: false}, {s: "00", want: true},
		{i: -5, want: true}, {s: "-5", want: false}, {s: "-05", want: true},
		{i: 1_000_000_000_000_000_007, want: true}, {s: "1000000000000000007", want: false},
		{i: 999_999_999_999_999_999, want: true}, {s: "999999999999999999", want: false},
		{i: -9223372036854775808, want: true}, {s: "-9223372036854775808", want: false},
	}
	run := func(t *testing.T, s *keySet) {
		for n, o := range ops {
			var got bool
			if o.s != "" {
				got = s.addString(o.s)
			} else {
				got = s.addInt(o.i)
			}
			if got != o.want {
				t.Errorf("op %d (%d %q): new %v, want %v", n, o.i, o.s, got, o.want)
			}
		}
	}
	t.Run("suffix sets", func(t *testing.T) { run(t, newKeySet(100)) })
	t.Run("text set", func(t *testing.T) {
		s := newKeySet(100)
		for p := range keySetClasses + 1 { // more prefixes than classes: all text keys move to the text set
			s.addString(fmt.Sprintf("p%d-1", p))
		}
		if s.classes != nil {
			t.Fatal("keys not moved to the text set")
		}
		run(t, s)
	})
}

// keyColumn.addRows marks exactly the rows whose key text was seen before, as a
// map of the decimal texts does: integer keys of many widths (negative, from 10^18,
// and rows whose integer is unknown and read as text), null keys and rows already
// set aside skipped, text keys of so many prefixes that the set's integer keys move
// to its text set part way through a batch.
func TestAddRowsMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	s := newKeySet(1 << 16)
	moved := false
	for batch := range 40 {
		n := 1 + r.IntN(3000)
		if batch == 20 {
			n = 3000
		}
		ints, ok := make([]int64, n), make([]bool, n)
		texts, valid := make([]string, n), make([]bool, n)
		reasons := make([]uint8, n)
		integer := batch%4 != 3 || batch >= 20 // the move to text within an integer batch
		for i := range n {
			var v int64
			switch r.IntN(10) {
			case 0:
				v = -r.Int64N(1000)
			case 1:
				v = 1e18 + r.Int64N(1000)
			case 2:
				v = r.Int64N(100)
			default:
				v = r.Int64N(1 << uint(1+r.IntN(14)))
			}
			if batch == 20 { // one width: the latest integer's set is kept at hand after the move
				v = 1000 + r.Int64N(9000)
			}
			ints[i], ok[i], valid[i] = v, r.IntN(20-18*(batch/20)) != 0, r.IntN(30) != 0
			texts[i] = fmt.Sprint(v)
			if !integer || !ok[i] {
				if batch >= 20 && r.IntN(3) == 0 { // many prefixes: the integer sets go to text
					texts[i] = fmt.Sprintf("P%d-%d", r.IntN(400), r.IntN(50))
				}
				if !integer {
					ok[i] = false
				}
			}
			if r.IntN(15) == 0 {
				reasons[i] = 1
			}
		}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		b.AppendValues(texts, valid)
		a := b.NewStringArray()
		k := keyColumn{ints: ints, intOK: ok, text: newTextArray(a), integer: integer}
		want := slices.Clone(reasons)
		for i := range n {
			if want[i] != 0 || !valid[i] {
				continue
			}
			if seen[texts[i]] {
				want[i] = 9
			}
			seen[texts[i]] = true
		}
		before := s.classes != nil
		k.addRows(s, reasons, 9)
		moved = moved || before && s.classes == nil
		a.Release()
		if !slices.Equal(reasons, want) {
			for i := range n {
				if reasons[i] != want[i] {
					t.Fatalf("batch %d row %d (%q, integer %v, ok %v): reason %d, want %d", batch, i, texts[i], integer, ok[i], reasons[i], want[i])
				}
			}
		}
	}
	if !moved {
		t.Error("the integer keys never moved to the text set within a batch")
	}
}
