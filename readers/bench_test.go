package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// BenchmarkReadPurchases reads 200,000 purchases (string customer ids,
// wall-clock µs timestamps in New York, decimal amounts, int64 order ids).
func BenchmarkReadPurchases(b *testing.B) {
	const n = 200_000
	dir := b.TempDir()
	var ids, ts, amt, oid strings.Builder
	for i := range n {
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&ids, `"c%d"%s`, i%5000, sep)
		fmt.Fprintf(&ts, `%d%s`, int64(1767225600000000)+int64(i)*60_000_000, sep)
		fmt.Fprintf(&amt, `"%d.%02d"%s`, i%1000, i%100, sep)
		fmt.Fprintf(&oid, `%d%s`, i, sep)
	}
	writeArrow(b, dir, "purchases.parquet", arrowOpts{rowGroup: 65536},
		c("customer_id", arrow.BinaryTypes.String, "["+ids.String()+"]"),
		c("purchased_at", tsWall(arrow.Microsecond), "["+ts.String()+"]"),
		c("amount", dec(12, 2), "["+amt.String()+"]"),
		c("order_id", arrow.PrimitiveTypes.Int64, "["+oid.String()+"]"))
	loc, _ := time.LoadLocation("America/New_York")
	b.ResetTimer()
	for range b.N {
		ex, err := Discover(context.Background(), os.DirFS(dir), Options{Location: loc})
		if err != nil {
			b.Fatal(err)
		}
		r, err := ex.Table("purchases").Open(context.Background(), nil)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			rec, err := r.Next(context.Background())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += int(rec.NumRows())
			rec.Release()
		}
		r.Close()
		if rows != n {
			b.Fatalf("rows %d", rows)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
