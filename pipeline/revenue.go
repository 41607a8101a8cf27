package pipeline

// revenueAtRisk returns the revenue at risk of an episode (or a departure) at d.
// SPEC §4: "Revenue at risk of an episode: the sum of all purchase amounts (refunds
// included) in [d - R, d)."
func (def *definitions) revenueAtRisk(in *customerRows, d int64) float64 {
	pt := in.purchaseTimes
	return sumRange(in.purchaseAmounts, lowerBound(pt, d-def.revenueLookback), lowerBound(pt, d))
}

// recoveredRevenue returns the recovered revenue of a recovered episode at d. SPEC §4:
// "Recovered revenue of a recovered episode: the sum of all purchase amounts in
// (d, min(d + W, as_of)]."
func (def *definitions) recoveredRevenue(in *customerRows, d int64) float64 {
	pt := in.purchaseTimes
	return sumRange(in.purchaseAmounts, upperBound(pt, d), upperBound(pt, def.windowEnd(d)))
}

// sumRange sums amounts[lo:hi] in time order.
func sumRange(amounts []float64, lo, hi int) float64 {
	s := 0.0
	for _, a := range amounts[lo:hi] {
		s += a
	}
	return s
}
