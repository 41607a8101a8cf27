package pipeline

import (
	"cmp"
	"slices"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// Kinds of at-risk event, in the order SPEC §4 breaks ties on a time.
const (
	kindComplaint int8 = iota
	kindDeparture
	kindLapse
)

var kindNames = [...]string{contract.KindComplaint, contract.KindDeparture, contract.KindLapse}

// event is one at-risk event of a customer.
type event struct {
	t      int64 // µs
	kind   int8
	reason int32 // reason id
}

// episode is a customer's episode of one quarter, with everything SPEC §4 derives
// from it.
type episode struct {
	at          int64 // its at-risk time d
	recoveredAt int64 // its recovery time r, when recovered
	quarter     int32 // grid index of its quarter Q
	reason      int32
	kind        int8
	outcome     outcome
	matured     bool // its window has closed by as_of (matured)

	// Set for the reported quarters only (definitions.reported).
	group            int32 // mitigation group: an offer type id, groupOutreach or groupNone
	revenueAtRisk    float64
	recoveredRevenue float64 // 0 unless recovered
}

// qualifyingPurchases appends to dst the times of the qualifying purchases among a
// customer's purchases (in time order) and returns it. SPEC §4: "Qualifying purchase:
// a purchase with amount > 0 (refunds are negative amounts)."
func qualifyingPurchases(times []int64, amounts []float64, dst []int64) []int64 {
	for i, t := range times {
		if amounts[i] > 0 {
			dst = append(dst, t)
		}
	}
	return dst
}

// atRiskEvents appends a customer's at-risk events to dst, unordered, and returns it.
// SPEC §4: "At-risk events of a customer, each with a time, a kind and a reason:
// every complaint (reported_at, kind complaint, its reason); every departure
// (departed_at, kind departure, its reason); every lapse" (see appendLapses).
// qualifying are the times of the customer's qualifying purchases.
func (def *definitions) atRiskEvents(in *customerRows, qualifying []int64, dst []event) []event {
	for k, t := range in.complaintTimes {
		dst = append(dst, event{t, kindComplaint, in.complaintReasons[k]})
	}
	for k, t := range in.departureTimes {
		dst = append(dst, event{t, kindDeparture, in.departureReasons[k]})
	}
	return def.appendLapses(qualifying, dst)
}

// appendLapses appends the customer's lapses to dst and returns it. SPEC §4: "every
// lapse: for each qualifying purchase at p whose next qualifying purchase is later
// than p + L (or that has none), a lapse at p + L, if p + L <= as_of (kind lapse,
// reason lapsed)."
func (def *definitions) appendLapses(qualifying []int64, dst []event) []event {
	for i, p := range qualifying {
		if i+1 < len(qualifying) && qualifying[i+1] <= p+def.lapse {
			continue
		}
		if at := p + def.lapse; at <= def.asOf {
			dst = append(dst, event{at, kindLapse, def.lapsed})
		}
	}
	return dst
}

// compareEvents orders at-risk events by time, ties broken as SPEC §4 breaks them for
// an episode: "(ties: complaint before departure before lapse, then the smaller reason
// by bytes)".
func (def *definitions) compareEvents(a, b event) int {
	switch {
	case a.t != b.t:
		return cmp.Compare(a.t, b.t)
	case a.kind != b.kind:
		return int(a.kind) - int(b.kind)
	}
	return int(def.reasonRank[a.reason]) - int(def.reasonRank[b.reason])
}

// sortEvents puts events in episode order (compareEvents). The order is total: events
// it calls equal are equal in every field, so the result does not depend on the sort.
func (def *definitions) sortEvents(events []event) {
	slices.SortFunc(events, func(a, b event) int { return def.compareEvents(a, b) })
}

// episode returns the episode of grid quarter q whose earliest at-risk event is ev,
// with its outcome and, for the reported quarters, its revenue windows and mitigation
// group; qualifying are the customer's qualifying purchase times. SPEC §4: "Episode:
// for quarter Q, every customer with at least one at-risk event in Q has one episode.
// Its at-risk time d is the earliest such event; its kind and reason are that event's
// (ties: complaint before departure before lapse, then the smaller reason by bytes)."
// The earliest event is the first of its quarter in episode order (sortEvents).
func (def *definitions) episode(in *customerRows, qualifying []int64, ev event, q int) episode {
	ep := episode{quarter: int32(q), at: ev.t, kind: ev.kind, reason: ev.reason}
	var recovered bool
	ep.recoveredAt, recovered = def.recoveryTime(qualifying, ep.at)
	ep.outcome = def.outcome(recovered, ep.at)
	ep.matured = def.matured(ep.at)
	if def.reported(q) {
		ep.revenueAtRisk = def.revenueAtRisk(in, ep.at)
		if recovered {
			ep.recoveredRevenue = def.recoveredRevenue(in, ep.at)
		}
		ep.group = def.mitigationGroup(in, ep.at)
	}
	return ep
}
