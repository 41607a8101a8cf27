package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// A pushdown plan refuses what a warehouse must not send: a customer twice, an
// episode outside the plan's grid; and counts an episode it is sent like the engine.
func TestPushdownPlan(t *testing.T) {
	s := Settings{Calendar: Calendar{Loc: time.UTC, StartMonth: 1},
		Params: Params{RecoveryWindowDays: 90, LapseDays: 180, IntensiveCareDays: 180, RevenueLookbackDays: 365,
			SatisfiedMinScore: 4, ScoreMin: 1, ScoreMax: 5, WorklistSize: 10, ExecutiveCalls: 3}}
	asOf := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC).UnixMicro()
	p, err := PlanPushdown(s, asOf, []string{contract.Purchases, contract.Complaints})
	if err != nil {
		t.Fatal(err)
	}
	if p.Quarter.Label != "2026-Q3" || len(p.Evaluations) != 3 {
		t.Fatalf("plan %s, %d evaluations", p.Quarter.Label, len(p.Evaluations))
	}
	q := -1 // the grid index of 2026-Q3
	for i := range len(p.Bounds) - 1 {
		if p.Bounds[i] == p.Quarter.Start.UnixMicro() {
			q = i
		}
	}
	if e := p.Evaluations[0]; q < 0 || e.QuarterFrom != p.Bounds[q] || e.ReportedTo != p.Bounds[q+1] || e.AsOf != asOf {
		t.Fatalf("evaluation 0 %+v, quarter at %d", e, q)
	}
	d := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	rec := CustomerRecord{ID: "A", Segment: "gold", Episodes: []EpisodeRecord{{
		Evaluation: 0, Quarter: q, At: d, Kind: 0, Reason: "", Recovered: true, RecoveredAt: d + 86_400_000_000,
		RevenueAtRisk: 100, RecoveredRevenue: 40, Outreach: true,
	}}}
	if err := p.Add(&rec); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(&rec); err == nil || !strings.Contains(err.Error(), "customer A delivered twice") {
		t.Errorf("the same customer twice: %v", err)
	}
	bad := CustomerRecord{ID: "B", Episodes: []EpisodeRecord{{Evaluation: 0, Quarter: len(p.Bounds), At: d}}}
	if err := p.Add(&bad); err == nil || !strings.Contains(err.Error(), "outside the plan") {
		t.Errorf("an episode outside the grid: %v", err)
	}
	sc, err := p.Scorecard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kpi := func(id contract.KPI) float64 {
		for _, k := range sc.KPIs {
			if k.ID == id && k.Value != nil {
				return *k.Value
			}
		}
		return -1
	}
	if kpi(contract.KPI("at_risk_customers")) != 1 || kpi(contract.KPI("recovered_revenue")) != 40 || kpi(contract.KPI("recovery_rate")) != 100 {
		t.Errorf("KPIs %+v", sc.KPIs)
	}
	if len(sc.Reasons) != 1 || sc.Reasons[0].Name != contract.Unspecified || len(sc.Mitigation) != 1 || sc.Mitigation[0].Group != "outreach only" {
		t.Errorf("reasons %+v, mitigation %+v", sc.Reasons, sc.Mitigation)
	}
	if err := p.Add(&CustomerRecord{ID: "C"}); err == nil {
		t.Error("a customer added after the scorecard")
	}
}
