package pipeline

import (
	"testing"
	"time"
)

// Reason and offer type ids of testDefinitions. Ids follow first appearance, not
// byte order, so that a tie broken by id instead of bytes shows.
const (
	reasonLapsed, reasonPrice, reasonBilling = 0, 1, 2 // "lapsed", "price", "billing"
	typeVoucher, typeDiscount                = 0, 1    // "voucher", "discount"
)

// testDefinitions are SPEC §4's default parameters, as_of asOf, and the calendar
// quarters 2025-Q1 to 2026-Q4, all reported.
func testDefinitions(asOf string) *definitions {
	cal := Calendar{Loc: time.UTC, StartMonth: 1}
	first, _ := cal.Quarter("2025-Q1")
	last, _ := cal.Quarter("2026-Q4")
	grid := newGrid(cal, first, last)
	return &definitions{
		asOf:            ts(asOf).UnixMicro(),
		recoveryWindow:  90 * day,
		lapse:           180 * day,
		reviewPeriod:    180 * day,
		revenueLookback: 365 * day,
		lapsed:          reasonLapsed,
		reasonRank:      []int32{2, 1, 0}, // billing < lapsed < price
		offerTypeRank:   []int32{1, 0},    // discount < voucher
		quarters:        grid,
		firstReported:   0,
		lastReported:    len(grid.quarters) - 1,
	}
}

func us(s string) int64 { return ts(s).UnixMicro() }

func times(ss ...string) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = us(s)
	}
	return out
}

// TestCustomer checks the per-customer function at the boundaries of SPEC §4's
// sentences, on one customer's rows.
func TestCustomer(t *testing.T) {
	const d = "2026-02-01T10:00:00Z"
	cases := []struct {
		name  string
		asOf  string
		in    customerRows
		check func(t *testing.T, def *definitions, out *customerResult)
	}{
		{
			name: "complaint, departure and lapse at one instant: the complaint, then the smaller reason by bytes",
			asOf: "2026-06-30T00:00:00Z",
			in: customerRows{
				// A lapse at 2026-02-01T10:00 from a purchase 180 days before.
				purchaseTimes: times("2025-08-05T10:00:00Z"), purchaseAmounts: []float64{10},
				complaintTimes: times(d, d), complaintReasons: []int32{reasonPrice, reasonBilling},
				departureTimes: times(d), departureReasons: []int32{reasonPrice},
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				if len(out.events) != 4 || out.events[3].kind != kindLapse {
					t.Fatalf("events = %+v", out.events)
				}
				if len(out.episodes) != 1 {
					t.Fatalf("episodes = %+v", out.episodes)
				}
				if ep := out.episodes[0]; ep.kind != kindComplaint || ep.reason != reasonBilling || ep.at != us(d) {
					t.Errorf("episode = %+v, want the billing complaint", ep)
				}
				if len(out.departures) != 1 || out.departures[0].revenueAtRisk != 10 {
					t.Errorf("departures = %+v", out.departures)
				}
			},
		},
		{
			name: "a lapse at p + L exactly as_of exists; a next purchase exactly at p + L prevents it",
			asOf: "2026-03-30T00:00:00Z",
			in: customerRows{
				purchaseTimes:   times("2025-04-03T00:00:00Z", "2025-09-30T00:00:00Z", "2025-10-01T00:00:00Z"),
				purchaseAmounts: []float64{5, 7, 0}, // the last is not qualifying
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				// 2025-04-03 + 180 days = 2025-09-30: the next purchase is not later, no lapse.
				// 2025-09-30 + 180 days = 2026-03-29 <= as_of: a lapse.
				if len(out.events) != 1 || out.events[0].kind != kindLapse || out.events[0].t != us("2026-03-29T00:00:00Z") {
					t.Errorf("events = %+v", out.events)
				}
			},
		},
		{
			name: "recovered at d + W exactly: r, recovered revenue in (d, d + W], revenue at risk in [d - R, d)",
			asOf: "2026-06-30T00:00:00Z",
			in: customerRows{
				purchaseTimes: times("2025-02-01T09:59:59Z", "2025-02-01T10:00:00Z", d, "2026-02-02T00:00:00Z", "2026-05-02T10:00:00Z", "2026-05-02T10:00:01Z"),
				// outside R, at d - R, at d (not a recovery), a refund, at d + W, after the window
				purchaseAmounts: []float64{1000, 10, 20, -3, 40, 500},
				complaintTimes:  times(d), complaintReasons: []int32{reasonPrice},
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				// The first purchases lapse in 2025-Q3: the complaint's episode is the last.
				ep := out.episodes[len(out.episodes)-1]
				if ep.kind != kindComplaint || ep.outcome != outcomeRecovered || ep.recoveredAt != us("2026-05-02T10:00:00Z") {
					t.Errorf("outcome %v at %v", outcomeNames[ep.outcome], time.UnixMicro(ep.recoveredAt).UTC())
				}
				if ep.revenueAtRisk != 10 || ep.recoveredRevenue != 37 {
					t.Errorf("revenue at risk %v, recovered %v; want 10, 37", ep.revenueAtRisk, ep.recoveredRevenue)
				}
			},
		},
		{
			name: "lost when d + W <= as_of; pending when the window is still open",
			asOf: "2026-05-02T10:00:00Z", // exactly d + W of the first episode
			in: customerRows{
				complaintTimes: times(d, "2026-04-01T00:00:00Z"), complaintReasons: []int32{reasonPrice, reasonPrice},
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				if len(out.episodes) != 2 || out.episodes[0].outcome != outcomeLost || out.episodes[1].outcome != outcomePending {
					t.Errorf("episodes = %+v", out.episodes)
				}
			},
		},
		{
			name: "treatment: the earliest offer in [d, min(d + W, as_of)], ties by the smaller offer type by bytes",
			asOf: "2026-06-30T00:00:00Z",
			in: customerRows{
				complaintTimes: times(d), complaintReasons: []int32{reasonPrice},
				// Read order puts the voucher first; "discount" is smaller by bytes.
				offerTimes: times("2026-01-31T10:00:00Z", d, d), offerTypes: []int32{typeDiscount, typeVoucher, typeDiscount},
				outreachTimes: times(d),
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				if g := out.episodes[0].group; g != typeDiscount {
					t.Errorf("group = %d, want discount (%d)", g, typeDiscount)
				}
			},
		},
		{
			name: "treatment: outreach at d + W exactly; an offer after the window does not count",
			asOf: "2026-06-30T00:00:00Z",
			in: customerRows{
				complaintTimes: times(d), complaintReasons: []int32{reasonPrice},
				offerTimes: times("2026-05-02T10:00:01Z"), offerTypes: []int32{typeVoucher},
				outreachTimes: times("2026-05-02T10:00:00Z"),
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				if g := out.episodes[0].group; g != groupOutreach {
					t.Errorf("group = %d, want outreach only", g)
				}
			},
		},
		{
			name: "treatment: the window ends at as_of",
			asOf: "2026-03-01T00:00:00Z",
			in: customerRows{
				complaintTimes: times(d), complaintReasons: []int32{reasonPrice},
				outreachTimes: times("2026-03-01T00:00:01Z"),
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				if g := out.episodes[0].group; g != groupNone {
					t.Errorf("group = %d, want none", g)
				}
			},
		},
		{
			name: "re-churn: an at-risk event exactly at r + I re-churns; intensive care needs r > as_of - I",
			asOf: "2026-09-30T00:00:00Z",
			in: customerRows{
				// Recovered at 2025-02-01 from the complaint of 2025-01-20; the purchase of
				// 2025-07-01 keeps the first from lapsing at 2025-07-31.
				purchaseTimes: times("2025-02-01T00:00:00Z", "2025-07-01T00:00:00Z"), purchaseAmounts: []float64{5, 5},
				complaintTimes:   times("2025-01-20T00:00:00Z", "2025-07-31T00:00:00Z"),
				complaintReasons: []int32{reasonPrice, reasonPrice},
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				// r = 2025-02-01; r + I = 2025-07-31: the second complaint re-churns.
				if len(out.cohorts) != 1 || !out.cohorts[0].rechurned || out.cohorts[0].pending {
					t.Errorf("cohorts = %+v", out.cohorts)
				}
				if out.underCare {
					t.Errorf("on intensive care with r long before as_of - I")
				}
			},
		},
		{
			name: "re-churn pending, and intensive care, when r + I is after as_of",
			asOf: "2026-06-30T00:00:00Z",
			in: customerRows{
				purchaseTimes: times("2026-02-10T00:00:00Z", "2026-03-01T00:00:00Z"), purchaseAmounts: []float64{5, -2},
				complaintTimes: times(d, "2026-04-01T00:00:00Z"), complaintReasons: []int32{reasonPrice, reasonBilling},
			},
			check: func(t *testing.T, def *definitions, out *customerResult) {
				if len(out.cohorts) != 1 || !out.cohorts[0].rechurned {
					t.Errorf("cohorts = %+v", out.cohorts)
				}
				c := out.care
				if !out.underCare || c.r != us("2026-02-10T00:00:00Z") || c.purchases != 0 || c.net != -2 || c.complaints != 1 || c.status != careRechurned || c.rechurn.kind != kindComplaint || c.rechurn.reason != reasonBilling {
					t.Errorf("care = %+v (listed %v)", c, out.underCare)
				}
			},
		},
	}
	var out customerResult // reused, as the driver does
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def := testDefinitions(tc.asOf)
			def.customer(&tc.in, &out)
			tc.check(t, def, &out)
		})
	}
}
