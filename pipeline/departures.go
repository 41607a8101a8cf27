package pipeline

// departed is a customer's first departure or lapse event of a reported quarter.
type departed struct {
	quarter       int     // grid index
	revenueAtRisk float64 // at the event
}

// departure returns the departure of a reported grid quarter q whose first departure or
// lapse event is ev. SPEC §4: "departed_customers: distinct customers with a departure
// or lapse event in Q"; "departed_revenue: Σ over those customers of the revenue at
// risk at their first departure or lapse event in Q". The first is the first of its
// quarter in episode order (sortEvents).
func (def *definitions) departure(in *customerRows, ev event, q int) departed {
	return departed{q, def.revenueAtRisk(in, ev.t)}
}

// departs reports whether an at-risk event is a departure or a lapse.
func departs(ev event) bool { return ev.kind == kindDeparture || ev.kind == kindLapse }
