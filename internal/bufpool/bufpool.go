// Package bufpool is an Arrow memory.Allocator that recycles the buffers it
// is given back.
//
// Go's allocator (memory.DefaultAllocator) hands out fresh memory for every
// buffer and leaves freed buffers to the garbage collector. Reading an
// extract decodes every column of every batch into new buffers of the same
// few sizes, so at warehouse scale most of the reading time went to the
// kernel faulting in and the runtime zeroing memory that had just been
// dropped. This allocator keeps freed buffers in size classes (powers of
// two) and hands them out again, zeroed like fresh ones.
//
// Arrow frees a buffer when its last reference is released; a buffer that is
// never released (an array left to the garbage collector) is simply not
// recycled. The pools hold buffers only between garbage collections
// (sync.Pool), so memory that is no longer needed is returned as before.
package bufpool

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

const (
	minShift = 6  // 64 bytes, Arrow's alignment
	maxShift = 30 // 1 GiB; larger buffers are not pooled
)

// Allocator recycles freed buffers by size class. Safe for concurrent use.
type Allocator struct {
	classes [maxShift + 1]sync.Pool // class c holds *[]byte of capacity 1<<c
}

var _ memory.Allocator = (*Allocator)(nil)

// New returns an empty pool.
func New() *Allocator { return &Allocator{} }

// class is the smallest size class that holds size bytes.
func class(size int) int {
	if size <= 1<<minShift {
		return minShift
	}
	return bits.Len(uint(size - 1))
}

// Allocate returns size zeroed bytes. Their capacity is a power of two of at
// least 64 bytes, so they are 64-byte aligned like Go's allocator's.
func (a *Allocator) Allocate(size int) []byte {
	if size < 0 {
		panic("bufpool: negative size")
	}
	c := class(size)
	if c > maxShift {
		return make([]byte, size)
	}
	if p, ok := a.classes[c].Get().(*[]byte); ok {
		b := (*p)[:size]
		clear(b)
		return b
	}
	return make([]byte, size, 1<<c)
}

// Reallocate grows or shrinks b to size bytes, keeping its content; bytes
// beyond the old length are zero.
func (a *Allocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		if size > len(b) {
			clear(b[len(b):size])
		}
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free takes b back for reuse. The caller must not use b afterwards.
func (a *Allocator) Free(b []byte) {
	n := cap(b)
	if n < 1<<minShift || n&(n-1) != 0 {
		return // not one of ours (or too small to keep)
	}
	c := bits.Len(uint(n)) - 1
	if c > maxShift {
		return
	}
	b = b[:n]
	a.classes[c].Put(&b)
}
