package pipeline

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// The radix group gives exactly what a plain stable counting sort by customer,
// then a stable sort of each run by time (ties in read order), gives:
// random rows, times with many ties, customers without rows, rows out of time
// order, one bucket and thousands, with and without the optional columns.
func TestGroupMatchesCountingSort(t *testing.T) {
	for _, tc := range []struct {
		rows, customers, times int
		offers                 bool
	}{
		{0, 0, 1, false}, {0, 5, 1, false}, {1, 1, 1, false}, {7, 3, 3, true},
		{1000, 10, 5, false}, {5000, 4000, 50, true}, {70_000, 300, 20, true},
		{200_000, 50_000, 1000, false}, {300_000, 9000, 4, true},
	} {
		t.Run(fmt.Sprintf("rows=%d,customers=%d,offers=%v", tc.rows, tc.customers, tc.offers), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.customers)))
			var r rows
			for i := range tc.rows {
				r.cust = append(r.cust, int32(rng.IntN(tc.customers)))
				r.t = append(r.t, int64(rng.IntN(tc.times)))
				r.amount = append(r.amount, float64(i))
				if tc.offers {
					r.text = append(r.text, int32(rng.IntN(4)))
					r.face = append(r.face, float64(-i))
					r.redeemed = append(r.redeemed, int64(i)*3)
					r.expires = append(r.expires, int64(i)*5)
				}
			}
			want := groupReference(&r, tc.customers)
			// Without keep, group drops r's columns as it goes: group a copy.
			dropped := rows{cust: slices.Clone(r.cust), t: slices.Clone(r.t), amount: slices.Clone(r.amount),
				text: slices.Clone(r.text), face: slices.Clone(r.face), redeemed: slices.Clone(r.redeemed), expires: slices.Clone(r.expires)}
			got := group(&dropped, tc.customers, false)
			if dropped.cust != nil || dropped.t != nil || dropped.amount != nil {
				t.Errorf("read-order columns not dropped")
			}
			if kept := group(&r, tc.customers, true); !reflect.DeepEqual(kept, got) || len(r.t) != tc.rows {
				t.Errorf("group with keep differs, or dropped the columns")
			}
			if !tc.offers {
				// As ingest reads a table kept only grouped: in blocks (room), in
				// batches of random sizes.
				var blocked rows
				for i := 0; i < tc.rows; {
					k := min(tc.rows-i, 1+rng.IntN(5000))
					blocked.room(k, true, false)
					blocked.cust = append(blocked.cust, r.cust[i:i+k]...)
					blocked.t = append(blocked.t, r.t[i:i+k]...)
					blocked.amount = append(blocked.amount, r.amount[i:i+k]...)
					i += k
				}
				if tc.rows > 100_000 && len(blocked.sealed) < 2 {
					t.Errorf("%d rows in %d sealed blocks", tc.rows, len(blocked.sealed))
				}
				if fromBlocks := group(&blocked, tc.customers, false); !reflect.DeepEqual(fromBlocks, got) {
					t.Errorf("group of the rows in blocks differs")
				}
				if blocked.sealed != nil || blocked.t != nil {
					t.Errorf("blocks not dropped")
				}
			}
			if !slices.Equal(got.off, want.off) {
				t.Fatalf("offsets differ")
			}
			for name, pair := range map[string][2]any{
				"t": {got.t, want.t}, "amount": {got.amount, want.amount}, "text": {got.text, want.text},
				"face": {got.face, want.face}, "redeemed": {got.redeemed, want.redeemed}, "expires": {got.expires, want.expires},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("column %s differs", name)
				}
			}
		})
	}
}

// groupReference is the single counting sort the radix group replaced.
func groupReference(r *rows, customers int) byCustomer {
	n := r.len()
	off := make([]int32, customers+1)
	for _, c := range r.cust {
		off[c+1]++
	}
	for c := 1; c <= customers; c++ {
		off[c] += off[c-1]
	}
	perm := make([]int32, n)
	next := slices.Clone(off[:customers])
	for i, c := range r.cust {
		perm[next[c]] = int32(i)
		next[c]++
	}
	for c := range customers {
		run := perm[off[c]:off[c+1]]
		slices.SortStableFunc(run, func(a, b int32) int {
			switch {
			case r.t[a] < r.t[b]:
				return -1
			case r.t[a] > r.t[b]:
				return 1
			}
			return 0
		})
	}
	gather := func(src []float64) []float64 {
		if len(src) == 0 {
			return nil
		}
		out := make([]float64, n)
		for i, p := range perm {
			out[i] = src[p]
		}
		return out
	}
	gatherInt := func(src []int64) []int64 {
		if len(src) == 0 {
			return nil
		}
		out := make([]int64, n)
		for i, p := range perm {
			out[i] = src[p]
		}
		return out
	}
	out := byCustomer{off: off}
	out.t = gatherInt(r.t)
	out.amount, out.face = gather(r.amount), gather(r.face)
	out.redeemed, out.expires = gatherInt(r.redeemed), gatherInt(r.expires)
	if len(r.text) > 0 {
		out.text = make([]int32, n)
		for i, p := range perm {
			out.text[i] = r.text[p]
		}
	}
	return out
}
