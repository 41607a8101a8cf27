package readers

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/recoverykpi/recoverykpi/internal/arrowcheck"
)

// writeDepartures writes n departures (customer c0000 on) in one batch's worth of
// rows, with departed_at null (a required column: set aside) at the rows bad.
func writeDepartures(t *testing.T, n int, bad ...int) string {
	t.Helper()
	dir := t.TempDir()
	writePurchaseParts(t, dir, 1, 3)
	var ids, ts []string
	for i := range n {
		ids = append(ids, fmt.Sprintf(`"c%04d"`, i))
		if slices.Contains(bad, i) {
			ts = append(ts, "null")
		} else {
			ts = append(ts, fmt.Sprint(int64(1767225600000000)+int64(i)*1_000_000))
		}
	}
	writeArrow(t, dir, "departures.parquet", arrowOpts{},
		c("customer_id", arrow.BinaryTypes.String, "["+strings.Join(ids, ",")+"]"),
		c("departed_at", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, "["+strings.Join(ts, ",")+"]"))
	return dir
}

// A batch with a few rows set aside delivers its long runs of kept rows as slices
// of it, in order; one with many delivers its kept rows copied into one batch. The
// rows are the same either way.
func TestKeptRunsAreSlicesOrACopy(t *testing.T) {
	for _, c := range []struct {
		name    string
		bad     []int
		batches []int64
	}{
		{"few rows set aside: slices", []int{100, 101, 3000}, []int64{100, 2898, 1095}},
		{"set aside at the ends", []int{0, 4095}, []int64{4094}},
		{"many short runs: a copy", []int{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170}, []int64{4079}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDepartures(t, 4096, c.bad...)
			res := readTable(t, dir, "departures", Options{BatchSize: 4096}, nil)
			if !slices.Equal(res.batches, c.batches) {
				t.Errorf("batches of %v rows, want %v", res.batches, c.batches)
			}
			var want []string
			for i := range 4096 {
				if !slices.Contains(c.bad, i) {
					want = append(want, fmt.Sprintf("c%04d", i))
				}
			}
			var got []string
			for _, r := range res.rows {
				got = append(got, r["customer_id"].(string))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d rows delivered, want %d in order", len(got), len(want))
			}
			if res.quality.RowsSetAside != int64(len(c.bad)) {
				t.Errorf("set aside %d, want %d", res.quality.RowsSetAside, len(c.bad))
			}
		})
	}
}

// A reader closed with slices of a batch not yet delivered releases them.
func TestCloseReleasesUndeliveredSlices(t *testing.T) {
	dir := writeDepartures(t, 4096, 1000, 2000)
	mem := arrowcheck.New()
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	ex, err := Discover(ctx, os.DirFS(dir), Options{Allocator: mem, BatchSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.Table("departures").Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rec.NumRows() != 1000 {
		t.Errorf("first batch %d rows, want 1000", rec.NumRows())
	}
	rec.Release()
	r.Close()
}
