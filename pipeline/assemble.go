package pipeline

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// scorecard assembles the published scorecard from the merged aggregates (totals[0]
// of e, then those of e's comparisons): the KPIs of every trend quarter, the same-age
// comparisons, the breakdowns of the quarter (SPEC §4, "Breakdowns") and the
// worklists.
func (e *engine) scorecard(s Settings, quarter Quarter, asOf time.Time, totals []*partial) *Scorecard {
	p := totals[0]
	// The intensive-care list (sorted and named: at 3M customers 311,000 rows) is
	// made beside the rest, which does not read it.
	care := make(chan []CareRow, 1)
	go func() { care <- e.careRows(p.care) }()
	sc := &Scorecard{
		Company: s.Company, Industry: s.Industry, Currency: s.Currency,
		Quarter: quarter, AsOf: asOf, Params: s.Params, Benchmarks: s.Benchmarks,
		Open: quarter.End.UnixMicro() > e.def.asOf,
	}
	has := present{offers: e.d.present[contract.Offers], surveys: e.d.present[contract.Surveys]}
	for k := range trendLen {
		q := e.def.quarters.quarters[e.tq0+k]
		sc.Trend = append(sc.Trend, TrendPoint{
			Quarter: q,
			KPIs:    quarterKPIs(&p.trend[k], has, s, e.age(q)),
			Reasons: e.trendReasons(p.trendReasons[k]),
		})
	}
	sc.KPIs = sc.Trend[trendLen-1].KPIs
	sc.FinalAt = time.UnixMicro(e.finalAt(quarter)).UTC()
	cmps := make([]Comparison, len(e.comparisons))
	for i, c := range e.comparisons {
		q := c.def.quarters.quarters[c.q]
		cmps[i] = Comparison{Quarter: q, AsOf: time.UnixMicro(c.def.asOf).UTC(), KPIs: quarterKPIs(&totals[i+1].trend[0], has, s, c.age(q))}
	}
	sc.Comparisons = Comparisons{PreviousQuarter: cmps[0], YearAgo: cmps[1]}
	sc.Reasons = e.reasonRows(p.reasons)
	sc.Segments = e.segmentRows(p.segments)
	sc.Kinds = kindRows(p.kinds[:])
	sc.Mitigation = e.mitigationRows(p.mitigation)
	sc.Offers = e.offerRows(p.offers, p.mitigation)
	sc.Channels = e.channelRows(p.channels)
	var tiers map[int32]string
	sc.Departed, tiers = e.departedRows(p.departed)
	sc.RecoveryCurve = recoveryCurve(p.curve, p.trend[trendLen-1].matured)
	sc.Winback, sc.ExecutiveCalls = e.winbackRows(p.winback, s.Params.WorklistSize, s.Params.ExecutiveCalls, tiers)
	sc.IntensiveCare = <-care
	return sc
}

// finalAt returns when no KPI of quarter q is provisional any more (Scorecard.FinalAt):
// the latest of end + W, end + I and the expiry of each offer issued in q that is
// still open at as_of (SPEC §4, "Provisional values").
func (e *engine) finalAt(q Quarter) int64 {
	end := q.End.UnixMicro()
	at := max(end+e.def.recoveryWindow, end+e.def.reviewPeriod)
	o := &e.d.offers
	start := q.Start.UnixMicro()
	for i, t := range o.t {
		if t >= start && t < end && t <= e.def.asOf && e.offerOpen(e.offerRedeemed(o.redeemed[i]), o.expires[i]) {
			at = max(at, o.expires[i])
		}
	}
	return at
}

// age returns what the provisional rules of quarter q read at e's as_of.
func (e *engine) age(q Quarter) quarterAge {
	return quarterAge{end: q.End.UnixMicro(), asOf: e.def.asOf, recoveryWindow: e.def.recoveryWindow, reviewPeriod: e.def.reviewPeriod}
}

// trendReasons returns a trend quarter's reasons. SPEC §4, trend: "each quarter also
// has its reasons (at_risk and revenue_at_risk per reason, ordered by reason)".
func (e *engine) trendReasons(accs []reasonAcc) []TrendReason {
	rows := []TrendReason{}
	for id, r := range accs {
		if r.atRisk > 0 {
			rows = append(rows, TrendReason{e.d.reasons.value(int32(id)), r.atRisk, r.revenueAtRisk})
		}
	}
	slices.SortFunc(rows, func(a, b TrendReason) int { return strings.Compare(a.Reason, b.Reason) })
	return rows
}

// kindRows returns the kinds breakdown. SPEC §4: "the reasons' fields grouped by the
// episode's kind, in the order complaint, departure, lapse, each kind that has an
// episode; plus the matured recovery rate of each kind."
func kindRows(accs []groupAcc) []KindRow {
	var rows []KindRow
	for k, g := range accs {
		if g.atRisk > 0 {
			rows = append(rows, KindRow{breakdown(kindNames[k], &g), pct(g.maturedRecovered, g.matured)})
		}
	}
	return rows
}

// channelRows returns the channels breakdown. SPEC §4: "for each outreach channel
// (null or empty: unspecified), the episodes of Q with at least one contact through
// that channel in [d, min(d + W, as_of)]: episodes, recovered, recovery_rate; ordered
// by channel."
func (e *engine) channelRows(accs []mitigationAcc) []ChannelRow {
	var rows []ChannelRow
	for id, m := range accs {
		if m.atRisk > 0 {
			rows = append(rows, ChannelRow{e.d.channels.value(int32(id)), m.atRisk, m.recovered, pct(m.recovered, m.atRisk)})
		}
	}
	slices.SortFunc(rows, func(a, b ChannelRow) int { return strings.Compare(a.Channel, b.Channel) })
	return rows
}

// Value tiers of the departed customers (SPEC §4).
var tierNames = [...]string{"A", "B", "C"}

// departedRows returns the departed breakdown and each departed customer's value tier.
// SPEC §4: "the customers counted by departed_customers, each with its departed
// revenue, grouped (a) by segment, ordered by segment, and (b) by value tier: sort them
// by departed revenue descending, then customer_id; with T the total departed revenue,
// a customer is tier A when the departed revenue of the customers before it (a running
// sum in that order, in double precision) is below 0.8 × T, B when below 0.95 × T, else
// C (all C when T <= 0). Each group: departed, departed_revenue, recovered ... All
// three tiers are listed, A, B, C, even when empty." T and every group's sum are
// added in that order. It sorts list.
func (e *engine) departedRows(list []departedAcc) (Departed, map[int32]string) {
	ids := e.d.customers.value
	slices.SortFunc(list, func(a, b departedAcc) int {
		if c := cmp.Compare(b.revenue, a.revenue); c != 0 { // the ids only when needed (careRows)
			return c
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	total := 0.0
	for _, x := range list {
		total += x.revenue
	}
	out := Departed{ByTier: make([]DepartedRow, len(tierNames))}
	for i, name := range tierNames {
		out.ByTier[i].Name = name
	}
	segs := make([]DepartedRow, e.d.segments.len()+1) // by segment id + 1, as partial.segments
	tiers := make(map[int32]string, len(list))
	before := 0.0
	for _, x := range list {
		tier := 2
		switch {
		case total <= 0:
		case before < 0.8*total:
			tier = 0
		case before < 0.95*total:
			tier = 1
		}
		before += x.revenue
		tiers[x.c] = tierNames[tier]
		for _, g := range []*DepartedRow{&out.ByTier[tier], &segs[e.segmentOf(x.c)+1]} {
			g.Departed++
			g.DepartedRevenue += x.revenue
			if x.recovered {
				g.Recovered++
			}
		}
	}
	for id, g := range segs {
		if g.Departed == 0 {
			continue
		}
		g.Name = e.segmentSlotName(id)
		out.BySegment = append(out.BySegment, g)
	}
	slices.SortFunc(out.BySegment, func(a, b DepartedRow) int { return strings.Compare(a.Name, b.Name) })
	return out, tiers
}

// recoveryCurve returns the recovery curve from the matured recovered episodes by
// whole days to recovery rounded up (curve[k]: recovered in (k-1, k] days) and the
// number of matured episodes. SPEC §4: "for each whole day k from 1 to W in days, the
// share (× 100) of the matured episodes of Q with r - d <= k days (recovered within k
// days); empty when Q has no matured episode."
func recoveryCurve(curve []int64, matured int64) []CurvePoint {
	if matured == 0 {
		return nil
	}
	points := make([]CurvePoint, 0, len(curve)-1)
	within := int64(0)
	for k := 1; k < len(curve); k++ {
		within += curve[k]
		points = append(points, CurvePoint{k, pct(within, matured)})
	}
	return points
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
		rows = append(rows, breakdown(e.segmentSlotName(id), &g))
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
		rows = append(rows, MitigationRow{name, m.atRisk, m.recovered, pct(m.recovered, m.atRisk), m.recoveredRevenue})
	}
	slices.SortFunc(rows, func(a, b MitigationRow) int { return strings.Compare(a.Group, b.Group) })
	return rows
}

// offerRows returns the offers breakdown. SPEC §4: "per offer_type: issued, redeemed,
// expired, open, consumption and breakage rates, face value issued and face value
// redeemed", ordered by offer_type; "offers rows also carry recovered_revenue (that of
// the mitigation group offer:<offer_type>, whose offers may have been issued after Q)
// and return_on_face_value = recovered_revenue / face_value_redeemed, a plain ratio,
// not × 100 (no data when face_value_redeemed is 0)". groups is the mitigation
// breakdown's aggregates.
func (e *engine) offerRows(accs []offerAcc, groups []mitigationAcc) []OfferRow {
	var rows []OfferRow
	for id, o := range accs {
		if o.issued == 0 {
			continue
		}
		rows = append(rows, OfferRow{
			OfferType: e.d.offerTypes.value(int32(id)), Issued: o.issued, Redeemed: o.redeemed, Expired: o.expired,
			Open: o.issued - o.redeemed - o.expired, ConsumptionRate: pct(o.redeemed, o.issued),
			BreakageRate: pct(o.expired, o.issued), FaceValueIssued: o.faceIssued, FaceValueRedeemed: o.faceRedeemed,
			RecoveredRevenue: groups[id+2].recoveredRevenue,
		})
		if r := &rows[len(rows)-1]; r.FaceValueRedeemed != 0 {
			r.ReturnOnFaceValue = ptr(r.RecoveredRevenue / r.FaceValueRedeemed)
		}
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
func (e *engine) segmentName(c int32) string { return e.segmentSlotName(int(e.segmentOf(c)) + 1) }

// segmentSlotName returns the segment of an accumulator slot indexed by segment id + 1
// (partial.segments, the departed segments): slot 0 is "unassigned".
func (e *engine) segmentSlotName(slot int) string {
	if slot > 0 {
		return e.d.segments.value(int32(slot - 1))
	}
	return contract.Unassigned
}
