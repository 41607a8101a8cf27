package pipeline

// Pushdown: the per-customer and per-episode work done by a warehouse (package
// warehouse), its results streamed back here and added to the same accumulators as
// the in-memory engine's (accumulate), so that every number has one definition of its
// aggregation, its KPI and its place in the scorecard. What the warehouse computes is
// the part of customerResult that needs a customer's rows: for each episode its
// at-risk time, kind and reason, its recovery time, revenue windows, mitigation group
// and the first at-risk event after its recovery; the first departure or lapse of each
// reported quarter with its revenue at risk; the outreach channels of the episode of
// the scorecard's quarter; the intensive-care counts since a recovery. Outcomes,
// matured windows, re-churn cohorts, the intensive-care status and everything after
// are decided here, by the functions the in-memory engine uses.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// PushdownPlan is one quarter's computation with the per-customer work left to a
// warehouse: what the warehouse's query needs (as_of, the quarter grid, the
// parameters, each evaluation's windows, all in µs since the Unix epoch), and the
// engine that the results are added to (Add, AddOffer, AddSurvey) until Scorecard.
type PushdownPlan struct {
	AsOf    int64
	Quarter Quarter
	// Bounds are the quarter grid's boundaries: grid quarter i is
	// [Bounds[i], Bounds[i+1]). Episodes are numbered by their grid quarter.
	Bounds []int64
	// Evaluations are the scorecard's (0) and its same-age comparisons' (1: the
	// previous quarter, 2: the quarter a year before), each with its own as_of.
	Evaluations []Evaluation
	// The parameters of SPEC §4 in µs: W, L, I and R.
	RecoveryWindow, Lapse, ReviewPeriod, RevenueLookback int64
	// RowsFrom is the start of the oldest trend quarter: the offers and surveys counted
	// row by row (AddOffer, AddSurvey) are those from RowsFrom to AsOf.
	RowsFrom int64

	s      Settings
	e      *engine
	engs   []*engine
	parts  []*partial
	res    customerResult
	nexts  []int64
	closed bool
}

// Evaluation is one as_of the warehouse evaluates every customer at.
type Evaluation struct {
	AsOf int64
	// Episodes are wanted for the quarters from EpisodesFrom (a quarter start) to
	// EpisodesTo (a quarter end), of at-risk events up to AsOf.
	EpisodesFrom, EpisodesTo int64
	// ReportedFrom and ReportedTo bound the reported quarters: revenue windows,
	// mitigation groups and departures are wanted for episodes and events in
	// [ReportedFrom, ReportedTo) only.
	ReportedFrom, ReportedTo int64
	// QuarterFrom and QuarterTo are the scorecard's quarter Q, whose episode's outreach
	// channels are wanted; both 0 for a comparison.
	QuarterFrom, QuarterTo int64
}

// PlanPushdown plans the scorecard of s at as_of (µs: s.AsOf, or the default as_of
// from AsOfStats) for a warehouse holding the tables present.
func PlanPushdown(s Settings, asOf int64, present []string) (*PushdownPlan, error) {
	quarter, err := resolveQuarter(s, asOf)
	if err != nil {
		return nil, err
	}
	cal := s.Calendar
	d := newData()
	for _, t := range present {
		d.present[t] = true
	}
	// The grid starts where an episode can bear on what is reported: a recovery in the
	// oldest trend quarter (its episode at most W earlier) or within I before as_of
	// (intensive care). Earlier episodes change nothing published.
	first := cal.Shift(quarter, -(trendLen - 1))
	w := int64(s.Params.RecoveryWindowDays) * day
	from := min(first.Start.UnixMicro()-w, asOf-int64(s.Params.IntensiveCareDays)*day-w)
	if q := cal.At(time.UnixMicro(from).UTC()); q.index < first.index {
		first = q
	}
	e := newEngine(d, s, quarter, asOf, first)
	p := &PushdownPlan{
		AsOf: asOf, Quarter: quarter, Bounds: slices.Clone(e.def.quarters.bounds),
		RecoveryWindow: e.def.recoveryWindow, Lapse: e.def.lapse, ReviewPeriod: e.def.reviewPeriod,
		RevenueLookback: e.def.revenueLookback,
		RowsFrom:        e.def.quarters.bounds[e.tq0],
		s:               s, e: e,
	}
	p.engs = append([]*engine{e}, e.comparisons...)
	for i, en := range p.engs {
		b := en.def.quarters.bounds
		ev := Evaluation{
			AsOf:         en.def.asOf,
			EpisodesFrom: b[en.def.firstEpisode], EpisodesTo: b[len(b)-1],
			ReportedFrom: b[en.def.firstReported], ReportedTo: b[en.def.lastReported+1],
		}
		if en.def.kpisOnly {
			ev.EpisodesTo = ev.ReportedTo // a comparison needs no episode after its quarter (customerAt)
		}
		if i == 0 {
			ev.QuarterFrom, ev.QuarterTo = b[e.q], b[e.q+1]
		}
		p.Evaluations = append(p.Evaluations, ev)
		p.parts = append(p.parts, en.newPartial())
	}
	return p, nil
}

// CustomerRecord is what the warehouse computed for one customer with an episode in
// any evaluation.
type CustomerRecord struct {
	ID      string
	Segment string  // "" when unassigned (absent from customers, null or empty)
	Name    *string // nil when none
	// Episodes in evaluation order, then quarter order; Departures likewise.
	Episodes   []EpisodeRecord
	Departures []DepartureRecord
	// Channels are the outreach channels of the episode of the scorecard's quarter
	// (evaluation 0), each once ("" for null or empty).
	Channels []string
}

// EpisodeRecord is an episode of one evaluation: the earliest at-risk event of a grid
// quarter (ties as SPEC §4 breaks them) and what the warehouse derived from it.
type EpisodeRecord struct {
	Evaluation int
	Quarter    int // grid index
	At         int64
	Kind       int // 0 complaint, 1 departure, 2 lapse (the order of ties)
	Reason     string
	// Recovered: the first qualifying purchase in (d, min(d + W, as_of)] at
	// RecoveredAt.
	Recovered   bool
	RecoveredAt int64
	// Set for the reported quarters: the revenue windows, and the treatment: the type
	// of the earliest offer in [d, min(d + W, as_of)] ("" for null or empty; ties the
	// smaller by bytes) when OfferTreated, else Outreach when contacted in it.
	RevenueAtRisk, RecoveredRevenue float64
	OfferTreated                    bool
	OfferType                       string
	Outreach                        bool
	// For a recovered episode: the customer's first at-risk event after RecoveredAt up
	// to as_of, in episode order (HasNext false when none).
	HasNext    bool
	NextAt     int64
	NextKind   int
	NextReason string
	// For a recovered episode of evaluation 0 with RecoveredAt > as_of - I: since
	// RecoveredAt up to as_of, the qualifying purchases, the net amount of all
	// purchases and the complaints.
	PurchasesSince  int64
	NetSince        float64
	ComplaintsSince int64
}

// DepartureRecord is a customer's first departure or lapse event of a reported
// quarter, with the revenue at risk at it.
type DepartureRecord struct {
	Evaluation    int
	Quarter       int
	RevenueAtRisk float64
}

// Add adds one customer's records. Each customer is added once.
func (p *PushdownPlan) Add(rec *CustomerRecord) error {
	if p.closed {
		return fmt.Errorf("internal: pushdown: customer %s added after the scorecard", rec.ID)
	}
	d := p.e.d
	c := d.customers.id(rec.ID)
	if int(c) != len(d.segment) {
		return fmt.Errorf("warehouse: customer %s delivered twice (the rows of one customer must be adjacent)", rec.ID)
	}
	seg, name := int32(-1), int32(-1)
	if rec.Segment != "" {
		seg = d.segments.id(rec.Segment)
	}
	if rec.Name != nil {
		name = d.names.add(*rec.Name)
	}
	d.segment, d.name = append(d.segment, seg), append(d.name, name)
	for ev, en := range p.engs {
		if err := p.evaluate(en, ev, c, rec); err != nil {
			return err
		}
	}
	return nil
}

// evaluate builds customer c's result at evaluation ev from rec and adds it to the
// evaluation's partial.
func (p *PushdownPlan) evaluate(en *engine, ev int, c int32, rec *CustomerRecord) error {
	def, d, out := &en.def, en.d, &p.res
	out.episodes, out.departures, out.channels, out.underCare = out.episodes[:0], out.departures[:0], out.channels[:0], false
	p.nexts = p.nexts[:0]
	var care *EpisodeRecord
	for i := range rec.Episodes {
		r := &rec.Episodes[i]
		if r.Evaluation != ev {
			continue
		}
		if r.Quarter < 0 || r.Quarter >= len(def.quarters.quarters) || r.Kind < 0 || r.Kind >= len(kindNames) {
			return fmt.Errorf("warehouse: customer %s: an episode outside the plan (quarter %d, kind %d)", rec.ID, r.Quarter, r.Kind)
		}
		ep := episode{quarter: int32(r.Quarter), at: r.At, kind: int8(r.Kind), reason: d.reasons.id(textOr(r.Reason))}
		if r.Recovered {
			ep.recoveredAt = r.RecoveredAt
		}
		ep.outcome = def.outcome(r.Recovered, r.At)
		ep.matured = def.matured(r.At)
		if def.reported(r.Quarter) {
			ep.revenueAtRisk = r.RevenueAtRisk
			if r.Recovered {
				ep.recoveredRevenue = r.RecoveredRevenue
			}
			switch {
			case r.OfferTreated:
				ep.group = d.offerTypes.id(textOr(r.OfferType))
			case r.Outreach:
				ep.group = groupOutreach
			default:
				ep.group = groupNone
			}
		}
		next := int64(none)
		if r.HasNext {
			next = r.NextAt
		}
		out.episodes = append(out.episodes, ep)
		p.nexts = append(p.nexts, next)
		if r.Recovered && !def.kpisOnly && (care == nil || r.RecoveredAt > care.RecoveredAt) {
			care = r
		}
	}
	for _, r := range rec.Departures {
		if r.Evaluation == ev && def.reported(r.Quarter) {
			out.departures = append(out.departures, departed{r.Quarter, r.RevenueAtRisk})
		}
	}
	if len(out.episodes) == 0 && len(out.departures) == 0 {
		return nil
	}
	out.cohorts = def.cohortsOf(out.episodes, func(i int, _ int64) int64 { return p.nexts[i] }, out.cohorts[:0])
	if !def.kpisOnly {
		for _, ch := range rec.Channels {
			out.channels = append(out.channels, d.channels.id(textOr(ch)))
		}
		if care != nil && def.underCare(care.RecoveredAt) {
			var next *event
			if care.HasNext {
				next = &event{t: care.NextAt, kind: int8(care.NextKind), reason: d.reasons.id(textOr(care.NextReason))}
			}
			out.care = careRow(care.RecoveredAt, care.PurchasesSince, care.NetSince, care.ComplaintsSince, next)
			out.underCare = true
		}
	}
	if err := en.customerOverflow(c, out); err != nil {
		return err
	}
	part := p.parts[ev]
	en.grow(part)
	en.accumulate(c, out, part)
	return nil
}

// textOr returns s, or "unspecified" when it is empty (SPEC §2: "a null or empty
// reason or offer_type is unspecified"; the warehouse sends null as "").
func textOr(s string) string {
	if s == "" {
		return contract.Unspecified
	}
	return s
}

// AddOffer adds an offer issued at issued (from RowsFrom to AsOf) for the offer KPIs
// and breakdown. redeemed and expires are nil when null; offerType "" is
// unspecified.
func (p *PushdownPlan) AddOffer(issued int64, offerType string, faceValue float64, redeemed, expires *int64) {
	o := &p.e.d.offers
	o.t = append(o.t, issued)
	o.text = append(o.text, p.e.d.offerTypes.id(textOr(offerType)))
	o.face = append(o.face, faceValue)
	o.redeemed = append(o.redeemed, orNone(redeemed))
	o.expires = append(o.expires, orNone(expires))
}

// AddSurvey adds a survey response at t (from RowsFrom to AsOf) for recovery
// satisfaction.
func (p *PushdownPlan) AddSurvey(t int64, score float64, related bool) {
	s := &p.e.d.surveys
	s.t = append(s.t, t)
	s.score = append(s.score, score)
	s.related = append(s.related, related)
}

func orNone(t *int64) int64 {
	if t == nil {
		return none
	}
	return *t
}

// Scorecard returns the scorecard from everything added: the row-by-row KPIs and the
// assembly are the in-memory engine's.
func (p *PushdownPlan) Scorecard(ctx context.Context) (*Scorecard, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.closed = true
	totals := make([]*partial, len(p.engs))
	for i, en := range p.engs {
		total := p.parts[i]
		en.grow(total)
		total.merge(en.rowKPIs())
		if err := en.mergedOverflow(total); err != nil {
			return nil, err
		}
		totals[i] = total
	}
	e := p.e
	sc := e.scorecard(p.s, p.Quarter, time.UnixMicro(p.AsOf).UTC(), totals)
	if err := e.reasonsOverflow(sc.Reasons); err != nil {
		return nil, err
	}
	if err := changesOverflow(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// grow extends p's accumulators indexed by a dictionary id to the dictionaries' sizes:
// the warehouse's strings arrive with the customers.
func (e *engine) grow(p *partial) {
	if e.def.kpisOnly {
		return
	}
	d := e.d
	for k := range p.trendReasons {
		p.trendReasons[k] = extend(p.trendReasons[k], d.reasons.len())
	}
	p.reasons = extend(p.reasons, d.reasons.len())
	p.segments = extend(p.segments, d.segments.len()+1)
	p.mitigation = extend(p.mitigation, d.offerTypes.len()+2)
	p.channels = extend(p.channels, d.channels.len())
	p.offers = extend(p.offers, d.offerTypes.len())
}

// extend returns s with zero values appended up to length n.
func extend[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}
