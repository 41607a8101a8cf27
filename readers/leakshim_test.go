package readers

import (
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// deltaLeakShim routes allocations made by arrow-go's DELTA_BINARY_PACKED
// decoder to Go's allocator and everything else to a checked allocator.
// arrow-go v18.8.0 never frees that decoder's 64-byte bit-width buffer
// (parquet/internal/encoding/delta_bit_packing.go, deltaBitWidths), which the
// checked allocator would report for every file with DELTA_* pages (as
// parquet-go writes strings by default). With Go's allocator, the default
// in production, the garbage collector reclaims it.
type deltaLeakShim struct {
	*memory.CheckedAllocator
	mu     sync.Mutex
	exempt map[unsafe.Pointer]bool
}

func newDeltaLeakShim(checked *memory.CheckedAllocator) *deltaLeakShim {
	return &deltaLeakShim{CheckedAllocator: checked, exempt: map[unsafe.Pointer]bool{}}
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

func (s *deltaLeakShim) Allocate(size int) []byte {
	if fromDeltaDecoder() {
		b := make([]byte, size, max(size, 1))
		s.mu.Lock()
		s.exempt[unsafe.Pointer(unsafe.SliceData(b[:1]))] = true
		s.mu.Unlock()
		return b
	}
	return s.CheckedAllocator.Allocate(size)
}

func (s *deltaLeakShim) isExempt(b []byte) bool {
	if cap(b) == 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exempt[unsafe.Pointer(unsafe.SliceData(b[:1]))]
}

func (s *deltaLeakShim) Reallocate(size int, b []byte) []byte {
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

func (s *deltaLeakShim) Free(b []byte) {
	if s.isExempt(b) {
		s.mu.Lock()
		delete(s.exempt, unsafe.Pointer(unsafe.SliceData(b[:1])))
		s.mu.Unlock()
		return
	}
	s.CheckedAllocator.Free(b)
}
