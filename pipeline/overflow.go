package pipeline

import (
	"fmt"
	"math"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Sums that leave the range of a double. Every amount and face value the engine adds
// is finite (SPEC §2 rule 3 sets the others aside), but a sum of finite doubles can
// still overflow to ±Inf (two purchases of 1.7e308), and no output can show it. Such a
// sum is an error wrapping ErrOverflow (exit status 3, not retried) that names the
// table, the column and the sum; nothing is published but the quarantine. Each sum is
// checked once, when it is formed, never at each addition: per customer after its
// result is computed (customerOverflow), per quarter and breakdown after the chunks
// are merged (mergedOverflow), and the reasons' total and the QoQ and YoY changes once
// the scorecard is assembled (reasonsOverflow, changesOverflow).

// finite reports whether x is neither infinite nor NaN.
func finite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

// customerOverflow returns an error wrapping ErrOverflow when one of the sums of
// purchase amounts in customer c's result is not finite: the revenue at risk or the
// recovered revenue of an episode, the revenue at risk at a departure, the net amount
// since recovery on the intensive-care list.
func (e *engine) customerOverflow(c int32, res *customerResult) error {
	for i := range res.episodes {
		ep := &res.episodes[i]
		if !finite(ep.revenueAtRisk) {
			return e.customerOverflowError(c, "the revenue at risk of its episode at "+instant(ep.at), ep.revenueAtRisk)
		}
		if !finite(ep.recoveredRevenue) {
			return e.customerOverflowError(c, "the recovered revenue of its episode at "+instant(ep.at), ep.recoveredRevenue)
		}
	}
	for _, dep := range res.departures {
		if !finite(dep.revenueAtRisk) {
			return e.customerOverflowError(c, "the revenue at risk at its first departure or lapse in "+e.def.quarters.quarters[dep.quarter].Label, dep.revenueAtRisk)
		}
	}
	if res.underCare && !finite(res.care.net) {
		return e.customerOverflowError(c, "the net amount since its recovery at "+instant(res.care.r), res.care.net)
	}
	return nil
}

func (e *engine) customerOverflowError(c int32, what string, v float64) error {
	return fmt.Errorf("%w: %s.%s: customer %s: %s sums to %v, out of the range of a double; check this customer's amounts",
		ErrOverflow, contract.Purchases, contract.Amount, e.d.customers.value(c), what, v)
}

// instant formats a time in µs as the JSON does: RFC 3339 in UTC.
func instant(t int64) string { return time.UnixMicro(t).UTC().Format(time.RFC3339Nano) }

// nonFinite returns whichever of a and b is not finite (a when both are finite).
func nonFinite(a, b float64) float64 {
	if finite(a) {
		return b
	}
	return a
}

// mergedOverflow returns an error wrapping ErrOverflow when a sum over customers or
// offers in the merged partial is not finite: a money KPI of a trend quarter, the
// revenue of a reason or segment, the face values of an offer type. Each customer's
// own sums were finite (customerOverflow), so it is the sum over them that overflows.
func (e *engine) mergedOverflow(p *partial) error {
	for k := range e.def.lastReported - e.def.firstReported + 1 {
		a := &p.trend[k]
		label := e.def.quarters.quarters[e.tq0+k].Label
		for _, s := range []struct {
			what string
			v    float64
		}{{"revenue at risk", a.revenueAtRisk}, {"recovered revenue", a.recoveredRevenue}, {"lost revenue", a.lostRevenue},
			{"retained revenue", a.retainedRevenue}, {"pending revenue", a.pendingRevenue}, {"departed revenue", a.departedRevenue}} {
			if !finite(s.v) {
				return mergedOverflowError(contract.Purchases, contract.Amount, fmt.Sprintf("the %s of %s", s.what, label), s.v)
			}
		}
	}
	label := e.def.quarters.quarters[e.q].Label
	for id := range p.reasons {
		if g := &p.reasons[id]; !finite(g.revenueAtRisk) || !finite(g.lostRevenue) {
			return mergedOverflowError(contract.Purchases, contract.Amount, fmt.Sprintf("the revenue of reason %q in %s", e.d.reasons.value(int32(id)), label), nonFinite(g.revenueAtRisk, g.lostRevenue))
		}
	}
	for id := range p.segments {
		if g := &p.segments[id]; !finite(g.revenueAtRisk) || !finite(g.lostRevenue) {
			return mergedOverflowError(contract.Purchases, contract.Amount, fmt.Sprintf("the revenue of segment %q in %s", e.segmentSlotName(id), label), nonFinite(g.revenueAtRisk, g.lostRevenue))
		}
	}
	for g := range p.mitigation {
		if m := &p.mitigation[g]; !finite(m.recoveredRevenue) {
			return mergedOverflowError(contract.Purchases, contract.Amount, "the recovered revenue of a mitigation group in "+label, m.recoveredRevenue)
		}
	}
	for id := range p.offers {
		if o := &p.offers[id]; !finite(o.faceIssued) || !finite(o.faceRedeemed) {
			return mergedOverflowError(contract.Offers, contract.FaceValue, fmt.Sprintf("the face value of offer type %q in %s", e.d.offerTypes.value(int32(id)), label), nonFinite(o.faceIssued, o.faceRedeemed))
		}
	}
	return nil
}

// changesOverflow returns an error wrapping ErrOverflow when the QoQ or YoY change of
// a KPI of the scorecard's quarter (its value less that of the same-age comparison,
// as the workbook shows it) is not finite: two finite money sums of opposite signs
// near the range of a double.
func changesOverflow(sc *Scorecard) error {
	for _, than := range []*Comparison{&sc.Comparisons.PreviousQuarter, &sc.Comparisons.YearAgo} {
		for _, k := range sc.KPIs {
			old := FindKPI(than.KPIs, k.ID)
			if k.Value == nil || old == nil || old.Value == nil {
				continue
			}
			if v := *k.Value - *old.Value; !finite(v) {
				return mergedOverflowError(contract.Purchases, contract.Amount, fmt.Sprintf("the change of %s from %s to %s", k.ID,
					than.Quarter.Label, sc.Quarter.Label), v)
			}
		}
	}
	return nil
}

// reasonsOverflow returns an error wrapping ErrOverflow when the total revenue at
// risk over the reasons breakdown (the denominator of its cumulative share) is not
// finite.
func (e *engine) reasonsOverflow(rows []BreakdownRow) error {
	total := 0.0
	for _, r := range rows {
		total += r.RevenueAtRisk
	}
	if !finite(total) {
		return mergedOverflowError(contract.Purchases, contract.Amount, "the revenue at risk of "+e.def.quarters.quarters[e.q].Label+" over its reasons", total)
	}
	return nil
}

func mergedOverflowError(table, column, what string, v float64) error {
	return fmt.Errorf("%w: %s.%s: %s sums to %v, out of the range of a double; check the largest values of %s.%s",
		ErrOverflow, table, column, what, v, table, column)
}
