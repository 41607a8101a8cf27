package pipeline

// Mitigation groups besides the offer types, whose groups are their ids (>= 0).
const (
	groupNone     = -2 // untreated
	groupOutreach = -1 // outreach only
)

// mitigationGroup returns the mitigation group of an episode at d: the type of the
// earliest offer issued in [d, min(d + W, as_of)] (ties: the smaller offer type by
// bytes), else groupOutreach when contacted in that window, else groupNone. SPEC §4:
// "Treated episode: it has an offer issued, or an outreach contact, in
// [d, min(d + W, as_of)]. Its mitigation group is offer:<offer_type> of the earliest
// such offer (ties: smaller offer_type by bytes), else outreach only; untreated
// episodes are none."
func (def *definitions) mitigationGroup(in *customerRows, d int64) int32 {
	end := def.windowEnd(d)
	ot := in.offerTimes
	if j := lowerBound(ot, d); j < len(ot) && ot[j] <= end {
		best := in.offerTypes[j]
		for k := j + 1; k < len(ot) && ot[k] == ot[j]; k++ {
			if t := in.offerTypes[k]; def.offerTypeRank[t] < def.offerTypeRank[best] {
				best = t
			}
		}
		return best
	}
	if j := lowerBound(in.outreachTimes, d); j < len(in.outreachTimes) && in.outreachTimes[j] <= end {
		return groupOutreach
	}
	return groupNone
}

// treated reports whether an episode of mitigation group g is treated.
func treated(g int32) bool { return g != groupNone }
