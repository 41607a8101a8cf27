package gctarget

import "testing"

func TestTargetPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, gcPercent},
		{1 << 20, gcPercent},
		{garbageBudget, gcPercent}, // the budget is exactly the live heap
		{garbageBudget + 1, gcPercent - 1},
		{garbageBudget * 2, 50},
		{garbageBudget * 4, 25},
		{garbageBudget * 100, minGCPercent},
	} {
		if got := targetPercent(tc.live); got != tc.want {
			t.Errorf("targetPercent(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}
