// Package intern assigns dense ids to strings without per-string Go pointers.
//
// A Table keeps its strings end to end in one byte arena and finds them with
// an open-addressing index of 64-bit slots (a hash tag and the id), so the
// garbage collector never scans its entries and a lookup touches one slot
// and one arena range: at millions of ids it is several times faster and
// smaller than a map[string]int32 with its strings.
package intern

import (
	"hash/maphash"
	"slices"
	"unsafe"
)

// Table maps strings to dense ids 0, 1, 2, ... in first-seen order. The zero
// value is an empty table. It is not safe for concurrent use.
//
// A slot holds the low 32 bits of the string's hash (its tag) above id+1; 0 is
// an empty slot. The index has at most 2^32 slots, so a slot's position is
// always its tag's low bits: growing the index moves slots without hashing a
// string again.
type Table struct {
	arena []byte  // the strings, end to end
	ends  []int64 // ends[id] is the end of string id in arena
	slots []uint64
	mask  uint64
	seed  maphash.Seed
	// touched is a sum of what IDs read ahead, stored so that the reads are made.
	touched uint64
	// next is the id after the last one IDs returned: its first guess for the next
	// call's first string.
	next int32
}

// maxLoad is the most slots in use per slot, in 1/8: 7/8 would make probe
// sequences long with linear probing; 5/8 keeps them short.
const maxLoad = 5

// Len returns the number of ids.
func (t *Table) Len() int { return len(t.ends) }

// Value returns the string of id. It shares the table's memory, which is
// never written again, and stays valid after later calls.
func (t *Table) Value(id int32) string {
	lo := int64(0)
	if id > 0 {
		lo = t.ends[id-1]
	}
	b := t.arena[lo:t.ends[id]]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Lookup returns the id of s, if s is in the table.
func (t *Table) Lookup(s string) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	tag := maphash.String(t.seed, s) << 32
	for i := tag >> 32 & t.mask; ; i = (i + 1) & t.mask {
		v := t.slots[i]
		if v == 0 {
			return 0, false
		}
		if v&^0xffffffff == tag {
			if id := int32(uint32(v)) - 1; t.Value(id) == s {
				return id, true
			}
		}
	}
}

// ID returns the id of s, adding s (a copy of it: s may point into a buffer
// about to be reused) when it is new. added reports whether it was.
func (t *Table) ID(s string) (id int32, added bool) {
	if len(t.slots) == 0 {
		t.Reserve(0, 0)
	}
	return t.idOf(s, maphash.String(t.seed, s)<<32)
}

// IDs sets ids[k] to the id of string k of an Arrow string array's layout (string
// k is data[offsets[k]-offsets[0]:offsets[k+1]-offsets[0]]), adding the new ones as
// ID does, in order: the same ids as calling ID for each.
//
// A string equal to the one before it takes that one's id without a lookup: tables
// written in customer order (as most extracts are: a customer's purchases together)
// repeat a customer's id over several rows.
//
// At millions of ids each lookup waits on up to three cache misses (its slot, its
// end, its bytes), one after the other. IDs looks up a group of strings at a time:
// it first reads every slot of the group, then the ends and bytes those slots
// point to, so that the misses of the group overlap, and only then finds or adds
// each string, from the cache.
func (t *Table) IDs(offsets []int32, data []byte, ids []int32) {
	if len(t.slots) == 0 {
		t.Reserve(0, 0)
	}
	const group = 16
	var tags [group]uint64
	var at [group]int // the strings of the group: each the first of a run of equal ones
	var touched uint64
	str := func(k int) string {
		b := data[offsets[k]-offsets[0] : offsets[k+1]-offsets[0]]
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	// lookup finds the ids of the group's n strings, then copies each to the rest of
	// its run (up to the next string of the group, or end).
	lookup := func(n, end int) {
		for k := range n {
			tag := maphash.String(t.seed, str(at[k])) << 32
			tags[k] = tag
			v := t.slots[tag>>32&t.mask]
			if v&^0xffffffff == tag { // likely the string's own slot: read its bytes' place
				touched += uint64(t.ends[uint32(v)-1])
			}
		}
		for k := range n {
			if v := t.slots[tags[k]>>32&t.mask]; v&^0xffffffff == tags[k] {
				if end := t.ends[uint32(v)-1]; end > 0 {
					touched += uint64(t.arena[end-1])
				}
			}
		}
		for k := range n {
			id, _ := t.idOf(str(at[k]), tags[k])
			stop := end
			if k+1 < n {
				stop = at[k+1]
			}
			for i := at[k]; i < stop; i++ {
				ids[i] = id
			}
		}
	}
	// In a table written in customer order, like the customers table the ids were
	// first interned from, a run's id is usually the previous run's plus one: that
	// id is tried first (one comparison, in memory just read) while no group is
	// pending. When it was right the time before, a wrong guess is a gap (customers
	// without rows in this table): that string is looked up alone, and guessing goes
	// on after it.
	n := 0
	prev := ""
	next := t.next
	hit := false // the last guess was right
	for k := range ids {
		s := str(k)
		if k > 0 && s == prev {
			ids[k] = ids[k-1] // or set by lookup, with the run's first string
			continue
		}
		prev = s
		if n == group {
			lookup(n, k)
			n = 0
			next = ids[k-1] + 1
		}
		if n == 0 && next >= 0 {
			if int(next) < len(t.ends) {
				v := t.Value(next)
				if v == s {
					ids[k] = next
					next++
					hit = true
					continue
				}
				// Past a gap of a table in ascending order (as the customers table
				// and an extract sorted by customer usually are): the string is
				// among the next few ids.
				if hit && s > v {
					if id, ok := t.seek(next+1, s); ok {
						ids[k] = id
						next = id + 1
						continue
					}
				}
			}
			if hit { // past a gap: look it up alone and go on guessing
				id, _ := t.ID(s)
				ids[k] = id
				next = id + 1
				hit = false
				continue
			}
		}
		at[n] = k
		n++
		next = -1
	}
	if n > 0 {
		lookup(n, len(ids))
	}
	if len(ids) > 0 {
		t.next = ids[len(ids)-1] + 1
	}
	t.touched = touched // the reads above are kept: they only bring memory in
}

// seekGap is the largest gap seek looks across.
const seekGap = 64

// seek returns the id of s when it is among ids lo to lo+seekGap-1 and those are in
// ascending order up to it: it tries lo, lo+1, lo+3, lo+7, ... while their
// strings are below s, then bisects the last step. In a table whose strings are
// not in ascending order it may miss s (the caller then looks it up), never
// return another string's id: the id found is checked.
func (t *Table) seek(lo int32, s string) (int32, bool) {
	n := min(int32(len(t.ends)), lo+seekGap)
	hi := lo
	for step := int32(1); hi < n && t.Value(hi) < s; step *= 2 {
		lo = hi + 1
		hi += step
	}
	hi = min(hi, n)
	for lo < hi { // the first of lo..hi-1 not below s, or hi
		m := int32(uint32(lo+hi) >> 1)
		if t.Value(m) < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < int32(len(t.ends)) && t.Value(lo) == s {
		return lo, true
	}
	return 0, false
}

// idOf is ID for s with its tag (its hash's low half, shifted up).
func (t *Table) idOf(s string, tag uint64) (id int32, added bool) {
	i := tag >> 32 & t.mask
	for ; ; i = (i + 1) & t.mask {
		v := t.slots[i]
		if v == 0 {
			break
		}
		if v&^0xffffffff == tag {
			if id := int32(uint32(v)) - 1; t.Value(id) == s {
				return id, false
			}
		}
	}
	id = int32(len(t.ends))
	t.arena = append(t.arena, s...)
	t.ends = append(t.ends, int64(len(t.arena)))
	t.slots[i] = tag | uint64(uint32(id+1))
	if uint64(len(t.ends))*8 > uint64(len(t.slots))*maxLoad {
		t.resize(2 * len(t.slots))
	}
	return id, true
}

// Reserve makes room for n more strings of bytes bytes in all, so that adding
// them neither grows the index nor copies the arena.
func (t *Table) Reserve(n, bytes int) {
	if len(t.slots) == 0 {
		t.seed = maphash.MakeSeed()
		t.resize(64)
	}
	want := uint64(len(t.ends)+n) * 8 / maxLoad
	size := len(t.slots)
	for uint64(size) <= want && size < 1<<32 {
		size *= 2
	}
	if size > len(t.slots) {
		t.resize(size)
	}
	t.ends = slices.Grow(t.ends, n)
	t.arena = slices.Grow(t.arena, bytes)
}

// resize rebuilds the index with n slots (a power of two, at most 2^32). Each
// slot's tag is the low half of its hash, so the strings are not hashed again.
func (t *Table) resize(n int) {
	old := t.slots
	t.slots = make([]uint64, n)
	t.mask = uint64(n - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := v >> 32 & t.mask
		for t.slots[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = v
	}
}
