package verify

import (
	"strings"
	"testing"
)

func TestJSONLeafDiffs(t *testing.T) {
	pub, err := flattenJSON([]byte(`{"kpis": {"recovery_rate": {"value": 61.5}}, "reasons": [{"at_risk": 3}], "notes": {}, "x": null}`))
	if err != nil {
		t.Fatal(err)
	}
	now, err := flattenJSON([]byte(`{"kpis": {"recovery_rate": {"value": 61.50}}, "reasons": [{"at_risk": 4}], "notes": {}, "y": true}`))
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{}
	rep.differ("output differs: scorecard.json")
	leafDiffs(rep, pub, now)
	want := strings.Join([]string{
		"output differs: scorecard.json",
		"kpis.recovery_rate.value: published 61.5, now 61.50", // numbers as written
		"reasons[0].at_risk: published 3, now 4",
		"x: published null, now absent",
		"y: published absent, now true",
	}, "\n      ")
	if len(rep.diffs) != 1 || rep.diffs[0] != want {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(rep.diffs, "\n"), want)
	}
}

func TestIsCellRef(t *testing.T) {
	for s, want := range map[string]bool{"A1": true, "AB12": true, "A": false, "1": false, "a1": false, "A1B": false} {
		if got := isCellRef(s); got != want {
			t.Errorf("isCellRef(%q) = %v, want %v", s, got, want)
		}
	}
}
