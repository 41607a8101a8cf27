package excel

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/recoverykpi/recoverykpi/pipeline"
)

// BenchmarkWriteLargeWorklists writes the workbook with long worklists, as a
// warehouse-scale run has them (the generated 300k-customer set has about 31,000
// customers in intensive care; 3M customers about ten times as many).
func BenchmarkWriteLargeWorklists(b *testing.B) {
	for _, n := range []int{1_000, 30_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			sc, prov := fixture()
			wb, care := sc.Winback, sc.IntensiveCare
			sc.Winback, sc.IntensiveCare = make([]pipeline.WinbackRow, 200), make([]pipeline.CareRow, n)
			for i := range sc.Winback {
				sc.Winback[i] = wb[i%len(wb)]
				sc.Winback[i].CustomerID = "C-" + strconv.Itoa(i)
			}
			for i := range sc.IntensiveCare {
				sc.IntensiveCare[i] = care[i%len(care)]
				sc.IntensiveCare[i].CustomerID = "C-" + strconv.Itoa(i)
			}
			var size int
			for b.Loop() {
				var buf bytes.Buffer
				if err := Write(&buf, sc, prov); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
