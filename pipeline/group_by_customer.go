package pipeline

import (
	"cmp"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// grouped holds the tables the per-customer work reads, grouped by customer.
type grouped struct {
	purchases, complaints, departures, outreach, offers byCustomer
}

// groupedTables are the tables the per-customer work reads grouped by customer.
var groupedTables = []string{contract.Purchases, contract.Complaints, contract.Departures, contract.Outreach, contract.Offers}

// groupSlot returns where table's rows are read and grouped.
func (d *data) groupSlot(table string) (dst *byCustomer, src *rows, ok bool) {
	switch table {
	case contract.Purchases:
		return &d.byCust.purchases, &d.purchases, true
	case contract.Complaints:
		return &d.byCust.complaints, &d.complaints, true
	case contract.Departures:
		return &d.byCust.departures, &d.departures, true
	case contract.Outreach:
		return &d.byCust.outreach, &d.outreach, true
	case contract.Offers:
		return &d.byCust.offers, &d.offers, true
	}
	return nil, nil, false
}

// startGroup groups a table that has been read to the end, in the background while
// the next tables are read, and drops its read-order copy, which nothing reads any
// more (offers keep theirs: the offer KPIs sum face values in read order). Customers
// first seen in a later table are added by finishGroups.
func (d *data) startGroup(table string) {
	dst, src, ok := d.groupSlot(table)
	if !ok || d.groupStarted[table] {
		return
	}
	if d.groupStarted == nil {
		d.groupStarted = map[string]bool{}
	}
	d.groupStarted[table] = true
	n := d.customers.len()
	keep := table == contract.Offers
	d.grouping.Go(func() {
		*dst = group(src, n, keep)
		if !keep {
			*src = rows{}
		}
	})
}

// finishGroups waits for the groupings, groups the absent tables (no rows), and
// extends every table's offsets to the customers found after it was read.
func (d *data) finishGroups() {
	for _, table := range groupedTables {
		d.startGroup(table)
	}
	d.grouping.Wait()
	n := d.customers.len()
	for _, table := range groupedTables {
		dst, _, _ := d.groupSlot(table)
		rows := dst.off[len(dst.off)-1]
		for len(dst.off) < n+1 {
			dst.off = append(dst.off, rows)
		}
	}
}

// byCustomer is a table's rows grouped by customer (compressed sparse rows): the rows
// of customer c are off[c]..off[c+1]-1, sorted by time (ties in read order).
type byCustomer struct {
	off []int32
	rows
}

// group reorders r by customer and time: a stable sort by customer, then each
// customer's run sorted by time, stably: rows on equal times stay in read order. r's
// rows are its sealed blocks, then its own columns (readBlocks). Unless keep is set,
// it drops each block once it has been scattered, and on a large table returns the
// dropped blocks' memory to the operating system as it goes, so that the table is
// never held twice whole: the grouped columns fill as the read-order blocks empty.
//
// The sort is a two-pass radix sort that stays in cache at millions of customers:
// rows are first scattered to buckets of 2^shift consecutive customers (sequential
// reads, one write stream per bucket, both halves of each block at once), then each
// bucket, small enough for the cache, is counting-sorted by customer in place. A
// single counting sort over all customers would read and write the columns at random.
func group(r *rows, customers int, keep bool) byCustomer {
	blocks := r.readBlocks()
	if !keep {
		*r = rows{}
	}
	n := 0
	for i := range blocks {
		n += blocks[i].len()
	}
	out := byCustomer{off: make([]int32, customers+1)}
	if n == 0 {
		return out
	}
	shift := bucketShift(n, customers)
	buckets := (customers-1)>>shift + 1

	// Pass 1: rows per bucket, per part. Each block is split in contiguous parts, one
	// per worker; parts are in read order, and a part's rows of a bucket follow the
	// previous part's.
	workers := min(runtime.GOMAXPROCS(0), 8, max(1, n/(1<<16)))
	type piece struct{ block, lo, hi int }
	var parts []piece
	blockParts := make([][2]int, len(blocks)) // blockParts[i]: block i's parts
	for i := range blocks {
		m := blocks[i].len()
		w := min(workers, max(1, m/(1<<14)))
		blockParts[i][0] = len(parts)
		for k := range w {
			parts = append(parts, piece{i, m * k / w, m * (k + 1) / w})
		}
		blockParts[i][1] = len(parts)
	}
	cursor := make([][]int32, len(parts)) // cursor[p][b]: where part p writes its next row of bucket b
	var nextPart atomic.Int64
	parallel(workers, func(int) {
		for {
			p := int(nextPart.Add(1) - 1)
			if p >= len(parts) {
				return
			}
			cnt := make([]int32, buckets)
			for _, c := range blocks[parts[p].block].cust[parts[p].lo:parts[p].hi] {
				cnt[c>>shift]++
			}
			cursor[p] = cnt
		}
	})
	start := make([]int32, buckets+1) // start[b]: the first row of bucket b
	pos := int32(0)
	for b := range buckets {
		start[b] = pos
		for p := range parts {
			k := cursor[p][b]
			cursor[p][b] = pos
			pos += k
		}
	}
	start[buckets] = pos

	// Pass 2: scatter every column of each block to its buckets, keeping read order
	// within a bucket, then drop the block (unless keep).
	first := blocks[0]
	cust := make([]int32, n)
	out.t = make([]int64, n)
	out.amount = alloc(first.amount, n)
	out.text = alloc(first.text, n)
	out.face = alloc(first.face, n)
	out.redeemed = alloc(first.redeemed, n)
	out.expires = alloc(first.expires, n)
	total := 0
	for i := range blocks {
		total += blocks[i].bytes()
	}
	returnEvery := max(total/4, minReturn)
	dropped := 0 // bytes of blocks dropped since memory was last returned
	for i := range blocks {
		src := &blocks[i]
		ps := parts[blockParts[i][0]:blockParts[i][1]]
		parallel(len(ps), func(k int) {
			lo, hi, at := ps[k].lo, ps[k].hi, cursor[blockParts[i][0]+k]
			keys := src.cust[lo:hi]
			scatter(cust, keys, keys, shift, at)
			scatter(out.t, src.t[lo:hi], keys, shift, at)
			scatter(out.amount, part(src.amount, lo, hi), keys, shift, at)
			scatter(out.text, part(src.text, lo, hi), keys, shift, at)
			scatter(out.face, part(src.face, lo, hi), keys, shift, at)
			scatter(out.redeemed, part(src.redeemed, lo, hi), keys, shift, at)
			scatter(out.expires, part(src.expires, lo, hi), keys, shift, at)
		})
		if keep {
			continue
		}
		dropped += src.bytes()
		*src = rows{}
		if dropped >= returnEvery {
			// The dropped blocks are free only once collected. The grouped columns
			// are made whole up front but fault in only as they are written, so they
			// cannot reuse the blocks' pages: on a large table those are returned to
			// the operating system; on a smaller one, returning them and faulting in
			// others for the next allocations costs more than keeping them for those.
			if total >= returnAbove {
				debug.FreeOSMemory()
			} else {
				runtime.GC()
			}
			dropped = 0
		}
	}

	// Pass 3: sort each bucket by customer, then each customer's run by time.
	var next atomic.Int64
	parallel(workers, func(int) {
		var s sortScratch
		for {
			b := int(next.Add(1) - 1)
			if b >= buckets {
				return
			}
			s.bucket(&out, cust, int(start[b]), int(start[b+1]), b<<shift, min((b+1)<<shift, customers))
		}
	})
	out.off[customers] = int32(n)
	return out
}

// minReturn is the fewest bytes of read-order blocks group drops before it frees
// them (four times per table, but not for less): on a table of at least returnAbove
// bytes it also returns them to the operating system.
const (
	minReturn   = 32 << 20
	returnAbove = 512 << 20
)

// alloc returns a column of n rows when the table has the column (like has), else nil.
func alloc[T any](like []T, n int) []T {
	if len(like) == 0 {
		return nil
	}
	return make([]T, n)
}

// maxBuckets bounds the buckets of the scatter.
const maxBuckets = 256

// bucketShift picks the customers per bucket (2^shift) so that a bucket holds about
// 32,768 rows.
func bucketShift(rows, customers int) int {
	perCustomer := max(1, rows/max(1, customers))
	shift := bits.Len(uint(32768/perCustomer)) - 1
	// At most maxBuckets buckets: each is a write stream of the scatter, and more
	// streams than the TLB and write buffers hold make the scatter itself random.
	if fewest := bits.Len(uint(max(0, customers-1) / maxBuckets)); shift < fewest {
		shift = fewest
	}
	return min(max(shift, 4), 24)
}

// parallel runs fn(0..workers-1) on their own goroutines and waits.
func parallel(workers int, fn func(w int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { fn(w) })
	}
	wg.Wait()
}

// scatter writes src, whose rows have the customers keys, to dst, each row at the
// cursor of its bucket, which it advances. at is restored afterwards, so that the
// next column lands at the same places. An absent column (dst empty) is skipped.
func scatter[T any](dst, src []T, keys []int32, shift int, at []int32) {
	if len(dst) == 0 {
		return
	}
	saved := slices.Clone(at)
	for i, c := range keys {
		b := c >> shift
		dst[at[b]] = src[i]
		at[b]++
	}
	copy(at, saved)
}

// sortScratch is one worker's room for sorting buckets.
type sortScratch struct {
	place []int32 // per row of the bucket: its place in the bucket, by customer
	cnt   []int32
	i64   []int64
	f64   []float64
	i32   []int32
	run   []int32
	key   []int64 // the times of a customer's rows, as byTime sorts them
}

// insertionRows is the most rows of a customer that byTime sorts by insertion; more
// are sorted by slices.SortStableFunc.
const insertionRows = 64

// bucket sorts rows lo..hi of out (the customers first..last-1, in read order) by
// customer, stably, sets their offsets, and sorts each customer's run by time.
func (s *sortScratch) bucket(out *byCustomer, cust []int32, lo, hi, first, last int) {
	m := hi - lo
	s.cnt = resize(s.cnt, last-first+1)
	clear(s.cnt)
	keys := cust[lo:hi]
	for _, c := range keys {
		s.cnt[int(c)-first+1]++
	}
	for k := 1; k < len(s.cnt); k++ {
		s.cnt[k] += s.cnt[k-1]
	}
	for c := first; c < last; c++ {
		out.off[c] = int32(lo) + s.cnt[c-first]
	}
	s.place = resize(s.place, m)
	for i, c := range keys {
		k := int(c) - first
		s.place[i] = s.cnt[k]
		s.cnt[k]++
	}
	s.move(out, lo, hi, s.place)
	for c := first; c < last; c++ {
		s.byTime(out, int(out.off[c]), int(lo)+int(s.cnt[c-first]))
	}
}

// byTime sorts the rows lo..hi of one customer by time, stably.
func (s *sortScratch) byTime(out *byCustomer, lo, hi int) {
	if hi-lo < 2 {
		return
	}
	t := out.t[lo:hi]
	less := func(a, b int) int { return cmp.Compare(t[a], t[b]) }
	sorted := true
	for i := 1; i < len(t) && sorted; i++ {
		sorted = less(i-1, i) <= 0
	}
	if sorted {
		return
	}
	s.run = resize(s.run, hi-lo)
	for i := range s.run {
		s.run[i] = int32(i)
	}
	if len(t) <= insertionRows {
		// A customer's rows are a few runs in time order (one per file or
		// partition read): an insertion sort of their times, carrying the rows
		// along, moves each row past the few before it that are later; it is
		// stable (a row moves only past strictly later ones).
		s.key = resize(s.key, len(t))
		copy(s.key, t)
		key, run := s.key, s.run
		for i := 1; i < len(key); i++ {
			k, r := key[i], run[i]
			j := i
			for ; j > 0 && key[j-1] > k; j-- {
				key[j], run[j] = key[j-1], run[j-1]
			}
			key[j], run[j] = k, r
		}
	} else {
		slices.SortStableFunc(s.run, func(a, b int32) int { return less(int(a), int(b)) })
	}
	// run[k] is the row that goes to place k; permute wants each row's place.
	s.place = resize(s.place, hi-lo)
	for k, i := range s.run {
		s.place[i] = int32(k)
	}
	s.move(out, lo, hi, s.place[:hi-lo])
}

// move moves row lo+i of every column of out to row lo+place[i].
func (s *sortScratch) move(out *byCustomer, lo, hi int, place []int32) {
	s.i64 = permute(out.t[lo:hi], place, s.i64)
	s.f64 = permute(part(out.amount, lo, hi), place, s.f64)
	s.i32 = permute(part(out.text, lo, hi), place, s.i32)
	s.f64 = permute(part(out.face, lo, hi), place, s.f64)
	s.i64 = permute(part(out.redeemed, lo, hi), place, s.i64)
	s.i64 = permute(part(out.expires, lo, hi), place, s.i64)
}

// part returns col[lo:hi], or nil for an absent column.
func part[T any](col []T, lo, hi int) []T {
	if len(col) == 0 {
		return nil
	}
	return col[lo:hi]
}

// permute moves col[i] to col[place[i]], through scratch, which it returns (grown).
func permute[T any](col []T, place []int32, scratch []T) []T {
	if len(col) == 0 {
		return scratch
	}
	scratch = resize(scratch, len(col))
	copy(scratch, col)
	for i, p := range place[:len(col)] {
		col[p] = scratch[i]
	}
	return scratch
}

// resize returns s with length n, reusing its array when large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// until returns the row range of customer c without the rows later than asOf (SPEC
// §3: they are ignored).
func (b *byCustomer) until(c int32, asOf int64) (int, int) {
	lo, hi := b.span(c)
	return lo, lo + upperBound(b.t[lo:hi], asOf)
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
