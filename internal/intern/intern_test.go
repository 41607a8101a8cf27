package intern

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestTableMatchesMap(t *testing.T) {
	for _, reserve := range []int{0, 1000, 60_000} {
		t.Run(fmt.Sprint("reserve=", reserve), func(t *testing.T) { testTableMatchesMap(t, reserve) })
	}
}

// testTableMatchesMap adds 200,000 strings, many repeated, to a table that
// reserved room for reserve of them first (the rest grow the index).
func testTableMatchesMap(t *testing.T, reserve int) {
	r := rand.New(rand.NewPCG(3, 4))
	var tab Table
	if reserve > 0 {
		tab.Reserve(reserve, 10*reserve)
		if slots := len(tab.slots); uint64(reserve)*8 > uint64(slots)*maxLoad {
			t.Fatalf("Reserve(%d) left %d slots", reserve, slots)
		}
	}
	want := map[string]int32{}
	var order []string
	for i := range 200_000 {
		var s string
		switch r.IntN(4) {
		case 0:
			s = fmt.Sprintf("C%08d", r.IntN(50_000))
		case 1:
			s = fmt.Sprintf("%d", i)
		case 2:
			s = ""
		default:
			s = string(rune('a'+r.IntN(26))) + fmt.Sprint(r.IntN(1000))
		}
		buf := []byte(s) // the table must copy
		id, added := tab.ID(string(buf))
		clear(buf)
		w, seen := want[s]
		if !seen {
			w = int32(len(order))
			want[s] = w
			order = append(order, s)
		}
		if id != w || added == seen {
			t.Fatalf("ID(%q) = %d, %v; want %d, %v", s, id, added, w, !seen)
		}
	}
	if tab.Len() != len(order) {
		t.Fatalf("Len = %d, want %d", tab.Len(), len(order))
	}
	for id, s := range order {
		if got := tab.Value(int32(id)); got != s {
			t.Fatalf("Value(%d) = %q, want %q", id, got, s)
		}
		if got, ok := tab.Lookup(s); !ok || got != int32(id) {
			t.Fatalf("Lookup(%q) = %d, %v", s, got, ok)
		}
	}
	if _, ok := tab.Lookup("absent"); ok {
		t.Fatal("Lookup of an absent string found it")
	}
	var empty Table
	if _, ok := empty.Lookup("x"); ok || empty.Len() != 0 {
		t.Fatal("empty table")
	}
}

// BenchmarkTable adds 1M distinct customer ids, then looks each up again, as
// ingest does; against a map[string]int32 with its strings.
func BenchmarkTable(b *testing.B) {
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = fmt.Sprintf("C%09d", (i*7919)%(1<<20))
	}
	b.Run("intern", func(b *testing.B) {
		for b.Loop() {
			var t Table
			for _, k := range keys {
				t.ID(k)
			}
			for _, k := range keys {
				t.ID(k)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			m := map[string]int32{}
			for _, k := range keys {
				if _, ok := m[k]; !ok {
					m[k] = int32(len(m))
				}
			}
			for _, k := range keys {
				_ = m[k]
			}
		}
	})
}
