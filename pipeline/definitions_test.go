package pipeline

import (
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// want is a KPI expectation: a number, or nil for "no data".
type want map[contract.KPI]any

func checkKPIs(t *testing.T, sc *Scorecard, w want) {
	t.Helper()
	for id, exp := range w {
		got := value(sc, id)
		switch e := exp.(type) {
		case nil:
			if got != nil {
				t.Errorf("%s = %v, want no data", id, *got)
			}
		case int:
			if got == nil || *got != float64(e) {
				t.Errorf("%s = %v, want %d", id, deref(got), e)
			}
		case float64:
			if got == nil || *got != e {
				t.Errorf("%s = %v, want %v", id, deref(got), e)
			}
		default:
			t.Fatalf("bad expectation %T", exp)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return "no data"
	}
	return *p
}

func TestDefinitions(t *testing.T) {
	const d = "2026-02-01T10:00:00Z" // at-risk time used by most cases, in 2026-Q1
	cases := []struct {
		name    string
		fx      fixture
		asOf    string
		quarter string
		absent  []string
		want    want
		check   func(t *testing.T, sc *Scorecard)
	}{
		{
			name: "purchase exactly at d is not a recovery",
			fx: fixture{"purchases": {purchase("c1", "2025-12-01T00:00:00Z", 50), purchase("c1", d, 100)},
				"complaints": {complaint("c1", d, "billing error")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"at_risk_customers": 1, "recovered_customers": 0, "lost_customers": 1, "recovery_rate": 0.0,
				"revenue_at_risk": 50.0, "lost_revenue": 50.0, "matured_recovery_rate": 0.0},
		},
		{
			name: "purchase exactly at d + W is a recovery",
			fx: fixture{"purchases": {purchase("c1", "2025-12-01T00:00:00Z", 50), purchase("c1", "2026-05-02T10:00:00Z", 80)},
				"complaints": {complaint("c1", d, "billing error")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"at_risk_customers": 1, "recovered_customers": 1, "recovery_rate": 100.0, "recovered_revenue": 80.0},
		},
		{
			name: "one microsecond after d + W is not a recovery",
			fx: fixture{"purchases": {purchase("c1", "2026-05-02T10:00:00.000001Z", 80)},
				"complaints": {complaint("c1", d, "billing error")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"recovered_customers": 0, "lost_customers": 1},
		},
		{
			name: "refund and zero amount after d are not a recovery",
			fx: fixture{"purchases": {purchase("c1", "2025-12-01T00:00:00Z", 50), purchase("c1", "2026-02-02T10:00:00Z", -20), purchase("c1", "2026-02-03T10:00:00Z", 0)},
				"complaints": {complaint("c1", d, "billing error")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"recovered_customers": 0, "lost_customers": 1, "recovered_revenue": 0.0, "revenue_at_risk": 50.0},
		},
		{
			name: "recovered revenue includes refunds in the window",
			fx: fixture{"purchases": {purchase("c1", "2026-02-02T10:00:00Z", -20), purchase("c1", "2026-02-05T10:00:00Z", 70)},
				"complaints": {complaint("c1", d, "billing error")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"recovered_customers": 1, "recovered_revenue": 50.0},
		},
		{
			name: "revenue at risk covers [d - R, d)",
			fx: fixture{"purchases": {
				purchase("c1", "2025-02-01T09:59:59Z", 1000), // just before d - R: out
				purchase("c1", "2025-02-01T10:00:00Z", 10),   // exactly d - R: in
				purchase("c1", "2025-08-01T10:00:00Z", -3),   // a refund: in
				purchase("c1", "2026-01-15T10:00:00Z", 20)},  // in
				"complaints": {complaint("c1", d, "late delivery")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"revenue_at_risk": 27.0},
		},
		{
			name: "a lapse landing on a quarter's first instant belongs to that quarter",
			// 2025-10-03 + 180 days = 2026-04-01T00:00:00Z, the first instant of 2026-Q2.
			fx:   fixture{"purchases": {purchase("c1", "2025-10-03T00:00:00Z", 40)}},
			asOf: "2026-09-01T00:00:00Z", quarter: "2026-Q2",
			want: want{"at_risk_customers": 1, "departed_customers": 1, "departed_revenue": 40.0, "lost_customers": 1},
			check: func(t *testing.T, sc *Scorecard) {
				q1 := sc.Trend[6]
				if q1.Quarter.Label != "2026-Q1" || *FindKPI(q1.KPIs, "at_risk_customers").Value != 0 {
					t.Errorf("2026-Q1 should have no episode: %+v", q1.KPIs[2])
				}
				if w := sc.Winback; len(w) != 1 || w[0].Kind != "lapse" || w[0].Reason != "lapsed" || !w[0].AtRiskAt.Equal(ts("2026-04-01T00:00:00Z")) {
					t.Errorf("winback = %+v", w)
				}
			},
		},
		{
			name: "no lapse when the next qualifying purchase is exactly p + L",
			fx:   fixture{"purchases": {purchase("c1", "2025-10-03T00:00:00Z", 40), purchase("c1", "2026-04-01T00:00:00Z", 40)}},
			asOf: "2026-09-01T00:00:00Z", quarter: "2026-Q2",
			want: want{"at_risk_customers": 0, "recovery_rate": nil},
		},
		{
			name: "a lapse later than as_of does not exist yet",
			fx:   fixture{"purchases": {purchase("c1", "2025-10-03T00:00:00Z", 40)}},
			asOf: "2026-03-31T23:59:59Z", quarter: "2025-Q4",
			want: want{"at_risk_customers": 0, "departed_customers": 0},
		},
		{
			name: "complaint and departure at the same instant: the complaint is the episode",
			fx: fixture{"purchases": {purchase("c1", "2025-12-01T00:00:00Z", 50)},
				"complaints": {complaint("c1", d, "poor support")},
				"departures": {departure("c1", d, "switched to competitor")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"at_risk_customers": 1, "departed_customers": 1, "departed_revenue": 50.0},
			check: func(t *testing.T, sc *Scorecard) {
				if len(sc.Reasons) != 1 || sc.Reasons[0].Name != "poor support" {
					t.Errorf("reasons = %+v", sc.Reasons)
				}
				if sc.Winback[0].Kind != "complaint" {
					t.Errorf("kind = %s", sc.Winback[0].Kind)
				}
			},
		},
		{
			name: "two complaints at the same instant: the smaller reason by bytes",
			fx: fixture{"purchases": {purchase("c1", "2025-12-01T00:00:00Z", 50)},
				"complaints": {complaint("c1", d, "price"), complaint("c1", d, "Price"), complaint("c1", d, "")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			check: func(t *testing.T, sc *Scorecard) {
				if sc.Reasons[0].Name != "Price" {
					t.Errorf("reason = %s, want Price", sc.Reasons[0].Name)
				}
			},
		},
		{
			name: "events later than as_of are ignored",
			fx: fixture{"purchases": {purchase("c1", "2025-12-01T00:00:00Z", 50), purchase("c1", "2026-03-01T00:00:00Z", 90)},
				"complaints": {complaint("c1", d, "billing error"), complaint("c2", "2026-03-20T00:00:00Z", "billing error")}},
			asOf: "2026-02-15T00:00:00Z", quarter: "2026-Q1",
			want: want{"at_risk_customers": 1, "recovered_customers": 0, "pending_customers": 1, "recovery_rate": 0.0,
				"matured_recovery_rate": nil},
		},
		{
			name: "a quarter with no episodes has no percentages",
			fx:   fixture{"purchases": {purchase("c1", "2026-01-05T00:00:00Z", 50)}},
			asOf: "2026-04-01T00:00:00Z", quarter: "2026-Q1",
			want: want{"at_risk_customers": 0, "recovery_rate": nil, "matured_recovery_rate": nil, "revenue_at_risk": 0.0,
				"treated_recovery_rate": nil, "untreated_recovery_rate": nil, "mitigation_uplift": nil, "recovered_rechurn_rate": nil},
		},
		{
			name: "absent optional tables give no data for their KPIs",
			fx:   fixture{"purchases": {purchase("c1", "2026-01-05T00:00:00Z", 50)}},
			asOf: "2026-04-01T00:00:00Z", quarter: "2026-Q1",
			want: want{"recovery_satisfaction": nil, "offers_issued": nil, "offer_consumption_rate": nil, "offer_breakage_rate": nil,
				"departed_customers": 0},
		},
		{
			name: "present but empty optional tables give zero counts and no-data rates",
			fx:   fixture{"purchases": {purchase("c1", "2026-01-05T00:00:00Z", 50)}, "offers": {}, "surveys": {}},
			asOf: "2026-04-01T00:00:00Z", quarter: "2026-Q1",
			want: want{"recovery_satisfaction": nil, "offers_issued": 0, "offer_consumption_rate": nil},
		},
		{
			name: "treatment: offer in [d, min(d+W, as_of)], outreach only, none",
			fx: fixture{
				"purchases":  {purchase("a", "2026-02-10T00:00:00Z", 10), purchase("b", "2026-02-10T00:00:00Z", 10)},
				"complaints": {complaint("a", d, "x"), complaint("b", d, "x"), complaint("c", d, "x"), complaint("e", d, "x")},
				"offers": {
					{"customer_id": "a", "issued_at": ts(d), "offer_type": "voucher", "face_value": 5.0},
					{"customer_id": "a", "issued_at": ts(d), "offer_type": "discount", "face_value": 5.0},
					{"customer_id": "e", "issued_at": ts("2026-01-31T10:00:00Z"), "offer_type": "discount"}, // before d: no
				},
				"outreach": {{"customer_id": "b", "contacted_at": ts("2026-05-02T10:00:00Z")}, // exactly d + W: yes
					{"customer_id": "c", "contacted_at": ts("2026-05-02T10:00:01Z")}}, // after: no
			},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"treated_recovery_rate": 100.0, "untreated_recovery_rate": 0.0, "mitigation_uplift": 100.0},
			check: func(t *testing.T, sc *Scorecard) {
				got := map[string]int64{}
				for _, m := range sc.Mitigation {
					got[m.Group] = m.AtRisk
				}
				if got["offer:discount"] != 1 || got["outreach only"] != 1 || got["none"] != 2 || len(got) != 3 {
					t.Errorf("mitigation = %+v", sc.Mitigation)
				}
				if sc.Mitigation[0].Group != "none" {
					t.Errorf("mitigation not ordered by group: %+v", sc.Mitigation)
				}
			},
		},
		{
			name: "offers: redeemed, expired and open; face values",
			fx: fixture{"purchases": {purchase("a", "2026-01-05T00:00:00Z", 10)},
				"offers": {
					{"customer_id": "a", "issued_at": ts("2026-01-10T00:00:00Z"), "offer_type": "voucher", "face_value": 10.0,
						"redeemed_at": ts("2026-01-20T00:00:00Z"), "expires_at": ts("2026-02-10T00:00:00Z")},
					{"customer_id": "a", "issued_at": ts("2026-01-11T00:00:00Z"), "offer_type": "voucher", "face_value": 20.0,
						"expires_at": ts("2026-03-31T00:00:00Z")}, // expired by as_of
					{"customer_id": "a", "issued_at": ts("2026-01-12T00:00:00Z"), "offer_type": "", "face_value": nil,
						"redeemed_at": ts("2026-04-02T00:00:00Z"), "expires_at": ts("2026-03-01T00:00:00Z")}, // redeemed after as_of, expired
					{"customer_id": "a", "issued_at": ts("2026-01-13T00:00:00Z"), "offer_type": "voucher", "face_value": 5.0,
						"expires_at": ts("2026-06-01T00:00:00Z")}, // open
				}},
			asOf: "2026-04-01T00:00:00Z", quarter: "2026-Q1",
			want: want{"offers_issued": 4, "offer_consumption_rate": 25.0, "offer_breakage_rate": 50.0},
			check: func(t *testing.T, sc *Scorecard) {
				if len(sc.Offers) != 2 {
					t.Fatalf("offers = %+v", sc.Offers)
				}
				u, v := sc.Offers[0], sc.Offers[1]
				if u.OfferType != "unspecified" || u.Expired != 1 || u.FaceValueIssued != 0 {
					t.Errorf("unspecified = %+v", u)
				}
				if v.OfferType != "voucher" || v.Issued != 3 || v.Redeemed != 1 || v.Expired != 1 || v.Open != 1 ||
					v.FaceValueIssued != 35 || v.FaceValueRedeemed != 10 {
					t.Errorf("voucher = %+v", v)
				}
			},
		},
		{
			name: "surveys: recovery-related only, null counts as not, score threshold inclusive",
			fx: fixture{"purchases": {purchase("a", "2026-01-05T00:00:00Z", 10)},
				"surveys": {
					{"customer_id": "a", "responded_at": ts("2026-01-10T00:00:00Z"), "score": 4.0, "recovery_related": true},
					{"customer_id": "a", "responded_at": ts("2026-01-11T00:00:00Z"), "score": 3.0, "recovery_related": true},
					{"customer_id": "a", "responded_at": ts("2026-01-12T00:00:00Z"), "score": 5.0, "recovery_related": nil},
					{"customer_id": "a", "responded_at": ts("2026-01-13T00:00:00Z"), "score": 5.0, "recovery_related": false},
				}},
			asOf: "2026-04-01T00:00:00Z", quarter: "2026-Q1",
			want: want{"recovery_satisfaction": 50.0},
		},
		{
			name: "surveys without recovery_related: every response counts",
			fx: fixture{"purchases": {purchase("a", "2026-01-05T00:00:00Z", 10)},
				"surveys": {
					{"customer_id": "a", "responded_at": ts("2026-01-10T00:00:00Z"), "score": 4.0},
					{"customer_id": "a", "responded_at": ts("2026-01-11T00:00:00Z"), "score": 3.0},
					{"customer_id": "a", "responded_at": ts("2026-01-12T00:00:00Z"), "score": 5.0},
				}},
			asOf: "2026-04-01T00:00:00Z", quarter: "2026-Q1", absent: []string{"surveys.recovery_related"},
			check: func(t *testing.T, sc *Scorecard) {
				k := FindKPI(sc.KPIs, "recovery_satisfaction")
				if *k.Numerator != 2 || *k.Denominator != 3 {
					t.Errorf("satisfaction = %d/%d", *k.Numerator, *k.Denominator)
				}
			},
		},
		{
			name: "re-churn: cohort by recovery time, re-churned within I, pending",
			fx: fixture{
				"purchases": {
					purchase("a", "2026-02-10T00:00:00Z", 10), // a recovers at 02-10
					purchase("b", "2026-02-10T00:00:00Z", 10), // b recovers at 02-10
					purchase("b", "2026-03-10T00:00:00Z", 10),
				},
				"complaints": {complaint("a", d, "x"), complaint("b", d, "x"),
					complaint("a", "2026-03-01T00:00:00Z", "y")}, // a re-churns 19 days later
			},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			check: func(t *testing.T, sc *Scorecard) {
				k := FindKPI(sc.KPIs, "recovered_rechurn_rate")
				if *k.Numerator != 1 || *k.Denominator != 2 || *k.Pending != 1 || *k.Value != 50 {
					t.Errorf("rechurn = %v %d/%d pending %d", *k.Value, *k.Numerator, *k.Denominator, *k.Pending)
				}
				if len(sc.IntensiveCare) != 2 {
					t.Fatalf("intensive care = %+v", sc.IntensiveCare)
				}
				a, b := sc.IntensiveCare[0], sc.IntensiveCare[1]
				if a.CustomerID != "a" || a.Status != "re-churned" || a.ComplaintsSince != 1 || a.PurchasesSince != 0 {
					t.Errorf("a = %+v", a)
				}
				if b.CustomerID != "b" || b.Status != "healthy" || b.PurchasesSince != 1 || b.NetAmountSince != 10 ||
					!b.ReviewDue.Equal(ts("2026-02-10T00:00:00Z").Add(180*24*time.Hour)) {
					t.Errorf("b = %+v", b)
				}
			},
		},
		{
			name: "departed: distinct customers, revenue at the first departure or lapse in the quarter",
			fx: fixture{"purchases": {purchase("a", "2025-06-01T00:00:00Z", 30), purchase("a", "2026-01-20T00:00:00Z", 5)},
				"departures": {departure("a", "2026-01-10T00:00:00Z", "price"), departure("a", "2026-02-10T00:00:00Z", "price")}},
			asOf: "2026-06-30T00:00:00Z", quarter: "2026-Q1",
			want: want{"departed_customers": 1, "departed_revenue": 30.0, "at_risk_customers": 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := compute(t, tc.fx, tc.asOf, tc.quarter, tc.absent...)
			checkKPIs(t, sc, tc.want)
			if tc.check != nil {
				tc.check(t, sc)
			}
		})
	}
}

func TestStatusesAndBenchmarks(t *testing.T) {
	cases := []struct {
		kpi  contract.KPI
		v    float64
		want string
	}{
		{"recovery_rate", 70.0001, "strong"}, {"recovery_rate", 70, "moderate"}, {"recovery_rate", 50, "moderate"},
		{"recovery_rate", 49.999, "critical"}, {"recovery_satisfaction", 80, "below target"}, {"recovery_satisfaction", 80.5, "on target"},
		{"offer_consumption_rate", 90, "on target"}, {"offer_consumption_rate", 89.9, "below target"},
		{"offer_breakage_rate", 10, "optimal"}, {"offer_breakage_rate", 15, "optimal"}, {"offer_breakage_rate", 15.01, "outside optimal"},
		{"offer_breakage_rate", 9.99, "outside optimal"}, {"at_risk_customers", 5, ""},
	}
	for _, c := range cases {
		if got := status(c.kpi, c.v); got != c.want {
			t.Errorf("status(%s, %v) = %q, want %q", c.kpi, c.v, got, c.want)
		}
	}
	b := DefaultBenchmarks().WithOverrides(map[contract.KPI]map[string]float64{"recovery_rate": {"hospitality": 62, "retail": 61}})
	if bm := b.benchmark("recovery_rate", "automotive"); bm.Value != 12.5 || *bm.Low != 10 || *bm.High != 15 {
		t.Errorf("automotive = %+v", bm)
	}
	if bm := b.benchmark("recovery_rate", "hospitality"); bm.Value != 62 || bm.Source != "company config" {
		t.Errorf("hospitality = %+v", bm)
	}
	if bm := b.benchmark("recovery_rate", "retail"); bm.Value != 61 {
		t.Errorf("retail override = %+v", bm)
	}
	if bm := DefaultBenchmarks().benchmark("recovery_rate", "telecommunications"); bm.Value != 55 || bm.Source != "Gartner" {
		t.Errorf("telecommunications = %+v", bm)
	}
}

func TestDefaultAsOfAndQuarter(t *testing.T) {
	fx := fixture{
		"purchases":  {purchase("a", "2026-01-05T00:00:00Z", 10)},
		"offers":     {{"customer_id": "a", "issued_at": ts("2026-02-01T00:00:00Z"), "redeemed_at": ts("2026-04-03T12:00:00Z"), "expires_at": ts("2027-01-01T00:00:00Z")}},
		"complaints": {complaint("a", "2026-03-01T00:00:00Z", "x")},
	}
	sc := compute(t, fx, "", "")
	// as_of is the latest instant of any column but expires_at: the redemption.
	if !sc.AsOf.Equal(ts("2026-04-03T12:00:00Z")) {
		t.Errorf("as_of = %v", sc.AsOf)
	}
	if sc.Quarter.Label != "2026-Q1" {
		t.Errorf("quarter = %s", sc.Quarter.Label)
	}
	if len(sc.Trend) != 8 || sc.Trend[0].Quarter.Label != "2024-Q2" || sc.Trend[7].Quarter.Label != "2026-Q1" {
		t.Errorf("trend = %s .. %s", sc.Trend[0].Quarter.Label, sc.Trend[7].Quarter.Label)
	}
}

func TestCalendar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	july := Calendar{Loc: berlin, StartMonth: 7}
	q, err := july.Quarter("2027-Q1")
	if err != nil {
		t.Fatal(err)
	}
	if q.Start.Format(time.RFC3339) != "2026-07-01T00:00:00+02:00" || q.End.Format(time.RFC3339) != "2026-10-01T00:00:00+02:00" {
		t.Errorf("2027-Q1 = %v .. %v", q.Start, q.End)
	}
	if got := july.At(ts("2026-06-30T22:00:00Z")).Label; got != "2027-Q1" { // local midnight of 1 July
		t.Errorf("At(2026-07-01 00:00 Berlin) = %s", got)
	}
	if got := july.At(ts("2026-06-30T21:59:59Z")).Label; got != "2026-Q4" {
		t.Errorf("At(2026-06-30 23:59:59 Berlin) = %s", got)
	}
	if got := july.Shift(q, -5).Label; got != "2025-Q4" {
		t.Errorf("Shift(-5) = %s", got)
	}
	if got := july.Default(ts("2026-10-01T00:00:00+02:00")).Label; got != "2027-Q1" {
		t.Errorf("Default at the end instant = %s", got)
	}
	if got := july.Default(ts("2026-09-30T23:59:59+02:00")).Label; got != "2026-Q4" {
		t.Errorf("Default just before the end = %s", got)
	}
	jan := Calendar{Loc: time.UTC, StartMonth: 1}
	if q, _ := jan.Quarter("2026-Q4"); q.End != ts("2027-01-01T00:00:00Z") {
		t.Errorf("2026-Q4 end = %v", q.End)
	}
	for _, bad := range []string{"2026-Q5", "2026-Q0", "26-Q1", "2026Q1", "2026-q1"} {
		if _, err := jan.Quarter(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
