package pipeline

import (
	"slices"
	"sort"
	"sync"
)

// grouped holds the tables the per-customer work reads, grouped by customer.
type grouped struct {
	purchases, complaints, departures, outreach, offers byCustomer
}

// group groups the per-customer tables once all are read, the tables side by side,
// and drops the read-order copies that nothing reads any more. Offers on equal times
// are ordered by offer type in byte order (the mitigation group takes the smallest).
func (d *data) group() {
	n := d.customers.len()
	typeRank := d.offerTypes.ranks()
	var wg sync.WaitGroup
	for _, g := range []struct {
		dst *byCustomer
		src *rows
		tie func(a, b int32) int
	}{
		{&d.byCust.purchases, &d.purchases, nil},
		{&d.byCust.complaints, &d.complaints, nil},
		{&d.byCust.departures, &d.departures, nil},
		{&d.byCust.outreach, &d.outreach, nil},
		{&d.byCust.offers, &d.offers, func(a, b int32) int {
			return int(typeRank[d.offers.text[a]]) - int(typeRank[d.offers.text[b]])
		}},
	} {
		wg.Go(func() { *g.dst = group(g.src, n, g.tie) })
	}
	wg.Wait()
	d.purchases, d.complaints, d.departures, d.outreach = rows{}, rows{}, rows{}, rows{}
}

// byCustomer is a table's rows grouped by customer (compressed sparse rows): the rows
// of customer c are off[c]..off[c+1]-1, sorted by time (ties in read order).
type byCustomer struct {
	off []int32
	rows
}

// group reorders r by customer and time with a stable counting sort, then sorts each
// customer's run by time. tie breaks equal times (nil: read order).
func group(r *rows, customers int, tie func(a, b int32) int) byCustomer {
	n := r.len()
	off := make([]int32, customers+1)
	for _, c := range r.cust {
		off[c+1]++
	}
	for c := 1; c <= customers; c++ {
		off[c] += off[c-1]
	}
	perm := make([]int32, n)
	next := slices.Clone(off[:customers])
	for i, c := range r.cust {
		perm[next[c]] = int32(i)
		next[c]++
	}
	for c := range customers {
		run := perm[off[c]:off[c+1]]
		if len(run) < 2 {
			continue
		}
		sorted := true
		for i := 1; i < len(run) && sorted; i++ {
			a, b := run[i-1], run[i]
			sorted = r.t[a] < r.t[b] || (r.t[a] == r.t[b] && (tie == nil || tie(a, b) <= 0))
		}
		if sorted {
			continue
		}
		slices.SortStableFunc(run, func(a, b int32) int {
			switch {
			case r.t[a] < r.t[b]:
				return -1
			case r.t[a] > r.t[b]:
				return 1
			case tie != nil:
				return tie(a, b)
			}
			return 0
		})
	}
	out := byCustomer{off: off}
	var wg sync.WaitGroup
	wg.Go(func() { out.t = gather(r.t, perm) })
	wg.Go(func() { out.amount = gather(r.amount, perm) })
	wg.Go(func() { out.text = gather(r.text, perm) })
	wg.Go(func() { out.face = gather(r.face, perm) })
	wg.Go(func() { out.redeemed = gather(r.redeemed, perm) })
	wg.Go(func() { out.expires = gather(r.expires, perm) })
	wg.Wait()
	return out
}

// until returns the row range of customer c without the rows later than asOf (SPEC
// §3: they are ignored).
func (b *byCustomer) until(c int32, asOf int64) (int, int) {
	lo, hi := b.span(c)
	return lo, lo + upperBound(b.t[lo:hi], asOf)
}

// gather returns src reordered by perm (nil for an unused column).
func gather[T any](src []T, perm []int32) []T {
	if len(src) == 0 {
		return nil
	}
	out := make([]T, len(perm))
	for i, p := range perm {
		out[i] = src[p]
	}
	return out
}

// span returns the row range of customer c.
func (b *byCustomer) span(c int32) (int, int) { return int(b.off[c]), int(b.off[c+1]) }

// lowerBound returns the first index i in s with s[i] >= v.
func lowerBound(s []int64, v int64) int {
	return sort.Search(len(s), func(i int) bool { return s[i] >= v })
}

// upperBound returns the first index i in s with s[i] > v.
func upperBound(s []int64, v int64) int {
	return sort.Search(len(s), func(i int) bool { return s[i] > v })
}
