package job

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// With SingleUse, RunQuarter drops the loaded columns once the scorecard is computed
// and publishes the same files; a second quarter from the same load is refused, not
// computed from nothing.
func TestSingleUseDropsTheColumns(t *testing.T) {
	outA, outB := t.TempDir(), t.TempDir()
	run := func(out string, single bool) (*Loaded, *Job) {
		j, err := Open(Options{Output: out})
		if err != nil {
			t.Fatal(err)
		}
		l, err := j.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if single {
			l.SingleUse()
		}
		if _, err := j.RunQuarter(context.Background(), l, "", false); err != nil {
			t.Fatal(err)
		}
		return l, j
	}
	run(outA, false)
	l, j := run(outB, true)
	if l.data != nil {
		t.Error("the columns were kept")
	}
	if _, err := j.RunQuarter(context.Background(), l, "", true); err == nil {
		t.Error("a second quarter from a single-use load was computed")
	}
	for _, name := range []string{"recovery-scorecard-2026-Q3.json", "recovery-scorecard-2026-Q3.xlsx", "manifest-2026-Q3.json"} {
		a, errA := os.ReadFile(filepath.Join(outA, name))
		b, errB := os.ReadFile(filepath.Join(outB, name))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs with SingleUse (%v, %v)", name, errA, errB)
		}
	}
}
