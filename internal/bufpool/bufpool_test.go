package bufpool

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestAllocateIsZeroedAlignedAndRecycled(t *testing.T) {
	a := New()
	for _, size := range []int{0, 1, 63, 64, 65, 1000, 1 << 16, 3<<20 + 5} {
		b := a.Allocate(size)
		if len(b) != size {
			t.Fatalf("Allocate(%d): len %d", size, len(b))
		}
		if c := cap(b); c&(c-1) != 0 || c < 64 {
			t.Fatalf("Allocate(%d): capacity %d is not a power of two of at least 64", size, c)
		}
		if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%64 != 0 {
			t.Fatalf("Allocate(%d): not 64-byte aligned", size)
		}
		for i := range b {
			b[i] = 0xAB
		}
		a.Free(b)
		// A buffer of the same class comes back zeroed, whether recycled or new.
		again := a.Allocate(size)
		for i, x := range again {
			if x != 0 {
				t.Fatalf("Allocate(%d) after Free: byte %d is %#x, want 0", size, i, x)
			}
		}
	}
}

func TestReallocateKeepsContentAndZeroesTheRest(t *testing.T) {
	a := New()
	b := a.Allocate(100) // capacity 128
	for i := range b {
		b[i] = byte(i)
	}
	// Dirty the spare capacity, as a recycled buffer's would be.
	full := b[:cap(b)]
	for i := 100; i < len(full); i++ {
		full[i] = 0xFF
	}
	for _, size := range []int{120, 5000} { // within the capacity, then beyond it
		b = a.Reallocate(size, b)
		if len(b) != size {
			t.Fatalf("Reallocate(%d): len %d", size, len(b))
		}
		for i := range 100 {
			if b[i] != byte(i) {
				t.Fatalf("Reallocate(%d): byte %d changed", size, i)
			}
		}
		for i := 100; i < size; i++ {
			if b[i] != 0 {
				t.Fatalf("Reallocate(%d): byte %d is %#x, want 0", size, i, b[i])
			}
		}
	}
}

func TestFreeIgnoresForeignBuffers(t *testing.T) {
	a := New()
	a.Free(make([]byte, 100)) // capacity not a power of two: dropped
	a.Free(make([]byte, 8))   // too small: dropped
	a.Free(nil)
	if b := a.Allocate(100); cap(b) != 128 {
		t.Fatalf("capacity %d, want 128", cap(b))
	}
}

// Arrow arrays built on the pool read back their values after buffers were
// recycled by other arrays, from several goroutines at once (run with -race).
func TestArraysOnThePool(t *testing.T) {
	a := New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 200 {
				b := array.NewInt64Builder(a)
				n := 1000 + round
				for i := range n {
					if i%7 == 0 {
						b.AppendNull()
					} else {
						b.Append(int64(g*1_000_000 + round*1000 + i))
					}
				}
				arr := b.NewInt64Array()
				b.Release()
				for i := range n {
					if i%7 == 0 {
						if arr.IsValid(i) {
							t.Errorf("row %d should be null", i)
						}
					} else if got := arr.Value(i); !arr.IsValid(i) || got != int64(g*1_000_000+round*1000+i) {
						t.Errorf("goroutine %d round %d row %d: got %d", g, round, i, got)
						return
					}
				}
				arr.Release()
			}
		})
	}
	wg.Wait()
}
