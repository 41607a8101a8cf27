package readers

import (
	"math/bits"
	"slices"
)

// intSet is a set of int64 keys. Warehouse keys are mostly sequences, so the
// keys of one dense range are bits of a bitmap (a few bits per key, and
// neighbouring keys share a cache line); the keys outside it are in a hash
// set. The bitmap never costs more than intSetSlack bits plus 64 bits per
// key, so keys that are not dense cost what the hash set alone would.
//
// Invariant: a key inside the bitmap's range is only ever in the bitmap.
type intSet struct {
	lo    int64    // the bitmap covers [lo, lo+span); lo is a multiple of 64
	span  int64    // bits in the bitmap, 64*len(bits)
	bits  []uint64 // nil until seeded
	n     int64    // keys in the set
	other int64Table
	next  int // size of other at which to try seeding the bitmap
	hint  int // keys outside the bitmap to make room for at the first
}

const (
	intSetSlack  = 1 << 23 // bits the bitmap may have beyond 64 per key (1 MiB)
	intSetSeed   = 4096    // keys in the hash set before a bitmap is placed
	intSetSample = 8192    // the most keys seed sorts
	intSetLimit  = 1 << 62 // the bitmap covers keys in (-limit, limit) only
)

// add reports whether k is new, and records it.
func (s *intSet) add(k int64) bool {
	// Unsigned arithmetic: a key below lo wraps to a huge offset.
	if i := uint64(k) - uint64(s.lo); i < uint64(s.span) {
		w, b := &s.bits[i>>6], uint64(1)<<(i&63)
		if *w&b != 0 {
			return false
		}
		*w |= b
		s.n++
		return true
	}
	if s.bits != nil && s.extend(k) {
		return s.add(k)
	}
	if s.next == 0 {
		s.next = intSetSeed
		s.other.reserve(s.hint)
	}
	if !s.other.add(k) {
		return false
	}
	s.n++
	if s.bits == nil && s.other.len() >= s.next {
		s.seed()
	}
	return true
}

// budget is the most bits the bitmap may have for one more key.
func (s *intSet) budget() int64 { return 64*(s.n+1) + intSetSlack }

// extend grows the bitmap's range to cover k when the bitmap stays within its
// budget. It at least doubles the range, so extending is rare, and moves the
// hash set's keys that the new range covers into the bitmap.
func (s *intSet) extend(k int64) bool {
	if k <= -intSetLimit || k >= intSetLimit {
		return false
	}
	limit := s.budget()
	lo, hi := s.lo, s.lo+s.span
	switch {
	case k >= hi:
		need := k + 1 - lo
		if need > limit {
			return false
		}
		hi = lo + roundUp64(max(need, min(2*s.span, limit)))
		hi = min(hi, intSetLimit)
	case k < lo:
		need := hi - k
		if need > limit {
			return false
		}
		lo = hi - roundUp64(max(need, min(2*s.span, limit)))
		lo = max(lo, -intSetLimit&^63)
	}
	s.place(lo, hi)
	return true
}

// seed places the bitmap around the median of the keys seen so far, if
// enough of them are dense there; otherwise it tries again when the hash set
// has grown eightfold. It judges from an even sample of at most
// intSetSample keys (in the hash set's order, which is the hash's): where the
// bitmap goes changes the cost, never the result.
func (s *intSet) seed() {
	step := max(1, s.other.len()/intSetSample)
	keys := make([]int64, 0, min(s.other.len(), 2*intSetSample))
	i := 0
	s.other.keys(func(k int64) {
		if i%step == 0 && k > -intSetLimit && k < intSetLimit {
			keys = append(keys, k)
		}
		i++
	})
	s.next = 8 * s.other.len()
	if len(keys) == 0 {
		return
	}
	slices.Sort(keys)
	half := s.budget() / 2
	m := keys[len(keys)/2]
	lo := max(m-half, -intSetLimit) &^ 63
	hi := min(m+half, intSetLimit-64)
	// Only worth it when the window holds a good share of the keys.
	in := countIn(keys, lo, hi)
	if in < len(keys)/4 {
		return
	}
	s.place(lo, lo+roundUp64(hi-lo))
}

// place sets the bitmap's range to [lo, hi) (which covers the current one) and
// moves the hash set's keys in it to the bitmap.
func (s *intSet) place(lo, hi int64) {
	bits := make([]uint64, (hi-lo)/64)
	if s.bits != nil {
		copy(bits[(s.lo-lo)/64:], s.bits)
	}
	s.lo, s.span, s.bits = lo, hi-lo, bits
	s.other.removeIf(func(k int64) bool {
		if i := uint64(k) - uint64(lo); i < uint64(s.span) {
			s.bits[i>>6] |= 1 << (i & 63)
			return true
		}
		return false
	})
}

func roundUp64(v int64) int64 { return (v + 63) &^ 63 }

// countIn counts the sorted keys in [lo, hi).
func countIn(sorted []int64, lo, hi int64) int {
	a, _ := slices.BinarySearch(sorted, lo)
	b, _ := slices.BinarySearch(sorted, hi)
	return b - a
}

// keys calls f for each key, in no particular order.
func (s *intSet) keys(f func(int64)) {
	for w, word := range s.bits {
		for ; word != 0; word &= word - 1 {
			f(s.lo + int64(64*w+bits.TrailingZeros64(word)))
		}
	}
	s.other.keys(f)
}
