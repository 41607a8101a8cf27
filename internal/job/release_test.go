package job

import (
	"context"
	"testing"

	"github.com/recoverykpi/recoverykpi/internal/arrowcheck"
)

// A whole run — reading every table of the embedded sample (which has rows to
// set aside), computing and rendering — frees every Arrow buffer it allocated:
// batches are released as soon as the engine has copied them.
func TestRunReleasesEveryArrowBuffer(t *testing.T) {
	mem := arrowcheck.New()
	j, err := Open(Options{Output: t.TempDir(), Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	l, err := j.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var setAside int64
	for _, q := range l.quality {
		setAside += q.RowsSetAside
	}
	if setAside == 0 {
		t.Fatal("the sample has no rows to set aside: the filter path is not exercised")
	}
	if _, err := j.RunQuarter(context.Background(), l, "", false); err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
}
