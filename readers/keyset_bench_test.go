package readers

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// BenchmarkKeySet checks 1,000,000 unique text keys, as a warehouse's
// PLAIN-encoded order ids arrive: "ORD-" and eight digits, in order and
// shuffled; random text with no digit suffix (hex); "ORD-" and 12 random
// digits (sparse); random UUIDs.
func BenchmarkKeySet(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(5, 6))
	seq := make([]string, n)
	for i := range seq {
		seq[i] = fmt.Sprintf("ORD-%08d", 10_000_000+i)
	}
	shuffled := append([]string(nil), seq...)
	r.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	hex := make([]string, n)
	for i := range hex {
		hex[i] = fmt.Sprintf("%016x-k", r.Uint64())
	}
	sparse := make([]string, n) // ids drawn at random from 10^12
	uuid := make([]string, n)
	for i := range sparse {
		sparse[i] = fmt.Sprintf("ORD-%012d", r.Int64N(1e12))
		uuid[i] = fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<16), r.Int64N(1<<48))
	}
	slices.Sort(sparse)
	sparse = slices.Compact(sparse)
	r.Shuffle(len(sparse), func(i, j int) { sparse[i], sparse[j] = sparse[j], sparse[i] })
	// The keys end to end in one string, as in an Arrow buffer.
	contiguous := func(keys []string) []string {
		all := strings.Join(keys, "")
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i], all = all[:len(k)], all[len(k):]
		}
		return out
	}
	seq, shuffled, hex = contiguous(seq), contiguous(shuffled), contiguous(hex)
	sparse, uuid = contiguous(sparse), contiguous(uuid)
	for _, tc := range []struct {
		name string
		keys []string
	}{{"ordered", seq}, {"shuffled", shuffled}, {"hex", hex}, {"sparse", sparse}, {"uuid", uuid}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				s := newKeySet(int64(len(tc.keys)))
				for _, k := range tc.keys {
					if !s.addString(k) {
						b.Fatalf("%q reported as a duplicate", k)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tc.keys)), "ns/key")
			b.ReportMetric(0, "ns/op")
		})
	}
}
