package pipeline

import "github.com/recoverykpi/recoverykpi/internal/contract"

// definitions are the parameters of SPEC §4 in µs, and what the per-customer
// definitions need besides a customer's rows: as_of, the byte order of reasons and
// offer types (for ties), and the quarters.
type definitions struct {
	asOf            int64 // µs
	recoveryWindow  int64 // W: recovery_window_days
	lapse           int64 // L: lapse_days
	reviewPeriod    int64 // I: intensive_care_days, for re-churn and intensive care
	revenueLookback int64 // R: revenue_lookback_days

	lapsed        int32   // reason id of "lapsed"
	reasonRank    []int32 // per reason id: its place in byte order of the reasons
	offerTypeRank []int32 // per offer type id: its place in byte order of the types

	quarters quarterGrid
	// firstReported and lastReported are the grid indices of the quarters the
	// scorecard reports (the trend). Revenue windows, treatment, departures and re-churn
	// cohorts are worked out for episodes and events of these quarters only.
	firstReported, lastReported int
	// kpisOnly is set for a same-age comparison (SPEC §4): only the KPIs of its one
	// reported quarter are wanted, not the breakdowns and worklists.
	kpisOnly bool
	// firstEpisode is the grid index of the first quarter whose episodes are worked
	// out: 0, or for a comparison the quarter holding start(P) - W, since an episode
	// at d < start(P) - W recovers, if at all, before P starts.
	firstEpisode int
}

func newDefinitions(p Params, asOf int64, d *data, grid quarterGrid, firstReported, lastReported int) definitions {
	lapsed, _ := d.reasons.t.Lookup(contract.Lapsed)
	return definitions{
		asOf:            asOf,
		recoveryWindow:  int64(p.RecoveryWindowDays) * day,
		lapse:           int64(p.LapseDays) * day,
		reviewPeriod:    int64(p.IntensiveCareDays) * day,
		revenueLookback: int64(p.RevenueLookbackDays) * day,
		lapsed:          lapsed,
		reasonRank:      d.reasons.ranks(),
		offerTypeRank:   d.offerTypes.ranks(),
		quarters:        grid,
		firstReported:   firstReported,
		lastReported:    lastReported,
	}
}

// reported reports whether grid quarter q is one the scorecard reports.
func (def *definitions) reported(q int) bool {
	return q >= def.firstReported && q <= def.lastReported
}

// customerRows are one customer's rows of the grouped tables, each table in time
// order: slices of the grouped columns, never copies. Purchases, complaints and
// departures stop at as_of (SPEC §3: later rows are ignored); outreach and offers are
// whole, as their window [d, min(d + W, as_of)] ends at as_of by itself.
type customerRows struct {
	purchaseTimes    []int64
	purchaseAmounts  []float64
	complaintTimes   []int64
	complaintReasons []int32
	departureTimes   []int64
	departureReasons []int32
	outreachTimes    []int64
	outreachChannels []int32
	offerTimes       []int64
	offerTypes       []int32 // ties on a time in read order
}

// customerResult is what SPEC §4 derives from one customer's rows; the driver adds it
// to its chunk's aggregates. Its slices are reused from customer to customer. A
// customer without at-risk events has no episode, departure, cohort or care row:
// then only qualifying and events (empty) are set, and the rest is stale.
type customerResult struct {
	qualifying []int64 // times of the qualifying purchases
	events     []event // the at-risk events, in episode order (sortEvents)
	eventTimes []int64 // events[i].t

	episodes   []episode      // one per quarter with an at-risk event, oldest first
	departures []departed     // one per reported quarter with a departure or lapse
	cohorts    []cohortMember // one per reported quarter holding a recovery time
	// channels are the outreach channels of the episode of the scorecard's quarter
	// (contactChannels); empty when it has none or kpisOnly.
	channels []int32

	underCare bool // the customer is on the intensive-care list, with care
	care      care
}

// customer computes everything SPEC §4 derives from one customer's rows: its at-risk
// events, one episode per quarter with its outcome, revenue windows and treatment, its
// departures, its re-churn cohorts and its intensive-care row. It reads in and def
// and writes only out, reusing out's buffers: it allocates nothing once they have
// grown.
func (def *definitions) customer(in *customerRows, out *customerResult) {
	out.qualifying = qualifyingPurchases(in.purchaseTimes, in.purchaseAmounts, out.qualifying[:0])
	out.events = def.atRiskEvents(in, out.qualifying, out.events[:0])
	if len(out.events) == 0 {
		return // and out says nothing more: the driver adds nothing
	}
	def.sortEvents(out.events)
	times := out.eventTimes[:0]
	for _, ev := range out.events {
		times = append(times, ev.t)
	}
	out.eventTimes = times
	def.fromEvents(in, out)
}

// customerAt is customer for a same-age comparison (kpisOnly), whose as_of is earlier
// than that of at, the same customer's result at the scorecard's as_of: it takes the
// qualifying purchases and the at-risk events from at instead of building and
// sorting them again. Both are at's up to this as_of. For complaints and departures
// that is SPEC §3 ("Rows whose event time is later than as_of are ignored"); for a
// lapse at p + L <= as_of here, its next qualifying purchase after p is either later
// than p + L or, being after this as_of, absent here and later than p + L at at's
// as_of: so the lapse exists here exactly when it exists in at. out's qualifying,
// events and eventTimes alias at's and are valid until at changes.
func (def *definitions) customerAt(in *customerRows, at, out *customerResult) {
	out.qualifying = at.qualifying[:upperBound(at.qualifying, def.asOf)]
	n := upperBound(at.eventTimes, def.asOf)
	out.events, out.eventTimes = at.events[:n], at.eventTimes[:n]
	if n == 0 {
		return
	}
	def.fromEvents(in, out)
}

// fromEvents derives a customer's episodes, departures, re-churn cohorts and
// intensive-care row from its qualifying purchases and at-risk events (in out, in
// episode order).
func (def *definitions) fromEvents(in *customerRows, out *customerResult) {
	episodes, departures := out.episodes[:0], out.departures[:0]
	lastEpisode, lastDeparture := -1, -1
	// Events of quarters before firstEpisode: their episodes cannot bear on the
	// quarters reported.
	from := lowerBound(out.eventTimes, def.quarters.bounds[def.firstEpisode])
	for _, ev := range out.events[from:] {
		q := def.quarters.find(ev.t)
		if def.kpisOnly && q > def.lastReported {
			break // nor can any later one, for a comparison
		}
		if q != lastEpisode { // the earliest event of its quarter
			lastEpisode = q
			episodes = append(episodes, def.episode(in, out.qualifying, ev, q))
		}
		if departs(ev) && q != lastDeparture { // the first departure or lapse of its quarter
			lastDeparture = q
			if def.reported(q) {
				departures = append(departures, def.departure(in, ev, q))
			}
		}
	}
	out.episodes, out.departures = episodes, departures
	out.cohorts = def.rechurnCohorts(episodes, out.eventTimes, out.cohorts[:0])
	out.channels = out.channels[:0]
	out.underCare = false
	if def.kpisOnly {
		return
	}
	for i := range episodes {
		if ep := &episodes[i]; int(ep.quarter) == def.lastReported {
			out.channels = def.contactChannels(in, ep.at, out.channels)
		}
	}
	out.care, out.underCare = def.intensiveCare(in, out.qualifying, out.events, episodes)
}
