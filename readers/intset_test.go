package readers

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestIntSetMatchesMap checks intSet against a map on key streams of the
// shapes warehouses produce: sequences with gaps and repeats, outliers before
// the sequence, several sequences, random keys and the int64 extremes.
func TestIntSetMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seq := func(start int64, n int, maxGap int64) []int64 {
		var out []int64
		k := start
		for range n {
			k += 1 + r.Int64N(maxGap)
			out = append(out, k)
			if r.IntN(50) == 0 { // a repeat
				out = append(out, out[r.IntN(len(out))])
			}
		}
		return out
	}
	cat := func(parts ...[]int64) []int64 {
		var out []int64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	random := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(r.Uint64())
			if r.IntN(20) == 0 && i > 0 {
				out[i] = out[r.IntN(i)]
			}
		}
		return out
	}
	cases := map[string][]int64{
		"sequence":            seq(10_000_000, 200_000, 3),
		"outliers first":      cat(seq(900_000_000_000, 50, 1), seq(10_000_000, 100_000, 3), seq(900_000_000_000, 50, 1)),
		"descending":          reverse(seq(-5_000_000, 100_000, 2)),
		"two sequences":       cat(seq(1, 30_000, 2), seq(1<<40, 30_000, 2), seq(1, 30_000, 2)),
		"interleaved":         interleave(seq(0, 50_000, 2), seq(1<<50, 50_000, 2)),
		"random":              random(50_000),
		"extremes":            cat([]int64{math.MinInt64, math.MaxInt64, 0, -1, math.MinInt64, math.MaxInt64}, seq(math.MaxInt64-100_000, 10_000, 5), seq(math.MinInt64, 10_000, 5)),
		"sparse then dense":   cat(random(5000), seq(42, 100_000, 1), random(5000)),
		"wide stride":         seq(0, 20_000, 1<<20),
		"near the bitmap cap": seq(intSetLimit-200_000, 50_000, 3),
	}
	for name, keys := range cases {
		t.Run(name, func(t *testing.T) {
			var s intSet
			seen := map[int64]bool{}
			for i, k := range keys {
				want := !seen[k]
				seen[k] = true
				if got := s.add(k); got != want {
					t.Fatalf("key %d (#%d): add = %v, want %v", k, i, got, want)
				}
			}
			if s.n != int64(len(seen)) {
				t.Fatalf("n = %d, want %d", s.n, len(seen))
			}
			if bits := int64(len(s.bits)) * 64; bits > 64*s.n+intSetSlack+64 {
				t.Fatalf("bitmap of %d bits for %d keys", bits, s.n)
			}
		})
	}
}

func reverse(s []int64) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func interleave(a, b []int64) []int64 {
	var out []int64
	for i := range max(len(a), len(b)) {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// BenchmarkIntSet inserts a sequence of order ids with gaps, as the
// generated purchases have them.
func BenchmarkIntSet(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]int64, 1<<20)
	k := int64(10_000_000)
	for i := range keys {
		k += 1 + r.Int64N(3)
		keys[i] = k
	}
	b.Run("intSet", func(b *testing.B) {
		for b.Loop() {
			var s intSet
			for _, k := range keys {
				s.add(k)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
	})
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			s := map[int64]struct{}{}
			for _, k := range keys {
				if _, ok := s[k]; !ok {
					s[k] = struct{}{}
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/key")
	})
}

// TestInt64TableMatchesMap checks int64Table against a map, with the key 0,
// the extremes, strides of powers of two and removals.
func TestInt64TableMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var tb int64Table
	want := map[int64]bool{}
	check := func(k int64) {
		t.Helper()
		if got := tb.add(k); got != !want[k] {
			t.Fatalf("add(%d) = %v, want %v", k, got, !want[k])
		}
		want[k] = true
	}
	for i := range 100_000 {
		switch i % 5 {
		case 0:
			check(int64(i) << 32)
		case 1:
			check(r.Int64N(50_000) - 25_000)
		case 2:
			check([]int64{0, math.MinInt64, math.MaxInt64, -1, 1}[r.IntN(5)])
		default:
			check(int64(r.Uint64()))
		}
		if i%30_000 == 29_999 {
			tb.removeIf(func(k int64) bool { return k%3 == 0 })
			for k := range want {
				if k%3 == 0 {
					delete(want, k)
				}
			}
		}
	}
	if tb.len() != len(want) {
		t.Fatalf("len %d, want %d", tb.len(), len(want))
	}
	n := 0
	tb.keys(func(k int64) {
		if !want[k] {
			t.Fatalf("key %d not added", k)
		}
		n++
	})
	if n != len(want) {
		t.Fatalf("%d keys, want %d", n, len(want))
	}
}

// decimalDigits counts the digits of every power of ten up to 10^18, its neighbours, and random
// keys up to the largest int64, as the length of their decimal text.
func TestDecimalDigits(t *testing.T) {
	keys := []int64{0, 1, 9, math.MaxInt64}
	for p := int64(1); ; p *= 10 {
		keys = append(keys, p-1, p, p+1)
		if p == 1e18 {
			break
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		keys = append(keys, rng.Int64()>>rng.IntN(63))
	}
	for _, k := range keys {
		if got, want := decimalDigits(k), len(strconv.FormatInt(k, 10)); got != want {
			t.Fatalf("decimalDigits(%d) = %d, want %d", k, got, want)
		}
	}
}
