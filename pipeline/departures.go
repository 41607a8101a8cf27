package pipeline

// departed is a customer's first departure or lapse event of a reported quarter.
type departed struct {
	quarter       int     // grid index
	revenueAtRisk float64 // at the event
}

// departures appends to dst the customer's first departure or lapse event of each
// reported quarter, with the revenue at risk at it, and returns it; events are in
// episode order, quarters their grid indices. SPEC §4: "departed_customers: distinct
// customers with a departure or lapse event in Q"; "departed_revenue: Σ over those
// customers of the revenue at risk at their first departure or lapse event in Q".
func (def *definitions) departures(in *customerRows, events []event, quarters []int, dst []departed) []departed {
	last := -1
	for i, ev := range events {
		q := quarters[i]
		if ev.kind == kindComplaint || q == last {
			continue
		}
		last = q
		if def.reported(q) {
			dst = append(dst, departed{q, def.revenueAtRisk(in, ev.t)})
		}
	}
	return dst
}
