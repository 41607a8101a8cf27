package pipeline

import "slices"

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

// contactChannels appends to dst the distinct outreach channels through which an
// episode at d was contacted in [d, min(d + W, as_of)], in the order first used, and
// returns it. SPEC §4, channels: "for each outreach channel (null or empty:
// unspecified), the episodes of Q with at least one contact through that channel in
// [d, min(d + W, as_of)] ... An episode contacted through two channels counts in both."
func (def *definitions) contactChannels(in *customerRows, d int64, dst []int32) []int32 {
	end := def.windowEnd(d)
	ot := in.outreachTimes
	for j := lowerBound(ot, d); j < len(ot) && ot[j] <= end; j++ {
		if ch := in.outreachChannels[j]; !slices.Contains(dst, ch) {
			dst = append(dst, ch)
		}
	}
	return dst
}
