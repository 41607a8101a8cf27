package pipeline

import (
	"reflect"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// TestEveryKPIHasItsFunction checks the catalogue: ids unique, every row with a value
// function, and, from aggregates where every count is non-zero with every table
// present, a value for every KPI: a KPI whose function is missing or forgets its
// aggregate cannot pass as "no data".
func TestEveryKPIHasItsFunction(t *testing.T) {
	var a quarterAcc
	next := 0
	fill(reflect.ValueOf(&a).Elem(), &next)
	a.untreatedRecovered = a.untreated / 2 // rates need num <= den only to read well
	seen := map[contract.KPI]bool{}
	for _, row := range kpiRows() {
		id := row.def.ID
		if id == "" || seen[id] {
			t.Errorf("KPI id %q empty or repeated", id)
		}
		seen[id] = true
		if row.def.Title == "" || row.def.Formula == "" || row.def.Meaning == "" {
			t.Errorf("%s: catalogue text missing", id)
		}
		if row.value == nil {
			t.Errorf("%s: no value function", id)
			continue
		}
		if k := row.value(&a, present{offers: true, surveys: true}); k.Value == nil {
			t.Errorf("%s is no data from non-zero aggregates", id)
		}
	}
	kpis := quarterKPIs(&a, present{}, Settings{}, quarterAge{})
	if len(kpis) != len(Catalogue()) {
		t.Fatalf("%d KPIs, catalogue has %d", len(kpis), len(Catalogue()))
	}
	ids := contract.KPIs()
	if len(ids) != len(kpis) {
		t.Fatalf("%d KPIs, the contract has %d", len(kpis), len(ids))
	}
	for i, d := range Catalogue() {
		if kpis[i].ID != d.ID || d.ID != ids[i] {
			t.Errorf("KPI %d is %s, catalogue says %s, contract %s", i, kpis[i].ID, d.ID, ids[i])
		}
	}
	for _, id := range []contract.KPI{contract.RecoverySatisfaction, contract.OffersIssued, contract.OfferConsumptionRate, contract.OfferBreakageRate} {
		if k := FindKPI(kpis, id); k.Value != nil {
			t.Errorf("%s = %v with its table absent, want no data", id, *k.Value)
		}
	}
}
