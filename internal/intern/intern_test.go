package intern

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
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

// IDs past gaps in a table of ascending strings (seek) gives the ids ID gives: gaps
// of every length up to and beyond seekGap, strings absent from the table between
// and after the table's (added at the end), and a table whose ascending order is
// broken here and there, as a customers table with a few rows out of place is.
func TestIDsAcrossGaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var want, got Table
	for i := range 20_000 {
		s := fmt.Sprintf("C%07d", i)
		if i%997 == 0 {
			s = fmt.Sprintf("B%07d", rng.IntN(20_000)) // out of order
		}
		want.ID(s)
		got.ID(s)
	}
	var strs []string
	c := 0
	for len(strs) < 50_000 {
		switch r := rng.IntN(100); {
		case r < 60:
			c += 1 + rng.IntN(4)
		case r < 80:
			c += 1 + rng.IntN(2*seekGap)
		case r < 85:
			c = rng.IntN(20_000) // a jump back or ahead
		case r < 90:
			strs = append(strs, fmt.Sprintf("C%07dx", c)) // absent: just after C<c>
			continue
		case r < 92:
			strs = append(strs, fmt.Sprintf("B%07d", rng.IntN(20_000)))
			continue
		}
		for range 1 + rng.IntN(3) {
			strs = append(strs, fmt.Sprintf("C%07d", c))
		}
	}
	offsets := []int32{0}
	var data []byte
	for _, s := range strs {
		data = append(data, s...)
		offsets = append(offsets, int32(len(data)))
	}
	ids := make([]int32, len(strs))
	for from := 0; from < len(strs); from += 4096 { // batches, as ingest calls it
		to := min(from+4096, len(strs))
		got.IDs(offsets[from:to+1], data[offsets[from]:offsets[to]], ids[from:to])
	}
	for i, s := range strs {
		if w, _ := want.ID(s); ids[i] != w {
			t.Fatalf("string %d %q has id %d, ID gives %d", i, s, ids[i], w)
		}
	}
	if got.Len() != want.Len() {
		t.Fatalf("%d ids, want %d", got.Len(), want.Len())
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

// IDs gives the ids ID gives, string by string in order (new ones added, repeats
// found, the empty string among them, runs of equal strings of every length, across
// groups, stretches in the table's own order that its guess of the next id finds),
// for groups of every size, on a table that grows while IDs runs.
func TestIDs(t *testing.T) {
	var want, got Table
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 15, 16, 17, 1000, 70000} {
		strs := make([]string, n)
		seq := 0 // the ids in the order of the table's first strings, with gaps
		for i := range strs {
			switch r := rng.IntN(20); {
			case r == 0:
				strs[i] = ""
			case r < 8 && i > 0: // a run: the string before again
				strs[i] = strs[i-1]
			case r < 14:
				seq += 1 + rng.IntN(2)
				strs[i] = fmt.Sprintf("C%07d", seq)
			default:
				strs[i] = fmt.Sprintf("C%07d", rng.IntN(50000))
			}
		}
		offsets := []int32{7} // an array that does not start at 0, as a slice does
		var data []byte
		for _, s := range strs {
			data = append(data, s...)
			offsets = append(offsets, offsets[len(offsets)-1]+int32(len(s)))
		}
		ids := make([]int32, n)
		got.IDs(offsets, data, ids)
		for i, s := range strs {
			if w, _ := want.ID(s); ids[i] != w {
				t.Fatalf("n %d: string %d %q has id %d, ID gives %d", n, i, s, ids[i], w)
			}
		}
		if got.Len() != want.Len() {
			t.Fatalf("n %d: %d ids, want %d", n, got.Len(), want.Len())
		}
	}
	for id := range int32(want.Len()) {
		if got.Value(id) != want.Value(id) {
			t.Fatalf("id %d is %q, want %q", id, got.Value(id), want.Value(id))
		}
	}
}

// BenchmarkIDs looks up 4M customer ids among 3M (PLAIN-encoded, in random
// order, as a warehouse writes a purchases table) one by one with ID and in groups
// with IDs.
func BenchmarkIDs(b *testing.B) {
	const distinct, lookups = 3_000_000, 4_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	offsets := []int32{0}
	var data []byte
	for range lookups {
		data = fmt.Appendf(data, "CUST-%08d", rng.IntN(distinct))
		offsets = append(offsets, int32(len(data)))
	}
	var t Table
	for i := range distinct {
		t.ID(fmt.Sprintf("CUST-%08d", i))
	}
	ids := make([]int32, lookups)
	b.Run("ID", func(b *testing.B) {
		for b.Loop() {
			for k := range ids {
				s := data[offsets[k]:offsets[k+1]]
				ids[k], _ = t.ID(unsafe.String(unsafe.SliceData(s), len(s)))
			}
		}
	})
	b.Run("IDs", func(b *testing.B) {
		for b.Loop() {
			t.IDs(offsets, data, ids)
		}
	})
	// runs lays out the lookups in runs of 1 to 15 rows of one customer (8 on
	// average), the customers from next.
	runs := func(next func() string) {
		offsets, data = offsets[:1], data[:0]
		for len(offsets) <= lookups {
			id := next()
			for range min(1+rng.IntN(15), lookups+1-len(offsets)) {
				data = append(data, id...)
				offsets = append(offsets, int32(len(data)))
			}
		}
	}
	// Random customers, as an extract written in customer order (but not the
	// customers table's) has them.
	runs(func() string { return fmt.Sprintf("CUST-%08d", rng.IntN(distinct)) })
	b.Run("IDs/runs", func(b *testing.B) {
		for b.Loop() {
			t.IDs(offsets, data, ids)
		}
	})
	// The customers in the table's order, one in ten missing, as an extract sorted by
	// customer has them.
	c := 0
	runs(func() string {
		c += 1 + min(1, rng.IntN(10)/9) // 1 in 10 skipped
		return fmt.Sprintf("CUST-%08d", c%distinct)
	})
	b.Run("IDs/sorted", func(b *testing.B) {
		for b.Loop() {
			t.IDs(offsets, data, ids)
		}
	})
	// The customers in the table's order, half of them missing, as one year's
	// purchases sorted by customer have them.
	c = 0
	runs(func() string {
		c += 1 + rng.IntN(3)
		return fmt.Sprintf("CUST-%08d", c%distinct)
	})
	b.Run("IDs/sorted-half", func(b *testing.B) {
		for b.Loop() {
			t.IDs(offsets, data, ids)
		}
	})
}
