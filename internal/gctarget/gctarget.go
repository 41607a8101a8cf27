// Package gctarget sets the garbage collector's target of a run from its live heap:
// the program's own (cmd/recoverykpi) and its profiles' (bench/profile).
package gctarget

import (
	"context"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcPercent is the garbage collector's target while the live heap is small (under
// garbageBudget); above that, the budget lowers it. It was 50 while the budget did not
// exist, to keep the heap of a large run from growing to twice its columns; with the
// budget bounding that, 50 only made small runs collect twice as often: at 300,000
// customers 44 collections took 0.76 s of the run's 3.4 s of CPU, at 100 25 took
// 0.39 s, with the peak at 470–550 MiB instead of 440–480 MiB; at 3 million customers
// the peak stayed at 2.2 GiB and the run went from 20.5 to 15.6 s.
const gcPercent = 100

// garbageBudget bounds the garbage the heap may hold beyond what is live once the
// live heap is large: the target is lowered from gcPercent so that the heap grows at
// most this much past the live heap before a collection (but never below
// minGCPercent). At warehouse scale the columns are gigabytes, and half of them again
// as garbage would be most of the peak memory.
const (
	garbageBudget = 256 << 20
	minGCPercent  = 10
)

// Govern sets the collector's target from the live heap, which it reads every
// pollEvery, until ctx ends: gcPercent, lowered to keep the garbage within
// garbageBudget. While it is lowered, the memory limit is set a little above the
// heap's goal (by limitSlack), so that the runtime also returns freed pages to the
// operating system rather than keeping them until they are reused: at warehouse
// scale, buffers of the output that grow by doubling leave holes that the next
// allocations do not fit.
func Govern(ctx context.Context) {
	const pollEvery = 50 * time.Millisecond
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	current := gcPercent
	debug.SetGCPercent(current)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(sample[:1])
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		p := targetPercent(sample[0].Value.Uint64())
		if p != current {
			debug.SetGCPercent(p)
			current = p
		}
		limit := int64(math.MaxInt64)
		if p < gcPercent {
			metrics.Read(sample[1:])
			if goal := sample[1].Value; goal.Kind() == metrics.KindUint64 {
				limit = int64(goal.Uint64() + goal.Uint64()/16 + limitSlack)
			}
		}
		debug.SetMemoryLimit(limit)
	}
}

// limitSlack is the memory limit's room above the heap's goal, for the runtime's own
// memory (stacks, the collector's metadata) with the goal's sixteenth.
const limitSlack = 64 << 20

// targetPercent is the collector's target for a live heap of live bytes.
func targetPercent(live uint64) int {
	if live == 0 {
		return gcPercent
	}
	return int(max(minGCPercent, min(gcPercent, garbageBudget*100/live)))
}
