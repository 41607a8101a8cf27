package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// The boundaries that SPEC v2's rules create: matured episodes, provisional values,
// same-age comparisons, value tiers, the median, channels, re-churn ties, executive
// calls, the recovery curve and the open quarter.

func outreach(c, at, channel string) map[string]any {
	ch := any(channel)
	if channel == "" {
		ch = nil
	}
	return map[string]any{"customer_id": c, "contacted_at": ts(at), "channel": ch}
}

func v2offer(c, issued, redeemed, expires string) map[string]any {
	row := map[string]any{"customer_id": c, "issued_at": ts(issued), "offer_type": "discount", "face_value": 10.0}
	if redeemed != "" {
		row["redeemed_at"] = ts(redeemed)
	}
	if expires != "" {
		row["expires_at"] = ts(expires)
	}
	return row
}

// provisional returns whether KPI id of list is provisional.
func provisional(t *testing.T, list []KPI, id contract.KPI) bool {
	t.Helper()
	k := FindKPI(list, id)
	if k == nil {
		t.Fatalf("no KPI %s", id)
	}
	return k.Provisional
}

func TestMaturedEpisodes(t *testing.T) {
	// Complaints on 2026-01-10: d + W = 2026-04-10.
	d := "2026-01-10T00:00:00Z"
	fx := fixture{
		"purchases": {
			purchase("lost", "2025-10-01T00:00:00Z", 100),
			purchase("late", "2025-10-01T00:00:00Z", 100), purchase("late", "2026-04-10T00:00:00Z", 5), // r = d + W exactly
			purchase("early", "2025-10-01T00:00:00Z", 100), purchase("early", "2026-01-20T00:00:00Z", 5),
			purchase("open", "2025-10-01T00:00:00Z", 100), purchase("open", "2026-03-01T00:00:00Z", 5),
		},
		"complaints": {complaint("lost", d, "price"), complaint("late", d, "price"), complaint("early", d, "price"),
			complaint("open", "2026-02-01T00:00:00Z", "price")}, // its window closes 2026-05-02, after as_of
	}
	// as_of = d + W: the windows of the three complaints of 01-10 close exactly at as_of.
	sc := compute(t, fx, "2026-04-10T00:00:00Z", "2026-Q1")
	checkKPIs(t, sc, want{
		"at_risk_customers": 4, "recovered_customers": 3, "lost_customers": 1, "pending_customers": 0,
		// matured: lost, late and early (d + W <= as_of); open is recovered but not matured.
		"matured_recovery_rate": *pct(2, 3),
		"retained_revenue":      300.0, "pending_revenue": 0.0, "lost_revenue": 100.0, "revenue_at_risk": 400.0,
	})
	k := FindKPI(sc.KPIs, contract.MaturedRecoveryRate)
	if *k.Numerator != 2 || *k.Denominator != 3 {
		t.Errorf("matured = %d/%d, want 2/3", *k.Numerator, *k.Denominator)
	}
	// One µs earlier, no window has closed: nothing is lost, nothing matured.
	sc = compute(t, fx, "2026-04-09T23:59:59.999999Z", "2026-Q1")
	checkKPIs(t, sc, want{"lost_customers": 0, "pending_customers": 2, "recovered_customers": 2, "matured_recovery_rate": nil,
		"pending_revenue": 200.0})
	if len(sc.RecoveryCurve) != 0 {
		t.Errorf("recovery curve without matured episodes = %v", sc.RecoveryCurve)
	}
}

func TestProvisionalBoundaries(t *testing.T) {
	fx := fixture{
		"purchases":  {purchase("a", "2025-12-01T00:00:00Z", 50), purchase("a", "2026-02-01T00:00:00Z", 20)},
		"complaints": {complaint("a", "2026-01-15T00:00:00Z", "price")},
		"offers": {
			v2offer("a", "2026-01-16T00:00:00Z", "", ""), // never expires: never holds the rates open
			v2offer("a", "2026-01-17T00:00:00Z", "", "2026-06-30T00:00:00Z"),
		},
		"surveys": {},
	}
	// end(2026-Q1) = 2026-04-01; + W (90 days) = 2026-06-30; + I (180 days) = 2026-09-28.
	cases := []struct {
		asOf                     string
		episodes, rechurn, offer bool
		final                    string
	}{
		{"2026-06-30T00:00:00Z", false, true, false, "2026-09-28T00:00:00Z"},        // end + W = as_of: final; the offer expired at as_of
		{"2026-06-29T23:59:59.999999Z", true, true, true, "2026-09-28T00:00:00Z"},   // end + W one µs after as_of
		{"2026-09-28T00:00:00Z", false, false, false, "2026-09-28T00:00:00Z"},       // end + I = as_of
		{"2026-09-27T23:59:59.999999Z", false, true, false, "2026-09-28T00:00:00Z"}, // end + I one µs after
	}
	for _, c := range cases {
		sc := compute(t, fx, c.asOf, "2026-Q1")
		for _, id := range []contract.KPI{contract.AtRiskCustomers, contract.RecoveryRate, contract.MaturedRecoveryRate,
			contract.RetainedRevenue, contract.PendingRevenue, contract.MedianDaysToRecovery, contract.MitigationUplift} {
			if got := provisional(t, sc.KPIs, id); got != c.episodes {
				t.Errorf("as_of %s: %s provisional = %v, want %v", c.asOf, id, got, c.episodes)
			}
		}
		if got := provisional(t, sc.KPIs, contract.RecoveredRechurnRate); got != c.rechurn {
			t.Errorf("as_of %s: re-churn provisional = %v, want %v", c.asOf, got, c.rechurn)
		}
		for _, id := range []contract.KPI{contract.OfferConsumptionRate, contract.OfferBreakageRate} {
			if got := provisional(t, sc.KPIs, id); got != c.offer {
				t.Errorf("as_of %s: %s provisional = %v, want %v", c.asOf, id, got, c.offer)
			}
		}
		for _, id := range []contract.KPI{contract.DepartedCustomers, contract.DepartedRevenue, contract.RecoverySatisfaction, contract.OffersIssued} {
			if provisional(t, sc.KPIs, id) {
				t.Errorf("as_of %s: %s provisional after the quarter ended", c.asOf, id)
			}
		}
		if !sc.FinalAt.Equal(ts(c.final)) {
			t.Errorf("as_of %s: final at %s, want %s", c.asOf, sc.FinalAt, c.final)
		}
	}
	// Without the offers table the offer rates are never provisional.
	delete(fx, "offers")
	sc := compute(t, fx, "2026-05-01T00:00:00Z", "2026-Q1")
	if provisional(t, sc.KPIs, contract.OfferConsumptionRate) {
		t.Error("offer rate provisional without an offers table")
	}
}

func TestOpenQuarter(t *testing.T) {
	fx := fixture{
		"purchases":  {purchase("a", "2026-01-01T00:00:00Z", 50), purchase("a", "2026-08-01T00:00:00Z", 5)},
		"complaints": {complaint("a", "2026-07-20T00:00:00Z", "price")},
		"surveys":    {},
	}
	s := Settings{Calendar: Calendar{Loc: time.UTC, StartMonth: 1}, Params: defaultParams(), Benchmarks: DefaultBenchmarks(), Quarter: "2026-Q3"}
	asOf := ts("2026-08-15T00:00:00Z")
	s.AsOf = &asOf
	ex := &memExtract{t: t, fx: fx, mem: memory.NewGoAllocator(), absentColumns: map[string]bool{}}
	if _, err := Compute(context.Background(), ex, s); !errors.Is(err, ErrOpenQuarter) || errors.Is(err, ErrNoData) {
		t.Fatalf("open quarter without AllowOpen: %v, want ErrOpenQuarter (not ErrNoData)", err)
	}
	// Allowed: every KPI provisional, comparisons at a negative age.
	sc := compute(t, fx, "2026-08-15T00:00:00Z", "2026-Q3")
	if !sc.Open {
		t.Error("Open not set")
	}
	for _, k := range sc.KPIs {
		if !k.Provisional {
			t.Errorf("%s not provisional in an open quarter", k.ID)
		}
	}
	// age = 2026-08-15 - 2026-10-01 = -47 days.
	if p := sc.Comparisons.PreviousQuarter; p.Quarter.Label != "2026-Q2" || !p.AsOf.Equal(ts("2026-05-15T00:00:00Z")) {
		t.Errorf("previous quarter = %s at %s", p.Quarter.Label, p.AsOf)
	}
	if y := sc.Comparisons.YearAgo; y.Quarter.Label != "2025-Q3" || !y.AsOf.Equal(ts("2025-08-15T00:00:00Z")) {
		t.Errorf("year ago = %s at %s", y.Quarter.Label, y.AsOf)
	}
	for _, k := range sc.Comparisons.PreviousQuarter.KPIs {
		if !k.Provisional {
			t.Errorf("comparison %s not provisional at a negative age", k.ID)
		}
	}
}

func TestSameAgeComparison(t *testing.T) {
	// Q = 2026-Q2, as_of = end(Q) + 10 days = 2026-07-11; P = 2026-Q1 at 2026-04-11.
	fx := fixture{
		"purchases": {
			purchase("a", "2025-12-01T00:00:00Z", 10), purchase("a", "2026-04-11T00:00:00Z", 7), // exactly at as_of_P: counts
			purchase("b", "2025-12-01T00:00:00Z", 10), purchase("b", "2026-04-11T00:00:00.000001Z", 7), // one µs after: not yet
			purchase("c", "2025-12-01T00:00:00Z", 10),
		},
		"complaints": {
			complaint("a", "2026-03-20T00:00:00Z", "price"), complaint("b", "2026-03-20T00:00:00Z", "price"),
			complaint("c", "2026-04-11T00:00:00Z", "price"), // at as_of_P, but in Q2
			complaint("c", "2026-05-01T00:00:00Z", "price"),
		},
	}
	sc := compute(t, fx, "2026-07-11T00:00:00Z", "2026-Q2")
	p := sc.Comparisons.PreviousQuarter
	if p.Quarter.Label != "2026-Q1" || !p.AsOf.Equal(ts("2026-04-11T00:00:00Z")) {
		t.Fatalf("previous quarter = %s at %s", p.Quarter.Label, p.AsOf)
	}
	want := map[contract.KPI]float64{contract.AtRiskCustomers: 2, contract.RecoveredCustomers: 1, contract.PendingCustomers: 1,
		contract.LostCustomers: 0, contract.RetainedRevenue: 10, contract.PendingRevenue: 10}
	for id, v := range want {
		if k := FindKPI(p.KPIs, id); k.Value == nil || *k.Value != v {
			t.Errorf("P at the same age: %s = %v, want %v", id, deref(k.Value), v)
		}
	}
	// The same quarter in the trend is seen at the scorecard's as_of: both recovered.
	if k := FindKPI(sc.Trend[6].KPIs, contract.RecoveredCustomers); *k.Value != 2 {
		t.Errorf("trend 2026-Q1 recovered = %v, want 2", *k.Value)
	}
	// Year ago: 2025-Q2 at 2025-07-11, no episodes.
	if y := sc.Comparisons.YearAgo; y.Quarter.Label != "2025-Q2" || !y.AsOf.Equal(ts("2025-07-11T00:00:00Z")) || *FindKPI(y.KPIs, contract.AtRiskCustomers).Value != 0 {
		t.Errorf("year ago = %s at %s", y.Quarter.Label, y.AsOf)
	}
}

func TestValueTiersAtTheirBoundaries(t *testing.T) {
	// Departed revenues 80, 15, 5 (T = 100): the customers before b hold exactly 0.8 T,
	// those before c exactly 0.95 T, so a is A, b is B, c is C.
	dep := "2026-02-01T00:00:00Z"
	fx := fixture{
		"customers": {{"customer_id": "a", "segment": "gold"}, {"customer_id": "b", "segment": "gold"}, {"customer_id": "c"}},
		"purchases": {purchase("a", "2025-06-01T00:00:00Z", 80), purchase("b", "2025-06-01T00:00:00Z", 15),
			purchase("c", "2025-06-01T00:00:00Z", 5), purchase("c", "2026-02-10T00:00:00Z", 1),
			purchase("z", "2025-06-01T00:00:00Z", 0.5)},
		"departures": {departure("a", dep, "price"), departure("b", dep, "price"), departure("c", dep, "moved")},
		"complaints": {complaint("z", dep, "price")}, // a complaint episode: not departed, no tier
	}
	sc := compute(t, fx, "2026-06-30T00:00:00Z", "2026-Q1")
	wantTiers := []DepartedRow{{"A", 1, 80, 0}, {"B", 1, 15, 0}, {"C", 1, 5, 1}}
	if len(sc.Departed.ByTier) != 3 {
		t.Fatalf("tiers = %+v", sc.Departed.ByTier)
	}
	for i, w := range wantTiers {
		if sc.Departed.ByTier[i] != w {
			t.Errorf("tier %d = %+v, want %+v", i, sc.Departed.ByTier[i], w)
		}
	}
	wantSegs := []DepartedRow{{"gold", 2, 95, 0}, {"unassigned", 1, 5, 1}}
	if len(sc.Departed.BySegment) != 2 || sc.Departed.BySegment[0] != wantSegs[0] || sc.Departed.BySegment[1] != wantSegs[1] {
		t.Errorf("by segment = %+v, want %+v", sc.Departed.BySegment, wantSegs)
	}
	tiers := map[string]string{}
	for _, w := range sc.Winback {
		tiers[w.CustomerID] = "-"
		if w.Tier != nil {
			tiers[w.CustomerID] = *w.Tier
		}
		if !w.WindowCloses.Equal(w.AtRiskAt.Add(90 * 24 * time.Hour)) {
			t.Errorf("%s: window closes %s", w.CustomerID, w.WindowCloses)
		}
	}
	if tiers["a"] != "A" || tiers["b"] != "B" || tiers["z"] != "-" {
		t.Errorf("win-back tiers = %v", tiers)
	}
	// Executive calls: departures and lapses that are lost or pending; z's complaint is not one.
	var calls []string
	for _, w := range sc.ExecutiveCalls {
		calls = append(calls, w.CustomerID)
	}
	if len(calls) != 2 || calls[0] != "a" || calls[1] != "b" {
		t.Errorf("executive calls = %v, want [a b]", calls)
	}
	// All departed revenue zero or less: all C, listed A, B, C.
	fx["purchases"] = []map[string]any{purchase("a", "2025-06-01T00:00:00Z", 0)}
	sc = compute(t, fx, "2026-06-30T00:00:00Z", "2026-Q1")
	if got := sc.Departed.ByTier; got[0].Departed != 0 || got[1].Departed != 0 || got[2].Departed != 3 || got[0].Name != "A" {
		t.Errorf("tiers with T = 0: %+v", got)
	}
}

func TestMedianAndRecoveryCurve(t *testing.T) {
	d := "2026-01-01T00:00:00Z"
	mk := func(days ...float64) fixture {
		fx := fixture{}
		for i, g := range days {
			c := string(rune('a' + i))
			fx["purchases"] = append(fx["purchases"], purchase(c, "2025-12-01T00:00:00Z", 10),
				purchase(c, ts(d).Add(time.Duration(g*24*float64(time.Hour))).Format(time.RFC3339Nano), 1))
			fx["complaints"] = append(fx["complaints"], complaint(c, d, "price"))
		}
		fx["complaints"] = append(fx["complaints"], complaint("lost", d, "price"))
		return fx
	}
	odd := compute(t, mk(3, 1, 2.5), "2026-06-30T00:00:00Z", "2026-Q1")
	checkKPIs(t, odd, want{"median_days_to_recovery": 2.5})
	even := compute(t, mk(3, 1, 2.5, 10), "2026-06-30T00:00:00Z", "2026-Q1")
	checkKPIs(t, even, want{"median_days_to_recovery": (2.5 + 3) / 2})
	// Curve over the 5 matured episodes (4 recovered after 1, 2.5, 3 and 10 days, 1 lost).
	c := even.RecoveryCurve
	if len(c) != 90 {
		t.Fatalf("curve has %d days, want 90", len(c))
	}
	for _, p := range []struct {
		day  int
		want float64
	}{{1, 20}, {2, 20}, {3, 60}, {9, 60}, {10, 80}, {90, 80}} {
		if got := c[p.day-1]; got.Day != p.day || *got.RecoveredShare != p.want {
			t.Errorf("day %d: %v %%, want %v", got.Day, *got.RecoveredShare, p.want)
		}
	}
	none := compute(t, fixture{"purchases": {purchase("a", d, 1)}}, "2026-06-30T00:00:00Z", "2026-Q1")
	checkKPIs(t, none, want{"median_days_to_recovery": nil})
}

func TestChannelsAndKinds(t *testing.T) {
	d := "2026-02-01T00:00:00Z"
	fx := fixture{
		"purchases": {purchase("a", "2025-12-01T00:00:00Z", 10), purchase("a", "2026-02-20T00:00:00Z", 5),
			purchase("b", "2025-12-01T00:00:00Z", 10)},
		"complaints": {complaint("a", d, "price")},
		"departures": {departure("b", d, "moved")},
		"outreach": {
			outreach("a", "2026-02-02T00:00:00Z", "executive call"), outreach("a", "2026-02-03T00:00:00Z", "recovery team"),
			outreach("a", "2026-02-04T00:00:00Z", "executive call"),        // the same channel twice: once
			outreach("b", "2026-05-02T00:00:00.000001Z", "executive call"), // one µs after d + W: not in its window
			outreach("b", d, ""), // null channel at d: unspecified
		},
	}
	sc := compute(t, fx, "2026-06-30T00:00:00Z", "2026-Q1")
	want := []ChannelRow{{"executive call", 1, 1, ptr(100.0)}, {"recovery team", 1, 1, ptr(100.0)}, {"unspecified", 1, 0, ptr(0.0)}}
	if len(sc.Channels) != len(want) {
		t.Fatalf("channels = %+v", sc.Channels)
	}
	for i, w := range want {
		g := sc.Channels[i]
		if g.Channel != w.Channel || g.Episodes != w.Episodes || g.Recovered != w.Recovered || *g.RecoveryRate != *w.RecoveryRate {
			t.Errorf("channel %d = %+v, want %+v", i, g, w)
		}
	}
	if len(sc.Kinds) != 2 || sc.Kinds[0].Name != "complaint" || sc.Kinds[1].Name != "departure" ||
		*sc.Kinds[0].MaturedRecoveryRate != 100 || *sc.Kinds[1].MaturedRecoveryRate != 0 {
		t.Errorf("kinds = %+v", sc.Kinds)
	}
}

func TestIntensiveCareV2(t *testing.T) {
	// I = 365 days, so that a customer recovered long enough ago to lapse (L = 180) is
	// still under review. as_of = 2026-06-30.
	fx := fixture{
		"purchases": {
			// tie: recovered 2025-12-01, lapses 2026-05-30, when it also complains.
			purchase("tie", "2025-10-01T00:00:00Z", 10), purchase("tie", "2025-12-01T00:00:00Z", 5),
			// inactive and healthy: recovered 2026-02-10; they would lapse only in August.
			purchase("inactive", "2025-12-01T00:00:00Z", 10), purchase("inactive", "2026-02-10T00:00:00Z", 5),
			purchase("healthy", "2025-12-01T00:00:00Z", 10), purchase("healthy", "2026-02-10T00:00:00Z", 5),
			purchase("healthy", "2026-03-01T00:00:00Z", 7),
		},
		"complaints": {
			complaint("tie", "2025-11-20T00:00:00Z", "price"), complaint("tie", "2026-05-30T00:00:00Z", "zzz"),
			complaint("inactive", "2026-02-01T00:00:00Z", "price"), complaint("healthy", "2026-02-01T00:00:00Z", "price"),
		},
	}
	p := defaultParams()
	p.IntensiveCareDays = 365
	asOf := ts("2026-06-30T00:00:00Z")
	s := Settings{Calendar: Calendar{Loc: time.UTC, StartMonth: 1}, Params: p, Benchmarks: DefaultBenchmarks(), AsOf: &asOf, Quarter: "2026-Q1"}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sc, err := Compute(context.Background(), &memExtract{t: t, fx: fx, mem: mem, absentColumns: map[string]bool{}}, s)
	if err != nil {
		t.Fatal(err)
	}
	got := sc.IntensiveCare
	if len(got) != 3 {
		t.Fatalf("intensive care = %+v", got)
	}
	// The complaint and the lapse of 2026-05-30 tie: complaint before lapse.
	if got[0].CustomerID != "tie" || got[0].Status != "re-churned" || got[0].RechurnKind == nil || *got[0].RechurnKind != "complaint" || *got[0].RechurnReason != "zzz" {
		t.Errorf("first = %+v", got[0])
	}
	if got[1].CustomerID != "inactive" || got[1].Status != "inactive" || got[1].RechurnKind != nil || got[1].RechurnReason != nil {
		t.Errorf("second = %+v", got[1])
	}
	if got[2].CustomerID != "healthy" || got[2].Status != "healthy" || got[2].PurchasesSince != 1 {
		t.Errorf("third = %+v", got[2])
	}
}
