package pipeline

// The accumulators below are what the driver adds each customer's result to, one set
// per chunk of customers, merged in chunk order. Every field is merged: a new field
// that merge forgets fails TestMergeCoversEveryField.

// quarterAcc accumulates the KPIs of one reported quarter (kpis.go turns it into
// values).
type quarterAcc struct {
	atRisk, recovered, lost, pending         int64
	matured, maturedRecovered                int64
	revenueAtRisk, recoveredRevenue          float64
	lostRevenue                              float64
	retainedRevenue, pendingRevenue          float64
	recoveryGaps                             []int64 // r - d of the recovered episodes, µs, unordered
	treated, treatedRecovered                int64
	untreated, untreatedRecovered            int64
	departed                                 int64
	departedRevenue                          float64
	cohort, rechurned, cohortPending         int64
	surveys, satisfied                       int64
	offersIssued, offersRedeemed, offersGone int64
	offersOpen                               int64 // not redeemed, expiring after as_of
}

// addEpisode counts an episode of the quarter.
func (a *quarterAcc) addEpisode(ep *episode) {
	a.atRisk++
	a.revenueAtRisk += ep.revenueAtRisk
	if ep.matured {
		a.matured++
		if ep.outcome == outcomeRecovered {
			a.maturedRecovered++
		}
	}
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
		a.retainedRevenue += ep.revenueAtRisk
		a.recoveryGaps = append(a.recoveryGaps, ep.recoveredAt-ep.at)
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
		a.pendingRevenue += ep.revenueAtRisk
	}
}

func (a *quarterAcc) merge(b *quarterAcc) {
	a.atRisk += b.atRisk
	a.recovered += b.recovered
	a.lost += b.lost
	a.pending += b.pending
	a.matured += b.matured
	a.maturedRecovered += b.maturedRecovered
	a.revenueAtRisk += b.revenueAtRisk
	a.recoveredRevenue += b.recoveredRevenue
	a.lostRevenue += b.lostRevenue
	a.retainedRevenue += b.retainedRevenue
	a.pendingRevenue += b.pendingRevenue
	a.recoveryGaps = append(a.recoveryGaps, b.recoveryGaps...)
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
	a.offersOpen += b.offersOpen
}

// groupAcc accumulates one reason, segment or kind.
type groupAcc struct {
	atRisk, recovered, lost, pending int64
	matured, maturedRecovered        int64
	revenueAtRisk, lostRevenue       float64
}

func (g *groupAcc) add(ep *episode) {
	o, rar := ep.outcome, ep.revenueAtRisk
	g.atRisk++
	g.revenueAtRisk += rar
	if ep.matured {
		g.matured++
		if o == outcomeRecovered {
			g.maturedRecovered++
		}
	}
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
	g.matured += b.matured
	g.maturedRecovered += b.maturedRecovered
	g.revenueAtRisk += b.revenueAtRisk
	g.lostRevenue += b.lostRevenue
}

// reasonAcc accumulates one reason of a trend quarter.
type reasonAcc struct {
	atRisk        int64
	revenueAtRisk float64
}

func (r *reasonAcc) merge(b *reasonAcc) {
	r.atRisk += b.atRisk
	r.revenueAtRisk += b.revenueAtRisk
}

// mitigationAcc accumulates one mitigation group or outreach channel.
type mitigationAcc struct {
	atRisk, recovered int64
	recoveredRevenue  float64
}

func (m *mitigationAcc) add(ep *episode) {
	m.atRisk++
	if ep.outcome == outcomeRecovered {
		m.recovered++
		m.recoveredRevenue += ep.recoveredRevenue
	}
}

func (m *mitigationAcc) merge(b *mitigationAcc) {
	m.atRisk += b.atRisk
	m.recovered += b.recovered
	m.recoveredRevenue += b.recoveredRevenue
}

// departedAcc is one customer departed in the scorecard's quarter.
type departedAcc struct {
	c         int32
	revenue   float64 // departed revenue: the revenue at risk at its first departure or lapse
	recovered bool    // its episode of the quarter is recovered
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
// Everything but trend is of quarter Q alone, and empty for a comparison (kpisOnly).
type partial struct {
	trend        [trendLen]quarterAcc
	trendReasons [trendLen][]reasonAcc // by reason id
	reasons      []groupAcc            // by reason id
	segments     []groupAcc            // by segment id + 1 (0 = unassigned)
	kinds        [len(kindNames)]groupAcc
	mitigation   []mitigationAcc // by group + 2 (0 = none, 1 = outreach only, 2.. = offer types)
	channels     []mitigationAcc // by channel id
	offers       []offerAcc      // by offer type
	curve        []int64         // matured recovered episodes by whole days to recovery, rounded up
	departed     []departedAcc   // in customer order
	winback      []winback       // in customer order
	care         []care          // in customer order
}

func (e *engine) newPartial() *partial {
	p := &partial{}
	if e.def.kpisOnly {
		return p
	}
	for k := range p.trendReasons {
		p.trendReasons[k] = make([]reasonAcc, e.d.reasons.len())
	}
	p.reasons = make([]groupAcc, e.d.reasons.len())
	p.segments = make([]groupAcc, e.d.segments.len()+1)
	p.mitigation = make([]mitigationAcc, e.d.offerTypes.len()+2)
	p.channels = make([]mitigationAcc, e.d.channels.len())
	p.offers = make([]offerAcc, e.d.offerTypes.len())
	p.curve = make([]int64, e.def.recoveryWindow/day+1)
	return p
}

// merge adds b to p. Sums are added in the order partials are merged, so merging in
// chunk order gives the same bits on any number of cores.
func (p *partial) merge(b *partial) {
	for k := range p.trend {
		p.trend[k].merge(&b.trend[k])
	}
	for k := range p.trendReasons {
		for i := range p.trendReasons[k] {
			p.trendReasons[k][i].merge(&b.trendReasons[k][i])
		}
	}
	for i := range p.reasons {
		p.reasons[i].merge(&b.reasons[i])
	}
	for i := range p.segments {
		p.segments[i].merge(&b.segments[i])
	}
	for i := range p.kinds {
		p.kinds[i].merge(&b.kinds[i])
	}
	for i := range p.mitigation {
		p.mitigation[i].merge(&b.mitigation[i])
	}
	for i := range p.channels {
		p.channels[i].merge(&b.channels[i])
	}
	for i := range p.offers {
		p.offers[i].merge(&b.offers[i])
	}
	for i := range p.curve {
		p.curve[i] += b.curve[i]
	}
	p.departed = append(p.departed, b.departed...)
	p.winback = append(p.winback, b.winback...)
	p.care = append(p.care, b.care...)
}

// accumulate adds customer c's result to p.
func (e *engine) accumulate(c int32, res *customerResult, p *partial) {
	var epQ *episode // the episode of quarter Q, when the customer has one
	for i := range res.episodes {
		ep := &res.episodes[i]
		q := int(ep.quarter)
		if !e.def.reported(q) {
			continue
		}
		p.trend[q-e.tq0].addEpisode(ep)
		if e.def.kpisOnly {
			continue
		}
		r := &p.trendReasons[q-e.tq0][ep.reason]
		r.atRisk++
		r.revenueAtRisk += ep.revenueAtRisk
		if q != e.q {
			continue
		}
		epQ = ep
		p.reasons[ep.reason].add(ep)
		p.segments[e.segmentOf(c)+1].add(ep)
		p.kinds[ep.kind].add(ep)
		p.mitigation[ep.group+2].add(ep)
		for _, ch := range res.channels {
			p.channels[ch].add(ep)
		}
		if ep.matured && ep.outcome == outcomeRecovered {
			p.curve[(ep.recoveredAt-ep.at+day-1)/day]++
		}
		if onWinbackList(ep) {
			p.winback = append(p.winback, winback{c, ep.at, ep.kind, ep.reason, ep.revenueAtRisk, ep.outcome, treated(ep.group)})
		}
	}
	for _, dep := range res.departures {
		a := &p.trend[dep.quarter-e.tq0]
		a.departed++
		a.departedRevenue += dep.revenueAtRisk
		if dep.quarter == e.q && !e.def.kpisOnly {
			// A departure or lapse in Q is an at-risk event in Q: Q has an episode.
			p.departed = append(p.departed, departedAcc{c, dep.revenueAtRisk, epQ.outcome == outcomeRecovered})
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
