package pipeline

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// winback is one entry of the win-back list: a lost or pending episode of the
// scorecard's quarter.
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

// care is one row of the intensive-care list.
type care struct {
	c          int32 // customer, set by the driver
	r          int64 // the latest recovery time
	purchases  int64 // qualifying purchases after r
	net        float64
	complaints int64
	rechurned  bool
}

// intensiveCare returns the customer's intensive-care row and whether it is on the
// list. qualifying are its qualifying purchase times, episodes its episodes (oldest
// first), eventTimes the times of its at-risk events, in order. SPEC §4: "intensive
// care: customers whose latest recovery time r is in (as_of - I, as_of], with
// recovered_at, review_due (r + I), qualifying purchases and net amount since r,
// complaints since r, and status re-churned (an at-risk event after r) or healthy".
func (def *definitions) intensiveCare(in *customerRows, qualifying []int64, episodes []episode, eventTimes []int64) (care, bool) {
	r, recovered := int64(0), false
	for i := range episodes {
		if ep := &episodes[i]; ep.outcome == outcomeRecovered && (!recovered || ep.recoveredAt > r) {
			r, recovered = ep.recoveredAt, true
		}
	}
	if !recovered || r <= def.asOf-def.reviewPeriod || r > def.asOf {
		return care{}, false
	}
	pt := in.purchaseTimes
	return care{
		r:          r,
		purchases:  int64(len(qualifying) - upperBound(qualifying, r)),
		net:        sumRange(in.purchaseAmounts, upperBound(pt, r), len(pt)),
		complaints: int64(len(in.complaintTimes) - upperBound(in.complaintTimes, r)),
		rechurned:  upperBound(eventTimes, r) < len(eventTimes),
	}, true
}

// winbackRows returns the win-back list: SPEC §4, "ordered by revenue at risk
// descending then customer_id; the first worklist_size". It sorts list.
func (e *engine) winbackRows(list []winback, size int) []WinbackRow {
	ids := e.d.customers.value
	slices.SortFunc(list, func(a, b winback) int {
		if c := cmp.Compare(b.rar, a.rar); c != 0 { // revenue at risk descending
			return c
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	var rows []WinbackRow
	for _, w := range list[:min(len(list), size)] {
		rows = append(rows, WinbackRow{
			CustomerID: ids(w.c), Name: e.nameOf(w.c), Segment: e.segmentName(w.c),
			AtRiskAt: time.UnixMicro(w.d).UTC(), Kind: kindNames[w.kind], Reason: e.d.reasons.value(w.reason),
			RevenueAtRisk: w.rar, Outcome: outcomeNames[w.outcome], Treated: w.treated,
		})
	}
	return rows
}

// careRows returns the intensive-care list, ordered by recovery time, then
// customer_id. It sorts list.
func (e *engine) careRows(list []care) []CareRow {
	ids := e.d.customers.value
	slices.SortFunc(list, func(a, b care) int {
		if c := cmp.Compare(a.r, b.r); c != 0 {
			return c
		}
		return strings.Compare(ids(a.c), ids(b.c))
	})
	var rows []CareRow
	for _, c := range list {
		status := "healthy"
		if c.rechurned {
			status = "re-churned"
		}
		rows = append(rows, CareRow{
			CustomerID: ids(c.c), Name: e.nameOf(c.c), Segment: e.segmentName(c.c),
			RecoveredAt: time.UnixMicro(c.r).UTC(), ReviewDue: time.UnixMicro(c.r + e.def.reviewPeriod).UTC(),
			PurchasesSince: c.purchases, NetAmountSince: c.net, ComplaintsSince: c.complaints, Status: status,
		})
	}
	return rows
}
