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
	"fmt"
	"math"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Settings are the inputs of a computation besides the extract set.
type Settings struct {
	Company, Industry, Currency string
	Calendar                    Calendar
	Params                      Params
	Benchmarks                  Benchmarks
	AsOf                        *time.Time // nil: the latest instant in the data (SPEC §3)
	Quarter                     string     // "": the default quarter of SPEC §3
	// AllowOpen lets Quarter name a quarter that has not ended by as_of (SPEC §7,
	// --allow-open); every KPI of it is then provisional.
	AllowOpen bool
	Workers   int // 0: GOMAXPROCS; never changes the result
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

	// comparisons are the same-age evaluations of the previous quarter and the quarter
	// a year before (SPEC §4): each an engine of its own as_of reporting that quarter's
	// KPIs alone, run in the same pass (driver.go).
	comparisons []*engine
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
	totals, err := e.run(ctx, e.d.customers.len(), s.Workers)
	if err != nil {
		return nil, err
	}
	sc := e.scorecard(s, quarter, asOfTime, totals)
	if err := e.reasonsOverflow(sc.Reasons); err != nil {
		return nil, err
	}
	if err := changesOverflow(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// prepare sets up the engine of one quarter: as_of, the quarter, the definitions and
// the quarter grid.
func (data *Data) prepare(s Settings) (*engine, Quarter, time.Time, error) {
	d := data.d // read only: the engine never edits the loaded columns
	var asOf int64
	if s.AsOf != nil {
		asOf = s.AsOf.UnixMicro()
	} else {
		var err error
		if asOf, err = d.defaultAsOf(); err != nil {
			return nil, Quarter{}, time.Time{}, err
		}
	}
	quarter, err := resolveQuarter(s, asOf)
	if err != nil {
		return nil, Quarter{}, time.Time{}, err
	}
	g := &d.byCust
	first := s.Calendar.Shift(quarter, -(trendLen - 1))
	if t := minTime(asOf, &g.purchases, &g.complaints, &g.departures); t != none {
		if q := s.Calendar.At(time.UnixMicro(t)); q.index < first.index {
			first = q
		}
	}
	return newEngine(d, s, quarter, asOf, first), quarter, time.UnixMicro(asOf).UTC(), nil
}

// resolveQuarter returns the quarter of s at as_of (SPEC §3: the given one, else
// "the latest quarter whose end is at or before as_of"), refusing one that has not
// ended by as_of unless s.AllowOpen.
func resolveQuarter(s Settings, asOf int64) (Quarter, error) {
	cal := s.Calendar
	var quarter Quarter
	if s.Quarter != "" {
		var err error
		if quarter, err = cal.Quarter(s.Quarter); err != nil {
			return Quarter{}, err
		}
	} else {
		quarter = cal.Default(time.UnixMicro(asOf).UTC())
	}
	if end := quarter.End.UnixMicro(); end > asOf && !s.AllowOpen {
		return Quarter{}, fmt.Errorf("%w: quarter %s has not ended by as_of %s: it ends %s, so its outcomes are still open; "+
			"publish it as provisional with --allow-open, or give a later --as-of",
			ErrOpenQuarter, quarter.Label, instant(asOf), instant(end))
	}
	return quarter, nil
}

// newEngine returns the engine of quarter at as_of over d, with its same-age
// comparisons, on a quarter grid from first to the quarter holding as_of (or the
// quarter, when later).
func newEngine(d *data, s Settings, quarter Quarter, asOf int64, first Quarter) *engine {
	cal := s.Calendar
	last := cal.At(time.UnixMicro(asOf).UTC())
	if quarter.index > last.index {
		last = quarter
	}
	e := &engine{d: d, satisfiedMinScore: s.Params.SatisfiedMinScore}
	e.q = quarter.index - first.index
	e.tq0 = e.q - (trendLen - 1)
	grid := newGrid(cal, first, last)
	e.def = newDefinitions(s.Params, asOf, d, grid, e.tq0, e.q)
	// SPEC §4: "The quarter-on-quarter comparison is the previous quarter P computed
	// with as_of_P = end(P) + age; the year-on-year comparison is the quarter four
	// before, Y, computed with as_of_Y = end(Y) + age." Both are in the trend, so in
	// the grid.
	age := asOf - quarter.End.UnixMicro()
	for _, back := range []int{1, 4} {
		p := e.q - back
		c := &engine{d: d, satisfiedMinScore: s.Params.SatisfiedMinScore, tq0: p, q: p}
		c.def = newDefinitions(s.Params, grid.quarters[p].End.UnixMicro()+age, d, grid, p, p)
		c.def.kpisOnly = true
		c.def.firstEpisode = max(0, grid.find(grid.quarters[p].Start.UnixMicro()-c.def.recoveryWindow))
		e.comparisons = append(e.comparisons, c)
	}
	return e
}

// AsOfWindowDays is the window, in days up to the default as_of, that must hold more
// than a stray few of the purchases (defaultAsOf).
const AsOfWindowDays = 366

// defaultAsOf returns the default as_of of SPEC §3: "the latest instant in any
// timestamp column of any table except expires_at, over the rows not set aside". One
// stray timestamp (2199 typed for 2019) would move it, and with it the quarter
// published, so it is refused, with an error wrapping ErrImplausibleAsOf that names
// the column and the value, when at most one purchase, or at most 1% of the
// purchases, have purchased_at in the AsOfWindowDays up to it (its last 366 days,
// both ends included). An extract of live data has a good share of its purchases in
// its last year; a stray timestamp has almost none. A given as_of is always accepted;
// without purchases, or with all of them in the window, nothing is refused.
func (d *data) defaultAsOf() (int64, error) {
	if d.maxT == math.MinInt64 {
		return 0, fmt.Errorf("%w: no timestamps in the extract set to take as_of from; give --as-of", ErrNoData)
	}
	times := d.byCust.purchases.t
	st := AsOfStats{Latest: d.maxT, Table: d.maxTable, Column: d.maxColumn, Purchases: int64(len(times)), Before: math.MinInt64}
	// One pass that counts: no copy and no sort.
	limit := d.maxT - AsOfWindowDays*day
	for _, t := range times {
		if t >= limit {
			st.Recent++
		} else {
			st.Before = max(st.Before, t)
		}
	}
	return st.AsOf()
}

// AsOfStats are what the default as_of is decided from (defaultAsOf): the latest
// instant of the as_of columns over the rows not set aside, the column holding it,
// and the purchases (all of them, those in the AsOfWindowDays up to it, and the
// latest before them, math.MinInt64 when none).
type AsOfStats struct {
	Latest        int64 // µs; math.MinInt64 when no timestamp
	Table, Column string
	Purchases     int64
	Recent        int64 // purchased_at >= Latest - AsOfWindowDays days
	Before        int64 // the latest purchased_at before that window
}

// AsOf returns the default as_of of SPEC §3 from st, or the error of defaultAsOf.
func (st AsOfStats) AsOf() (int64, error) {
	if st.Latest == math.MinInt64 {
		return 0, fmt.Errorf("%w: no timestamps in the extract set to take as_of from; give --as-of", ErrNoData)
	}
	n, recent := st.Purchases, st.Recent
	if n == 0 || recent > max(1, n/100) || recent == n {
		return st.Latest, nil
	}
	return 0, fmt.Errorf("%w: the latest instant in the data, %s in %s.%s, would be the default as_of, "+
		"but only %d of the %d purchases fall in the %d days up to it (%s.%s; the latest before them is %s): "+
		"most likely a mistyped timestamp; correct it, or give --as-of (or as_of in the config) to say which moment the data describes",
		ErrImplausibleAsOf, instant(st.Latest), st.Table, st.Column, recent, n, AsOfWindowDays,
		contract.Purchases, contract.PurchasedAt, instant(st.Before))
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
