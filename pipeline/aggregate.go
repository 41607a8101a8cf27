package pipeline

// The accumulators below are what the driver adds each customer's result to, one set
// per chunk of customers, merged in chunk order. Every field is merged: a new field
// that merge forgets fails TestMergeCoversEveryField.

// quarterAcc accumulates the KPIs of one reported quarter (kpis.go turns it into
// values).
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

// addEpisode counts an episode of the quarter.
func (a *quarterAcc) addEpisode(ep *episode) {
	a.atRisk++
	a.revenueAtRisk += ep.revenueAtRisk
	isTreated := treated(ep.group)
	if isTreated {
		a.treated++
	} else {
		a.untreated++
	}
	switch ep.outcome {
	case outcomeRecovered:
		a.recovered++
		a.recoveredRevenue += ep.recoveredRevenue
		if isTreated {
			a.treatedRecovered++
		} else {
			a.untreatedRecovered++
		}
	case outcomeLost:
		a.lost++
		a.lostRevenue += ep.revenueAtRisk
	default:
		a.pending++
	}
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
	a.surveys += b.surveys
	a.satisfied += b.satisfied
	a.offersIssued += b.offersIssued
	a.offersRedeemed += b.offersRedeemed
	a.offersGone += b.offersGone
}

// groupAcc accumulates one reason or segment.
type groupAcc struct {
	atRisk, recovered, lost, pending int64
	revenueAtRisk, lostRevenue       float64
}

func (g *groupAcc) add(o outcome, rar float64) {
	g.atRisk++
	g.revenueAtRisk += rar
	switch o {
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

// mitigationAcc accumulates one mitigation group.
type mitigationAcc struct{ atRisk, recovered int64 }

func (m *mitigationAcc) merge(b *mitigationAcc) {
	m.atRisk += b.atRisk
	m.recovered += b.recovered
}

// offerAcc accumulates one offer type of the quarter's offers.
type offerAcc struct {
	issued, redeemed, expired int64
	faceIssued, faceRedeemed  float64
}

func (o *offerAcc) merge(b *offerAcc) {
	o.issued += b.issued
	o.redeemed += b.redeemed
	o.expired += b.expired
	o.faceIssued += b.faceIssued
	o.faceRedeemed += b.faceRedeemed
}

// partial is the result of one chunk of customers, or of all of them after merging.
type partial struct {
	trend      [trendLen]quarterAcc
	reasons    []groupAcc      // by reason id
	segments   []groupAcc      // by segment id + 1 (0 = unassigned)
	mitigation []mitigationAcc // by group + 2 (0 = none, 1 = outreach only, 2.. = offer types)
	offers     []offerAcc      // by offer type, quarter Q only
	winback    []winback       // in customer order
	care       []care          // in customer order
}

func (e *engine) newPartial() *partial {
	return &partial{
		reasons:    make([]groupAcc, e.d.reasons.len()),
		segments:   make([]groupAcc, e.d.segments.len()+1),
		mitigation: make([]mitigationAcc, e.d.offerTypes.len()+2),
		offers:     make([]offerAcc, e.d.offerTypes.len()),
	}
}

// merge adds b to p. Sums are added in the order partials are merged, so merging in
// chunk order gives the same bits on any number of cores.
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
		p.mitigation[i].merge(&b.mitigation[i])
	}
	for i := range p.offers {
		p.offers[i].merge(&b.offers[i])
	}
	p.winback = append(p.winback, b.winback...)
	p.care = append(p.care, b.care...)
}

// accumulate adds customer c's result to p.
func (e *engine) accumulate(c int32, res *customerResult, p *partial) {
	for _, dep := range res.departures {
		a := &p.trend[dep.quarter-e.tq0]
		a.departed++
		a.departedRevenue += dep.revenueAtRisk
	}
	for i := range res.episodes {
		ep := &res.episodes[i]
		q := int(ep.quarter)
		if !e.def.reported(q) {
			continue
		}
		p.trend[q-e.tq0].addEpisode(ep)
		if q != e.q {
			continue
		}
		p.reasons[ep.reason].add(ep.outcome, ep.revenueAtRisk)
		p.segments[e.segmentOf(c)+1].add(ep.outcome, ep.revenueAtRisk)
		m := &p.mitigation[ep.group+2]
		m.atRisk++
		if ep.outcome == outcomeRecovered {
			m.recovered++
		}
		if onWinbackList(ep) {
			p.winback = append(p.winback, winback{c, ep.at, ep.kind, ep.reason, ep.revenueAtRisk, ep.outcome, treated(ep.group)})
		}
	}
	for _, m := range res.cohorts {
		a := &p.trend[m.quarter-e.tq0]
		a.cohort++
		if m.rechurned {
			a.rechurned++
		}
		if m.pending {
			a.cohortPending++
		}
	}
	if res.underCare {
		row := res.care
		row.c = c
		p.care = append(p.care, row)
	}
}

// segmentOf returns the segment id of customer c, -1 when unassigned.
func (e *engine) segmentOf(c int32) int32 {
	if int(c) < len(e.d.segment) {
		return e.d.segment[c]
	}
	return -1
}
