package pipeline

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// scorecard assembles the published scorecard from the merged aggregates: the KPIs of
// every trend quarter, the breakdowns of the quarter (SPEC §4, "Breakdowns") and the
// worklists.
func (e *engine) scorecard(s Settings, quarter Quarter, asOf time.Time, p *partial) *Scorecard {
	sc := &Scorecard{
		Company: s.Company, Industry: s.Industry, Currency: s.Currency,
		Quarter: quarter, AsOf: asOf, Params: s.Params, Benchmarks: s.Benchmarks,
	}
	has := present{offers: e.d.present[contract.Offers], surveys: e.d.present[contract.Surveys]}
	for k := range trendLen {
		sc.Trend = append(sc.Trend, TrendPoint{Quarter: e.def.quarters.quarters[e.tq0+k], KPIs: quarterKPIs(&p.trend[k], has, s)})
	}
	sc.KPIs = sc.Trend[trendLen-1].KPIs
	sc.Reasons = e.reasonRows(p.reasons)
	sc.Segments = e.segmentRows(p.segments)
	sc.Mitigation = e.mitigationRows(p.mitigation)
	sc.Offers = e.offerRows(p.offers)
	sc.Winback = e.winbackRows(p.winback, s.Params.WorklistSize)
	sc.IntensiveCare = e.careRows(p.care)
	return sc
}

// reasonRows returns the reasons breakdown. SPEC §4: "episodes grouped by reason, with
// at_risk, recovered, lost, pending, recovery_rate, revenue_at_risk, lost_revenue and
// the cumulative share of revenue at risk; ordered by revenue_at_risk descending, then
// at_risk descending, then reason."
func (e *engine) reasonRows(accs []groupAcc) []BreakdownRow {
	var rows []BreakdownRow
	for id, g := range accs {
		if g.atRisk > 0 {
			rows = append(rows, breakdown(e.d.reasons.value(int32(id)), &g))
		}
	}
	slices.SortFunc(rows, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(b.RevenueAtRisk, a.RevenueAtRisk), cmp.Compare(b.AtRisk, a.AtRisk), strings.Compare(a.Name, b.Name))
	})
	total := 0.0
	for _, r := range rows {
		total += r.RevenueAtRisk
	}
	cum := 0.0
	for i := range rows {
		cum += rows[i].RevenueAtRisk
		if total != 0 {
			rows[i].CumulativeRevenueShare = ptr(cum / total * 100)
		}
	}
	return rows
}

// segmentRows returns the segments breakdown. SPEC §4: "the same fields grouped by the
// customer's segment (customers absent from customers are unassigned), ordered by
// segment."
func (e *engine) segmentRows(accs []groupAcc) []BreakdownRow {
	var rows []BreakdownRow
	for id, g := range accs {
		if g.atRisk == 0 {
			continue
		}
		name := contract.Unassigned
		if id > 0 {
			name = e.d.segments.value(int32(id - 1))
		}
		rows = append(rows, breakdown(name, &g))
	}
	slices.SortFunc(rows, func(a, b BreakdownRow) int { return strings.Compare(a.Name, b.Name) })
	return rows
}

// mitigationRows returns the mitigation breakdown. SPEC §4: "at_risk, recovered,
// recovery_rate per mitigation group", ordered by group.
func (e *engine) mitigationRows(accs []mitigationAcc) []MitigationRow {
	var rows []MitigationRow
	for g, m := range accs {
		if m.atRisk == 0 {
			continue
		}
		name := "none"
		switch {
		case g == groupOutreach+2:
			name = "outreach only"
		case g >= 2:
			name = "offer:" + e.d.offerTypes.value(int32(g-2))
		}
		rows = append(rows, MitigationRow{name, m.atRisk, m.recovered, pct(m.recovered, m.atRisk)})
	}
	slices.SortFunc(rows, func(a, b MitigationRow) int { return strings.Compare(a.Group, b.Group) })
	return rows
}

// offerRows returns the offers breakdown. SPEC §4: "per offer_type: issued, redeemed,
// expired, open, consumption and breakage rates, face value issued and face value
// redeemed", ordered by offer_type.
func (e *engine) offerRows(accs []offerAcc) []OfferRow {
	var rows []OfferRow
	for id, o := range accs {
		if o.issued == 0 {
			continue
		}
		rows = append(rows, OfferRow{
			OfferType: e.d.offerTypes.value(int32(id)), Issued: o.issued, Redeemed: o.redeemed, Expired: o.expired,
			Open: o.issued - o.redeemed - o.expired, ConsumptionRate: pct(o.redeemed, o.issued),
			BreakageRate: pct(o.expired, o.issued), FaceValueIssued: o.faceIssued, FaceValueRedeemed: o.faceRedeemed,
		})
	}
	slices.SortFunc(rows, func(a, b OfferRow) int { return strings.Compare(a.OfferType, b.OfferType) })
	return rows
}

func breakdown(name string, g *groupAcc) BreakdownRow {
	return BreakdownRow{
		Name: name, AtRisk: g.atRisk, Recovered: g.recovered, Lost: g.lost, Pending: g.pending,
		RecoveryRate: pct(g.recovered, g.atRisk), RevenueAtRisk: g.revenueAtRisk, LostRevenue: g.lostRevenue,
	}
}

// nameOf returns customer c's name, nil when it has none.
func (e *engine) nameOf(c int32) *string {
	if int(c) < len(e.d.name) && e.d.name[c] >= 0 {
		return ptr(e.d.names.value(e.d.name[c]))
	}
	return nil
}

// segmentName returns customer c's segment, "unassigned" when it has none.
func (e *engine) segmentName(c int32) string {
	if s := e.segmentOf(c); s >= 0 {
		return e.d.segments.value(s)
	}
	return contract.Unassigned
}
