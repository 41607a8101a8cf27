package contract

import "testing"

func TestTablesAreConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, tb := range Tables() {
		if seen[tb.Name] {
			t.Errorf("table %s listed twice", tb.Name)
		}
		seen[tb.Name] = true
		if tb.Columns[0].Name != CustomerID || !tb.Columns[0].Required {
			t.Errorf("%s: first column %+v, want required customer_id", tb.Name, tb.Columns[0])
		}
		if tb.Key != "" {
			if _, ok := tb.Column(tb.Key); !ok {
				t.Errorf("%s: key %s is not a column", tb.Name, tb.Key)
			}
		}
		if got, _ := LookupTable(tb.Name); got.Name != tb.Name {
			t.Errorf("LookupTable(%s) = %+v", tb.Name, got)
		}
	}
	if len(seen) != 7 || len(TableNames()) != 7 {
		t.Errorf("want 7 tables, got %d", len(seen))
	}
	if _, ok := LookupTable("orders"); ok {
		t.Error("LookupTable found a table that is not in the contract")
	}
}

func TestKPIsUnique(t *testing.T) {
	seen := map[KPI]bool{}
	for _, k := range KPIs() {
		if seen[k] {
			t.Errorf("KPI %s listed twice", k)
		}
		seen[k] = true
	}
	for _, k := range BenchmarkKPIs() {
		if !seen[k] {
			t.Errorf("benchmark KPI %s is not a KPI", k)
		}
		if bands, target := Bands(k); len(bands) == 0 || target == nil {
			t.Errorf("benchmark KPI %s has no bands", k)
		}
	}
}

// TestStatusBoundaries checks each band edge of SPEC §5.
func TestStatusBoundaries(t *testing.T) {
	for _, c := range []struct {
		kpi  KPI
		v    float64
		want string
	}{
		{RecoveryRate, 70.000001, "strong"}, {RecoveryRate, 70, "moderate"}, {RecoveryRate, 50, "moderate"},
		{RecoveryRate, 49.99, "critical"},
		{RecoverySatisfaction, 80.01, "on target"}, {RecoverySatisfaction, 80, "below target"},
		{OfferConsumptionRate, 90, "on target"}, {OfferConsumptionRate, 89.99, "below target"},
		{OfferBreakageRate, 10, "optimal"}, {OfferBreakageRate, 15, "optimal"}, {OfferBreakageRate, 15.01, "outside optimal"},
		{OfferBreakageRate, 9.99, "outside optimal"}, {AtRiskCustomers, 5, ""},
	} {
		if got := Status(c.kpi, c.v); got != c.want {
			t.Errorf("Status(%s, %v) = %q, want %q", c.kpi, c.v, got, c.want)
		}
	}
}
