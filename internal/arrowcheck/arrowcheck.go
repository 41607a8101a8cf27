// Package arrowcheck gives tests a checked Arrow allocator that reading
// Parquet with arrow-go can be held to: every buffer allocated must be freed.
package arrowcheck

import (
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Allocator is a memory.CheckedAllocator for tests that read Parquet: it routes
// the allocations of arrow-go's DELTA_BINARY_PACKED decoder to Go's allocator
// and everything else to the checked allocator.
// arrow-go v18.8.0 never frees that decoder's 64-byte bit-width buffer
// (parquet/internal/encoding/delta_bit_packing.go, deltaBitWidths), which the
// checked allocator would report for every file with DELTA_* pages (as
// parquet-go writes strings by default). With Go's allocator, the default
// in production, the garbage collector reclaims it (the bufpool allocator
// does not recycle a buffer that is never freed).
type Allocator struct {
	*memory.CheckedAllocator
	mu     sync.Mutex
	exempt map[unsafe.Pointer]bool
}

// New returns an empty checked allocator. After everything read with it is
// released, AssertSize(t, 0) proves that no Arrow buffer leaked.
func New() *Allocator {
	return &Allocator{CheckedAllocator: memory.NewCheckedAllocator(memory.NewGoAllocator()), exempt: map[unsafe.Pointer]bool{}}
}

func fromDeltaDecoder() bool {
	pcs := make([]uintptr, 16)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if strings.Contains(f.Function, "deltaBitPackDecoder") {
			return true
		}
		if !more {
			return false
		}
	}
}

func (s *Allocator) Allocate(size int) []byte {
	if fromDeltaDecoder() {
		b := make([]byte, size, max(size, 1))
		s.mu.Lock()
		s.exempt[unsafe.Pointer(unsafe.SliceData(b[:1]))] = true
		s.mu.Unlock()
		return b
	}
	return s.CheckedAllocator.Allocate(size)
}

func (s *Allocator) isExempt(b []byte) bool {
	if cap(b) == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exempt[unsafe.Pointer(unsafe.SliceData(b[:1]))]
}

func (s *Allocator) Reallocate(size int, b []byte) []byte {
	if s.isExempt(b) {
		nb := make([]byte, size, max(size, 1))
		copy(nb, b)
		s.mu.Lock()
		delete(s.exempt, unsafe.Pointer(unsafe.SliceData(b[:1])))
		s.exempt[unsafe.Pointer(unsafe.SliceData(nb[:1]))] = true
		s.mu.Unlock()
		return nb
	}
	return s.CheckedAllocator.Reallocate(size, b)
}

func (s *Allocator) Free(b []byte) {
	if s.isExempt(b) {
		s.mu.Lock()
		delete(s.exempt, unsafe.Pointer(unsafe.SliceData(b[:1])))
		s.mu.Unlock()
		return
	}
	s.CheckedAllocator.Free(b)
}
