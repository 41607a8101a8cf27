package readers

import "math/bits"

// int64Table is a set of int64s in one open-addressing array of the keys
// themselves (linear probing, at most 5/8 full): 8 bytes a slot and one
// memory access a lookup, where a map[int64]struct{} takes several times the
// memory and time. Keys are placed by Fibonacci hashing, which spreads
// sequences and strides. The zero value is an empty set.
type int64Table struct {
	slots   []int64 // 0 is an empty slot; the key 0 is hasZero
	shift   uint8   // 64 - log2(len(slots))
	n       int     // keys in slots
	hasZero bool
}

const int64TableMin = 1 << 6

func int64Slot(k int64, shift uint8) uint64 { return uint64(k) * 0x9E3779B97F4A7C15 >> shift }

// len is the number of keys.
func (t *int64Table) len() int {
	if t.hasZero {
		return t.n + 1
	}
	return t.n
}

// add reports whether k is new, and records it.
func (t *int64Table) add(k int64) bool {
	if k == 0 {
		added := !t.hasZero
		t.hasZero = true
		return added
	}
	if t.slots == nil {
		t.resize(int64TableMin)
	}
	mask := uint64(len(t.slots) - 1)
	i := int64Slot(k, t.shift)
	for ; t.slots[i] != 0; i = (i + 1) & mask {
		if t.slots[i] == k {
			return false
		}
	}
	t.slots[i] = k
	t.n++
	if t.n*8 > len(t.slots)*5 {
		t.resize(2 * len(t.slots))
	}
	return true
}

// reserve makes an empty table room for about n keys.
func (t *int64Table) reserve(n int) {
	if t.slots != nil {
		return
	}
	size := int64TableMin
	for n*8 > size*5 && size < 1<<40 {
		size *= 2
	}
	t.resize(size)
}

// keys calls f for each key, in no particular order.
func (t *int64Table) keys(f func(int64)) {
	if t.hasZero {
		f(0)
	}
	for _, k := range t.slots {
		if k != 0 {
			f(k)
		}
	}
}

// removeIf removes the keys for which drop is true, and shrinks the table
// to fit the rest.
func (t *int64Table) removeIf(drop func(int64) bool) {
	if t.hasZero && drop(0) {
		t.hasZero = false
	}
	old := t.slots
	n := 0
	for _, k := range old {
		if k != 0 && !drop(k) {
			n++
		}
	}
	size := int64TableMin
	for n*8 > size*5 {
		size *= 2
	}
	t.fill(size, old, drop)
}

// resize moves the keys to a table of n slots (a power of two).
func (t *int64Table) resize(n int) { t.fill(n, t.slots, func(int64) bool { return false }) }

func (t *int64Table) fill(n int, old []int64, drop func(int64) bool) {
	t.slots, t.n = make([]int64, n), 0
	t.shift = uint8(64 - bits.Len64(uint64(n)-1))
	mask := uint64(n - 1)
	for _, k := range old {
		if k == 0 || drop(k) {
			continue
		}
		i := int64Slot(k, t.shift)
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = k
		t.n++
	}
}
