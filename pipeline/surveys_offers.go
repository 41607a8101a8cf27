package pipeline

// The KPIs counted row by row rather than per customer: recovery satisfaction from
// the surveys, and the offer KPIs and the offers breakdown from the offers, each in
// read order.

// satisfiedSurvey reports whether a recovery-related survey with score counts as
// satisfied. SPEC §4, recovery_satisfaction: "surveys in Q with recovery_related true
// and score >= satisfied_min_score, / all such surveys in Q, × 100".
func (e *engine) satisfiedSurvey(score float64) bool { return score >= e.satisfiedMinScore }

// offerRedeemed reports whether an offer redeemed at redeemedAt (none when not) counts
// as redeemed. SPEC §4, offer_consumption_rate: "of those, redeemed (redeemed_at <=
// as_of) / issued × 100".
func (e *engine) offerRedeemed(redeemedAt int64) bool { return redeemedAt <= e.def.asOf }

// offerExpired reports whether an offer counts as expired. SPEC §4,
// offer_breakage_rate: "of those, not redeemed and expires_at <= as_of / issued × 100".
func (e *engine) offerExpired(redeemed bool, expiresAt int64) bool {
	return !redeemed && expiresAt <= e.def.asOf
}

// offerOpen reports whether an offer holds its quarter's offer rates open. SPEC §4,
// provisional values: "provisional while an offer issued in Q is unredeemed by as_of
// and expires after as_of (an offer without expires_at never settles and does not hold
// the rate open)".
func (e *engine) offerOpen(redeemed bool, expiresAt int64) bool {
	return !redeemed && expiresAt != none && expiresAt > e.def.asOf
}

// rowKPIs returns the partial holding the surveys' and offers' counts: the
// satisfaction and offer KPIs of every reported quarter, and the offers breakdown of
// the scorecard's quarter (SPEC §4: "offers_issued: offers with issued_at in Q").
func (e *engine) rowKPIs() *partial {
	p := e.newPartial()
	s := &e.d.surveys
	for i, t := range s.t {
		if t > e.def.asOf || !s.related[i] {
			continue
		}
		if q := e.def.quarters.find(t); e.def.reported(q) {
			a := &p.trend[q-e.tq0]
			a.surveys++
			if e.satisfiedSurvey(s.score[i]) {
				a.satisfied++
			}
		}
	}
	o := &e.d.offers
	for i, t := range o.t {
		if t > e.def.asOf {
			continue
		}
		q := e.def.quarters.find(t)
		if !e.def.reported(q) {
			continue
		}
		redeemed := e.offerRedeemed(o.redeemed[i])
		expired := e.offerExpired(redeemed, o.expires[i])
		a := &p.trend[q-e.tq0]
		a.offersIssued++
		if redeemed {
			a.offersRedeemed++
		}
		if expired {
			a.offersGone++
		}
		if e.offerOpen(redeemed, o.expires[i]) {
			a.offersOpen++
		}
		if q != e.q || e.def.kpisOnly {
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
	return p
}
