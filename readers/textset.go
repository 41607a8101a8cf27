package readers

import (
	"encoding/binary"
	"hash/maphash"
)

// textSet is an exact set of text keys: an open-addressing table of
// 64-bit slots, each with bits of its key's hash (its tag) and the place of
// its text in an arena of fixed-size chunks.
//
// A new key is compared with the text of an earlier key only when their tags
// are equal: for a true duplicate, or (once in 2^24 probes) for two
// different texts with the same tag, which stay two keys. The hash only
// decides where a key is looked for, never whether it is a duplicate, so the
// result does not depend on the hash function or its seed.
//
// An exact seen-set of texts of unknown shape must keep their text (or be
// able to read it again from the source); textSet keeps it as compactly as
// it can: each key's bytes once, after a one-byte length for keys up to 127
// bytes, in chunks that are never copied as the set grows, one 8-byte slot per
// key at most 5/8 full, and no Go pointer per key for the garbage collector
// to scan. Keys with a decimal suffix (order ids such as "ORD-00012345") do
// not come here: see keySet.
type textSet struct {
	hash   func(string) uint64
	slots  []uint64 // the tag (the hash's low 24 bits) above the key's place + 1; 0 is empty
	mask   uint64
	n      int      // keys in the set
	rows   int      // the table's rows: the first table is sized for an eighth of them
	tagged int      // the most slots whose position is its tag's low bits (tests lower it)
	chunks [][]byte // the keys' text, each a uvarint length and the bytes
}

const (
	textChunkBits = 20
	textChunk     = 1 << textChunkBits // bytes of an arena chunk (a longer key has a chunk of its own)
	textTagBits   = 24
	textPlaceBits = 64 - textTagBits // a place is its chunk above its offset in the chunk
	textPlaceMask = 1<<textPlaceBits - 1
	textSlots     = 1 << 10 // slots of the smallest table
	textMaxLoad   = 5       // the most keys per 8 slots before the table doubles
)

// newTextSet returns an empty set for a table of about rows rows that places
// keys with hash. nil means maphash with a seed of the set's own.
func newTextSet(rows int64, hash func(string) uint64) *textSet {
	if hash == nil {
		seed := maphash.MakeSeed()
		hash = func(s string) uint64 { return maphash.String(seed, s) }
	}
	return &textSet{hash: hash, rows: int(min(rows, 1<<30)), tagged: 1 << textTagBits}
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
	tag := h << textPlaceBits
	i := h & s.mask
	for ; s.slots[i] != 0; i = (i + 1) & s.mask {
		if v := s.slots[i]; v&^textPlaceMask == tag && string(s.stored(v&textPlaceMask-1)) == k {
			return false
		}
	}
	s.slots[i] = tag | (s.store(k) + 1)
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
	if last >= 1<<(textPlaceBits-textChunkBits)-1 {
		panic("readers: key text beyond the duplicate-key set's places (1 TiB)")
	}
	c := s.chunks[last]
	place := uint64(last)<<textChunkBits | uint64(len(c))
	c = binary.AppendUvarint(c, uint64(len(k)))
	s.chunks[last] = append(c, k...)
	return place
}

// stored returns the bytes of the key stored at place, in the arena.
func (s *textSet) stored(place uint64) []byte {
	c := s.chunks[place>>textChunkBits][place&(textChunk-1):]
	n, w := binary.Uvarint(c)
	return c[w : w+int(n)]
}

// resize rebuilds the table with n slots (a power of two). Up to 2^24 slots a
// slot's position is its tag's low bits, so no key is read or hashed again;
// beyond, each key is hashed again from its text.
func (s *textSet) resize(n int) {
	old := s.slots
	s.slots, s.mask = make([]uint64, n), uint64(n-1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		h := v >> textPlaceBits
		if n > s.tagged {
			h = s.hash(string(s.stored(v&textPlaceMask - 1)))
		}
		i := h & s.mask
		for s.slots[i] != 0 {
			i = (i + 1) & s.mask
		}
		s.slots[i] = v
	}
}
