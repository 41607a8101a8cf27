package job_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/generate"
	"github.com/recoverykpi/recoverykpi/internal/job"
	"github.com/recoverykpi/recoverykpi/internal/pgtest"
)

// BenchmarkWarehouseVsFiles compares `run --warehouse` (PostgreSQL does the
// per-customer work) with `run --input` (the in-memory engine) on the same generated
// extract set: wall time per scorecard (ns/op) and the Go process's peak heap
// (peak-heap-MiB, sampled every 10 ms). RECOVERYKPI_BENCH_CUSTOMERS sets the customers
// (default 3,000,000, about 65M purchases); the set is generated under
// RECOVERYKPI_BENCH_DIR (default the system's temporary folder) and loaded into the
// schema rkpi_bench_<customers> of RECOVERYKPI_TEST_POSTGRES once, then reused.
//
//	RECOVERYKPI_TEST_POSTGRES=postgres://… go test -run '^$' -bench WarehouseVsFiles -benchtime 1x -timeout 3h ./internal/job
func BenchmarkWarehouseVsFiles(b *testing.B) {
	dsn := pgtest.DSN(b)
	customers := 3_000_000
	if v := os.Getenv("RECOVERYKPI_BENCH_CUSTOMERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("RECOVERYKPI_BENCH_CUSTOMERS: %v", err)
		}
		customers = n
	}
	ctx := context.Background()
	root := os.Getenv("RECOVERYKPI_BENCH_DIR")
	if root == "" {
		root = os.TempDir()
	}
	dir := filepath.Join(root, fmt.Sprintf("recoverykpi-bench-%d", customers))
	if _, err := os.Stat(filepath.Join(dir, "customers.parquet")); err != nil {
		if _, err := generate.Write(ctx, dir, generate.Options{Customers: customers, Seed: 42}); err != nil {
			b.Fatal(err)
		}
	}
	schema := fmt.Sprintf("rkpi_bench_%d", customers)
	if !benchLoaded(ctx, b, dsn, schema) {
		start := time.Now()
		if err := pgtest.Load(ctx, dsn, schema, dir, pgtest.Options{}); err != nil {
			b.Fatal(err)
		}
		b.Logf("loaded %d customers into PostgreSQL in %s", customers, time.Since(start).Round(time.Second))
	}
	for _, mode := range []string{"input", "warehouse"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				peak := peakHeap(func() {
					yml := ""
					if mode == "warehouse" {
						yml = "warehouse: {dialect: postgres, schema: " + schema + "}\n"
					}
					cfg, err := config.Parse([]byte(yml), "")
					if err != nil {
						b.Fatal(err)
					}
					o := job.Options{Loaded: cfg, Output: b.TempDir(), Context: ctx}
					if mode == "warehouse" {
						cfg.Warehouse.DSN, o.Warehouse = dsn, true
					} else {
						o.Input = dir
					}
					j, err := job.Open(o)
					if err != nil {
						b.Fatal(err)
					}
					defer j.Close()
					l, err := j.Load(ctx)
					if err != nil {
						b.Fatal(err)
					}
					defer l.Close()
					l.SingleUse()
					if _, err := j.Rerun(ctx, l, "", 1, nil); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			}
		})
	}
}

// benchLoaded reports whether schema already holds the purchases of a load.
func benchLoaded(ctx context.Context, b *testing.B, dsn, schema string) bool {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, "SELECT COUNT(*) FROM "+pgx.Identifier{schema, "surveys"}.Sanitize()).Scan(&n)
	return err == nil && n > 0
}

// peakHeap runs fn and returns the largest heap in use seen while it ran.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	return peak
}
