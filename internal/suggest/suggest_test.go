package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"run", "run", 0}, {"rnu", "run", 1}, {"outptu", "output", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"ca", "abc", 3}, {"vérify", "verify", 1}} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"run", "backfill", "schedule", "validate", "verify", "generate", "version"}
	for _, tc := range []struct{ word, want string }{
		{"rnu", "run"}, {"rn", "run"}, {"backfil", "backfill"}, {"valdiate", "validate"}, {"verfiy", "verify"},
		{"sched", ""}, {"deploy", ""}, {"x", ""}, {"versoin", "version"},
	} {
		if got := Closest(tc.word, names); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
