package pipeline

// cohortMember is a customer in the re-churn cohort of a reported quarter.
type cohortMember struct {
	quarter   int // grid index
	rechurned bool
	pending   bool // not re-churned, and its review period ends after as_of
}

// rechurnCohorts appends to dst the customer's membership of the re-churn cohort of
// each reported quarter that holds one of its recovery times, and returns it.
// episodes are the customer's, oldest first; eventTimes the times of its at-risk
// events, in order. SPEC §4, recovered_rechurn_rate: "cohort: distinct customers with
// a recovery time r in Q (episodes of any quarter; the earliest r in Q per customer).
// Re-churned: an at-risk event in (r, min(r + I, as_of)]. Rate = re-churned / cohort ×
// 100; the cohort members with r + I > as_of that have not re-churned are the KPI's
// pending member."
func (def *definitions) rechurnCohorts(episodes []episode, eventTimes []int64, dst []cohortMember) []cohortMember {
	return def.cohortsOf(episodes, func(_ int, r int64) int64 {
		if j := upperBound(eventTimes, r); j < len(eventTimes) {
			return eventTimes[j]
		}
		return none
	}, dst)
}

// cohortsOf is rechurnCohorts with next giving, for episodes[i] recovered at r, the
// time of the customer's first at-risk event after r (none when it has none).
func (def *definitions) cohortsOf(episodes []episode, next func(i int, r int64) int64, dst []cohortMember) []cohortMember {
	last := -1
	for i := range episodes {
		ep := &episodes[i]
		if ep.outcome != outcomeRecovered {
			continue
		}
		r := ep.recoveredAt
		q := def.quarters.find(r)
		if q == last {
			continue // recovery times do not decrease: the first in a quarter is its earliest
		}
		last = q
		if !def.reported(q) {
			continue
		}
		dst = append(dst, def.cohortMember(q, r, next(i, r)))
	}
	return dst
}

// cohortMember returns the membership of a customer in the re-churn cohort of grid
// quarter q, whose earliest recovery time in q is r and whose first at-risk event
// after r is at next (none when it has none up to as_of). SPEC §4: "Re-churned: an
// at-risk event in (r, min(r + I, as_of)] ... the cohort members with r + I > as_of
// that have not re-churned are the KPI's pending member."
func (def *definitions) cohortMember(q int, r, next int64) cohortMember {
	m := cohortMember{quarter: q}
	if next != none && next > r && next <= min(r+def.reviewPeriod, def.asOf) {
		m.rechurned = true
	} else if r+def.reviewPeriod > def.asOf {
		m.pending = true
	}
	return m
}
