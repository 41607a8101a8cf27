package cli

import "testing"

func TestCompareJSONFindsDifferences(t *testing.T) {
	want := map[string]any{
		"kpis":    map[string]any{"at_risk_customers": map[string]any{"value": 10.0}, "revenue_at_risk": map[string]any{"value": 100.0}},
		"reasons": []any{map[string]any{"reason": "price", "at_risk": 3.0}},
	}
	same := map[string]any{
		"kpis":    map[string]any{"at_risk_customers": map[string]any{"value": 10.0}, "revenue_at_risk": map[string]any{"value": 100.00000000001}},
		"reasons": []any{map[string]any{"reason": "price", "at_risk": 3.0, "extra": 1.0}},
	}
	if d := compareJSON("", want, same, nil); len(d) != 0 {
		t.Errorf("within tolerance, yet: %v", d)
	}
	differ := map[string]any{
		"kpis":    map[string]any{"at_risk_customers": map[string]any{"value": 10.0000001}, "revenue_at_risk": map[string]any{"value": 100.001}},
		"reasons": []any{map[string]any{"reason": "Price"}},
	}
	if d := compareJSON("", want, differ, nil); len(d) != 4 {
		t.Errorf("want 4 differences (count, money, text, missing), got %d: %v", len(d), d)
	}
}
