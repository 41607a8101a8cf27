// Package pipeline computes the quarterly recovery scorecard of SPEC §3–5 from an
// extract set. The rooms, in the order data flows through them:
//
//   - ingest.go reads each table's Arrow batches into typed columns with a dense
//     customer index; group_by_customer.go groups each table's rows by customer and
//     sorts them by time (a radix sort).
//   - customer.go is the per-customer function: from one customer's rows to its
//     at-risk events, episodes and everything SPEC §4 derives from them. Each
//     definition is one function whose comment quotes the SPEC sentence it implements:
//     episodes.go (at-risk events, lapses, the episode of a quarter), outcomes.go
//     (recovered, lost, pending), revenue.go (the revenue windows), treatment.go (the
//     mitigation group), departures.go, rechurn.go, worklists.go (win-back list and
//     intensive care). surveys_offers.go holds the KPIs counted row by row.
//   - driver.go runs the per-customer function over chunks of customers on all cores;
//     aggregate.go holds the accumulators the driver adds each customer to, and merges
//     them (in chunk order, so results do not depend on the number of cores).
//   - kpis.go is the KPI catalogue: each KPI's text beside the function that computes
//     its value from a quarter's merged aggregates.
//   - assemble.go builds the published Scorecard (scorecard.go) from the merged
//     aggregates: trend, breakdowns and worklists; quarter.go is the fiscal calendar;
//     benchmarks.go the targets, bands and industry figures of SPEC §5.
//
// This file holds the entry points: Load, Compute and Data.Scorecard.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	day      = int64(86400) * 1e6 // µs: SPEC §3, "A day is exactly 86,400 s."
	trendLen = 8                  // quarters of the trend, ending with the scorecard's
)

// engine is one quarter's computation: the loaded columns, the definitions in force
// and where the reported quarters sit in the quarter grid.
type engine struct {
	d   *data
	def definitions
	tq0 int // grid index of the oldest trend quarter
	q   int // grid index of the scorecard's quarter (tq0 + trendLen - 1)

	satisfiedMinScore float64
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

// prepare sets up the engine of one quarter: as_of, the quarter, the definitions and
// the quarter grid.
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

	g := &d.byCust
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
	e := &engine{d: d, satisfiedMinScore: s.Params.SatisfiedMinScore}
	e.q = quarter.index - first.index
	e.tq0 = e.q - (trendLen - 1)
	e.def = newDefinitions(s.Params, asOf, d, newGrid(cal, first, last), e.tq0, e.q)
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
