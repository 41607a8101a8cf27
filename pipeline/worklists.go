package pipeline

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// winback is one entry of the win-back list (and candidate for the executive
// calls): a lost or pending episode of the scorecard's quarter.
type winback struct {
	c       int32 // customer
	d       int64
	kind    int8
	reason  int32
	rar     float64 // revenue at risk
	outcome outcome
	treated bool
}

// onWinbackList reports whether an episode of the scorecard's quarter is on the
// win-back list. SPEC §4: "win-back list: episodes of Q that are lost or pending".
func onWinbackList(ep *episode) bool { return ep.outcome != outcomeRecovered }

// forExecutiveCall reports whether an entry of the win-back list is a candidate for
// the executive calls. SPEC §4: "the first executive_calls episodes of Q whose kind is
// departure or lapse and whose outcome is lost or pending ... (The episode's kind
// decides: a customer whose episode is a complaint is not on the list even if it also
// departed.)"
func forExecutiveCall(w *winback) bool {
	return (w.kind == kindDeparture || w.kind == kindLapse) && w.outcome != outcomeRecovered
}

// care is one row of the intensive-care list.
type care struct {
	c          int32 // customer, set by the driver
	r          int64 // the latest recovery time
	purchases  int64 // qualifying purchases after r
	net        float64
	complaints int64
	status     careStatus
	rechurn    event // the first at-risk event after r, when re-churned
}

// careStatus is an intensive-care row's status, in the order the list shows them.
type careStatus int8

const (
	careRechurned careStatus = iota
	careInactive
	careHealthy
)

var careStatusNames = [...]string{"re-churned", "inactive", "healthy"}

// intensiveCare returns the customer's intensive-care row and whether it is on the
// list. qualifying are its qualifying purchase times, events its at-risk events in
// episode order (sortEvents), episodes its episodes (oldest first). SPEC §4:
// "intensive care: customers whose latest recovery time r is in (as_of - I, as_of],
// with recovered_at, review_due (r + I), qualifying purchases and net amount since r,
// complaints since r, and status re-churned (an at-risk event after r), inactive (not
// re-churned and no qualifying purchase after r) or healthy; with rechurn_kind and
// rechurn_reason of the first at-risk event after r (ties as for episodes; null when
// none)". Events and purchases after as_of are not in the customer's rows.
func (def *definitions) intensiveCare(in *customerRows, qualifying []int64, events []event, episodes []episode) (care, bool) {
	r, recovered := int64(0), false
	for i := range episodes {
		if ep := &episodes[i]; ep.outcome == outcomeRecovered && (!recovered || ep.recoveredAt > r) {
			r, recovered = ep.recoveredAt, true
		}
	}
	if !recovered || !def.underCare(r) {
		return care{}, false
	}
	pt := in.purchaseTimes
	// The first event after r in episode order is the tie-break winner at its time.
	var next *event
	if j, _ := slices.BinarySearchFunc(events, r, func(e event, t int64) int {
		if e.t <= t {
			return -1
		}
		return 1
	}); j < len(events) {
		next = &events[j]
	}
	return careRow(r, int64(len(qualifying)-upperBound(qualifying, r)), sumRange(in.purchaseAmounts, upperBound(pt, r), len(pt)),
		int64(len(in.complaintTimes)-upperBound(in.complaintTimes, r)), next), true
}

// underCare reports whether a customer whose latest recovery time is r is on the
// intensive-care list: "customers whose latest recovery time r is in (as_of - I,
// as_of]".
func (def *definitions) underCare(r int64) bool {
	return r > def.asOf-def.reviewPeriod && r <= def.asOf
}

// careRow returns the intensive-care row of a customer recovered at r with, since r
// (up to as_of), its qualifying purchases, the net amount of its purchases and its
// complaints, and next its first at-risk event after r (nil when none): "status
// re-churned (an at-risk event after r), inactive (not re-churned and no qualifying
// purchase after r) or healthy".
func careRow(r, purchases int64, net float64, complaints int64, next *event) care {
	row := care{r: r, purchases: purchases, net: net, complaints: complaints, status: careHealthy}
	if next != nil {
		row.status, row.rechurn = careRechurned, *next
	} else if purchases == 0 {
		row.status = careInactive
	}
	return row
}

// winbackRows returns the win-back list and the executive calls: SPEC §4, "ordered
// by revenue at risk descending then customer_id; the first worklist_size", and "the
// first executive_calls episodes of Q whose kind is departure or lapse ... by revenue
// at risk descending then customer_id, with the win-back list's fields". tiers are
// the departed customers' value tiers. It sorts list.
func (e *engine) winbackRows(list []winback, size, calls int, tiers map[int32]string) (wins, execs []WinbackRow) {
	ids := e.d.customers.value
	slices.SortFunc(list, func(a, b winback) int {
		if c := cmp.Compare(b.rar, a.rar); c != 0 { // revenue at risk descending
			return c
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	row := func(w *winback) WinbackRow {
		r := WinbackRow{
			CustomerID: ids(w.c), Name: e.nameOf(w.c), Segment: e.segmentName(w.c),
			AtRiskAt: time.UnixMicro(w.d).UTC(), Kind: kindNames[w.kind], Reason: e.d.reasons.value(w.reason),
			RevenueAtRisk: w.rar, Outcome: outcomeNames[w.outcome], Treated: w.treated,
			WindowCloses: time.UnixMicro(w.d + e.def.recoveryWindow).UTC(),
		}
		if t, ok := tiers[w.c]; ok {
			r.Tier = ptr(t)
		}
		return r
	}
	for i := range list[:min(len(list), size)] {
		wins = append(wins, row(&list[i]))
	}
	for i := range list {
		if len(execs) == calls {
			break
		}
		if forExecutiveCall(&list[i]) {
			execs = append(execs, row(&list[i]))
		}
	}
	return wins, execs
}

// careRows returns the intensive-care list. SPEC §4: "ordered by status (re-churned,
// inactive, healthy), then review_due, then customer_id". It sorts list.
func (e *engine) careRows(list []care) []CareRow {
	ids := e.d.customers.value
	// cmp.Or would compare the ids every time (its arguments are evaluated first):
	// they are read, from anywhere in the arena, only for equal status and time.
	slices.SortFunc(list, func(a, b care) int {
		if a.status != b.status {
			return cmp.Compare(a.status, b.status)
		}
		if a.r != b.r {
			return cmp.Compare(a.r, b.r)
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	rows := make([]CareRow, 0, len(list))
	for _, c := range list {
		row := CareRow{
			CustomerID: ids(c.c), Name: e.nameOf(c.c), Segment: e.segmentName(c.c),
			RecoveredAt: time.UnixMicro(c.r).UTC(), ReviewDue: time.UnixMicro(c.r + e.def.reviewPeriod).UTC(),
			PurchasesSince: c.purchases, NetAmountSince: c.net, ComplaintsSince: c.complaints,
			Status: careStatusNames[c.status],
		}
		if c.status == careRechurned {
			row.RechurnKind = ptr(kindNames[c.rechurn.kind])
			row.RechurnReason = ptr(e.d.reasons.value(c.rechurn.reason))
		}
		rows = append(rows, row)
	}
	return rows
}
