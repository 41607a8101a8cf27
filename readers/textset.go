package readers

import (
	"encoding/binary"
	"hash/maphash"
)

// textSet is an exact set of text keys: an open-addressing table of the keys'
// 64-bit hashes, each slot with the place of its key's text in an arena of
// fixed-size chunks.
//
// A new key is compared with the text of an earlier key only when their
// 64-bit hashes are equal: for a true duplicate, or (about once in 2^64/n
// keys) for two different texts with the same hash, which stay two keys. The
// hash only decides where a key is looked for, never whether it is a
// duplicate, so the result does not depend on the hash function or its seed.
//
// An exact seen-set of texts of unknown shape must keep their text (or be
// able to read it again from the source); textSet keeps it as compactly as
// it can: each key's bytes once, after a one-byte length for keys up to 127
// bytes, in chunks that are never copied as the set grows, and no per-key Go
// pointer for the garbage collector to scan. Keys with a decimal suffix
// (order ids such as "ORD-00012345") do not come here: see keySet.
type textSet struct {
	hash   func(string) uint64
	slots  []textSlot
	mask   uint64
	n      int      // keys in the set
	rows   int      // the table's rows: the first table is sized for an eighth of them
	chunks [][]byte // the keys' text, each a uvarint length and the bytes
}

// textSlot is a key's hash (0 in an empty slot: a key's hash 0 is taken as
// 1) and the place of its text: its chunk above its offset in the chunk. One
// slot is one memory access.
type textSlot struct{ hash, ref uint64 }

const (
	textChunk   = 1 << 20 // bytes of an arena chunk (a longer key has a chunk of its own)
	textSlots   = 1 << 10 // slots of a new table
	textMaxLoad = 5       // the most keys per 8 slots before the table doubles
)

// newTextSet returns an empty set for a table of about rows rows that places
// keys with hash. nil means maphash with a seed of the set's own.
func newTextSet(rows int64, hash func(string) uint64) *textSet {
	if hash == nil {
		seed := maphash.MakeSeed()
		hash = func(s string) uint64 { return maphash.String(seed, s) }
	}
	return &textSet{hash: hash, rows: int(min(rows, 1<<30))}
}

// add reports whether k is new, and records a copy of it. k may point into an
// Arrow buffer.
func (s *textSet) add(k string) bool {
	if s.slots == nil {
		// Room for an eighth of the rows: a table whose keys are text
		// doubles three times, one with a few odd keys among numbered ones
		// does not take room for all its rows.
		n := textSlots
		for n*textMaxLoad/8 < s.rows/8 {
			n *= 2
		}
		s.resize(n)
	}
	h := s.hash(k)
	if h == 0 {
		h = 1
	}
	i := h & s.mask
	for ; s.slots[i].hash != 0; i = (i + 1) & s.mask {
		if s.slots[i].hash == h && string(s.stored(s.slots[i].ref)) == k {
			return false
		}
	}
	s.slots[i] = textSlot{h, s.store(k)}
	s.n++
	if uint64(s.n)*8 > uint64(len(s.slots))*textMaxLoad {
		s.resize(2 * len(s.slots))
	}
	return true
}

// store appends k to the arena and returns its place.
func (s *textSet) store(k string) uint64 {
	need := binary.MaxVarintLen64 + len(k)
	last := len(s.chunks) - 1
	if last < 0 || len(s.chunks[last])+need > cap(s.chunks[last]) {
		s.chunks = append(s.chunks, make([]byte, 0, max(textChunk, need)))
		last++
	}
	c := s.chunks[last]
	ref := uint64(last)<<32 | uint64(len(c))
	c = binary.AppendUvarint(c, uint64(len(k)))
	s.chunks[last] = append(c, k...)
	return ref
}

// stored returns the bytes of the key stored at ref, in the arena.
func (s *textSet) stored(ref uint64) []byte {
	c := s.chunks[ref>>32][uint32(ref):]
	n, w := binary.Uvarint(c)
	return c[w : w+int(n)]
}

// resize rebuilds the table with n slots (a power of two). The slots keep
// their hashes, so no key is hashed or read again.
func (s *textSet) resize(n int) {
	old := s.slots
	s.slots, s.mask = make([]textSlot, n), uint64(n-1)
	for _, x := range old {
		if x.hash == 0 {
			continue
		}
		i := x.hash & s.mask
		for s.slots[i].hash != 0 {
			i = (i + 1) & s.mask
		}
		s.slots[i] = x
	}
}
