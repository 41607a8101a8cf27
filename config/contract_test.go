package config

import (
	"strings"
	"testing"
)

// The lists that Validate prints come from the contract, in its order.
func TestContractNamesInMessages(t *testing.T) {
	yml := `industry: hospitality
tables:
  orders: {path: x/}
  offers: {columns: {offer_kind: kind}}
benchmarks:
  churn_rate: {industries: {retail: 50}}
`
	_, err := Parse([]byte(yml), "")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`tables: unknown table "orders" (tables: customers, purchases, complaints, departures, outreach, offers, surveys)`,
		`tables.offers.columns: unknown column "offer_kind" (columns: customer_id, issued_at, offer_type, face_value, redeemed_at, expires_at, offer_id)`,
		`benchmarks: unknown KPI "churn_rate" (KPIs with benchmarks: recovery_rate, recovery_satisfaction, offer_consumption_rate, offer_breakage_rate)`,
		`industry: "hospitality" has no benchmark (known: automotive, financial_services, retail, saas, telecommunications;`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// An industry added under benchmarks.recovery_rate is known.
	if _, err := Parse([]byte("industry: hospitality\nbenchmarks: {recovery_rate: {industries: {hospitality: 62}}}\n"), ""); err != nil {
		t.Errorf("industry with a configured benchmark rejected: %v", err)
	}
}
