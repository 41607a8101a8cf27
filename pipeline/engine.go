// Package pipeline computes the quarterly recovery scorecard of SPEC §3–5 from an
// extract set: quarters and time, at-risk events, episodes and outcomes, the KPIs,
// breakdowns, trend and worklists, and the statuses and benchmarks.
//
// The engine is columnar: tables arrive as Arrow batches and are kept as typed
// columns with a dense customer index; each customer's rows are grouped and sorted
// once, and the per-customer work runs over fixed-size chunks of customers on all
// cores. Partial sums are merged in chunk order, so the results do not depend on the
// number of cores.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"
)

// ErrNoData marks an extract set that holds nothing to compute from (exit status 3).
var ErrNoData = errors.New("unusable extract")

// Settings are the inputs of a computation besides the extract set.
type Settings struct {
	Company, Industry, Currency string
	Calendar                    Calendar
	Params                      Params
	Benchmarks                  Benchmarks
	AsOf                        *time.Time // nil: the latest instant in the data (SPEC §3)
	Quarter                     string     // "": the default quarter of SPEC §3
	Workers                     int        // 0: GOMAXPROCS; never changes the result
}

const (
	day        = int64(86400) * 1e6 // µs
	chunkSize  = 8192               // customers per unit of parallel work; fixed so sums merge alike everywhere
	trendLen   = 8
	kindCompl  = 0
	kindDepart = 1
	kindLapse  = 2
)

var kindNames = [...]string{"complaint", "departure", "lapse"}

// engine holds the prepared columns and parameters of one computation.
type engine struct {
	d          *data
	asOf       int64
	w, l, i, r int64 // windows in µs
	grid       quarterGrid
	tq0        int // grid index of the oldest trend quarter
	q          int // grid index of the quarter
	satMin     float64

	purchases, complaints, departures, outreach, offers byCustomer
	reasonRank, typeRank                                []int32
	lapsed                                              int32
}

// Data is an extract set loaded into columns, ready to compute any quarter from.
type Data struct{ d *data }

// Load reads every present table of the extract set into memory.
func Load(ctx context.Context, ex Extract) (*Data, error) {
	d, err := ingest(ctx, ex)
	if err != nil {
		return nil, err
	}
	return &Data{d}, nil
}

// Compute reads the extract set and returns the scorecard of the quarter.
func Compute(ctx context.Context, ex Extract, s Settings) (*Scorecard, error) {
	d, err := Load(ctx, ex)
	if err != nil {
		return nil, err
	}
	return d.Scorecard(ctx, s)
}

// Scorecard computes the scorecard of one quarter. Data is not changed, so several
// quarters can be computed from one load.
func (data *Data) Scorecard(ctx context.Context, s Settings) (*Scorecard, error) {
	e, quarter, asOfTime, err := data.prepare(s)
	if err != nil {
		return nil, err
	}
	total, err := e.run(ctx, e.d.customers.len(), s.Workers)
	if err != nil {
		return nil, err
	}
	return e.scorecard(s, quarter, asOfTime, total), nil
}

// prepare sets up the engine of one quarter: as_of, the quarter, the windows and the
// quarter grid.
func (data *Data) prepare(s Settings) (*engine, Quarter, time.Time, error) {
	d := data.d // read only: the engine never edits the loaded columns
	var asOf int64
	switch {
	case s.AsOf != nil:
		asOf = s.AsOf.UnixMicro()
	case d.maxT != math.MinInt64:
		asOf = d.maxT
	default:
		return nil, Quarter{}, time.Time{}, fmt.Errorf("%w: no timestamps in the extract set to take as_of from; give --as-of", ErrNoData)
	}
	cal := s.Calendar
	asOfTime := time.UnixMicro(asOf).UTC()
	var quarter Quarter
	if s.Quarter != "" {
		var err error
		if quarter, err = cal.Quarter(s.Quarter); err != nil {
			return nil, Quarter{}, time.Time{}, err
		}
	} else {
		quarter = cal.Default(asOfTime)
	}
	p := s.Params
	e := &engine{
		d: d, asOf: asOf,
		w: int64(p.RecoveryWindowDays) * day, l: int64(p.LapseDays) * day,
		i: int64(p.IntensiveCareDays) * day, r: int64(p.RevenueLookbackDays) * day,
		satMin: p.SatisfiedMinScore,
	}
	e.lapsed, _ = d.reasons.t.Lookup("lapsed")
	e.reasonRank = d.reasons.ranks()
	e.typeRank = d.offerTypes.ranks()

	g := &d.byCust
	e.purchases, e.complaints, e.departures, e.outreach, e.offers = g.purchases, g.complaints, g.departures, g.outreach, g.offers

	first := cal.Shift(quarter, -(trendLen - 1))
	if t := minTime(asOf, &g.purchases, &g.complaints, &g.departures); t != none {
		if q := cal.At(time.UnixMicro(t)); q.index < first.index {
			first = q
		}
	}
	last := cal.At(asOfTime)
	if quarter.index > last.index {
		last = quarter
	}
	e.grid = newGrid(cal, first, last)
	e.q = quarter.index - first.index
	e.tq0 = e.q - (trendLen - 1)
	return e, quarter, asOfTime, nil
}

// minTime returns the earliest time up to asOf in the grouped tables: a customer's
// first row is its earliest.
func minTime(asOf int64, bs ...*byCustomer) int64 {
	m := int64(none)
	for _, b := range bs {
		for c := range len(b.off) - 1 {
			if lo, hi := b.off[c], b.off[c+1]; lo < hi && b.t[lo] <= asOf {
				m = min(m, b.t[lo])
			}
		}
	}
	return m
}

// run processes the customers in chunks on the workers and merges the partial
// results in chunk order.
func (e *engine) run(ctx context.Context, customers, workers int) (*partial, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := (customers + chunkSize - 1) / chunkSize
	parts := make([]*partial, chunks)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(chunks, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc scratch
			for k := range next {
				p := e.newPartial()
				lo, hi := k*chunkSize, min((k+1)*chunkSize, customers)
				for c := lo; c < hi; c++ {
					e.customer(int32(c), &sc, p)
				}
				parts[k] = p
			}
		}()
	}
	var err error
feed:
	for k := range chunks {
		select {
		case next <- k:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	total := e.newPartial()
	for _, p := range parts {
		total.merge(p)
	}
	e.rowKPIs(total)
	return total, nil
}

// event is one at-risk event of a customer.
type event struct {
	t      int64
	kind   int8
	reason int32
}

// scratch holds a worker's reusable per-customer buffers.
type scratch struct {
	q      []int64 // qualifying purchase times
	events []event
	evT    []int64 // event times, for binary search
	rs     []int64 // recovery times of the customer's episodes, in episode order
}

// customer computes the episodes and everything derived from them for customer c.
func (e *engine) customer(c int32, sc *scratch, p *partial) {
	plo, phi := e.purchases.until(c, e.asOf)
	pt, pa := e.purchases.t[plo:phi], e.purchases.amount[plo:phi]
	sc.q = sc.q[:0]
	for i, t := range pt {
		if pa[i] > 0 {
			sc.q = append(sc.q, t)
		}
	}
	sc.events = sc.events[:0]
	clo, chi := e.complaints.until(c, e.asOf)
	for k := clo; k < chi; k++ {
		sc.events = append(sc.events, event{e.complaints.t[k], kindCompl, e.complaints.text[k]})
	}
	dlo, dhi := e.departures.until(c, e.asOf)
	for k := dlo; k < dhi; k++ {
		sc.events = append(sc.events, event{e.departures.t[k], kindDepart, e.departures.text[k]})
	}
	for i, t := range sc.q {
		if i+1 < len(sc.q) && sc.q[i+1] <= t+e.l {
			continue
		}
		if lt := t + e.l; lt <= e.asOf {
			sc.events = append(sc.events, event{lt, kindLapse, e.lapsed})
		}
	}
	if len(sc.events) == 0 {
		return
	}
	slices.SortFunc(sc.events, func(a, b event) int {
		switch {
		case a.t != b.t:
			return cmp.Compare(a.t, b.t)
		case a.kind != b.kind:
			return int(a.kind) - int(b.kind)
		}
		return int(e.reasonRank[a.reason]) - int(e.reasonRank[b.reason])
	})
	sc.evT = sc.evT[:0]
	for _, ev := range sc.events {
		sc.evT = append(sc.evT, ev.t)
	}

	sc.rs = sc.rs[:0]
	lastQ, lastDepQ := -1, -1
	for _, ev := range sc.events {
		qi := e.grid.find(ev.t)
		k := qi - e.tq0
		inTrend := k >= 0 && k < trendLen
		if ev.kind != kindCompl && qi != lastDepQ {
			lastDepQ = qi
			if inTrend {
				p.trend[k].departed++
				p.trend[k].departedRevenue += sumRange(pa, lowerBound(pt, ev.t-e.r), lowerBound(pt, ev.t))
			}
		}
		if qi == lastQ {
			continue
		}
		lastQ = qi
		d := ev.t
		hi := min(d+e.w, e.asOf)
		j := upperBound(sc.q, d)
		recovered := j < len(sc.q) && sc.q[j] <= hi
		if recovered {
			sc.rs = append(sc.rs, sc.q[j])
		}
		if !inTrend {
			continue
		}
		rar := sumRange(pa, lowerBound(pt, d-e.r), lowerBound(pt, d))
		outcome := outcomeOf(recovered, d+e.w <= e.asOf)
		group := e.mitigation(c, d, hi)
		a := &p.trend[k]
		a.atRisk++
		a.revenueAtRisk += rar
		treated := group != groupNone
		if treated {
			a.treated++
		} else {
			a.untreated++
		}
		switch outcome {
		case outcomeRecovered:
			a.recovered++
			a.recoveredRevenue += sumRange(pa, upperBound(pt, d), upperBound(pt, hi))
			if treated {
				a.treatedRecovered++
			} else {
				a.untreatedRecovered++
			}
		case outcomeLost:
			a.lost++
			a.lostRevenue += rar
		default:
			a.pending++
		}
		if qi != e.q {
			continue
		}
		p.reasons[ev.reason].add(outcome, rar)
		p.segments[e.segmentOf(c)+1].add(outcome, rar)
		m := &p.mitigation[group+2]
		m.atRisk++
		if recovered {
			m.recovered++
		}
		if !recovered {
			p.winback = append(p.winback, winback{c, d, ev.kind, ev.reason, rar, outcome, treated})
		}
	}
	e.rechurn(sc, p)
	e.intensiveCare(c, sc, p, pt, pa)
}

// rechurn adds the customer to the re-churn cohort of each trend quarter holding one of
// its recovery times (the earliest one in that quarter).
func (e *engine) rechurn(sc *scratch, p *partial) {
	lastQ := -1
	for _, r := range sc.rs {
		qi := e.grid.find(r)
		if qi == lastQ {
			continue // recovery times are non-decreasing: the first in a quarter is its earliest
		}
		lastQ = qi
		k := qi - e.tq0
		if k < 0 || k >= trendLen {
			continue
		}
		a := &p.trend[k]
		a.cohort++
		j := upperBound(sc.evT, r)
		if j < len(sc.evT) && sc.evT[j] <= min(r+e.i, e.asOf) {
			a.rechurned++
		} else if r+e.i > e.asOf {
			a.cohortPending++
		}
	}
}

// intensiveCare lists the customer when its latest recovery is within I of as_of.
func (e *engine) intensiveCare(c int32, sc *scratch, p *partial, pt []int64, pa []float64) {
	if len(sc.rs) == 0 {
		return
	}
	r := slices.Max(sc.rs)
	if r <= e.asOf-e.i || r > e.asOf {
		return
	}
	row := care{c: c, r: r}
	row.purchases = int64(len(sc.q) - upperBound(sc.q, r))
	row.net = sumRange(pa, upperBound(pt, r), len(pt))
	clo, chi := e.complaints.until(c, e.asOf)
	ct := e.complaints.t[clo:chi]
	row.complaints = int64(len(ct) - upperBound(ct, r))
	row.rechurned = upperBound(sc.evT, r) < len(sc.evT)
	p.care = append(p.care, row)
}

// Mitigation group codes: offer types are their ids (>= 0).
const (
	groupNone     = -2
	groupOutreach = -1
)

// mitigation returns the mitigation group of an episode at d with window end hi: the
// type of the earliest offer issued in [d, hi] (smallest type on ties), else outreach
// only when contacted in [d, hi], else none.
func (e *engine) mitigation(c int32, d, hi int64) int32 {
	olo, ohi := e.offers.span(c)
	ot := e.offers.t[olo:ohi]
	if j := lowerBound(ot, d); j < len(ot) && ot[j] <= hi {
		return e.offers.text[olo+j]
	}
	rlo, rhi := e.outreach.span(c)
	rt := e.outreach.t[rlo:rhi]
	if j := lowerBound(rt, d); j < len(rt) && rt[j] <= hi {
		return groupOutreach
	}
	return groupNone
}

func (e *engine) segmentOf(c int32) int32 {
	if int(c) < len(e.d.segment) {
		return e.d.segment[c]
	}
	return -1
}

// sumRange sums amounts[lo:hi] in time order.
func sumRange(amounts []float64, lo, hi int) float64 {
	s := 0.0
	for _, a := range amounts[lo:hi] {
		s += a
	}
	return s
}

const (
	outcomeRecovered = iota
	outcomeLost
	outcomePending
)

var outcomeNames = [...]string{"recovered", "lost", "pending"}

func outcomeOf(recovered, matured bool) int8 {
	switch {
	case recovered:
		return outcomeRecovered
	case matured:
		return outcomeLost
	}
	return outcomePending
}
