package pipeline

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestIngestDictionaryIDs reads the same extract with customer ids as text and as
// dictionaries (a new dictionary every four batches, growing in between) under a
// checked allocator: the customer index and the grouped columns must be the same, and
// every Arrow buffer released (the cached dictionary included).
func TestIngestDictionaryIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("a million purchases")
	}
	load := func(dict bool) *data {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ex := newBenchExtract(mem, dict)
		defer ex.release()
		d, err := ingest(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	plain, dict := load(false), load(true)
	if plain.customers.len() != dict.customers.len() {
		t.Fatalf("%d customers, want %d", dict.customers.len(), plain.customers.len())
	}
	for id := range int32(plain.customers.len()) {
		if a, b := plain.customers.value(id), dict.customers.value(id); a != b {
			t.Fatalf("customer %d is %q, want %q", id, b, a)
		}
	}
	if !reflect.DeepEqual(plain.byCust, dict.byCust) {
		t.Fatal("grouped columns differ")
	}
	if len(plain.byCust.purchases.t) == 0 {
		t.Fatal("no purchases")
	}
}

// isPrefix compares values, not layouts: arrays that start at offset 0 and slices
// of larger arrays (offsets not from 0), equal and differing in a length or a byte.
func TestIsPrefix(t *testing.T) {
	str := func(vals ...string) *array.String {
		b := array.NewStringBuilder(memory.NewGoAllocator())
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewStringArray()
	}
	slice := func(a *array.String, i, j int64) *array.String {
		return array.NewSlice(a, i, j).(*array.String)
	}
	long := str("x", "ab", "c", "", "def", "g")
	for _, c := range []struct {
		name string
		a, b *array.String
		want bool
	}{
		{"equal", str("ab", "c"), str("ab", "c"), true},
		{"a prefix", str("ab", "c"), str("ab", "c", "d"), true},
		{"empty", str(), str("a"), true},
		{"longer", str("ab", "c", "d"), str("ab", "c"), false},
		{"a byte differs", str("ab", "c"), str("ab", "d", "e"), false},
		{"lengths differ, same bytes", str("ab", "c"), str("a", "bc", "e"), false},
		{"a slice of a longer array", str("ab", "c", ""), slice(long, 1, 6), true},
		{"both slices", slice(long, 1, 3), slice(long, 1, 5), true},
		{"a shifted slice", slice(long, 2, 4), slice(long, 1, 5), false},
		{"an empty string moved", str("ab", "", "c"), slice(long, 1, 4), false},
	} {
		if got := isPrefix(c.a, c.b); got != c.want {
			t.Errorf("%s: isPrefix(%v, %v) = %v", c.name, c.a, c.b, got)
		}
	}
}
