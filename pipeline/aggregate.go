package pipeline

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// quarterAcc accumulates the KPIs of one trend quarter.
type quarterAcc struct {
	atRisk, recovered, lost, pending         int64
	revenueAtRisk, recoveredRevenue          float64
	lostRevenue                              float64
	treated, treatedRecovered                int64
	untreated, untreatedRecovered            int64
	departed                                 int64
	departedRevenue                          float64
	cohort, rechurned, cohortPending         int64
	surveys, satisfied                       int64
	offersIssued, offersRedeemed, offersGone int64
}

func (a *quarterAcc) merge(b *quarterAcc) {
	a.atRisk += b.atRisk
	a.recovered += b.recovered
	a.lost += b.lost
	a.pending += b.pending
	a.revenueAtRisk += b.revenueAtRisk
	a.recoveredRevenue += b.recoveredRevenue
	a.lostRevenue += b.lostRevenue
	a.treated += b.treated
	a.treatedRecovered += b.treatedRecovered
	a.untreated += b.untreated
	a.untreatedRecovered += b.untreatedRecovered
	a.departed += b.departed
	a.departedRevenue += b.departedRevenue
	a.cohort += b.cohort
	a.rechurned += b.rechurned
	a.cohortPending += b.cohortPending
}

// groupAcc accumulates one reason or segment.
type groupAcc struct {
	atRisk, recovered, lost, pending int64
	revenueAtRisk, lostRevenue       float64
}

func (g *groupAcc) add(outcome int8, rar float64) {
	g.atRisk++
	g.revenueAtRisk += rar
	switch outcome {
	case outcomeRecovered:
		g.recovered++
	case outcomeLost:
		g.lost++
		g.lostRevenue += rar
	default:
		g.pending++
	}
}

func (g *groupAcc) merge(b *groupAcc) {
	g.atRisk += b.atRisk
	g.recovered += b.recovered
	g.lost += b.lost
	g.pending += b.pending
	g.revenueAtRisk += b.revenueAtRisk
	g.lostRevenue += b.lostRevenue
}

type mitigationAcc struct{ atRisk, recovered int64 }

type winback struct {
	c       int32
	d       int64
	kind    int8
	reason  int32
	rar     float64
	outcome int8
	treated bool
}

type care struct {
	c          int32
	r          int64
	purchases  int64
	net        float64
	complaints int64
	rechurned  bool
}

type offerAcc struct {
	issued, redeemed, expired int64
	faceIssued, faceRedeemed  float64
}

// partial is the result of one chunk of customers, or of all of them after merging.
type partial struct {
	trend      [trendLen]quarterAcc
	reasons    []groupAcc      // by reason id
	segments   []groupAcc      // by segment id + 1 (0 = unassigned)
	mitigation []mitigationAcc // by group + 2 (0 = none, 1 = outreach only, 2.. = offer types)
	offers     []offerAcc      // by offer type, quarter Q only
	winback    []winback
	care       []care
}

func (e *engine) newPartial() *partial {
	return &partial{
		reasons:    make([]groupAcc, e.d.reasons.len()),
		segments:   make([]groupAcc, e.d.segments.len()+1),
		mitigation: make([]mitigationAcc, e.d.offerTypes.len()+2),
		offers:     make([]offerAcc, e.d.offerTypes.len()),
	}
}

func (p *partial) merge(b *partial) {
	for k := range p.trend {
		p.trend[k].merge(&b.trend[k])
	}
	for i := range p.reasons {
		p.reasons[i].merge(&b.reasons[i])
	}
	for i := range p.segments {
		p.segments[i].merge(&b.segments[i])
	}
	for i := range p.mitigation {
		p.mitigation[i].atRisk += b.mitigation[i].atRisk
		p.mitigation[i].recovered += b.mitigation[i].recovered
	}
	p.winback = append(p.winback, b.winback...)
	p.care = append(p.care, b.care...)
}

// rowKPIs adds the KPIs computed row by row rather than per customer: surveys and
// offers, in read order.
func (e *engine) rowKPIs(p *partial) {
	s := &e.d.surveys
	for i, t := range s.t {
		if t > e.asOf || !s.related[i] {
			continue
		}
		if k := e.grid.find(t) - e.tq0; k >= 0 && k < trendLen {
			p.trend[k].surveys++
			if s.score[i] >= e.satMin {
				p.trend[k].satisfied++
			}
		}
	}
	o := &e.d.offers
	for i, t := range o.t {
		if t > e.asOf {
			continue
		}
		qi := e.grid.find(t)
		k := qi - e.tq0
		if k < 0 || k >= trendLen {
			continue
		}
		redeemed := o.redeemed[i] <= e.asOf
		expired := !redeemed && o.expires[i] <= e.asOf
		a := &p.trend[k]
		a.offersIssued++
		if redeemed {
			a.offersRedeemed++
		}
		if expired {
			a.offersGone++
		}
		if qi != e.q {
			continue
		}
		oa := &p.offers[o.text[i]]
		oa.issued++
		oa.faceIssued += o.face[i]
		if redeemed {
			oa.redeemed++
			oa.faceRedeemed += o.face[i]
		}
		if expired {
			oa.expired++
		}
	}
}

// scorecard assembles the published scorecard from the merged result.
func (e *engine) scorecard(s Settings, quarter Quarter, asOf time.Time, p *partial) *Scorecard {
	d := e.d
	sc := &Scorecard{
		Company: s.Company, Industry: s.Industry, Currency: s.Currency,
		Quarter: quarter, AsOf: asOf, Params: s.Params, Benchmarks: s.Benchmarks,
	}
	for k := range trendLen {
		tp := TrendPoint{Quarter: e.grid.quarters[e.tq0+k], KPIs: e.kpis(&p.trend[k], s)}
		sc.Trend = append(sc.Trend, tp)
	}
	sc.KPIs = sc.Trend[trendLen-1].KPIs

	// Reasons: revenue at risk descending, then at-risk descending, then reason.
	var reasons []BreakdownRow
	for id, g := range p.reasons {
		if g.atRisk > 0 {
			reasons = append(reasons, breakdown(d.reasons.value(int32(id)), &g))
		}
	}
	slices.SortFunc(reasons, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(b.RevenueAtRisk, a.RevenueAtRisk), cmp.Compare(b.AtRisk, a.AtRisk), strings.Compare(a.Name, b.Name))
	})
	total := 0.0
	for _, r := range reasons {
		total += r.RevenueAtRisk
	}
	cum := 0.0
	for i := range reasons {
		cum += reasons[i].RevenueAtRisk
		if total != 0 {
			reasons[i].CumulativeRevenueShare = ptr(cum / total * 100)
		}
	}
	sc.Reasons = reasons

	for id, g := range p.segments {
		if g.atRisk == 0 {
			continue
		}
		name := "unassigned"
		if id > 0 {
			name = d.segments.value(int32(id - 1))
		}
		sc.Segments = append(sc.Segments, breakdown(name, &g))
	}
	slices.SortFunc(sc.Segments, func(a, b BreakdownRow) int { return strings.Compare(a.Name, b.Name) })

	for g, m := range p.mitigation {
		if m.atRisk == 0 {
			continue
		}
		name := "none"
		switch {
		case g == 1:
			name = "outreach only"
		case g >= 2:
			name = "offer:" + d.offerTypes.value(int32(g-2))
		}
		sc.Mitigation = append(sc.Mitigation, MitigationRow{name, m.atRisk, m.recovered, pct(m.recovered, m.atRisk)})
	}
	slices.SortFunc(sc.Mitigation, func(a, b MitigationRow) int { return strings.Compare(a.Group, b.Group) })

	for id, o := range p.offers {
		if o.issued == 0 {
			continue
		}
		sc.Offers = append(sc.Offers, OfferRow{
			OfferType: d.offerTypes.value(int32(id)), Issued: o.issued, Redeemed: o.redeemed, Expired: o.expired,
			Open: o.issued - o.redeemed - o.expired, ConsumptionRate: pct(o.redeemed, o.issued),
			BreakageRate: pct(o.expired, o.issued), FaceValueIssued: o.faceIssued, FaceValueRedeemed: o.faceRedeemed,
		})
	}
	slices.SortFunc(sc.Offers, func(a, b OfferRow) int { return strings.Compare(a.OfferType, b.OfferType) })

	ids := d.customers.value
	slices.SortFunc(p.winback, func(a, b winback) int {
		if c := cmp.Compare(b.rar, a.rar); c != 0 { // revenue at risk descending
			return c
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	for _, w := range p.winback[:min(len(p.winback), s.Params.WorklistSize)] {
		sc.Winback = append(sc.Winback, WinbackRow{
			CustomerID: ids(w.c), Name: e.nameOf(w.c), Segment: e.segmentName(w.c),
			AtRiskAt: time.UnixMicro(w.d).UTC(), Kind: kindNames[w.kind], Reason: d.reasons.value(w.reason),
			RevenueAtRisk: w.rar, Outcome: outcomeNames[w.outcome], Treated: w.treated,
		})
	}
	slices.SortFunc(p.care, func(a, b care) int {
		if c := cmp.Compare(a.r, b.r); c != 0 {
			return c
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	for _, c := range p.care {
		status := "healthy"
		if c.rechurned {
			status = "re-churned"
		}
		sc.IntensiveCare = append(sc.IntensiveCare, CareRow{
			CustomerID: ids(c.c), Name: e.nameOf(c.c), Segment: e.segmentName(c.c),
			RecoveredAt: time.UnixMicro(c.r).UTC(), ReviewDue: time.UnixMicro(c.r + e.i).UTC(),
			PurchasesSince: c.purchases, NetAmountSince: c.net, ComplaintsSince: c.complaints, Status: status,
		})
	}
	return sc
}

func (e *engine) nameOf(c int32) *string {
	if int(c) < len(e.d.name) && e.d.name[c] >= 0 {
		return ptr(e.d.names.value(e.d.name[c]))
	}
	return nil
}

func (e *engine) segmentName(c int32) string {
	if s := e.segmentOf(c); s >= 0 {
		return e.d.segments.value(s)
	}
	return "unassigned"
}

func breakdown(name string, g *groupAcc) BreakdownRow {
	return BreakdownRow{
		Name: name, AtRisk: g.atRisk, Recovered: g.recovered, Lost: g.lost, Pending: g.pending,
		RecoveryRate: pct(g.recovered, g.atRisk), RevenueAtRisk: g.revenueAtRisk, LostRevenue: g.lostRevenue,
	}
}

// kpis turns one quarter's accumulator into the KPI list of the catalogue.
func (e *engine) kpis(a *quarterAcc, s Settings) []KPI {
	offers, surveys := e.d.present["offers"], e.d.present["surveys"]
	rate := func(num, den int64) KPI {
		return KPI{Value: pct(num, den), Numerator: ptr(num), Denominator: ptr(den)}
	}
	count := func(v int64) KPI { return KPI{Value: ptr(float64(v))} }
	money := func(v float64) KPI { return KPI{Value: ptr(v)} }
	byID := map[string]KPI{
		"at_risk_customers":       count(a.atRisk),
		"recovered_customers":     count(a.recovered),
		"lost_customers":          count(a.lost),
		"pending_customers":       count(a.pending),
		"recovery_rate":           rate(a.recovered, a.atRisk),
		"matured_recovery_rate":   rate(a.recovered, a.recovered+a.lost),
		"revenue_at_risk":         money(a.revenueAtRisk),
		"recovered_revenue":       money(a.recoveredRevenue),
		"lost_revenue":            money(a.lostRevenue),
		"departed_customers":      count(a.departed),
		"departed_revenue":        money(a.departedRevenue),
		"treated_recovery_rate":   rate(a.treatedRecovered, a.treated),
		"untreated_recovery_rate": rate(a.untreatedRecovered, a.untreated),
		"recovery_satisfaction":   {},
		"offers_issued":           {},
		"offer_consumption_rate":  {},
		"offer_breakage_rate":     {},
	}
	if surveys {
		byID["recovery_satisfaction"] = rate(a.satisfied, a.surveys)
	}
	if offers {
		byID["offers_issued"] = count(a.offersIssued)
		byID["offer_consumption_rate"] = rate(a.offersRedeemed, a.offersIssued)
		byID["offer_breakage_rate"] = rate(a.offersGone, a.offersIssued)
	}
	uplift := KPI{}
	if t, u := byID["treated_recovery_rate"].Value, byID["untreated_recovery_rate"].Value; t != nil && u != nil {
		uplift.Value = ptr(*t - *u)
	}
	byID["mitigation_uplift"] = uplift
	rc := rate(a.rechurned, a.cohort)
	rc.Pending = ptr(a.cohortPending)
	byID["recovered_rechurn_rate"] = rc

	out := make([]KPI, 0, len(byID))
	for _, id := range kpiIDs() {
		k := byID[id]
		k.ID = id
		_, k.Target = Bands(id)
		if k.Value != nil {
			k.Status = status(id, *k.Value)
		}
		k.Benchmark = s.Benchmarks.benchmark(id, s.Industry)
		out = append(out, k)
	}
	return out
}

// pct is num/den × 100 (SPEC §4), nil when den is 0. The operation order matches the
// reference implementation so both give the same bits.
func pct(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	return ptr(float64(num) / float64(den) * 100)
}

func ptr[T any](v T) *T { return &v }
