package pipeline

import (
	"context"
	"reflect"
	"testing"

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
