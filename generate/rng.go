package generate

import (
	"math"
	"math/rand/v2"
)

// rng is a math/rand/v2 PCG generator with the few distributions the
// simulation needs. Every stream is derived from (Seed, a stream id) through
// splitmix64, so customer i always gets the same stream whatever else changes.
type rng struct {
	*rand.Rand
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRNG(seed, stream uint64) *rng {
	a := splitmix(seed ^ splitmix(stream))
	b := splitmix(a ^ 0x5851f42d4c957f2d ^ stream)
	return &rng{rand.New(rand.NewPCG(a, b))}
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// uniform returns a float in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// lognormal returns exp(N(log(median), sigma)).
func (r *rng) lognormal(median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// erlang returns a gamma variate with integer shape k and the given mean.
func (r *rng) erlang(k int, mean float64) float64 {
	s := 0.0
	for i := 0; i < k; i++ {
		s += r.ExpFloat64()
	}
	return s * mean / float64(k)
}

// pick returns an index drawn with the given weights (which need not sum to 1).
func (r *rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
